from django.urls import include, path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.unit_ledger, name="unit_ledger"),
    path("units/<str:code>/problems/", views.problem_list, name="problem_list"),
    path("units/<str:code>/problems/new/", views.problem_create, name="problem_create"),
    path("units/<str:code>/sign-off/", views.problem_list_sign_off, name="problem_list_sign_off"),
    path("problems/<int:problem_id>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:problem_id>/items/new/", views.item_create, name="item_create"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:item_id>/extension/", views.extension_request, name="extension_request"),
    path("extensions/<int:extension_id>/decide/", views.extension_decide, name="extension_decide"),
    path("items/<int:item_id>/<str:verb>/", views.item_action, name="item_action"),
    path("stages/<int:stage_id>/complete/", views.stage_complete, name="stage_complete"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("mine/", views.my_items, name="my_items"),
    path("", include("chuxin.problems.urls_xlsx")),
]
