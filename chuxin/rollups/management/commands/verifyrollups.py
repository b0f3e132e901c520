import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit
from chuxin.problems.models import stale_unit_paths
from chuxin.rollups import counters
from chuxin.rollups.checks import CHECKS


@contextmanager
def snapshot():
    """One transaction whose reads all see the same moment: the recount and the stored rows are read by
    several statements, and a change committed between them (a live database) would look like drift.
    PostgreSQL's default isolation gives each statement its own snapshot, so ask for one per transaction;
    SQLite's read transaction is one already. (Inside a caller's transaction, that transaction's.)"""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


class Command(BaseCommand):
    help = (
        "Recount the roll-up figures (the ledger's counters, the strands' tallies, the organ tallies, the "
        "self-examination's counts) and report every unit whose stored figures drifted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unit", help="check only this unit's subtree figures and its subtree's unit paths (unit code)"
        )
        parser.add_argument(
            "--repair", action="store_true", help="rebuild all counters after reporting drift"
        )

    def handle(self, *args, unit=None, repair=False, **options):
        started = time.monotonic()
        campaigns = list(Campaign.objects.values_list("pk", flat=True))
        if unit:
            found = Unit.objects.filter(code=unit).first()
            if found is None:
                raise CommandError(f"Unknown unit code: {unit}")
        # The ledger's subtree filters and the recount read the unit path copied onto problems and items:
        # check it first (and repair it before the counters, which are rebuilt from it).
        stale = stale_unit_paths(repair=repair, under=found.path if unit else None)
        stale = {k: n for k, n in stale.items() if n}
        for model, n in stale.items():
            self.stdout.write(f"{n} {model} row(s) carry a stale copy of their unit's path")
        if stale and repair:
            self.stdout.write("copied unit paths repaired")
        # {campaign: {unit id: {figure: (stored, recount)}}}: one unit's drift, or every unit's at once from
        # a few grouped queries per campaign (a unit absent from both sides holds zeros and agrees)
        drifted: dict[int, dict[int, dict]] = {}
        checked = 1
        for cid in campaigns:
            with snapshot():
                if unit:
                    d = counters.drift(found, cid)
                    for name, check in CHECKS.items():
                        d.update({f"{name}:{k}": v for k, v in check.drift(found, cid).items()})
                    drifted[cid] = {found.pk: d} if d else {}
                else:
                    drifted[cid] = by_unit = counters.drift_all(cid)
                    for name, check in CHECKS.items():
                        for unit_id, d in check.drift_all(cid).items():
                            by_unit.setdefault(unit_id, {}).update({f"{name}:{k}": v for k, v in d.items()})
        if not unit:
            checked = Unit.objects.count()
        drifted_ids = sorted({u for d in drifted.values() for u in d})
        named = {}
        for i in range(0, len(drifted_ids), 900):  # IN (…) lists small enough for SQLite
            part = Unit.objects.filter(pk__in=drifted_ids[i : i + 900]).values_list("pk", "code", "name")
            named.update({pk: (code, name) for pk, code, name in part})
        bad = 0
        for cid, by_unit in drifted.items():
            for unit_id in sorted(by_unit, key=lambda u: named[u]):
                bad += 1
                code, name = named[unit_id]
                self.stdout.write(f"drift at {code} {name} (campaign {cid}): {by_unit[unit_id]}")
        if bad and repair:
            counters.rebuild()
            for check in CHECKS.values():
                for cid in campaigns:
                    check.rebuild(cid)
            self.stdout.write("counters rebuilt from the ledger")
        if bad and not repair:
            raise CommandError(f"{bad} unit(s) drifted from a recount; run with --repair to rebuild")
        if stale and not repair:
            raise CommandError("stale copies of unit paths; run with --repair to copy them again")
        self.stdout.write(
            self.style.SUCCESS(
                f"roll-ups equal a recount at {checked} units ({time.monotonic() - started:.1f} s)"
            )
        )
