"""Scoped fetches for meetings: reached through the organiser unit and the user's scope."""

from django.http import Http404

from chuxin.orgs.scope import get_scoped_or_404, scope_for

from .models import CriticismItem, Meeting, Venue


def meetings_for_user(user):
    return scope_for(user).filter(Meeting.objects.all(), "unit__path")


def get_meeting_for_user(user, meeting_id: int, need: str | None = None) -> Meeting:
    qs = Meeting.objects.select_related("campaign")
    return get_scoped_or_404(user, qs, meeting_id, "unit__path", need=need)


def get_venue_for_user(user, meeting_id: int, venue_id: int, need: str | None = None) -> Venue:
    meeting = get_meeting_for_user(user, meeting_id, need=need)
    venue = meeting.venues.select_related("unit").filter(pk=venue_id).first()
    if venue is None:
        raise Http404("No such venue")
    return venue


def get_criticism_for_user(user, criticism_id: int, need: str | None = None) -> CriticismItem:
    qs = CriticismItem.objects.select_related("meeting__campaign", "person")
    return get_scoped_or_404(user, qs, criticism_id, "meeting__unit__path", need=need)
