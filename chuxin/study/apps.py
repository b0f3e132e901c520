from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "chuxin.study"
    label = "study"

    def ready(self):
        # The study strand's roll-ups (the pattern every strand follows: chuxin/rollups/tallies.py).
        from chuxin.rollups import tallies
        from chuxin.rollups.snapshots import before_snapshot

        from .actions import count_pending_sessions
        from .completion import organs_done, organs_required
        from .models import DONE_STATUSES, Attendance, Meeting, MeetingKind

        tallies.declare("study.meetings", lambda: Meeting.objects.all())
        tallies.declare("study.sessions", lambda: Meeting.objects.filter(kind=MeetingKind.STUDY_SESSION))
        # Attendance recorded at a venue, and how much of it was present or made up: the study completion
        # the evaluation reads (chuxin/evaluation). Counted at the venue's unit, where the people attended.
        attendance = {"unit": "venue__unit", "campaign": "meeting__campaign"}
        tallies.declare("study.attendance", lambda: Attendance.objects.all(), **attendance)
        tallies.declare(
            "study.attendance_done", lambda: Attendance.objects.filter(status__in=DONE_STATUSES), **attendance
        )
        # The leading organs' study (先学一步): per unit, the sessions required of its committee members and
        # those they attended or made up, summed over the seats (the organ tallies of tallies.py)
        tallies.declare_organ("study.organ_required", organs_required)
        tallies.declare_organ("study.organ_done", organs_done)
        # sessions whose organ task was lost are counted by the daily snapshot
        before_snapshot.connect(count_pending_sessions, dispatch_uid="study.pending_sessions", weak=False)
