"""The home page: the user's campaign, its strands and goals, and where browsing starts."""

from django.contrib.auth.decorators import login_required
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
        "dashboards/home.html",
        {
            "campaign": campaign,
            "strands": campaign.strands.all() if campaign else [],
            "goals": campaign.goals.all() if campaign else [],
            "roots": scope.root_units(),
            "person": person,
            "grants": scope.grants,
        },
    )
