"""Every change to research records goes through here: validation, change, audit, one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record, snapshot
from chuxin.campaigns.actions import ensure_open, ensure_open_id
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.models import Person, Unit
from chuxin.orgs.scope import require_record, scope_for
from chuxin.problems.actions import do_record_problem
from chuxin.rollups import tallies

from .models import SUBMITTED_STATUSES, ExchangeMeeting, Report, ReportProblem, ReportStatus, Topic, Visit
from .organs import report_counted


def do_create_topic(
    *, acting_user, campaign, unit: Unit, cadre: Person, title: str, field: str = "", units_to_visit=()
) -> Topic:
    require_record(acting_user, unit)
    ensure_open(campaign)
    title = (title or "").strip()
    if not title:
        raise ActionError(_("A research topic needs a title."))
    if cadre is None or not cadre.home_unit.path.startswith(unit.path):
        raise ActionError(_("The leading cadre must belong to %(unit)s.") % {"unit": unit.name})
    scope = scope_for(acting_user)
    units_to_visit = list(units_to_visit or ())
    for u in units_to_visit:
        if not scope.contains(u):
            raise ActionError(_("%(unit)s is outside what you may reach.") % {"unit": u.name})
    with transaction.atomic():
        topic = Topic.objects.create(
            campaign=campaign, unit=unit, cadre=cadre, title=title, field=(field or "").strip()
        )
        if units_to_visit:
            topic.units_to_visit.set(units_to_visit)
        Report.objects.create(topic=topic)
        tallies.add(unit, campaign.pk, {"research.topics": 1})  # roll-ups before audit, as everywhere
        record(acting_user, AuditEvent.TOPIC_CREATE, topic, None, snapshot(topic))
    return topic


def do_add_visit(topic: Topic, *, acting_user, date, place: str, met: str = "", findings: str = "") -> Visit:
    require_record(acting_user, topic.unit)
    ensure_open_id(topic.campaign_id)
    if date is None or not (place or "").strip():
        raise ActionError(_("A field visit needs a date and a place."))
    with transaction.atomic():
        visit = Visit.objects.create(
            topic=topic, date=date, place=place.strip(), met=(met or "").strip(), findings=findings or ""
        )
        record(acting_user, AuditEvent.VISIT_CREATE, visit, None, snapshot(visit))
    return visit


def _report(topic: Topic) -> Report:
    report, _created = Report.objects.select_for_update().get_or_create(topic=topic)
    return report


def _other_reports_counted(topic: Topic, report: Report):
    """The cadre's other submitted reports in the campaign, once the cadre's row is locked: two reports of
    one cadre changing at once count the cadre's organs once (research.organ_reporters)."""
    list(Person.objects.select_for_update().filter(pk=topic.cadre_id).values_list("pk"))
    return Report.objects.filter(
        topic__cadre_id=topic.cadre_id, topic__campaign_id=topic.campaign_id, status__in=SUBMITTED_STATUSES
    ).exclude(pk=report.pk)


def do_save_report(
    topic: Topic, *, acting_user, problem_is: str = "", crux: str = "", solutions: str = ""
) -> Report:
    require_record(acting_user, topic.unit)
    ensure_open_id(topic.campaign_id)
    with transaction.atomic():
        report = _report(topic)
        if report.status == ReportStatus.REVIEWED:
            raise ActionError(_("The report has been reviewed and can no longer be changed."))
        before = snapshot(report)
        report.problem_is, report.crux, report.solutions = problem_is or "", crux or "", solutions or ""
        report.save()
        record(acting_user, AuditEvent.REPORT_CHANGE, report, before, snapshot(report))
    return report


PARTS = (
    ("problem_is", "What is the problem"),
    ("crux", "Where is the crux"),
    ("solutions", "What are the real and hard measures"),
)


def do_submit_report(topic: Topic, *, acting_user) -> Report:
    require_record(acting_user, topic.unit)
    ensure_open_id(topic.campaign_id)
    with transaction.atomic():
        report = _report(topic)
        if report.status != ReportStatus.DRAFT:
            raise ActionError(_("Only a draft report can be submitted for review."))
        missing = [_(label) for name, label in PARTS if not getattr(report, name).strip()]
        if missing:
            raise ActionError(
                _("The report cannot go to review: fill in %(parts)s.") % {"parts": "、".join(missing)}
            )
        before = snapshot(report)
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
        report.save()
        tallies.add(topic.unit, topic.campaign_id, {"research.reports": 1})
        report_counted(topic, 1, _other_reports_counted(topic, report))
        record(acting_user, AuditEvent.REPORT_SUBMIT, report, before, snapshot(report))
    return report


def do_review_report(topic: Topic, note: str = "", accept: bool = True, *, acting_user) -> Report:
    ensure_open_id(topic.campaign_id)
    """The unit's office reviews a submitted report: accepted, or returned to draft with a note."""
    if not scope_for(acting_user).can_manage(topic.unit):
        raise ActionForbidden(
            _("Reviewing a report needs the office role of %(unit)s.") % {"unit": topic.unit.name}
        )
    with transaction.atomic():
        report = _report(topic)
        if report.status != ReportStatus.SUBMITTED:
            raise ActionError(_("Only a submitted report can be reviewed."))
        if not accept and not (note or "").strip():
            raise ActionError(_("Say why the report goes back."))
        before = snapshot(report)
        report.status = ReportStatus.REVIEWED if accept else ReportStatus.DRAFT
        report.review_note = (note or "").strip()
        report.reviewed_by = acting_user if getattr(acting_user, "pk", None) else None
        report.reviewed_at = timezone.now()
        report.save()
        if not accept:  # back to draft: it no longer counts as submitted
            tallies.add(topic.unit, topic.campaign_id, {"research.reports": -1})
            report_counted(topic, -1, _other_reports_counted(topic, report))
        record(acting_user, AuditEvent.REPORT_REVIEW, report, before, snapshot(report))
    return report


def do_add_report_problem(topic: Topic, *, acting_user, title: str, root_cause: str = "") -> ReportProblem:
    require_record(acting_user, topic.unit)
    ensure_open_id(topic.campaign_id)
    if not (title or "").strip():
        raise ActionError(_("A problem needs a description of what is wrong."))
    with transaction.atomic():
        report = _report(topic)
        line = ReportProblem.objects.create(
            report=report, title=title.strip()[:200], root_cause=root_cause or ""
        )
        record(acting_user, AuditEvent.REPORT_PROBLEM_CREATE, line, None, snapshot(line))
    return line


def do_hand_off_problems(topic: Topic, *, acting_user) -> list:
    """Every problem line of the report not yet handed off becomes a ledger problem (source: research)."""
    require_record(acting_user, topic.unit)
    ensure_open_id(topic.campaign_id)
    created = []
    with transaction.atomic():
        report = _report(topic)
        lines = list(ReportProblem.objects.select_for_update().filter(report=report, problem__isnull=True))
        if not lines and not report.lines.exists():
            raise ActionError(_("The report lists no problems to hand off."))
        for line in lines:
            problem = do_record_problem(
                campaign=topic.campaign,
                unit=topic.unit,
                title=line.title,
                source="research",
                root_cause=line.root_cause,
                direction=report.solutions,
                responsible_leader=topic.cadre,
                acting_user=acting_user,
            )
            before = snapshot(line)
            line.problem = problem
            line.save(update_fields=["problem"])
            record(acting_user, AuditEvent.REPORT_PROBLEM_HAND_OFF, line, before, snapshot(line))
            created.append(problem)
    return created


def do_record_exchange(
    *, acting_user, campaign, unit: Unit, date, place: str = "", summary: str = ""
) -> ExchangeMeeting:
    require_record(acting_user, unit)
    ensure_open(campaign)
    if date is None:
        raise ActionError(_("A meeting needs a date."))
    with transaction.atomic():
        ex = ExchangeMeeting.objects.create(
            campaign=campaign, unit=unit, date=date, place=(place or "").strip(), summary=summary or ""
        )
        record(acting_user, AuditEvent.EXCHANGE_CREATE, ex, None, snapshot(ex))
    return ex
