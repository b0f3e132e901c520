"""The strand progress page (leadership first, and study and research figures per child) at the root
against the same page at a leaf unit, on the scaled demo, same run: full pages through Django's test
client as the central office, p50 over 40 requests after 5 warm-up ones.
Targets: root p50 at most 2x leaf p50, and root p50 at most 150 ms on PostgreSQL."""

from bench_rollup import _time
from common import SCALE, scaled_demo


def main():
    vendor = scaled_demo()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from chuxin.orgs.models import CommitteeMember, Unit

    client = Client()
    client.force_login(get_user_model().objects.get(username="zhongyang"))
    leaf = (
        Unit.objects.filter(numchild=0, pk__in=CommitteeMember.objects.values("unit_id"))
        .order_by("-depth", "pk")
        .first()
    )
    root_p50, root_p95 = _time(client, "/dashboards/units/000000/progress/")
    leaf_p50, leaf_p95 = _time(client, f"/dashboards/units/{leaf.code}/progress/")
    ratio = root_p50 / leaf_p50
    print(
        f"strand progress page: root p50 {root_p50:.1f} ms (p95 {root_p95:.1f}); leaf {leaf.code} p50 "
        f"{leaf_p50:.1f} ms (p95 {leaf_p95:.1f}); {Unit.objects.count()} units on {vendor}"
    )
    return {
        "name": "progress",
        "scale": f"SCALE={SCALE}; {Unit.objects.count()} units; {vendor}",
        "value": round(root_p50, 1),
        "baseline": round(leaf_p50, 1),
        "unit": "ms (p50, full strand progress page)",
        "ratio": round(ratio, 3),
        "target": "ratio <= 2 and root p50 <= 150 ms",
        "ok": ratio <= 2 and root_p50 <= 150,
        "root_p95_ms": round(root_p95, 1),
        "leaf_p95_ms": round(leaf_p95, 1),
    }
