"""Typical cases (典型案例): who sees them, promotion to a subtree and adoption by units, use as study
material, and search with Chinese segmentation."""

import pytest
from django.urls import reverse

from chuxin.campaigns.models import Campaign
from chuxin.cases import actions
from chuxin.cases.models import Case, CaseKind, Visibility
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.models import Unit
from chuxin.study.models import Meeting

pytestmark = pytest.mark.django_db


def _case(user, code="440600", visibility=Visibility.SUBTREE, kind=CaseKind.EXPERIENCE, title="综合窗口改革"):
    return actions.do_record_case(
        acting_user=user,
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=Unit.objects.get(code=code),
        kind=kind,
        title=title,
        body="推行前台综合受理、后台分类审批，群众办事最多跑一次。",
        visibility=visibility,
    )


def test_a_subtree_case_is_seen_below_and_above_but_not_beside(guangdong_office, county_staff, hubei_office):
    case = _case(guangdong_office)
    assert actions.cases_for(county_staff).filter(pk=case.pk).exists()  # 440604 lies below 440600
    assert actions.cases_for(guangdong_office).filter(pk=case.pk).exists()
    assert not actions.cases_for(hubei_office).filter(pk=case.pk).exists()


def test_a_unit_level_case_is_not_seen_below(guangdong_office, county_staff):
    case = _case(guangdong_office, visibility=Visibility.UNIT)
    assert not actions.cases_for(county_staff).filter(pk=case.pk).exists()


def test_a_promoted_experience_reaches_the_subtree_and_two_counties_adopt_it(
    guangdong_office, hubei_office, central_office, django_user_model
):
    case = _case(guangdong_office, code="440600", visibility=Visibility.UNIT)
    with pytest.raises(ActionForbidden):  # Hubei's office does not manage Guangdong
        actions.do_promote_case(acting_user=hubei_office, case=case, to_unit=Unit.objects.get(code="440000"))
    actions.do_promote_case(acting_user=guangdong_office, case=case, to_unit=Unit.objects.get(code="440000"))
    counties = Unit.objects.filter(path__startswith=Unit.objects.get(code="440000").path, kind="county")[:2]
    for county in counties:
        actions.do_adopt_case(acting_user=guangdong_office, case=case, unit=county, outcome="设立综合窗口")
    assert case.adoptions.count() == 2
    with pytest.raises(ActionError):  # not promoted to Hubei
        actions.do_adopt_case(
            acting_user=central_office, case=case, unit=Unit.objects.get(code="420000"), outcome="x"
        )


def test_a_negative_case_becomes_study_material(central_office):
    case = _case(
        central_office,
        code="000000",
        kind=CaseKind.NEGATIVE,
        visibility=Visibility.PUBLIC,
        title="违规收受礼金案",
    )
    meeting = Meeting.objects.filter(unit__code="440000").first() or Meeting.objects.create(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=Unit.objects.get(code="440000"),
        kind="study_session",
        title="警示教育",
        date="2019-07-01",
    )
    actions.do_use_in_study(acting_user=central_office, case=case, meeting=meeting)
    assert case.uses.get().meeting == meeting


def test_search_finds_a_case_by_a_chinese_word_of_its_text(client, guangdong_office):
    _case(guangdong_office, title="综合窗口改革")
    client.force_login(guangdong_office)
    found = client.get(reverse("case_list"), {"q": "群众办事"}).content.decode()
    missed = client.get(reverse("case_list"), {"q": "乡村振兴"}).content.decode()
    assert "综合窗口改革" in found and "综合窗口改革" not in missed


def test_the_case_page_shows_adoption_by_unit_in_chinese(client, guangdong_office):
    case = Case.objects.get(title__contains="一门式一网式")
    client.force_login(guangdong_office)
    text = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "采用单位" in text and "设立综合窗口" in text


def test_the_demo_has_the_three_kinds_of_case():
    assert set(Case.objects.values_list("kind", flat=True)) == set(CaseKind.values)
