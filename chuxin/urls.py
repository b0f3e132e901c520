import os

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chuxin.api import views as api_views
from chuxin.api.api import api
from chuxin.core import views as core_views
from chuxin.dashboards.home import home
from chuxin.orgs import account_views
from chuxin.special.urls import public_urlpatterns as special_public_urls

urlpatterns = [
    path("", home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        account_views.LoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/verify/", account_views.second_factor_verify, name="second_factor_verify"),
    path("accounts/two-step/", account_views.second_factor_status, name="second_factor_status"),
    path("accounts/two-step/setup/", account_views.second_factor_setup, name="second_factor_setup"),
    path(
        "accounts/two-step/recovery-codes/",
        account_views.second_factor_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("units/", include("chuxin.orgs.urls")),
    path("campaigns/", include("chuxin.campaigns.urls")),
    path("ledger/", include("chuxin.problems.urls")),
    path("dashboards/", include("chuxin.dashboards.urls")),
    path("documents/", include("chuxin.documents.urls")),
    path("study/", include("chuxin.study.urls")),
    path("research/", include("chuxin.research.urls")),
    path("notifications/", include("chuxin.reminders.urls")),
    path("audit/", include("chuxin.audit.urls")),
    path("special/", include("chuxin.special.urls")),
    path("supervision/", include("chuxin.supervision.urls")),
    path("cases/", include("chuxin.cases.urls")),
    path("p/", include(special_public_urls)),
    path("api/v1/", api.urls),
    path("accounts/tokens/", api_views.token_settings, name="token_settings"),
    path("accounts/tokens/<int:token_id>/revoke/", api_views.token_revoke, name="token_revoke"),
    path("opinions/", include("chuxin.opinions.urls")),
    path("examine/", include("chuxin.examine.urls")),
    path("evaluation/", include("chuxin.evaluation.urls")),
    path("burden/", include("chuxin.burden.urls")),
    path("p/", include("chuxin.opinions.urls_public")),  # public: no login
    path("p/", include("chuxin.evaluation.urls_public")),  # public: the satisfaction survey
    # the admin's own log-in page would skip the second factor: every log-in goes through ours
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("", include("chuxin.desk.urls")),
    path("admin/", admin.site.urls),
]

# Refusals and failures in the user's language, inside the layout (the 500 page needs neither database nor request).
handler403 = core_views.forbidden
handler404 = core_views.not_found
handler500 = core_views.server_error

if os.environ.get("CHUXIN_BENCH_REFERENCE") == "1":  # the http benchmark's baseline page; never in production
    from bench.reference_view import ledger_reference

    urlpatterns.append(path("bench/ledger-reference/", ledger_reference))
