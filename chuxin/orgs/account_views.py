"""Log-in, the second factor and the password change: Django's views, with the second step for accounts that
have or need an authenticator (chuxin/orgs/second_factor.py), the forced change of default passwords, and
every change going through an audited action."""

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.audit.security import client_ip
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.core.forms import StyledForm

from . import actions, second_factor


def must_change(user, password: str) -> bool:
    """A default password, or one today's rules refuse, must be changed before anything else."""
    if not settings.PASSWORD_FORCE_CHANGE:
        return False
    if password in settings.DEFAULT_PASSWORDS:
        return True
    try:
        validate_password(password, user)
    except ValidationError:
        return True
    return False


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        change = must_change(user, form.cleaned_data.get("password", ""))
        has_device = second_factor.has_second_factor(user)
        if has_device or second_factor.required(user):
            # the password alone logs nobody in here: the code page (or the set-up page) finishes the log-in
            second_factor.start_pending(
                self.request, user, next_url=self.get_success_url(), must_change=change
            )
            return redirect("second_factor_verify" if has_device else "second_factor_setup")
        response = super().form_valid(form)
        if change:
            self.request.session["must_change_password"] = True
        return response


class CodeForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 10}
        ),
    )


@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    """The second step of the log-in: the code from the authenticator app, or a recovery code."""
    user, state = second_factor.pending(request)
    if user is None:
        messages.info(request, _("Log in with your password first."))
        return redirect("login")
    if not second_factor.has_second_factor(user):
        return redirect("second_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = actions.do_check_second_factor(
            user, form.cleaned_data["code"], acting_user=user, ip=client_ip(request)
        )
        if device is not None:
            return redirect(second_factor.finish_login(request, user, device, state))
        # a wrong code is a failed log-in for the lockout (axes counts it against the account and address)
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username(), "second_factor": True},
            request=request,
        )
        if second_factor.count_failure(request) >= settings.OTP_PENDING_ATTEMPTS:
            second_factor.drop_pending(request)
            messages.error(request, _("Too many wrong codes. Log in again."))
            return redirect("login")
        form.add_error(
            "code", _("This code is wrong or was already used. Wait for the next code and try again.")
        )
    return render(request, "accounts/second_factor_verify.html", {"form": form, "account": user})


@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Set up an authenticator app: a new key as a QR code, confirmed by one code from the app. Reached at the
    first log-in of an account that must have one (pending, no device yet) or from the account menu."""
    if request.user.is_authenticated:
        user, state = request.user, None
        if second_factor.has_second_factor(user) and not user.is_verified():
            # replacing the authenticator needs a session that proved the current one
            messages.error(request, _("Log in again with your current code to replace the authenticator."))
            return redirect("second_factor_status")
    else:
        user, state = second_factor.pending(request)
        if user is None:
            return redirect("login")
        if second_factor.has_second_factor(user):
            return redirect("second_factor_verify")
    key = request.session.get(second_factor.NEW_KEY) or second_factor.new_key()
    request.session[second_factor.NEW_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.do_enrol_second_factor(user, key, form.cleaned_data["code"], acting_user=user)
        except ActionError as exc:
            form.add_error("code", exc)
        else:
            request.session.pop(second_factor.NEW_KEY, None)
            next_url = None
            if state is not None:
                device = second_factor.authenticator(user)
                next_url = second_factor.finish_login(request, user, device, state)
            else:
                # the session proved the new authenticator just now
                from django_otp import login as otp_login

                otp_login(request, second_factor.authenticator(user))
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url})
    url = second_factor.config_url(user, key)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "account": user,
            "qr": segno.make(url, error="m").svg_data_uri(scale=5, border=2),
            "secret": _grouped(second_factor.b32_key(key)),
            "pending": state is not None,
        },
    )


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
@require_http_methods(["GET"])
def second_factor_status(request):
    """The account's second factor: set up or not, recovery codes left, and the buttons to change them."""
    user = request.user
    return render(
        request,
        "accounts/second_factor_status.html",
        {
            "device": second_factor.authenticator(user),
            "codes_left": second_factor.recovery_codes_left(user),
            "required": second_factor.required(user),
        },
    )


@login_required
@require_POST
def second_factor_recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    if not request.user.is_verified():
        messages.error(request, _("Log in again with your current code to get new recovery codes."))
        return redirect("second_factor_status")
    try:
        codes = actions.do_issue_recovery_codes(request.user, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("second_factor_status")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": None})


@require_http_methods(["GET", "POST"])
def admin_login(request):
    """The admin's log-in page, replaced: its own form would log in without the second factor. Anonymous
    visitors go to the one log-in page (and come back); a logged-in account that is not staff is refused."""
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect("admin:index")
        raise ActionForbidden(_("The administration is for system administrators."))
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("login") + (f"?{query}" if query else ""))


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        actions.do_change_password(
            form.user, form.cleaned_data["new_password1"], acting_user=self.request.user
        )
        update_session_auth_hash(self.request, form.user)
        self.request.session.pop("must_change_password", None)
        return HttpResponseRedirect(self.get_success_url())
