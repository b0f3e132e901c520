"""Scoped fetches for ledger objects: everything is reached through its unit and the user's scope."""

from django.http import Http404

from chuxin.orgs.scope import scope_for

from .models import Evidence, Problem, RectificationItem, Stage


def items_for_user(user):
    return scope_for(user).filter(RectificationItem.objects.all(), "unit__path")


def problems_for_user(user):
    return scope_for(user).filter(Problem.objects.all(), "unit__path")


def get_problem_for_user(user, problem_id: int) -> Problem:
    problem = (
        problems_for_user(user)
        .select_related("unit", "campaign", "domain", "responsible_leader")
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise Http404("No such problem")
    return problem


def get_item_for_user(user, item_id: int) -> RectificationItem:
    item = (
        items_for_user(user)
        .select_related("unit", "problem", "responsible_person", "responsible_leader", "claimed_by")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise Http404("No such item")
    return item


def get_stage_for_user(user, stage_id: int) -> Stage:
    stage = (
        scope_for(user)
        .filter(Stage.objects.select_related("item__unit"), "item__unit__path")
        .filter(pk=stage_id)
        .first()
    )
    if stage is None:
        raise Http404("No such stage")
    return stage


def get_evidence_for_user(user, evidence_id: int) -> Evidence:
    ev = (
        scope_for(user)
        .filter(Evidence.objects.select_related("blob", "item"), "item__unit__path")
        .filter(pk=evidence_id)
        .first()
    )
    if ev is None:
        raise Http404("No such file")
    return ev
