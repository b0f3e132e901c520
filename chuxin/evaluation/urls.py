from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.unit_evaluation, name="evaluation_unit"),
    path("units/<str:code>/rate/", views.rate_unit, name="evaluation_rate"),
    path("units/<str:code>/survey-poster.<str:fmt>", views.survey_poster, name="evaluation_poster"),
    path("campaigns/<int:campaign_id>/scheme/", views.scheme_edit, name="evaluation_scheme"),
]
