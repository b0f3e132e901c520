"""Every API call leaves a row: user, token id (never the token), method, path, status."""

from __future__ import annotations

API_PREFIX = "/api/"


class ApiCallLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and not request.path.endswith(("/docs", "/openapi.json")):
            from .models import ApiCall

            principal = getattr(request, "api_principal", None)
            ApiCall.objects.create(
                user_id=principal.user.pk if principal else None,
                token_id=principal.token.pk if principal and principal.token else None,
                method=request.method[:8],
                path=request.path[:300],
                status=response.status_code,
            )
        return response
