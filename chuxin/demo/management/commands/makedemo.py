import time

from django.core.management.base import BaseCommand, CommandError

from chuxin.campaigns.models import Campaign
from chuxin.demo.generator import make_accounts, make_demo
from chuxin.orgs.models import Unit


class Command(BaseCommand):
    help = "Build the 2019 campaign demo: the organisation tree, committees, people, roles and demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=3000, help="total number of units (default 3000)")
        parser.add_argument(
            "--seed", type=int, default=2019, help="random seed; the same seed gives the same demo"
        )
        parser.add_argument(
            "--items", type=int, default=None, help="rectification items (default: 3 per unit)"
        )
        parser.add_argument("--if-missing", action="store_true", help="do nothing when a demo already exists")

    def handle(self, *args, units, seed, if_missing, items, **options):
        if Unit.objects.exists() or Campaign.objects.exists():
            if if_missing:
                self.stdout.write("The demo already exists; skipping (delete var/chuxin.sqlite3 to rebuild).")
                return
            raise CommandError("The database already holds units; makedemo only fills an empty database.")
        t0 = time.perf_counter()
        try:
            counts = make_demo(units, seed, progress=lambda m: self.stdout.write(f"  … {m}"), items=items)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        make_accounts()
        dt = time.perf_counter() - t0
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo built in {dt:.1f} s: {counts['units']} units, {counts['people']} people, "
                f"{counts['roles']} role assignments, {counts['problems']} problems, {counts['items']} items."
            )
        )
