"""Excel 台账 routes (export, template, import, refused rows); see ledger/ and xlsx_views.py."""

from django.urls import path

from . import xlsx_views

urlpatterns = [
    path("units/<str:code>/ledger.xlsx", xlsx_views.ledger_export, name="ledger_export"),
    path("template.xlsx", xlsx_views.ledger_template, name="ledger_template"),
    path("units/<str:code>/import/", xlsx_views.ledger_import, name="ledger_import"),
    path(
        "units/<str:code>/import/refused.xlsx", xlsx_views.ledger_import_refused, name="ledger_import_refused"
    ),
]
