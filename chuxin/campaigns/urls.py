from django.urls import path

from . import views

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("choose/", views.campaign_choose, name="campaign_choose"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:campaign_id>/close/", views.campaign_close, name="campaign_close"),
    path("<int:campaign_id>/local/", views.campaign_local_add, name="campaign_local_add"),
    path("<int:campaign_id>/batches/new/", views.batch_create, name="batch_create"),
    path("<int:campaign_id>/strands/<str:key>/", views.strand_detail, name="strand_detail"),
]
