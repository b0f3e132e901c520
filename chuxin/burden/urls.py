from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.burden_meter, name="burden_meter"),
    path("units/<str:code>/new/", views.burden_request_create, name="burden_request_create"),
    path("requests/<int:request_id>/", views.burden_request_detail, name="burden_request_detail"),
]
