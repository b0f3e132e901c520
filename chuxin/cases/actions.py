"""Every change to the typical-case library goes through here: checked, audited, one transaction.

Who sees a case: whoever reaches its unit (the unit and the units above it); with "subtree" or "public"
also the units below it; with "public" everybody; and every unit of a subtree it was promoted to.
Who acts: recording roles of the unit write it; an office promotes a case to a subtree it manages; a unit
that sees a promoted case records its adoption; a unit uses a visible case as material of its study session.
"""

from __future__ import annotations

import rjieba
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Unit, ancestor_paths, subtrees_q
from chuxin.orgs.scope import require_manage, require_record, scope_for
from chuxin.problems import evidence as evidence_store

from .models import Adoption, Case, CaseAttachment, Promotion, StudyUse, Visibility


def words(text: str) -> list[str]:
    """Chinese segmentation (rjieba, the binding of the maintained jieba-rs): the words of a text, lower-cased."""
    return [w.lower() for w in rjieba.cut(text or "") if any(ch.isalnum() for ch in w)]


def cases_for(user) -> QuerySet:
    scope = scope_for(user)
    qs = Case.objects.select_related("unit")
    if scope.is_all:
        return qs
    grants = scope.paths()
    above = {a for p in grants for a in ancestor_paths(p)}
    visible = (
        Q(visibility=Visibility.PUBLIC)
        | subtrees_q(grants, "unit__path")
        | Q(visibility=Visibility.SUBTREE, unit__path__in=above)
        | Q(promotions__to_unit__path__in=above)
        | subtrees_q(grants, "promotions__to_unit__path")
    )
    return qs.filter(visible).distinct()


def search(qs: QuerySet, query: str) -> QuerySet:
    for w in words(query)[:8]:
        qs = qs.filter(search_text__contains=w)
    return qs


def do_record_case(
    *, acting_user, campaign, unit: Unit, kind: str, title: str, body: str, files=(), **fields
) -> Case:
    require_record(acting_user, unit)
    if not (title or "").strip() or not (body or "").strip():
        raise ActionError(_("A case needs its title and its text."))
    with transaction.atomic():
        case = Case(
            campaign=campaign,
            unit=unit,
            kind=kind,
            title=title.strip(),
            body=body.strip(),
            created_by=acting_user,
            **fields,
        )
        case.search_text = " ".join(words(f"{case.title} {case.summary} {case.body} {unit.name}"))
        case.save()
        for f in files or ():
            blob = evidence_store.store(f)
            CaseAttachment.objects.create(case=case, blob=blob, name=f.name[:200])
        record(acting_user, AuditEvent.CASE_CREATE, case, None, model_to_dict(case, exclude=["search_text"]))
    return case


def do_promote_case(*, acting_user, case: Case, to_unit: Unit, note: str = "") -> Promotion:
    """A superior's office promotes the case to its subtree (可复制可普及的好经验)."""
    require_manage(acting_user, to_unit)
    with transaction.atomic():
        if Promotion.objects.filter(case=case, to_unit=to_unit).exists():
            raise ActionError(_("This case has already been promoted to %(unit)s.") % {"unit": to_unit.name})
        promotion = Promotion.objects.create(
            case=case, to_unit=to_unit, note=(note or "").strip(), promoted_by=acting_user
        )
        record(
            acting_user,
            AuditEvent.CASE_PROMOTE,
            case,
            None,
            {"to_unit": to_unit.code, "note": promotion.note},
        )
    return promotion


def do_adopt_case(*, acting_user, case: Case, unit: Unit, outcome: str) -> Adoption:
    require_record(acting_user, unit)
    if not case.promotions.filter(Q(to_unit__path__in=ancestor_paths(unit.path))).exists():
        raise ActionError(_("This case has not been promoted to %(unit)s.") % {"unit": unit.name})
    if not (outcome or "").strip():
        raise ActionError(_("Say what the unit did with it and what came of it."))
    with transaction.atomic():
        adoption, created = Adoption.objects.get_or_create(
            case=case, unit=unit, defaults={"outcome": outcome.strip(), "adopted_by": acting_user}
        )
        before = None if created else model_to_dict(adoption)
        if not created:
            adoption.outcome = outcome.strip()
            adoption.save(update_fields=["outcome"])
        record(acting_user, AuditEvent.CASE_ADOPT, adoption, before, model_to_dict(adoption))
    return adoption


def do_use_in_study(*, acting_user, case: Case, meeting) -> StudyUse:
    require_record(acting_user, meeting.unit)
    with transaction.atomic():
        use, _created = StudyUse.objects.get_or_create(
            case=case, meeting=meeting, defaults={"added_by": acting_user}
        )
        record(acting_user, AuditEvent.CASE_USE, use, None, {"case": case.pk, "meeting": meeting.pk})
    return use
