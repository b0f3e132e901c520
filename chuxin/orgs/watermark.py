"""The viewer's watermark: who is looking, and on which day — on every page, export and document."""

from django.utils import timezone
from django.utils.formats import date_format


def watermark_text(user) -> str:
    """'王伟 chancheng 2019年10月31日' (the person's name when the account has one); cached per user object."""
    from .models import Person

    cached = getattr(user, "_chuxin_watermark", None)
    if cached is not None:
        return cached
    person = Person.objects.filter(user=user).values_list("name", flat=True).first()
    name = user.get_full_name() or person or ""
    who = f"{name} {user.username}" if name and name != user.username else user.username
    text = f"{who} {date_format(timezone.localdate(), 'DATE_FORMAT')}"
    user._chuxin_watermark = text
    return text
