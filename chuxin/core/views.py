from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from .errors import ActionForbidden


def healthz(request):
    """For the load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


# Refusals and failures, in the user's language and inside the layout. The 403 page shows the reason only
# when it was written for users (ActionForbidden, translated); other refusals carry developers' English.
def forbidden(request, exception=None):
    reason = exception.message if isinstance(exception, ActionForbidden) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """Rendered without the request's context and without the database: whatever failed may be either."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({}))
