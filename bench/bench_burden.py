"""The burden meter (基层负担监测: the subtree's tallies, the unit's months and newest requests received, the
figures asked again, every child's counts) at the root against the same page at the deepest unit that
received requests (a county: the demo's requests go to provinces', cities' and Foshan's children), on the
scaled demo, same run: full pages through Django's test client as the central office,
p50 over 40 requests after 5 warm-up ones. The counts come from the roll-up tallies (one query for the unit
and its children); the lists are bounded and indexed.
Targets: root p50 at most 2x leaf p50, and root p50 at most 150 ms on PostgreSQL."""

from bench_rollup import _time
from common import SCALE, scaled_demo


def main():
    vendor = scaled_demo()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from chuxin.burden.models import Receipt
    from chuxin.orgs.models import Unit

    client = Client()
    client.force_login(get_user_model().objects.get(username="zhongyang"))
    # the deepest unit asked something (the demo asks provinces' and cities' children): its meter has rows
    leaf = Unit.objects.filter(pk__in=Receipt.objects.values("unit_id")).order_by("-depth", "pk").first()
    root_p50, root_p95 = _time(client, "/burden/units/000000/")
    leaf_p50, leaf_p95 = _time(client, f"/burden/units/{leaf.code}/")
    ratio = root_p50 / leaf_p50
    units = Unit.objects.count()
    print(
        f"burden meter: root p50 {root_p50:.1f} ms (p95 {root_p95:.1f}); {leaf.code} (depth {leaf.depth}, "
        f"{leaf.numchild} children) p50 {leaf_p50:.1f} ms (p95 {leaf_p95:.1f}); {units} units, "
        f"{Receipt.objects.count()} receipts on {vendor}"
    )
    return {
        "name": "burden",
        "scale": f"SCALE={SCALE}; {units} units; {vendor}",
        "value": round(root_p50, 1),
        "baseline": round(leaf_p50, 1),
        "unit": "ms (p50, full burden meter page)",
        "ratio": round(ratio, 3),
        "target": "ratio <= 2 and root p50 <= 150 ms",
        "ok": ratio <= 2 and root_p50 <= 150,
        "root_p95_ms": round(root_p95, 1),
        "leaf_p95_ms": round(leaf_p95, 1),
        "leaf": leaf.code,
    }
