from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "chuxin.study"
    label = "study"

    def ready(self):
        # The study strand's roll-ups (the pattern every strand follows: chuxin/rollups/tallies.py).
        from chuxin.rollups import tallies

        from .models import Meeting, MeetingKind

        tallies.declare("study.meetings", lambda: Meeting.objects.all())
        tallies.declare("study.sessions", lambda: Meeting.objects.filter(kind=MeetingKind.STUDY_SESSION))
