from django.urls import path

from . import views

urlpatterns = [
    path("todo/", views.todo, name="todo"),
    path("go/<str:where>/", views.go, name="go"),
    path("accounts/care/", views.care_mode, name="care_mode"),
]
