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
