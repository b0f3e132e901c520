"""One error shape for every refusal: {"error": {"code", "message", "fields"}}, in the request's language.

400 bad input (ActionError, or a request that does not match the schema), 401 no credentials,
403 refused by role (ActionForbidden, PermissionDenied), 404 outside the scope or absent,
409 a stale version (StaleVersion), 429 over the rate limit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as SchemaError

from chuxin.core.errors import ActionError, StaleVersion

from .auth import RateLimited


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _fields_of_schema_error(exc: SchemaError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "query", "path", "form", "file", "payload")
        ]
        out.setdefault(".".join(loc) or "request", []).append(str(err.get("msg", "")))
    return out


def install(api) -> None:
    def respond(request, status, code, message, fields=None):
        return api.create_response(request, error_body(code, message, fields), status=status)

    @api.exception_handler(StaleVersion)
    def stale(request, exc):
        return respond(request, 409, "stale_version", " ".join(exc.messages))

    @api.exception_handler(ActionError)
    def bad_input(request, exc):
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {}
        )
        return respond(request, 400, "invalid", " ".join(str(m) for m in exc.messages), fields)

    @api.exception_handler(SchemaError)
    def schema_error(request, exc):
        return respond(
            request, 400, "invalid", _("The request does not match the API."), _fields_of_schema_error(exc)
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        message = " ".join(getattr(exc, "messages", None) or []) or _("You do not have the role this needs.")
        return respond(request, 403, "forbidden", message)

    @api.exception_handler(AuthorizationError)
    def not_authorised(request, exc):
        return respond(request, 403, "forbidden", _("You do not have the role this needs."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "unauthenticated", _("Sign in, or send a valid API token."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "not_found", _("Not found."))

    @api.exception_handler(RateLimited)
    def rate_limited(request, exc):
        response = respond(request, 429, "rate_limited", _("Too many requests; wait a minute."))
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, "error", str(exc))
