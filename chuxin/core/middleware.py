class ChineseByDefaultMiddleware:
    """The UI is Chinese unless the user picked another language with the switch (a cookie).

    The browser's Accept-Language is ignored on purpose: an office PC set up in English still gets
    the Chinese UI its users expect; English is one click away. The JSON API is the exception: a
    program states the language of the messages it wants with Accept-Language (Chinese without it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SessionPolicyMiddleware:
    """等保 level 3 session rules: log out after SESSION_IDLE_TIMEOUT seconds without a request and
    SESSION_ABSOLUTE_TIMEOUT seconds after the log-in, whatever happened in between; authenticated
    responses are never stored by browsers or proxies (Cache-Control: no-store); an account that logged in
    with a default or too-weak password goes to the password change first (PASSWORD_FORCE_CHANGE)."""

    SEEN_EVERY = 60  # write the last-seen time at most once a minute

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.urls import reverse

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("_auth_at", now)
            seen = session.get("_seen", now)
            reason = ""
            if now - seen > settings.SESSION_IDLE_TIMEOUT:
                reason = "idle"
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                reason = "absolute"
            if reason:
                request._logout_reason = reason  # the audit entry says why
                logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if now - seen >= self.SEEN_EVERY or "_seen" not in session:
                session["_seen"] = now
            if session.get("must_change_password") and request.path not in {
                reverse("password_change"),
                reverse("logout"),
            }:
                return redirect("password_change")
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, no_store=True, private=True)
        return response


class RefuseNulMiddleware:
    """A NUL character in the path, the query string or a JSON body is refused with 400 before any view runs.

    PostgreSQL cannot hold NUL in text, so `/ledger/units/44%00/` or `{"title": "a\\u0000"}` used to end in a
    database error (500) on the production database while passing on SQLite. Django's forms already refuse NUL
    in form fields; this covers what reaches a view without a form: URL parts, query parameters read
    directly, and the JSON API's bodies."""

    JSON_BODY_LIMIT = 5 * 1024 * 1024  # larger bodies are left to the parser's own limits

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The request contains a null character (NUL), which is not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "bad_request", "message": message, "fields": {}}}, status=400
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def _has_nul(self, request) -> bool:
        if "\x00" in request.path or "\x00" in request.path_info:
            return True
        if any("\x00" in s for k, vs in request.GET.lists() for s in (k, *vs)):
            return True
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            if any("\x00" in s for k, vs in request.POST.lists() for s in (k, *vs)):
                return True
        if request.content_type == "application/json":
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            # the escape is rare: only then is the body parsed to see whether a string really holds NUL
            if 0 < size <= self.JSON_BODY_LIMIT and b"\\u0000" in request.body:
                return _json_holds_nul(request.body)
        return False


def _json_holds_nul(body: bytes) -> bool:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return False  # the API answers a malformed body itself
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
