"""Completion figures: per cadre and per venue unit. Leadership first (先学一步) compares study with
research, so it lives above both strands, in chuxin/dashboards/leadership.py."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F

from chuxin.orgs.models import CommitteeMember, Person, Unit, ancestor_paths, subtree_q, subtrees_q

from .models import DONE_STATUSES, Attendance, Meeting, MeetingKind


def required_people(meeting: Meeting, unit: Unit | None = None):
    """People required at the meeting: active, at or above its rank, inside the organiser (or `unit`)."""
    root = unit or meeting.unit
    return Person.objects.filter(
        subtree_q(root.path, "home_unit__path"), is_active=True, rank__gte=meeting.required_rank
    )


def cadre_completion(people, campaign=None) -> dict[int, tuple[int, int]]:
    """person id -> (study sessions attended or made up, study sessions required)."""
    people = list(people)
    if not people:
        return {}
    paths = {p for person in people for p in ancestor_paths(person.home_unit.path)}
    meetings = Meeting.objects.filter(kind=MeetingKind.STUDY_SESSION, unit__path__in=paths)
    if campaign is not None:
        meetings = meetings.filter(campaign=campaign)
    by_path = defaultdict(list)
    for m_id, path, rank in meetings.values_list("pk", "unit__path", "required_rank"):
        by_path[path].append((m_id, rank))
    # Only attendance at the meetings found above can count: ask for exactly those (the unique
    # (meeting, person) index), not for every study session the people ever attended.
    meeting_ids = [m_id for found in by_path.values() for m_id, _rank in found]
    done = set(
        Attendance.objects.filter(
            person__in=[p.pk for p in people], meeting_id__in=meeting_ids, status__in=DONE_STATUSES
        ).values_list("person_id", "meeting_id")
    )
    out = {}
    for person in people:
        required = [
            m_id
            for path in ancestor_paths(person.home_unit.path)
            for m_id, rank in by_path.get(path, ())
            if person.rank >= rank
        ]
        out[person.pk] = (sum(1 for m in required if (person.pk, m) in done), len(required))
    return out


def _seats(unit_ids):
    seats = CommitteeMember.objects.order_by()
    return seats if unit_ids is None else seats.filter(unit_id__in=list(unit_ids))


def organs_required(unit_ids, campaign_ids) -> dict[tuple[int, int], int]:
    """(unit id, campaign id) -> the study sessions required of the members of the unit's leading organ,
    summed over its seats: cadre_completion()'s second figure. The recount of the organ tally
    study.organ_required (unit_ids None: every organ), over the sessions already added to it
    (`Meeting.organs_counted`); a few queries for any number of organs."""
    seats = list(_seats(unit_ids).values_list("unit_id", "person__rank", "person__home_unit__path"))
    if not seats or not campaign_ids:
        return {}
    # the sessions whose share was added (a session near the root is added by a background task, actions.py)
    sessions = Meeting.objects.filter(
        kind=MeetingKind.STUDY_SESSION, campaign_id__in=list(campaign_ids), organs_counted=True
    )
    paths = {p for _u, _r, home in seats for p in ancestor_paths(home)}
    if unit_ids is not None and len(paths) <= 5000:
        sessions = sessions.filter(unit__path__in=paths)
    at = defaultdict(list)  # unit path -> [(campaign id, required rank, sessions)]
    for path, cid, rank, n in (
        sessions.order_by().values_list("unit__path", "campaign_id", "required_rank").annotate(n=Count("pk"))
    ):
        at[path].append((cid, rank, n))
    needs: dict[tuple[str, int], dict[int, int]] = {}  # (home path, rank) -> {campaign id: sessions}
    out: dict[tuple[int, int], int] = defaultdict(int)
    for unit_id, rank, home in seats:
        need = needs.get((home, rank))
        if need is None:
            need = needs[home, rank] = defaultdict(int)
            for p in ancestor_paths(home):
                for cid, needed, n in at.get(p, ()):
                    if needed <= rank:
                        need[cid] += n
        for cid, n in need.items():
            out[unit_id, cid] += n
    return dict(out)


def organs_done(unit_ids, campaign_ids) -> dict[tuple[int, int], int]:
    """(unit id, campaign id) -> the required study sessions the members of the unit's leading organ
    attended or made up, summed over its seats: cadre_completion()'s first figure. The recount of the organ
    tally study.organ_done; two queries for any number of organs."""
    if not campaign_ids:
        return {}
    seats = _seats(unit_ids)
    done = (
        Attendance.objects.filter(
            person__in=seats.values("person_id"),
            status__in=DONE_STATUSES,
            meeting__kind=MeetingKind.STUDY_SESSION,
            meeting__campaign_id__in=list(campaign_ids),
            meeting__required_rank__lte=F("person__rank"),
            person__home_unit__path__startswith=F("meeting__unit__path"),
        )
        .order_by()
        .values_list("person_id", "meeting__campaign_id")
        .annotate(n=Count("pk"))
    )
    by_person = defaultdict(list)
    for person_id, cid, n in done:
        by_person[person_id].append((cid, n))
    out: dict[tuple[int, int], int] = defaultdict(int)
    if by_person:
        for unit_id, person_id in seats.values_list("unit_id", "person_id"):
            for cid, n in by_person.get(person_id, ()):
                out[unit_id, cid] += n
    return dict(out)


def share(done: int, required: int) -> float | None:
    return done / required if required else None


def pct(value: float | None) -> int | None:
    """A share as a whole percentage, for display; None stays None (nothing was required)."""
    return None if value is None else round(value * 100)


def _venue_people_qs(meeting: Meeting, venue, venues):
    """Required people whose nearest venue is `venue`: its subtree minus the subtrees of deeper venues."""
    deeper = [v.unit.path for v in venues if v.pk != venue.pk and v.unit.path.startswith(venue.unit.path)]
    qs = required_people(meeting, venue.unit)
    if deeper:
        qs = qs.exclude(subtrees_q(deeper, "home_unit__path"))
    return qs


def venue_completion(meeting: Meeting) -> list[dict]:
    """Per venue unit: (present + made up) / required people whose nearest venue it is."""
    venues = list(meeting.venues.select_related("unit"))
    counts = defaultdict(lambda: defaultdict(int))
    for venue_id, status, n in (
        Attendance.objects.filter(meeting=meeting)
        .order_by()
        .values_list("venue_id", "status")
        .annotate(n=Count("id"))
    ):
        counts[venue_id][status] = n
    rows = []
    for v in venues:
        c = counts[v.pk]
        done = c.get("present", 0) + c.get("made_up", 0)
        need = _venue_people_qs(meeting, v, venues).count()
        rows.append(
            {
                "venue": v,
                "present": c.get("present", 0),
                "absent": c.get("absent", 0),
                "made_up": c.get("made_up", 0),
                "required": need,
                "share": share(done, need),
                "pct": pct(share(done, need)),
            }
        )
    return rows


def venue_people(meeting: Meeting, venue):
    """The required people whose nearest venue is this one, ordered by unit and rank (a queryset)."""
    venues = list(meeting.venues.select_related("unit"))
    return (
        _venue_people_qs(meeting, venue, venues)
        .select_related("home_unit")
        .order_by("home_unit__path", "-rank", "pk")
    )
