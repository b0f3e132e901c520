"""Write cost at scale: claim → verify on a leaf item (the deepest units), one writer, then 20
concurrent writers, each in a different province, on the scaled demo in PostgreSQL.

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
- the same 20 writers twice in one run: with the roll-ups' shard rows (chuxin/rollups/shards.py, the
  settings' ROLLUP_SHARDS) and with one row per unit (ROLLUP_SHARDS=1, as before sharding), other items of
  the same provinces; the ratio of their counter statements' p50 is the root lock wait sharding saves.

Each writer is its own process (no shared interpreter lock), with its own connection."""

import multiprocessing as mp
import os
import statistics
import time

from common import SCALE, percentile, scaled_demo

SECONDS = float(os.environ.get("BENCH_WRITE_SECONDS", "12"))
WRITERS = 20
SINGLE = 40


def _hot(sql: str) -> str | None:
    head = sql.lstrip()[:60].upper()
    # the counters' statement: an upsert since the shard rows (INSERT … ON CONFLICT DO UPDATE), an UPDATE before
    if "rollups_subtreecounts" in sql and (head.startswith("UPDATE") or "ON CONFLICT" in sql.upper()):
        return "counters"
    if "audit_audithead" in sql and "FOR UPDATE" in sql.upper():
        return "audit_head"
    return None


def _writer(item_ids, seconds, out, shards=None):
    """Claim and verify items until time is up; returns latencies and the hot statements' times.
    `shards`: the roll-ups' ROLLUP_SHARDS for this writer (None: the settings' own)."""
    import django
    from django.conf import settings
    from django.db import connection

    django.setup()
    if shards is not None:
        settings.ROLLUP_SHARDS = shards
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chuxin.problems import actions
    from chuxin.problems.models import RectificationItem

    User = get_user_model()
    staff, verifier = User.objects.get(username="zhongyang"), User.objects.get(username="admin")
    hot = {"counters": [], "audit_head": []}
    counter_rows = []

    def wrapper(execute, sql, params, many, context):
        kind = _hot(sql)
        t0 = time.perf_counter()
        result = execute(sql, params, many, context)
        if kind:
            hot[kind].append((time.perf_counter() - t0) * 1000)
            if kind == "counters":
                counter_rows.append(context["cursor"].rowcount)
        return result

    pairs, cpu = [], []
    deadline = time.perf_counter() + seconds if seconds else None
    with connection.execute_wrapper(wrapper):
        for n, pk in enumerate(item_ids):
            if deadline is None and n >= SINGLE or deadline is not None and time.perf_counter() > deadline:
                break
            item = RectificationItem.objects.select_related("unit").get(pk=pk)
            t0, c0 = time.perf_counter(), time.process_time()
            actions.do_claim_item(
                item, "已完成整改", [SimpleUploadedFile("证明.txt", b"evidence")], acting_user=staff
            )
            item.refresh_from_db()
            actions.do_verify_item(item, "核查属实，同意销号", acting_user=verifier)
            pairs.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    connection.close()
    out.put({"pairs": pairs, "cpu": cpu, "hot": hot, "counter_rows": counter_rows})


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


def _run(groups, seconds, shards=None):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    from django.db import connections

    connections.close_all()
    procs = [ctx.Process(target=_writer, args=(ids, seconds, q, shards)) for ids in groups]
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


def main():
    vendor = scaled_demo()
    by_province, deepest = _items_by_province(400)
    if len(by_province) < WRITERS + 1:
        raise SystemExit(f"need in-progress leaf items in {WRITERS + 1} provinces, found {len(by_province)}")
    provinces = sorted(by_province, key=lambda p: -len(by_province[p]))
    single_ids = by_province[provinces[0]]
    # one writer, SINGLE claim+verify pairs
    (single,), single_s = _run([single_ids], 0)
    # twenty writers, one per other province, for SECONDS: with the shard rows, then with one row per unit
    # (other items of the same provinces; sharded first, so any warming up favours the unsharded run)
    groups = [by_province[p] for p in provinces[1 : WRITERS + 1]]
    many, many_s = _run([ids[: len(ids) // 2] for ids in groups], SECONDS)
    flat, _flat_s = _run([ids[len(ids) // 2 :] for ids in groups], SECONDS, shards=1)
    all_pairs = [x for r in many for x in r["pairs"]]
    hot_many = {k: [x for r in many for x in r["hot"][k]] for k in ("counters", "audit_head")}
    flat_pairs = [x for r in flat for x in r["pairs"]]
    hot_flat = {k: [x for r in flat for x in r["hot"][k]] for k in ("counters", "audit_head")}
    flat_rate = len(flat_pairs) / SECONDS
    p50 = statistics.median(single["pairs"])
    single_rate = len(single["pairs"]) / (sum(single["pairs"]) / 1000)
    many_rate = len(all_pairs) / SECONDS
    rows = statistics.median(single["counter_rows"]) if single["counter_rows"] else 0
    print(
        f"claim+verify on a leaf item (depth {deepest}), one writer: p50 {p50:.1f} ms, p95 "
        f"{_p(single['pairs'], 0.95)} ms (this process's CPU p50 {_p(single['cpu'], 0.5)} ms); counter UPDATE p50 {_p(single['hot']['counters'], 0.5)} ms over "
        f"{rows:.0f} ancestor rows; audit head lock p50 {_p(single['hot']['audit_head'], 0.5)} ms"
    )
    print(
        f"{WRITERS} writers in {WRITERS} provinces for {SECONDS:.0f} s: {len(all_pairs)} pairs, "
        f"{many_rate:.1f} pairs/s (one writer: {single_rate:.1f} pairs/s); pair p50 {_p(all_pairs, 0.5)} ms, "
        f"p95 {_p(all_pairs, 0.95)} ms; counter UPDATE p50 {_p(hot_many['counters'], 0.5)} ms p99 "
        f"{_p(hot_many['counters'], 0.99)} ms; audit head lock p50 {_p(hot_many['audit_head'], 0.5)} ms p99 "
        f"{_p(hot_many['audit_head'], 0.99)} ms; {vendor}"
    )
    print(
        f"the same {WRITERS} writers with one counter row per unit (ROLLUP_SHARDS=1, as before sharding): "
        f"{len(flat_pairs)} pairs, {flat_rate:.1f} pairs/s; pair p50 {_p(flat_pairs, 0.5)} ms; counter "
        f"statement p50 {_p(hot_flat['counters'], 0.5)} ms p99 {_p(hot_flat['counters'], 0.99)} ms; audit head "
        f"lock p50 {_p(hot_flat['audit_head'], 0.5)} ms. Sharded / unsharded counter p50: "
        f"{_ratio(hot_many['counters'], hot_flat['counters'])}; load average {os.getloadavg()[0]:.1f}"
    )
    return {
        "name": "write",
        "scale": f"SCALE={SCALE}; claim+verify on items of depth-{deepest} units; {vendor}",
        "value": round(p50, 1),
        "baseline": 50,
        "unit": "ms (p50 claim+verify, one writer) against the 50 ms target",
        "ratio": round(p50 / 50, 3),
        "target": "p50 <= 50 ms; 20 writers faster than 1 (no serialisation on the root row)",
        "ok": p50 <= 50 and many_rate > single_rate,
        "p95_ms": _p(single["pairs"], 0.95),
        "cpu_p50_ms_1_writer": _p(single["cpu"], 0.5),
        "ancestor_rows_per_update": rows,
        "counter_update_p50_ms_1_writer": _p(single["hot"]["counters"], 0.5),
        "counter_update_p50_ms_20_writers": _p(hot_many["counters"], 0.5),
        "counter_update_p99_ms_20_writers": _p(hot_many["counters"], 0.99),
        "audit_head_p50_ms_1_writer": _p(single["hot"]["audit_head"], 0.5),
        "audit_head_p50_ms_20_writers": _p(hot_many["audit_head"], 0.5),
        "audit_head_p99_ms_20_writers": _p(hot_many["audit_head"], 0.99),
        "pairs_per_s_1_writer": round(single_rate, 1),
        "pairs_per_s_20_writers": round(many_rate, 1),
        "pair_p50_ms_20_writers": _p(all_pairs, 0.5),
        "pair_p95_ms_20_writers": _p(all_pairs, 0.95),
        "unsharded_counter_update_p50_ms_20_writers": _p(hot_flat["counters"], 0.5),
        "unsharded_counter_update_p99_ms_20_writers": _p(hot_flat["counters"], 0.99),
        "unsharded_audit_head_p50_ms_20_writers": _p(hot_flat["audit_head"], 0.5),
        "unsharded_pairs_per_s_20_writers": round(flat_rate, 1),
        "unsharded_pair_p50_ms_20_writers": _p(flat_pairs, 0.5),
        "sharded_over_unsharded_counter_p50": _ratio(hot_many["counters"], hot_flat["counters"]),
        "single_wall_s": round(single_s, 1),
        "many_wall_s": round(many_s, 1),
    }
