"""The organisation's state changes: what they do, and that bad input writes nothing."""

import pytest
from django.utils import translation

from chuxin.core.errors import ActionError
from chuxin.orgs.actions import do_assign_role, do_create_unit, do_move_unit, resolve_unit
from chuxin.orgs.models import Person, RoleAssignment, Unit


@pytest.fixture(autouse=True)
def chinese():
    """Messages are checked in Chinese, the language users read."""
    with translation.override("zh-hans"):
        yield


def _snapshot():
    return list(Unit.objects.values_list("code", "path", "numchild").order_by("path"))


def test_it_creates_a_child_unit_in_the_tree(db, unit):
    foshan = unit("440600")
    child = do_create_unit(foshan, code="440699", name="测试区", kind="county", acting_user=None)
    assert child.parent().code == "440600"
    assert child.level == foshan.level + 1
    assert child.initials == "csq"


def test_it_refuses_a_duplicate_code_and_writes_nothing(db, unit):
    before = _snapshot()
    with pytest.raises(ActionError, match="已被使用"):
        do_create_unit(unit("440600"), code="420000", name="重复", kind="county", acting_user=None)
    assert _snapshot() == before


def test_it_refuses_an_unknown_kind(db, unit):
    with pytest.raises(ActionError, match="未知的单位类别"):
        do_create_unit(unit("440600"), code="440698", name="x", kind="planet", acting_user=None)


def test_unknown_unit_code_is_a_clear_error(db):
    with pytest.raises(ActionError, match="未知的单位代码：999999"):
        resolve_unit("999999")


def test_moving_a_unit_moves_its_subtree(db, unit):
    foshan, hubei = unit("440600"), unit("420000")
    below = set(Unit.objects.in_subtree(foshan).values_list("code", flat=True))
    do_move_unit(foshan, hubei, acting_user=None)
    hubei.refresh_from_db()
    moved = set(Unit.objects.in_subtree(unit("440600")).values_list("code", flat=True))
    assert moved == below
    assert all(u.is_in_subtree_of(hubei) for u in Unit.objects.filter(code__in=below))
    assert not Unit.objects.in_subtree(unit("440000")).filter(code="440604").exists()
    assert Unit.objects.find_problems() == ([], [], [], [], [])


def test_it_refuses_to_move_a_unit_under_its_own_descendant(db, unit):
    before = _snapshot()
    with pytest.raises(ActionError, match="目标是该单位本身或其下级单位"):
        do_move_unit(unit("440000"), unit("440604"), acting_user=None)
    with pytest.raises(ActionError, match="目标是该单位本身或其下级单位"):
        do_move_unit(unit("440000"), unit("440000"), acting_user=None)
    assert _snapshot() == before


def test_it_refuses_a_role_at_a_unit_that_does_not_exist(db):
    person = Person.objects.filter(user__username="outsider").get()
    count = RoleAssignment.objects.count()
    with pytest.raises(ActionError, match="未知的单位代码"):
        do_assign_role(person, "NOPE01", "office", acting_user=None)
    assert RoleAssignment.objects.count() == count


def test_it_refuses_an_unknown_role(db):
    person = Person.objects.filter(user__username="outsider").get()
    with pytest.raises(ActionError, match="未知的角色"):
        do_assign_role(person, "420000", "emperor", acting_user=None)


def test_a_role_reaches_the_whole_subtree(db, client, unit):
    person = Person.objects.filter(user__username="outsider").get()
    do_assign_role(person, "420000", "viewer", acting_user=None)
    client.force_login(person.user)
    deepest = Unit.objects.in_subtree(unit("420000")).order_by("-depth").first()
    assert client.get(f"/units/{deepest.code}/").status_code == 200
    assert client.get("/units/440000/").status_code == 404
