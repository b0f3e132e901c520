from django.urls import path

from . import views

urlpatterns = [
    path("", views.study_index, name="study_index"),
    path("units/<str:code>/", views.study_unit, name="study_unit"),
    path("units/<str:code>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path(
        "meetings/<int:meeting_id>/venues/<int:venue_id>/attendance/",
        views.attendance_bulk,
        name="attendance_bulk",
    ),
    path("meetings/<int:meeting_id>/<str:verb>/", views.meeting_action, name="meeting_action"),
    path("criticisms/<int:criticism_id>/handoff/", views.criticism_handoff, name="criticism_handoff"),
]
