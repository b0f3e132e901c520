"""The public satisfaction survey (群众满意度测评) at a unit's public link: no account, the opinions' anti-abuse
rules (chuxin/opinions/abuse.py), one response per device and campaign (a signed device cookie)."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from chuxin.core.errors import ActionError
from chuxin.opinions import abuse
from chuxin.opinions.actions import Throttled
from chuxin.opinions.views_public import campaign_reaching, public_unit

from . import actions
from .forms import SurveyForm
from .models import Scheme
from .scores import questions_of


@never_cache
@require_http_methods(["GET", "POST"])
def public_survey(request, code, campaign_id):
    unit = public_unit(code)
    campaign = campaign_reaching(unit, campaign_id)
    base = {"unit": unit, "campaign": campaign}
    scheme = Scheme.objects.filter(campaign=campaign).first()
    if scheme is None:
        return render(request, "evaluation/survey_done.html", {**base, "closed": True}, status=404)
    if campaign.is_closed:  # its answers would be refused (ensure_open): say so before the questions
        return render(request, "evaluation/survey_done.html", {**base, "ended": True})
    survey, _rating = questions_of(scheme)
    device = abuse.device_token(request)
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=survey)
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.do_submit_survey(
                    unit=unit,
                    campaign=campaign,
                    answers=form.answers(),
                    comment=d["comment"],
                    address=abuse.client_address(request),
                    device=device,
                    token=d["token"],
                    answer=d["answer"],
                    honeypot=d.get(abuse.HONEYPOT_FIELD, ""),
                )
            except actions.AlreadyAnswered:
                return render(request, "evaluation/survey_done.html", base)
            except Throttled as exc:
                form.add_error(None, exc)
                status = 429
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                return render(request, "evaluation/survey_done.html", {**base, "thanks": True})
        data = request.POST.copy()
        data["token"] = abuse.new_challenge()
        data["answer"] = ""
        errors = form.errors
        form = SurveyForm(data, questions=survey)
        form._errors = errors  # keep the messages and the answers given, show a fresh picture
    elif actions.has_answered(campaign, device):
        return render(request, "evaluation/survey_done.html", base)
    else:
        form = SurveyForm(initial={"token": abuse.new_challenge()}, questions=survey)
    response = render(
        request,
        "evaluation/survey_form.html",
        {**base, "form": form, "token": form["token"].value()},
        status=status,
    )
    abuse.remember_device(request, response)
    return response
