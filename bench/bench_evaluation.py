"""The evaluation page (成效评估: the subtree's six parts, the goals, and every child's assessment worst
first) at the root against the same page at a leaf unit, on the scaled demo, same run: full pages through
Django's test client as the central office, p50 over 40 requests after 5 warm-up ones. The scores are read
from the roll-up rows (scores.assess: three queries for any number of units), so the root's hundreds of
children should cost little more than a leaf's none.
Targets: root p50 at most 2x leaf p50, and root p50 at most 150 ms on PostgreSQL."""

from bench_rollup import _time
from common import SCALE, scaled_demo


def main():
    vendor = scaled_demo()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from chuxin.evaluation.models import SurveyResponse
    from chuxin.orgs.models import Unit

    client = Client()
    client.force_login(get_user_model().objects.get(username="zhongyang"))
    # a leaf the public answered at: every part of its page has something to show
    leaf = (
        Unit.objects.filter(numchild=0, pk__in=SurveyResponse.objects.values("unit_id"))
        .order_by("-depth", "pk")
        .first()
    )
    root_p50, root_p95 = _time(client, "/evaluation/units/000000/")
    leaf_p50, leaf_p95 = _time(client, f"/evaluation/units/{leaf.code}/")
    ratio = root_p50 / leaf_p50
    units = Unit.objects.count()
    print(
        f"evaluation page: root p50 {root_p50:.1f} ms (p95 {root_p95:.1f}); leaf {leaf.code} p50 "
        f"{leaf_p50:.1f} ms (p95 {leaf_p95:.1f}); {units} units, "
        f"{SurveyResponse.objects.count()} survey responses on {vendor}"
    )
    return {
        "name": "evaluation",
        "scale": f"SCALE={SCALE}; {units} units; {vendor}",
        "value": round(root_p50, 1),
        "baseline": round(leaf_p50, 1),
        "unit": "ms (p50, full evaluation page)",
        "ratio": round(ratio, 3),
        "target": "ratio <= 2 and root p50 <= 150 ms",
        "ok": ratio <= 2 and root_p50 <= 150,
        "root_p95_ms": round(root_p95, 1),
        "leaf_p95_ms": round(leaf_p95, 1),
    }
