from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "chuxin.research"
    label = "research"
