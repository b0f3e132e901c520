from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("units/<str:code>/new/", views.case_create, name="case_create"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/promote/", views.case_promote, name="case_promote"),
    path("<int:case_id>/adopt/", views.case_adopt, name="case_adopt"),
    path("<int:case_id>/use/", views.case_use, name="case_use"),
]
