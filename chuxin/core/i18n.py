"""The few language helpers the whole project shares.

- Labels come from the model choices, the one source of each word (GLOSSARY.md). ``zh(label)`` renders
  a lazy label in Chinese whatever the interface language, for the .xlsx and .docx files whose layout
  is Chinese (the 台账 columns, the GB/T 9704 notice).
- Dates read 2019年10月31日 and 2019年10月31日 14:05 in Chinese. ``zh_date``/``zh_datetime`` use the
  project's format module (``chuxin/formats/zh_Hans``), the same formats the pages use through ``|date``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format

CHINESE = "zh-hans"


def zh(label) -> str:
    """A (lazy) label in Chinese, e.g. ``zh(Status.CLOSED.label)`` → 已销号."""
    with translation.override(CHINESE):
        return str(label)


def zh_date(d: date | None) -> str:
    if d is None:
        return ""
    return dateformat.format(d, get_format("DATE_FORMAT", lang=CHINESE, use_l10n=True))


def zh_datetime(dt: datetime | None) -> str:
    if dt is None:
        return ""
    if timezone.is_aware(dt):
        dt = timezone.localtime(dt)
    return dateformat.format(dt, get_format("DATETIME_FORMAT", lang=CHINESE, use_l10n=True))
