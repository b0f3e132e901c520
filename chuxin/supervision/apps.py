from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "chuxin.supervision"
    label = "supervision"
    verbose_name = "督促指导"
