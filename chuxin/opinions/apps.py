from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "chuxin.opinions"
    label = "opinions"

    def ready(self):
        from chuxin.reminders.digest import collectors
        from chuxin.rollups import tallies

        from .models import Opinion
        from .reminders import overdue_answer_events

        collectors.append(overdue_answer_events)
        # 回应关切 as roll-ups: opinions that carry a contact (they are owed an answer) and those answered,
        # counted at the unit responsible now (the evaluation reads them: chuxin/evaluation).
        owed = lambda: Opinion.objects.filter(has_contact=True)  # noqa: E731
        tallies.declare("opinions.owed_answer", owed, unit="handling_unit")
        tallies.declare("opinions.answered", lambda: owed().exclude(answered_at=None), unit="handling_unit")
