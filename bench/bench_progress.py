"""The strand progress page (leadership first, and study and research figures per child) at the root
against the same page at a leaf unit, on the scaled demo, same run: full pages through Django's test
client as the central office, p50 over 40 requests after 5 warm-up ones.
Targets: root p50 at most 2x leaf p50, and root p50 at most 150 ms on PostgreSQL."""

from bench_rollup import root_against_leaf
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
    units = Unit.objects.count()
    return root_against_leaf(
        client,
        "progress",
        "/dashboards/units/{code}/progress/",
        leaf,
        "strand progress page",
        scale=f"SCALE={SCALE}; {units} units; {vendor}",
        said=f"{units} units on {vendor}",
    )
