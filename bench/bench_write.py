"""Write cost at scale: claim → verify on a leaf item (the deepest units), one writer, then 20
concurrent writers, each in a different province (fewer where the demo has fewer than 21 provinces: the 10k
demo has 17), on the scaled demo in PostgreSQL.

Every ledger change adds its delta to the roll-up counters of the unit and all its ancestors — the
root's row included, which every change in the country touches — and appends to the audit chain,
whose head row serialises appends by design. Both are locked by the last statements before the
commit (problems/actions.py `_save_item`). This benchmark measures:

- the claim + verify pair, p50 and p95, one writer (target: p50 <= 50 ms);
- the counter UPDATEs alone (rows touched = the leaf's depth), one writer and under 20 writers;
- the wait on the hot rows under 20 writers: the time of the statements that lock the root's
  counters and the audit head, against the same statements with one writer;
- throughput with 1 and with 20 writers (two cores here: 20 writers cannot be 20 times faster, but
  serialising on the root row would make them no faster at all, with waits of the whole transaction);
- the statements a pair makes (the benchmark's own re-read of the item between claim and verify included);
- the same 20 writers three times in one run, other items of the same provinces each time: as configured
  (counter shard rows, chuxin/rollups/shards.py, and one audit chain per province, chuxin/audit/log.py);
  with one audit chain (AUDIT_CHAIN_DEPTH=0, as before the chains were split); and with one audit chain and
  one counter row per unit (ROLLUP_SHARDS=1 as well, as before sharding). The ratios of the audit head
  lock's p50 (chains / one chain) and of the counter statements' p50 (sharded / unsharded) are the waits
  each change saves.

Each writer is its own process (no shared interpreter lock), with its own connection."""

import multiprocessing as mp
import os
import statistics
import time

from common import SCALE, percentile, scaled_demo

SECONDS = float(os.environ.get("BENCH_WRITE_SECONDS", "12"))
WRITERS = 20
SINGLE = 40
DETAIL = bool(os.environ.get("BENCH_WRITE_DETAIL"))  # print where each run's database time went


def _hot(sql: str) -> str | None:
    head = sql.lstrip()[:60].upper()
    # the counters' statement: an upsert since the shard rows (INSERT … ON CONFLICT DO UPDATE), an UPDATE before
    if "rollups_subtreecounts" in sql and (head.startswith("UPDATE") or "ON CONFLICT" in sql.upper()):
        return "counters"
    if "audit_audithead" in sql and "FOR UPDATE" in sql.upper():
        return "audit_head"
    return None


def _writer(item_ids, seconds, out, shards=None, chain_depth=None):
    """Claim and verify items until time is up; returns latencies and the hot statements' times.
    `shards`, `chain_depth`: ROLLUP_SHARDS and AUDIT_CHAIN_DEPTH for this writer (None: the settings')."""
    import django
    from django.conf import settings
    from django.db import connection

    django.setup()
    if shards is not None:
        settings.ROLLUP_SHARDS = shards
    if chain_depth is not None:
        settings.AUDIT_CHAIN_DEPTH = chain_depth
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chuxin.problems import actions
    from chuxin.problems.models import RectificationItem

    User = get_user_model()
    staff, verifier = User.objects.get(username="zhongyang"), User.objects.get(username="admin")
    hot = {"counters": [], "audit_head": []}
    counter_rows = []
    statements = [0, 0.0]  # statements made, their time (ms)
    by_shape = {}

    def wrapper(execute, sql, params, many, context):
        statements[0] += 1
        kind = _hot(sql)
        t0 = time.perf_counter()
        result = execute(sql, params, many, context)
        took = (time.perf_counter() - t0) * 1000
        statements[1] += took
        if DETAIL:
            shape = " ".join(sql.split())[:70]
            n, total = by_shape.get(shape, (0, 0.0))
            by_shape[shape] = (n + 1, total + took)
        if kind:
            hot[kind].append((time.perf_counter() - t0) * 1000)
            if kind == "counters":
                counter_rows.append(context["cursor"].rowcount)
        return result

    pairs, cpu, counts, sql_ms = [], [], [], []
    deadline = time.perf_counter() + seconds if seconds else None
    with connection.execute_wrapper(wrapper):
        for n, pk in enumerate(item_ids):
            if deadline is None and n >= SINGLE or deadline is not None and time.perf_counter() > deadline:
                break
            item = RectificationItem.objects.select_related("unit").get(pk=pk)
            t0, c0, n0, s0 = time.perf_counter(), time.process_time(), statements[0], statements[1]
            actions.do_claim_item(
                item, "已完成整改", [SimpleUploadedFile("证明.txt", b"evidence")], acting_user=staff
            )
            item.refresh_from_db()
            actions.do_verify_item(item, "核查属实，同意销号", acting_user=verifier)
            pairs.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            counts.append(statements[0] - n0)
            sql_ms.append(statements[1] - s0)
    connection.close()
    out.put(
        {
            "pairs": pairs,
            "cpu": cpu,
            "hot": hot,
            "counter_rows": counter_rows,
            "statements": counts,
            "sql_ms": sql_ms,
            "by_shape": by_shape,
        }
    )


def _items_by_province(per_province):
    """In-progress items at the deepest units, grouped by province (depth-2 path prefix)."""
    from chuxin.orgs.models import Unit
    from chuxin.problems.models import RectificationItem

    provinces = list(Unit.objects.filter(depth=2).order_by("path").values_list("path", flat=True))
    deepest = Unit.objects.order_by("-depth").values_list("depth", flat=True).first()
    out = {}
    for p in provinces:
        ids = list(
            RectificationItem.objects.filter(
                unit_path__startswith=p, status="in_progress", unit__depth__gte=deepest - 1
            )
            .order_by("id")
            .values_list("id", flat=True)[:per_province]
        )
        if len(ids) >= 10:
            out[p] = ids
    return out, deepest


def _run(groups, seconds, shards=None, chain_depth=None):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    from django.db import connections

    connections.close_all()
    procs = [ctx.Process(target=_writer, args=(ids, seconds, q, shards, chain_depth)) for ids in groups]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    return results, time.perf_counter() - t0


def _ratio(a, b):
    return round(percentile(a, 0.5) / percentile(b, 0.5), 3) if a and b and percentile(b, 0.5) else None


def _p(values, q):
    return round(percentile(values, q), 2) if values else None


def _verify() -> dict[str, float]:
    """The counters and the audit chain are still exact after the writes (set BENCH_VERIFY=0 to skip):
    the whole verifyrollups (every unit) and verifyaudit, timed."""
    from django.core.management import call_command

    out = {}
    for command in ("verifyrollups", "verifyaudit"):
        t = time.perf_counter()
        call_command(command)
        out[command] = round(time.perf_counter() - t, 1)
    print(
        f"verifyrollups passed ({out['verifyrollups']} s, every unit), verifyaudit passed "
        f"({out['verifyaudit']} s); load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return out


def main():
    vendor = scaled_demo()
    by_province, deepest = _items_by_province(400)
    # one writer per province besides the single writer's: the 10k demo has fewer than 21 provinces
    writers = min(WRITERS, len(by_province) - 1)
    if writers < 2:
        raise SystemExit(f"need in-progress leaf items in at least 3 provinces, found {len(by_province)}")
    provinces = sorted(by_province, key=lambda p: -len(by_province[p]))
    single_ids = by_province[provinces[0]]
    from chuxin.audit.log import open_chains

    open_chains(provinces[: writers + 1])  # once in a database's life: not part of what is measured
    # one writer, SINGLE claim+verify pairs
    (single,), single_s = _run([single_ids], 0)
    # twenty writers, one per other province, for SECONDS each time: as configured (audit chain per province,
    # counter shards), then with one audit chain, then with one audit chain and one counter row per unit —
    # other items of the same provinces each time; the configured run first, so that any warming up counts
    # against it
    groups = [by_province[p] for p in provinces[1 : writers + 1]]
    third = [len(ids) // 3 for ids in groups]
    runs = {
        "chains": _run([ids[:t] for ids, t in zip(groups, third, strict=True)], SECONDS)[0],
        "one_chain": _run(
            [ids[t : 2 * t] for ids, t in zip(groups, third, strict=True)], SECONDS, chain_depth=0
        )[0],
        "unsharded": _run([ids[2 * t :] for ids, t in zip(groups, third, strict=True)], SECONDS, 1, 0)[0],
    }
    figures = {}
    for name, results in runs.items():
        pairs = [x for r in results for x in r["pairs"]]
        sql_ms = [x for r in results for x in r["sql_ms"]]
        hot = {k: [x for r in results for x in r["hot"][k]] for k in ("counters", "audit_head")}
        figures[name] = {
            "pairs": len(pairs),
            "rate": len(pairs) / SECONDS,
            "pair_p50": _p(pairs, 0.5),
            "pair_p95": _p(pairs, 0.95),
            "sql_p50": _p(sql_ms, 0.5),
            "counters": hot["counters"],
            "audit_head": hot["audit_head"],
        }
    p50 = statistics.median(single["pairs"])
    single_rate = len(single["pairs"]) / (sum(single["pairs"]) / 1000)
    rows = statistics.median(single["counter_rows"]) if single["counter_rows"] else 0
    statements = statistics.median(single["statements"])
    load = os.getloadavg()[0]
    print(
        f"claim+verify on a leaf item (depth {deepest}), one writer: p50 {p50:.1f} ms, p95 "
        f"{_p(single['pairs'], 0.95)} ms (this process's CPU p50 {_p(single['cpu'], 0.5)} ms, waiting for the "
        f"database p50 {_p(single['sql_ms'], 0.5)} ms); "
        f"{statements:.0f} statements per pair (min {min(single['statements'])}, max {max(single['statements'])}); "
        f"counter statement p50 {_p(single['hot']['counters'], 0.5)} ms over {rows:.0f} ancestor rows; audit "
        f"head lock p50 {_p(single['hot']['audit_head'], 0.5)} ms; {single_rate:.1f} pairs/s"
    )
    labels = {
        "chains": "audit chain per province, counter shards (as configured)",
        "one_chain": "one audit chain (AUDIT_CHAIN_DEPTH=0), counter shards",
        "unsharded": "one audit chain, one counter row per unit (ROLLUP_SHARDS=1)",
    }
    for name, f in figures.items():
        print(
            f"{writers} writers in {writers} provinces for {SECONDS:.0f} s, {labels[name]}: {f['pairs']} pairs, "
            f"{f['rate']:.1f} pairs/s; pair p50 {f['pair_p50']} ms p95 {f['pair_p95']} ms (waiting for the "
            f"database p50 {f['sql_p50']} ms); counter statement "
            f"p50 {_p(f['counters'], 0.5)} ms p99 {_p(f['counters'], 0.99)} ms; audit head lock p50 "
            f"{_p(f['audit_head'], 0.5)} ms p99 {_p(f['audit_head'], 0.99)} ms"
        )
    if DETAIL:
        for name, results in [("one writer", [single]), *runs.items()]:
            shapes = {}
            for r in results:
                for shape, (n, ms) in r["by_shape"].items():
                    a, b = shapes.get(shape, (0, 0.0))
                    shapes[shape] = (a + n, b + ms)
            print(f"  {name}: statements by total time (count, ms):")
            for shape, (n, ms) in sorted(shapes.items(), key=lambda kv: -kv[1][1])[:12]:
                print(f"    {n:5d} {ms:9.0f}  {shape}")
    verify_s = _verify() if os.environ.get("BENCH_VERIFY", "1") == "1" else None
    chains, one, flat = figures["chains"], figures["one_chain"], figures["unsharded"]
    print(
        f"chains / one chain: audit head lock p50 {_ratio(chains['audit_head'], one['audit_head'])}, pairs/s "
        f"{chains['rate'] / one['rate'] if one['rate'] else 0:.2f}; sharded / unsharded counter p50 "
        f"{_ratio(one['counters'], flat['counters'])}; load average {load:.1f}; {vendor}"
    )
    return {
        "name": "write",
        "scale": f"SCALE={SCALE}; claim+verify on items of depth-{deepest} units; {vendor}",
        "value": round(p50, 1),
        "baseline": 50,
        "unit": "ms (p50 claim+verify, one writer) against the 50 ms target",
        "ratio": round(p50 / 50, 3),
        "target": "p50 <= 50 ms; 20 writers faster than 1 (no serialisation on the root row)",
        "ok": p50 <= 50 and chains["rate"] > single_rate,
        "verify_seconds": verify_s,
        "writers": writers,
        "p95_ms": _p(single["pairs"], 0.95),
        "cpu_p50_ms_1_writer": _p(single["cpu"], 0.5),
        "statements_per_pair": statements,
        "ancestor_rows_per_update": rows,
        "counter_update_p50_ms_1_writer": _p(single["hot"]["counters"], 0.5),
        "audit_head_p50_ms_1_writer": _p(single["hot"]["audit_head"], 0.5),
        "pairs_per_s_1_writer": round(single_rate, 1),
        "pairs_per_s_20_writers": round(chains["rate"], 1),
        "pair_p50_ms_20_writers": chains["pair_p50"],
        "pair_p95_ms_20_writers": chains["pair_p95"],
        "counter_update_p50_ms_20_writers": _p(chains["counters"], 0.5),
        "counter_update_p99_ms_20_writers": _p(chains["counters"], 0.99),
        "audit_head_p50_ms_20_writers": _p(chains["audit_head"], 0.5),
        "audit_head_p99_ms_20_writers": _p(chains["audit_head"], 0.99),
        "one_chain_pairs_per_s_20_writers": round(one["rate"], 1),
        "one_chain_pair_p50_ms_20_writers": one["pair_p50"],
        "one_chain_audit_head_p50_ms_20_writers": _p(one["audit_head"], 0.5),
        "one_chain_audit_head_p99_ms_20_writers": _p(one["audit_head"], 0.99),
        "one_chain_counter_update_p50_ms_20_writers": _p(one["counters"], 0.5),
        "chains_over_one_chain_audit_head_p50": _ratio(chains["audit_head"], one["audit_head"]),
        "unsharded_counter_update_p50_ms_20_writers": _p(flat["counters"], 0.5),
        "unsharded_counter_update_p99_ms_20_writers": _p(flat["counters"], 0.99),
        "unsharded_audit_head_p50_ms_20_writers": _p(flat["audit_head"], 0.5),
        "unsharded_pairs_per_s_20_writers": round(flat["rate"], 1),
        "unsharded_pair_p50_ms_20_writers": flat["pair_p50"],
        "sharded_over_unsharded_counter_p50": _ratio(one["counters"], flat["counters"]),
        "load_average": round(load, 1),
        "single_wall_s": round(single_s, 1),
    }
