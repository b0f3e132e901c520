"""Scoped fetches for research: reached through the topic's unit and the user's scope."""

from chuxin.orgs.scope import get_scoped_or_404, scope_for

from .models import Topic


def topics_for_user(user):
    return scope_for(user).filter(Topic.objects.all(), "unit__path")


def get_topic_for_user(user, topic_id: int, need: str | None = None) -> Topic:
    qs = Topic.objects.select_related("campaign", "cadre")
    return get_scoped_or_404(user, qs, topic_id, "unit__path", need=need)
