"""Access scoping: the one place that decides which units a user may see and change.

Every view, export, file download and API route fetches through these helpers. A role held at a
unit reaches the unit's whole subtree; outside it the answer is 404 (the object "does not exist"
for this user), inside it without the needed role the answer is 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import MANAGING_ROLES, RECORDING_ROLES, Role, RoleAssignment, Unit, collapse_paths, subtrees_q


@dataclass
class Scope:
    """What one user may reach: (role, unit path) pairs, or everything for a superuser."""

    is_all: bool = False
    grants: list[tuple[str, str]] = field(default_factory=list)  # (role, path)

    def paths(self, roles: Iterable[str] | None = None) -> list[str]:
        wanted = set(roles) if roles is not None else None
        return collapse_paths(p for r, p in self.grants if wanted is None or r in wanted)

    def contains(self, unit: Unit, roles: Iterable[str] | None = None) -> bool:
        if self.is_all:
            return True
        return any(unit.path.startswith(p) for p in self.paths(roles))

    def can_manage(self, unit: Unit) -> bool:
        return self.contains(unit, MANAGING_ROLES)

    def can_record(self, unit: Unit) -> bool:
        return self.contains(unit, RECORDING_ROLES)

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

    @property
    def is_empty(self) -> bool:
        return not self.is_all and not self.grants


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not user.is_authenticated:
        return Scope()
    cached = getattr(user, "_chuxin_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(is_all=True)
    else:
        rows = RoleAssignment.objects.filter(person__user=user, person__is_active=True).values_list(
            "role", "unit__path"
        )
        scope = Scope(grants=list(rows))
    user._chuxin_scope = scope
    return scope


def visible_units(user) -> QuerySet:
    return scope_for(user).units()


def get_unit_for_user(user, code: str, write: bool = False) -> Unit:
    """The unit with this code if the user may see it (and manage it, with write=True)."""
    scope = scope_for(user)
    unit = scope.units().filter(code=code).first()
    if unit is None:
        raise Http404("No such unit")
    if write and not scope.can_manage(unit):
        raise PermissionDenied("Managing this unit needs the office role")
    return unit
