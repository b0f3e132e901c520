from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "chuxin.reminders"
    label = "reminders"
