"""Who calls the API: a personal access token (Authorization: Bearer …) or the browser's session
(with its CSRF token on writes, so the pages' htmx can use the same routes).

Both give a Principal; its str() names the token or the user, which keys the rate limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from chuxin.core.errors import ActionForbidden

from .actions import digest
from .models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


@dataclass
class Principal:
    user: object
    token: ApiToken | None = None

    def __str__(self) -> str:
        return f"token:{self.token.pk}" if self.token else f"user:{self.user.pk}"


def _throttle(principal: Principal) -> None:
    """A fixed one-minute window per token (or per session user) in the cache."""
    limit = settings.API_RATE_PER_MINUTE
    window = int(time.time() // 60)
    key = f"api-rate:{principal}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        n = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        n = 1
    if n > limit:
        raise RateLimited(60 - int(time.time()) % 60)


def _done(request, principal: Principal) -> Principal:
    request.user = principal.user  # the actions and the scope read request.user
    request.api_principal = principal
    _throttle(principal)
    return principal


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        row = ApiToken.objects.usable().select_related("user").filter(digest=digest(token or "")).first()
        if row is None:  # a token that is wrong, revoked or expired is refused, never passed to the session
            raise AuthenticationError()
        if request.method not in SAFE_METHODS and not row.can_write:
            raise ActionForbidden(_("This token is read-only."))
        return _done(request, Principal(row.user, row))


class SessionPrincipalAuth(SessionAuth):
    """Django's session; CSRF is checked on unsafe methods (ninja's cookie auth does it)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        return _done(request, Principal(user))
