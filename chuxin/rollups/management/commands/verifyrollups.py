from django.core.management.base import BaseCommand, CommandError

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import CommitteeMember, Unit
from chuxin.problems.models import stale_unit_paths
from chuxin.rollups.checks import CHECKS
from chuxin.rollups.counters import drift, rebuild
from chuxin.rollups.models import SubtreeCounts, SubtreeTally


class Command(BaseCommand):
    help = (
        "Recount the roll-up figures (the ledger's counters, the strands' tallies, the organ tallies, the "
        "self-examination's counts) and report every unit whose stored figures drifted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="check only this unit's subtree figures (unit code)")
        parser.add_argument(
            "--repair", action="store_true", help="rebuild all counters after reporting drift"
        )

    def handle(self, *args, unit=None, repair=False, **options):
        campaigns = list(Campaign.objects.values_list("pk", flat=True))
        # The ledger's subtree filters and the recount read the unit path copied onto problems and items:
        # check it first (and repair it before the counters, which are rebuilt from it).
        stale = {k: n for k, n in stale_unit_paths(repair=repair).items() if n}
        for model, n in stale.items():
            self.stdout.write(f"{n} {model} row(s) carry a stale copy of their unit's path")
        if stale and repair:
            self.stdout.write("copied unit paths repaired")
        if unit:
            units = list(Unit.objects.filter(code=unit))
            if not units:
                raise CommandError(f"Unknown unit code: {unit}")
        else:
            # Every unit that holds counters or tallies, every organ (a unit with seats: its organ tallies),
            # every unit holding another app's roll-ups, plus the roots: drift anywhere shows up at its
            # ancestors.
            ids = set(SubtreeCounts.objects.values_list("unit_id", flat=True).distinct())
            ids |= set(SubtreeTally.objects.values_list("unit_id", flat=True).distinct())
            ids |= set(CommitteeMember.objects.values_list("unit_id", flat=True).distinct())
            for check in CHECKS.values():
                ids |= set(check.units())
            units = list(Unit.objects.filter(pk__in=ids) | Unit.objects.filter(depth=1))
        bad = 0
        for i, u in enumerate(units, 1):
            for cid in campaigns:
                d = drift(u, cid)
                for name, check in CHECKS.items():
                    d.update({f"{name}:{k}": v for k, v in check.drift(u, cid).items()})
                if d:
                    bad += 1
                    self.stdout.write(f"drift at {u.code} {u.name} (campaign {cid}): {d}")
            if i % 1000 == 0:
                self.stdout.write(f"  … {i}/{len(units)} units checked")
        if bad and repair:
            rebuild()
            for check in CHECKS.values():
                for cid in campaigns:
                    check.rebuild(cid)
            self.stdout.write("counters rebuilt from the ledger")
        if bad and not repair:
            raise CommandError(f"{bad} unit(s) drifted from a recount; run with --repair to rebuild")
        if stale and not repair:
            raise CommandError("stale copies of unit paths; run with --repair to copy them again")
        self.stdout.write(self.style.SUCCESS(f"roll-ups equal a recount at {len(units)} units"))
