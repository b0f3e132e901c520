"""Which campaign a page works in: ONE rule, used by every campaign-bound page.

Use it like this in a view (after the scoped unit lookup, before any role check)::

    from chuxin.campaigns.access import campaign_for

    unit = get_unit_for_user(request.user, code)  # outside the scope: 404
    campaign = campaign_for(request, unit)  # a campaign that does not cover the unit: 404

`campaign_for(request, unit) -> Campaign` raises Http404 and picks, in this order:

1. ``?campaign=<id>`` in the query string (or a ``campaign`` field of a POST): that campaign if it
   covers the unit, else 404 — never a silent fallback, so a link always shows what it names;
2. the campaign chosen in the shell's picker (kept in the session) if it covers the unit;
3. the newest campaign that covers the unit (running and closed ones before planned ones, then by
   launch date, then by id);
4. none covers the unit: 404.

A campaign *covers* a unit when it is rooted at the unit or at one of its ancestors AND one of its
batches covers the unit (a batch covers the subtrees of the units it lists). The leading unit itself
is always covered (its office runs the campaign), and a campaign that has no batch yet covers its
root's whole subtree (it has just been created; its batches come later).

Objects that belong to a campaign (problems, items, meetings, topics) carry it: their pages use
`check_campaign_param(request, campaign)` so that a ``?campaign=`` naming another campaign is a 404 too.

Cost: the covering campaigns and the shell's picker come from the campaign directory (directory.py), which
each process holds and reloads when a campaign, a batch, a strand or a unit changed: one small read per
request. `covering(unit)` below is the same rule in SQL, for callers that need a queryset.

`current_campaign(user)` (models.py) is only the shell's default: never use it to choose where a
record goes or which figures a page shows.
"""

from __future__ import annotations

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from chuxin.orgs.models import Unit, ancestor_paths

from . import directory
from .models import Batch, Campaign, CampaignStatus

SESSION_KEY = "chuxin_campaign"
PARAM = "campaign"


def newest_first(qs: QuerySet) -> QuerySet:
    """Running and closed campaigns before planned ones, then the newest launch first."""
    return qs.annotate(
        _planned=Case(
            When(status=CampaignStatus.PLANNED, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by("_planned", F("launched_on").desc(nulls_last=True), "-id")


def covering(unit: Unit) -> QuerySet:
    """Campaigns that cover the unit (see the module docstring), newest first. One query."""
    paths = ancestor_paths(unit.path)  # the unit's own path and its ancestors'
    through = Batch.units.through
    batch_covers = Exists(through.objects.filter(batch__campaign=OuterRef("pk"), unit__path__in=paths))
    has_batches = Exists(Batch.objects.filter(campaign=OuterRef("pk")))
    led_here = Q(root_unit__path=unit.path)
    return newest_first(
        Campaign.objects.filter(root_unit__path__in=paths).filter(led_here | batch_covers | ~has_batches)
    ).select_related("root_unit")


def covers(campaign: Campaign, unit: Unit) -> bool:
    return covering(unit).filter(pk=campaign.pk).exists()


def covering_cached(request, unit: Unit) -> list[Campaign]:
    """`covering(unit)` once per request and unit, answered from the campaign directory (directory.py)."""
    cache = request.__dict__.setdefault("_chuxin_covering", {})
    if unit.pk not in cache:
        cache[unit.pk] = directory.covering(unit, request)
    return cache[unit.pk]


def requested_id(request) -> int | None:
    """The campaign named by ``?campaign=`` (or a POST field); None when absent; 404 when malformed."""
    raw = request.GET.get(PARAM) or (request.POST.get(PARAM) if request.method == "POST" else None)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404("No such campaign") from None


def chosen_id(request) -> int | None:
    """The campaign chosen in the shell's picker, if any."""
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    return value if isinstance(value, int) else None


def campaign_for(request, unit: Unit) -> Campaign:
    """The campaign a page about `unit` works in (the rule is in the module docstring); 404 if none."""
    campaigns = covering_cached(request, unit)
    wanted = requested_id(request)
    if wanted is not None:
        for c in campaigns:
            if c.pk == wanted:
                return c
        raise Http404("That campaign does not cover this unit")
    chosen = chosen_id(request)
    if chosen is not None:
        for c in campaigns:
            if c.pk == chosen:
                return c
    if not campaigns:
        raise Http404("No campaign covers this unit")
    return campaigns[0]


def check_campaign_param(request, campaign_id: int) -> None:
    """For pages of one object (an item, a meeting): a ``?campaign=`` naming another campaign is 404."""
    wanted = requested_id(request)
    if wanted is not None and wanted != campaign_id:
        raise Http404("That campaign does not cover this record")


def picker_campaigns(request) -> list[Campaign]:
    """The campaigns that reach the user's scope, newest first, with their strands: the shell's picker.
    Once per request, answered from the campaign directory (directory.py)."""
    if "_chuxin_picker" not in request.__dict__:
        from chuxin.orgs.scope import scope_for

        request._chuxin_picker = directory.visible_to(scope_for(request.user), request)
    return request._chuxin_picker


def shell_campaign(request) -> Campaign | None:
    """The campaign the shell shows (strand navigation, picker): the session's choice if the user still
    reaches it, else the newest campaign the user's scope reaches."""
    campaigns = picker_campaigns(request)
    chosen = chosen_id(request)
    for c in campaigns:
        if c.pk == chosen:
            return c
    return campaigns[0] if campaigns else None


def choose(request, campaign: Campaign | None) -> None:
    """Keep the picker's choice in the session (None forgets it)."""
    if campaign is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = campaign.pk
