"""verifyrollups checks every unit at once: each planted drift is reported at its unit with its figure,
and the whole-campaign answer is the per-unit answer of every unit."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F

from chuxin.campaigns.models import Campaign
from chuxin.examine.models import ExamineCounts
from chuxin.orgs.models import Unit
from chuxin.problems.models import RectificationItem
from chuxin.rollups import counters
from chuxin.rollups.checks import CHECKS
from chuxin.rollups.models import AreaCounts, SubtreeCounts, SubtreeDue, SubtreeTally, TopicCounts
from chuxin.special.models import Topic


@pytest.fixture
def campaign(db):
    return Campaign.objects.get(launched_on="2019-05-31")


def _unit(code):
    return Unit.objects.get(code=code)


def _all(campaign_id):
    """The command's whole-set answer: the ledger's roll-ups and every registered check, named as it names
    them."""
    out = counters.drift_all(campaign_id)
    for name, check in CHECKS.items():
        for unit_id, d in check.drift_all(campaign_id).items():
            out.setdefault(unit_id, {}).update({f"{name}:{k}": v for k, v in d.items()})
    return out


def _one(unit, campaign_id):
    d = counters.drift(unit, campaign_id)
    for name, check in CHECKS.items():
        d.update({f"{name}:{k}": v for k, v in check.drift(unit, campaign_id).items()})
    return d


def test_the_demo_has_no_drift_anywhere_and_the_command_says_so(campaign, capsys):
    assert _all(campaign.pk) == {}
    call_command("verifyrollups")
    assert f"equal a recount at {Unit.objects.count()} units" in capsys.readouterr().out


def test_it_reports_a_drifted_shard_row_of_the_root_at_the_root(campaign):
    root = _unit("000000")
    stored = counters.stored(root, campaign.pk)[0]["st_closed"]
    # a shard other than the bulk load's 0: the stored figure is the sum over the shards
    SubtreeCounts.objects.create(unit=root, campaign=campaign, shard=5, st_closed=2)
    assert _all(campaign.pk) == {root.pk: {"st_closed": (stored + 2, stored)}}


def test_it_reports_a_missing_row_as_zeros_and_an_extra_row_as_drift(campaign):
    leaf = RectificationItem.objects.filter(problem__campaign=campaign, unit__depth=4).first().unit
    figures = counters.recount(leaf, campaign.pk)[0]
    SubtreeCounts.objects.filter(unit=leaf, campaign=campaign).delete()
    empty = Unit.objects.exclude(pk__in=SubtreeCounts.objects.values("unit_id")).exclude(pk=leaf.pk).first()
    SubtreeCounts.objects.create(unit=empty, campaign=campaign, problems=1)
    # an extra row of zeros holds what a missing row holds: no drift
    other = Unit.objects.exclude(pk__in=SubtreeCounts.objects.values("unit_id")).exclude(pk=leaf.pk)[1]
    SubtreeCounts.objects.create(unit=other, campaign=campaign)
    found = _all(campaign.pk)
    assert found[leaf.pk] == {f: (0, n) for f, n in figures.items() if n}
    assert found[empty.pk] == {"problems": (1, 0)}
    assert set(found) == {leaf.pk, empty.pk}


def test_it_reports_a_due_date_a_topic_and_a_work_area_figure(campaign):
    gd, county = _unit("440000"), _unit("440604")
    SubtreeDue.objects.create(unit=gd, campaign=campaign, due_date=date(2031, 1, 2), n=3)
    topic = Topic.objects.filter(campaign=campaign).order_by("pk").first()
    TopicCounts.objects.create(unit=county, topic=topic, shard=1, items=1)
    area = AreaCounts.objects.filter(unit=county, campaign=campaign).order_by("pk").first()
    AreaCounts.objects.filter(pk=area.pk).update(problems=F("problems") + 4)
    found = _all(campaign.pk)
    assert found[gd.pk] == {"2031-01-02": (3, 0)}
    assert set(found[county.pk]) == {f"topic {topic.pk} items", f"area {area.area} problems"}
    s, r = found[county.pk][f"area {area.area} problems"]
    assert s == r + 4
    assert set(found) == {gd.pk, county.pk}


def test_it_reports_a_strand_tally_an_organ_tally_and_a_self_examination_count(campaign, capsys):
    city, county, gd = _unit("440600"), _unit("440604"), _unit("440000")
    SubtreeTally.objects.create(unit=city, campaign=campaign, key="study.sessions", n=2)
    SubtreeTally.objects.create(unit=gd, campaign=campaign, key="study.organ_required", n=4)
    ExamineCounts.objects.create(unit=county, campaign=campaign, checklists=3)
    assert _all(campaign.pk) == {
        city.pk: {"tally:study.sessions": (2, 0)},
        gd.pk: {"tally:study.organ_required": (4, 0)},
        county.pk: {"examine:checklists": (3, 0)},
    }
    with pytest.raises(Exception, match="3 unit"):
        call_command("verifyrollups")
    out = capsys.readouterr().out
    assert "drift at 440600" in out and "'tally:study.sessions': (2, 0)" in out
    assert "drift at 440604" in out and "'examine:checklists': (3, 0)" in out
    call_command("verifyrollups", repair=True)
    call_command("verifyrollups")
    assert "equal a recount" in capsys.readouterr().out


def test_the_whole_set_answer_is_every_units_own_answer(campaign):
    """On the demo fixture, with drift planted in every kind of figure: the set-based check and the per-unit
    check agree at every unit around the planted drift (a per-unit check costs ~0.15 s, so not all 400)."""
    root, gd, city, county = (_unit(c) for c in ("000000", "440000", "440600", "440604"))
    SubtreeCounts.objects.create(unit=root, campaign=campaign, shard=3, items=-1, st_closed=1)
    SubtreeCounts.objects.filter(unit=county, campaign=campaign).update(k_deadline=F("k_deadline") + 1)
    SubtreeDue.objects.filter(unit=city, campaign=campaign).order_by("pk").first().delete()
    TopicCounts.objects.filter(unit=gd).order_by("pk").first().delete()
    AreaCounts.objects.create(unit=county, campaign=campaign, area=1, shard=2, problems=7)
    SubtreeTally.objects.create(unit=city, campaign=campaign, key="research.topics", n=1)
    SubtreeTally.objects.create(unit=county, campaign=campaign, key="study.organ_done", n=2)
    ExamineCounts.objects.create(unit=gd, campaign=campaign, gaps=1)
    whole = _all(campaign.pk)
    nearby = [root, *Unit.objects.children_of(root)[:4], gd, *Unit.objects.children_of(gd)[:4], city]
    nearby += [*Unit.objects.children_of(city), *Unit.objects.children_of(county)]
    each = {u.pk: d for u in nearby if (d := _one(u, campaign.pk))}
    assert len({u.pk for u in nearby}) > 12
    assert each == {u: d for u, d in whole.items() if u in {n.pk for n in nearby}}
    assert {root.pk, gd.pk, city.pk, county.pk} == set(whole)


def test_unit_checks_that_units_figures_and_only_its_subtrees_unit_paths(campaign, capsys):
    from chuxin.problems.models import stale_unit_paths

    county = _unit("440604")
    elsewhere = RectificationItem.objects.exclude(unit_path__startswith=_unit("440000").path).first()
    RectificationItem.objects.filter(pk=elsewhere.pk).update(unit_path=elsewhere.unit_path + "ZZZZ")
    call_command("verifyrollups", unit="440604")  # the stale row lies outside the county's subtree
    assert stale_unit_paths(under=county.path) == {"Problem": 0, "RectificationItem": 0}
    assert stale_unit_paths()["RectificationItem"] == 1
    with pytest.raises(Exception, match="unit paths"):
        call_command("verifyrollups")
