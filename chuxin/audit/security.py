"""Security events into the audit log: log-ins, failed log-ins, log-outs (and why), lockouts.

Django and django-axes announce them with signals; each receiver writes one entry in its own transaction.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction

from .events import AuditEvent
from .log import record


def client_ip(request) -> str:
    if request is None:
        return ""
    try:
        from axes.helpers import get_client_ip_address

        return get_client_ip_address(request) or ""
    except Exception:  # noqa: BLE001 - the address is a detail of the entry, never a reason to fail
        return request.META.get("REMOTE_ADDR", "")


def _username(credentials) -> str:
    return str((credentials or {}).get("username", ""))[:150]


class _Named:
    """An actor known only by the name typed into the form (failed log-ins, lockouts)."""

    pk = None

    def __init__(self, username):
        self.username = username


def on_login(sender, request, user, **kwargs):
    import time

    if request is not None and hasattr(request, "session"):
        request.session["_auth_at"] = request.session["_seen"] = int(time.time())
    detail = {"ip": client_ip(request)}
    device = getattr(user, "otp_device", None)  # set by the second step of the log-in (orgs.second_factor)
    if device is not None:
        detail["second_factor"] = "recovery_code" if type(device).__name__ == "StaticDevice" else "totp"
    with transaction.atomic():
        record(user, AuditEvent.LOGIN, user, None, detail)


def on_login_failed(sender, credentials, request=None, **kwargs):
    if (credentials or {}).get("second_factor"):
        return  # a refused code: its action (orgs.actions.do_check_second_factor) recorded it already
    with transaction.atomic():
        name = _username(credentials)
        record(
            _Named(name), AuditEvent.LOGIN_FAILED, None, None, {"username": name, "ip": client_ip(request)}
        )


def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "_logout_reason", "") or "user"
    with transaction.atomic():
        event = AuditEvent.SESSION_EXPIRED if reason in {"idle", "absolute"} else AuditEvent.LOGOUT
        record(user, event, user, None, {"ip": client_ip(request), "reason": reason})


def on_lockout(sender, request, username, ip_address, **kwargs):
    with transaction.atomic():
        record(
            _Named(username or ""), AuditEvent.LOCKOUT, None, None, {"username": username, "ip": ip_address}
        )


def connect():
    from axes.signals import user_locked_out

    user_logged_in.connect(on_login, dispatch_uid="audit_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="audit_logout")
    user_locked_out.connect(on_lockout, dispatch_uid="audit_lockout")
