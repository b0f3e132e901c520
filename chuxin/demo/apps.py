from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "chuxin.demo"
    label = "demo"
