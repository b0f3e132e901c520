"""Every change to meetings goes through here: validation, the change, the audit entry, one transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import date as date_type

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record, snapshot
from chuxin.campaigns.actions import ensure_open, ensure_open_id
from chuxin.core.errors import ActionError
from chuxin.orgs.models import CommitteeMember, Person, Rank, Unit, subtree_q
from chuxin.orgs.scope import require_record, scope_for
from chuxin.problems.actions import do_record_problem
from chuxin.rollups import tallies

from .models import (
    DONE_STATUSES,
    LIFE_MEETINGS,
    Attendance,
    AttendanceStatus,
    CriticismItem,
    CriticismKind,
    Meeting,
    MeetingKind,
    StudyKind,
    TopicKind,
    Venue,
)

# Sent inside the creating transaction, so that strand counters (chuxin.examine) count life meetings.
meeting_created = Signal()


def _in_subtree(unit: Unit, root: Unit) -> bool:
    return unit.path.startswith(root.path)


def do_create_meeting(
    *,
    acting_user,
    campaign,
    unit: Unit,
    kind: str,
    title: str,
    date: date_type,
    place: str = "",
    speaker: str = "",
    materials: str = "",
    minutes: str = "",
    study_kind: str = "",
    topic_kind: str = "",
    required_rank: int | None = None,
) -> Meeting:
    require_record(acting_user, unit)
    ensure_open(campaign)
    title = (title or "").strip()
    if not title:
        raise ActionError(_("A meeting needs a title."))
    if kind not in MeetingKind.values:
        raise ActionError(_("Unknown meeting kind: %(kind)s") % {"kind": kind})
    if date is None:
        raise ActionError(_("A meeting needs a date."))
    if kind == MeetingKind.STUDY_SESSION:
        if study_kind not in StudyKind.values:
            raise ActionError(
                _("A study session needs its form (special-topic study, reading class, party lecture).")
            )
    else:
        study_kind = ""
    if topic_kind and topic_kind not in TopicKind.values:
        raise ActionError(_("Unknown education topic: %(kind)s") % {"kind": topic_kind})
    if required_rank is None:
        required_rank = campaign.focus_rank
    if required_rank not in Rank.values:
        raise ActionError(_("Unknown rank: %(rank)s") % {"rank": required_rank})
    # near the root a session reaches up to every organ of the tree (seconds at 100 000 units): a background
    # task adds its share of the organ tallies; until then the organs' pages say their figures are being
    # updated (tallies and recount agree meanwhile: neither counts the session yet)
    deferred = kind == MeetingKind.STUDY_SESSION and unit.depth <= settings.ORGAN_TALLY_DEFER_DEPTH
    with transaction.atomic():
        meeting = Meeting.objects.create(
            organs_counted=not deferred,
            campaign=campaign,
            unit=unit,
            kind=kind,
            study_kind=study_kind,
            topic_kind=topic_kind or "",
            title=title,
            date=date,
            place=(place or "").strip(),
            speaker=(speaker or "").strip(),
            materials=materials or "",
            minutes=minutes or "",
            required_rank=required_rank,
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        Venue.objects.create(meeting=meeting, unit=unit, is_main=True, place=meeting.place)
        tallies.add(  # roll-ups before audit, as in every action
            unit, campaign.pk, {"study.meetings": 1, "study.sessions": int(kind == MeetingKind.STUDY_SESSION)}
        )
        if kind == MeetingKind.STUDY_SESSION:
            if meeting.organs_counted:
                add_session_to_organs(meeting)
        record(acting_user, AuditEvent.MEETING_CREATE, meeting, None, snapshot(meeting))
        meeting_created.send(Meeting, meeting=meeting)
        if not meeting.organs_counted:
            _enqueue_in_transaction(meeting.pk)
    return meeting


def add_session_to_organs(meeting: Meeting) -> None:
    """A study session's share of the organ tallies: one required session for every organ seat of a member
    homed below its unit at or above its rank — one statement, however many organs."""
    tallies.add_to_organs(
        "study.organ_required",
        meeting.campaign_id,
        CommitteeMember.objects.filter(
            subtree_q(meeting.unit.path, "person__home_unit__path"), person__rank__gte=meeting.required_rank
        ),
    )


def count_session_organs(meeting_id: int) -> bool:
    """Add a deferred study session's share to the organ tallies, once (the task may run twice: a worker
    killed after the commit is run again): the session's row is locked and its flag checked and set in the
    same transaction. False when there was nothing to do (already counted, or the session is gone)."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None or meeting.organs_counted:
            return False
        add_session_to_organs(meeting)
        Meeting.objects.filter(pk=meeting.pk).update(organs_counted=True)
        meeting.organs_counted = True
    return True


def count_pending_sessions(campaign_id: int | None = None, **_signal) -> int:
    """Add every session still waiting for its organ task (its queue message lost: a broker down or a crash
    between the commit and the enqueue) to the organ tallies; run by the daily snapshot
    (rollups/snapshots.py `before_snapshot`). Safe beside a task that runs at the same time: each session is
    counted once (`count_session_organs`). Returns how many it added."""
    pending = Meeting.objects.filter(organs_counted=False)
    if campaign_id is not None:
        pending = pending.filter(campaign_id=campaign_id)
    return sum(count_session_organs(pk) for pk in pending.order_by("pk").values_list("pk", flat=True))


def _enqueue_in_transaction(meeting_id: int) -> None:
    """Queue the organ task. The database backend queues it in this transaction (the task exists exactly when
    the session does) and the immediate backend runs it here; a broker outside the database (RQ) gets it once
    the session is committed, so that its worker finds the session; if the broker cannot be reached then, the
    session stays saved (the error is logged, the user's request succeeds) and the daily snapshot counts it
    (`count_pending_sessions`)."""
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks_db import DatabaseBackend

    from .tasks import count_session_organs_task

    if isinstance(count_session_organs_task.get_backend(), DatabaseBackend | ImmediateBackend):
        count_session_organs_task.enqueue(meeting_id)
    else:
        transaction.on_commit(lambda: count_session_organs_task.enqueue(meeting_id), robust=True)


def do_update_minutes(meeting: Meeting, minutes: str, *, acting_user) -> Meeting:
    require_record(acting_user, meeting.unit)
    ensure_open_id(meeting.campaign_id)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = snapshot(locked)
        locked.minutes = minutes or ""
        locked.save(update_fields=["minutes"])
        record(acting_user, AuditEvent.MEETING_CHANGE, locked, before, snapshot(locked))
    return locked


def do_add_venue(meeting: Meeting, unit: Unit, place: str = "", *, acting_user) -> Venue:
    """A sub-venue (分会场): a unit inside the organiser's subtree, once per meeting."""
    require_record(acting_user, meeting.unit)
    ensure_open_id(meeting.campaign_id)
    if unit is None:
        raise ActionError(_("Choose the unit of the sub-venue."))
    if not _in_subtree(unit, meeting.unit) or not scope_for(acting_user).contains(unit):
        raise ActionError(
            _("%(unit)s is not inside %(organiser)s: a sub-venue must be a unit under the organiser.")
            % {"unit": unit.name, "organiser": meeting.unit.name}
        )
    if meeting.venues.filter(unit=unit).exists():
        raise ActionError(_("%(unit)s is already a venue of this meeting.") % {"unit": unit.name})
    with transaction.atomic():
        venue = Venue.objects.create(meeting=meeting, unit=unit, is_main=False, place=(place or "").strip())
        record(acting_user, AuditEvent.VENUE_CREATE, venue, None, snapshot(venue))
    return venue


def _check_row(meeting: Meeting, venue: Venue, person: Person, status: str, note: str) -> None:
    if venue.meeting_id != meeting.pk:
        raise ActionError(_("That venue belongs to another meeting."))
    if not _in_subtree(person.home_unit, meeting.unit):
        raise ActionError(
            _("%(person)s is not inside %(organiser)s and cannot attend this meeting.")
            % {"person": person.name, "organiser": meeting.unit.name}
        )
    if status not in AttendanceStatus.values:
        raise ActionError(_("Unknown attendance status: %(status)s") % {"status": status})
    if status == AttendanceStatus.ABSENT and not (note or "").strip():
        raise ActionError(_("Give the reason why %(person)s was absent.") % {"person": person.name})


def _attendance_tallies(meeting: Meeting, rows) -> None:
    """Roll-ups of attendance: rows of (venue unit, done, sign, person) for each row that stops (-1) or starts
    (+1) counting at a venue; summed per unit, then one `tallies.add` per unit touched. A study session
    attended or made up also counts for the organs on which the person sits, when it was required of the
    person (at or above its rank, homed below the organiser): one statement for the people who gained one,
    one for those who lost one."""
    per_unit: dict[int, list] = {}
    per_person: dict[Person, int] = defaultdict(int)
    for unit, done, sign, person in rows:
        entry = per_unit.setdefault(unit.pk, [unit, 0, 0])
        entry[1] += sign
        entry[2] += sign * int(done)
        per_person[person] += sign * int(done)
    for unit, n, done in per_unit.values():
        tallies.add(unit, meeting.campaign_id, {"study.attendance": n, "study.attendance_done": done})
    if meeting.kind != MeetingKind.STUDY_SESSION:
        return
    for sign in (1, -1):
        people = [p.pk for p, d in per_person.items() if d == sign]
        if people:  # (rank and home as stored, as the recount reads them)
            seats = CommitteeMember.objects.filter(
                subtree_q(meeting.unit.path, "person__home_unit__path"),
                person_id__in=people,
                person__rank__gte=meeting.required_rank,
            )
            tallies.add_to_organs("study.organ_done", meeting.campaign_id, seats, sign)


def do_mark_attendance(
    meeting: Meeting, venue: Venue, person: Person, status: str, note: str = "", *, acting_user
) -> Attendance:
    require_record(acting_user, meeting.unit)
    ensure_open_id(meeting.campaign_id)
    _check_row(meeting, venue, person, status, note)
    with transaction.atomic():
        existing = (
            Attendance.objects.select_for_update()
            .select_related("venue__unit")
            .filter(meeting=meeting, person=person)
            .first()
        )
        before = snapshot(existing) if existing else None
        changes = []
        if existing is None:
            existing = Attendance(meeting=meeting, person=person)
        else:
            changes.append((existing.venue.unit, existing.status in DONE_STATUSES, -1, person))
        existing.venue = venue
        existing.status = status
        existing.note = (note or "").strip()[:200]
        existing.save()
        changes.append((venue.unit, status in DONE_STATUSES, 1, person))
        _attendance_tallies(meeting, changes)  # roll-ups before audit, as in every action
        record(
            acting_user,
            AuditEvent.ATTENDANCE_CHANGE if before else AuditEvent.ATTENDANCE_CREATE,
            existing,
            before,
            snapshot(existing),
        )
    return existing


def do_bulk_attendance(meeting: Meeting, venue: Venue, rows, *, acting_user) -> dict:
    """Mark many people at once: rows of (person, status, note). All or nothing, one transaction.

    Rows with an empty status are skipped. Returns counts {"created": n, "updated": m}.
    """
    require_record(acting_user, meeting.unit)
    ensure_open_id(meeting.campaign_id)
    rows = [(p, s, (n or "").strip()[:200]) for p, s, n in rows if s]
    errors = []
    for person, status, note in rows:
        try:
            _check_row(meeting, venue, person, status, note)
        except ActionError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ActionError(errors[:20])
    with transaction.atomic():
        existing = {
            a.person_id: a
            for a in Attendance.objects.select_for_update()
            .select_related("venue__unit")
            .filter(meeting=meeting, person_id__in=[p.pk for p, _s, _n in rows])
        }
        to_create, to_update, before, after, changes = [], [], {}, {}, []
        for person, status, note in rows:
            a = existing.get(person.pk)
            if a is None:
                to_create.append(
                    Attendance(meeting=meeting, venue=venue, person=person, status=status, note=note)
                )
                changes.append((venue.unit, status in DONE_STATUSES, 1, person))
            elif (a.status, a.note, a.venue_id) != (status, note, venue.pk):
                before[person.pk] = [a.status, a.note]
                changes.append((a.venue.unit, a.status in DONE_STATUSES, -1, person))
                changes.append((venue.unit, status in DONE_STATUSES, 1, person))
                a.status, a.note, a.venue = status, note, venue
                to_update.append(a)
            else:
                continue
            after[person.pk] = [status, note]
        Attendance.objects.bulk_create(to_create, batch_size=500)
        Attendance.objects.bulk_update(to_update, ["status", "note", "venue"], batch_size=500)
        _attendance_tallies(meeting, changes)
        record(
            acting_user,
            AuditEvent.ATTENDANCE_BULK,
            meeting,
            {"venue": venue.pk, "rows": before},
            {"venue": venue.pk, "rows": after},
        )
    return {"created": len(to_create), "updated": len(to_update)}


def do_add_criticism(meeting: Meeting, person: Person, kind: str, text: str, *, acting_user) -> CriticismItem:
    require_record(acting_user, meeting.unit)
    ensure_open_id(meeting.campaign_id)
    if meeting.kind not in LIFE_MEETINGS:
        raise ActionError(
            _("Criticism and self-criticism belong to a democratic or organisational life meeting.")
        )
    if person is None or not _in_subtree(person.home_unit, meeting.unit):
        raise ActionError(_("That person is not inside the organising unit."))
    if kind not in CriticismKind.values:
        raise ActionError(_("Unknown kind: %(kind)s") % {"kind": kind})
    if not (text or "").strip():
        raise ActionError(_("Write down what was said."))
    with transaction.atomic():
        item = CriticismItem.objects.create(meeting=meeting, person=person, kind=kind, text=text.strip())
        record(acting_user, AuditEvent.CRITICISM_CREATE, item, None, snapshot(item))
    return item


def do_criticism_to_problem(item: CriticismItem, title: str = "", *, acting_user):
    """Hand one criticism item into the problem list (source: democratic life meeting), once."""
    meeting = item.meeting
    require_record(acting_user, meeting.unit)
    ensure_open_id(meeting.campaign_id)
    with transaction.atomic():
        locked = CriticismItem.objects.select_for_update().get(pk=item.pk)
        if locked.problem_id:
            raise ActionError(_("This item is already in the problem list."))
        text = (title or locked.text).strip()
        problem = do_record_problem(
            campaign=meeting.campaign,
            unit=meeting.unit,
            title=text[:200],
            description=locked.text,
            source="org_life" if meeting.kind == MeetingKind.ORG_LIFE else "dlm",
            responsible_leader=locked.person,
            acting_user=acting_user,
        )
        before = snapshot(locked)
        locked.problem = problem
        locked.save(update_fields=["problem"])
        record(acting_user, AuditEvent.CRITICISM_TO_PROBLEM, locked, before, snapshot(locked))
    return problem
