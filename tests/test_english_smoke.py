"""English is one click away: the main flow once through the pages with the language switch set to English.

Everything else in the suite runs in Chinese, the default; this checks that the English interface is
complete along the way (no Chinese status badges, English dates) and that its actions work."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chuxin.orgs.models import Unit
from chuxin.problems.models import Problem, RectificationItem, Status


def today():
    """Shanghai's date when the test runs (not at import: a run may cross midnight, 16:00 UTC)."""
    return timezone.localdate()


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_record_claim_and_verify_in_english(english, county_staff, guangdong_office):
    client = english
    client.force_login(county_staff)
    page = client.get(reverse("problem_create", args=["440604"])).content.decode()
    assert "Record a problem" in page and "Opinions heard" in page and "记录" not in page
    person = Unit.objects.get(code="440604").people.order_by("pk").first()
    deadline = today() + timedelta(days=20)
    response = client.post(  # the problem and its first item on one page
        reverse("problem_create", args=["440604"]),
        {
            "title": "Queues at the service window (smoke)",
            "source": "opinion",
            "severity": "2",
            "measures": "Open two more windows",
            "kind": "deadline",
            "person": f"{person.name} · {person.position}" if person.position else person.name,
            "deadline": deadline.isoformat(),
            "requirements": "By the end of the month",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    problem = Problem.objects.get(title="Queues at the service window (smoke)")
    item = RectificationItem.objects.get(problem=problem)
    page = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert "Not started" in page and "未开始" not in page  # the badge follows the language
    assert f"{deadline.day} {deadline:%B} {deadline.year}" in page  # English date format

    response = client.post(
        reverse("item_action", args=[item.pk, "claim"]),
        {
            "text": "Two windows opened",
            "version": item.version,
            "files": SimpleUploadedFile("report.pdf", b"%PDF-1.4 x"),
        },
    )
    assert response.status_code == 302
    client.force_login(guangdong_office)
    item.refresh_from_db()
    assert item.status == Status.CLAIMED
    page = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert "Completion claimed" in page and "claimed completion." in page
    client.post(
        reverse("item_action", args=[item.pk, "verify"]), {"version": item.version, "text": "Checked"}
    )
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    page = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert (
        "Rectified and closed" in page
        and "status changed from “Claimed, awaiting verification” to “Rectified and closed”" in page
    )

    ledger = client.get(reverse("unit_ledger", args=["440604"])).content.decode()
    assert "Rectification ledger" in ledger and "整改台账" not in ledger
    dashboard = client.get(reverse("unit_dashboard", args=["440000"])).content.decode()
    assert "Rectification roll-up" in dashboard and "Not started" in dashboard
