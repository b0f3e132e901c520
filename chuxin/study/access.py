"""Scoped fetches for meetings: reached through the organiser unit and the user's scope."""

from django.http import Http404

from chuxin.orgs.scope import scope_for

from .models import CriticismItem, Meeting, Venue


def meetings_for_user(user):
    return scope_for(user).filter(Meeting.objects.all(), "unit__path")


def get_meeting_for_user(user, meeting_id: int) -> Meeting:
    meeting = meetings_for_user(user).select_related("unit", "campaign").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No such meeting")
    return meeting


def get_venue_for_user(user, meeting_id: int, venue_id: int) -> Venue:
    meeting = get_meeting_for_user(user, meeting_id)
    venue = meeting.venues.select_related("unit").filter(pk=venue_id).first()
    if venue is None:
        raise Http404("No such venue")
    return venue


def get_criticism_for_user(user, criticism_id: int) -> CriticismItem:
    item = (
        scope_for(user)
        .filter(
            CriticismItem.objects.select_related("meeting__unit", "meeting__campaign", "person"),
            "meeting__unit__path",
        )
        .filter(pk=criticism_id)
        .first()
    )
    if item is None:
        raise Http404("No such item")
    return item
