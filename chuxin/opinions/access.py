"""Scoped fetches for opinions, and the one rule for who sees a submitter's contact.

An opinion is reached through the unit that heard it or the unit now responsible for it. Its contact
(name, phone) is shown only to the office of the unit that heard it — the office role held at that very
unit, not above it — and masked for everyone else (138****5678). An anonymous opinion has no contact
stored at all, so no page, export or log can show one.
"""

from django.http import Http404

from chuxin.orgs.models import Role
from chuxin.orgs.scope import scope_for

from .abuse import mask_name, mask_phone
from .models import Opinion, OpinionGroup


def opinions_for_user(user):
    scope = scope_for(user)
    base = Opinion.objects.all()
    if scope.is_all:
        return base
    return scope.filter(base, "unit__path") | scope.filter(base, "handling_unit__path")


def get_opinion_for_user(user, opinion_id: int) -> Opinion:
    op = (
        opinions_for_user(user)
        .select_related("unit", "handling_unit", "campaign", "problem", "group")
        .filter(pk=opinion_id)
        .first()
    )
    if op is None:
        raise Http404("No such opinion")
    return op


def get_group_for_user(user, group_id: int) -> OpinionGroup:
    group = (
        scope_for(user)
        .filter(OpinionGroup.objects.select_related("unit", "campaign", "problem"), "unit__path")
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        raise Http404("No such group")
    return group


def sees_contacts_of(user, unit) -> bool:
    """The office role held at this very unit."""
    return any(role == Role.OFFICE and path == unit.path for role, path in scope_for(user).grants)


def contact_for(user, opinion: Opinion, office_units: set[int] | None = None) -> dict:
    """What of the contact this user may see: {"name", "phone", "masked": bool}; empty when anonymous."""
    if not opinion.has_contact:
        return {"name": "", "phone": "", "masked": False, "anonymous": True}
    full = (
        opinion.unit_id in office_units if office_units is not None else sees_contacts_of(user, opinion.unit)
    )
    if full:
        return {
            "name": opinion.contact_name,
            "phone": opinion.contact_phone,
            "masked": False,
            "anonymous": False,
        }
    return {
        "name": mask_name(opinion.contact_name),
        "phone": mask_phone(opinion.contact_phone),
        "masked": True,
        "anonymous": False,
    }


def office_unit_ids(user) -> set[int]:
    """Units whose office this user holds (for list pages: one query, then contact_for per row)."""
    from chuxin.orgs.models import RoleAssignment

    if not user.is_authenticated:
        return set()
    return set(
        RoleAssignment.objects.filter(
            person__user=user, person__is_active=True, role=Role.OFFICE
        ).values_list("unit_id", flat=True)
    )
