from django.urls import path

from . import views

urlpatterns = [
    path("", views.group_list, name="supervision_groups"),
    path("groups/<int:group_id>/", views.group_detail, name="supervision_group"),
    path("groups/<int:group_id>/visits/new/", views.visit_create, name="supervision_visit_create"),
    path("groups/<int:group_id>/report.docx", views.group_report, name="supervision_group_report"),
    path("visits/<int:visit_id>/", views.visit_detail, name="supervision_visit"),
    path("visits/<int:visit_id>/log/", views.visit_log, name="supervision_visit_log"),
    path("visits/<int:visit_id>/findings/", views.finding_create, name="supervision_finding_create"),
]
