"""Every change to the ledger goes through here: validation, the change, the audit entry, one transaction.

Workflow of a rectification item:
    open -> in_progress -> claimed (with evidence) -> closed (销号) | kept_up (long-term only)
    claimed -> returned (已退回, with reasons) -> claimed again (with evidence)
    closed | kept_up -> in_progress (reopened by a look-back, with findings)
While a claim is pending (claimed) the item cannot be edited. The deadline of an item never changes by
editing: the unit asks for an extension (延期申请) and the verifying office approves or refuses it.
Claims, returns, verifications and extension requests are announced with `signals.ledger_event` in
their transaction; the reminders app turns them into notifications at once.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import digest_alg, id_ranges, record, record_many, snapshot
from chuxin.campaigns.access import covers
from chuxin.campaigns.actions import ensure_open, ensure_open_id
from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.core.forms import is_bad_version
from chuxin.orgs.models import CommitteeMember, Person, Unit, WorkDomain
from chuxin.orgs.scope import require_record, scope_for
from chuxin.rollups import counters

from . import evidence as evidence_store
from . import rules
from .models import (
    ACTIVE_STATUSES,
    WORKING_STATUSES,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Kind,
    Problem,
    ProblemListSignoff,
    ProgressUpdate,
    RectificationItem,
    Stage,
    Status,
    UpdateKind,
)
from .signals import ledger_event

AT_ONCE_DAYS = rules.AT_ONCE_DAYS


def default_leader(unit: Unit, domain: WorkDomain | None) -> Person | None:
    """一岗双责: the committee member who covers the domain, else the secretary (第一责任人)."""
    seats = CommitteeMember.objects.filter(unit=unit).select_related("person")
    if domain is not None:
        seat = seats.filter(domains=domain).first()
        if seat is not None:
            return seat.person
    seat = seats.filter(post="secretary").first()
    return seat.person if seat else None


def _check_version(obj, expected: int | None) -> None:
    """A missing or non-numeric version from a page arrives as chuxin.core.forms' marker and is refused
    here, after the permission check; None is for callers that hold the lock themselves."""
    if expected is None:
        return
    if is_bad_version(expected):
        raise ActionError(_("This form is out of date. Reload the page and try again."))
    try:
        expected = int(expected)
    except (TypeError, ValueError) as exc:
        raise ActionError(_("This form is out of date. Reload the page and try again.")) from exc
    if expected != obj.version:
        raise StaleVersion(
            _("Someone else changed this record since you opened it. Reload the page to see their change.")
        )


def _lock_item(item_id: int) -> RectificationItem:
    """Every item workflow step starts here: lock the row, refuse writes into a closed campaign."""
    items = (
        RectificationItem.objects.select_for_update(of=("self", "unit", "problem"))
        # the responsible person too (not locked): the ledger event's notification needs their account
        .select_related("unit", "problem__campaign", "responsible_person")
    )
    # the unit's ancestors for the roll-up counters, read by the same statement (PostgreSQL): the unit row
    # is locked, so no move can change them before the commit
    item = counters.with_ancestry(items).get(pk=item_id)
    ensure_open(item.problem.campaign)
    item._counted_as = counters.ItemState.of(item)  # what the roll-up counters hold for it now
    return item


def compute_due_date(item: RectificationItem) -> date | None:
    if item.kind == Kind.LONG_TERM:
        open_dates = [s.target_date for s in item.stages.all() if s.completed_at is None]
        return min(open_dates) if open_dates else item.deadline
    return item.deadline


def _save_item(
    user, item: RectificationItem, action: str, before: dict, text: str = "", kind=None, files=(), event=None
):
    """The one funnel of item changes: the item, its progress update and evidence, then the roll-up
    counters and the audit entries.

    The hot rows come last: the counters of the unit's ancestors (up to the root, which every change
    in the country touches) and the audit chain's head are locked by the last statements before the
    commit, never while evidence files are written, so concurrent writers anywhere in the tree wait
    for each other only for those few statements (bench/bench_write.py measures it). Every action
    takes them in the same order, roll-ups before audit, so two writers never deadlock on them. So the
    change's `ledger_event` (`event`: its sender name, sent with the item, the user and `text`) goes out
    before them too: its receivers' writes (notifications) are not made while the hot rows are held."""
    blobs = evidence_store.store_for_unit(item.unit, files or ())  # the quota checked first
    item.due_date = compute_due_date(item)
    item.version += 1
    item.save()
    update = None
    if kind is not None and blobs and connection.vendor == "postgresql":
        update, evidence = _add_update_with_evidence(item, user, kind, text, blobs)
    else:
        if kind is not None:
            update = ProgressUpdate.objects.create(item=item, kind=kind, text=text, author=user)
        evidence = [
            Evidence.objects.create(update=update, item=item, blob=blob, name=name, uploaded_by=user)
            for name, blob in blobs
        ]
    if event is not None:
        ledger_event.send(event, item=item, actor=user, text=text)
    counters.item_changed(item._counted_as, counters.ItemState.of(item))
    item._counted_as = counters.ItemState.of(item)
    # the item's entry and its evidence's, appended under one lock of the chain's head
    record_many(
        user,
        [
            (action, item, before, snapshot(item), item.pk),
            *(
                (
                    AuditEvent.EVIDENCE_ADD,
                    ev,
                    None,
                    {"name": ev.name, "sha256": ev.blob.sha256, "size": ev.blob.size},
                    item.pk,
                )
                for ev in evidence
            ),
        ],
    )
    return update


def _add_update_with_evidence(item, user, kind, text, blobs) -> tuple[ProgressUpdate, list[Evidence]]:
    """The progress update and its evidence rows as one statement (PostgreSQL: the update's INSERT a
    data-modifying WITH part of the evidence's); the rows as `ProgressUpdate.objects.create()` and
    `Evidence.objects.create()` would write them, returned as saved instances."""
    at = timezone.now()
    author = user.pk if getattr(user, "pk", None) else None
    pu, ev = ProgressUpdate._meta.db_table, Evidence._meta.db_table
    rows = ", ".join(["(%s::bigint, %s::bigint, %s)"] * len(blobs))
    params = [item.pk, kind, text, author, at]
    for n, (name, blob) in enumerate(blobs):
        params += [n, blob.pk, name]
    with connection.cursor() as cur:
        cur.execute(
            f"WITH pu AS (INSERT INTO {pu} (item_id, kind, text, author_id, at) VALUES (%s, %s, %s, %s, %s) "
            f"RETURNING id, item_id, author_id, at) "
            f"INSERT INTO {ev} (update_id, item_id, blob_id, name, uploaded_by_id, uploaded_at) "
            f"SELECT pu.id, pu.item_id, v.blob_id, v.name, pu.author_id, pu.at FROM pu, (VALUES {rows}) "
            f"AS v (n, blob_id, name) ORDER BY v.n RETURNING id, update_id",
            params,
        )
        made = sorted(cur.fetchall())  # ids in insertion order: the order of the files
    update = ProgressUpdate(pk=made[0][1], item=item, kind=kind, text=text, author_id=author, at=at)
    update._state.adding, update._state.db = False, "default"
    evidence = []
    for (pk, _u), (name, blob) in zip(made, blobs, strict=True):
        e = Evidence(
            pk=pk, update=update, item=item, blob=blob, name=name, uploaded_by_id=author, uploaded_at=at
        )
        e._state.adding, e._state.db = False, "default"
        evidence.append(e)
    return update, evidence


def do_record_problem(
    *, acting_user, campaign, unit: Unit, title: str, source: str, authorised: bool = False, **fields
) -> Problem:
    """Record a problem of `unit`. `authorised=True` only from another action that has checked the actor's
    right itself (a guidance group's finding: the group may not record, but its finding becomes a problem)."""
    if not authorised:
        require_record(acting_user, unit)
    ensure_open(campaign)
    if not covers(campaign, unit):
        raise ActionError(
            _("The campaign %(title)s does not cover %(unit)s.")
            % {"title": campaign.title, "unit": unit.name}
        )
    if not (title or "").strip():
        raise ActionError(_("A problem needs a description of what is wrong."))
    domain = fields.get("domain")
    if domain is not None and domain.unit_id != unit.pk:
        raise ActionError(_("That work domain belongs to another unit."))
    topic = fields.get("topic")
    if topic is not None and (topic.campaign_id != campaign.pk or not topic.applies_to(unit)):
        raise ActionError(
            _("This special rectification topic does not cover %(unit)s.") % {"unit": unit.name}
        )
    leader = fields.pop("responsible_leader", None) or default_leader(unit, domain)
    with transaction.atomic():
        problem = Problem.objects.create(
            campaign=campaign,
            unit=unit,
            title=title.strip(),
            source=source,
            responsible_leader=leader,
            recorded_by=acting_user,
            **fields,
        )
        counters.problem_created(problem)  # roll-ups before audit, as everywhere (see _save_item)
        record(acting_user, AuditEvent.PROBLEM_CREATE, problem, None, snapshot(problem))
    return problem


def do_edit_problem(problem: Problem, expected_version: int | None, *, acting_user, **fields) -> Problem:
    require_record(acting_user, problem.unit)
    ensure_open_id(problem.campaign_id)
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        _check_version(locked, expected_version)
        before = snapshot(locked)
        old_source, old_areas = locked.source, locked.work_areas
        for k, v in fields.items():
            setattr(locked, k, v)
        locked.version += 1
        locked.save()
        if locked.source != old_source:
            counters.problem_source_changed(locked, old_source)
        if locked.work_areas != old_areas:
            counters.problem_areas_changed(locked, old_areas)
        record(acting_user, AuditEvent.PROBLEM_CHANGE, locked, before, snapshot(locked))
    return locked


def do_add_item(
    problem: Problem,
    *,
    acting_user,
    measures: str,
    kind: str,
    responsible_person: Person,
    responsible_leader: Person | None = None,
    deadline: date | None = None,
    requirements: str = "",
    stages: list[tuple[str, date]] | None = None,
    today: date | None = None,
) -> RectificationItem:
    require_record(acting_user, problem.unit)
    ensure_open_id(problem.campaign_id)
    today = today or timezone.localdate()
    stages = stages or []
    deadline, errors = rules.check_new_item(
        kind=kind,
        measures=measures,
        deadline=deadline,
        requirements=requirements,
        stages=stages,
        today=today,
        allow_past=rules.past_dates_allowed(problem.campaign, today),
    )
    if errors:
        raise ActionError(errors[0][1])
    with transaction.atomic():
        item = RectificationItem.objects.create(
            problem=problem,
            unit=problem.unit,
            measures=measures.strip(),
            kind=kind,
            requirements=(requirements or "").strip(),
            deadline=deadline,
            responsible_person=responsible_person,
            responsible_leader=responsible_leader or problem.responsible_leader,
        )
        for i, (goal, target) in enumerate(stages, 1):
            st = Stage.objects.create(item=item, order=i, goal=goal.strip(), target_date=target)
            record(acting_user, AuditEvent.STAGE_CREATE, st, None, snapshot(st), item.pk)
        item.due_date = compute_due_date(item)
        item.save(update_fields=["due_date"])
        counters.item_changed(None, counters.ItemState.of(item))
        record(acting_user, AuditEvent.ITEM_CREATE, item, None, snapshot(item), item.pk)
    return item


def do_add_progress(
    item: RectificationItem, text: str, files=(), expected_version=None, *, acting_user
) -> ProgressUpdate:
    require_record(acting_user, item.unit)
    if not (text or "").strip() and not files:
        raise ActionError(_("Write what was done or attach a file."))
    for f in files:
        evidence_store.check_upload(f)
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _check_version(locked, expected_version)
        if locked.status not in WORKING_STATUSES:
            raise ActionError(_("Progress can be added only while the item is being worked on."))
        before = snapshot(locked)
        if locked.status == Status.OPEN:
            locked.status = Status.IN_PROGRESS
        update = _save_item(
            acting_user, locked, AuditEvent.ITEM_PROGRESS, before, text.strip(), UpdateKind.NOTE, files
        )
    return update


def do_start_item(item: RectificationItem, expected_version=None, *, acting_user) -> RectificationItem:
    require_record(acting_user, item.unit)
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _check_version(locked, expected_version)
        if locked.status != Status.OPEN:
            raise ActionError(_("Only an item that has not started can be started."))
        before = snapshot(locked)
        locked.status = Status.IN_PROGRESS
        _save_item(acting_user, locked, AuditEvent.ITEM_START, before, "", UpdateKind.START)
    return locked


def do_complete_stage(stage: Stage, expected_version=None, *, acting_user) -> Stage:
    item = stage.item
    require_record(acting_user, item.unit)
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _check_version(locked, expected_version)
        st = Stage.objects.select_for_update().get(pk=stage.pk)
        if st.completed_at is not None:
            raise ActionError(_("This stage is already complete."))
        if locked.status not in WORKING_STATUSES:
            raise ActionError(_("Stages can be completed only while the item is being worked on."))
        st_before = snapshot(st)
        st.completed_at = timezone.now()
        st.save()
        record(acting_user, AuditEvent.STAGE_COMPLETE, st, st_before, snapshot(st), locked.pk)
        before = snapshot(locked)
        if locked.status == Status.OPEN:
            locked.status = Status.IN_PROGRESS
        _save_item(acting_user, locked, AuditEvent.ITEM_STAGE, before, st.goal, UpdateKind.STAGE)
    return st


def do_claim_item(
    item: RectificationItem, text: str, files=(), expected_version=None, *, acting_user
) -> RectificationItem:
    """Claim completion; evidence is required (new files, or files already on the item)."""
    require_record(acting_user, item.unit)
    for f in files:
        evidence_store.check_upload(f)
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _check_version(locked, expected_version)
        if locked.status not in WORKING_STATUSES:
            raise ActionError(
                _("Completion can be claimed only for an item being worked on (now: %(status)s).")
                % {"status": locked.get_status_display()}
            )
        if not files and not locked.evidence.exists():
            raise ActionError(_("A claim of completion needs evidence: attach at least one file."))
        if not (text or "").strip():
            raise ActionError(_("Describe what was done."))
        before = snapshot(locked)
        locked.status = Status.CLAIMED
        locked.claimed_by = acting_user
        locked.claimed_at = timezone.now()
        _save_item(
            acting_user, locked, AuditEvent.ITEM_CLAIM, before, text.strip(), UpdateKind.CLAIM, files, "claim"
        )
    return locked


def _require_verifier(user, item: RectificationItem) -> None:
    """销号 is for the unit's office or an office above it, never for the claimant."""
    if not scope_for(user).can_manage(item.unit):
        raise ActionForbidden(_("Only the unit's office or the office of a unit above may verify."))


def do_verify_item(
    item: RectificationItem, text: str = "", keep_up: bool = False, expected_version=None, *, acting_user
):
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _require_verifier(acting_user, locked)
        _check_version(locked, expected_version)
        if locked.status != Status.CLAIMED:
            raise ActionError(_("Only a claimed item can be verified."))
        if locked.claimed_by_id == acting_user.pk:
            raise ActionError(_("Nobody verifies their own claim."))
        if keep_up and locked.kind != Kind.LONG_TERM:
            raise ActionError(_("Only long-term items can be 'stage complete, kept up long-term'."))
        before = snapshot(locked)
        locked.status = Status.KEPT_UP if keep_up else Status.CLOSED
        locked.closed_at = timezone.now()
        _save_item(
            acting_user,
            locked,
            AuditEvent.ITEM_VERIFY,
            before,
            text,
            UpdateKind.KEEP_UP if keep_up else UpdateKind.VERIFY,
            event="verify",
        )
    return locked


def do_reject_claim(item: RectificationItem, reasons: str, expected_version=None, *, acting_user):
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _require_verifier(acting_user, locked)
        _check_version(locked, expected_version)
        if locked.status != Status.CLAIMED:
            raise ActionError(_("Only a claimed item can be rejected."))
        if locked.claimed_by_id == acting_user.pk:
            raise ActionError(_("Nobody verifies their own claim."))
        if not (reasons or "").strip():
            raise ActionError(_("Say why the claim is rejected."))
        before = snapshot(locked)
        locked.status = Status.RETURNED
        _save_item(
            acting_user,
            locked,
            AuditEvent.ITEM_REJECT,
            before,
            reasons.strip(),
            UpdateKind.REJECT,
            event="return",
        )
    return locked


def do_reopen_item(
    item: RectificationItem,
    findings: str,
    deadline: date | None = None,
    expected_version=None,
    *,
    acting_user,
):
    """回头看: a look-back review reopens a closed item with its findings."""
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _require_verifier(acting_user, locked)
        _check_version(locked, expected_version)
        if locked.status not in (Status.CLOSED, Status.KEPT_UP):
            raise ActionError(_("Only a closed item can be reopened by a look-back."))
        if not (findings or "").strip():
            raise ActionError(_("A look-back reopens an item only with its findings."))
        if deadline is not None:
            if deadline < timezone.localdate():
                raise ActionError(
                    _("The deadline %(date)s is already past.") % {"date": date_format(deadline)}
                )
            locked.deadline = deadline
        before = snapshot(locked)
        locked.status = Status.IN_PROGRESS
        locked.closed_at = None
        locked.reopen_count += 1
        _save_item(acting_user, locked, AuditEvent.ITEM_REOPEN, before, findings.strip(), UpdateKind.REOPEN)
    return locked


def do_edit_item(
    item: RectificationItem, expected_version: int | None, *, acting_user, **fields
) -> RectificationItem:
    """Change an item's measures, people or requirements; refused when someone saved in between, while a
    claim is pending, and for the deadline, which moves only by an approved extension request."""
    require_record(acting_user, item.unit)
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _check_version(locked, expected_version)
        if locked.status not in ACTIVE_STATUSES:
            raise ActionError(_("A closed item is changed only by reopening it."))
        today = timezone.localdate()
        errors = rules.check_item_edit(
            item=locked,
            fields=fields,
            today=today,
            allow_past=rules.past_dates_allowed(locked.problem.campaign, today),
        )
        if errors:
            raise ActionError(errors[0][1])
        before = snapshot(locked)
        for k, v in fields.items():
            setattr(locked, k, v)
        if locked.kind == Kind.DEADLINE and (locked.deadline is None or not locked.requirements.strip()):
            raise ActionError(_("Fix-by-deadline needs both a deadline and its requirements."))
        _save_item(acting_user, locked, AuditEvent.ITEM_CHANGE, before)
    return locked


IMPORT_PART = 5000  # rows written (and audited) together by do_import_new_rows


def do_record_problem_with_item(*, acting_user, campaign, unit: Unit, problem: dict, item: dict):
    """One page records a problem with its first item: both or neither (one transaction)."""
    with transaction.atomic():
        p = do_record_problem(acting_user=acting_user, campaign=campaign, unit=unit, **problem)
        it = do_add_item(p, acting_user=acting_user, **item)
    return p, it


def do_request_extension(
    item: RectificationItem, new_deadline: date, reason: str, expected_version=None, *, acting_user
) -> ExtensionRequest:
    """延期申请: the unit asks the verifying office to move a running item's deadline."""
    require_record(acting_user, item.unit)
    if not (reason or "").strip():
        raise ActionError(_("Give the reason for the extension."))
    with transaction.atomic():
        locked = _lock_item(item.pk)
        _check_version(locked, expected_version)
        if locked.status not in WORKING_STATUSES:
            raise ActionError(
                _("An extension can be requested only for an item being worked on (now: %(status)s).")
                % {"status": locked.get_status_display()}
            )
        if new_deadline is None or new_deadline < timezone.localdate():
            raise ActionError(_("The requested deadline must be today or later."))
        if locked.deadline is not None and new_deadline <= locked.deadline:
            raise ActionError(_("The requested deadline must be later than the current one."))
        if locked.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise ActionError(_("An extension request for this item already awaits a decision."))
        ext = ExtensionRequest.objects.create(
            item=locked,
            old_deadline=locked.deadline,
            new_deadline=new_deadline,
            reason=reason.strip(),
            requested_by=acting_user,
        )
        record(acting_user, AuditEvent.EXTENSION_REQUEST, ext, None, snapshot(ext), locked.pk)
        ledger_event.send("extension_request", item=locked, actor=acting_user, text=ext.reason, extension=ext)
    return ext


def do_decide_extension(
    ext: ExtensionRequest, approve: bool, note: str = "", *, acting_user
) -> ExtensionRequest:
    """The office of the unit that verifies approves (the deadline moves) or refuses (with reasons)."""
    with transaction.atomic():
        locked = _lock_item(ext.item_id)
        _require_verifier(acting_user, locked)
        ext = ExtensionRequest.objects.select_for_update().get(pk=ext.pk)
        if ext.status != ExtensionStatus.PENDING:
            raise ActionError(_("This extension request is already decided."))
        if ext.requested_by_id == acting_user.pk:
            raise ActionError(_("Nobody decides their own extension request."))
        if not approve and not (note or "").strip():
            raise ActionError(_("Say why the extension is refused."))
        before = snapshot(ext)
        ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        ext.decided_by = acting_user
        ext.decided_at = timezone.now()
        ext.decision_note = (note or "").strip()
        ext.save()
        record(
            acting_user,
            AuditEvent.EXTENSION_APPROVE if approve else AuditEvent.EXTENSION_REFUSE,
            ext,
            before,
            snapshot(ext),
            locked.pk,
        )
        if approve:
            item_before = snapshot(locked)
            locked.deadline = ext.new_deadline
            text = _("Deadline extended from %(old)s to %(new)s.") % {
                "old": ext.old_deadline.isoformat() if ext.old_deadline else "—",
                "new": ext.new_deadline.isoformat(),
            }
            _save_item(acting_user, locked, AuditEvent.ITEM_EXTEND, item_before, text, UpdateKind.EXTEND)
        ledger_event.send(
            "extension_decide", item=locked, actor=acting_user, text=ext.decision_note, extension=ext
        )
    return ext


def do_import_new_rows(
    campaign, rows, joins=None, today: date | None = None, *, acting_user, unit=None, about=None
) -> dict:
    """Create many problems and items at once (the Excel import's bulk apply): the rules of do_add_item
    (`rules.check_new_item`), but written with bulk inserts, one audit entry and summed counter updates in
    one transaction. `rows` carry unit, source, title, root_cause, leader, measures, kind, deadline, stages,
    person, work_areas (the new problem's WorkArea bits, its first row's) and row (the file's row number, for messages); rows with the same (unit, source, title) share one
    problem; `joins` maps (unit id, title) to an existing problem.

    The rows are written IMPORT_PART at a time (problems, items, stages), so that the column values of
    100 000 rows never exist at once; the counters are summed over all parts and written once at the end,
    before the commit.

    Audit: one `ledger.import` entry for everything created (not one per row: 183 000 chained entries were
    most of a 100 000-row import's time). It holds the ids written per table (as runs), their counts, and
    per table the digest of the rows exactly as written (`bulk.row_line`, in id order), with `about` (the
    file's SHA-256, sheet, mode) and `unit` (the import page's). Its `at` is the `created_at` of every
    problem and item written, so a record finds the entry that created it (`problems.history.import_entry`).
    Nothing created, no entry."""
    from chuxin.core import bulk

    today = today or timezone.localdate()
    joins = joins or {}
    for unit in {r.unit.pk: r.unit for r in rows}.values():
        require_record(acting_user, unit)
    if campaign is None and rows:
        raise ActionError(_("There is no campaign to record the problems in."))
    ensure_open(campaign)
    # in the order of the units' tree paths (the file's order within a unit): the ids then follow the paths,
    # so the new entries of the item and problem indexes led by unit, path or person (most of them) land
    # next to each other instead of all over each B-tree (a province's file mixes its units row by row)
    rows = sorted(rows, key=lambda r: r.unit.path)
    writer = _NewRowsWriter(campaign, rows, joins, today, acting_user)
    with transaction.atomic(), bulk.large_page_cache():
        for i in range(0, len(rows), IMPORT_PART):
            writer.write(rows[i : i + IMPORT_PART])
        counters.bulk_created_rows(writer.tally)
        if writer.items_created:  # roll-ups before audit, as every action takes the hot rows
            record(
                acting_user,
                AuditEvent.LEDGER_IMPORT,
                None,
                None,
                writer.entry(about),
                unit=unit if unit is not None else rows[0].unit,
                at=writer.now,
            )
    return {"problems_created": writer.problems_created, "items_created": writer.items_created}


class _NewRowsWriter:
    """do_import_new_rows' writes, one part of the rows at a time; what the parts share is kept here."""

    def __init__(self, campaign, rows, joins, today, acting_user):
        self.campaign = campaign
        self.joins = joins
        self.today = today
        self.user = acting_user
        self.allow_past = rules.past_dates_allowed(campaign, today)
        self.secretaries = dict(
            CommitteeMember.objects.filter(unit__in={r.unit.pk for r in rows}, post="secretary").values_list(
                "unit_id", "person_id"
            )
        )
        self.now = timezone.now()
        self.problem_defaults = _defaults(Problem)
        self.item_defaults = _defaults(RectificationItem)
        self.stage_defaults = _defaults(Stage)
        # (unit, source, title) -> (id, responsible leader, work areas) of the problems written by earlier parts
        self.written: dict[tuple, tuple[int, int | None, int]] = {}
        self.tally = counters.BulkTally()
        self.problems_created = self.items_created = 0
        # the audit entry's content: ids and the digest of the rows as written, per table
        self.alg = digest_alg()
        self.ids: dict[str, list[int]] = {m.__name__: [] for m in (Problem, RectificationItem, Stage)}
        self.digests = {name: hashlib.new(self.alg) for name in self.ids}

    def entry(self, about=None) -> dict:
        counts = {name: len(ids) for name, ids in self.ids.items()}
        return {
            **(about or {}),
            "campaign": self.campaign.pk,
            "created": counts,
            "ids": {name: id_ranges(ids) for name, ids in self.ids.items()},
            "digest": {"alg": self.alg, **{name: h.hexdigest() for name, h in self.digests.items()}},
        }

    def _insert(self, model, rows) -> None:
        from chuxin.core import bulk

        ids = [r["id"] for r in rows]
        bulk.insert_rows(model, rows, ids, digest=self.digests[model.__name__])
        self.ids[model.__name__].extend(ids)

    def write(self, rows) -> None:
        from chuxin.core import bulk

        campaign, user, now = self.campaign, self.user, self.now
        problems: dict[tuple, dict] = {}  # this part's new problems, as column values
        items: list[dict] = []
        item_problem: list = []  # per item: its new problem's dict, (id, leader) of an earlier part's, or a Problem
        stages: list[tuple[int, dict]] = []
        for r in rows:
            if not (r.title or "").strip():
                raise ActionError(
                    _("Row %(row)s: %(error)s")
                    % {"row": r.row, "error": _("A problem needs a description of what is wrong.")}
                )
            row_stages = list(getattr(r, "stages", None) or [])
            if r.kind == Kind.LONG_TERM and not row_stages and r.deadline is not None:
                row_stages = [(r.measures.strip()[: rules.STAGE_GOAL_MAX], r.deadline)]
            deadline, errors = rules.check_new_item(
                kind=r.kind,
                measures=r.measures,
                deadline=r.deadline if r.kind != Kind.LONG_TERM else None,
                requirements=r.measures,
                stages=row_stages,
                today=self.today,
                allow_past=self.allow_past,
            )
            if errors:
                raise ActionError(_("Row %(row)s: %(error)s") % {"row": r.row, "error": errors[0][1]})
            key = (r.unit.id, r.source, r.title.strip())
            problem = problems.get(key) or self.written.get(key) or self.joins.get((r.unit.id, r.title))
            if problem is None:
                problem = {
                    **self.problem_defaults,
                    "campaign_id": campaign.pk,
                    "unit_id": r.unit.id,
                    "unit_path": r.unit.path,
                    "title": r.title.strip(),
                    "source": r.source,
                    "root_cause": r.root_cause,
                    "work_areas": getattr(r, "work_areas", 0) or 0,
                    "recorded_by_id": user.pk,
                    "responsible_leader_id": r.leader.id if r.leader else self.secretaries.get(r.unit.id),
                    "created_at": now,
                }
                problems[key] = problem
            if isinstance(problem, dict):
                leader_id = problem["responsible_leader_id"]
            elif isinstance(problem, tuple):
                leader_id = problem[1]
            elif problem.campaign_id != campaign.pk:  # an item takes its problem's campaign: never another
                raise ActionError(
                    _("Row %(row)s: %(error)s")
                    % {"row": r.row, "error": _("The problem belongs to another campaign.")}
                )
            else:
                leader_id = problem.responsible_leader_id
            measures = r.measures.strip()
            due = min((t for _g, t in row_stages), default=None) if r.kind == Kind.LONG_TERM else deadline
            items.append(
                {
                    **self.item_defaults,
                    "unit_id": r.unit.id,
                    "unit_path": r.unit.path,
                    "measures": measures,
                    "kind": r.kind,
                    "requirements": measures if r.kind == Kind.DEADLINE else "",
                    "deadline": deadline if r.kind != Kind.LONG_TERM else None,
                    "responsible_person_id": r.person.id,
                    "responsible_leader_id": r.leader.id if r.leader else leader_id,
                    "due_date": due,
                    "created_at": now,
                }
            )
            item_problem.append(problem)
            for order, (goal, target) in enumerate(row_stages, 1):
                stages.append(
                    (
                        len(items) - 1,
                        {**self.stage_defaults, "order": order, "goal": goal.strip(), "target_date": target},
                    )
                )
        new_problems = list(problems.values())
        for p, pk in zip(new_problems, bulk.reserve_ids(Problem, len(new_problems)), strict=True):
            p["id"] = pk
        self._insert(Problem, new_problems)
        for it, pk, problem in zip(
            items, bulk.reserve_ids(RectificationItem, len(items)), item_problem, strict=True
        ):
            it["id"] = pk
            areas = 0  # a new problem's areas are its first row's 服务中心工作; an existing one keeps its own
            if isinstance(problem, dict):
                it["problem_id"], cid, tid = problem["id"], problem["campaign_id"], problem.get("topic_id")
                areas = problem.get("work_areas") or 0
            elif isinstance(problem, tuple):  # written by an earlier part: a new problem of this campaign
                it["problem_id"], cid, tid = problem[0], campaign.pk, self.problem_defaults.get("topic_id")
                areas = problem[2]
            else:
                it["problem_id"], cid, tid = problem.pk, problem.campaign_id, problem.topic_id
                areas = problem.work_areas
            it["campaign_id"] = cid
            self.tally.item(it, cid, tid, areas)
        self._insert(RectificationItem, items)
        stage_rows = [st for _i, st in stages]
        for (idx, st), pk in zip(stages, bulk.reserve_ids(Stage, len(stages)), strict=True):
            st["id"] = pk
            st["item_id"] = items[idx]["id"]
        self._insert(Stage, stage_rows)
        for key, p in problems.items():
            self.tally.problem(p)
            self.written[key] = (p["id"], p["responsible_leader_id"], p.get("work_areas") or 0)
        self.problems_created += len(new_problems)
        self.items_created += len(items)


def _defaults(model) -> dict:
    return {
        f.attname: (f.get_default() if f.has_default() or not f.null else None)
        for f in model._meta.concrete_fields
        if not f.primary_key
    }


def do_sign_off_problem_list(unit: Unit, campaign, note: str = "", *, acting_user) -> ProblemListSignoff:
    """Only the unit's own secretary (the holder of its committee's secretary seat) signs its list."""
    ensure_open(campaign)
    seat = (
        CommitteeMember.objects.filter(unit=unit, post="secretary", person__user=acting_user)
        .select_related("person")
        .first()
    )
    if seat is None:
        raise ActionForbidden(
            _("Only the secretary of %(unit)s signs off its problem list.") % {"unit": unit.name}
        )
    with transaction.atomic():
        signoff = ProblemListSignoff.objects.create(
            campaign=campaign,
            unit=unit,
            signed_by=seat.person,
            problems=Problem.objects.filter(unit=unit, campaign=campaign).count(),
            note=(note or "").strip()[:300],
        )
        record(acting_user, AuditEvent.PROBLEM_LIST_SIGN_OFF, signoff, None, snapshot(signoff))
    return signoff


MAX_ERRORS_SHOWN = 2000
MAX_DIFF_ROWS_SHOWN = 1000


def do_import_ledger(
    *,
    acting_user,
    unit: Unit,
    path,
    campaign,
    mode: str = "stop",
    confirm: bool = False,
    progress=None,
    today=None,
) -> dict:
    """The Excel 台账 import, the one entry point: read the file (bounded), plan every row (the dry run), and
    with `confirm` apply the plan — exactly the writes the dry run listed, through the same rules.

    `campaign` is the import page's (`campaigns.access.campaign_for`), kept with the job from the dry run to
    the apply: every caller names it, so an import checked under one campaign never lands in another.

    Modes: "stop" applies nothing when any row is refused; "skip" applies the valid rows and lists the refused
    ones; "update" changes existing items only. Returns a JSON-able result for the page and the job."""
    from chuxin.core import bulk

    from .ledger import plan as ledger_plan

    require_record(acting_user, unit)
    ensure_open(campaign)  # a closed campaign is read-only: its ledger is neither checked nor written
    if mode not in ledger_plan.MODES:
        raise ActionError(_("Unknown import mode %(mode)s.") % {"mode": mode})
    with bulk.collector_paused():
        return _import_ledger(acting_user, unit, path, mode, confirm, campaign, progress, today)


def _import_ledger(acting_user, unit, path, mode, confirm, campaign, progress, today) -> dict:
    from .ledger import kept
    from .ledger import plan as ledger_plan
    from .ledger.read import ImportFileError, read_ledger

    today = today or timezone.localdate()
    # the ledger's stamp before a row is read: the dry run keeps its plan under it, and the apply uses that
    # plan, instead of reading and checking the file again, only when nothing has changed since (ledger/kept.py)
    stamp = sha = plan = None
    if campaign is not None:
        try:
            sha = kept.file_sha256(path)
        except OSError:
            pass
        else:
            stamp = kept.stamp(
                sha=sha, user=acting_user, unit=unit, campaign=campaign, mode=mode, today=today
            )
            if confirm:
                plan = kept.take(path, stamp)
    reused = plan is not None
    if plan is None:
        try:
            table = read_ledger(path)
        except ImportFileError as exc:
            kept.forget(path)
            return {"status": "failed", "file_error": str(exc), "errors": [], "summary": {}, "mode": mode}
        if campaign is None:
            raise ActionError(_("The import needs the campaign it writes into."))
        plan = ledger_plan.validate(
            table,
            acting_user,
            unit,
            campaign=campaign,
            mode=mode,
            today=today,
            progress=None if confirm else progress,
        )
        del table  # the parsed sheet (~100 MB of cells at 100 000 rows) is not needed by the apply
        if not plan.total:
            kept.forget(path)
            return {
                "status": "failed",
                "file_error": _(
                    "Sheet %(sheet)s has the header row but no rows below it: there is nothing to import."
                )
                % {"sheet": plan.sheet},
                "errors": [],
                "summary": {},
                "mode": mode,
            }
        if not confirm:
            if stamp is not None and _appliable(plan, mode):
                kept.keep(path, stamp, plan)
            else:
                kept.forget(path)
    result = _plan_result(plan)
    if not confirm:
        return result
    result["plan_reused"] = reused  # the dry run's own plan, the ledger unchanged since (ledger/kept.py)
    if plan.errors and mode == "stop":
        result["file_error"] = _(
            "Row %(row)s is refused, and the mode is to stop at the first error: nothing was written."
        ) % {"row": plan.errors[0].row}
        return result
    try:
        result["summary"].update(
            _apply_plan(
                plan, acting_user, campaign, mode, today, progress, unit=unit, about=_about(path, plan, sha)
            )
        )
    except ActionError as exc:
        result["status"] = "failed"
        result["file_error"] = " ".join(exc.messages)
        return result
    result["applied"] = True
    refused = {e.row for e in plan.errors}
    result["refused"] = _refused_rows(plan)
    result["summary"]["refused"] = len(refused)
    return result


def _appliable(plan, mode: str) -> bool:
    """Whether a dry run's plan has writes its apply could make (only those plans are kept)."""
    if plan.errors and mode == "stop":
        return False
    return bool(plan.new_rows or plan.item_changes or plan.problem_changes)


def _about(path, plan, sha: str | None = None) -> dict:
    """What the import's audit entry says of its file: its SHA-256 (the upload store's name for it), the sheet,
    the mode and the rows read."""
    if sha is None:
        with open(path, "rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"file_sha256": sha, "sheet": plan.sheet, "mode": plan.mode, "rows_in_file": plan.total}


def _refused_rows(plan) -> list[dict]:
    by_row: dict[int, dict] = {}
    for e in plan.errors:
        entry = by_row.setdefault(
            e.row, {"row": e.row, "columns": [], "reasons": [], "cells": plan.cells.get(e.row)}
        )
        if e.column not in entry["columns"]:
            entry["columns"].append(e.column)
        entry["reasons"].append(e.reason)
    return list(by_row.values())


def _plan_result(plan) -> dict:
    return {
        "status": "done",
        "mode": plan.mode,
        "sheet": plan.sheet,
        "applied": False,
        "summary": plan.summary(),
        "errors": [[e.row, e.column, e.reason] for e in plan.errors[:MAX_ERRORS_SHOWN]],
        "errors_total": len(plan.errors),
        "refused": _refused_rows(plan),
        "header": plan.header,
        "diffs": [[n, [list(c) for c in cells]] for n, cells in plan.diff_rows(MAX_DIFF_ROWS_SHOWN)],
        "diff_rows": plan.diff_count(),
    }


def _apply_plan(plan, user, campaign, mode: str, today, progress=None, unit=None, about=None) -> dict:
    """Make the planned writes in one transaction; in skip mode a row that fails now is rolled back alone."""
    from .ledger.plan import RowError

    done = 0
    todo = len(plan.new_rows) + len(plan.item_changes) + len(plan.problem_changes)
    failed: list[RowError] = []
    with transaction.atomic():
        for _pid, (problem, changes) in plan.problem_changes.items():
            try:
                with transaction.atomic():
                    do_edit_problem(problem, problem.version, **changes, acting_user=user)
            except ActionError as exc:
                if mode == "stop":
                    raise
                failed.append(RowError(0, "问题描述", " ".join(exc.messages)))
            done += 1
        for n, item, changes in plan.item_changes:
            try:
                with transaction.atomic():
                    do_edit_item(item, item.version, **changes, acting_user=user)
            except ActionError as exc:
                message = _("Row %(row)s: %(error)s") % {"row": n, "error": " ".join(exc.messages)}
                if mode == "stop":
                    raise ActionError(message) from exc
                failed.append(RowError(n, "事项编号", " ".join(exc.messages)))
            done += 1
            if progress and done % 200 == 0:
                progress(done, todo)
        created = do_import_new_rows(
            campaign, plan.new_rows, plan.joins, today=today, acting_user=user, unit=unit, about=about
        )
    plan.errors.extend(failed)
    if progress:
        progress(todo, todo)
    return {
        "problems_created": created["problems_created"],
        "new": created["items_created"],
        "changed": len(plan.item_changes) - len([f for f in failed if f.row]),
    }
