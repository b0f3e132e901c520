from .access import picker_campaigns, shell_campaign


def shell(request):
    """What the page shell needs, lazily: the campaign picker's list and the shell's campaign (the
    session's choice, else the newest the user reaches) for the strand navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_campaign": lambda: shell_campaign(request),
        "picker_campaigns": lambda: picker_campaigns(request),
    }
