from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.burden_meter, name="burden_meter"),
    path("units/<str:code>/new/", views.burden_request_create, name="burden_request_create"),
    path("requests/<int:request_id>/", views.burden_request_detail, name="burden_request_detail"),
    path(
        "requests/<int:request_id>/withdraw/", views.burden_request_withdraw, name="burden_request_withdraw"
    ),
    path("receipts/<int:receipt_id>/answer/", views.burden_receipt_answer, name="burden_receipt_answer"),
]
