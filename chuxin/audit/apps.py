from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "chuxin.audit"
    label = "audit"

    def ready(self):
        from . import security

        security.connect()
