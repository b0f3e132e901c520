from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.special_unit, name="special_unit"),
    path("units/<str:code>/topics/new/", views.topic_create, name="special_topic_create"),
    path("units/<str:code>/topics/<int:topic_id>/", views.topic_unit, name="special_topic_unit"),
    path(
        "units/<str:code>/topics/<int:topic_id>/none-found/",
        views.none_found_state,
        name="special_none_found",
    ),
    path(
        "units/<str:code>/topics/<int:topic_id>/notice.docx", views.topic_notice, name="special_topic_notice"
    ),
    path("units/<str:code>/publish/", views.publish, name="special_publish"),
    path(
        "none-found/<int:none_found_id>/challenge/",
        views.none_found_challenge,
        name="special_none_found_challenge",
    ),
    path("problems/<int:problem_id>/refer/", views.refer_problem, name="special_refer_problem"),
    path("referrals/", views.referral_list, name="special_referral_list"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="special_referral_detail"),
    path("referrals/<int:referral_id>/<str:verb>/", views.referral_step, name="special_referral_step"),
]

public_urlpatterns = [
    path("<str:code>/special/", views.public_page, name="special_public"),
]
