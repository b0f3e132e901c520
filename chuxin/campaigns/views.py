from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.core.errors import ActionError
from chuxin.orgs.scope import scope_for

from . import access, actions
from .forms import BatchForm, CampaignForm, strands_text
from .models import Campaign


def get_campaign_for_user(user, campaign_id: int, write: bool = False) -> Campaign:
    """A campaign the user's scope overlaps; managing it needs the office role at its leading unit."""
    scope = scope_for(user)
    campaign = Campaign.objects.visible_to(scope).select_related("root_unit").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404("No such campaign")
    if write and not scope.can_manage(campaign.root_unit):
        raise PermissionDenied("Managing a campaign needs the office role at its leading unit")
    return campaign


@login_required
@require_POST
def campaign_choose(request):
    """The shell's picker: keep the chosen campaign in the session and go back where the user was."""
    raw = request.POST.get("campaign", "")
    campaign = None
    if raw:
        try:
            campaign = get_campaign_for_user(request.user, int(raw))
        except ValueError:
            raise Http404("No such campaign") from None
    access.choose(request, campaign)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(_without_campaign_param(target) or "home")


def _without_campaign_param(url: str) -> str:
    """The page the user was on, minus a ?campaign= that would override the new choice."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "campaign"]
    return urlunsplit(parts._replace(query=urlencode(query)))


@login_required
def campaign_list(request):
    scope = scope_for(request.user)
    campaigns = Campaign.objects.visible_to(scope).select_related("root_unit")
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": campaigns, "can_create": scope.is_all or bool(scope.paths(["office"]))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    scope = scope_for(request.user)
    managed = scope.root_units() if scope.is_all else [u for u in scope.root_units() if scope.can_manage(u)]
    if not managed:
        raise PermissionDenied("Creating a campaign needs the office role")
    form = CampaignForm(
        request.POST or None,
        initial={"root_unit": managed[0].code, "strands": strands_text(actions.STRANDS_2019)},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("root_unit").strip()
        root = scope.units().filter(code=code).first()
        if root is None or not scope.can_manage(root):
            form.add_error("root_unit", _("Unknown unit code: %(code)s") % {"code": code})
        else:
            try:
                campaign = actions.do_create_campaign(request.user, root_unit=root, **data)
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Campaign created."))
                return redirect("campaign_detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "goals": campaign.goals.all(),
            "strands": campaign.strands.all(),
            "batches": campaign.batches.prefetch_related("units"),
            "can_manage": scope_for(request.user).can_manage(campaign.root_unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id, write=True)
    scope = scope_for(request.user)
    form = BatchForm(request.POST or None, initial={"number": campaign.batches.count() + 1})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codes = data.pop("unit_codes")
        units = list(scope.units().filter(code__in=codes))
        unknown = sorted(set(codes) - {u.code for u in units})
        if unknown:
            form.add_error("unit_codes", _("Unknown unit code: %(code)s") % {"code": ", ".join(unknown)})
        else:
            try:
                actions.do_add_batch(campaign, units=units, **data)
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Batch added."))
                return redirect("campaign_detail", campaign_id=campaign.pk)
    return render(request, "campaigns/batch_form.html", {"campaign": campaign, "form": form})


@login_required
def strand_detail(request, campaign_id, key):
    campaign = get_campaign_for_user(request.user, campaign_id)
    strand = campaign.strands.filter(key=key).first()
    if strand is None:
        raise Http404("No such strand")
    return render(
        request,
        "campaigns/strand_detail.html",
        {
            "campaign": campaign,
            "strand": strand,
            "strands": campaign.strands.all(),
            "goals": campaign.goals.all(),
        },
    )
