"""What each person has to do today (/todo/): pure collection, a fixed number of queries per role.

* Staff (any recording role held at a unit): their units' returned items with the office's reason,
  items due within DUE_SOON_DAYS, overdue items, stage goals falling due, their extension requests.
  "Their units" are the units where the role is held (not the subtree: a county's staff work on the
  county's items), plus items they are responsible for or claimed.
* An office: claims waiting for verification (oldest first) and pending extension requests of its
  area — its subtree minus the subtrees of nested offices, which verify their own; problems recorded
  without an item; its direct subordinates by overdue items (from the roll-ups).
* A secretary: the units whose problem list is not signed off in its current form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from chuxin.orgs.models import (
    CommitteeMember,
    Role,
    RoleAssignment,
    Unit,
    collapse_paths,
    subtree_q,
    subtrees_q,
)
from chuxin.problems.models import (
    WORKING_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    Problem,
    ProgressUpdate,
    RectificationItem,
    Stage,
    Status,
    UpdateKind,
)

DUE_SOON_DAYS = 7
LIMIT = 20
STAFF_ROLES = (Role.STAFF, Role.MEMBER, Role.SECRETARY)


@dataclass
class Section:
    items: list = field(default_factory=list)
    total: int = 0


@dataclass
class OfficeArea:
    unit: Unit
    claims: Section
    extensions: Section
    orphans: Section
    subordinates: list  # roll-up Figures of the children with overdue items, most overdue first


def _rows(qs) -> list:
    return list(qs.select_related("problem", "unit", "responsible_person")[:LIMIT])


def staff_todo(user, today: date) -> dict | None:
    unit_ids = list(
        RoleAssignment.objects.filter(person__user=user, role__in=STAFF_ROLES).values_list(
            "unit_id", flat=True
        )
    )
    mine = Q(unit_id__in=unit_ids) | Q(responsible_person__user=user) | Q(claimed_by=user)
    if not unit_ids and not RectificationItem.objects.filter(mine).exists():
        return None
    items = RectificationItem.objects.filter(mine)
    working = items.filter(status__in=WORKING_STATUSES)
    returned = _rows(items.filter(status=Status.RETURNED).order_by("-claimed_at", "-id"))
    reasons = {}
    for item_id, text in (
        ProgressUpdate.objects.filter(item_id__in=[i.pk for i in returned], kind=UpdateKind.REJECT)
        .order_by("item_id", "at", "id")
        .values_list("item_id", "text")
    ):
        reasons[item_id] = text  # the latest wins
    for it in returned:
        it.return_reason = reasons.get(it.pk, "")
    return {
        "returned": returned,
        "due_soon": _rows(
            working.filter(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS)).order_by(
                "due_date", "id"
            )
        ),
        "overdue": _rows(working.filter(due_date__lt=today).order_by("due_date", "id")),
        "stages": list(
            Stage.objects.filter(
                item__in=working,
                completed_at__isnull=True,
                target_date__lte=today + timedelta(days=DUE_SOON_DAYS),
            )
            .select_related("item__problem", "item__unit")
            .order_by("target_date", "id")[:LIMIT]
        ),
        "extensions": list(
            ExtensionRequest.objects.filter(requested_by=user)
            .select_related("item__problem", "item__unit", "decided_by")
            .order_by("-requested_at", "-id")[:10]
        ),
    }


def office_area_q(unit: Unit, nested_paths: list[str], field: str = "unit__path") -> Q:
    q = subtree_q(unit.path, field)
    if nested_paths:
        q &= ~subtrees_q(nested_paths, field)
    return q


def office_todo(user, campaign, today: date) -> list[OfficeArea]:
    from chuxin.rollups.queries import figures_for

    paths = collapse_paths(
        RoleAssignment.objects.filter(person__user=user, role=Role.OFFICE).values_list(
            "unit__path", flat=True
        )
    )
    if not paths:
        return []
    units = list(Unit.objects.filter(path__in=paths).order_by("path"))
    nested_all = list(
        RoleAssignment.objects.filter(subtrees_q(paths, "unit__path"), role=Role.OFFICE)
        .exclude(unit__path__in=paths)
        .values_list("unit__path", flat=True)
        .distinct()
    )
    children = list(Unit.objects.filter(subtrees_q(paths), depth__in={u.depth + 1 for u in units}))
    figs = figures_for(children, campaign.pk, today) if campaign else {}
    out = []
    for unit in units:
        nested = collapse_paths(p for p in nested_all if p.startswith(unit.path))
        area = office_area_q(unit, nested)
        claims = RectificationItem.objects.filter(area, status=Status.CLAIMED)
        exts = ExtensionRequest.objects.filter(
            office_area_q(unit, nested, "item__unit__path"), status=ExtensionStatus.PENDING
        )
        orphans = Problem.objects.filter(subtree_q(unit.path, "unit__path"), items__isnull=True)
        if campaign:
            orphans = orphans.filter(campaign=campaign)
        subs = [
            figs[c.pk]
            for c in children
            if c.path.startswith(unit.path)
            and c.depth == unit.depth + 1
            and figs.get(c.pk)
            and figs[c.pk].overdue
        ]
        subs.sort(key=lambda f: (-f.overdue, f.unit.path))
        out.append(
            OfficeArea(
                unit=unit,
                claims=Section(
                    list(
                        claims.select_related("problem", "unit", "claimed_by").order_by("claimed_at", "id")[
                            :LIMIT
                        ]
                    ),
                    claims.count(),
                ),
                extensions=Section(
                    list(
                        exts.select_related("item__problem", "item__unit", "requested_by").order_by(
                            "requested_at", "id"
                        )[:LIMIT]
                    ),
                    exts.count(),
                ),
                orphans=Section(
                    list(orphans.select_related("unit").order_by("created_at", "id")[:LIMIT]), orphans.count()
                ),
                subordinates=subs[:LIMIT],
            )
        )
    return out


def secretary_todo(user, campaign) -> list[dict]:
    """Units whose secretary this user is and whose problem list is not signed off as it stands."""
    if campaign is None:
        return []
    seats = list(
        CommitteeMember.objects.filter(person__user=user, post="secretary")
        .select_related("unit")
        .order_by("unit__path")
    )
    out = []
    for seat in seats:
        unit = seat.unit
        n = Problem.objects.filter(unit=unit, campaign=campaign).count()
        latest = unit.problem_list_signoffs.filter(campaign=campaign).first()
        if n and (latest is None or latest.problems != n):
            out.append({"unit": unit, "problems": n, "signoff": latest})
    return out
