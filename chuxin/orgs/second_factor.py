"""The second factor at log-in (等保 level 3: two kinds of proof for privileged accounts).

django-otp, not allauth's MFA: the log-in is Django's own view with axes in front of it, and django-otp adds
exactly the missing piece (TOTP devices, one-time recovery codes, per-device throttling, the verified device
kept in the session) without replacing the account pages; allauth would bring its own account flow.

The flow:
1. The password is right (LoginView). An account that must have a second factor (`required`) or has one set
   up is *not* logged in yet: the session only remembers it as pending (`start_pending`, for
   OTP_PENDING_SECONDS), and the browser goes to the code page, or to the set-up page when the account has
   no authenticator yet.
2. A code from the authenticator app, or one of the recovery codes, completes the log-in (`finish_login`):
   Django's login() with the device, which django-otp keeps in the session (`user.is_verified()`). A wrong
   code counts as a failed log-in for the lockout (axes) and is audited; after OTP_PENDING_ATTEMPTS the
   password must be given again.
3. `SecondFactorMiddleware`: with OTP_REQUIRED, a session of an account that must have a second factor but
   was not verified (opened before the setting, or by any other log-in path) is ended.

A lost phone: log in with a recovery code and set up the new phone; without codes an administrator runs
`manage.py resetsecondfactor USERNAME` (audited), and the account sets up a new authenticator at its next
log-in.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role, RoleAssignment

PENDING = "_otp_pending"
NEW_KEY = "_otp_new_key"


def required(user) -> bool:
    """Must this account have a second factor? Superusers and the leading-group offices of the centre and the
    provinces (levels 1..OTP_REQUIRED_MAX_LEVEL), when OTP_REQUIRED is on."""
    if not settings.OTP_REQUIRED or user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return RoleAssignment.objects.filter(
        person__user=user,
        person__is_active=True,
        role=Role.OFFICE,
        unit__level__lte=settings.OTP_REQUIRED_MAX_LEVEL,
    ).exists()


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def new_key() -> str:
    """A fresh TOTP secret (hex, 20 bytes), shown as a QR code until the first code confirms it."""
    from django_otp.plugins.otp_totp.models import default_key

    return default_key()


def b32_key(key: str) -> str:
    """The key as the app's "enter a set-up key" field wants it (base32)."""
    from base64 import b32encode
    from binascii import unhexlify

    return b32encode(unhexlify(key)).decode("ascii").rstrip("=")


def config_url(user, key: str) -> str:
    """The otpauth:// address the authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key).config_url


# --- between the password and the code -------------------------------------------------------------


def start_pending(request, user, *, next_url: str, must_change: bool) -> None:
    """The password was right: remember the account, not logged in, for OTP_PENDING_SECONDS."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "uid": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": int(time.time()),
        "next": next_url,
        "must_change": must_change,
        "fails": 0,
    }


def pending(request) -> tuple[object, dict] | tuple[None, None]:
    """The account waiting for its second factor, and the pending state; (None, None) when there is none or
    it expired."""
    state = request.session.get(PENDING)
    if not state:
        return None, None
    if int(time.time()) - state["at"] > settings.OTP_PENDING_SECONDS:
        drop_pending(request)
        return None, None
    user = get_user_model().objects.filter(pk=state["uid"], is_active=True).first()
    if user is None:
        drop_pending(request)
        return None, None
    return user, state


def count_failure(request) -> int:
    state = request.session[PENDING]
    state["fails"] += 1
    request.session[PENDING] = state
    return state["fails"]


def drop_pending(request) -> None:
    request.session.pop(PENDING, None)
    request.session.pop(NEW_KEY, None)


def finish_login(request, user, device, state) -> str:
    """Both factors given: log in with the device (django-otp keeps it in the session). Returns where to go."""
    drop_pending(request)
    user.backend = state["backend"]
    user.otp_device = device  # django-otp's user_logged_in receiver stores it; the audit entry names it
    auth_login(request, user)
    if state["must_change"]:
        request.session["must_change_password"] = True
    return state["next"] or reverse(settings.LOGIN_REDIRECT_URL)


# --- sessions that skipped the second factor ------------------------------------------------------


class SecondFactorMiddleware:
    """With OTP_REQUIRED, end any session of an account that must have a second factor but was not verified
    with one. Placed after django-otp's OTPMiddleware (which tells whether the session is verified)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.OTP_REQUIRED
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and required(user)
        ):
            from django.contrib.auth import logout

            request._logout_reason = "second_factor"
            logout(request)
            if request.path.startswith("/api/"):
                message = _("This account must log in with its second factor.")
                return JsonResponse({"error": {"code": "second_factor", "message": message}}, status=401)
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        return self.get_response(request)
