"""The demo generator (M22): real names at the top, deterministic, a valid tree."""

import random

import pytest

from chuxin.demo.generator import build_units
from chuxin.orgs.models import Unit


def test_the_same_seed_builds_the_same_tree():
    a = [(n.unit.code, n.unit.name, n.unit.path) for n in build_units(1500, random.Random(3)).nodes]
    b = [(n.unit.code, n.unit.name, n.unit.path) for n in build_units(1500, random.Random(3)).nodes]
    assert a == b and len(a) == 1500


def test_it_builds_exactly_the_requested_number_of_units():
    for n in (300, 2000, 12345):
        assert len(build_units(n, random.Random(1)).nodes) == n


def test_too_few_units_is_a_clear_error():
    with pytest.raises(ValueError, match="at least"):
        build_units(10, random.Random(1))


def test_the_demo_tree_has_real_provinces_and_a_sound_structure(db):
    assert Unit.objects.get(code="440000").name == "广东省"
    assert Unit.objects.get(code="420000").name == "湖北省"
    assert Unit.objects.get(code="660000").kind == "xpcc"
    assert (
        Unit.objects.filter(
            depth=2, kind__in=["province", "autonomous_region", "municipality", "xpcc"]
        ).count()
        == 32
    )
    assert Unit.objects.find_problems() == ([], [], [], [], [])
