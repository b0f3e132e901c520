"""Excel 台账 routes (export, template, import); see ledger_xlsx.py and xlsx_views.py."""

urlpatterns: list = []
