from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.audit.actions import do_record_export
from chuxin.audit.events import AuditEvent
from chuxin.campaigns.access import campaign_for, check_campaign_param
from chuxin.core import prepared
from chuxin.core.errors import ActionError
from chuxin.core.forms import posted_version
from chuxin.orgs.models import CommitteeMember, Person, Unit, ancestor_paths, subtree_q
from chuxin.orgs.scope import get_unit_for_user, require_manage, require_record, scope_for
from chuxin.rollups.queries import ledger_total_field, ledger_total_sql

from . import actions
from .access import (
    get_evidence_for_user,
    get_extension_for_user,
    get_item_for_user,
    get_problem_for_user,
    get_stage_for_user,
    items_for_user,
)
from .evidence import blob_path
from .forms import ExtensionForm, ItemEditForm, ItemForm, LedgerFilterForm, RecordForm
from .history import item_entries, item_history, problem_history
from .models import (
    ACTIVE_STATUSES,
    WORKING_STATUSES,
    ExtensionStatus,
    Kind,
    Problem,
    ProblemListSignoff,
    RectificationItem,
    Source,
    Status,
    UpdateKind,
)
from .tables import rows_in

PER_PAGE = 50


MAX_PAGE = (
    1_000_000  # the offset of a page past it would overflow the database's bigint: such a page is empty
)


def page_number(value) -> int:
    """The ?page= of an offset-paged list: 1 for anything that is not a number, at most MAX_PAGE."""
    try:
        return min(max(1, int(value or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


class LedgerPage:
    """One page of a ledger without counting the whole filtered subtree (a COUNT over a province's
    items costs more than the page itself). The page's 51 ids from the narrow index-backed query, then
    their rows with the joins (tables.rows_in: two statements, the second prepared) — the joins run for 51
    rows, not for every match (the 51st only says there is a next page)."""

    def __init__(self, qs, number):
        self.number = page_number(number)
        start = (self.number - 1) * PER_PAGE
        window = qs.order_by("-id").values("id")[start : start + PER_PAGE + 1]
        rows = rows_in(window)  # plain rows for the table (tables.py)
        self.has_next = len(rows) > PER_PAGE
        self.has_previous = self.number > 1
        self.object_list = rows[:PER_PAGE]
        self.total = None  # filled in when the roll-ups know it

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def ledger_queryset(unit, f: dict, campaign=None):
    """The ledger rows the filters select. Every combination is a range of one index: the unit's
    own rows by (unit, status); a subtree by the campaign and the path copied onto the items, with
    status, kind or overdue next (see RectificationItem.Meta.indexes); a source through the problems'
    (source, unit_path) index, a work area through their (work_areas, unit_path) index (see
    Problem.masks_with); a person through their name's index."""
    subtree = bool(f.get("subtree"))
    qs = (
        RectificationItem.objects.in_subtree(unit) if subtree else RectificationItem.objects.filter(unit=unit)
    )
    if campaign is not None:  # the campaign copied onto the items leads every ledger index
        qs = qs.filter(campaign=campaign)
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("source"):
        problems = Problem.objects.filter(source=f["source"])
        problems = (
            problems.filter(subtree_q(unit.path, "unit_path")) if subtree else problems.filter(unit=unit)
        )
        qs = qs.filter(problem_id__in=problems.values("pk"))
    if f.get("area"):
        problems = Problem.objects.filter(work_areas__in=Problem.masks_with(f["area"]))
        problems = (
            problems.filter(subtree_q(unit.path, "unit_path")) if subtree else problems.filter(unit=unit)
        )
        qs = qs.filter(problem_id__in=problems.values("pk"))
    if f.get("person"):
        people = Person.objects.filter(name=f["person"].strip()).values("pk")
        qs = qs.filter(responsible_person_id__in=people)
    if f.get("overdue"):
        qs = qs.overdue()
    if f.get("topic"):  # 专项整治: the topic's problems (their topic_id index), in the same unit or subtree
        problems = Problem.objects.filter(topic_id=f["topic"])
        problems = (
            problems.filter(subtree_q(unit.path, "unit_path")) if subtree else problems.filter(unit=unit)
        )
        qs = qs.filter(problem_id__in=problems.values("pk"))
    return qs


@login_required
def unit_ledger(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    form = LedgerFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    subtree = not f.get("own")  # 本单位及下级单位 unless narrowed to the unit itself
    qs = ledger_queryset(unit, {**f, "subtree": subtree}, campaign)
    page = LedgerPage(qs, request.GET.get("page"))
    total_field = None  # the roll-ups know the total of a subtree filtered by at most a status or a kind
    if subtree and not (
        f.get("source") or f.get("area") or f.get("person") or f.get("overdue") or f.get("topic")
    ):
        total_field = ledger_total_field(f.get("status"), f.get("kind"))
    head = signoff_state(unit, campaign, request.user, total_field)
    page.total = head.pop("total")
    scope = scope_for(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "problems/unit_ledger.html",
        {
            "unit": unit,
            "campaign": campaign,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "can_record": scope.can_record(unit),
            "subtree": subtree,
            **head,
        },
    )


def signoff_state(unit, campaign, user, total_field: str | None = None) -> dict:
    """{"signoff": the unit's latest problem-list sign-off in the campaign or None, "is_secretary": whether
    the user is the unit's secretary (who may sign), "total": the unit's subtree count in the roll-up column
    `total_field` (rollups.queries.ledger_total_field; None without one)}, in one plain statement: the
    unit's row joined to its sign-offs of the campaign (a LEFT JOIN: a unit without one still gives its
    row, newest first by the problems_signoff_latest index), the secretary check and the total as scalar
    subqueries. Written out rather than composed by the ORM: compiling it cost more than running it, on
    every ledger page; prepared, as planning it did. The sign-off is rebuilt from the columns the page shows."""
    signoffs = ProblemListSignoff._meta.db_table
    total = ledger_total_sql(total_field) if total_field else "NULL"
    sql = f"""
        SELECT s.id, s.signed_at, s.problems, s.note, s.signed_by_id, p.name AS signer_name,
               EXISTS (SELECT 1 FROM {CommitteeMember._meta.db_table} m
                       JOIN {Person._meta.db_table} mp ON mp.id = m.person_id
                       WHERE m.unit_id = u.id AND m.post = 'secretary' AND mp.user_id = %s) AS is_secretary,
               {total} AS total
        FROM {Unit._meta.db_table} u
        LEFT JOIN {signoffs} s ON s.unit_id = u.id AND s.campaign_id = %s
        LEFT JOIN {Person._meta.db_table} p ON p.id = s.signed_by_id
        WHERE u.id = %s
        ORDER BY s.signed_at DESC, s.id DESC
        LIMIT 1"""  # noqa: S608 — table names from the models, the total's column checked by ledger_total_sql
    params = [user.pk, *([unit.pk, campaign.pk] if total_field else []), campaign.pk, unit.pk]
    with prepared.cursor() as cur:  # planning it cost more than running it (chuxin/core/prepared.py)
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return {"signoff": None, "is_secretary": False, "total": None}
    *fields, signer_name, is_secretary, total_value = row
    signoff = None
    if fields[0] is not None:
        (signoff,) = prepared.model_rows(ProblemListSignoff, SIGNOFF_FIELDS, [fields])
        signoff.unit, signoff.campaign = unit, campaign
        signoff.signed_by = Person(pk=signoff.signed_by_id, name=signer_name)
    total_value = int(total_value) if total_value is not None else None
    return {"signoff": signoff, "is_secretary": bool(is_secretary), "total": total_value}


# The sign-off's fields that signoff_state's statement selects, in its order.
SIGNOFF_FIELDS = ["id", "signed_at", "problems", "note", "signed_by_id"]


@login_required
def problem_list(request, code):
    """问题清单: the unit's problems (with subordinates' on request), with the secretary's sign-off."""
    unit = get_unit_for_user(request.user, code)
    subtree = request.GET.get("subtree") == "on"
    campaign = campaign_for(request, unit)
    qs = Problem.objects.filter(campaign=campaign)
    qs = qs.filter(subtree_q(unit.path, "unit__path")) if subtree else qs.filter(unit=unit)
    number = page_number(request.GET.get("page"))
    start = (number - 1) * PER_PAGE
    ids = list(qs.order_by("-id").values_list("id", flat=True)[start : start + PER_PAGE + 1])
    problems = list(
        Problem.objects.filter(id__in=ids[:PER_PAGE])
        .select_related("unit", "responsible_leader")
        .annotate(n_items=Count("items"))
        .order_by("-id")
    )
    return render(
        request,
        "problems/problem_list.html",
        {
            "unit": unit,
            "problems": problems,
            "subtree": subtree,
            "page_number": number,
            "has_next": len(ids) > PER_PAGE,
            "can_record": scope_for(request.user).can_record(unit),
            **signoff_state(unit, campaign, request.user),  # this campaign's sign-off, not another's
            "own_count": Problem.objects.filter(unit=unit, campaign=campaign).count(),
            "campaign": campaign,
        },
    )


@login_required
@require_POST
def problem_list_sign_off(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    try:
        actions.do_sign_off_problem_list(
            unit, campaign, request.POST.get("note", ""), acting_user=request.user
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The problem list is signed off."))
    return redirect(_with_campaign(reverse("problem_list", kwargs={"code": unit.code}), campaign))


def _with_campaign(url: str, campaign) -> str:
    return f"{url}?campaign={campaign.pk}"


def _topics_for(campaign, unit):
    """The special-rectification topics the unit lists problems under (专项整治)."""
    from chuxin.special.models import Topic

    return [t for t in Topic.objects.filter(campaign=campaign).covering(unit) if t.applies_to(unit)]


def _leaders_for(unit):
    """The unit's committee, secretary first: who can be the responsible leader (一岗双责)."""
    return [
        cm.person
        for cm in unit.committee.select_related("person").order_by("order", "id")
        if cm.person.is_active
    ]


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request, code):
    """One page records a problem with its first item. htmx asks this view for two fragments: the
    kind's fields (?fragment=kind) and the leader suggested by the work domain (?fragment=leader);
    both carry the whole form's values, so nothing typed is lost."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    require_record(request.user, unit)
    topics = _topics_for(campaign, unit)
    people = list(_people_for(unit))
    leaders = _leaders_for(unit)
    kw = {"unit": unit, "people": people, "leaders": leaders, "topics": topics}
    fragment = request.GET.get("fragment")
    if fragment in ("kind", "leader"):
        form = RecordForm(request.GET, **kw)
        ctx = {"unit": unit, "form": form, "people": people}
        if fragment == "leader":
            domain = unit.domains.filter(pk=request.GET.get("domain") or 0).first()
            suggested = actions.default_leader(unit, domain)
            ctx["suggested_leader"] = suggested
        return render(request, f"problems/record.html#{fragment}_fields", ctx)
    initial = {"source": request.GET.get("source") or Source.SELF_EXAMINATION}
    if request.GET.get("topic", "").isdigit() and int(request.GET["topic"]) in {t.pk for t in topics}:
        initial = {"topic": int(request.GET["topic"]), "source": Source.SPECIAL}
    form = RecordForm(request.POST or None, initial=initial, **kw)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        domain = unit.domains.filter(pk=d["domain"]).first() if d["domain"] else None
        leader = form.leaders.get(d["responsible_leader"]) if d["responsible_leader"] else None
        try:
            problem, item = actions.do_record_problem_with_item(
                acting_user=request.user,
                campaign=campaign,
                unit=unit,
                problem={
                    "topic": form.topics.get(d.get("topic")),
                    "title": d["title"],
                    "source": d["source"],
                    "domain": domain,
                    "responsible_leader": leader,
                    "description": d["description"],
                    "category": d["category"],
                    "root_cause": d["root_cause"],
                    "severity": d["severity"],
                    "work_areas": sum(set(d["work_areas"])),
                },
                item={
                    "measures": d["measures"],
                    "kind": d["kind"],
                    "responsible_person": d["person"],
                    "deadline": d["deadline"] if d["kind"] != Kind.LONG_TERM else None,
                    "requirements": d["requirements"],
                    "stages": form.stages if d["kind"] == Kind.LONG_TERM else None,
                },
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Problem and rectification item recorded."))
            if "another" in request.POST:  # keep the unit and the source (and topic) for the next one
                query = QueryDict(mutable=True)
                query["campaign"] = campaign.pk
                query["source"] = d["source"]
                if d.get("topic"):
                    query["topic"] = d["topic"]
                return redirect(
                    reverse("problem_create", kwargs={"code": unit.code}) + "?" + query.urlencode()
                )
            return redirect("item_detail", item_id=item.pk)
    return render(
        request,
        "problems/record.html",
        {"unit": unit, "form": form, "people": people, "campaign": campaign},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def problem_detail(request, problem_id):
    problem = get_problem_for_user(request.user, problem_id)
    check_campaign_param(request, problem.campaign_id)
    return render(
        request,
        "problems/problem_detail.html",
        {
            "problem": problem,
            "unit": problem.unit,
            "items": problem.items.select_related("responsible_person"),
            "can_record": scope_for(request.user).can_record(problem.unit),
            "today": timezone.localdate(),
            "history": problem_history(problem),
        },
    )


def _people_for(unit):
    """Who can be made responsible: people of the unit and of the units above it."""
    return Person.objects.filter(home_unit__path__in=ancestor_paths(unit.path), is_active=True).order_by(
        "-home_unit__depth", "-rank"
    )[:300]


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request, problem_id):
    problem = get_problem_for_user(request.user, problem_id)
    check_campaign_param(request, problem.campaign_id)
    require_record(request.user, problem.unit)
    people = list(_people_for(problem.unit))
    by_id = {p.pk: p for p in people}
    form = ItemForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["responsible_person"] = by_id[data["responsible_person"]]
        data["responsible_leader"] = by_id.get(data["responsible_leader"])
        try:
            actions.do_add_item(problem, **data, acting_user=request.user)
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Rectification item added."))
            return redirect("problem_detail", problem_id=problem.pk)
    return render(
        request, "problems/item_form.html", {"problem": problem, "unit": problem.unit, "form": form}
    )


def _timeline(item):
    """Progress updates (with their evidence) and audit entries of the item, oldest first."""
    updates = list(item.updates.select_related("author").prefetch_related("evidence__blob"))
    audit = item_entries(item)
    return updates, audit


def _item_context(request, item, error=None, posted_text="", extension_form=None):
    scope = scope_for(request.user)
    updates, audit = _timeline(item)
    extensions = list(item.extensions.select_related("requested_by__person", "decided_by__person"))
    rejects = [u for u in updates if u.kind == UpdateKind.REJECT]
    return {
        "working": item.status in WORKING_STATUSES,
        "return_reason": rejects[-1].text if rejects else "",
        "extensions": extensions,
        "pending_extension": any(e.status == ExtensionStatus.PENDING for e in extensions),
        "can_decide_extension": scope.can_manage(item.unit),
        "extension_form": extension_form,
        "posted_text": posted_text,
        "item": item,
        "problem": item.problem,
        "unit": item.unit,
        "campaign": item.problem.campaign,
        "stages": item.stages.all(),
        "updates": updates,
        "history": item_history(item, updates, audit),
        "error": error,
        "today": timezone.localdate(),
        "can_record": scope.can_record(item.unit),
        "can_verify": scope.can_manage(item.unit) and item.claimed_by_id != request.user.pk,
        "is_long_term": item.kind == Kind.LONG_TERM,
        "active": item.status in ACTIVE_STATUSES,
    }


@login_required
def item_detail(request, item_id):
    item = get_item_for_user(request.user, item_id)
    check_campaign_param(request, item.problem.campaign_id)
    return render(request, "problems/item_detail.html", _item_context(request, item))


VERBS = {"start", "progress", "claim", "verify", "keep_up", "reject", "reopen"}


@login_required
@require_POST
def item_action(request, item_id, verb):
    """One endpoint for the workflow buttons; answers the item panel partial to htmx, else redirects."""
    item = get_item_for_user(request.user, item_id)
    check_campaign_param(request, item.problem.campaign_id)
    if verb not in VERBS:
        raise Http404("No such action")
    text = request.POST.get("text", "")
    version = posted_version(request.POST.get("version"))
    files = request.FILES.getlist("files")
    error = None
    try:
        if verb == "start":
            actions.do_start_item(item, version, acting_user=request.user)
        elif verb == "progress":
            actions.do_add_progress(item, text, files, version, acting_user=request.user)
        elif verb == "claim":
            actions.do_claim_item(item, text, files, version, acting_user=request.user)
        elif verb in ("verify", "keep_up"):
            actions.do_verify_item(
                item, text, keep_up=verb == "keep_up", expected_version=version, acting_user=request.user
            )
        elif verb == "reject":
            actions.do_reject_claim(item, text, version, acting_user=request.user)
        elif verb == "reopen":
            actions.do_reopen_item(item, text, expected_version=version, acting_user=request.user)
    except ActionError as exc:
        error = " ".join(exc.messages)
    item = get_item_for_user(request.user, item_id)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "problems/item_detail.html#panel",
            _item_context(request, item, error, text if error else ""),
        )
    if error and text.strip() and scope_for(request.user).can_record(item.unit):
        # the page again, with what was typed (files must be chosen again: browsers forbid refilling)
        return render(
            request, "problems/item_detail.html", _item_context(request, item, error, text), status=400
        )
    if error:
        messages.error(request, error)
    return redirect("item_detail", item_id=item.pk)


@login_required
@require_POST
def extension_request(request, item_id):
    """延期申请 from the item page: the unit asks, the verifying office decides."""
    item = get_item_for_user(request.user, item_id)
    check_campaign_param(request, item.problem.campaign_id)
    require_record(request.user, item.unit)
    form = ExtensionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            actions.do_request_extension(
                item,
                form.cleaned_data["new_deadline"],
                form.cleaned_data["reason"],
                posted_version(request.POST.get("version")),
                acting_user=request.user,
            )
        except ActionError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(
            f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields
        )
    if error:
        return render(
            request,
            "problems/item_detail.html",
            _item_context(request, item, error, extension_form=form),
            status=400,
        )
    else:
        messages.success(request, _("The extension request is sent to the office that verifies."))
    return redirect("item_detail", item_id=item.pk)


@login_required
@require_POST
def extension_decide(request, extension_id):
    ext = get_extension_for_user(request.user, extension_id)
    check_campaign_param(request, ext.item.problem.campaign_id)
    require_manage(request.user, ext.item.unit)
    approve = request.POST.get("decision") == "approve"
    try:
        actions.do_decide_extension(ext, approve, request.POST.get("note", ""), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Extension approved.") if approve else _("Extension refused."))
    return redirect("item_detail", item_id=ext.item_id)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, item_id):
    item = get_item_for_user(request.user, item_id)
    check_campaign_param(request, item.problem.campaign_id)
    require_record(request.user, item.unit)
    initial = {"version": item.version, "measures": item.measures, "requirements": item.requirements}
    form = ItemEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            actions.do_edit_item(item, version, **data, acting_user=request.user)
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("item_detail", item_id=item.pk)
    return render(request, "problems/item_edit.html", {"item": item, "unit": item.unit, "form": form})


@login_required
@require_POST
def stage_complete(request, stage_id):
    stage = get_stage_for_user(request.user, stage_id)
    try:
        actions.do_complete_stage(
            stage, posted_version(request.POST.get("version")), acting_user=request.user
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("item_detail", item_id=stage.item_id)


@login_required
def evidence_download(request, evidence_id):
    ev = get_evidence_for_user(request.user, evidence_id)
    path = blob_path(ev.blob.sha256)
    if not path.exists():
        raise Http404("The file is missing from storage")
    do_record_export(
        AuditEvent.EVIDENCE_DOWNLOAD,
        {"name": ev.name, "sha256": ev.blob.sha256, "item": ev.item_id},
        acting_user=request.user,
        obj=ev,
        unit=ev.item.unit_id,
    )
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=ev.name, content_type=ev.blob.content_type
    )


@login_required
def my_items(request):
    qs = items_for_user(request.user).filter(
        Q(responsible_person__user=request.user) | Q(responsible_leader__user=request.user)
    )
    show_all = request.GET.get("all") == "1"
    if not show_all:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    page = Paginator(
        qs.select_related("problem", "unit", "responsible_person").order_by("due_date", "id"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "problems/my_items.html",
        {"page": page, "today": timezone.localdate(), "show_all": show_all, "statuses": Status},
    )
