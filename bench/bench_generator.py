"""Demo generator at 100 000 units: units per second of makedemo's unit tree (building names, codes,
paths, pinyin initials and inserting), against a bare bulk insert of the very same unit rows, in the
same run, on a fresh database each. Scale: BENCH_UNITS (default 100000). Database: DATABASE_URL or a
temporary SQLite file. The full demo (people, committees, roles) is timed too and printed beside it.
"""

import os
import random
import tempfile
import time

SCALE = int(os.environ.get("BENCH_UNITS", "100000"))
TARGET_RATIO = 0.25  # the generator should reach at least a quarter of the bare insert's rate


def _fresh_db():
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='chuxin-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuxin.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        # Use a throw-away database beside the configured one.
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)
    else:
        call_command("migrate", verbosity=0)


def _wipe():
    from django.db import connection, transaction

    from chuxin.campaigns.models import Campaign
    from chuxin.orgs.models import CommitteeMember, Person, RoleAssignment, Unit, WorkDomain

    with transaction.atomic():
        for model in (
            Campaign,
            RoleAssignment,
            CommitteeMember.domains.through,
            CommitteeMember,
            Person,
            WorkDomain,
        ):
            model.objects.all().delete()
        Unit.objects.all()._raw_delete(Unit.objects.db)
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("VACUUM")


def main():
    _fresh_db()
    from django.db import transaction

    from chuxin.demo.generator import build_units, make_demo
    from chuxin.orgs.models import Unit

    # Baseline: the same rows, already built, inserted with one bulk_create.
    rows = [n.unit for n in build_units(SCALE, random.Random(2019)).nodes]
    t0 = time.perf_counter()
    with transaction.atomic():
        Unit.objects.bulk_create(rows, batch_size=5000)
    bare = time.perf_counter() - t0
    _wipe()

    # Value: the generator's unit tree from scratch (names, codes, paths, initials) plus the same insert.
    from chuxin.demo import generator

    generator._initials.cache_clear()
    t0 = time.perf_counter()
    rows = [n.unit for n in build_units(SCALE, random.Random(2019)).nodes]
    with transaction.atomic():
        Unit.objects.bulk_create(rows, batch_size=5000)
    gen = time.perf_counter() - t0
    _wipe()

    generator._initials.cache_clear()
    t0 = time.perf_counter()
    counts = make_demo(SCALE, 2019)
    full = time.perf_counter() - t0

    value, baseline = SCALE / gen, SCALE / bare
    print(
        f"generator unit tree: {value:,.0f} units/s ({gen:.2f} s); bare bulk insert: {baseline:,.0f} units/s "
        f"({bare:.2f} s); full demo with {counts['people']:,} people and {counts['roles']:,} roles: {full:.1f} s"
    )
    from django.db import connection

    return {
        "name": "generator",
        "scale": f"{SCALE} units, {connection.vendor}",
        "value": round(value),
        "baseline": round(baseline),
        "unit": "units/s",
        "ratio": round(value / baseline, 3),
        "target": f">= {TARGET_RATIO}",
        "ok": value / baseline >= TARGET_RATIO,
        "full_demo_seconds": round(full, 1),
    }
