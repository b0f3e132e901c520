from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chuxin.campaigns.access import campaign_for
from chuxin.orgs.models import Person
from chuxin.orgs.scope import scope_for

from . import todo as collect
from .actions import do_set_care_mode
from .context_processors import remember
from .models import Preference


@login_required
def todo(request):
    today = timezone.localdate()
    unit = home_unit(request.user)
    campaign = None
    if unit is not None:
        try:
            campaign = campaign_for(request, unit)  # the one rule; no campaign covers the unit: none
        except Http404:
            campaign = None
    staff = collect.staff_todo(request.user, today)
    offices = collect.office_todo(request.user, campaign, today)
    signoffs = collect.secretary_todo(request.user, campaign)
    return render(
        request,
        "desk/todo.html",
        {
            "today": today,
            "staff": staff,
            "offices": offices,
            "signoffs": signoffs,
            "nothing": not staff and not offices and not signoffs,
            "home_unit": unit,
            "campaign": campaign,
        },
    )


def home_unit(user):
    """Where the menus lead: the unit of the user's person, if in scope, else the topmost unit reached."""
    scope = scope_for(user)
    person = Person.objects.filter(user=user).select_related("home_unit").first()
    if person is not None and scope.contains(person.home_unit):
        return person.home_unit
    roots = scope.root_units()
    return roots[0] if roots else None


DESTINATIONS = {
    "ledger": ("unit_ledger", ""),
    "problems": ("problem_list", ""),
    "dashboard": ("unit_dashboard", ""),
    "documents": ("document_form", ""),
}


@login_required
def go(request, where):
    """The menus' entries: the page for the user's own unit (the ledger with subordinates included)."""
    if where not in DESTINATIONS:
        raise Http404("No such menu entry")
    unit = home_unit(request.user)
    if unit is None:
        return render(request, "desk/no_unit.html")
    name, query = DESTINATIONS[where]
    return redirect(reverse(name, kwargs={"code": unit.code}) + query)


@login_required
@require_http_methods(["GET", "POST"])
def care_mode(request):
    """关怀版: larger text and stronger contrast, remembered for the user."""
    if request.method == "POST":
        on = request.POST.get("on") == "1"
        do_set_care_mode(on, acting_user=request.user)
        remember(request, request.user)
        messages.success(request, _("Large-text mode is on.") if on else _("Large-text mode is off."))
        nxt = request.POST.get("next", "")
        if nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(nxt)
        return redirect("todo")
    pref = Preference.objects.filter(user=request.user).first()
    return render(request, "desk/care_mode.html", {"on": bool(pref and pref.care_mode)})
