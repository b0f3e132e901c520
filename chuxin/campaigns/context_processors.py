from .models import current_campaign


def shell(request):
    """What the page shell needs: the user's current campaign for the strand navigation (lazily)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"current_campaign": lambda: current_campaign(user)}
