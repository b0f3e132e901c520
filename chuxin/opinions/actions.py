"""Every change to opinions goes through here: validation, the change, the audit entry, one transaction.

Routing of an opinion:
    received -> routed (to a unit in the hearing unit's subtree) -> accepted | sent_back (with a reason)
    received | sent_back -> accepted (the hearing unit handles it itself)
    sent_back -> routed (to another unit)
Groups: a grouping run replaces the unit's groups that are not yet a problem; the office merges groups,
splits opinions off into a new group, and turns a group into one problem (source 征求意见), once.
Answers (回应关切): written or filled from the linked problem's progress; due ANSWER_DAYS after receipt
for every opinion with a contact.

Audit entries never carry a contact, an address hash, a challenge nonce or a receipt code: see
`snapshot`.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.campaigns.actions import ensure_open
from chuxin.core.errors import ActionError, StaleVersion
from chuxin.orgs.models import Unit
from chuxin.orgs.scope import require_manage, require_record
from chuxin.problems.actions import do_record_problem
from chuxin.problems.models import Source
from chuxin.rollups import tallies

from . import abuse, grouping
from .models import Channel, Opinion, OpinionGroup, OpinionStatus, default_answer_due

PRIVATE_FIELDS = ("contact_name", "contact_phone", "ip_hash", "challenge_nonce", "receipt_code")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class Throttled(ActionError):
    """A rate limit is reached: nothing was written; try later."""


def snapshot(obj) -> dict:
    data = model_to_dict(obj)
    for f in PRIVATE_FIELDS:
        data.pop(f, None)
    return data


def _new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))


def _check_version(obj, expected) -> None:
    if expected in (None, ""):
        return
    if not str(expected).isdigit() or int(expected) != obj.version:
        raise StaleVersion(
            _("Someone else changed this record since you opened it. Reload the page to see their change.")
        )


def _lock(opinion_id: int) -> Opinion:
    return Opinion.objects.select_for_update().select_related("unit", "handling_unit").get(pk=opinion_id)


def _answer_tallies(op: Opinion, unit: Unit, sign: int) -> None:
    """The roll-ups of answers owed and given (回应关切) at `unit`: +1 when the opinion starts counting there,
    -1 when it stops (routed elsewhere, sent back). Only opinions with a contact are owed an answer."""
    if op.has_contact:
        tallies.add(
            unit,
            op.campaign_id,
            {"opinions.owed_answer": sign, "opinions.answered": sign * bool(op.answered_at)},
        )


def _move_handling(op: Opinion, to_unit: Unit) -> None:
    if to_unit.pk != op.handling_unit_id:
        _answer_tallies(op, op.handling_unit, -1)
        _answer_tallies(op, to_unit, 1)
    op.handling_unit = to_unit


def _save(acting_user, op: Opinion, action: str, before: dict) -> Opinion:
    op.version += 1
    op.save()
    record(acting_user, action, op, before, snapshot(op))
    return op


def _clean_contact(name: str, phone: str, anonymous: bool) -> tuple[str, str]:
    if anonymous:
        return "", ""
    name = abuse.clean_text(name, 40)
    phone = abuse.clean_phone(phone)
    if phone and not abuse.valid_phone(phone):
        raise ActionError(
            _("The phone number does not look right: a mobile number or an area code and number.")
        )
    return name, phone


def _clean_opinion_text(text: str) -> str:
    text = abuse.clean_text(text)
    if len(text) < abuse.MIN_TEXT:
        raise ActionError(
            _("Please write your opinion in at least %(n)s characters.") % {"n": abuse.MIN_TEXT}
        )
    return text


def _create(acting_user, *, campaign, unit, channel, text, name, phone, **extra) -> Opinion:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                op = Opinion.objects.create(
                    campaign=campaign,
                    unit=unit,
                    handling_unit=unit,
                    channel=channel,
                    text=text,
                    contact_name=name,
                    contact_phone=phone,
                    has_contact=bool(phone),
                    answer_due=default_answer_due() if phone else None,
                    receipt_code=_new_receipt(),
                    **extra,
                )
                _answer_tallies(op, unit, 1)
                record(acting_user, AuditEvent.OPINION_CREATE, op, None, snapshot(op))
            return op
        except IntegrityError as exc:
            if (
                "challenge_nonce" in str(exc)
                or extra.get("challenge_nonce")
                and Opinion.objects.filter(challenge_nonce=extra["challenge_nonce"]).exists()
            ):
                raise ActionError(_("This picture was already used. Please answer the new one.")) from exc
    raise ActionError(_("Please try again."))  # pragma: no cover - three receipt collisions in a row


def do_submit_opinion(
    *,
    unit: Unit,
    campaign,
    text: str,
    address: str,
    token: str,
    answer: str,
    honeypot: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    anonymous: bool = True,
    acting_user=None,
) -> Opinion:
    """The public form: no account. Checks in order: honeypot, rate limits, challenge, content."""
    if honeypot:
        raise ActionError(_("The opinion could not be accepted."))
    ensure_open(campaign)
    address_hash = abuse.ip_hash(address)
    which = abuse.throttled(address_hash, unit.pk)
    if which:
        raise Throttled(_("Too many opinions have been sent from here in the last hour. Please try later."))
    nonce = abuse.check_answer(token, answer)
    if nonce is None:
        raise ActionError(_("The answer to the sum in the picture is not right. Please try the new picture."))
    text = _clean_opinion_text(text)
    name, phone = _clean_contact(contact_name, contact_phone, anonymous)
    return _create(
        acting_user,
        campaign=campaign,
        unit=unit,
        channel=Channel.PUBLIC_FORM,
        text=text,
        name=name,
        phone=phone,
        ip_hash=address_hash,
        challenge_nonce=nonce,
    )


def do_record_opinion(
    *,
    unit: Unit,
    campaign,
    channel: str,
    text: str,
    taken_on: date | None = None,
    taken_by: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    acting_user,
) -> Opinion:
    """An office records an opinion heard at a symposium, a visit, from the box or the hotline."""
    require_record(acting_user, unit)
    ensure_open(campaign)
    if channel not in Channel.values or channel == Channel.PUBLIC_FORM:
        raise ActionError(_("Choose how the opinion was heard."))
    text = _clean_opinion_text(text)
    name, phone = _clean_contact(contact_name, contact_phone, not (contact_name or contact_phone))
    taken_on = taken_on or timezone.localdate()
    if taken_on > timezone.localdate():
        raise ActionError(_("The date lies in the future."))
    return _create(
        acting_user,
        campaign=campaign,
        unit=unit,
        channel=channel,
        text=text,
        name=name,
        phone=phone,
        taken_on=taken_on,
        taken_by=abuse.clean_text(taken_by, 60)
        or (getattr(getattr(acting_user, "person", None), "name", "") or acting_user.get_username()),
        recorded_by=acting_user,
    )


def do_route_opinion(opinion: Opinion, to_unit: Unit, note: str = "", expected_version=None, *, acting_user):
    with transaction.atomic():
        op = _lock(opinion.pk)
        require_manage(acting_user, op.unit)
        _check_version(op, expected_version)
        if op.status not in (OpinionStatus.RECEIVED, OpinionStatus.SENT_BACK):
            raise ActionError(_("Only an opinion not yet accepted can be routed."))
        if not to_unit.path.startswith(op.unit.path) or to_unit.pk == op.unit_id:
            raise ActionError(
                _("%(unit)s is not under %(hearing)s: route to a unit below it.")
                % {"unit": to_unit.name, "hearing": op.unit.name}
            )
        before = snapshot(op)
        _move_handling(op, to_unit)
        op.status = OpinionStatus.ROUTED
        op.route_note = abuse.clean_text(note, 300)
        return _save(acting_user, op, AuditEvent.OPINION_ROUTE, before)


def do_accept_opinion(opinion: Opinion, expected_version=None, *, acting_user):
    with transaction.atomic():
        op = _lock(opinion.pk)
        require_record(acting_user, op.handling_unit)
        _check_version(op, expected_version)
        if op.status == OpinionStatus.ACCEPTED:
            raise ActionError(_("This opinion is already accepted."))
        before = snapshot(op)
        op.status = OpinionStatus.ACCEPTED
        return _save(acting_user, op, AuditEvent.OPINION_ACCEPT, before)


def do_send_back_opinion(opinion: Opinion, reason: str, expected_version=None, *, acting_user):
    with transaction.atomic():
        op = _lock(opinion.pk)
        require_record(acting_user, op.handling_unit)
        _check_version(op, expected_version)
        if op.status != OpinionStatus.ROUTED:
            raise ActionError(_("Only a routed opinion can be sent back."))
        reason = abuse.clean_text(reason, 300)
        if not reason:
            raise ActionError(_("Say why the opinion is sent back."))
        before = snapshot(op)
        op.status = OpinionStatus.SENT_BACK
        _move_handling(op, op.unit)
        op.route_note = reason
        return _save(acting_user, op, AuditEvent.OPINION_SEND_BACK, before)


# --- groups -------------------------------------------------------------------------------------------


def _require_office(acting_user, unit: Unit) -> None:
    require_manage(acting_user, unit)


def groupable(unit: Unit, campaign):
    """Opinions of the unit's subtree not yet part of a problem."""
    return Opinion.objects.in_subtree(unit).filter(campaign=campaign, problem__isnull=True)


def do_group_opinions(unit: Unit, campaign, *, acting_user) -> int:
    """Replace the unit's groups that are not a problem yet by a fresh grouping run; returns groups made."""
    _require_office(acting_user, unit)
    ensure_open(campaign)
    rows = list(groupable(unit, campaign).values_list("pk", "text").order_by("pk"))
    found = grouping.group_texts([t for _, t in rows])
    with transaction.atomic():
        old = OpinionGroup.objects.filter(unit=unit, campaign=campaign, problem__isnull=True)
        Opinion.objects.filter(group__in=old).update(group=None)
        removed = old.count()
        old.delete()
        made = []
        for g in found:
            made.append(
                OpinionGroup(
                    campaign=campaign,
                    unit=unit,
                    key_terms="、".join(g.key_terms)[:200],
                    representative=rows[g.representative][1],
                    size=len(g.members),
                )
            )
        OpinionGroup.objects.bulk_create(made, batch_size=1000)
        for g, row in zip(found, made, strict=True):
            Opinion.objects.filter(pk__in=[rows[i][0] for i in g.members]).update(group=row)
        record(
            acting_user,
            AuditEvent.OPINION_GROUP,
            unit,
            {"groups_replaced": removed},
            {"opinions": len(rows), "groups": len(made), "campaign": campaign.pk},
        )
    return len(made)


def _lock_group(group_id: int) -> OpinionGroup:
    return OpinionGroup.objects.select_for_update().select_related("unit").get(pk=group_id)


def _refresh(group: OpinionGroup) -> None:
    texts = list(group.opinions.order_by("pk").values_list("text", flat=True))
    group.size = len(texts)
    if texts:
        found = grouping.group_texts(texts)
        biggest = found[0]
        group.representative = texts[biggest.representative]
        terms = grouping.tokenize(" ".join(texts))
        from collections import Counter

        group.key_terms = "、".join(w for w, _ in Counter(terms).most_common(5))[:200]
    group.version += 1
    group.save()


def do_merge_groups(target: OpinionGroup, others: list[OpinionGroup], *, acting_user) -> OpinionGroup:
    _require_office(acting_user, target.unit)
    with transaction.atomic():
        tgt = _lock_group(target.pk)
        olds = [_lock_group(o.pk) for o in others if o.pk != target.pk]
        if not olds:
            raise ActionError(_("Choose at least one other group to merge into this one."))
        for g in [tgt, *olds]:
            if g.problem_id:
                raise ActionError(_("A group that is already a problem cannot be merged."))
            if g.unit_id != tgt.unit_id or g.campaign_id != tgt.campaign_id:
                raise ActionError(_("Only groups of the same unit can be merged."))
        moved = Opinion.objects.filter(group__in=olds).update(group=tgt)
        ids = [g.pk for g in olds]
        OpinionGroup.objects.filter(pk__in=ids).delete()
        _refresh(tgt)
        record(
            acting_user,
            AuditEvent.OPINION_GROUP_MERGE,
            tgt,
            {"merged": ids},
            {"size": tgt.size, "moved": moved},
        )
    return tgt


def do_split_group(group: OpinionGroup, opinion_ids: list[int], *, acting_user) -> OpinionGroup:
    """Move the chosen opinions of a group into a new group of their own."""
    _require_office(acting_user, group.unit)
    with transaction.atomic():
        src = _lock_group(group.pk)
        if src.problem_id:
            raise ActionError(_("A group that is already a problem cannot be split."))
        chosen = list(src.opinions.filter(pk__in=opinion_ids).values_list("pk", flat=True))
        if not chosen or len(chosen) == src.size:
            raise ActionError(_("Choose some, but not all, of the group's opinions to split off."))
        new = OpinionGroup.objects.create(campaign=src.campaign, unit=src.unit)
        Opinion.objects.filter(pk__in=chosen).update(group=new)
        _refresh(src)
        _refresh(new)
        record(
            acting_user,
            AuditEvent.OPINION_GROUP_SPLIT,
            src,
            {"size": src.size + len(chosen)},
            {"new_group": new.pk, "moved": chosen},
        )
    return new


def do_group_to_problem(group: OpinionGroup, title: str = "", *, acting_user):
    """One problem (source 征求意见) for the whole group, every opinion linked to it; a second call
    returns the same problem and changes nothing."""
    _require_office(acting_user, group.unit)
    with transaction.atomic():
        g = _lock_group(group.pk)
        if g.problem_id:
            return g.problem
        opinions = list(g.opinions.order_by("pk").values_list("pk", "text"))
        if not opinions:
            raise ActionError(_("This group has no opinions."))
        title = abuse.clean_text(title, 200) or g.representative[:200]
        lines = [_("%(n)s opinions heard, for example:") % {"n": len(opinions)}]
        lines += [f"· {t[:200]}" for _, t in opinions[:10]]
        problem = do_record_problem(
            acting_user=acting_user,
            campaign=g.campaign,
            unit=g.unit,
            title=title,
            source=Source.OPINION,
            description="\n".join(lines),
        )
        Opinion.objects.filter(group=g, problem__isnull=True).update(problem=problem)
        before = {"problem": None}
        g.problem = problem
        g.version += 1
        g.save(update_fields=["problem", "version"])
        record(
            acting_user,
            AuditEvent.OPINION_GROUP_TO_PROBLEM,
            g,
            before,
            {"problem": problem.pk, "opinions": len(opinions)},
        )
    return problem


# --- answers ------------------------------------------------------------------------------------------


def template_answer(opinion: Opinion) -> str:
    """An answer filled from the linked problem's progress, for the office to review and send."""
    problem = opinion.problem
    if problem is None:
        return _(
            "Thank you for your opinion. %(unit)s has received it and is looking into it; we will tell you "
            "what has been done."
        ) % {"unit": opinion.handling_unit.name}
    items = list(problem.items.all())
    done = sum(1 for i in items if i.status in ("closed", "kept_up"))
    measures = "；".join(i.measures for i in items[:3])
    text = _("Thank you for your opinion. %(unit)s has listed it as a problem to rectify: %(problem)s.") % {
        "unit": problem.unit.name,
        "problem": problem.title,
    }
    if items:
        text += " " + _("Measures: %(measures)s. %(done)s of %(total)s rectification items are done.") % {
            "measures": measures,
            "done": done,
            "total": len(items),
        }
    else:
        text += " " + _("The measures are being worked out.")
    return text


def do_answer_opinion(opinion: Opinion, text: str, expected_version=None, *, acting_user) -> Opinion:
    with transaction.atomic():
        op = _lock(opinion.pk)
        require_record(acting_user, op.handling_unit)
        _check_version(op, expected_version)
        text = abuse.clean_text(text, 2000)
        if not text:
            raise ActionError(_("Write the answer."))
        before = snapshot(op)
        if op.answered_at is None and op.has_contact:
            tallies.add(op.handling_unit, op.campaign_id, {"opinions.answered": 1})
        op.answer = text
        op.answered_at = timezone.now()
        op.answered_by = acting_user
        return _save(acting_user, op, AuditEvent.OPINION_ANSWER, before)
