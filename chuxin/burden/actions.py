"""Recording what a superior asks of the units below it. One verb: a request is recorded once, with its
fields and the units asked; its counts join the roll-ups (tallies burden.requests/fields/known) in the same
transaction. A request is never deleted: it happened, and the meter counts it."""

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
from chuxin.orgs.scope import require_manage
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
