"""Campaigns (M1): the 2019 demo campaign, creating another, batches."""

from chuxin.campaigns.models import Campaign


def test_the_demo_campaign_has_its_goals_strands_and_batches(db):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    assert campaign.general_requirement == "守初心、担使命，找差距、抓落实"
    assert [g.text for g in campaign.goals.all()][0] == "理论学习有收获"
    assert [s.title for s in campaign.strands.all()] == ["学习教育", "调查研究", "检视问题", "整改落实"]
    assert [(b.start.month, b.end.month) for b in campaign.batches.all()] == [(6, 8), (9, 11)]


def test_central_office_creates_a_campaign(as_user, central_office):
    response = as_user(central_office).post(
        "/campaigns/new/",
        {
            "title": "党史学习教育",
            "root_unit": "000000",
            "general_requirement": "学史明理、学史增信、学史崇德、学史力行",
            "fundamental_task": "学党史、悟思想、办实事、开新局",
            "goals": "学史明理\n学史增信\n\n学史崇德",
            "strands": "学党史：学习党的百年奋斗历程\n悟思想\n办实事：我为群众办实事\n开新局",
            "focus_rank": 40,
        },
    )
    assert response.status_code == 302
    created = Campaign.objects.get(title="党史学习教育")
    assert [g.text for g in created.goals.all()] == ["学史明理", "学史增信", "学史崇德"]
    assert [(st.title, st.description) for st in created.strands.all()] == [
        ("学党史", "学习党的百年奋斗历程"),
        ("悟思想", ""),
        ("办实事", "我为群众办实事"),
        ("开新局", ""),
    ]


def test_a_provincial_office_cannot_root_a_campaign_outside_its_subtree(as_user, guangdong_office):
    count = Campaign.objects.count()
    response = as_user(guangdong_office).post(
        "/campaigns/new/",
        {
            "title": "x",
            "root_unit": "420000",
            "general_requirement": "x",
            "fundamental_task": "x",
            "focus_rank": 40,
        },
    )
    assert response.status_code == 200 and Campaign.objects.count() == count


def test_a_batch_that_ends_before_it_starts_is_refused(as_user, central_office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    response = as_user(central_office).post(
        f"/campaigns/{campaign.pk}/batches/new/",
        {"number": 3, "name": "第三批", "start": "2019-12-01", "end": "2019-11-01", "unit_codes": ""},
    )
    assert response.status_code == 200 and campaign.batches.count() == 2


def test_a_batch_with_an_unknown_unit_is_refused(as_user, central_office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    response = as_user(central_office).post(
        f"/campaigns/{campaign.pk}/batches/new/",
        {
            "number": 3,
            "name": "第三批",
            "start": "2019-12-01",
            "end": "2019-12-31",
            "unit_codes": "440000 NOPE",
        },
    )
    assert "NOPE" in response.content.decode() and campaign.batches.count() == 2


def test_office_adds_a_batch(as_user, central_office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    response = as_user(central_office).post(
        f"/campaigns/{campaign.pk}/batches/new/",
        {
            "number": 3,
            "name": "第三批",
            "start": "2019-12-01",
            "end": "2019-12-31",
            "unit_codes": "440000, 420000",
        },
    )
    assert response.status_code == 302
    assert sorted(campaign.batches.get(number=3).units.values_list("code", flat=True)) == ["420000", "440000"]


def test_strand_pages_exist_for_the_four_strands(as_user, county_staff):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    client = as_user(county_staff)
    for key in ("study", "research", "examine", "rectify"):
        assert client.get(f"/campaigns/{campaign.pk}/strands/{key}/").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/strands/nonsense/").status_code == 404
