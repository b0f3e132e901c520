"""The JSON API, version 1: the same scope and the same actions as the pages.

Every route fetches through the scoping helpers (404 outside the scope, 403 inside without the
role) and changes data only through the `do_…` actions the pages call. Lists are cursor-paginated
over the id index: one query for the page's ids, one for their rows, whatever the tree's size.
"""

from __future__ import annotations

import base64
import binascii

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, NinjaAPI, Query, Schema
from ninja import Status as Answer
from ninja.files import UploadedFile

from chuxin.campaigns.access import campaign_for
from chuxin.campaigns.models import Campaign, current_campaign
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, Unit, ancestor_paths, subtree_q
from chuxin.orgs.scope import get_unit_for_user, scope_for
from chuxin.problems import actions as ledger
from chuxin.problems.access import get_item_for_user, get_problem_for_user
from chuxin.problems.history import item_entries
from chuxin.problems.models import (
    Kind,
    Level,
    Problem,
    RectificationItem,
    Source,
    Status,
    WorkArea,
    escalation_level,
)
from chuxin.problems.views import ledger_queryset
from chuxin.research.access import get_topic_for_user
from chuxin.research.models import Topic
from chuxin.rollups.models import KIND_FIELDS, STATUS_FIELDS
from chuxin.rollups.queries import dashboard
from chuxin.study.access import get_meeting_for_user
from chuxin.study.models import Meeting

from . import errors
from . import schemas as s
from .auth import SessionPrincipalAuth, TokenAuth

api = NinjaAPI(
    title="Chuxin API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionPrincipalAuth()],
    description=(
        "The rectification ledger, the organisation tree, roll-up figures, study and research, over the "
        "same scope and the same actions as the pages. Authenticate with `Authorization: Bearer <token>` "
        "(a personal access token from the settings page or `manage.py apitoken`), or with the browser "
        'session and its CSRF token. Errors: `{"error": {"code", "message", "fields"}}`.'
    ),
)
errors.install(api)

ERRORS = {400: s.Error, 401: s.Error, 403: s.Error, 404: s.Error, 429: s.Error}
WRITE_ERRORS = {**ERRORS, 409: s.Error}
MAX_LIMIT = 200


# ------------------------------------------------------------------------------------------ helpers


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ActionError(_("The cursor is not valid; start again without it.")) from exc
    if value < 0:
        raise ActionError(_("The cursor is not valid; start again without it."))
    return value


def _encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _page_ids(qs, cursor: str | None, limit: int, descending: bool = True) -> tuple[list[int], str | None]:
    """The ids of one page over the primary-key index, and the cursor of the next page."""
    after = _decode_cursor(cursor)
    if after is not None:
        qs = qs.filter(pk__lt=after) if descending else qs.filter(pk__gt=after)
    ids = list(qs.order_by("-pk" if descending else "pk").values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    return ids, (_encode_cursor(ids[-1]) if more and ids else None)


def _rows(model_qs, ids: list[int]) -> list:
    by_id = {o.pk: o for o in model_qs.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = 50

    def bounded(self) -> int:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ActionError(_("limit is from 1 to %(max)s.") % {"max": MAX_LIMIT})
        return self.limit


def _campaign(request, campaign_id: int | None) -> Campaign:
    """The campaign asked for (it must be visible to the caller), else the caller's shell default.
    Routes about a unit use campaigns.access.campaign_for(request, unit) instead."""
    if campaign_id is None:
        campaign = current_campaign(request.user)
    else:
        campaign = Campaign.objects.visible_to(scope_for(request.user)).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404("No such campaign")
    return campaign


def _unit_out(u: Unit) -> dict:
    return {
        "code": u.code,
        "name": u.name,
        "short_name": u.short_name,
        "kind": u.kind,
        "level": u.level,
        "depth": u.depth,
        "is_active": u.is_active,
        "has_children": u.numchild > 0,
    }


def _item_out(it: RectificationItem, today) -> dict:
    days = it.days_overdue(today)
    return {
        "id": it.pk,
        "problem_id": it.problem_id,
        "problem": it.problem.title,
        "unit": it.unit.code,
        "unit_name": it.unit.name,
        "measures": it.measures,
        "kind": it.kind,
        "status": it.status,
        "deadline": it.deadline,
        "due_date": it.due_date,
        "responsible_person": it.responsible_person.name if it.responsible_person_id else None,
        "days_overdue": days,
        "escalation": escalation_level(days),
        "version": it.version,
    }


def _problem_out(p: Problem) -> dict:
    return {
        "id": p.pk,
        "unit": p.unit.code,
        "campaign_id": p.campaign_id,
        "title": p.title,
        "source": p.source,
        "severity": p.severity,
        "description": p.description,
        "root_cause": p.root_cause,
        "responsible_leader": p.responsible_leader.name if p.responsible_leader_id else None,
        "version": p.version,
    }


ITEM_JOINS = ("problem", "unit", "responsible_person")

# ------------------------------------------------------------------------------------------- units


@api.get("/units", response={200: s.UnitPage, **ERRORS}, url_name="api_unit_search", tags=["units"])
def unit_search(request, q: str = "", page: Query[PageQuery] = None):
    """The units the caller reaches whose name, code or pinyin initials contain `q` (the topmost
    units of the scope when `q` is empty)."""
    page = page or PageQuery()
    scope = scope_for(request.user)
    q = q.strip()[:60]
    if not q:
        return {"results": [_unit_out(u) for u in scope.root_units()[: page.bounded()]], "next_cursor": None}
    qs = scope.units().filter(Q(name__contains=q) | Q(code__startswith=q) | Q(initials__startswith=q.lower()))
    ids, nxt = _page_ids(qs, page.cursor, page.bounded(), descending=False)
    return {"results": [_unit_out(u) for u in _rows(Unit.objects.all(), ids)], "next_cursor": nxt}


@api.get("/units/{code}", response={200: s.UnitOut, **ERRORS}, url_name="api_unit_detail", tags=["units"])
def unit_detail(request, code: str):
    return _unit_out(get_unit_for_user(request.user, code))


@api.get(
    "/units/{code}/children",
    response={200: s.UnitPage, **ERRORS},
    url_name="api_unit_children",
    tags=["units"],
)
def unit_children(request, code: str, page: Query[PageQuery] = None):
    page = page or PageQuery()
    unit = get_unit_for_user(request.user, code)
    ids, nxt = _page_ids(Unit.objects.children_of(unit), page.cursor, page.bounded(), descending=False)
    return {"results": [_unit_out(u) for u in _rows(Unit.objects.all(), ids)], "next_cursor": nxt}


# --------------------------------------------------------------------------------------- campaigns


def _campaign_out(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "root_unit": c.root_unit.code,
        "general_requirement": c.general_requirement,
        "launched_on": c.launched_on,
        "ended_on": c.ended_on,
    }


@api.get(
    "/campaigns",
    response={200: list[s.CampaignOut], **ERRORS},
    url_name="api_campaign_list",
    tags=["campaigns"],
)
def campaign_list(request):
    qs = Campaign.objects.visible_to(scope_for(request.user)).select_related("root_unit")
    return [_campaign_out(c) for c in qs[:MAX_LIMIT]]


@api.get(
    "/campaigns/{campaign_id}",
    response={200: s.CampaignOut, **ERRORS},
    url_name="api_campaign_detail",
    tags=["campaigns"],
)
def campaign_detail(request, campaign_id: int):
    return _campaign_out(_campaign(request, campaign_id))


# ------------------------------------------------------------------------------------------ ledger


class ItemFilters(PageQuery):
    """The ledger page's filters."""

    status: Status | None = None
    kind: Kind | None = None
    source: Source | None = None
    area: WorkArea | None = None
    person: str | None = None
    overdue: bool = False
    subtree: bool = False
    campaign: int | None = None


@api.get(
    "/units/{code}/items", response={200: s.ItemPage, **ERRORS}, url_name="api_item_list", tags=["ledger"]
)
def item_list(request, code: str, f: Query[ItemFilters] = None):
    """Rectification items of the unit (with `subtree`, of its subordinate units too), newest first; the
    filters are the ledger page's (`area`: a central task's value, 1 稳增长 … 32 保稳定), served by the same
    indexes (problems.views.ledger_queryset)."""
    f = f or ItemFilters()
    unit = get_unit_for_user(request.user, code)
    # ?campaign=<id>: 404 if it does not cover the unit
    campaign = campaign_for(request, unit) if f.campaign is not None else None
    filters = {
        "status": f.status,
        "kind": f.kind,
        "source": f.source,
        "area": f.area and int(f.area),
        "person": f.person,
        "overdue": f.overdue,
        "subtree": f.subtree,
    }
    qs = ledger_queryset(unit, filters, campaign)
    ids, nxt = _page_ids(qs, f.cursor, f.bounded())
    today = timezone.localdate()
    rows = _rows(RectificationItem.objects.select_related(*ITEM_JOINS), ids)
    return {"results": [_item_out(it, today) for it in rows], "next_cursor": nxt}


@api.get(
    "/units/{code}/problems",
    response={200: s.ProblemPage, **ERRORS},
    url_name="api_problem_list",
    tags=["ledger"],
)
def problem_list(request, code: str, subtree: bool = False, page: Query[PageQuery] = None):
    page = page or PageQuery()
    unit = get_unit_for_user(request.user, code)
    qs = (
        Problem.objects.filter(subtree_q(unit.path, "unit__path"))
        if subtree
        else Problem.objects.filter(unit=unit)
    )
    ids, nxt = _page_ids(qs, page.cursor, page.bounded())
    rows = _rows(Problem.objects.select_related("unit", "responsible_leader"), ids)
    return {"results": [_problem_out(p) for p in rows], "next_cursor": nxt}


@api.post(
    "/units/{code}/problems",
    response={201: s.ProblemOut, **WRITE_ERRORS},
    url_name="api_problem_record",
    tags=["ledger"],
)
def problem_record(request, code: str, body: s.ProblemIn, campaign: int | None = None):
    unit = get_unit_for_user(request.user, code, need="record")
    if body.source not in Source.values:
        raise ActionError(_("Unknown source: %(source)s") % {"source": body.source})
    # ?campaign=<id> if it covers the unit (else 404), else the newest covering: campaigns/access.py
    problem = ledger.do_record_problem(
        campaign=campaign_for(request, unit), unit=unit, **body.dict(), acting_user=request.user
    )
    return Answer(201, _problem_out(problem))


@api.get(
    "/problems/{problem_id}",
    response={200: s.ProblemDetail, **ERRORS},
    url_name="api_problem_detail",
    tags=["ledger"],
)
def problem_detail(request, problem_id: int):
    problem = get_problem_for_user(request.user, problem_id)
    today = timezone.localdate()
    items = problem.items.select_related(*ITEM_JOINS).order_by("id")
    return {**_problem_out(problem), "items": [_item_out(it, today) for it in items]}


@api.post(
    "/problems/{problem_id}/items",
    response={201: s.ItemOut, **WRITE_ERRORS},
    url_name="api_item_add",
    tags=["ledger"],
)
def item_add(request, problem_id: int, body: s.ItemIn):
    problem = get_problem_for_user(request.user, problem_id, need="record")
    # who can be made responsible: the same people as the page offers (the unit and the units above)
    people = Person.objects.filter(home_unit__path__in=ancestor_paths(problem.unit.path), is_active=True)
    by_id = {
        p.pk: p for p in people.filter(pk__in=[body.responsible_person_id, body.responsible_leader_id or 0])
    }
    if body.responsible_person_id not in by_id:
        raise ActionError(_("The responsible person must belong to the unit or a unit above it."))
    if body.responsible_leader_id is not None and body.responsible_leader_id not in by_id:
        raise ActionError(_("The responsible leader must belong to the unit or a unit above it."))
    item = ledger.do_add_item(
        problem,
        measures=body.measures,
        kind=body.kind,
        responsible_person=by_id[body.responsible_person_id],
        responsible_leader=by_id.get(body.responsible_leader_id),
        deadline=body.deadline,
        requirements=body.requirements,
        stages=[(st.goal, st.target_date) for st in body.stages],
        acting_user=request.user,
    )
    return Answer(201, _item_out(get_item_for_user(request.user, item.pk), timezone.localdate()))


def _item_detail(request, item_id: int) -> dict:
    item = get_item_for_user(request.user, item_id)
    updates = item.updates.select_related("author").prefetch_related("evidence").order_by("id")
    history = [{"at": e.at, "actor_name": e.actor_name, "action": e.action} for e in item_entries(item)]
    return {
        **_item_out(item, timezone.localdate()),
        "requirements": item.requirements,
        "claimed_at": item.claimed_at,
        "closed_at": item.closed_at,
        "reopen_count": item.reopen_count,
        "stages": [
            {
                "id": st.pk,
                "order": st.order,
                "goal": st.goal,
                "target_date": st.target_date,
                "completed_at": st.completed_at,
            }
            for st in item.stages.all()
        ],
        "updates": [
            {
                "id": u.pk,
                "kind": u.kind,
                "text": u.text,
                "author": u.author.username if u.author_id else None,
                "at": u.at,
                "evidence": [e.name for e in u.evidence.all()],
            }
            for u in updates
        ],
        "history": [{"at": h["at"], "actor": h["actor_name"], "action": h["action"]} for h in history],
    }


@api.get(
    "/items/{item_id}", response={200: s.ItemDetail, **ERRORS}, url_name="api_item_detail", tags=["ledger"]
)
def item_detail(request, item_id: int):
    """One item with its stages, progress updates (with evidence names) and its audit history."""
    return _item_detail(request, item_id)


@api.post(
    "/items/{item_id}/start",
    response={200: s.ItemDetail, **WRITE_ERRORS},
    url_name="api_item_start",
    tags=["ledger"],
)
def item_start(request, item_id: int, body: s.VersionIn):
    ledger.do_start_item(get_item_for_user(request.user, item_id), body.version, acting_user=request.user)
    return _item_detail(request, item_id)


@api.post(
    "/items/{item_id}/claim",
    response={200: s.ItemDetail, **WRITE_ERRORS},
    url_name="api_item_claim",
    tags=["ledger"],
)
def item_claim(
    request, item_id: int, version: Form[int], text: Form[str] = "", files: File[list[UploadedFile]] = None
):
    """Claim completion (申请销号) with evidence files (multipart), or with evidence already on the item."""
    item = get_item_for_user(request.user, item_id)
    ledger.do_claim_item(item, text, list(files or []), version, acting_user=request.user)
    return _item_detail(request, item_id)


@api.post(
    "/items/{item_id}/verify",
    response={200: s.ItemDetail, **WRITE_ERRORS},
    url_name="api_item_verify",
    tags=["ledger"],
)
def item_verify(request, item_id: int, body: s.VerifyIn):
    item = get_item_for_user(request.user, item_id)
    ledger.do_verify_item(
        item, body.text, keep_up=body.keep_up, expected_version=body.version, acting_user=request.user
    )
    return _item_detail(request, item_id)


@api.post(
    "/items/{item_id}/return",
    response={200: s.ItemDetail, **WRITE_ERRORS},
    url_name="api_item_return",
    tags=["ledger"],
)
def item_return(request, item_id: int, body: s.ReturnIn):
    """Return a claim with the reasons (退回)."""
    item = get_item_for_user(request.user, item_id)
    ledger.do_reject_claim(item, body.reasons, body.version, acting_user=request.user)
    return _item_detail(request, item_id)


@api.post(
    "/items/{item_id}/reopen",
    response={200: s.ItemDetail, **WRITE_ERRORS},
    url_name="api_item_reopen",
    tags=["ledger"],
)
def item_reopen(request, item_id: int, body: s.ReopenIn):
    """Reopen a closed item after a look-back (回头看), with the findings."""
    item = get_item_for_user(request.user, item_id)
    ledger.do_reopen_item(
        item, body.findings, deadline=body.deadline, expected_version=body.version, acting_user=request.user
    )
    return _item_detail(request, item_id)


@api.post(
    "/items/{item_id}/extension",
    response={200: s.ItemDetail, **WRITE_ERRORS},
    url_name="api_item_extension",
    tags=["ledger"],
)
def item_extension(request, item_id: int, body: s.ExtensionIn):
    """Ask the verifying office to move the deadline (延期申请), with the reason; the office decides."""
    item = get_item_for_user(request.user, item_id)
    ledger.do_request_extension(item, body.new_deadline, body.reason, body.version, acting_user=request.user)
    return _item_detail(request, item_id)


# ----------------------------------------------------------------------------------------- figures


def _figures_out(f) -> dict:
    bands = [Level.REMIND, Level.SUPERVISE, Level.WARN]
    return {
        "unit": f.unit.code,
        "unit_name": f.unit.name,
        "items": f.items,
        "closed": f.closed,
        "kept_up": f.kept_up,
        "not_done": f.not_done,
        "overdue": f.overdue,
        "completion": f.completion,
        "overdue_by_level": {str(b): n for b, n in zip(bands, f.buckets or [0] * len(bands), strict=True)},
        "status": f.by(STATUS_FIELDS),
        "kind": f.by(KIND_FIELDS),
    }


@api.get(
    "/units/{code}/figures",
    response={200: s.FiguresAnswer, **ERRORS},
    url_name="api_unit_figures",
    tags=["figures"],
)
def unit_figures(request, code: str, campaign: int | None = None):
    """Roll-up figures of the unit's subtree and of each direct child's subtree (worst completion first)."""
    unit = get_unit_for_user(request.user, code)
    c = campaign_for(request, unit)  # the one rule of campaigns/access.py
    d = dashboard(unit, c.pk, timezone.localdate(), Unit.objects.children_of(unit))
    return {
        "campaign_id": c.pk,
        "unit": _figures_out(d["me"]),
        "children": [_figures_out(k) for k in d["children"]],
    }


# ------------------------------------------------------------------------------- study and research


def _meeting_out(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "unit": m.unit.code,
        "campaign_id": m.campaign_id,
        "kind": m.kind,
        "title": m.title,
        "date": m.date,
        "place": m.place,
    }


@api.get(
    "/units/{code}/meetings",
    response={200: s.MeetingPage, **ERRORS},
    url_name="api_meeting_list",
    tags=["study"],
)
def meeting_list(request, code: str, page: Query[PageQuery] = None):
    page = page or PageQuery()
    unit = get_unit_for_user(request.user, code)
    ids, nxt = _page_ids(Meeting.objects.filter(unit=unit), page.cursor, page.bounded())
    return {
        "results": [_meeting_out(m) for m in _rows(Meeting.objects.select_related("unit"), ids)],
        "next_cursor": nxt,
    }


@api.get(
    "/meetings/{meeting_id}",
    response={200: s.MeetingDetail, **ERRORS},
    url_name="api_meeting_detail",
    tags=["study"],
)
def meeting_detail(request, meeting_id: int):
    """A meeting with its venues and who attended each (出席 / 请假 / 补学)."""
    meeting = get_meeting_for_user(request.user, meeting_id)
    venues = (
        meeting.venues.select_related("unit")
        .prefetch_related("attendance__person")
        .order_by("-is_main", "id")
    )
    return {
        **_meeting_out(meeting),
        "venues": [
            {
                "id": v.pk,
                "unit": v.unit.code,
                "is_main": v.is_main,
                "place": v.place,
                "attendance": [
                    {"person": a.person.name, "status": a.status, "note": a.note} for a in v.attendance.all()
                ],
            }
            for v in venues
        ],
    }


def _topic_out(t: Topic) -> dict:
    report = getattr(t, "report", None)
    return {
        "id": t.pk,
        "unit": t.unit.code,
        "campaign_id": t.campaign_id,
        "title": t.title,
        "field": t.field,
        "cadre": t.cadre.name if t.cadre_id else None,
        "report_status": report.status if report else None,
    }


@api.get(
    "/units/{code}/topics",
    response={200: s.TopicPage, **ERRORS},
    url_name="api_topic_list",
    tags=["research"],
)
def topic_list(request, code: str, page: Query[PageQuery] = None):
    page = page or PageQuery()
    unit = get_unit_for_user(request.user, code)
    ids, nxt = _page_ids(Topic.objects.filter(unit=unit), page.cursor, page.bounded())
    rows = _rows(Topic.objects.select_related("unit", "cadre", "report"), ids)
    return {"results": [_topic_out(t) for t in rows], "next_cursor": nxt}


@api.get(
    "/topics/{topic_id}",
    response={200: s.TopicDetail, **ERRORS},
    url_name="api_topic_detail",
    tags=["research"],
)
def topic_detail(request, topic_id: int):
    topic = get_topic_for_user(request.user, topic_id)
    report = getattr(topic, "report", None)
    return {
        **_topic_out(topic),
        "problem_is": report.problem_is if report else "",
        "crux": report.crux if report else "",
        "solutions": report.solutions if report else "",
        "visits": [
            {"date": v.date, "place": v.place, "met": v.met, "findings": v.findings}
            for v in topic.visits.all()
        ],
    }


from . import imports  # noqa: E402,F401  the import job routes register on `api`
