from chuxin.campaigns.models import Campaign
from chuxin.orgs.scope import scope_for


def shell(request):
    """What the page shell needs: the user's current campaign for the strand navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def current_campaign():
        return Campaign.objects.visible_to(scope_for(user)).prefetch_related("strands").first()

    return {"current_campaign": current_campaign}
