from django.urls import path

from . import views

urlpatterns = [
    path("", views.research_index, name="research_index"),
    path("units/<str:code>/", views.research_unit, name="research_unit"),
    path("units/<str:code>/topics/new/", views.topic_create, name="topic_create"),
    path("units/<str:code>/exchange/new/", views.exchange_create, name="exchange_create"),
    path("topics/<int:topic_id>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:topic_id>/report/", views.report_edit, name="report_edit"),
    path("topics/<int:topic_id>/<str:verb>/", views.report_action, name="report_action"),
]
