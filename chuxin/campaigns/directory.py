"""The campaigns as the campaign rule and the page shell read them, held once per process.

Every campaign-bound page asks which campaigns cover its unit (`access.covering`) and the shell lists the
campaigns the user reaches with their strands (`access.picker_campaigns`): two queries whose compilation
alone cost a quarter of the ledger page, for data that changes a few times a year. So each process keeps
every campaign (with its leading unit, its strands and the paths of the units its batches list) and
answers both questions in Python, by the same rules as the SQL in access.py (tests/test_campaign_rule.py
compares them on every unit).

It reloads when anything it holds changed: a write to a campaign, a batch, a batch's units, a strand or a
unit (its name or place) sets a new random stamp in the writing transaction (signals, connected in
CampaignsConfig.ready), and every request reads the stamp (one row by primary key, one plain statement). A
random stamp and not a counter: a write that rolls back cannot leave two contents under one stamp.
Instances handed out are copies, so a page that changes one changes only its own.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass

from django.db import connection

from chuxin.core import prepared

TABLE = "campaigns_directorystamp"


@dataclass
class Entry:
    campaign: object  # Campaign, with root_unit and strands loaded
    root_path: str
    batch_paths: frozenset[str]
    has_batches: bool
    planned: bool


class _Held:
    stamp: str | None = None
    entries: list[Entry] | None = None
    local: int = 0  # bumped by this process's own writes: a request re-reads after writing


_held = _Held()


def read_stamp() -> str | None:
    with prepared.cursor() as cur:  # every request: prepared (chuxin/core/prepared.py)
        cur.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608 — a constant
        row = cur.fetchone()
    return row[0] if row else None


def touch(sender=None, created=False, **_kwargs) -> None:
    """Mark the directory stale for every process (a receiver for the model signals). A new unit changes
    nothing it holds (campaigns and batches name existing units); a renamed or moved one does."""
    from chuxin.orgs.models import Unit

    if created and sender is Unit:
        return
    token = secrets.token_hex(8)
    _held.local += 1
    _held.stamp = None
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET token = %s WHERE id = 1", [token])  # noqa: S608
        if cur.rowcount == 0:
            cur.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, %s)", [token])  # noqa: S608


def _load() -> list[Entry]:
    from .models import Batch, Campaign, CampaignStatus

    batch_paths: dict[int, set[str]] = {}
    has_batches: set[int] = set()
    for campaign_id in Batch.objects.values_list("campaign_id", flat=True):
        has_batches.add(campaign_id)
    for campaign_id, path in Batch.units.through.objects.values_list("batch__campaign_id", "unit__path"):
        batch_paths.setdefault(campaign_id, set()).add(path)
    return [
        Entry(
            c,
            c.root_unit.path,
            frozenset(batch_paths.get(c.pk, ())),
            c.pk in has_batches,
            c.status == CampaignStatus.PLANNED,
        )
        for c in Campaign.objects.select_related("root_unit").prefetch_related("strands")
    ]


def entries(request=None) -> list[Entry]:
    """Every campaign, newest first (as access.newest_first orders them); one stamp read per request."""
    memo = getattr(request, "_chuxin_directory", None) if request is not None else None
    if memo is not None and memo[0] == _held.local:
        return memo[1]
    stamp = read_stamp()
    if _held.entries is None or stamp is None or stamp != _held.stamp:
        loaded = _load()
        loaded.sort(key=_newest_first_key)
        _held.entries, _held.stamp = loaded, stamp
    if request is not None:
        request._chuxin_directory = (_held.local, _held.entries)
    return _held.entries


def _newest_first_key(e: Entry):
    launched = e.campaign.launched_on
    # planned last; then the newest launch first, campaigns without a launch date after the dated ones;
    # then the newest id first
    return (e.planned, launched is None, -(launched.toordinal() if launched else 0), -e.campaign.pk)


def _copy(campaign):
    return copy.copy(campaign)


def covering(unit, request=None) -> list:
    """As access.covering(unit): the campaigns rooted at the unit or above it whose batches cover it (or
    that have none yet), newest first."""
    from chuxin.orgs.models import ancestor_paths

    above = set(ancestor_paths(unit.path))
    return [
        _copy(e.campaign)
        for e in entries(request)
        if e.root_path in above and (e.root_path == unit.path or not e.has_batches or e.batch_paths & above)
    ]


def visible_to(scope, request=None) -> list:
    """As Campaign.objects.visible_to(scope), newest first: rooted above or inside what the user reaches."""
    from chuxin.orgs.models import ancestor_paths

    if scope.is_all:
        return [_copy(e.campaign) for e in entries(request)]
    paths = scope.paths()
    if not paths:
        return []
    above = {a for p in paths for a in ancestor_paths(p)}
    return [
        _copy(e.campaign)
        for e in entries(request)
        if e.root_path in above or any(e.root_path.startswith(p) for p in paths)
    ]
