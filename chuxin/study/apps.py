from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "chuxin.study"
    label = "study"
