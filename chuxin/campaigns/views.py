from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.core.errors import ActionError
from chuxin.orgs.models import ancestor_paths, subtrees_q
from chuxin.orgs.scope import get_unit_for_user, scope_for

from . import access, actions
from .forms import BatchForm, CampaignEditForm, CampaignForm, LocalAdditionForm, strands_text
from .models import Campaign, Emphasis


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
                campaign = actions.do_create_campaign(acting_user=request.user, root_unit=root, **data)
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Campaign created."))
                return redirect("campaign_detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


def _local_q(scope, field: str = "unit__path") -> Q:
    """Local additions the user may see: those of the units above their own (the additions of their
    superiors reach their subtree) and those made inside what they reach (they guide their subordinates)."""
    if scope.is_all:
        return Q(pk__isnull=False)  # everything (an empty Q would vanish inside an OR)
    above = {a for p in scope.paths() for a in ancestor_paths(p)}
    return Q(**{f"{field}__in": above}) | subtrees_q(scope.paths(), field)


def _manageable_units(scope, campaign):
    """The units where the user may add local goals and emphases: their managed roots inside the campaign."""
    root = campaign.root_unit.path
    return [u for u in scope.root_units() if u.path.startswith(root) and scope.can_manage(u)]


@login_required
def campaign_detail(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id)
    scope = scope_for(request.user)
    goals = list(campaign.goals.filter(Q(unit__isnull=True) | _local_q(scope)).select_related("unit"))
    strands = list(
        campaign.strands.prefetch_related(
            Prefetch("emphases", queryset=Emphasis.objects.filter(_local_q(scope)).select_related("unit"))
        )
    )
    topics = _special_topics(scope, campaign)
    writable = not campaign.is_closed
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "goals": [g for g in goals if g.unit_id is None],
            "local_goals": [g for g in goals if g.unit_id is not None],
            "strands": strands,
            "topics": topics,
            "batches": campaign.batches.prefetch_related("units"),
            "can_manage": writable and scope.can_manage(campaign.root_unit),
            "local_units": _manageable_units(scope, campaign) if writable else [],
            "local_form": LocalAdditionForm(strands=strands),
        },
    )


def _special_topics(scope, campaign):
    """The campaign's special-rectification topics the user's units see: central and local ones."""
    try:
        from chuxin.special.models import Topic
    except ImportError:  # pragma: no cover - the special app is optional
        return []
    return list(
        Topic.objects.filter(campaign=campaign)
        .filter(_local_q(scope, "root_unit__path"))
        .select_related("root_unit")
        .order_by("root_unit__depth", "order", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id, write=True)
    initial = {
        "title": campaign.title,
        "general_requirement": campaign.general_requirement,
        "fundamental_task": campaign.fundamental_task,
        "goals": "\n".join(g.text for g in campaign.goals.filter(unit=None)),
        "strands": strands_text((st.title, st.description) for st in campaign.strands.all()),
        "focus_rank": campaign.focus_rank,
        "launched_on": campaign.launched_on,
        "ended_on": campaign.ended_on,
        "status": campaign.status,
    }
    form = CampaignEditForm(request.POST or None, initial=initial)
    if campaign.is_closed:
        messages.error(
            request,
            _("The campaign %(title)s is closed: its records can be read but no longer changed.")
            % {"title": campaign.title},
        )
        return redirect("campaign_detail", campaign_id=campaign.pk)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_edit_campaign(campaign, **form.cleaned_data, acting_user=request.user)
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaign_detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_edit.html", {"campaign": campaign, "form": form})


@login_required
@require_POST
def campaign_close(request, campaign_id):
    campaign = get_campaign_for_user(request.user, campaign_id, write=True)
    try:
        actions.do_close_campaign(campaign, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The campaign is closed. Its records stay readable."))
    return redirect("campaign_detail", campaign_id=campaign.pk)


@login_required
@require_POST
def campaign_local_add(request, campaign_id):
    """A unit adds its own goal or a strand's local emphasis for its subtree (结合本地区本部门本单位实际)."""
    campaign = get_campaign_for_user(request.user, campaign_id)
    strands = list(campaign.strands.all())
    form = LocalAdditionForm(request.POST, strands=strands)
    if not form.is_valid():
        messages.error(request, _("Choose the unit, what to add and write it."))
        return redirect("campaign_detail", campaign_id=campaign.pk)
    unit = get_unit_for_user(request.user, form.cleaned_data["unit"].strip(), need="manage")
    try:
        strand_key = form.cleaned_data["what"]
        if strand_key == "goal":
            actions.do_add_local_goal(campaign, unit, form.cleaned_data["text"], acting_user=request.user)
        else:
            strand = next(st for st in strands if st.key == strand_key)
            actions.do_add_emphasis(strand, unit, form.cleaned_data["text"], acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Added for %(unit)s and the units below it.") % {"unit": unit.name})
    return redirect("campaign_detail", campaign_id=campaign.pk)


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
                actions.do_add_batch(campaign, acting_user=request.user, units=units, **data)
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
