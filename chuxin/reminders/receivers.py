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
from django.utils import translation
from django.utils.translation import gettext as _

from chuxin.orgs.models import Role, RoleAssignment, Unit
from chuxin.problems.signals import ledger_event

from .models import Notification, NotificationKind


def verifying_office_user_ids(unit: Unit) -> list[int]:
    """Users with the office role at the nearest unit (self or ancestor) that has one: one query."""
    prefixes = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    rows = RoleAssignment.objects.filter(
        role=Role.OFFICE,
        unit__path__in=prefixes,
        person__is_active=True,
        person__user__isnull=False,
        person__user__is_active=True,
    ).values_list("unit__path", "person__user_id")
    if not rows:
        return []
    nearest = max(len(p) for p, _u in rows)
    return sorted({u for p, u in rows if len(p) == nearest})


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
            _notify(
                verifying_office_user_ids(item.unit),
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
            _notify(
                verifying_office_user_ids(item.unit),
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
