"""Shared set-up for the benchmarks that need the demo at scale."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `make bench SCALE=10k|100k|1M`: the number of rectification items, with ten items per unit.
# Each scale has its own PostgreSQL database, built on first use and reused afterwards.
SCALES = {
    "10k": (1_000, 10_000, "chuxin_scale_10k"),
    "100k": (10_000, 100_000, "chuxin_scale_100k"),
    "1M": (100_000, 1_000_000, "chuxin_scale"),
}
SCALE = os.environ.get("SCALE") or "1M"
if SCALE not in SCALES:
    raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}")
_units, _items, _db = SCALES[SCALE]
SCALE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{_db}")
UNITS = int(os.environ.get("BENCH_UNITS", _units))
ITEMS = int(os.environ.get("BENCH_ITEMS", _items))


def scaled_demo() -> str:
    """Point Django at the scaled demo database, building it (minutes) when it is empty."""
    os.environ["DATABASE_URL"] = SCALE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuxin.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    if SCALE_URL.startswith("postgres"):
        db = SCALE_URL.rsplit("/", 1)[1]
        base = SCALE_URL.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {db}"], capture_output=True)
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], check=True)
    import django

    django.setup()
    from django.db import connection

    from chuxin.orgs.models import Unit

    if not Unit.objects.exists():
        print(f"building the demo at {UNITS} units / {ITEMS} items (takes minutes) …", flush=True)
        # one running campaign holding every item: the live roll-ups are what the benchmarks measure
        subprocess.run(
            [*manage, "makedemo", "--units", str(UNITS), "--items", str(ITEMS), "--one-campaign"], check=True
        )
        if connection.vendor == "postgresql":
            # fresh statistics (a bulk load leaves the planner guessing) and the visibility map, without which
            # no index-only scan is possible: the ledger's filters then walk the primary key instead
            with connection.cursor() as c:
                c.execute("VACUUM (ANALYZE)")
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(
                "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'problems_rectificationitem'"
            )
            pages, visible = c.fetchone() or (0, 0)
        if pages and not visible:
            print(
                "note: the items table was never vacuumed (is autovacuum off?): the planner cannot use "
                "index-only scans and the figures are slower than a live database's; run VACUUM (ANALYZE)",
                flush=True,
            )

    return connection.vendor


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
