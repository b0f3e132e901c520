from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "chuxin.dashboards"
    label = "dashboards"
