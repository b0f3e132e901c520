"""Scoped fetches for ledger objects: everything is reached through its unit and the user's scope
(404 outside it; with need="record" or "manage", 403 inside it without the role)."""

from chuxin.orgs.scope import get_scoped_or_404, scope_for

from .models import Evidence, ExtensionRequest, Problem, RectificationItem, Stage


def items_for_user(user):
    return scope_for(user).filter(RectificationItem.objects.all(), "unit__path")


def problems_for_user(user):
    return scope_for(user).filter(Problem.objects.all(), "unit__path")


def get_problem_for_user(user, problem_id: int, need: str | None = None) -> Problem:
    qs = Problem.objects.select_related("unit", "campaign", "domain", "responsible_leader")
    return get_scoped_or_404(user, qs, problem_id, "unit__path", need=need)


def get_item_for_user(user, item_id: int, need: str | None = None) -> RectificationItem:
    qs = RectificationItem.objects.select_related(
        "unit", "problem__campaign", "responsible_person", "responsible_leader", "claimed_by"
    )
    return get_scoped_or_404(user, qs, item_id, "unit__path", need=need)


def get_stage_for_user(user, stage_id: int, need: str | None = None) -> Stage:
    return get_scoped_or_404(user, Stage.objects.all(), stage_id, "item__unit__path", need=need)


def get_evidence_for_user(user, evidence_id: int) -> Evidence:
    qs = Evidence.objects.select_related("blob", "item")
    return get_scoped_or_404(user, qs, evidence_id, "item__unit__path")


def get_extension_for_user(user, extension_id: int, need: str | None = None) -> ExtensionRequest:
    qs = ExtensionRequest.objects.select_related("item__unit", "item__problem")
    return get_scoped_or_404(user, qs, extension_id, "item__unit__path", need=need)
