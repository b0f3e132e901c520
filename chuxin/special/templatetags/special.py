"""Special rectification on ledger pages, without the ledger importing this app: the problem page loads
this tag to show that a problem was referred (to everyone) and the referral itself (to those entitled)."""

from django import template

from chuxin.special.actions import can_see_referral, referring_office_unit
from chuxin.special.models import Referral, ReferralStatus

register = template.Library()


@register.inclusion_tag("special/_problem_referral.html", takes_context=True)
def problem_referral(context, problem):
    user = context["request"].user
    referral = Referral.objects.filter(problem=problem).select_related("to_unit", "from_unit").first()
    return {
        "problem": problem,
        "referral": referral,
        "referred": referral is not None and referral.status != ReferralStatus.RETURNED,
        "can_see": referral is not None and can_see_referral(user, referral),
        "can_refer": referral is None and referring_office_unit(user, problem.unit) is not None,
    }


@register.inclusion_tag("special/_dashboard_panel.html")
def special_topics_panel(unit, campaign):
    """The per-topic table of a dashboard: one query for the topics, one for their roll-up rows."""
    from chuxin.special.actions import topic_figures
    from chuxin.special.models import Topic

    topics = list(
        Topic.objects.filter(campaign=campaign).covering(unit).order_by("root_unit__depth", "order")
    )
    figs = topic_figures(unit, topics)
    return {"unit": unit, "campaign": campaign, "rows": [{"topic": t, "figs": figs[t.pk]} for t in topics]}
