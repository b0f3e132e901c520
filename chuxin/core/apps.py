from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chuxin.core"
    label = "core"
