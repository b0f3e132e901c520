"""Scoped fetches: checklists and materials are reached through their unit and the user's scope."""

from django.http import Http404

from chuxin.orgs.scope import scope_for

from .models import Checklist, Material


def get_checklist_for_user(user, checklist_id: int) -> Checklist:
    c = (
        scope_for(user)
        .filter(Checklist.objects.select_related("unit", "person", "campaign"), "unit__path")
        .filter(pk=checklist_id)
        .first()
    )
    if c is None:
        raise Http404("No such checklist")
    return c


def get_material_for_user(user, material_id: int) -> Material:
    m = (
        scope_for(user)
        .filter(Material.objects.select_related("unit", "person", "campaign"), "unit__path")
        .filter(pk=material_id)
        .first()
    )
    if m is None:
        raise Http404("No such material")
    return m
