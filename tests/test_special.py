"""Special rectification (专项整治): topics pushed down a subtree, per-topic roll-ups, notices, the public page
and referral of violations to discipline inspection."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from python_calamine import CalamineWorkbook

from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, Unit, UnitKind
from chuxin.problems import actions as ledger
from chuxin.problems.models import Source
from chuxin.rollups import topics as topic_counters
from chuxin.special import actions
from chuxin.special.models import NoneFound, NoneFoundStatus, Publication, Referral, ReferralStatus, Topic

pytestmark = pytest.mark.django_db


def today():
    """Shanghai's date when the test runs (not at import: a run may cross midnight, 16:00 UTC)."""
    return timezone.localdate()


ID_OR_MOBILE = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


@pytest.fixture
def campaign():
    return Campaign.objects.get(launched_on="2019-05-31")


@pytest.fixture
def topic(campaign):
    return Topic.objects.filter(campaign=campaign, root_unit__code="000000").order_by("order").first()


def _list_problem(user, campaign, topic, code, title="违规收受礼金问题"):
    unit = Unit.objects.get(code=code)
    problem = ledger.do_record_problem(
        campaign=campaign, unit=unit, title=title, source=Source.SPECIAL, topic=topic, acting_user=user
    )
    item = ledger.do_add_item(
        problem,
        measures="全面清退，建立台账",
        kind="deadline",
        requirements="按期清退到位",
        deadline=today() + timedelta(days=20),
        responsible_person=unit.people.order_by("pk").first(),
        acting_user=user,
    )
    return problem, item


def _docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_the_demo_has_the_eight_central_topics_and_a_guangdong_topic_for_counties(campaign):
    central = Topic.objects.filter(campaign=campaign, root_unit__code="000000")
    assert central.count() == 8
    assert central.filter(title__contains="加重基层负担").exists()
    gd = Topic.objects.get(campaign=campaign, root_unit__code="440000")
    assert gd.kinds() == [UnitKind.COUNTY]


def test_a_topic_set_by_the_centre_reaches_a_county_and_the_guangdong_topic_does_not_reach_hubei(campaign):
    county, hubei = Unit.objects.get(code="440604"), Unit.objects.get(code="420000")
    assert Topic.objects.filter(campaign=campaign).covering(county).count() == 9
    assert Topic.objects.filter(campaign=campaign).covering(hubei).count() == 8


def test_a_county_item_under_a_topic_rolls_up_to_the_province_in_the_same_transaction(
    campaign, topic, county_staff
):
    province = Unit.objects.get(code="440000")
    before = topic_counters.stored(province, topic.pk)
    _list_problem(county_staff, campaign, topic, "440604")
    after = topic_counters.stored(province, topic.pk)
    assert (after["problems"] - before["problems"], after["items"] - before["items"]) == (1, 1)
    assert topic_counters.drift(province, topic.pk) == {}


def test_the_topic_counters_of_the_demo_equal_a_recount(campaign):
    for code in ("000000", "440000", "440600", "440604", "420000"):
        for t in Topic.objects.filter(campaign=campaign):
            assert topic_counters.drift(Unit.objects.get(code=code), t.pk) == {}


def test_a_county_only_topic_refuses_a_problem_of_a_city(campaign, guangdong_office):
    gd_topic = Topic.objects.get(campaign=campaign, root_unit__code="440000")
    city = Unit.objects.get(code="440600")
    with pytest.raises(ActionError, match="不|does not cover"):
        ledger.do_record_problem(
            campaign=campaign,
            unit=city,
            title="x",
            source=Source.SPECIAL,
            topic=gd_topic,
            acting_user=guangdong_office,
        )


def test_only_an_office_sets_a_topic(campaign, county_staff, guangdong_office):
    gd = Unit.objects.get(code="440000")
    with pytest.raises(ActionError):
        actions.do_create_topic(acting_user=county_staff, campaign=campaign, root_unit=gd, title="x")
    topic = actions.do_create_topic(
        acting_user=guangdong_office,
        campaign=campaign,
        root_unit=gd,
        title="整治“文山会海”",
        unit_kinds=["city"],
    )
    assert topic.applies_to(Unit.objects.get(code="440600"))
    assert not topic.applies_to(Unit.objects.get(code="440604"))


def test_none_found_needs_a_reason_and_a_superior_can_challenge_it(
    campaign, topic, county_staff, guangdong_office
):
    county = Unit.objects.get(code="440604")
    with pytest.raises(ActionError):
        actions.do_state_none_found(acting_user=county_staff, topic=topic, unit=county, reason="  ")
    NoneFound.objects.filter(unit=county).delete()
    topic.problems.filter(unit=county).update(topic=None)
    nf = actions.do_state_none_found(
        acting_user=county_staff, topic=topic, unit=county, reason="经排查未发现。"
    )
    with pytest.raises(ActionError):  # the county cannot challenge its own statement
        actions.do_challenge_none_found(
            acting_user=county_staff, none_found=nf, reason="x", expected_version=nf.version
        )
    nf = actions.do_challenge_none_found(
        acting_user=guangdong_office,
        none_found=nf,
        reason="信访件反映过此类问题",
        expected_version=nf.version,
    )
    assert nf.status == NoneFoundStatus.CHALLENGED


def test_the_province_sees_the_topic_ranking_worst_first_in_chinese(
    campaign, topic, as_user, guangdong_office
):
    response = as_user(guangdong_office).get(reverse("special_topic_unit", args=["440000", topic.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "下级单位（倒排名）" in text or "倒排名" in text
    assert topic.title in text


def test_the_unit_page_lists_topics_with_roll_up_figures_in_constant_queries(
    campaign, as_user, central_office, guangdong_office, django_assert_max_num_queries
):
    centre = as_user(central_office)
    with django_assert_max_num_queries(12):
        assert centre.get(reverse("special_unit", args=["000000"])).status_code == 200
    county = as_user(guangdong_office)
    with django_assert_max_num_queries(12):
        assert county.get(reverse("special_unit", args=["440604"])).status_code == 200


def test_the_notice_states_its_cut_off_date_and_the_figures_of_the_roll_ups(
    campaign, topic, as_user, guangdong_office
):
    response = as_user(guangdong_office).get(
        reverse("special_topic_notice", args=["440000", topic.pk]), {"number": 3}
    )
    assert response.status_code == 200
    text = _docx_text(response.content)
    figs = actions.topic_figures(Unit.objects.get(code="440000"), [topic])[topic.pk]
    assert f"截至{today().year}年{today().month}月{today().day}日，共列出整改事项{figs['found']}项" in text
    assert f"〔{today().year}〕3号" in text


def test_a_notice_as_of_a_past_date_counts_only_what_existed_then(campaign, topic, as_user, guangdong_office):
    response = as_user(guangdong_office).get(
        reverse("special_topic_notice", args=["440000", topic.pk]), {"as_of": "2019-06-30"}
    )
    assert "截至2019年6月30日，共列出整改事项0项" in _docx_text(response.content)


def test_the_notice_names_the_typical_cases_its_readers_may_read(
    campaign, topic, as_user, guangdong_office, central_office
):
    from chuxin.cases import actions as cases
    from chuxin.cases.models import CaseKind, Visibility

    def case(title, kind=CaseKind.EXPERIENCE, visibility=Visibility.SUBTREE, code="440604", on_topic=True):
        return cases.do_record_case(
            acting_user=central_office,
            campaign=campaign,
            unit=Unit.objects.get(code=code),
            kind=kind,
            title=title,
            body="具体做法和成效",
            summary="做法可复制",
            visibility=visibility,
            topic=topic if on_topic else None,
        )

    case("清退礼金台账化管理")
    case("某局长违规收受礼金被查处", kind=CaseKind.NEGATIVE)
    case("仅报上级的内部做法", visibility=Visibility.UNIT)
    case("别的专项的经验", on_topic=False)
    case("湖北的经验", code="420000")
    text = _docx_text(
        as_user(guangdong_office).get(reverse("special_topic_notice", args=["440000", topic.pk])).content
    )
    assert "典型案例" in text
    assert "禅城区：清退礼金台账化管理。做法可复制" in text
    assert "某局长违规收受礼金被查处" in text
    for absent in ("仅报上级的内部做法", "别的专项的经验", "湖北的经验"):
        assert absent not in text
    before = _docx_text(
        as_user(guangdong_office)
        .get(reverse("special_topic_notice", args=["440000", topic.pk]), {"as_of": "2019-10-31"})
        .content
    )
    assert "典型案例" not in before  # recorded after the cut-off


def test_a_notice_as_of_a_future_date_is_refused(topic, as_user, guangdong_office):
    future = (today() + timedelta(days=3)).isoformat()
    response = as_user(guangdong_office).get(
        reverse("special_topic_notice", args=["440000", topic.pk]), {"as_of": future}
    )
    assert response.status_code == 400


# --- the public page ------------------------------------------------------------------------------


def _publish(user, campaign, code="440000", statement="整改情况接受群众监督。"):
    unit = Unit.objects.get(code=code)
    topics = Topic.objects.filter(campaign=campaign).covering(unit)
    return actions.do_publish(
        acting_user=user,
        unit=unit,
        campaign=campaign,
        statements=dict.fromkeys((t.pk for t in topics), statement),
        as_of=today(),
    )


def test_the_public_page_needs_no_login_and_shows_what_was_published(campaign, client, guangdong_office):
    pub = _publish(guangdong_office, campaign)
    response = client.get(reverse("special_public", args=["440000"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "整改情况接受群众监督。" in text and pub.content[0]["topic"] in text
    assert response["ETag"] == f'"{pub.etag}"'
    again = client.get(reverse("special_public", args=["440000"]), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_public_page_is_a_snapshot_not_live_data(campaign, topic, client, guangdong_office, county_staff):
    _publish(guangdong_office, campaign)
    first = client.get(reverse("special_public", args=["440000"])).content
    _list_problem(county_staff, campaign, topic, "440604")
    assert client.get(reverse("special_public", args=["440000"])).content == first


def test_nothing_published_is_404_for_the_public(client):
    assert client.get(reverse("special_public", args=["420000"])).status_code == 404


@pytest.mark.parametrize(
    "statement", ["联系人电话13812345678。", "身份证号440104199001011234。", "{name}同志负责整改。"]
)
def test_a_statement_with_personal_data_cannot_be_published(campaign, guangdong_office, statement):
    low = Person.objects.filter(home_unit__path__startswith=Unit.objects.get(code="440000").path, rank__lt=40)
    name = low.exclude(name__regex=r"^[a-z]").order_by("pk").first().name
    with pytest.raises(ActionError, match="个人信息|personal data"):
        _publish(guangdong_office, campaign, statement=statement.format(name=name))
    assert not Publication.objects.filter(unit__code="440000", published_by=guangdong_office).exists()


def test_no_public_response_carries_id_numbers_mobiles_or_names_of_people(campaign, client, central_office):
    _publish(central_office, campaign, code="000000")
    names = {n for n in Person.objects.values_list("name", flat=True) if len(n) >= 2 and not n.isascii()}
    for pub in Publication.objects.select_related("unit"):
        body = client.get(reverse("special_public", args=[pub.unit.code])).content.decode()
        assert not ID_OR_MOBILE.search(body)
        assert not [n for n in names if n in body]


def test_referred_problems_are_left_out_of_the_public_figures(
    campaign, topic, guangdong_office, county_staff
):
    county = Unit.objects.get(code="440604")
    before = actions.public_figures(county, [topic])[topic.pk]["found"]
    problem, _ = _list_problem(county_staff, campaign, topic, "440604")
    assert actions.public_figures(county, [topic])[topic.pk]["found"] == before + 1
    actions.do_refer_problem(acting_user=guangdong_office, problem=problem, reason="涉嫌违纪")
    assert actions.public_figures(county, [topic])[topic.pk]["found"] == before


# --- referral -------------------------------------------------------------------------------------

SECRET = "涉嫌收受管理服务对象礼金人民币五万元"


@pytest.fixture
def referral(campaign, topic, county_staff, django_user_model):
    office = django_user_model.objects.get(username="chanchengban")
    problem, _ = _list_problem(county_staff, campaign, topic, "440604", title="项目审批中的作风问题")
    return actions.do_refer_problem(acting_user=office, problem=problem, reason=SECRET)


def test_a_referral_goes_to_the_discipline_body_of_the_competent_level(referral):
    assert referral.to_unit.code == "440000"  # the nearest unit above 440604 with discipline inspectors
    assert referral.from_unit.code == "440604"


def test_staff_cannot_refer(campaign, topic, county_staff):
    problem, _ = _list_problem(county_staff, campaign, topic, "440604")
    with pytest.raises(ActionError):
        actions.do_refer_problem(acting_user=county_staff, problem=problem, reason="x")


def test_the_discipline_inspector_carries_the_referral_to_its_conclusion(referral, django_user_model):
    inspector = django_user_model.objects.get(username="discipline")
    r = referral
    for verb in ("receive", "review"):
        r = actions.do_advance_referral(
            acting_user=inspector, referral=r, verb=verb, expected_version=r.version
        )
    with pytest.raises(ActionError):
        actions.do_advance_referral(
            acting_user=inspector, referral=r, verb="conclude", expected_version=r.version, text="x"
        )
    r = actions.do_advance_referral(
        acting_user=inspector,
        referral=r,
        verb="conclude",
        expected_version=r.version,
        outcome="party_discipline",
        text="给予党内警告处分",
    )
    assert r.status == ReferralStatus.CONCLUDED
    from chuxin.audit.models import AuditEntry

    assert AuditEntry.objects.filter(model="Referral", object_id=r.pk).count() == 4


def test_the_referring_office_cannot_handle_the_referral(referral, django_user_model):
    office = django_user_model.objects.get(username="chanchengban")
    with pytest.raises(ActionError):
        actions.do_advance_referral(
            acting_user=office, referral=referral, verb="receive", expected_version=referral.version
        )


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("discipline", True),
        ("chanchengban", True),
        ("chancheng", False),
        ("guangdong", False),
        ("zhongyang", False),
        ("viewer", False),
        ("outsider", False),
    ],
)
def test_only_the_inspectors_and_the_referring_office_see_the_referral(
    referral, client, django_user_model, username, sees
):
    client.force_login(django_user_model.objects.get(username=username))
    detail = client.get(reverse("special_referral_detail", args=[referral.pk]))
    assert detail.status_code == (200 if sees else 404)
    listing = client.get(reverse("special_referral_list")).content.decode()
    assert (SECRET in detail.content.decode()) is sees
    assert (referral.problem.title in listing) is sees


def test_others_see_only_that_the_problem_was_referred(referral, client, county_staff):
    client.force_login(county_staff)
    page = client.get(reverse("problem_detail", args=[referral.problem_id])).content.decode()
    assert "已移交纪检监察机关" in page
    assert SECRET not in page
    export = client.get(reverse("ledger_export", args=["440604"]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
    cells = [
        str(c) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for c in row
    ]
    assert referral.problem.title in cells  # the problem itself is in the ledger ...
    assert not [c for c in cells if SECRET in c]  # ... the referral's facts are not


@pytest.mark.parametrize("who", ["chanchengban", "chancheng", "guangdong", "zhongyang"])
def test_the_referral_details_stay_out_of_the_api(referral, client, django_user_model, who):
    """The API has no referral route; no problem, item, history or figure it serves carries the facts."""
    client.force_login(django_user_model.objects.get(username=who))
    problem = referral.problem
    item = problem.items.first()
    urls = [
        "/api/v1/units/440604/problems",
        "/api/v1/units/440604/items",
        f"/api/v1/problems/{problem.pk}",
        f"/api/v1/items/{item.pk}",
        "/api/v1/units/440604/figures",
    ] + (["/api/v1/units/440000/figures"] if who in ("guangdong", "zhongyang") else [])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET not in body and referral.reason not in body, url
        assert "referral" not in body.lower(), url
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if "referr" in p]


def test_the_referral_details_stay_out_of_the_notices(referral, client, guangdong_office, topic):
    client.force_login(guangdong_office)
    for url in (
        reverse("special_topic_notice", args=["440000", topic.pk]),
        reverse("document_docx", args=["440000", "notice"]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in _docx_text(response.content)


def test_a_referral_step_by_someone_else_is_refused_without_a_trace(referral, client, county_staff):
    client.force_login(county_staff)
    response = client.post(reverse("special_referral_step", args=[referral.pk, "receive"]), {"version": 1})
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.REFERRED


def test_the_ledger_of_a_topic_lists_only_its_items(campaign, topic, as_user, county_staff):
    problem, item = _list_problem(county_staff, campaign, topic, "440604", title="专项整治台账测试问题")
    page = as_user(county_staff).get(
        reverse("unit_ledger", args=["440604"]), {"subtree": "on", "topic": topic.pk}
    )
    text = page.content.decode()
    assert "专项整治台账测试问题" in text
    other = Topic.objects.filter(campaign=campaign, root_unit__code="000000").order_by("order").last()
    page = as_user(county_staff).get(
        reverse("unit_ledger", args=["440604"]), {"subtree": "on", "topic": other.pk}
    )
    assert "专项整治台账测试问题" not in page.content.decode()
