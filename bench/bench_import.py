"""Excel 台账 import at 100 000 rows against a bare python-calamine read of the same file: the dry run (read
+ plan) and the import (read + plan + apply through do_import_ledger, with its audit entries and counters, in one
transaction), each measured and reported separately; verifyrollups and verifyaudit run afterwards.
Scale: BENCH_ROWS (default 100000) new rows over a generated demo of BENCH_UNITS (default 3000) units.
Database: DATABASE_URL or a temporary SQLite file.

Each phase (the bare read, the dry run, the import) runs in a process of its own that has set up Django and
imported the import's modules, as a worker's job runs: an RQ worker forks a work horse per job, and neither
worker loads the demo generator (whose scikit-learn alone is ~125 MB) or keeps a demo build's or a bare
read's heap. The timings start after that set-up; a phase's peak memory is its process's peak RSS.
"""

import os
import random
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

SCALE = int(os.environ.get("BENCH_ROWS", "100000"))
UNITS = int(os.environ.get("BENCH_UNITS", "3000"))
TARGET_RATIO = 3.0  # the whole import should take at most three times the bare read
# BENCH_PROFILE=dir: each phase under cProfile, its statistics written to dir/import-{dry,apply}.prof
# (`python -m pstats`); the ratios of a profiled run are not the figures to report.
PROFILE = os.environ.get("BENCH_PROFILE", "")


def _profiled(phase: str, fn, *args, **kwargs):
    if not PROFILE:
        return fn(*args, **kwargs)
    import cProfile

    Path(PROFILE).mkdir(parents=True, exist_ok=True)
    prof = cProfile.Profile()
    try:
        return prof.runcall(fn, *args, **kwargs)
    finally:
        prof.dump_stats(str(Path(PROFILE) / f"import-{phase}.prof"))


def _fresh_db():
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='chuxin-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuxin.settings")
    # as a production worker runs it: with DEBUG on (the demo's default) Django's debug cursor formats and
    # keeps every statement with its parameters, 5 000-row executemany batches included
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)
    else:
        call_command("migrate", verbosity=0)


def _trim() -> None:
    """Give the memory the process has freed (the demo generator's, the bare read's) back to the system
    (glibc's malloc_trim), so that a phase's peak RSS starts from what the process really holds, as in a
    worker that did not just build a demo; elsewhere a no-op."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak() -> bool:
    """Linux: start the process's peak RSS (VmHWM) afresh, so that a phase's peak is its own and not the
    demo generator's or the bare read's (writing 5 to clear_refs resets it; Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_mb(field: str) -> float | None:
    """A memory figure of /proc/self/status (Linux), in MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _phase_peak_mb() -> float:
    """The peak RSS since _reset_peak (the process's whole peak where it cannot be reset)."""
    peak = _status_mb("VmHWM")
    return _peak_mb() if peak is None else peak


def _resident_mb() -> float:
    return _status_mb("VmRSS") or 0.0


def _build_file(path: Path, rng: random.Random) -> None:
    """Synthetic rows: units of the demo, each with a person whose name is unique at that unit."""
    from collections import Counter

    import xlsxwriter
    from django.utils import timezone

    from chuxin.orgs.models import Person, Unit
    from chuxin.problems.ledger import layout as lx

    by_unit: dict[int, list] = {}
    for p in Person.objects.filter(is_active=True).values("name", "home_unit_id"):
        by_unit.setdefault(p["home_unit_id"], []).append(p["name"])
    units = []
    for u in Unit.objects.values("pk", "code", "name"):
        names = Counter(by_unit.get(u["pk"], []))
        unique = [n for n, c in names.items() if c == 1]
        if unique:
            units.append((u["code"], u["name"], unique))
    today = timezone.localdate()
    sources = list(lx.SOURCE_ZH.values())
    kinds = ["立行立改", "限期整改", "长期坚持"]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("整改台账")
    ws.write_string(0, 0, "基准测试主题教育整改台账")
    ws.write_string(1, 0, "填报单位：基准测试　　填报日期：" + lx.zh_date(today))
    for j, h in enumerate(lx.COLUMNS):
        ws.write_string(2, j, h)
    r = 3
    n = 0
    while n < SCALE:
        code, uname, names = rng.choice(units)
        title = f"问题{n:06d}：{rng.choice(['作风不实', '调研不深', '服务不优', '落实不力'])}"
        source = rng.choice(sources)
        areas = rng.choice(
            ["", "惠民生", "促改革", "防风险、保稳定", "稳增长，调结构"]
        )  # one problem, one cell
        for k in range(min(rng.randint(1, 3), SCALE - n)):
            n += 1
            kind = rng.choice(kinds)
            deadline = today + timedelta(days=rng.randint(10, 200))
            cells = {  # by column name: the layout's order may change (服务中心工作 came after 根源剖析)
                "序号": n,
                "单位代码": code,
                "单位名称": uname,
                "问题来源": source,
                "问题描述": title,
                "根源剖析": "思想认识不到位",
                "服务中心工作": areas,
                "整改措施": f"整改措施{n}-{k}",
                "责任领导": rng.choice(names),
                "责任人": rng.choice(names),
                "整改时限": lx.zh_date(deadline) if rng.random() < 0.5 else deadline.isoformat(),
                "整改类型": kind,
            }
            if kind == "立行立改":
                cells["整改时限"] = ""
            for h, v in cells.items():
                j = lx.COLUMNS.index(h)
                if isinstance(v, int):
                    ws.write_number(r, j, v)
                else:
                    ws.write_string(r, j, v)
            r += 1
    wb.close()


def _analyze() -> None:
    """PostgreSQL: statistics for the demo just built, as autovacuum keeps them on a production database
    (it is off on these machines). Without them the planner takes every table for empty: verifyrollups'
    attendance recount ran as a nested loop of units by units, 5.0 s instead of 0.08 s at 3 000 units."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def _database_url() -> str:
    """The URL of the database this process uses (PostgreSQL: the benchmark's test_<name>), for the phases'
    processes."""
    import urllib.parse

    from django.db import connection

    url = os.environ["DATABASE_URL"]
    if connection.vendor != "postgresql":
        return url
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _run_phase(phase: str, path: Path, user_id: int, unit_id: int, campaign_id: int) -> dict:
    """One phase in a fresh process, as a worker runs an import job (see the module's docstring)."""
    import json
    import subprocess
    import sys

    from django.db import connections

    connections.close_all()  # SQLite: no read transaction of this process in the phase's way
    env = {**os.environ, "DATABASE_URL": _database_url()}
    args = [sys.executable, __file__, "--phase", phase, str(path), *map(str, (user_id, unit_id, campaign_id))]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _phase(phase: str, path: str, user_id: int, unit_id: int, campaign_id: int) -> dict:
    """The body of a phase's process (`_run_phase`): prints one JSON line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuxin.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from python_calamine import CalamineWorkbook

    from chuxin.campaigns.models import Campaign
    from chuxin.orgs.models import Unit
    from chuxin.problems.actions import do_import_ledger
    from chuxin.problems.ledger import jobs  # noqa: F401 (what the worker's task imports)

    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.get(pk=unit_id)
    campaign = Campaign.objects.get(pk=campaign_id)
    _trim()
    base_mb = _resident_mb()
    _reset_peak()
    out: dict = {}
    t0, c0 = time.perf_counter(), time.process_time()
    if phase == "read":
        CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    else:
        result = _profiled(
            phase,
            do_import_ledger,
            unit=unit,
            path=Path(path),
            campaign=campaign,
            confirm=phase == "apply",
            acting_user=user,
        )
        if result.get("errors") or result.get("file_error"):
            out["errors"] = [str(result.get("file_error")), [str(e) for e in result["errors"][:5]]]
        out["summary"] = result.get("summary", {})
        out["plan_reused"] = result.get("plan_reused")
    out.update(
        wall=time.perf_counter() - t0,
        cpu=time.process_time() - c0,
        peak_mb=_phase_peak_mb(),
        base_mb=base_mb,
    )
    return out


def main():
    _fresh_db()
    from django.contrib.auth import get_user_model

    from chuxin.campaigns.models import Campaign
    from chuxin.demo.generator import make_demo
    from chuxin.orgs.models import Unit
    from chuxin.problems.models import RectificationItem

    make_demo(UNITS, 2019, items=0)
    user = get_user_model().objects.create_superuser("bench", password="bench-only")
    _analyze()
    root = Unit.objects.get_root_nodes()[0]
    rng = random.Random(2019)
    with tempfile.TemporaryDirectory(prefix="chuxin-bench-import-") as d:
        path = Path(d) / "ledger.xlsx"
        t0 = time.perf_counter()
        _build_file(path, rng)
        build = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        before = RectificationItem.objects.count()
        campaign = Campaign.objects.first()
        ids = (user.pk, root.pk, campaign.pk)
        read = _run_phase("read", path, *ids)
        dry = _run_phase("dry", path, *ids)
        if dry.get("errors"):
            raise SystemExit(f"the synthetic file has errors: {dry['errors']}")
        result = _run_phase("apply", path, *ids)
        if result.get("errors"):
            raise SystemExit(f"the import failed: {result['errors']}")
        summary = result["summary"]
        reused = result.get("plan_reused")
        created = RectificationItem.objects.count() - before
    assert created == SCALE, (created, SCALE)
    from django.core.management import call_command
    from django.db import connection

    bare, bare_cpu = read["wall"], read["cpu"]
    check, check_cpu, dry_peak = dry["wall"], dry["cpu"], dry["peak_mb"]
    full, full_cpu, apply_peak = result["wall"], result["cpu"], result["peak_mb"]
    base_mb = dry["base_mb"]
    print(
        f"{SCALE:,} rows ({size_mb:.1f} MB, built in {build:.1f} s): bare calamine read {bare:.2f} s; "
        f"dry run {check:.2f} s ({check / bare:.1f}x); import with apply {full:.1f} s ({full / bare:.1f}x; "
        f"{summary['new']:,} items, {summary['problems_created']:,} problems; the dry run's plan reused: {reused}); "
        f"peak RSS of the bare read {read['peak_mb']:.0f} MB, of the dry run {dry_peak:.0f} MB, of the import "
        f"{apply_peak:.0f} MB (each phase in a fresh process holding {base_mb:.0f} MB before it: Django and "
        "the import's modules)",
        flush=True,
    )
    # On a shared machine wall time stretches with the load; this process's CPU time much less (on
    # PostgreSQL the server's CPU time is not in it).
    print(
        f"CPU time of the phase's process: bare read {bare_cpu:.2f} s; dry run {check_cpu:.2f} s "
        f"({check_cpu / bare_cpu:.1f}x); import {full_cpu:.2f} s ({full_cpu / bare_cpu:.1f}x); "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    # the counters and the audit chain are still exact after the bulk path
    if os.environ.get("BENCH_VERIFY", "1") == "1":
        t = time.perf_counter()
        call_command("verifyrollups")
        t_audit = time.perf_counter()
        call_command("verifyaudit")
        print(
            f"verifyrollups passed ({t_audit - t:.1f} s, every unit), verifyaudit passed "
            f"({time.perf_counter() - t_audit:.1f} s); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    return {
        "name": "import",
        "scale": f"{SCALE} rows, {UNITS} units, {connection.vendor}",
        "value": round(full, 2),
        "baseline": round(bare, 3),
        "unit": "s",
        "ratio": round(full / bare, 2),
        "target": f"<= {TARGET_RATIO}",
        "ok": full / bare <= TARGET_RATIO
        and check / bare <= TARGET_RATIO
        and max(dry_peak, apply_peak) <= 500,
        "dry_run_seconds": round(check, 2),
        "dry_run_ratio": round(check / bare, 2),
        "apply_seconds": round(full, 2),
        "apply_ratio": round(full / bare, 2),
        "plan_reused": reused,
        "cpu_baseline": round(bare_cpu, 3),
        "dry_run_cpu_ratio": round(check_cpu / bare_cpu, 2),
        "apply_cpu_ratio": round(full_cpu / bare_cpu, 2),
        "peak_rss_mb": round(max(dry_peak, apply_peak)),
        "dry_run_peak_rss_mb": round(dry_peak),
        "apply_peak_rss_mb": round(apply_peak),
        "read_peak_rss_mb": round(read["peak_mb"]),
        "rss_before_phase_mb": round(base_mb),
        "memory_target": "<= 500 MB",
        "load_average": round(os.getloadavg()[0], 1),
    }


if __name__ == "__main__":
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if sys.argv[1:2] == ["--phase"]:
        name, file, *pks = sys.argv[2:]
        print(json.dumps(_phase(name, file, *map(int, pks))))
    else:
        print(json.dumps(main(), ensure_ascii=False))
