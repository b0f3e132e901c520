"""Access scoping: the one place that decides which units a user may see and change.

Every view, export, file download and API route fetches through these helpers. A role held at a
unit reaches the unit's whole subtree; outside it the answer is 404 (the object "does not exist"
for this user), inside it without the needed role the answer is 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext as _

from chuxin.core import prepared
from chuxin.core.errors import ActionForbidden

from .models import (
    MANAGING_ROLES,
    RECORDING_ROLES,
    GuidanceGroup,
    GuidanceGroupMember,
    Person,
    Role,
    RoleAssignment,
    Unit,
    collapse_paths,
    subtrees_q,
)


@dataclass
class Scope:
    """What one user may reach: (role, unit path) pairs, or everything for a superuser."""

    is_all: bool = False
    grants: list[tuple[str, str]] = field(default_factory=list)  # (role, path)

    def paths(self, roles: Iterable[str] | None = None) -> list[str]:
        wanted = set(roles) if roles is not None else None
        return collapse_paths(p for r, p in self.grants if wanted is None or r in wanted)

    def contains(self, unit: Unit, roles: Iterable[str] | None = None) -> bool:
        return self.contains_path(unit.path, roles)

    def contains_path(self, path: str, roles: Iterable[str] | None = None) -> bool:
        if self.is_all:
            return True
        return any(path.startswith(p) for p in self.paths(roles))

    def can_manage(self, unit: Unit) -> bool:
        return self.contains(unit, MANAGING_ROLES)

    def can_record(self, unit: Unit) -> bool:
        return self.contains(unit, RECORDING_ROLES)

    def can_record_below(self, unit: Unit, above: Unit) -> bool:
        """A recording role that reaches `unit` and is held strictly below `above`: the unit acting for
        itself towards a superior (answering what `above` asked), never `above`'s office or those over it."""
        if self.is_all:
            return True
        return any(
            r in RECORDING_ROLES and unit.path.startswith(p) and len(p) > len(above.path)
            for r, p in self.grants
        )

    def roles_at(self, unit: Unit) -> set[str]:
        """Roles that reach this unit (held here or at an ancestor)."""
        if self.is_all:
            return set(Role.values)
        return {r for r, p in self.grants if unit.path.startswith(p)}

    def filter(self, qs: QuerySet, path_field: str = "path", roles: Iterable[str] | None = None) -> QuerySet:
        """Restrict any queryset to rows whose unit path lies in the scope."""
        if self.is_all:
            return qs
        return qs.filter(subtrees_q(self.paths(roles), path_field))

    def units(self) -> QuerySet:
        return self.filter(Unit.objects.all())

    def root_units(self) -> list[Unit]:
        """The topmost units the user reaches: where browsing starts."""
        if self.is_all:
            return list(Unit.get_root_nodes())
        return list(Unit.objects.filter(path__in=self.paths()).order_by("path"))


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not user.is_authenticated:
        return Scope()
    cached = getattr(user, "_chuxin_scope", None)
    if cached is not None:
        return cached
    scope = Scope(is_all=True) if user.is_superuser else Scope(grants=_grants(user.pk))
    user._chuxin_scope = scope
    return scope


def _grants_sql(columns: str, role: str = "ra.role") -> str:
    """The statement behind _grants(), selecting `columns` (of the granted unit `u`) after the role: the
    rows of role_grants(user) and guidance_grants(user) together, written out from those two querysets
    (every page pays for it, and composing the union cost ten times running it). `role` names the role's
    column (an alias may follow). Parameters: the user's id, Role.GUIDANCE, the user's id."""
    t = {
        m.__name__: m._meta.db_table
        for m in (RoleAssignment, Person, Unit, GuidanceGroup, GuidanceGroupMember)
    }
    assigned = GuidanceGroup.assigned_units.through._meta.db_table
    return f"""
        SELECT {role}, {columns}
        FROM {t["RoleAssignment"]} ra
        JOIN {t["Person"]} p ON p.id = ra.person_id
        JOIN {t["Unit"]} u ON u.id = ra.unit_id
        WHERE p.is_active AND p.user_id = %s
        UNION ALL
        SELECT %s, {columns}
        FROM {assigned} a
        JOIN {t["GuidanceGroup"]} g ON g.id = a.guidancegroup_id
        JOIN {t["GuidanceGroupMember"]} m ON m.group_id = g.id
        JOIN {t["Person"]} p ON p.id = m.person_id
        JOIN {t["Unit"]} u ON u.id = a.unit_id
        WHERE g.is_active AND p.is_active AND p.user_id = %s"""  # noqa: S608 — table names from the models


def _grants(user_id: int) -> list[tuple[str, str]]:
    """The user's (role, unit path) grants: role_grants(user) and guidance_grants(user) in one plain
    statement (_grants_sql), prepared (chuxin/core/prepared.py). tests/test_scope_grants.py checks that it
    answers what the querysets answer."""
    with prepared.cursor() as cur:
        cur.execute(_grants_sql("u.path"), [user_id, Role.GUIDANCE.value, user_id])
        return [(role, path) for role, path in cur.fetchall()]


# The unit's fields, in the order the statement of _unit_with_grants selects them.
_UNIT_FIELDS = [f.attname for f in Unit._meta.concrete_fields]
_UNIT_COLUMNS = ", ".join(f"u.{f.column}" for f in Unit._meta.concrete_fields)


def _unit_with_grants(user, code: str) -> Unit | None:
    """The unit with this code (None if there is none), and the user's scope set as scope_for() sets it, in
    one statement when the scope is not known yet: the granted units' rows (each with its role) and the
    unit's row (role NULL) together, prepared (chuxin/core/prepared.py: planning this union cost ten times
    running it), the unit made from its row as raw() would. The first scoped lookup of nearly every page is
    this one; its two round trips were two of the ledger page's seven. tests/test_scope_grants.py checks
    that the scope it leaves is the one scope_for() computes."""
    # the role first in every branch (a union's columns take the first branch's names), NULL on the unit's row
    own = f"SELECT NULL AS chuxin_role, {_UNIT_COLUMNS} FROM {Unit._meta.db_table} u WHERE u.code = %s"  # noqa: S608
    known = user.is_superuser or getattr(user, "_chuxin_scope", None) is not None
    if known:
        sql, params = own, [code]
    else:
        grants_sql = _grants_sql(_UNIT_COLUMNS, role="ra.role AS chuxin_role")
        sql, params = f"{grants_sql} UNION ALL {own}", [user.pk, Role.GUIDANCE.value, user.pk, code]
    with prepared.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    path = _UNIT_FIELDS.index("path")
    unit, grants = None, []
    for role, *values in rows:
        if role is None:
            (unit,) = prepared.model_rows(Unit, _UNIT_FIELDS, [values])
        else:
            grants.append((role, values[path]))
    if not known:
        user._chuxin_scope = Scope(grants=grants)
    return unit


def role_grants(user) -> QuerySet:
    """The first kind of scope: (role, unit path) for each role the user's active person holds."""
    return RoleAssignment.objects.filter(person__user=user, person__is_active=True).values_list(
        "role", "unit__path"
    )


def guidance_grants(user) -> QuerySet:
    """The second kind of scope: a guidance group's member reaches the subtrees of the units the group is
    assigned to (a list of units, not one subtree), read-only — GUIDANCE is neither a recording nor a
    managing role. As (role, path) rows; _grants() answers both kinds in one statement."""
    return (
        GuidanceGroup.assigned_units.through.objects.filter(
            guidancegroup__is_active=True,
            guidancegroup__members__person__user=user,
            guidancegroup__members__person__is_active=True,
        )
        .annotate(role=Value(Role.GUIDANCE.value, output_field=CharField()))
        .values_list("role", "unit__path")
    )


NEEDS = {"record": RECORDING_ROLES, "manage": MANAGING_ROLES}


def _path_of(obj, path_field: str):
    """Follow "item__unit__path" from the row to the value."""
    for part in path_field.split("__"):
        obj = getattr(obj, part)
    return obj


def _related(path_field: str) -> str | None:
    """ "item__unit__path" -> "item__unit": the join that brings the path along with the row."""
    head, _sep, _tail = path_field.rpartition("__")
    return head or None


def require(user, path: str, need: str | None, what: str = "") -> None:
    """403 (ActionForbidden) unless the user holds a role for `need` ("record" or "manage") at or
    above the unit with this path. The caller has already answered 404 outside the scope."""
    if need is None:
        return
    if need not in NEEDS:
        raise ValueError(f"need is None, 'record' or 'manage', not {need!r}")
    if not scope_for(user).contains_path(path, NEEDS[need]):
        if need == "manage":
            raise ActionForbidden(_("This needs the office role of %(unit)s.") % {"unit": what})
        raise ActionForbidden(_("You may not record for %(unit)s.") % {"unit": what})


def require_record(user, unit: Unit) -> None:
    """Actions call this before recording for a unit: 403 without a recording role there."""
    require(user, unit.path, "record", unit.name)


def require_record_below(user, unit: Unit, above: Unit) -> None:
    """403 unless the user records for `unit` through a role held below `above` (Scope.can_record_below)."""
    if not scope_for(user).can_record_below(unit, above):
        raise ActionForbidden(
            _("Only %(unit)s itself may do this, not %(above)s or the units above it.")
            % {"unit": unit.name, "above": above.name}
        )


def require_manage(user, unit: Unit) -> None:
    """Actions call this before an office's decision (verify, review): 403 without the office role."""
    require(user, unit.path, "manage", unit.name)


def _scoped_first(user, queryset: QuerySet, path_field: str, need: str | None):
    related = _related(path_field)
    if related:
        queryset = queryset.select_related(related)
    obj = scope_for(user).filter(queryset, path_field).first()
    if obj is None:
        raise Http404("No such object")
    if need is not None:
        unit = _path_of(obj, related) if related else obj
        require(user, unit.path, need, unit.name)
    return obj


def get_scoped_or_404(user, queryset: QuerySet, pk, path_field: str, *, need: str | None = None):
    """The row with this pk if its unit lies in the user's scope, else 404; with need="record" or
    "manage", 403 when the user reaches the row but lacks the role. Every scoped lookup ends here."""
    return _scoped_first(user, queryset.filter(pk=pk), path_field, need)


def get_unit_for_user(user, code: str, *, need: str | None = None) -> Unit:
    """The unit with this code if the user may see it (404) and holds the role `need` asks (403). With the
    scope, when it is not read yet, in the same statement (_unit_with_grants)."""
    if user is None or not user.is_authenticated:
        raise Http404("No such object")
    unit = _unit_with_grants(user, code)
    if unit is None or not scope_for(user).contains(unit):
        raise Http404("No such object")
    if need is not None:
        require(user, unit.path, need, unit.name)
    return unit
