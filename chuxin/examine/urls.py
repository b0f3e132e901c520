from django.urls import path

from . import views

urlpatterns = [
    path("", views.examine_index, name="examine_index"),
    path("units/<str:code>/", views.examine_unit, name="examine_unit"),
    path("units/<str:code>/open/", views.examine_open, name="examine_open"),
    path("checklists/<int:checklist_id>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:checklist_id>/<str:verb>/", views.checklist_action, name="checklist_action"),
    path("materials/<int:material_id>/", views.material_detail, name="material_detail"),
    path("materials/<int:material_id>/material.docx", views.material_export, name="material_export"),
    path("materials/<int:material_id>/<str:verb>/", views.material_action, name="material_action"),
]
