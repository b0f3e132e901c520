from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "chuxin.opinions"
    label = "opinions"

    def ready(self):
        from chuxin.reminders.digest import collectors

        from .reminders import overdue_answer_events

        collectors.append(overdue_answer_events)
