"""Meetings (M16): a teleconference with a main venue and sub-venues, attendance per venue, the bulk form."""

from datetime import date

import pytest
from django.urls import reverse

from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, Rank, Unit
from chuxin.study import actions
from chuxin.study.completion import venue_completion, venue_people
from chuxin.study.models import Attendance

pytestmark = pytest.mark.django_db


def _teleconference(user):
    gd = Unit.objects.get(code="440000")
    m = actions.do_create_meeting(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=gd,
        kind="work_meeting",
        title="主题教育工作会议（电视电话会议）",
        date=date(2019, 6, 3),
        place="省委礼堂",
        required_rank=Rank.NONE,
        acting_user=user,
    )
    subs = [
        actions.do_add_venue(m, c, f"{c.name}分会场", acting_user=user)
        for c in Unit.objects.children_of(gd)[:3]
    ]
    return m, subs


def test_teleconference_attendance_per_venue(guangdong_office):
    m, subs = _teleconference(guangdong_office)
    assert m.venues.count() == 4
    for v in subs:
        people = venue_people(m, v)
        assert people and all(p.home_unit.path.startswith(v.unit.path) for p in people)
        actions.do_bulk_attendance(m, v, [(p, "present", "") for p in people], acting_user=guangdong_office)
    rows = venue_completion(m)
    by_venue = {r["venue"].pk: r for r in rows}
    for v in subs:
        assert by_venue[v.pk]["pct"] == 100
    main = next(r for r in rows if r["venue"].is_main)
    assert main["present"] == 0 and main["pct"] == 0
    # main-venue people exclude those who belong to a sub-venue
    main_people = venue_people(m, main["venue"])
    assert not any(p.home_unit.path.startswith(subs[0].unit.path) for p in main_people)


def test_sub_venue_of_another_subtree_refused_and_nothing_written(central_office):
    gd = Unit.objects.get(code="440000")
    m = actions.do_create_meeting(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=gd,
        kind="work_meeting",
        title="会议",
        date=date(2019, 6, 3),
        acting_user=central_office,
    )
    with pytest.raises(ActionError):
        actions.do_add_venue(m, Unit.objects.get(code="420000"), acting_user=central_office)
    assert list(m.venues.values_list("unit__code", flat=True)) == ["440000"]


def test_bulk_form_is_plain_and_keyboard_friendly(as_user, guangdong_office):
    m, subs = _teleconference(guangdong_office)
    html = as_user(guangdong_office).get(reverse("attendance_bulk", args=[m.pk, subs[0].pk])).content.decode()
    assert 'type="radio"' in html and 'name="all_present"' in html
    assert "tabindex" not in html and "<script>" not in html and " style=" not in html


def test_bulk_form_scope(as_user, guangdong_office, hubei_office, django_user_model):
    m, subs = _teleconference(guangdong_office)
    url = reverse("attendance_bulk", args=[m.pk, subs[0].pk])
    assert as_user(hubei_office).get(url).status_code == 404
    viewer = django_user_model.objects.get(username="viewer")
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(viewer).post(url, {"all_present": "1"}).status_code == 403
    assert not Attendance.objects.filter(meeting=m).exists()


def test_venue_of_another_meeting_is_404(as_user, guangdong_office):
    m1, subs = _teleconference(guangdong_office)
    m2, _ = _teleconference(guangdong_office)
    url = reverse("attendance_bulk", args=[m2.pk, subs[0].pk])
    assert as_user(guangdong_office).get(url).status_code == 404


def test_progress_page_flags_lagging_leadership(as_user, guangdong_office):
    gd = Unit.objects.get(code="440000")
    actions.do_create_meeting(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=gd,
        kind="study_session",
        study_kind="concentrated",
        title="中心组学习",
        date=date(2019, 6, 10),
        required_rank=Rank.NONE,
        acting_user=guangdong_office,
    )
    child = Unit.objects.children_of(gd).first()
    m = actions.do_create_meeting(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=child,
        kind="study_session",
        study_kind="party_lecture",
        title="专题党课",
        date=date(2019, 6, 11),
        required_rank=Rank.NONE,
        acting_user=guangdong_office,
    )
    people = [cm.person for cm in child.committee.all()]
    actions.do_bulk_attendance(
        m, m.venues.get(), [(p, "present", "") for p in people], acting_user=guangdong_office
    )
    response = as_user(guangdong_office).get(reverse("strand_progress", args=["440000"]))
    assert response.status_code == 200
    assert response.context["lf"]["lags_study"]
    assert child.name in response.content.decode()


def test_person_outside_venue_unit_listed_nowhere_else(guangdong_office):
    m, subs = _teleconference(guangdong_office)
    outsider = Person.objects.filter(home_unit__code="420000").first()
    with pytest.raises(ActionError):
        actions.do_mark_attendance(m, subs[0], outsider, "present", acting_user=guangdong_office)


def test_meeting_page_lists_absences_with_reasons(as_user, guangdong_office):
    m, subs = _teleconference(guangdong_office)
    person = venue_people(m, subs[0]).first()
    actions.do_mark_attendance(m, subs[0], person, "absent", "因公出差", acting_user=guangdong_office)
    html = as_user(guangdong_office).get(reverse("meeting_detail", args=[m.pk])).content.decode()
    assert "因公出差" in html and person.name in html
