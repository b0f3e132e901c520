"""Scoped fetches for research: reached through the topic's unit and the user's scope."""

from django.http import Http404

from chuxin.orgs.scope import scope_for

from .models import Topic


def topics_for_user(user):
    return scope_for(user).filter(Topic.objects.all(), "unit__path")


def get_topic_for_user(user, topic_id: int) -> Topic:
    topic = topics_for_user(user).select_related("unit", "campaign", "cadre").filter(pk=topic_id).first()
    if topic is None:
        raise Http404("No such topic")
    return topic
