"""Unit pages: breadcrumbs, children, committee, search, and the management forms."""

from chuxin.orgs.models import RoleAssignment, Unit


def test_unit_page_shows_breadcrumbs_children_and_committee(as_user, guangdong_office):
    page = as_user(guangdong_office).get("/units/440600/").content.decode()
    assert "广东" in page and "禅城区" in page
    assert "书记" in page  # the committee table with the secretary


def test_breadcrumbs_stop_at_the_users_scope(as_user, county_staff):
    page = as_user(county_staff).get("/units/440604/").content.decode()
    assert 'href="/units/440000/"' not in page


def test_children_partial_is_the_htmx_swap_target(as_user, guangdong_office):
    response = as_user(guangdong_office).get("/units/440000/children/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="children">')
    assert "<html" not in body


def test_search_finds_by_name_code_and_pinyin_initials(as_user, guangdong_office):
    client = as_user(guangdong_office)
    assert "佛山市" in client.get("/units/search/", {"q": "佛山"}).content.decode()
    assert "佛山市" in client.get("/units/search/", {"q": "4406"}).content.decode()
    assert "佛山市" in client.get("/units/search/", {"q": "fss"}).content.decode()


def test_search_never_shows_units_outside_the_scope(as_user, guangdong_office):
    body = as_user(guangdong_office).get("/units/search/", {"q": "湖北"}).content.decode()
    assert "湖北省" not in body
    assert "420000" not in body


def test_office_creates_a_sub_unit_through_the_form(as_user, guangdong_office):
    response = as_user(guangdong_office).post(
        "/units/440604/new/",
        {
            "code": "440604901",
            "name": "石湾镇",
            "kind": "township",
            "level": 5,
            "committee_type": "committee",
        },
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="440604901").parent().code == "440604"


def test_duplicate_code_in_the_form_is_reported_and_nothing_is_written(as_user, guangdong_office):
    count = Unit.objects.count()
    response = as_user(guangdong_office).post(
        "/units/440604/new/",
        {"code": "420000", "name": "x", "kind": "township", "level": 5, "committee_type": "committee"},
    )
    assert response.status_code == 200
    assert "420000" in response.content.decode() and Unit.objects.count() == count


def test_move_form_refuses_a_target_outside_the_scope(as_user, guangdong_office):
    response = as_user(guangdong_office).post("/units/440604/move/", {"target": "420000"})
    assert response.status_code == 200
    assert Unit.objects.get(code="440604").parent().code == "440600"


def test_move_form_refuses_own_descendant(as_user, guangdong_office):
    response = as_user(guangdong_office).post("/units/440600/move/", {"target": "440604"})
    assert response.status_code == 200
    assert Unit.objects.get(code="440600").parent().code == "440000"


def test_move_form_moves_the_unit(as_user, guangdong_office):
    response = as_user(guangdong_office).post("/units/440604/move/", {"target": "440100"})
    assert response.status_code == 302
    assert Unit.objects.get(code="440604").parent().code == "440100"


def test_role_form_refuses_an_unknown_unit(as_user, guangdong_office):
    person = Unit.objects.get(code="440604").people.first()
    count = RoleAssignment.objects.count()
    response = as_user(guangdong_office).post(
        "/units/440604/roles/", {"person": person.pk, "unit_code": "NOPE", "role": "viewer"}
    )
    assert response.status_code == 200 and RoleAssignment.objects.count() == count
    assert "NOPE" in response.content.decode()


def test_role_form_refuses_a_person_outside_the_scope(as_user, guangdong_office):
    stranger = Unit.objects.get(code="420000").people.first()
    count = RoleAssignment.objects.count()
    as_user(guangdong_office).post(
        "/units/440604/roles/", {"person": stranger.pk, "unit_code": "440604", "role": "viewer"}
    )
    assert RoleAssignment.objects.count() == count


def test_office_assigns_and_revokes_a_role(as_user, guangdong_office):
    client = as_user(guangdong_office)
    person = Unit.objects.get(code="440604").people.first()
    client.post("/units/440604/roles/", {"person": person.pk, "unit_code": "440604", "role": "viewer"})
    assignment = RoleAssignment.objects.get(person=person, role="viewer")
    assert client.post(f"/units/440604/roles/{assignment.pk}/revoke/").status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_revoking_a_role_of_another_unit_via_a_wrong_url_is_404(as_user, guangdong_office):
    other = RoleAssignment.objects.filter(unit__code="440100").first()
    response = as_user(guangdong_office).post(f"/units/440604/roles/{other.pk}/revoke/")
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=other.pk).exists()
