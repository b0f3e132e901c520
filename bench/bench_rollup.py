"""Root dashboard against a leaf dashboard on the scaled demo (SCALE=1M: 100 000 units / 1 000 000
items), same run.

Both are the full page (view, roll-up queries, template) rendered through Django's test client as the
central office, requested alternately (root, leaf, leaf, root, …) so that the machine's load moves both alike. Targets: root p50 at most 1.5x leaf p50, and root p50 at most 60 ms on PostgreSQL.
"""

import time

from common import ITEMS, SCALE, UNITS, percentile, scaled_demo

RUNS = 40


def _get_ms(client, url) -> float:
    t0 = time.perf_counter()
    r = client.get(url)
    dt = (time.perf_counter() - t0) * 1000
    assert r.status_code == 200, (url, r.status_code)
    return dt


def _time_pair(client, root_url, leaf_url):
    """p50 and p95 of each page, the two requested alternately (root first in even rounds, leaf first in odd
    ones), so that a change in the machine's load during the run moves both alike instead of the ratio."""
    root, leaf = [], []
    for i in range(RUNS + 5):
        order = ((root_url, root), (leaf_url, leaf)) if i % 2 == 0 else ((leaf_url, leaf), (root_url, root))
        for url, samples in order:
            dt = _get_ms(client, url)
            if i >= 5:  # warm-up
                samples.append(dt)
    return (
        (percentile(root, 0.5), percentile(root, 0.95)),
        (percentile(leaf, 0.5), percentile(leaf, 0.95)),
    )


def root_against_leaf(client, name, url, leaf, page, *, ratio_max=2, root_max=150, scale="", said=""):
    """The page at the root against the same page at `leaf`, same run: p50/p95 of each, printed, and the
    JSON record (`url` has a `{code}` for the unit's code)."""
    (root_p50, root_p95), (leaf_p50, leaf_p95) = _time_pair(
        client, url.format(code="000000"), url.format(code=leaf.code)
    )
    ratio = root_p50 / leaf_p50
    print(
        f"{page}: root p50 {root_p50:.1f} ms (p95 {root_p95:.1f}); {leaf.code} (depth {leaf.depth}) p50 "
        f"{leaf_p50:.1f} ms (p95 {leaf_p95:.1f}); {said}"
    )
    return {
        "name": name,
        "scale": scale,
        "value": round(root_p50, 1),
        "baseline": round(leaf_p50, 1),
        "unit": f"ms (p50, full {page})",
        "ratio": round(ratio, 3),
        "target": f"ratio <= {ratio_max} and root p50 <= {root_max} ms",
        "ok": ratio <= ratio_max and root_p50 <= root_max,
        "root_p95_ms": round(root_p95, 1),
        "leaf_p95_ms": round(leaf_p95, 1),
        "leaf": leaf.code,
    }


def main():
    vendor = scaled_demo()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from chuxin.orgs.models import Unit
    from chuxin.problems.models import RectificationItem

    client = Client()
    client.force_login(get_user_model().objects.get(username="zhongyang"))
    leaf = Unit.objects.filter(numchild=0, items__isnull=False).order_by("-depth", "pk").first()
    items = RectificationItem.objects.count()
    return root_against_leaf(
        client,
        "rollup",
        "/dashboards/units/{code}/",
        leaf,
        "dashboard page",
        ratio_max=1.5,
        root_max=60,
        scale=f"SCALE={SCALE}: {UNITS} units / {ITEMS} items requested, {items} items present, {vendor}",
        said=f"{Unit.objects.count()} units, {items} items on {vendor}",
    )
