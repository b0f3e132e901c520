from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.opinion_list, name="opinion_list"),
    path("units/<str:code>/new/", views.opinion_create, name="opinion_create"),
    path("units/<str:code>/groups/", views.group_list, name="opinion_groups"),
    path("units/<str:code>/groups/run/", views.group_run, name="opinion_group_run"),
    path("units/<str:code>/export.xlsx", views.opinion_export, name="opinion_export"),
    path("units/<str:code>/poster.<str:fmt>", views.poster_file, name="opinion_poster"),
    path("<int:opinion_id>/", views.opinion_detail, name="opinion_detail"),
    path("<int:opinion_id>/<str:verb>/", views.opinion_action, name="opinion_action"),
    path("groups/<int:group_id>/", views.group_detail, name="opinion_group_detail"),
    path("groups/<int:group_id>/<str:verb>/", views.group_action, name="opinion_group_action"),
]
