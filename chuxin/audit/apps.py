from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "chuxin.audit"
    label = "audit"

    def ready(self):
        from . import admin_log, security

        security.connect()
        admin_log.connect()
