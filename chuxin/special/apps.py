from django.apps import AppConfig


class SpecialConfig(AppConfig):
    name = "chuxin.special"
    label = "special"
    verbose_name = "专项整治"
