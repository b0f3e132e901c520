"""Every change to self-examination goes through here: validation, the change, the audit entry and the
roll-up counters, in one transaction.

A checklist: opened by the office for each leading cadre of the focus group (rank at or above the
campaign's focus rank) -> gaps added per heading -> completed (every heading has a gap). Each gap becomes
a problem (source 检视剖析) in one step; doing it again returns the same problem.

An examination material:
    draft -> submitted (to the secretary; the text is kept as version n) -> approved | returned (with a note)
    returned -> submitted (version n+1)
The secretary of the unit reviews; the secretary's own material is reviewed by the office above.
"""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.campaigns.actions import ensure_open, ensure_open_id
from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.orgs.models import CommitteeMember, Person, Unit
from chuxin.orgs.scope import require_manage, scope_for
from chuxin.problems.actions import do_record_problem
from chuxin.problems.models import Source

from . import counters
from .models import (
    HEADINGS_2019,
    Checklist,
    ComparisonHeading,
    Gap,
    Material,
    MaterialStatus,
    MaterialVersion,
)

MAX_TEXT = 5000


def snapshot(obj) -> dict:
    return model_to_dict(obj)


def headings_for(campaign) -> list[ComparisonHeading]:
    return list(ComparisonHeading.objects.filter(campaign=campaign).order_by("order", "id"))


def do_set_default_headings(campaign, *, acting_user=None) -> list[ComparisonHeading]:
    """The four 2019 comparisons, for a campaign that has none yet (idempotent)."""
    existing = headings_for(campaign)
    if existing:
        return existing
    with transaction.atomic():
        rows = [
            ComparisonHeading(campaign=campaign, order=i, title=t) for i, t in enumerate(HEADINGS_2019, 1)
        ]
        ComparisonHeading.objects.bulk_create(rows)
        record(acting_user, AuditEvent.EXAMINE_HEADINGS, campaign, None, {"headings": HEADINGS_2019})
    return headings_for(campaign)


def focus_group(unit: Unit, campaign):
    """The unit's leading cadres in the focus group: active people of the unit at or above the rank."""
    return Person.objects.filter(home_unit=unit, is_active=True, rank__gte=campaign.focus_rank).order_by(
        "-rank", "pk"
    )


def do_open_checklists(unit: Unit, campaign, *, acting_user) -> int:
    """A checklist for every focus-group cadre of the unit who has none; returns how many were opened."""
    require_manage(acting_user, unit)
    ensure_open(campaign)
    if not headings_for(campaign):
        raise ActionError(_("The campaign has no comparison headings yet."))
    with transaction.atomic():
        have = set(Checklist.objects.filter(campaign=campaign, unit=unit).values_list("person_id", flat=True))
        new = [
            Checklist(campaign=campaign, unit=unit, person=p)
            for p in focus_group(unit, campaign)
            if p.pk not in have
        ]
        Checklist.objects.bulk_create(new)
        if new:
            record(
                acting_user,
                AuditEvent.CHECKLIST_OPEN,
                unit,
                None,
                {"campaign": campaign.pk, "opened": len(new)},
            )
            counters.add(unit.pk, campaign.pk, checklists=len(new))
    return len(new)


def _may_write_for(acting_user, person: Person, unit: Unit) -> bool:
    """The cadre, or whoever records for the unit (an office often types up what a leader wrote)."""
    own = person.user_id is not None and person.user_id == getattr(acting_user, "pk", None)
    return own or scope_for(acting_user).can_record(unit)


def _clean(text: str, limit: int = MAX_TEXT) -> str:
    return (text or "").strip()[:limit]


def do_add_gap(
    checklist: Checklist,
    heading: ComparisonHeading,
    text: str,
    root_cause: str = "",
    direction: str = "",
    measures: str = "",
    *,
    acting_user,
) -> Gap:
    if not _may_write_for(acting_user, checklist.person, checklist.unit):
        raise ActionForbidden(_("Only the cadre or the unit's office writes this checklist."))
    ensure_open_id(checklist.campaign_id)
    if heading.campaign_id != checklist.campaign_id:
        raise ActionError(_("That heading belongs to another campaign."))
    if not _clean(text):
        raise ActionError(_("Describe the gap found."))
    with transaction.atomic():
        locked = Checklist.objects.select_for_update().get(pk=checklist.pk)
        if locked.completed_at:
            raise ActionError(_("This checklist is complete."))
        gap = Gap.objects.create(
            checklist=locked,
            heading=heading,
            text=_clean(text),
            root_cause=_clean(root_cause),
            direction=_clean(direction),
            measures=_clean(measures),
        )
        record(acting_user, AuditEvent.GAP_CREATE, gap, None, snapshot(gap))
        counters.add(locked.unit_id, locked.campaign_id, gaps=1)
    return gap


def do_complete_checklist(checklist: Checklist, *, acting_user) -> Checklist:
    if not _may_write_for(acting_user, checklist.person, checklist.unit):
        raise ActionForbidden(_("Only the cadre or the unit's office writes this checklist."))
    with transaction.atomic():
        locked = Checklist.objects.select_for_update().get(pk=checklist.pk)
        if locked.completed_at:
            raise ActionError(_("This checklist is complete."))
        covered = set(locked.gaps.values_list("heading_id", flat=True))
        missing = [h.title for h in headings_for(locked.campaign) if h.pk not in covered]
        if missing:
            raise ActionError(
                _("Find the gaps under every heading first: %(missing)s") % {"missing": "；".join(missing)}
            )
        before = snapshot(locked)
        locked.completed_at = timezone.now()
        locked.save(update_fields=["completed_at"])
        record(acting_user, AuditEvent.CHECKLIST_COMPLETE, locked, before, snapshot(locked))
        counters.add(locked.unit_id, locked.campaign_id, checklists_done=1)
    return locked


def do_gap_to_problem(gap: Gap, *, acting_user):
    """The gap as a problem (source 检视剖析) with its root cause, direction and measures; once."""
    checklist = gap.checklist
    with transaction.atomic():
        locked = Gap.objects.select_for_update().select_related("heading").get(pk=gap.pk)
        if locked.problem_id:
            return locked.problem
        direction = locked.direction
        if locked.measures:
            direction = f"{direction}\n{_('Measures')}：{locked.measures}".strip()
        problem = do_record_problem(
            acting_user=acting_user,
            campaign=checklist.campaign,
            unit=checklist.unit,
            title=locked.text[:200],
            description=f"{locked.heading.title}：{locked.text}",
            source=Source.SELF_EXAMINATION,
            root_cause=locked.root_cause,
            direction=direction,
            responsible_leader=checklist.person,
        )
        before = snapshot(locked)
        locked.problem = problem
        locked.save(update_fields=["problem"])
        record(acting_user, AuditEvent.GAP_TO_PROBLEM, locked, before, snapshot(locked))
        counters.add(checklist.unit_id, checklist.campaign_id, gaps_to_problems=1)
    return problem


def do_gaps_to_problems(checklist: Checklist, *, acting_user) -> int:
    """Every gap of the checklist not yet a problem; returns how many problems were made."""
    made = 0
    with transaction.atomic():
        for gap in checklist.gaps.filter(problem__isnull=True).select_related("heading", "checklist"):
            do_gap_to_problem(gap, acting_user=acting_user)
            made += 1
    return made


# --- materials -------------------------------------------------------------------------------------------


def material_from_checklist(checklist: Checklist) -> dict:
    """A first draft from the gaps: per heading the gaps, then the root causes and measures."""
    comparisons: dict[str, str] = {}
    causes, measures = [], []
    for gap in checklist.gaps.select_related("heading").order_by("heading__order", "id"):
        comparisons.setdefault(str(gap.heading_id), "")
        comparisons[str(gap.heading_id)] += gap.text.strip() + "\n"
        if gap.root_cause:
            causes.append(gap.root_cause.strip())
        if gap.direction or gap.measures:
            measures.append("；".join(x for x in (gap.direction.strip(), gap.measures.strip()) if x))
    return {
        "comparisons": {k: v.strip() for k, v in comparisons.items()},
        "root_causes": "\n".join(causes),
        "measures": "\n".join(measures),
    }


def do_start_material(checklist: Checklist, *, acting_user) -> Material:
    """The cadre's material, drafted from the checklist; an existing material is returned as it is."""
    if not _may_write_for(acting_user, checklist.person, checklist.unit):
        raise ActionForbidden(_("Only the cadre or the unit's office writes this material."))
    ensure_open_id(checklist.campaign_id)
    with transaction.atomic():
        existing = Material.objects.filter(campaign=checklist.campaign, person=checklist.person).first()
        if existing:
            return existing
        m = Material.objects.create(
            campaign=checklist.campaign,
            unit=checklist.unit,
            person=checklist.person,
            **material_from_checklist(checklist),
        )
        record(acting_user, AuditEvent.MATERIAL_CREATE, m, None, snapshot(m))
        counters.material_changed(m, None)
    return m


def _lock_material(material_id: int) -> Material:
    return (
        Material.objects.select_for_update().select_related("unit", "person", "campaign").get(pk=material_id)
    )


def _check_version(obj, expected) -> None:
    if expected in (None, ""):
        return
    if not str(expected).isdigit() or int(expected) != obj.version:
        raise StaleVersion(
            _("Someone else changed this record since you opened it. Reload the page to see their change.")
        )


def _save_material(acting_user, m: Material, action: str, before: dict, old_status: str) -> Material:
    m.version += 1
    m.updated_at = timezone.now()
    m.save()
    record(acting_user, action, m, before, snapshot(m))
    counters.material_changed(m, old_status)
    return m


def do_edit_material(
    material: Material,
    *,
    comparisons: dict,
    root_causes: str,
    measures: str,
    expected_version=None,
    acting_user,
) -> Material:
    if not _may_write_for(acting_user, material.person, material.unit):
        raise ActionForbidden(_("Only the cadre or the unit's office writes this material."))
    with transaction.atomic():
        m = _lock_material(material.pk)
        _check_version(m, expected_version)
        if m.status not in (MaterialStatus.DRAFT, MaterialStatus.RETURNED):
            raise ActionError(_("A submitted or approved material cannot be changed."))
        before = snapshot(m)
        valid = {str(h.pk) for h in headings_for(m.campaign)}
        m.comparisons = {k: _clean(v) for k, v in comparisons.items() if k in valid}
        m.root_causes = _clean(root_causes)
        m.measures = _clean(measures)
        return _save_material(acting_user, m, AuditEvent.MATERIAL_CHANGE, before, m.status)


def do_submit_material(material: Material, expected_version=None, *, acting_user) -> Material:
    if not _may_write_for(acting_user, material.person, material.unit):
        raise ActionForbidden(_("Only the cadre or the unit's office writes this material."))
    with transaction.atomic():
        m = _lock_material(material.pk)
        _check_version(m, expected_version)
        if m.status not in (MaterialStatus.DRAFT, MaterialStatus.RETURNED):
            raise ActionError(_("Only a draft or a returned material can be submitted."))
        missing = [
            h.title for h in headings_for(m.campaign) if not (m.comparisons.get(str(h.pk)) or "").strip()
        ]
        if missing:
            raise ActionError(
                _("Write every comparison first: %(missing)s") % {"missing": "；".join(missing)}
            )
        if not m.root_causes.strip() or not m.measures.strip():
            raise ActionError(_("The material needs its root causes and its measures."))
        before, old = snapshot(m), m.status
        m.status = MaterialStatus.SUBMITTED
        m.submissions += 1
        MaterialVersion.objects.create(
            material=m,
            number=m.submissions,
            comparisons=m.comparisons,
            root_causes=m.root_causes,
            measures=m.measures,
            submitted_by=acting_user,
        )
        return _save_material(acting_user, m, AuditEvent.MATERIAL_SUBMIT, before, old)


def reviewer_ok(acting_user, material: Material) -> bool:
    """The unit's secretary reviews; the secretary's own material goes to the office above."""
    seat = (
        CommitteeMember.objects.filter(unit=material.unit, post="secretary").select_related("person").first()
    )
    if seat is None or seat.person_id == material.person_id:
        parent = material.unit.parent()
        return parent is not None and scope_for(acting_user).can_manage(parent)
    return seat.person.user_id is not None and seat.person.user_id == acting_user.pk


def do_review_material(
    material: Material, approve: bool, note: str = "", expected_version=None, *, acting_user
):
    with transaction.atomic():
        m = _lock_material(material.pk)
        if not reviewer_ok(acting_user, m):
            raise ActionForbidden(
                _("Only the secretary of %(unit)s reviews this material.") % {"unit": m.unit.name}
            )
        _check_version(m, expected_version)
        if m.status != MaterialStatus.SUBMITTED:
            raise ActionError(_("Only a submitted material can be reviewed."))
        note = _clean(note, 2000)
        if not approve and not note:
            raise ActionError(_("Say what must be reworked."))
        before, old = snapshot(m), m.status
        m.status = MaterialStatus.APPROVED if approve else MaterialStatus.RETURNED
        m.review_note = note
        MaterialVersion.objects.filter(material=m, number=m.submissions).update(
            decision=m.status, note=note, decided_by=acting_user, decided_at=timezone.now()
        )
        return _save_material(
            acting_user,
            m,
            AuditEvent.MATERIAL_APPROVE if approve else AuditEvent.MATERIAL_RETURN,
            before,
            old,
        )
