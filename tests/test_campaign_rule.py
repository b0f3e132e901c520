"""One rule for the campaign a page works in (chuxin/campaigns/access.py)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuxin.campaigns import access
from chuxin.campaigns.actions import do_add_batch, do_close_campaign, do_create_campaign
from chuxin.campaigns.models import Campaign, CampaignStatus
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Rank, Unit
from chuxin.problems import actions as ledger
from chuxin.problems.models import Problem

pytestmark = pytest.mark.django_db


def _central():
    return Campaign.objects.get(launched_on="2019-05-31")


def _campaign(code, title="专项整治", launched=date(2026, 9, 1), **kw):
    return do_create_campaign(
        root_unit=Unit.objects.get(code=code),
        title=title,
        general_requirement="x",
        fundamental_task="x",
        goals=[],
        focus_rank=Rank.VICE_COUNTY,
        launched_on=launched,
        **kw,
        acting_user=None,
    )


class FakeRequest:
    def __init__(self, get=None, session=None):
        self.GET = get or {}
        self.POST = {}
        self.method = "GET"
        self.session = session if session is not None else {}


def test_a_problem_recorded_at_chancheng_lands_in_the_campaign_covering_it_not_in_guangzhous(
    as_user, county_staff
):
    guangzhou = _campaign("440100", "广州市专项整治")  # newer, but 440604 (Foshan) is outside it
    person = Unit.objects.get(code="440604").people.order_by("pk").first()
    response = as_user(county_staff).post(  # the problem with its first item, on one page
        "/ledger/units/440604/problems/new/",
        {
            "title": "窗口服务排队时间长",
            "source": "opinion",
            "severity": 1,
            "measures": "增设窗口",
            "kind": "at_once",
            "person": f"{person.name} · {person.position}" if person.position else person.name,
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get(title="窗口服务排队时间长")
    assert problem.campaign == _central()
    assert problem.campaign != guangzhou


def test_the_newest_campaign_covering_the_unit_is_the_default(unit):
    guangdong = _campaign("440000", "广东省专项整治")
    assert access.campaign_for(FakeRequest(), unit("440604")) == guangdong
    assert access.campaign_for(FakeRequest(), unit("000000")) == _central()  # not covered by Guangdong's


def test_the_query_parameter_wins_and_a_campaign_not_covering_the_unit_is_404(unit):
    from django.http import Http404

    _campaign("440000", "广东省专项整治")
    hubei = _campaign("420000", "湖北省专项整治")
    central = _central()
    assert access.campaign_for(FakeRequest({"campaign": str(central.pk)}), unit("440604")) == central
    with pytest.raises(Http404):
        access.campaign_for(FakeRequest({"campaign": str(hubei.pk)}), unit("440604"))
    with pytest.raises(Http404):
        access.campaign_for(FakeRequest({"campaign": "x"}), unit("440604"))


def test_the_session_choice_is_used_where_it_covers_the_unit(unit):
    guangdong = _campaign("440000", "广东省专项整治")
    central = _central()
    session = {access.SESSION_KEY: central.pk}
    assert access.campaign_for(FakeRequest(session=session), unit("440604")) == central
    session = {access.SESSION_KEY: guangdong.pk}
    # Guangdong's campaign does not cover Hubei: the newest covering campaign instead
    assert access.campaign_for(FakeRequest(session=session), unit("420000")) == central


def test_a_campaign_covers_only_the_subtrees_of_its_batches_and_its_leading_unit(unit):
    guangdong = _campaign("440000", "广东省专项整治")
    do_add_batch(
        guangdong,
        number=1,
        name="第一批",
        start=date(2026, 9, 1),
        end=date(2026, 12, 31),
        units=[unit("440600")],
        acting_user=None,
    )
    assert access.covers(guangdong, unit("440604"))
    assert access.covers(guangdong, unit("440000"))  # its leading unit
    assert not access.covers(guangdong, unit("440100"))  # Guangzhou is in no batch


def test_choosing_the_campaign_in_the_picker_keeps_it_for_the_ledger(as_user, county_staff):
    guangdong = _campaign("440000", "广东省专项整治")
    client = as_user(county_staff)
    page = client.get("/ledger/units/440604/")
    assert page.context["campaign"] == guangdong
    assert "广东省专项整治" in page.content.decode()
    client.post("/campaigns/choose/", {"campaign": _central().pk, "next": "/ledger/units/440604/"})
    assert client.get("/ledger/units/440604/").context["campaign"] == _central()


def test_the_picker_lists_the_campaigns_the_user_reaches(as_user, hubei_office):
    _campaign("440000", "广东省专项整治")
    page = as_user(hubei_office).get("/ledger/units/420000/").content.decode()
    assert "不忘初心" in page
    assert "广东省专项整治" not in page


def test_the_ledger_lists_only_the_campaigns_items(as_user, county_staff):
    from tests.conftest import make_item

    make_item("440604", title="只属于2019年主题教育的问题")
    guangdong = _campaign("440000", "广东省专项整治")
    page = as_user(county_staff).get(f"/ledger/units/440604/?campaign={guangdong.pk}").content.decode()
    assert "只属于2019年主题教育的问题" not in page
    page = as_user(county_staff).get(f"/ledger/units/440604/?campaign={_central().pk}").content.decode()
    assert "只属于2019年主题教育的问题" in page


def test_choosing_the_campaign_costs_one_small_query_per_request(unit):
    chancheng, guangdong = unit("440604"), unit("440000")
    access.campaign_for(FakeRequest(), chancheng)  # the process loads the campaign directory once
    request = FakeRequest()
    with CaptureQueriesContext(connection) as ctx:
        access.campaign_for(request, chancheng)
        access.campaign_for(request, chancheng)
        access.campaign_for(request, guangdong)
    assert [q["sql"] for q in ctx.captured_queries] == [
        "SELECT token FROM campaigns_directorystamp WHERE id = 1"
    ]


def test_a_closed_campaign_refuses_new_problems_with_a_clear_message(county_staff, central_office, unit):
    from tests.conftest import make_item

    item = make_item("440604")
    campaign = do_close_campaign(_central(), acting_user=central_office)
    assert campaign.status == CampaignStatus.CLOSED
    with pytest.raises(ActionError, match="已结束|closed"):
        ledger.do_record_problem(
            campaign=campaign, unit=unit("440604"), title="新问题", source="opinion", acting_user=county_staff
        )
    with pytest.raises(ActionError, match="已结束|closed"):
        ledger.do_start_item(item, acting_user=county_staff)


def test_a_closed_campaign_stays_browsable(as_user, county_staff, central_office):
    central = _central()
    running = as_user(county_staff).get(f"/ledger/units/440604/?campaign={central.pk}").content.decode()
    assert f"/ledger/units/440604/import/?campaign={central.pk}" in running
    do_close_campaign(central, acting_user=central_office)
    page = as_user(county_staff).get(f"/ledger/units/440604/?campaign={central.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    # its ledger is exported from the campaign shown; nothing is imported into it
    assert f"/ledger/units/440604/ledger.xlsx?campaign={central.pk}" in html
    assert "/ledger/units/440604/import/" not in html
    assert as_user(county_staff).get("/dashboards/units/440604/").status_code == 200


def test_an_office_edits_a_running_campaign_and_closes_it(as_user, central_office):
    campaign = _campaign("000000", "党纪学习教育", launched=date(2024, 4, 1))
    client = as_user(central_office)
    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        {
            "title": "党纪学习教育",
            "general_requirement": "学纪、知纪、明纪、守纪",
            "fundamental_task": "x",
            "goals": "学纪知纪\n明纪守纪",
            "strands": "学习党纪：原原本本学条例\n警示教育",
            "focus_rank": 40,
            "launched_on": "2024-04-01",
            "status": "running",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.general_requirement == "学纪、知纪、明纪、守纪"
    assert [st.title for st in campaign.strands.all()] == ["学习党纪", "警示教育"]
    assert client.post(f"/campaigns/{campaign.pk}/close/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "已结束" in page
    edit = client.get(f"/campaigns/{campaign.pk}/edit/")
    assert edit.status_code == 302  # a closed campaign is read-only


def test_a_provinces_local_goal_shows_in_its_subtree_and_not_in_another_province(
    as_user, guangdong_office, hubei_office, county_staff
):
    central = _central()
    as_user(guangdong_office).post(
        f"/campaigns/{central.pk}/local/",
        {"unit": "440000", "what": "goal", "text": "推动粤港澳大湾区建设见实效"},
    )
    assert (
        "推动粤港澳大湾区建设见实效"
        in as_user(county_staff).get(f"/campaigns/{central.pk}/").content.decode()
    )
    assert (
        "推动粤港澳大湾区建设见实效"
        not in as_user(hubei_office).get(f"/campaigns/{central.pk}/").content.decode()
    )


def test_an_import_under_campaign_b_never_lands_in_campaign_a(as_user, county_staff, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from django.utils import translation

    from chuxin.problems.ledger import jobs
    from tests.test_ledger_xlsx import _book, _new_row, make_ledger

    settings.MEDIA_ROOT = tmp_path
    ledger = make_ledger(county_staff)  # its items are in the 2019 campaign (A)
    central = _central()
    guangdong = _campaign("440000", "广东省专项整治")  # B
    hubei = _campaign("420000", "湖北省专项整治")  # does not cover Chancheng
    client = as_user(county_staff)
    client.post("/campaigns/choose/", {"campaign": central.pk, "next": "/"})  # the picker says A
    url = reverse("ledger_import", kwargs={"code": "440604"}) + f"?campaign={guangdong.pk}"
    with translation.override("zh-hans"):
        book = io.BytesIO(_book([_new_row(ledger, 问题描述="专项整治中导入的问题")]))
        book.name = "台账.xlsx"
        checked = client.post(url, {"file": book})
        assert checked.context["can_confirm"], checked.context["errors"]
        # the confirmation carries B in its form, whatever the picker says meanwhile
        assert client.post(
            reverse("ledger_import", kwargs={"code": "440604"}),
            {"sha": checked.context["sha"], "confirm": "1", "campaign": guangdong.pk},
        ).status_code in (200, 302)
        assert Problem.objects.get(title="专项整治中导入的问题").campaign == guangdong
        # the worker never falls back to another campaign: a job naming one that does not cover the unit fails
        book = SimpleUploadedFile(
            "台账.xlsx", _book([_new_row(ledger, 问题描述="不该写入任何主题教育的问题")])
        )
        sha = jobs.save_upload(book, "440604", jobs.owner(county_staff.pk, "ledger", hubei.pk))
        jobs.ledger_import_task.enqueue(sha, county_staff.pk, "440604", True, "stop", hubei.pk)
        assert jobs.read_job("440604", sha)["status"] == "failed"
        assert not Problem.objects.filter(title="不该写入任何主题教育的问题").exists()


def test_the_campaign_directory_answers_as_the_sql_rule_for_every_unit_and_scope(unit):
    """access.covering() and Campaign.objects.visible_to() in SQL against the directory's answers in Python
    (chuxin/campaigns/directory.py), with campaigns rooted at several levels, with and without batches,
    planned and without a launch date."""
    from chuxin.campaigns import directory
    from chuxin.orgs.models import RoleAssignment
    from chuxin.orgs.scope import Scope

    guangdong = _campaign("440000", "广东省专项整治")
    do_add_batch(
        guangdong,
        number=1,
        name="第一批",
        start=date(2026, 9, 1),
        end=date(2026, 12, 31),
        units=[unit("440600")],
        acting_user=None,
    )
    _campaign("440600", "佛山市专项整治", launched=None)
    _campaign("420000", "湖北省专项整治", status=CampaignStatus.PLANNED)
    for u in Unit.objects.all():
        assert [c.pk for c in directory.covering(u)] == [c.pk for c in access.covering(u)], u.code
    scopes = [Scope(is_all=True), Scope()] + [
        Scope(grants=[(r.role, r.unit.path)]) for r in RoleAssignment.objects.select_related("unit")[:40]
    ]
    for scope in scopes:
        sql = access.newest_first(Campaign.objects.visible_to(scope))
        assert [c.pk for c in directory.visible_to(scope)] == [c.pk for c in sql], scope


def test_the_campaign_directory_sees_a_write_at_once(unit):
    from chuxin.campaigns import directory

    before = [c.pk for c in directory.covering(unit("440604"))]
    hubei = _campaign("420000", "湖北省专项整治")
    assert [c.pk for c in directory.covering(unit("420000"))][0] == hubei.pk
    guangdong = _campaign("440000", "广东省专项整治")
    assert [c.pk for c in directory.covering(unit("440604"))] == [guangdong.pk, *before]
    do_add_batch(
        guangdong,
        number=1,
        name="第一批",
        start=date(2026, 9, 1),
        end=date(2026, 12, 31),
        units=[unit("440100")],
        acting_user=None,
    )
    assert [c.pk for c in directory.covering(unit("440604"))] == before  # Foshan is not in the batch
    copy = directory.covering(unit("440100"))[0]
    copy.title = "改了也只是副本"
    assert directory.covering(unit("440100"))[0].title == "广东省专项整治"


def test_a_sign_off_belongs_to_its_campaign_on_the_problem_list(client, guangdong_office):
    """The 2019 problem list's sign-off does not show on another campaign's problem list of the same unit."""
    from chuxin.problems.models import ProblemListSignoff

    unit = Unit.objects.get(code="440604")
    signed = ProblemListSignoff.objects.create(
        unit=unit, campaign=_central(), problems=1, signed_by=unit.committee.get(post="secretary").person
    )
    other = _campaign("440000")
    client.force_login(guangdong_office)
    page = client.get("/ledger/units/440604/problems/", {"campaign": other.pk})
    assert page.status_code == 200 and page.context["signoff"] is None
    assert "问题清单尚未审签" in page.content.decode()
    page = client.get("/ledger/units/440604/problems/", {"campaign": _central().pk})
    assert page.context["signoff"].pk == signed.pk
