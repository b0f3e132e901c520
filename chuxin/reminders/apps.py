from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "chuxin.reminders"
    label = "reminders"

    def ready(self):
        from . import receivers

        receivers.connect()
