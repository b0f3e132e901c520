"""Bad input never answers 500: a missing or non-numeric version is refused, and random values posted to
every POST route of the permission matrix, as an office inside the scope, get a page or a refusal."""

import random
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chuxin.problems.models import RectificationItem, Status

from .conftest import make_item
from .test_permission_matrix import INSIDE, ROUTES


@pytest.mark.parametrize("version", ["", "abc", "1.5", "9" * 40, "-"])
def test_a_bad_version_is_refused_without_a_500_and_changes_nothing(as_user, county_staff, version):
    item = make_item("440604")
    data = {"text": "x"} if version == "" else {"text": "x", "version": version}
    response = as_user(county_staff).post(f"/ledger/items/{item.pk}/start/", data)
    # refused: the item page again, with the typed text kept (400), never a 500
    assert response.status_code == 400 and 'name="text"' in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_the_right_version_still_works(as_user, county_staff):
    item = make_item("440604")
    as_user(county_staff).post(f"/ledger/items/{item.pk}/start/", {"version": item.version})
    assert RectificationItem.objects.get(pk=item.pk).status == Status.IN_PROGRESS


def test_a_missing_version_on_a_stage_is_refused(as_user, county_staff):
    from tests.test_permission_matrix import _stage_args

    stage_id = _stage_args("440604")["stage_id"]
    as_user(county_staff).post(f"/ledger/stages/{stage_id}/complete/")
    from chuxin.problems.models import Stage

    assert Stage.objects.get(pk=stage_id).completed_at is None


FIELDS = [
    "version", "text", "title", "name", "code", "kind", "level", "role", "person", "unit_code", "target",
    "deadline", "date", "start", "end", "number", "measures", "requirements", "responsible_person",
    "source", "severity", "domain", "work_areas", "topic", "status", "outcome", "reason", "place",
    "minutes", "problem_is", "crux", "solutions", "note", "accept", "keep_up", "confirm", "sha", "as_of",
    "focus_rank", "root_unit", "unit_codes", "goals", "cadre", "field", "language", "next", "q", "page",
]  # fmt: skip


def _value(rng):
    return rng.choice(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999999",
            "1.5",
            "abc",
            "2019-02-30",
            "2019年13月40日",
            "null",
            "<script>alert(1)</script>",
            "=1+1",
            "'; DROP TABLE x; --",
            "\u0000",
            "中文" * 200,
            str(date.today()),
            "440604",
            "on",
            "../../etc/passwd",
        ]
    )


def _post_routes():
    for name, (kind, _args, _method) in ROUTES.items():
        if kind in ("admin", "public") and name not in ("set_language",):
            continue
        if kind.startswith(("api", "absent", "token")):  # the JSON API has its own schemathesis run
            continue
        yield name


@pytest.mark.parametrize("name", list(_post_routes()))
def test_random_posts_never_answer_500(name, client, django_user_model):
    kind, args, _method = ROUTES[name]
    rng = random.Random(f"trust-{name}")
    client.force_login(django_user_model.objects.get(username="guangdong"))
    url = reverse(name, kwargs=args(INSIDE if kind.startswith("unit") else "") if args else None)
    for _ in range(6):
        data = {f: _value(rng) for f in rng.sample(FIELDS, rng.randint(0, len(FIELDS)))}
        if rng.random() < 0.3:
            data["files"] = SimpleUploadedFile("x.pdf", rng.randbytes(64))
            data["file"] = SimpleUploadedFile("x.xlsx", rng.randbytes(64))
        response = client.post(url, data)
        assert response.status_code < 500, f"{name} answered {response.status_code} to {data}"
        client.force_login(django_user_model.objects.get(username="guangdong"))  # a logout route logs out
