"""The scope's grants come from one plain statement (scope._grants, read on every page): it must answer what
the two querysets it was written from answer — role assignments of the user's active person, and the units
assigned to the active guidance groups the user's active person sits in — for every user, and after a group
or a person is deactivated."""

import pytest
from django.contrib.auth import get_user_model

from chuxin.orgs.models import GuidanceGroup, Person
from chuxin.orgs.scope import _grants, guidance_grants, role_grants, scope_for

pytestmark = pytest.mark.django_db


def _from_querysets(user):
    return sorted(role_grants(user).union(guidance_grants(user), all=True))


def _every_user_agrees():
    users = list(get_user_model().objects.all())
    assert users
    for user in users:
        assert sorted(_grants(user.pk)) == _from_querysets(user), user.username
    return users


def test_the_statement_gives_every_users_grants_as_the_querysets_do():
    users = _every_user_agrees()
    xunhui = next(u for u in users if u.username == "xunhui")
    assert any(role == "guidance" for role, _path in _grants(xunhui.pk))  # both kinds are exercised


def test_deactivated_groups_and_people_grant_nothing_in_both():
    xunhui = get_user_model().objects.get(username="xunhui")
    before = _grants(xunhui.pk)
    GuidanceGroup.objects.filter(members__person__user=xunhui).update(is_active=False)
    _every_user_agrees()
    assert not any(role == "guidance" for role, _path in _grants(xunhui.pk))
    assert len(_grants(xunhui.pk)) < len(before)
    Person.objects.filter(user__username="guangdong").update(is_active=False)
    _every_user_agrees()
    assert _grants(get_user_model().objects.get(username="guangdong").pk) == []


def test_scope_for_reads_the_grants_once_per_user_object(django_assert_num_queries):
    user = get_user_model().objects.get(username="guangdong")
    with django_assert_num_queries(1):
        scope_for(user)
        scope_for(user)
    assert scope_for(user).grants == _grants(user.pk)
