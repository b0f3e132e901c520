"""The public side: no account. The form, its challenge image and the receipt lookup."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from chuxin.campaigns.access import campaign_for
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Unit

from . import abuse, actions
from .forms import PublicOpinionForm, ReceiptForm
from .models import Opinion


def public_unit(code: str) -> Unit:
    """The unit of a public link: active, by code (404 otherwise). Every public page of a unit uses it."""
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise Http404("No such unit")
    return unit


def campaign_reaching(unit: Unit, campaign_id: int) -> Campaign:
    """The campaign a public link names, if it reaches the unit (404 otherwise)."""
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    campaign = Campaign.objects.filter(pk=campaign_id, root_unit__path__in=paths).first()
    if campaign is None:
        raise Http404("No such campaign here")
    return campaign


@require_GET
def public_entry(request, code):
    """The short link: the newest campaign that reaches the unit."""
    unit = public_unit(code)
    return redirect("public_opinion_form", code=unit.code, campaign_id=campaign_for(request, unit).pk)


def public_url(request, unit: Unit, campaign: Campaign) -> str:
    return request.build_absolute_uri(reverse("public_opinion_form", args=[unit.code, campaign.pk]))


@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request, code, campaign_id):
    unit = public_unit(code)
    campaign = campaign_reaching(unit, campaign_id)
    status = 200
    if request.method == "POST":
        form = PublicOpinionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                opinion = actions.do_submit_opinion(
                    unit=unit,
                    campaign=campaign,
                    text=d["text"],
                    address=abuse.client_address(request),
                    token=d["token"],
                    answer=d["answer"],
                    honeypot=d.get(abuse.HONEYPOT_FIELD, ""),
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    anonymous=d["anonymous"] or not d["contact_phone"],
                )
            except actions.Throttled as exc:
                form.add_error(None, exc)
                status = 429
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                return render(
                    request,
                    "opinions/public_thanks.html",
                    {"unit": unit, "campaign": campaign, "opinion": opinion},
                )
        data = request.POST.copy()
        data["token"] = abuse.new_challenge()
        data["answer"] = ""
        errors = form.errors
        form = PublicOpinionForm(data)
        form._errors = errors  # keep the messages, show a fresh picture
    else:
        form = PublicOpinionForm(initial={"token": abuse.new_challenge(), "anonymous": True})
    token = form["token"].value()
    # link to the satisfaction survey only where the campaign runs one (a scheme) and still takes answers
    survey = not campaign.is_closed and hasattr(campaign, "evaluation_scheme")
    return render(
        request,
        "opinions/public_form.html",
        {"unit": unit, "campaign": campaign, "form": form, "token": token, "survey": survey},
        status=status,
    )


@never_cache
@require_GET
def challenge_image(request, token):
    png = abuse.challenge_png(token)
    if png is None:
        raise Http404("No such picture")
    return HttpResponse(png, content_type="image/png")


@require_GET
def receipt_lookup(request):
    form = ReceiptForm(request.GET or None)
    opinion = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        code = form.cleaned_data["code"].strip().upper()
        opinion = Opinion.objects.select_related("handling_unit", "unit").filter(receipt_code=code).first()
    return render(
        request,
        "opinions/public_receipt.html",
        {"form": form, "opinion": opinion, "searched": searched, "not_found": searched and opinion is None},
    )


_ = _  # gettext is used by templates through the catalogue
