"""Special rectification pages: topics of a unit, a topic's figures and ranking, none-found statements,
the internal notice, publication, the public page, and the restricted referral record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.documents.generate import with_viewer
from chuxin.orgs.models import Unit
from chuxin.orgs.scope import get_scoped_or_404, get_unit_for_user, require_manage, scope_for
from chuxin.orgs.watermark import watermark_text
from chuxin.problems.access import get_problem_for_user
from chuxin.rollups import topics as rollup_topics
from chuxin.rollups.models import TopicCounts

from . import actions, notice
from .forms import ChallengeForm, NoneFoundForm, NoticeForm, ReferralForm, ReferralStepForm, TopicForm
from .models import NoneFound, NoneFoundStatus, Publication, Referral, Topic

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _campaign(request, unit: Unit) -> Campaign:
    """The campaign the page works in: the one rule of chuxin/campaigns/access.py."""
    return campaign_for(request, unit)


def _topics(campaign, unit):
    return list(
        Topic.objects.filter(campaign=campaign)
        .covering(unit)
        .select_related("root_unit")
        .order_by("root_unit__depth", "order", "pk")
    )


def _get_topic(campaign, unit, topic_id) -> Topic:
    topic = Topic.objects.filter(campaign=campaign, pk=topic_id).select_related("root_unit").first()
    if topic is None or not topic.covers(unit):
        raise Http404("No such topic for this unit")
    return topic


def _ranking(unit, topic) -> list[dict]:
    """The children's figures under one topic, worst first (倒排名): one query over the roll-up rows."""
    children = list(Unit.objects.children_of(unit))
    rows = {
        r["unit_id"]: r
        for r in rollup_topics.sums(TopicCounts.objects.filter(topic=topic, unit__in=children))
    }
    none_found = {
        n.unit_id: n
        for n in NoneFound.objects.filter(topic=topic, unit__in=children).exclude(
            status=NoneFoundStatus.WITHDRAWN
        )
    }
    out = []
    for child in children:
        r = rows.get(child.pk)
        found = r["items"] if r else 0
        fixed = r["st_closed"] if r else 0
        kept = r["st_kept_up"] if r else 0
        out.append(
            {
                "unit": child,
                "problems": r["problems"] if r else 0,
                "found": found,
                "fixed": fixed,
                "kept_up": kept,
                "ongoing": found - fixed - kept,
                "rate": round(100 * fixed / found, 2) if found else None,
                "none_found": none_found.get(child.pk),
            }
        )
    # worst first; units with nothing listed and no statement first of all (they have not reported)
    out.sort(key=lambda r: (r["found"] > 0 or r["none_found"] is not None, r["rate"] or 0, r["unit"].path))
    return out


@login_required
def special_unit(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = _campaign(request, unit)
    topics = _topics(campaign, unit)
    figs = actions.topic_figures(unit, topics)
    own_none = {n.topic_id: n for n in NoneFound.objects.filter(unit=unit, topic__in=topics)}
    scope = scope_for(request.user)
    rows = [{"topic": t, "figs": figs[t.pk], "none_found": own_none.get(t.pk)} for t in topics]
    chart = {
        "names": [t.title for t in topics],
        "fixed": [figs[t.pk]["fixed"] for t in topics],
        "kept_up": [figs[t.pk]["kept_up"] for t in topics],
        "ongoing": [figs[t.pk]["ongoing"] for t in topics],
        "labels": {"fixed": _("Rectified"), "kept_up": _("Kept up long-term"), "ongoing": _("In progress")},
    }
    return render(
        request,
        "special/unit.html",
        {
            "unit": unit,
            "campaign": campaign,
            "rows": rows,
            "chart": chart,
            "can_manage": scope.can_manage(unit),
            "can_record": scope.can_record(unit),
            "publication": Publication.objects.filter(unit=unit, campaign=campaign).first(),
        },
    )


@login_required
def topic_unit(request, code, topic_id):
    unit = get_unit_for_user(request.user, code)
    campaign = _campaign(request, unit)
    topic = _get_topic(campaign, unit, topic_id)
    scope = scope_for(request.user)
    none_found = NoneFound.objects.filter(topic=topic, unit=unit).first()
    return render(
        request,
        "special/topic_unit.html",
        {
            "unit": unit,
            "campaign": campaign,
            "topic": topic,
            "figs": actions.topic_figures(unit, [topic])[topic.pk],
            "ranking": _ranking(unit, topic),
            "none_found": none_found,
            "none_found_form": NoneFoundForm(),
            "challenge_form": ChallengeForm(),
            "can_record": scope.can_record(unit),
            "can_manage": scope.can_manage(unit),
            "applies": topic.applies_to(unit),
            "notice_form": NoticeForm(initial=NoticeForm.defaults()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = _campaign(request, unit)  # a campaign that does not cover the unit: 404
    require_manage(request.user, unit)  # inside without the office role: 403
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = actions.do_create_topic(
                acting_user=request.user, campaign=campaign, root_unit=unit, **form.cleaned_data
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The topic is set for %(unit)s and its subordinate units.") % {"unit": unit.name}
            )
            return redirect("special_topic_unit", code=unit.code, topic_id=topic.pk)
    return render(request, "special/topic_form.html", {"unit": unit, "campaign": campaign, "form": form})


@login_required
@require_POST
def none_found_state(request, code, topic_id):
    unit = get_unit_for_user(request.user, code, need="record")
    topic = _get_topic(_campaign(request, unit), unit, topic_id)
    form = NoneFoundForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(_("Say why nothing was found: a statement without a reason is not accepted."))
        actions.do_state_none_found(
            acting_user=request.user, topic=topic, unit=unit, reason=form.cleaned_data["reason"]
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your statement that nothing was found is recorded."))
    return redirect("special_topic_unit", code=unit.code, topic_id=topic.pk)


@login_required
@require_POST
def none_found_challenge(request, none_found_id):
    # the office role is needed (403 without it); the action checks that the office sits above the unit
    nf = get_scoped_or_404(
        request.user,
        NoneFound.objects.select_related("unit", "topic"),
        none_found_id,
        "unit__path",
        need="manage",
    )
    form = ChallengeForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(_("A challenge needs its reason."))
        actions.do_challenge_none_found(
            acting_user=request.user,
            none_found=nf,
            reason=form.cleaned_data["reason"],
            expected_version=request.POST.get("version"),
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The statement is challenged; %(unit)s has been asked to check again.")
            % {"unit": nf.unit.name},
        )
    back = request.POST.get("back") or ""
    if back.isdigit():
        parent = get_unit_for_user(
            request.user, Unit.objects.filter(pk=int(back)).values_list("code", flat=True).first() or ""
        )
        return redirect("special_topic_unit", code=parent.code, topic_id=nf.topic_id)
    return redirect("special_topic_unit", code=nf.unit.code, topic_id=nf.topic_id)


@login_required
def topic_notice(request, code, topic_id):
    unit = get_unit_for_user(request.user, code)
    campaign = _campaign(request, unit)
    topic = _get_topic(campaign, unit, topic_id)
    form = NoticeForm({**NoticeForm.defaults(), **request.GET.dict()})
    if not form.is_valid():
        return render(
            request, "special/notice_invalid.html", {"unit": unit, "topic": topic, "form": form}, status=400
        )
    body = notice.build(unit, campaign, topic, _ranking(unit, topic), **form.cleaned_data)
    body = with_viewer(body, watermark_text(request.user))
    response = HttpResponse(body, content_type=DOCX)
    name = f"notice-special-{unit.code}-{topic.pk}-{form.cleaned_data['as_of'].isoformat()}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def publish(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = _campaign(request, unit)
    require_manage(request.user, unit)
    topics = _topics(campaign, unit)
    last = Publication.objects.filter(unit=unit, campaign=campaign).first()
    previous = {c["topic"]: c["statement"] for c in (last.content if last else [])}
    figs = actions.public_figures(unit, topics)
    if request.method == "POST":
        statements = {t.pk: request.POST.get(f"statement-{t.pk}", "")[:2000] for t in topics}
        try:
            actions.do_publish(
                acting_user=request.user,
                unit=unit,
                campaign=campaign,
                statements=statements,
                as_of=timezone.localdate(),
            )
        except ActionError as exc:
            messages.error(request, " ".join(exc.messages))
            previous = {t.title: statements[t.pk] for t in topics}
        else:
            messages.success(
                request, _("Published. The public page shows these figures until you publish again.")
            )
            return redirect("special_unit", code=unit.code)
    rows = [{"topic": t, "figs": figs[t.pk], "statement": previous.get(t.title, "")} for t in topics]
    return render(
        request,
        "special/publish.html",
        {"unit": unit, "campaign": campaign, "rows": rows, "last": last},
    )


# --- public ---------------------------------------------------------------------------------------


@cache_control(public=True, max_age=300)
def public_page(request, code):
    """What an office published: a frozen snapshot, no personal data; anyone may read it, no login."""
    unit = Unit.objects.filter(code=code, is_active=True).first()
    pubs = (
        Publication.objects.filter(unit=unit).select_related("campaign")
        if unit
        else Publication.objects.none()
    )
    wanted = request.GET.get("campaign", "")
    if wanted.isdigit():
        pubs = pubs.filter(campaign_id=int(wanted))
    pub = pubs.first()
    if pub is None:
        raise Http404("Nothing published")
    etag = f'"{pub.etag}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponseNotModified(headers={"ETag": etag})
    response = render(request, "special/public.html", {"unit": unit, "pub": pub})
    response["ETag"] = etag
    return response


# --- referrals ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def refer_problem(request, problem_id):
    problem = get_problem_for_user(request.user, problem_id)
    if actions.referring_office_unit(request.user, problem.unit) is None:
        raise PermissionDenied("Referring needs the office role")
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = actions.do_refer_problem(
                acting_user=request.user, problem=problem, reason=form.cleaned_data["reason"]
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Referred to the discipline inspection body of %(unit)s.")
                % {"unit": referral.to_unit.name},
            )
            return redirect("problem_detail", problem_id=problem.pk)
    return render(
        request, "special/refer_form.html", {"problem": problem, "unit": problem.unit, "form": form}
    )


def _referrals_for(user):
    """The referrals this user may see: received by their discipline scope, or sent by their own office."""
    from chuxin.orgs.models import Role, subtrees_q

    scope = scope_for(user)
    qs = Referral.objects.select_related("problem", "problem__unit", "to_unit", "from_unit")
    if scope.is_all:
        return qs
    received = subtrees_q(scope.paths([Role.DISCIPLINE]), "to_unit__path")
    sent_paths = [p for r, p in scope.grants if r == Role.OFFICE]
    from django.db.models import Q

    return qs.filter(received | Q(from_unit__path__in=sent_paths))


@login_required
def referral_list(request):
    return render(request, "special/referral_list.html", {"referrals": _referrals_for(request.user)[:200]})


def _get_referral(user, referral_id) -> Referral:
    referral = _referrals_for(user).filter(pk=referral_id).first()
    if referral is None:
        raise Http404("No such referral")  # others learn nothing, not even that it exists
    return referral


@login_required
def referral_detail(request, referral_id):
    referral = _get_referral(request.user, referral_id)
    return render(
        request,
        "special/referral_detail.html",
        {
            "referral": referral,
            "can_handle": actions.can_handle_referral(request.user, referral),
            "form": ReferralStepForm(),
        },
    )


@login_required
@require_POST
def referral_step(request, referral_id, verb):
    referral = _get_referral(request.user, referral_id)
    if not actions.can_handle_referral(request.user, referral):
        raise PermissionDenied("Only the discipline inspectors handle a referral")
    form = ReferralStepForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        actions.do_advance_referral(
            acting_user=request.user,
            referral=referral,
            verb=verb,
            expected_version=request.POST.get("version"),
            outcome=data.get("outcome") or "",
            text=data.get("text") or "",
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The referral is updated."))
    return redirect("special_referral_detail", referral_id=referral.pk)
