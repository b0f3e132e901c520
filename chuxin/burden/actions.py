"""Recording what a superior asks of the units below it, and what becomes of it. Every verb runs in one
transaction with its roll-ups (tallies burden.requests/fields/known/answered) and its audit entry.

make      the office of the asking unit records a request: its fields and the units asked; each unit asked
          counts one request, its fields and the fields the platform already knew.
withdraw  the office of the asking unit (or an office above it: a superior may call off a request that
          burdens the grassroots) withdraws it, with a reason. It is never deleted — it happened, the
          request page shows it as withdrawn — but it stops counting as burden: every count it added
          (also its answers) is taken back from the units asked and their ancestors.
answer    a unit asked marks that it answered: someone who records for that unit through a role held below
          the asking unit (scope.require_record_below): the unit itself, not the asker or those above it.
          Once per unit and request; not for a withdrawn request.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record, snapshot
from chuxin.campaigns.access import covers
from chuxin.campaigns.actions import ensure_open
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, Unit
from chuxin.orgs.scope import require_manage, require_record_below
from chuxin.rollups import tallies

from . import known
from .models import Receipt, Request, RequestField, RequestKind

MAX_FIELDS = 200
MAX_RECIPIENTS = 20_000  # every county of a province and more; the counters are written per ancestor


def do_make_request(
    *,
    acting_user,
    campaign,
    from_unit: Unit,
    kind: str,
    title: str,
    fields: list[str],
    to_units: list[Unit],
    note: str = "",
    due_date: date | None = None,
) -> Request:
    """Record that `from_unit`'s office asks `to_units` (units below it) for `fields`. Fields the platform
    already computes are marked (known.match) and counted as asked again."""
    require_manage(acting_user, from_unit)
    ensure_open(campaign)
    if not covers(campaign, from_unit):
        raise ActionError(
            _("The campaign %(title)s does not cover %(unit)s.")
            % {"title": campaign.title, "unit": from_unit.name}
        )
    if kind not in RequestKind.values:
        raise ActionError(_("Choose what kind of request this is."))
    title = (title or "").strip()
    if not title:
        raise ActionError(_("A request needs a title."))
    names: list[str] = []
    for f in fields:
        f = (f or "").strip()[:100]
        if f and f not in names:
            names.append(f)
    if not names:
        raise ActionError(_("List at least one field the units are asked to fill in."))
    if len(names) > MAX_FIELDS:
        raise ActionError(_("A request may ask for at most %(n)s fields.") % {"n": MAX_FIELDS})
    units = list({u.pk: u for u in to_units}.values())
    if not units:
        raise ActionError(_("Choose the units asked."))
    if len(units) > MAX_RECIPIENTS:
        raise ActionError(_("A request may go to at most %(n)s units.") % {"n": MAX_RECIPIENTS})
    for u in units:
        if not (u.path.startswith(from_unit.path) and u.depth > from_unit.depth):
            raise ActionError(_("%(unit)s is not below %(from)s.") % {"unit": u.name, "from": from_unit.name})
    matched = [known.match(n) for n in names]
    now = timezone.now()
    with transaction.atomic():
        req = Request.objects.create(
            campaign=campaign,
            from_unit=from_unit,
            asked_by=Person.objects.filter(user=acting_user).order_by("pk").first(),
            created_by=acting_user,
            kind=kind,
            title=title[:200],
            note=(note or "").strip(),
            due_date=due_date,
            created_at=now,
            recipients=len(units),
            fields_asked=len(names),
            fields_known=sum(1 for m in matched if m),
        )
        RequestField.objects.bulk_create(
            [
                RequestField(request=req, order=i, name=n, known=m)
                for i, (n, m) in enumerate(zip(names, matched, strict=True))
            ]
        )
        Receipt.objects.bulk_create(
            [Receipt(request=req, unit=u, received_on=timezone.localdate(now)) for u in units],
            batch_size=5000,
        )
        tallies.add_many(
            units,
            campaign.pk,
            {"burden.requests": 1, "burden.fields": req.fields_asked, "burden.known": req.fields_known},
        )
        record(
            acting_user,
            AuditEvent.BURDEN_REQUEST_CREATE,
            req,
            None,
            {**snapshot(req), "fields": names, "units": len(units)},
            unit=from_unit,
        )
    return req


def do_withdraw_request(req: Request, *, reason: str = "", acting_user) -> Request:
    """The asking unit's office withdraws a request: kept, shown as withdrawn, no longer counted."""
    require_manage(acting_user, req.from_unit)
    ensure_open(req.campaign)
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=req.pk)
        if locked.withdrawn_at is not None:
            raise ActionError(_("This request has already been withdrawn."))
        before = snapshot(locked)
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = acting_user
        locked.withdraw_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        receipts = list(Receipt.objects.filter(request=locked).select_related("unit"))
        tallies.add_many(
            [r.unit for r in receipts],
            locked.campaign_id,
            {
                "burden.requests": -1,
                "burden.fields": -locked.fields_asked,
                "burden.known": -locked.fields_known,
            },
        )
        tallies.add_many(
            [r.unit for r in receipts if r.answered_at is not None],
            locked.campaign_id,
            {"burden.answered": -1},
        )
        record(
            acting_user,
            AuditEvent.BURDEN_REQUEST_WITHDRAW,
            locked,
            before,
            snapshot(locked),
            unit=locked.from_unit,
        )
    return locked


def do_mark_request_answered(receipt: Receipt, *, acting_user) -> Receipt:
    """A unit asked marks the request answered (once); the asker's office cannot do it for the unit."""
    req = receipt.request
    require_record_below(acting_user, receipt.unit, req.from_unit)
    ensure_open(req.campaign)
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().select_related("request").get(pk=receipt.pk)
        if locked.request.withdrawn_at is not None:
            raise ActionError(_("This request was withdrawn: there is nothing to answer."))
        if locked.answered_at is not None:
            raise ActionError(_("%(unit)s has already answered this request.") % {"unit": receipt.unit.name})
        before = snapshot(locked)
        locked.answered_at = timezone.now()
        locked.answered_by = acting_user
        locked.save(update_fields=["answered_at", "answered_by"])
        tallies.add(receipt.unit, req.campaign_id, {"burden.answered": 1})
        record(
            acting_user, AuditEvent.BURDEN_REQUEST_ANSWER, locked, before, snapshot(locked), unit=receipt.unit
        )
    return locked
