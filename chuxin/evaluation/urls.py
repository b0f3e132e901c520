from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.unit_evaluation, name="evaluation_unit"),
    path("campaigns/<int:campaign_id>/scheme/", views.scheme_edit, name="evaluation_scheme"),
]
