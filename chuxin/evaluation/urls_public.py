from django.urls import path

from . import views_public

urlpatterns = [
    path("<str:code>/<int:campaign_id>/survey/", views_public.public_survey, name="public_survey"),
]
