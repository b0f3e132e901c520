from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chuxin.cases"
    label = "cases"
    verbose_name = "典型案例"
