"""In-app notifications written in the transaction of the ledger change that causes them.

The ledger announces claims, returns, verifications and extension requests (`ledger_event`); this
module decides who hears about them:

* a claim or an extension request: the users holding the office role at the nearest unit, from the
  item's own unit upwards, that has an office (the office that verifies);
* a return or a verification: whoever claimed, and the responsible person if they have an account;
* an extension decision: whoever asked.

The acting user is never notified of their own act. The daily digest (digest.py) stays as it is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import F, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chuxin.orgs.models import Role, RoleAssignment, Unit, ancestor_paths
from chuxin.problems.signals import ledger_event

from .models import Notification, NotificationKind


def _office_seats(unit: Unit):
    """The office roles held by active people with active accounts at the unit and its ancestors."""
    return RoleAssignment.objects.filter(
        role=Role.OFFICE,
        unit__path__in=ancestor_paths(unit.path),
        person__is_active=True,
        person__user__isnull=False,
        person__user__is_active=True,
    )


def verifying_office_user_ids(unit: Unit) -> list[int]:
    """Users with the office role at the nearest unit (self or ancestor) that has one: one query."""
    rows = _office_seats(unit).values_list("unit__path", "person__user_id")
    if not rows:
        return []
    nearest = max(len(p) for p, _u in rows)
    return sorted({u for p, u in rows if len(p) == nearest})


def _notify_office(unit: Unit, kind, item, text, actor) -> None:
    """`_notify(verifying_office_user_ids(unit), …)` as one statement: the recipients are chosen by the
    INSERT's own SELECT (the nearest unit's office, then the acting user left out), in user order."""
    seats = _office_seats(unit)
    nearest = seats.order_by("-unit__depth").values("unit__depth")[:1]
    users = seats.filter(unit__depth=Subquery(nearest))
    if getattr(actor, "pk", None) is not None:
        users = users.exclude(person__user_id=actor.pk)
    select, params = users.order_by().values(uid=F("person__user_id")).distinct().query.sql_with_params()
    ops = connection.ops
    table = ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (user_id, kind, item_id, text, due_date, days_overdue, level, created_at, "
            f"read_at, digest_date) SELECT r.uid, %s, %s, %s, %s, 0, '', %s, NULL, NULL "
            f"FROM ({select}) r ORDER BY r.uid",
            [
                kind,
                item.pk,
                text,
                ops.adapt_datefield_value(item.due_date),
                ops.adapt_datetimefield_value(timezone.now()),
                *params,
            ],
        )


def _label(item) -> str:
    return f"{item.problem.title}（{item.unit.name}）"


def _notify(user_ids, kind, item, text, actor) -> None:
    ids = [u for u in dict.fromkeys(user_ids) if u is not None and u != getattr(actor, "pk", None)]
    Notification.objects.bulk_create(
        [Notification(user_id=u, kind=kind, item=item, text=text, due_date=item.due_date) for u in ids]
    )


def on_ledger_event(sender, *, item, actor, text="", extension=None, **kwargs) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the UI's default language
        label = _label(item)
        person_user = item.responsible_person.user_id if item.responsible_person_id else None
        if sender == "claim":
            _notify_office(
                item.unit,
                NotificationKind.CLAIMED,
                item,
                _("%(item)s: completion claimed, awaiting verification") % {"item": label},
                actor,
            )
        elif sender == "return":
            _notify(
                [item.claimed_by_id, person_user],
                NotificationKind.CLAIM_REJECTED,
                item,
                _("%(item)s was returned: %(reason)s") % {"item": label, "reason": text},
                actor,
            )
        elif sender == "verify":
            _notify(
                [item.claimed_by_id, person_user],
                NotificationKind.VERIFIED,
                item,
                _("%(item)s was verified and closed") % {"item": label},
                actor,
            )
        elif sender == "extension_request":
            _notify_office(
                item.unit,
                NotificationKind.EXT_REQUESTED,
                item,
                _("%(item)s: extension to %(date)s requested: %(reason)s")
                % {"item": label, "date": extension.new_deadline.isoformat(), "reason": text},
                actor,
            )
        elif sender == "extension_decide":
            approved = extension.status == "approved"
            msg = (
                _("%(item)s: extension to %(date)s approved")
                if approved
                else _("%(item)s: extension to %(date)s refused: %(reason)s")
            )
            _notify(
                [extension.requested_by_id],
                NotificationKind.EXT_DECIDED,
                item,
                msg % {"item": label, "date": extension.new_deadline.isoformat(), "reason": text},
                actor,
            )


def connect() -> None:
    ledger_event.connect(on_ledger_event, dispatch_uid="reminders.on_ledger_event")
