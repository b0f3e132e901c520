from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "chuxin.problems"
    label = "problems"
