"""Reminders (M19): the daily digest, its notifications and e-mails, the pages, the command, the worker."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from chuxin.campaigns import directory
from chuxin.campaigns.models import Campaign, CampaignStatus
from chuxin.orgs.models import Unit
from chuxin.problems import actions
from chuxin.problems.models import RectificationItem
from chuxin.reminders.digest import build_digests
from chuxin.reminders.models import Digest, Level, Notification, NotificationKind
from chuxin.reminders.tasks import send_daily_reminders


def today():
    """Shanghai's date when the test runs (not at import: a run may cross midnight, 16:00 UTC)."""
    return timezone.localdate()


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def staff(county_staff):
    """禅城区 staff: records items at 440604 and is their responsible person."""
    county_staff.email = "chancheng@example.org"
    county_staff.save()
    return county_staff


def add_item(user, days=30, title="为民服务窗口办事排队时间长"):
    problem = actions.do_record_problem(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=Unit.objects.get(code="440604"),
        title=title,
        source="opinion",
        acting_user=user,
    )
    return actions.do_add_item(
        problem,
        measures="优化办事流程",
        kind="deadline",
        requirements="按期完成",
        deadline=today() + timedelta(days=days),
        responsible_person=user.person,
        acting_user=user,
    )


def overdue(item, days):
    RectificationItem.objects.filter(pk=item.pk).update(due_date=today() - timedelta(days=days))
    item.refresh_from_db()
    return item


def kinds(user, **filters):
    return sorted(Notification.objects.filter(user=user, **filters).values_list("kind", flat=True))


def test_due_in_7_days_tomorrow_and_overdue(staff):
    seven = add_item(staff, days=7, title="七天后到期")
    tomorrow = add_item(staff, days=1, title="明天到期")
    late = overdue(add_item(staff, title="已经逾期"), 3)
    add_item(staff, days=20, title="还早")  # nothing to say about this one
    build_digests(today())
    notes = {n.item_id: n for n in Notification.objects.filter(user=staff)}
    assert notes[seven.pk].kind == NotificationKind.DUE_IN_7_DAYS
    assert notes[tomorrow.pk].kind == NotificationKind.DUE_TOMORROW
    assert notes[late.pk].kind == NotificationKind.OVERDUE
    assert notes[late.pk].days_overdue == 3
    assert notes[late.pk].level == Level.REMIND == late.escalation(today())
    assert len(notes) == 3
    assert all(n.digest_date == today() and n.read_at is None for n in notes.values())
    assert "已经逾期" in notes[late.pk].text


def test_closed_items_are_not_reminded(staff, guangdong_office):
    item = overdue(add_item(staff), 3)
    RectificationItem.objects.filter(pk=item.pk).update(status="closed")
    build_digests(today())
    assert not Notification.objects.filter(item=item).exists()


def test_a_closed_campaigns_items_are_not_reminded(staff, guangdong_office):
    """Closing a campaign ends its reminders: its overdue, due and rejected items are history."""
    late = overdue(add_item(staff, title="已经逾期"), 10)
    soon = add_item(staff, days=1, title="明天到期")
    rejected = actions.do_claim_item(
        add_item(staff, title="被退回"),
        "已完成",
        [SimpleUploadedFile("报告.pdf", b"%PDF-1.4 x")],
        acting_user=staff,
    )
    actions.do_reject_claim(rejected, "证明材料不足", acting_user=guangdong_office)
    Campaign.objects.filter(launched_on="2019-05-31").update(status=CampaignStatus.CLOSED)
    directory.touch()
    before = set(
        Notification.objects.values_list("pk", flat=True)
    )  # the return's own, written when it happened
    result = build_digests(today())
    assert not Notification.objects.filter(item__in=[late, soon, rejected]).exclude(pk__in=before).exists()
    assert result["digests"] == 0


def test_claim_rejected(staff, guangdong_office):
    item = add_item(staff)
    item = actions.do_claim_item(
        item, "已完成", [SimpleUploadedFile("报告.pdf", b"%PDF-1.4 done")], acting_user=staff
    )
    actions.do_reject_claim(item, "证明材料不足", acting_user=guangdong_office)
    build_digests(today())
    note = Notification.objects.get(user=staff, kind=NotificationKind.CLAIM_REJECTED)
    assert note.item_id == item.pk and "证明材料不足" in note.text
    # reported once: the next day's digest does not repeat it
    build_digests(today() + timedelta(days=1))
    assert Notification.objects.filter(user=staff, kind=NotificationKind.CLAIM_REJECTED).count() == 1


def test_escalated_to_the_nearest_office_above(staff, guangdong_office, central_office, hubei_office):
    week = overdue(add_item(staff, title="逾期一周"), 7)  # not yet: the level above sees it after 7 days
    month = overdue(add_item(staff, title="逾期十天"), 10)
    build_digests(today())
    # Foshan (the parent) has no office account in the demo, so Guangdong's office is the level above
    notes = Notification.objects.filter(
        user=guangdong_office, kind=NotificationKind.ESCALATED, item__in=[week, month]
    )
    assert [n.item_id for n in notes] == [month.pk]
    assert notes[0].days_overdue == 10 and notes[0].level == Level.SUPERVISE
    assert not Notification.objects.filter(user=central_office, item__in=[week, month]).exists()
    assert not Notification.objects.filter(user=hubei_office, item__in=[week, month]).exists()
    assert not Notification.objects.filter(item=week, kind=NotificationKind.ESCALATED).exists()
    # the responsible staff member (no office role) sees them as overdue, not escalated
    assert kinds(staff) == [NotificationKind.OVERDUE, NotificationKind.OVERDUE]


def test_warning_level_after_a_month(staff, guangdong_office):
    item = overdue(add_item(staff), 45)
    build_digests(today())
    note = Notification.objects.get(user=guangdong_office, item=item)
    assert note.level == Level.WARN and note.days_overdue == 45


def test_no_empty_digest(staff, guangdong_office):
    add_item(staff, days=20)
    result = build_digests(today())
    assert not Digest.objects.filter(user__in=[staff, guangdong_office]).exists()
    assert not Notification.objects.filter(user__in=[staff, guangdong_office]).exists()
    assert all(staff.email not in m.to for m in mail.outbox)
    assert result["notifications"] == Notification.objects.count()


def test_running_twice_the_same_day_sends_nothing_new(staff):
    overdue(add_item(staff), 2)
    build_digests(today())
    count, sent = Notification.objects.count(), len(mail.outbox)
    again = build_digests(today())
    assert again["digests"] == 0 and again["notifications"] == 0 and again["emails"] == 0
    assert Notification.objects.count() == count and len(mail.outbox) == sent
    assert Digest.objects.filter(user=staff, date=today()).count() == 1
    # the next day is a new digest
    build_digests(today() + timedelta(days=1))
    assert Notification.objects.filter(user=staff).count() == 2


def test_one_email_per_person_listing_the_events(staff):
    add_item(staff, days=1, title="明天到期")
    overdue(add_item(staff, title="已经逾期"), 4)
    build_digests(today())
    mine = [m for m in mail.outbox if staff.email in m.to]
    assert len(mine) == 1
    body = mine[0].body
    assert "明天到期" in body and "已经逾期" in body
    due = today() - timedelta(days=4)
    assert f"到期 {due.year}年{due.month}月{due.day}日" in body  # the due date of the overdue one …
    assert "逾期 4 天 · 提醒" in body  # … its days overdue and the escalation word
    assert f"{today().year}年{today().month}月{today().day}日" in mine[0].subject
    assert Digest.objects.get(user=staff, date=today()).emailed_at is not None


def test_a_user_sees_only_their_own_notifications(staff, guangdong_office, as_user):
    item = overdue(add_item(staff, title="只给本人看"), 10)
    build_digests(today())
    assert Notification.objects.filter(user=guangdong_office, item=item).exists()
    theirs = Notification.objects.filter(user=guangdong_office).count()

    client = as_user(staff)
    page = client.get(reverse("notification_list"))
    assert page.status_code == 200
    assert "只给本人看" in page.content.decode()
    assert page.context["page"].paginator.count == Notification.objects.filter(user=staff).count()
    assert {n.user_id for n in page.context["page"].object_list} == {staff.pk}
    assert ">1<" in client.get(reverse("notification_badge")).content.decode()

    # marking all read touches only the user's own
    assert client.post(reverse("notification_list")).status_code == 302
    assert not Notification.objects.filter(user=staff, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=guangdong_office, read_at__isnull=True).count() == theirs
    assert ">0<" in client.get(reverse("notification_badge")).content.decode()

    other = as_user(guangdong_office).get(reverse("notification_list"))
    assert {n.user_id for n in other.context["page"].object_list} == {guangdong_office.pk}


def test_outsider_sees_an_empty_list(outsider, as_user, staff):
    overdue(add_item(staff), 10)
    build_digests(today())
    page = as_user(outsider).get(reverse("notification_list"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    assert "list-group-item-warning" not in page.content.decode()


def test_unread_are_highlighted(staff, as_user):
    overdue(add_item(staff), 1)
    build_digests(today())
    html = as_user(staff).get(reverse("notification_list")).content.decode()
    assert "list-group-item-warning" in html and "style=" not in html.split('id="main"')[1]


def test_sendreminders_command(staff, capsys):
    overdue(add_item(staff), 2)
    call_command("sendreminders")  # the suite's ImmediateBackend runs the queued task at once
    assert "Queued" in capsys.readouterr().out
    assert Notification.objects.filter(user=staff, digest_date=today()).count() == 1
    later = today() + timedelta(days=1)
    call_command("sendreminders", "--now", "--date", later.isoformat())
    assert "1 digests" in capsys.readouterr().out or Digest.objects.filter(user=staff, date=later).exists()
    assert Notification.objects.filter(user=staff, digest_date=later).count() == 1


def test_sendreminders_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sendreminders", "--date", "29/11/2026")


def test_the_database_worker_runs_the_task(staff, monkeypatch):
    """The real path: enqueue into django_tasks_db, then let `db_worker --batch` run it."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # the worker closes stale connections between tasks; inside the test transaction it must not
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    item = overdue(add_item(staff), 5)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = send_daily_reminders.enqueue(today().isoformat())
        assert not Notification.objects.filter(item=item).exists()  # queued, not run
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == "SUCCESSFUL", row.traceback if hasattr(row, "traceback") else row
    note = Notification.objects.get(item=item, user=staff)
    assert note.kind == NotificationKind.OVERDUE and note.days_overdue == 5
    assert row.return_value["digests"] >= 1


def test_digest_queries_do_not_grow_with_items(staff, guangdong_office, django_assert_max_num_queries):
    for i in range(12):
        overdue(add_item(staff, title=f"逾期{i}"), 10 + i)
    with django_assert_max_num_queries(20):
        result = build_digests(today())
    assert result["per_kind"][NotificationKind.OVERDUE] >= 12


def test_list_is_paginated_newest_first(staff, as_user):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user=staff,
                kind=NotificationKind.OVERDUE,
                text=f"第{i}条",
                created_at=now - timedelta(hours=i),
            )
            for i in range(35)
        ]
    )
    client = as_user(staff)
    first = client.get(reverse("notification_list")).context["page"]
    assert first.paginator.num_pages == 2
    assert [n.text for n in first.object_list[:2]] == ["第0条", "第1条"]
    second = client.get(reverse("notification_list"), {"page": 2}).context["page"]
    assert second.object_list[len(second.object_list) - 1].text == "第34条"
