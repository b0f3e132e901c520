from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "chuxin.documents"
    verbose_name = "Documents"
