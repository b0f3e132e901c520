import time

from django.core.management.base import BaseCommand, CommandError

from chuxin.campaigns.models import Campaign
from chuxin.demo.generator import make_accounts, make_demo
from chuxin.orgs.models import Unit


class Command(BaseCommand):
    help = (
        "Build the demo: the organisation tree, committees, people, roles, demo accounts, the 2019 campaign "
        "on its real dates (closed) and a running Guangdong special rectification."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=3000, help="total number of units (default 3000)")
        parser.add_argument(
            "--seed", type=int, default=2019, help="random seed; the same seed gives the same demo"
        )
        parser.add_argument(
            "--items", type=int, default=None, help="rectification items (default: 3 per unit)"
        )
        parser.add_argument("--if-missing", action="store_true", help="do nothing when a demo already exists")
        parser.add_argument(
            "--one-campaign",
            action="store_true",
            help="only the 2019 campaign, running, its ledger dated around today (as the benchmarks use)",
        )

    def handle(self, *args, units, seed, if_missing, items, one_campaign, **options):
        if Unit.objects.exists() or Campaign.objects.exists():
            if if_missing:
                self.stdout.write("The demo already exists; skipping (delete var/chuxin.sqlite3 to rebuild).")
                return
            raise CommandError("The database already holds units; makedemo only fills an empty database.")
        t0 = time.perf_counter()
        try:
            counts = make_demo(
                units,
                seed,
                progress=lambda m: self.stdout.write(f"  … {m}"),
                items=items,
                history=not one_campaign,
            )
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
