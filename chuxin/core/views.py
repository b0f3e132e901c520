from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person
from chuxin.orgs.scope import scope_for


@login_required
def home(request):
    scope = scope_for(request.user)
    campaign = Campaign.objects.visible_to(scope).first()
    person = Person.objects.filter(user=request.user).select_related("home_unit").first()
    return render(
        request,
        "core/home.html",
        {
            "campaign": campaign,
            "strands": campaign.strands.all() if campaign else [],
            "goals": campaign.goals.all() if campaign else [],
            "roots": scope.root_units(),
            "person": person,
            "grants": scope.grants,
        },
    )


def healthz(request):
    """For the load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
