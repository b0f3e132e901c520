"""The scope's grants come from one plain statement (scope._grants, read on every page): it must answer what
the two querysets it was written from answer — role assignments of the user's active person, and the units
assigned to the active guidance groups the user's active person sits in — for every user, and after a group
or a person is deactivated."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

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


def test_the_first_unit_lookup_reads_the_unit_and_the_scope_in_one_statement(django_assert_num_queries):
    from chuxin.orgs.models import Unit
    from chuxin.orgs.scope import get_unit_for_user

    for user in get_user_model().objects.all():
        with django_assert_num_queries(1):
            try:
                unit = get_unit_for_user(user, "440000")
            except Http404:
                unit = None
        assert sorted(scope_for(user).grants) == sorted(_grants(user.pk)), user.username
        expected = Unit.objects.get(code="440000")
        if user.is_superuser or scope_for(user).contains(expected):
            assert unit == expected and unit.created_at == expected.created_at  # the converters applied
        else:
            assert unit is None


def test_the_unit_lookup_answers_404_outside_the_scope_and_for_unknown_codes():
    from chuxin.orgs.scope import get_unit_for_user

    guangdong = get_user_model().objects.get(username="guangdong")
    assert get_unit_for_user(guangdong, "440000").code == "440000"
    with pytest.raises(Http404):
        get_unit_for_user(guangdong, "420000")  # Hubei
    with pytest.raises(Http404):
        get_unit_for_user(guangdong, "no-such-unit")
    with pytest.raises(Http404):
        get_unit_for_user(AnonymousUser(), "440000")
