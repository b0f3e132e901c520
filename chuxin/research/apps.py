from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "chuxin.research"
    label = "research"

    def ready(self):
        # The research strand's roll-ups (the pattern every strand follows: chuxin/rollups/tallies.py).
        from chuxin.rollups import tallies

        from .models import SUBMITTED_STATUSES, Report, Topic
        from .organs import KEY, organs_reporters

        tallies.declare("research.topics", lambda: Topic.objects.all())
        tallies.declare(
            "research.reports",
            lambda: Report.objects.filter(status__in=SUBMITTED_STATUSES),
            unit="topic__unit",
            campaign="topic__campaign",
        )
        # The leading organs' research (先学一步): per unit, its committee members who reported
        tallies.declare_organ(KEY, organs_reporters)
