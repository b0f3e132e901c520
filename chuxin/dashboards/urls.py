from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.unit_dashboard, name="unit_dashboard"),
    path("units/<str:code>/progress/", views.strand_progress, name="strand_progress"),
    path("units/<str:code>/children.xlsx", views.children_xlsx, name="dashboard_children_xlsx"),
]
