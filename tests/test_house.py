"""The ground floor and the shared helpers: one of each, used everywhere."""

import pathlib
import re

import pytest
from django.http import Http404

from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.orgs.models import Unit, ancestor_paths
from chuxin.orgs.scope import get_scoped_or_404
from chuxin.problems.models import LADDER, Level, RectificationItem, escalation_level, ladder_bands

from .conftest import make_item

ROOT = pathlib.Path(__file__).resolve().parent.parent / "chuxin"


def test_core_imports_no_app():
    for path in (ROOT / "core").rglob("*.py"):
        assert "from chuxin." not in path.read_text(), path
        assert "import chuxin." not in path.read_text(), path


def test_no_views_module_takes_the_error_type_from_the_org_actions():
    for path in ROOT.rglob("*views*.py"):
        assert not re.search(r"from chuxin\.orgs\.actions import .*ActionError", path.read_text()), path


def test_a_refusal_by_role_is_a_403_and_a_stale_version_is_bad_input():
    from django.core.exceptions import PermissionDenied

    assert issubclass(ActionForbidden, PermissionDenied) and not issubclass(ActionForbidden, ActionError)
    assert issubclass(StaleVersion, ActionError)
    assert ActionForbidden("不可").messages == ["不可"]


def test_ancestor_paths_run_from_the_root_to_the_unit(db):
    unit = Unit.objects.get(code="440604")
    paths = ancestor_paths(unit.path)
    assert paths[-1] == unit.path and len(paths) == unit.depth
    assert [u.path for u in unit.ancestors()] == ancestor_paths(unit.path, include_self=False)
    assert unit.parent().path == paths[-2]


def test_the_scoped_getter_answers_404_outside_and_403_inside_without_the_role(
    county_staff, guangdong_office, hubei_office, django_user_model
):
    item = make_item("440604")
    qs = RectificationItem.objects.all()
    assert get_scoped_or_404(county_staff, qs, item.pk, "unit__path", need="record") == item
    assert get_scoped_or_404(guangdong_office, qs, item.pk, "unit__path", need="manage") == item
    with pytest.raises(Http404):
        get_scoped_or_404(hubei_office, qs, item.pk, "unit__path")
    with pytest.raises(ActionForbidden):
        get_scoped_or_404(county_staff, qs, item.pk, "unit__path", need="manage")
    viewer = django_user_model.objects.get(username="viewer")
    assert get_scoped_or_404(viewer, qs, item.pk, "unit__path") == item
    with pytest.raises(ActionForbidden):
        get_scoped_or_404(viewer, qs, item.pk, "unit__path", need="record")


@pytest.mark.parametrize(
    ("days", "level"),
    [
        (0, ""),
        (1, Level.REMIND),
        (7, Level.REMIND),
        (8, Level.SUPERVISE),
        (30, Level.SUPERVISE),
        (31, Level.WARN),
    ],
)
def test_the_escalation_ladder_climbs_with_the_overdue_days(days, level):
    assert escalation_level(days) == level


def test_the_dashboard_bands_are_the_rungs_of_the_ladder():
    from chuxin.rollups.queries import OVERDUE_BUCKETS

    assert [(lo, hi) for lo, hi, _level in ladder_bands()] == OVERDUE_BUCKETS == [(1, 7), (8, 30), (31, None)]
    assert [level for _lo, _hi, level in ladder_bands()] == [rung for _first, rung in LADDER]


def test_the_readme_layout_lists_every_app():
    readme = (ROOT.parent / "README.md").read_text()
    layout = readme[readme.index("## Layout") :]
    apps = [p.parent.name for p in ROOT.glob("*/__init__.py")]
    assert apps and all(f"chuxin/{app}/" in layout for app in apps), [
        a for a in apps if f"chuxin/{a}/" not in layout
    ]
