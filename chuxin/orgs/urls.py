from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_roots, name="unit_roots"),
    path("search/", views.unit_search, name="unit_search"),
    path("<str:code>/", views.unit_detail, name="unit_detail"),
    path("<str:code>/children/", views.unit_children, name="unit_children"),
    path("<str:code>/new/", views.unit_create, name="unit_create"),
    path("<str:code>/move/", views.unit_move, name="unit_move"),
    path("<str:code>/roles/", views.unit_roles, name="unit_roles"),
    path("<str:code>/org-import/", views.org_import, name="org_import"),
    path("<str:code>/roles/<int:assignment_id>/revoke/", views.unit_role_revoke, name="unit_role_revoke"),
]
