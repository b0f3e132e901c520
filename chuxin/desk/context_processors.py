from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

SESSION_KEY = "chuxin_shell"
WATERMARK_TILES = 60


def shell_facts(user) -> dict:
    """The viewer's name and 关怀版 setting in one query (two outer joins from the user row)."""
    from django.contrib.auth import get_user_model

    name, care = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list("person__name", "preference__care_mode")
        .first()
    ) or (None, None)
    name = user.get_full_name() or name or ""
    who = f"{name} {user.username}" if name and name != user.username else user.username
    return {"who": who, "care": bool(care)}


def remember(request, user) -> None:
    """Kept in the session at login (and when 关怀版 is switched), so pages add no query for the shell."""
    request.session[SESSION_KEY] = shell_facts(user)


def desk(request):
    """The watermark (the viewer's name and today's date) and 关怀版 for the page shell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    facts = request.session.get(SESSION_KEY)
    if facts is None:
        facts = shell_facts(user)
        request.session[SESSION_KEY] = facts
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    text = f"{facts['who']} {today}"
    return {
        "watermark_text": text,
        # the 60 tiles written here, not by a template loop of 60 (a tenth of a millisecond on every page)
        "watermark_tiles": mark_safe(f"<span>{escape(text)}</span>" * WATERMARK_TILES),  # noqa: S308 — escaped
        "care_mode": facts["care"],
    }
