"""Making and revoking API tokens: the page, the command and the tests all come here."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.core.errors import ActionError, ActionForbidden

from .models import ApiToken, TokenScope

TOKEN_PREFIX = "cx_"
MAX_TOKENS = 20  # per user: enough for every script, few enough to review


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(token: ApiToken) -> dict:
    # the token's id and its public prefix; the token itself is never written anywhere
    return {"id": token.pk, "name": token.name, "scope": token.scope, "prefix": token.prefix}


def do_create_api_token(
    user, *, name: str, scope: str = TokenScope.READ, expires_days: int | None = None, acting_user
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is shown once and never again."""
    if acting_user.pk != user.pk and not acting_user.is_superuser:
        raise ActionForbidden(_("Only the owner makes tokens for an account."))
    name = (name or "").strip()
    if not name:
        raise ActionError(_("Give the token a name, such as the system that will use it."))
    if scope not in TokenScope.values:
        raise ActionError(_("Unknown token scope: %(scope)s") % {"scope": scope})
    if expires_days is not None and not 1 <= int(expires_days) <= 3650:
        raise ActionError(_("A token lasts from 1 to 3650 days."))
    if ApiToken.objects.usable().filter(user=user).count() >= MAX_TOKENS:
        raise ActionError(_("At most %(n)s tokens per account; revoke one first.") % {"n": MAX_TOKENS})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=int(expires_days)) if expires_days else None
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name[:60],
            scope=scope,
            prefix=token[:10],
            digest=digest(token),
            expires_at=expires,
        )
        record(acting_user, AuditEvent.API_TOKEN_CREATE, row, None, _audit(row))
    return row, token


def do_revoke_api_token(token: ApiToken, *, acting_user) -> ApiToken:
    if acting_user.pk != token.user_id and not acting_user.is_superuser:
        raise ActionForbidden(_("Only the owner revokes a token."))
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ActionError(_("This token is already revoked."))
        before = _audit(locked)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(acting_user, AuditEvent.API_TOKEN_REVOKE, locked, before, {**_audit(locked), "revoked": True})
    return locked
