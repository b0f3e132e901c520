from django.urls import path

from . import views_public

urlpatterns = [
    path("receipt/", views_public.receipt_lookup, name="public_receipt"),
    path("challenge/<str:token>.png", views_public.challenge_image, name="public_challenge"),
    path("<str:code>/", views_public.public_entry, name="public_opinion_entry"),
    path("<str:code>/<int:campaign_id>/", views_public.public_form, name="public_opinion_form"),
]
