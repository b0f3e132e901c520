"""The burden meter (基层负担监测: the subtree's tallies, the unit's months and newest requests received, the
figures asked again, every child's counts) at the root against the same page at the deepest unit that
received requests (a county: the demo's requests go to provinces', cities' and Foshan's children), on the
scaled demo, same run: full pages through Django's test client as the central office,
p50 over 40 requests after 5 warm-up ones. The counts come from the roll-up tallies (one query for the unit
and its children); the lists are bounded and indexed.
Targets: root p50 at most 2x leaf p50, and root p50 at most 150 ms on PostgreSQL."""

from bench_rollup import root_against_leaf
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
    units = Unit.objects.count()
    return root_against_leaf(
        client,
        "burden",
        "/burden/units/{code}/",
        leaf,
        "burden meter page",
        scale=f"SCALE={SCALE}; {units} units; {vendor}",
        said=f"{leaf.numchild} children at {leaf.code}; {units} units, {Receipt.objects.count()} receipts on {vendor}",
    )
