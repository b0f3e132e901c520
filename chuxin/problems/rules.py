"""The rules of a rectification item, in one place: adding one on its page, editing it, the Excel import's plan
and the import's bulk apply all call `check_new_item` / `check_item_edit`, so they cannot drift apart.

The checks return a list of (field, message) instead of raising, because the import wants every problem of
every row at once; the actions raise the first one as an ActionError.

- measures: required, at most MEASURES_MAX characters (the ledger column's limit too);
- kind: one of Kind;
- 立行立改 (at once) without a deadline gets today + AT_ONCE_DAYS;
- 限期整改 (by deadline) needs a deadline and its requirements;
- 长期坚持 (long-term) needs at least one stage goal (at most STAGE_GOAL_MAX characters) with its target date;
- a deadline or a stage date may not be in the past, except in a campaign that has ended (a historical
  ledger, e.g. the 2019 campaign entered afterwards): its dates are history, not plans;
- on an edit, the past-date rule applies only to a date that changes;
- an item whose claim awaits verification (已申请销号（待验收）) is not edited at all, and the deadline of a
  running item (started: 正在整改, 已退回, 已申请销号) moves only by an approved extension request (延期申请),
  never by an edit or an import; before work starts (未开始) a deadline can still be corrected.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from .models import Kind, Status

RUNNING_STATUSES = (Status.IN_PROGRESS, Status.RETURNED, Status.CLAIMED)

AT_ONCE_DAYS = 7  # 立查立改: finished within days
TITLE_MAX = 200  # Problem.title
MEASURES_MAX = 5000
KINDS = frozenset(Kind.values)  # Kind.values rebuilds its list on every call: this runs once per imported row
ROOT_CAUSE_MAX = 5000
STAGE_GOAL_MAX = 300  # Stage.goal
NAME_MAX = 60  # Person.name


def past_dates_allowed(campaign, today: date) -> bool:
    """A campaign that has ended is history: its deadlines may lie in the past."""
    ended = getattr(campaign, "ended_on", None)
    return ended is not None and ended < today


def _fmt(d: date) -> str:
    """The active language's date format (2019年10月31日 in Chinese: chuxin/formats/zh_Hans)."""
    from django.utils.formats import date_format

    return date_format(d)


def check_new_item(
    *,
    kind: str,
    measures: str,
    deadline: date | None,
    requirements: str = "",
    stages: list[tuple[str, date]] | None = None,
    today: date,
    allow_past: bool = False,
) -> tuple[date | None, list[tuple[str, str]]]:
    """(the deadline to store, errors) for a new item."""
    errors: list[tuple[str, str]] = []
    measures = (measures or "").strip()
    if not measures:
        errors.append(("measures", _("A rectification item needs its measures.")))
    elif len(measures) > MEASURES_MAX:
        errors.append(("measures", too_long(len(measures), MEASURES_MAX)))
    if kind not in KINDS:
        errors.append(("kind", _("Unknown kind of rectification: %(kind)s") % {"kind": kind}))
        return deadline, errors
    if kind == Kind.AT_ONCE and deadline is None:
        deadline = today + timedelta(days=AT_ONCE_DAYS)
    if kind == Kind.DEADLINE and (deadline is None or not (requirements or "").strip()):
        errors.append(("deadline", _("Fix-by-deadline needs both a deadline and its requirements.")))
    if deadline is not None and deadline < today and not allow_past:
        errors.append(("deadline", _("The deadline %(date)s is already past.") % {"date": _fmt(deadline)}))
    stages = stages or []
    if kind == Kind.LONG_TERM and not stages:
        errors.append(("stages", _("A long-term item needs at least one stage goal with its target date.")))
    for goal, target in stages:
        if not (goal or "").strip():
            errors.append(("stages", _("Every stage needs a goal.")))
        elif len(goal.strip()) > STAGE_GOAL_MAX:
            errors.append(("stages", too_long(len(goal.strip()), STAGE_GOAL_MAX)))
        if target is None:
            errors.append(
                ("stages", _("A long-term item needs at least one stage goal with its target date."))
            )
        elif target < today and not allow_past:
            errors.append(("stages", _("The stage date %(date)s is already past.") % {"date": _fmt(target)}))
    return deadline, errors


def check_item_edit(*, item, fields: dict, today: date, allow_past: bool = False) -> list[tuple[str, str]]:
    """Errors of changing `fields` on an existing item (before they are set)."""
    errors: list[tuple[str, str]] = []
    if item.status == Status.CLAIMED:
        return [("status", _("While a claim of completion awaits verification, the item cannot be edited."))]
    if "deadline" in fields and fields["deadline"] != item.deadline and item.status in RUNNING_STATUSES:
        return [
            (
                "deadline",
                _("The deadline of a running item is changed only by an approved extension request."),
            )
        ]
    if "measures" in fields:
        measures = (fields["measures"] or "").strip()
        if not measures:
            errors.append(("measures", _("A rectification item needs its measures.")))
        elif len(measures) > MEASURES_MAX:
            errors.append(("measures", too_long(len(measures), MEASURES_MAX)))
    if "deadline" in fields:
        deadline = fields["deadline"]
        if deadline is not None and deadline != item.deadline and deadline < today and not allow_past:
            errors.append(
                ("deadline", _("The deadline %(date)s is already past.") % {"date": _fmt(deadline)})
            )
        requirements = fields.get("requirements", item.requirements)
        if item.kind == Kind.DEADLINE and (deadline is None or not (requirements or "").strip()):
            errors.append(("deadline", _("Fix-by-deadline needs both a deadline and its requirements.")))
    return errors


def too_long(n: int, limit: int) -> str:
    return _("The text has %(n)s characters; at most %(limit)s are allowed.") % {"n": n, "limit": limit}
