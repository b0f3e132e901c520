"""Every change of special rectification goes through here: checked, audited, one transaction.

Topics:       the centre (or a province, for its subtree) sets topics under a campaign; each covered unit
              lists its problems and items under a topic through the ordinary ledger actions, or states
              "none found" with a reason, which a superior may challenge (the unit then lists or re-states).
Publication:  an office freezes the aggregate figures of its subtree with a statement per topic; the public
              page shows exactly that snapshot. Text with personal data is refused.
Referral:     referred -> received -> reviewing -> concluded (with an outcome) | returned (with a reason).
              Only the discipline inspectors of the competent level and the referring office see it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, Role, RoleAssignment, Unit
from chuxin.orgs.scope import scope_for
from chuxin.problems.models import RectificationItem, Status
from chuxin.rollups import topics as rollup_topics
from chuxin.rollups.models import TopicCounts

from .models import (
    NoneFound,
    NoneFoundStatus,
    Publication,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    Topic,
)

# What the public page may never show: ID card numbers, mobile numbers (checked on every published text).
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _snapshot(obj) -> dict:
    return model_to_dict(obj)


def _check_version(obj, expected) -> None:
    try:
        expected = int(expected)
    except (TypeError, ValueError) as exc:
        raise ActionError(_("This form is out of date. Reload the page and try again.")) from exc
    if expected != obj.version:
        raise ActionError(
            _("Someone else changed this record since you opened it. Reload the page to see their change.")
        )


# --- topics ----------------------------------------------------------------------------------------


def do_create_topic(
    *,
    acting_user,
    campaign,
    root_unit: Unit,
    title: str,
    description: str = "",
    done_criteria: str = "",
    unit_kinds: list[str] | None = None,
) -> Topic:
    if not scope_for(acting_user).can_manage(root_unit):
        raise ActionError(_("Only the leading group office may set special rectification topics."))
    if not root_unit.path.startswith(campaign.root_unit.path):
        raise ActionError(_("This campaign does not cover %(unit)s.") % {"unit": root_unit.name})
    if not (title or "").strip():
        raise ActionError(_("A topic needs a title."))
    kinds = f",{','.join(unit_kinds)}," if unit_kinds else ""
    with transaction.atomic():
        order = Topic.objects.filter(campaign=campaign, root_unit=root_unit).count() + 1
        topic = Topic.objects.create(
            campaign=campaign,
            root_unit=root_unit,
            order=order,
            title=title.strip(),
            description=(description or "").strip(),
            done_criteria=(done_criteria or "").strip(),
            unit_kinds=kinds,
            created_by=acting_user,
        )
        record(acting_user, AuditEvent.SPECIAL_TOPIC_CREATE, topic, None, _snapshot(topic))
    return topic


def do_state_none_found(*, acting_user, topic: Topic, unit: Unit, reason: str) -> NoneFound:
    """A unit says it has nothing to rectify under the topic, with its reason."""
    if not scope_for(acting_user).can_record(unit):
        raise ActionError(_("You may not record for %(unit)s.") % {"unit": unit.name})
    if not topic.applies_to(unit):
        raise ActionError(_("This topic does not cover %(unit)s.") % {"unit": unit.name})
    if not (reason or "").strip():
        raise ActionError(_("Say why nothing was found: a statement without a reason is not accepted."))
    if topic.problems.filter(unit=unit).exists():
        raise ActionError(_("%(unit)s has already listed problems under this topic.") % {"unit": unit.name})
    with transaction.atomic():
        existing = NoneFound.objects.select_for_update().filter(topic=topic, unit=unit).first()
        before = _snapshot(existing) if existing else None
        if existing is None:
            nf = NoneFound.objects.create(
                topic=topic, unit=unit, reason=reason.strip(), stated_by=acting_user
            )
        else:
            nf = existing
            nf.reason, nf.status, nf.stated_by = reason.strip(), NoneFoundStatus.STATED, acting_user
            nf.stated_at, nf.version = timezone.now(), nf.version + 1
            nf.save()
        record(acting_user, AuditEvent.SPECIAL_NONE_FOUND_STATE, nf, before, _snapshot(nf))
    return nf


def do_challenge_none_found(
    *, acting_user, none_found: NoneFound, reason: str, expected_version
) -> NoneFound:
    """A superior's office doubts a "none found" statement: the unit must list its problems or re-state."""
    scope = scope_for(acting_user)
    unit = none_found.unit
    superior = scope.is_all or any(
        unit.path.startswith(p) and len(p) < len(unit.path) for p in scope.paths([Role.OFFICE])
    )
    if not superior:
        raise ActionError(
            _("Only an office above %(unit)s may challenge its statement.") % {"unit": unit.name}
        )
    if not (reason or "").strip():
        raise ActionError(_("A challenge needs its reason."))
    with transaction.atomic():
        nf = NoneFound.objects.select_for_update().get(pk=none_found.pk)
        _check_version(nf, expected_version)
        if nf.status != NoneFoundStatus.STATED:
            raise ActionError(_("This statement has already been challenged."))
        before = _snapshot(nf)
        nf.status, nf.challenge = NoneFoundStatus.CHALLENGED, reason.strip()
        nf.challenged_by, nf.challenged_at, nf.version = acting_user, timezone.now(), nf.version + 1
        nf.save()
        record(acting_user, AuditEvent.SPECIAL_NONE_FOUND_CHALLENGE, nf, before, _snapshot(nf))
    return nf


# --- figures and publication ---------------------------------------------------------------------


def topic_figures(unit: Unit, topics) -> dict[int, dict]:
    """Per topic, the subtree's figures from the roll-ups: found, fixed, ongoing, completion %."""
    rows = {
        r["topic_id"]: r for r in rollup_topics.sums(TopicCounts.objects.filter(unit=unit, topic__in=topics))
    }
    out = {}
    for t in topics:
        r = rows.get(t.pk)
        found = r["items"] if r else 0
        fixed = r["st_closed"] if r else 0
        kept = r["st_kept_up"] if r else 0
        out[t.pk] = {
            "problems": r["problems"] if r else 0,
            "found": found,
            "fixed": fixed,
            "kept_up": kept,
            "ongoing": found - fixed - kept,
            "rate": round(100 * fixed / found, 2) if found else None,
        }
    return out


def referred_items(unit: Unit, topic_ids) -> dict[int, dict[str, int]]:
    """Items of referred problems per topic in the subtree: what the public figures leave out.
    Referrals are few, so this starts from them (an index on the referral table), not from the ledger."""
    from chuxin.orgs.models import subtree_q

    out: dict[int, dict[str, int]] = {}
    qs = (
        RectificationItem.objects.filter(
            subtree_q(unit.path, "unit__path"),
            problem__referral__isnull=False,
            problem__topic_id__in=topic_ids,
        )
        .exclude(problem__referral__status=ReferralStatus.RETURNED)
        .values_list("problem__topic_id", "status")
    )
    for topic_id, status in qs:
        c = out.setdefault(topic_id, {"found": 0, "fixed": 0, "kept_up": 0})
        c["found"] += 1
        c["fixed"] += status == Status.CLOSED
        c["kept_up"] += status == Status.KEPT_UP
    return out


def public_figures(unit: Unit, topics) -> dict[int, dict]:
    figs = topic_figures(unit, topics)
    for topic_id, minus in referred_items(unit, [t.pk for t in topics]).items():
        f = figs[topic_id]
        f["found"] -= minus["found"]
        f["fixed"] -= minus["fixed"]
        f["kept_up"] -= minus["kept_up"]
        f["ongoing"] = f["found"] - f["fixed"] - f["kept_up"]
        f["rate"] = round(100 * f["fixed"] / f["found"], 2) if f["found"] else None
    return figs


def personal_data_in(text: str, unit: Unit | None = None) -> list[str]:
    """What in a text would expose a person: ID numbers, mobile numbers, and names of people of the subtree
    below the rank whose names may be published (settings.PUBLIC_NAMES_MIN_RANK, default 县处级副职)."""
    found = [m.group(0) for m in ID_NUMBER.finditer(text)] + [m.group(0) for m in MOBILE.finditer(text)]
    if unit is not None and text:
        from django.conf import settings

        from chuxin.orgs.models import subtree_q

        min_rank = settings.PUBLIC_NAMES_MIN_RANK
        names = Person.objects.filter(subtree_q(unit.path, "home_unit__path"), rank__lt=min_rank).values_list(
            "name", flat=True
        )
        found += sorted({n for n in names.iterator(chunk_size=5000) if len(n) >= 2 and n in text})
    return found


def publication_content(unit: Unit, topics, statements: dict[int, str], as_of: date) -> tuple[list, str]:
    """The frozen public figures per topic with the statements, and the ETag that names this content."""
    figs = public_figures(unit, topics)
    content = [
        {
            "topic": t.title,
            **{k: figs[t.pk][k] for k in ("found", "fixed", "kept_up", "ongoing", "rate")},
            "statement": (statements.get(t.pk) or "").strip(),
        }
        for t in topics
    ]
    body = json.dumps({"as_of": as_of.isoformat(), "content": content}, ensure_ascii=False, sort_keys=True)
    return content, hashlib.sha256(f"{unit.pk}:{body}".encode()).hexdigest()


def do_publish(*, acting_user, unit: Unit, campaign, statements: dict[int, str], as_of: date) -> Publication:
    """Freeze the subtree's per-topic figures and the office's statements for the public page."""
    if not scope_for(acting_user).can_manage(unit):
        raise ActionError(_("Only the leading group office may publish."))
    topics = list(
        Topic.objects.filter(campaign=campaign).covering(unit).order_by("root_unit__depth", "order")
    )
    if not topics:
        raise ActionError(_("No special rectification topic covers %(unit)s.") % {"unit": unit.name})
    for t in topics:
        leaks = personal_data_in(statements.get(t.pk, ""), unit)
        if leaks:
            raise ActionError(
                _(
                    "The statement on %(topic)s contains personal data (%(what)s). Remove it before publishing."
                )
                % {"topic": t.title, "what": "、".join(leaks[:3])}
            )
    content, etag = publication_content(unit, topics, statements, as_of)
    with transaction.atomic():
        pub = Publication.objects.create(
            campaign=campaign, unit=unit, published_by=acting_user, as_of=as_of, content=content, etag=etag
        )
        record(
            acting_user,
            AuditEvent.SPECIAL_PUBLISH,
            pub,
            None,
            {"unit": unit.code, "as_of": as_of, "content": content},
        )
    return pub


# --- referral of violations ----------------------------------------------------------------------


def competent_discipline_unit(unit: Unit) -> Unit:
    """The nearest unit at or above `unit` where discipline inspectors sit; the tree's root if none does."""
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    held = (
        RoleAssignment.objects.filter(role=Role.DISCIPLINE, unit__path__in=paths, person__is_active=True)
        .order_by("-unit__depth")
        .select_related("unit")
        .first()
    )
    return held.unit if held else Unit.objects.get(path=paths[0])


def referring_office_unit(user, unit: Unit) -> Unit | None:
    """The unit whose office the user acts for: the deepest office grant that covers `unit`."""
    scope = scope_for(user)
    if scope.is_all:
        return unit
    paths = [p for r, p in scope.grants if r == Role.OFFICE and unit.path.startswith(p)]
    return Unit.objects.get(path=max(paths, key=len)) if paths else None


def can_see_referral(user, referral: Referral) -> bool:
    """The discipline inspectors whose scope holds the receiving unit, and the referring unit's own office."""
    scope = scope_for(user)
    if scope.is_all:
        return True
    if scope.contains(referral.to_unit, [Role.DISCIPLINE]):
        return True
    return any(r == Role.OFFICE and p == referral.from_unit.path for r, p in scope.grants)


def can_handle_referral(user, referral: Referral) -> bool:
    scope = scope_for(user)
    return scope.is_all or scope.contains(referral.to_unit, [Role.DISCIPLINE])


def do_refer_problem(*, acting_user, problem, reason: str) -> Referral:
    """Flag a problem as a violation of discipline or law and refer it (移交纪检监察机关)."""
    office_unit = referring_office_unit(acting_user, problem.unit)
    if office_unit is None:
        raise ActionError(_("Only the leading group office may refer a problem to discipline inspection."))
    if not (reason or "").strip():
        raise ActionError(_("A referral needs the facts and the reason."))
    with transaction.atomic():
        if Referral.objects.select_for_update().filter(problem=problem).exists():
            raise ActionError(_("This problem has already been referred."))
        referral = Referral.objects.create(
            problem=problem,
            to_unit=competent_discipline_unit(problem.unit),
            from_unit=office_unit,
            reason=reason.strip(),
            referred_by=acting_user,
        )
        # The problem's own history says only that it was referred; the details stay in the restricted record.
        record(acting_user, AuditEvent.PROBLEM_REFER, problem, None, {"referred": True})
        record(acting_user, AuditEvent.SPECIAL_REFERRAL_CREATE, referral, None, _snapshot(referral))
    return referral


# verb -> (statuses it may start from, status it leads to)
REFERRAL_FLOW = {
    "receive": ((ReferralStatus.REFERRED,), ReferralStatus.RECEIVED),
    "review": ((ReferralStatus.RECEIVED,), ReferralStatus.REVIEWING),
    "conclude": ((ReferralStatus.RECEIVED, ReferralStatus.REVIEWING), ReferralStatus.CONCLUDED),
    "return": (
        (ReferralStatus.REFERRED, ReferralStatus.RECEIVED, ReferralStatus.REVIEWING),
        ReferralStatus.RETURNED,
    ),
}


def do_advance_referral(
    *, acting_user, referral: Referral, verb: str, expected_version, outcome: str = "", text: str = ""
) -> Referral:
    if verb not in REFERRAL_FLOW:
        raise ActionError(_("Unknown step: %(verb)s") % {"verb": verb})
    if not can_handle_referral(acting_user, referral):
        raise ActionError(_("Only the discipline inspectors of the competent level handle this referral."))
    starts, target = REFERRAL_FLOW[verb]
    with transaction.atomic():
        r = Referral.objects.select_for_update().get(pk=referral.pk)
        _check_version(r, expected_version)
        if r.status not in starts:
            raise ActionError(
                _("A referral that is %(status)s cannot be %(verb)s.")
                % {"status": r.get_status_display(), "verb": verb}
            )
        before = _snapshot(r)
        if verb == "conclude":
            if outcome not in ReferralOutcome.values:
                raise ActionError(_("Choose the outcome of the review."))
            if not text.strip():
                raise ActionError(_("A conclusion needs its text."))
            r.outcome, r.conclusion = outcome, text.strip()
        elif verb == "return":
            if not text.strip():
                raise ActionError(_("Say why the referral is returned."))
            r.conclusion = text.strip()
        r.status, r.updated_at, r.version = target, timezone.now(), r.version + 1
        r.save()
        record(acting_user, AuditEvent(f"special.referral.{verb}"), r, before, _snapshot(r))
    return r
