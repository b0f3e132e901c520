"""The evaluation page (成效评估: the subtree's six parts, the goals, and every child's assessment worst
first) at the root against the same page at a leaf unit, on the scaled demo, same run: full pages through
Django's test client as the central office, p50 over 40 requests after 5 warm-up ones. The scores are read
from the roll-up rows (scores.assess: three queries for any number of units), so the root's hundreds of
children should cost little more than a leaf's none.
Targets: root p50 at most 2x leaf p50, and root p50 at most 150 ms on PostgreSQL."""

from bench_rollup import root_against_leaf
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
    units = Unit.objects.count()
    return root_against_leaf(
        client,
        "evaluation",
        "/evaluation/units/{code}/",
        leaf,
        "evaluation page",
        scale=f"SCALE={SCALE}; {units} units; {vendor}",
        said=f"{units} units, {SurveyResponse.objects.count()} survey responses on {vendor}",
    )
