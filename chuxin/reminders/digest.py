"""The daily digest (M19): collect each person's events of the day, record them, mail them once.

Set-based throughout: a handful of queries per run whatever the number of items, each served by an
index of RectificationItem ((status, due_date) for the date scans). Per run:

* due in 7 days / due tomorrow / overdue: items whose responsible person has an account;
* claim rejected: "reject" updates on their items since that user's previous digest;
* escalated: items on the ladder's 督办 rung or above (problems.models.LADDER), shown to every office-role holder whose
  office subtree contains the item unit's parent (the level above sees it).

A Digest row per (user, day), unique in the database, makes the run idempotent: a second run the
same day finds the rows and writes and sends nothing new; two concurrent runs cannot both commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chuxin.campaigns.models import CampaignStatus
from chuxin.orgs.models import Role, RoleAssignment, ancestor_paths
from chuxin.problems.models import (
    ACTIVE_STATUSES,
    Level,
    ProgressUpdate,
    RectificationItem,
    UpdateKind,
    first_day_of,
)

from .models import Digest, Notification, NotificationKind

MAX_LINES_PER_KIND = 50  # an e-mail lists at most this many events of a kind; the page lists all
REJECT_LOOKBACK_DAYS = 7  # a user's first digest reports rejections of the past week
BATCH = 2000

ITEM_FIELDS = ("id", "due_date", "status", "problem__title", "unit__name")


@dataclass
class Event:
    kind: str
    item_id: int | None
    text: str
    due_date: date | None = None
    days_overdue: int = 0
    level: str = ""
    at: datetime | None = None


@dataclass
class RunResult:
    date: str
    digests: int = 0
    notifications: int = 0
    emails: int = 0
    skipped: int = 0  # users who already had today's digest
    per_kind: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _label(title: str, unit_name: str) -> str:
    return f"{title}（{unit_name}）"


def _level(status: str, due: date | None, today: date) -> str:
    # The model's own rule, on an unsaved instance: no query.
    return RectificationItem(status=status, due_date=due).escalation(today)


def _escalated_before(today: date) -> date:
    """Items due before this day stand on the 督办 rung or above: the level above sees them."""
    return today - timedelta(days=first_day_of(Level.SUPERVISE) - 1)


def _open_items():
    """Active items of campaigns that have not closed: a closed campaign's items are history, nobody is
    reminded of them (a join to the handful of campaigns, no extra query)."""
    return RectificationItem.objects.filter(status__in=ACTIVE_STATUSES).exclude(
        campaign__status=CampaignStatus.CLOSED
    )


def _account_items():
    """Active items of open campaigns whose responsible person has an active account."""
    return _open_items().filter(
        responsible_person__is_active=True,
        responsible_person__user__isnull=False,
        responsible_person__user__is_active=True,
    )


def _due_events(today: date, events: dict[int, list[Event]]) -> None:
    scans = [
        (NotificationKind.DUE_IN_7_DAYS, {"due_date": today + timedelta(days=7)}),
        (NotificationKind.DUE_TOMORROW, {"due_date": today + timedelta(days=1)}),
        (NotificationKind.OVERDUE, {"due_date__lt": today}),
    ]
    for kind, cond in scans:
        rows = (
            _account_items()
            .filter(**cond)
            .values_list(*ITEM_FIELDS, "responsible_person__user_id")
            .order_by("due_date", "id")
        )
        for pk, due, status, title, unit_name, user_id in rows.iterator(chunk_size=BATCH):
            days = (today - due).days if kind == NotificationKind.OVERDUE else 0
            events[user_id].append(
                Event(kind, pk, _label(title, unit_name), due, days, _level(status, due, today))
            )


def _rejection_events(today: date, now: datetime, events: dict[int, list[Event]]) -> None:
    """Rejections on a user's items since that user's last digest (or the past week, for a first one)."""
    floor = timezone.make_aware(datetime.combine(today - timedelta(days=REJECT_LOOKBACK_DAYS), time.min))
    last_digest = (
        Digest.objects.filter(user=OuterRef("item__responsible_person__user"), date__lt=today)
        .order_by("-date")
        .values("created_at")[:1]
    )
    rows = (
        ProgressUpdate.objects.filter(
            kind=UpdateKind.REJECT,
            at__lte=now,
            item__status__in=ACTIVE_STATUSES,
            item__responsible_person__is_active=True,
            item__responsible_person__user__isnull=False,
            item__responsible_person__user__is_active=True,
        )
        .annotate(since=Coalesce(Subquery(last_digest), Value(floor), output_field=DateTimeField()))
        .filter(at__gt=F("since"))
        .exclude(item__campaign__status=CampaignStatus.CLOSED)
        .values_list(
            "item_id",
            "item__due_date",
            "item__problem__title",
            "item__unit__name",
            "item__responsible_person__user_id",
            "text",
            "at",
        )
        .order_by("at", "id")
    )
    for item_id, due, title, unit_name, user_id, reasons, at in rows.iterator(chunk_size=BATCH):
        text = _label(title, unit_name)
        if reasons:
            text = f"{text}：{reasons[:300]}"
        events[user_id].append(Event(NotificationKind.CLAIM_REJECTED, item_id, text, due, at=at))


def _escalation_events(today: date, events: dict[int, list[Event]]) -> None:
    """Items from the 督办 rung on (more than a week overdue), to the office of the level above: the nearest ancestor of the
    item's unit that has office holders (so the centre is not flooded with every county's items).

    One query for the offices, one for the items; the match is done on the materialised paths.
    """
    offices: dict[str, set[int]] = defaultdict(set)  # office unit path -> user ids
    for path, user_id in RoleAssignment.objects.filter(
        role=Role.OFFICE,
        person__is_active=True,
        person__user__isnull=False,
        person__user__is_active=True,
    ).values_list("unit__path", "person__user_id"):
        offices[path].add(user_id)
    if not offices:
        return
    rows = (
        _open_items()
        .filter(due_date__lt=_escalated_before(today))
        .values_list(*ITEM_FIELDS, "unit__path")
        .order_by("due_date", "id")
    )
    for pk, due, status, title, unit_name, path in rows.iterator(chunk_size=BATCH):
        recipients: set[int] = set()
        for above in reversed(ancestor_paths(path, include_self=False)):  # nearest first
            recipients = offices.get(above, set())
            if recipients:
                break
        if not recipients:
            continue
        days = (today - due).days
        level = _level(status, due, today)
        text = _label(title, unit_name)
        for user_id in recipients:
            events[user_id].append(Event(NotificationKind.ESCALATED, pk, text, due, days, level))


# Other apps add their own event sources here (from their AppConfig.ready): f(today, events).
collectors: list = []


def collect_events(today: date, now: datetime | None = None) -> dict[int, list[Event]]:
    """user id -> the day's events, without writing anything."""
    events: dict[int, list[Event]] = defaultdict(list)
    _due_events(today, events)
    _rejection_events(today, now or timezone.now(), events)
    _escalation_events(today, events)
    for collect in collectors:
        collect(today, events)
    return events


def build_digests(today: date | None = None, send: bool = True) -> dict:
    """Write today's notifications and one digest per person with events; then e-mail them."""
    today = today or timezone.localdate()
    now = timezone.now()
    result = RunResult(date=today.isoformat())
    events = collect_events(today, now)
    done = set(Digest.objects.filter(date=today).values_list("user_id", flat=True))
    result.skipped = len(done & events.keys())
    fresh = {uid: evs for uid, evs in events.items() if evs and uid not in done}  # never an empty digest
    with transaction.atomic():
        Digest.objects.bulk_create(
            [Digest(user_id=uid, date=today, events=len(evs), created_at=now) for uid, evs in fresh.items()],
            batch_size=BATCH,
        )
        # A return was already notified in-app at once (receivers.py): the digest adopts that
        # notification for its e-mail instead of writing a second one.
        immediate = {
            (uid, item_id): pk
            for pk, uid, item_id in Notification.objects.filter(
                kind=NotificationKind.CLAIM_REJECTED,
                digest_date__isnull=True,
                user_id__in=list(fresh),
                item_id__in={
                    e.item_id
                    for evs in fresh.values()
                    for e in evs
                    if e.kind == NotificationKind.CLAIM_REJECTED
                },
            ).values_list("pk", "user_id", "item_id")
        }
        adopted = []
        notes = []
        for uid, evs in fresh.items():
            for e in evs:
                if e.kind == NotificationKind.CLAIM_REJECTED and (uid, e.item_id) in immediate:
                    adopted.append(immediate.pop((uid, e.item_id)))
                    continue
                notes.append(
                    Notification(
                        user_id=uid,
                        kind=e.kind,
                        item_id=e.item_id,
                        text=e.text,
                        due_date=e.due_date,
                        days_overdue=e.days_overdue,
                        level=e.level or Level.NONE,
                        created_at=now,
                        digest_date=today,
                    )
                )
        Notification.objects.bulk_create(notes, batch_size=BATCH)
        Notification.objects.filter(pk__in=adopted).update(digest_date=today)
    result.digests = len(fresh)
    result.notifications = len(notes)
    for n in notes:
        result.per_kind[n.kind] = result.per_kind.get(n.kind, 0) + 1
    if send:
        result.emails = send_pending(today)
    return result.as_dict()


def send_pending(today: date) -> int:
    """E-mail today's digests not yet sent (one message per person); returns the number sent.

    Built from the stored notifications, so a failed send is simply retried by the next run.
    """
    pending = list(
        Digest.objects.filter(date=today, emailed_at__isnull=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    sent = 0
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for n in (
            Notification.objects.filter(digest_date=today, user_id__in=[d.user_id for d in chunk])
            .order_by("user_id", "kind", "-days_overdue", "id")
            .iterator(chunk_size=BATCH)
        ):
            by_user[n.user_id].append(n)
        messages = [_message(d.user, today, by_user[d.user_id]) for d in chunk if by_user[d.user_id]]
        with mail.get_connection() as connection:
            sent += connection.send_messages(messages) or 0
        Digest.objects.filter(pk__in=[d.pk for d in chunk]).update(emailed_at=timezone.now())
    return sent


def _message(user, today: date, notes: list[Notification]) -> mail.EmailMessage:
    sections = []
    for kind in NotificationKind:
        rows = [n for n in notes if n.kind == kind]
        if rows:
            sections.append(
                {
                    "label": kind.label,
                    "rows": rows[:MAX_LINES_PER_KIND],
                    "more": max(0, len(rows) - MAX_LINES_PER_KIND),
                }
            )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Chuxin daily reminders for %(date)s") % {"date": date_format(today)}
        body = render_to_string(
            "reminders/digest_email.txt",
            {
                "user": user,
                "today": today,
                "sections": sections,
                "count": len(notes),
                "url": getattr(settings, "SITE_URL", "").rstrip("/") + reverse("notification_list"),
            },
        )
    return mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
