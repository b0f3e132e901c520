"""Overdue answers (回应关切) join the daily digest: to the office holders of the responsible unit.

Registered in chuxin.reminders.digest.collectors by this app's ready(); reminders never imports us.
One query for the offices, one for the overdue opinions (index opinion_answer_due).
"""

from __future__ import annotations

from collections import defaultdict

from chuxin.orgs.models import Role, RoleAssignment, Unit

from .models import Opinion


def overdue_answer_events(today, events) -> None:
    from chuxin.reminders.digest import Event
    from chuxin.reminders.models import NotificationKind

    offices: dict[str, set[int]] = defaultdict(set)
    for path, user_id in RoleAssignment.objects.filter(
        role=Role.OFFICE, person__is_active=True, person__user__isnull=False, person__user__is_active=True
    ).values_list("unit__path", "person__user_id"):
        offices[path].add(user_id)
    if not offices:
        return
    rows = (
        Opinion.objects.answer_overdue(today)
        .values_list("text", "answer_due", "handling_unit__name", "handling_unit__path")
        .order_by("answer_due", "pk")
    )
    step = Unit.steplen
    for text, due, unit_name, path in rows.iterator(chunk_size=2000):
        recipients: set[int] = set()
        for end in range(len(path), 0, -step):  # the unit's own office, else the nearest above
            recipients = offices.get(path[:end], set())
            if recipients:
                break
        days = (today - due).days
        label = f"{text[:40]}（{unit_name}）"
        for user_id in recipients:
            events[user_id].append(Event(NotificationKind.ANSWER_OVERDUE, None, label, due, days))
