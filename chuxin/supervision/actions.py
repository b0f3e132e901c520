"""Every change a guidance group makes goes through here: checked, audited, one transaction.

Visit:    planned -> done (logged with talks held, documents checked, spot checks and attachments).
Finding:  sent from a visit to the unit visited; it becomes a problem of that unit (source 指导组反馈), which
          the unit rectifies through its ledger like any other; the group follows that progress.

Who: the group's members plan, log and send; the office of the dispatching unit (or above) reads along.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.models import GuidanceGroup, Role, Unit
from chuxin.orgs.scope import scope_for
from chuxin.problems import actions as ledger
from chuxin.problems import evidence as evidence_store
from chuxin.problems.models import ACTIVE_STATUSES, RectificationItem, Source, Status

from .models import Finding, Visit, VisitAttachment, VisitStatus


def is_member(user, group: GuidanceGroup) -> bool:
    return user.is_authenticated and group.members.filter(person__user=user, person__is_active=True).exists()


def groups_for(user):
    """The groups a user may read: those they sit in, and those dispatched inside their office's subtree."""
    from chuxin.orgs.models import subtrees_q

    scope = scope_for(user)
    qs = GuidanceGroup.objects.select_related("dispatched_by")
    if scope.is_all:
        return qs
    return qs.filter(
        Q(members__person__user=user) | subtrees_q(scope.paths([Role.OFFICE]), "dispatched_by__path")
    ).distinct()


def get_group_for_user(user, group_id, *, member: bool = False) -> GuidanceGroup:
    """404 for a group the user may not read; with member=True, 403 for a reader who is not a member."""
    group = groups_for(user).filter(pk=group_id).first()
    if group is None:
        raise Http404("No such group")
    if member and not is_member(user, group):
        raise ActionForbidden(_("Only the members of %(group)s do this.") % {"group": group.name})
    return group


def get_visit_for_user(user, visit_id, *, member: bool = False) -> Visit:
    visit = Visit.objects.select_related("group", "unit", "campaign").filter(pk=visit_id).first()
    if visit is None:
        raise Http404("No such visit")
    get_group_for_user(user, visit.group_id, member=member)
    return visit


def covers(group: GuidanceGroup, unit: Unit) -> bool:
    return any(unit.path.startswith(p) for p in group.assigned_units.values_list("path", flat=True))


def do_plan_visit(*, acting_user, group, campaign, unit: Unit, planned_on: date, purpose: str) -> Visit:
    if not is_member(acting_user, group):
        raise ActionForbidden(_("Only the members of %(group)s do this.") % {"group": group.name})
    if not covers(group, unit):
        raise ActionError(
            _("%(unit)s is not among the units assigned to %(group)s.")
            % {"unit": unit.name, "group": group.name}
        )
    if not (purpose or "").strip():
        raise ActionError(_("Say what the visit is for."))
    with transaction.atomic():
        visit = Visit.objects.create(
            group=group,
            campaign=campaign,
            unit=unit,
            planned_on=planned_on,
            purpose=purpose.strip(),
            created_by=acting_user,
        )
        record(acting_user, AuditEvent.SUPERVISION_VISIT_PLAN, visit, None, model_to_dict(visit))
    return visit


def do_log_visit(
    *,
    acting_user,
    visit: Visit,
    visited_on: date,
    talks: str,
    documents: str,
    spot_checks: str,
    files=(),
    expected_version,
) -> Visit:
    if not is_member(acting_user, visit.group):
        raise ActionForbidden(_("Only the members of %(group)s do this.") % {"group": visit.group.name})
    if not any((t or "").strip() for t in (talks, documents, spot_checks)):
        raise ActionError(_("Record at least the talks held, the documents checked or the spot checks made."))
    with transaction.atomic():
        v = Visit.objects.select_for_update().get(pk=visit.pk)
        try:
            stale = int(expected_version) != v.version
        except (TypeError, ValueError):
            stale = True
        if stale:
            raise ActionError(
                _(
                    "Someone else changed this record since you opened it. Reload the page to see their change."
                )
            )
        before = model_to_dict(v)
        v.status, v.visited_on = VisitStatus.DONE, visited_on
        v.talks, v.documents, v.spot_checks = (
            (talks or "").strip(),
            (documents or "").strip(),
            (spot_checks or "").strip(),
        )
        v.version += 1
        v.save()
        for f in files or ():
            blob = evidence_store.store(f)
            att = VisitAttachment.objects.create(
                visit=v, blob=blob, name=f.name[:200], uploaded_by=acting_user
            )
            record(
                acting_user,
                AuditEvent.SUPERVISION_VISIT_ATTACH,
                att,
                None,
                {"name": att.name, "sha256": blob.sha256},
            )
        record(acting_user, AuditEvent.SUPERVISION_VISIT_LOG, v, before, model_to_dict(v))
    return v


def do_send_finding(
    *, acting_user, visit: Visit, title: str, description: str = "", severity: int = 1
) -> Finding:
    """Send a finding to the unit visited: it becomes a problem there (source 指导组反馈) that the unit rectifies."""
    if not is_member(acting_user, visit.group):
        raise ActionForbidden(_("Only the members of %(group)s do this.") % {"group": visit.group.name})
    if not (title or "").strip():
        raise ActionError(_("A finding needs a description of what is wrong."))
    with transaction.atomic():
        # The group may not record in the unit's ledger; this action is what authorises the one problem.
        problem = ledger.do_record_problem(
            campaign=visit.campaign,
            unit=visit.unit,
            title=title.strip()[:200],
            source=Source.GUIDANCE,
            description=(description or "").strip(),
            severity=severity,
            authorised=True,
            acting_user=acting_user,
        )
        finding = Finding.objects.create(visit=visit, problem=problem, sent_by=acting_user)
        record(
            acting_user,
            AuditEvent.SUPERVISION_FINDING_SEND,
            finding,
            None,
            {"problem": problem.pk, "unit": visit.unit.code},
        )
    return finding


def findings_progress(findings) -> dict[int, dict]:
    """Per finding: its problem's items and how many are done (one grouped query for the whole list)."""
    ids = [f.problem_id for f in findings]
    out = {pid: {"items": 0, "done": 0, "open": 0} for pid in ids}
    rows = (
        RectificationItem.objects.filter(problem_id__in=ids)
        .values("problem_id", "status")
        .annotate(n=Count("id"))
    )
    for r in rows:
        c = out[r["problem_id"]]
        c["items"] += r["n"]
        if r["status"] in (Status.CLOSED, Status.KEPT_UP):
            c["done"] += r["n"]
        elif r["status"] in ACTIVE_STATUSES:
            c["open"] += r["n"]
    return out
