"""Changes to the organisation, roles, campaigns and notifications leave audit entries naming who."""

from datetime import date

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import check_log
from chuxin.audit.models import AuditEntry
from chuxin.campaigns.actions import do_add_batch, do_create_campaign
from chuxin.orgs.actions import do_assign_role, do_create_unit, do_move_unit, do_revoke_role
from chuxin.orgs.models import Person, Unit
from chuxin.reminders.actions import do_mark_notifications_read
from chuxin.reminders.models import Notification


def last(event):
    return AuditEntry.objects.filter(action=event).order_by("-id").first()


def test_unit_create_and_move_are_audited_with_the_actor(central_office, unit):
    child = do_create_unit(
        unit("440600"), code="440699", name="测试区", kind="county", acting_user=central_office
    )
    assert last(AuditEvent.UNIT_CREATE).object_id == child.pk
    do_move_unit(child, unit("420000"), acting_user=central_office)
    entry = last(AuditEvent.UNIT_MOVE)
    assert entry.actor_name == "zhongyang" and entry.before["parent"] == "440600"
    assert entry.after["parent"] == "420000" and entry.unit_id == child.pk
    assert check_log().ok


def test_role_assign_and_revoke_are_audited(central_office):
    person = Person.objects.filter(home_unit__code="420000").first()
    a = do_assign_role(person, "420000", "viewer", acting_user=central_office)
    assert last(AuditEvent.ROLE_ASSIGN).after["role"] == "viewer"
    do_revoke_role(a, acting_user=central_office)
    entry = last(AuditEvent.ROLE_REVOKE)
    assert entry.object_id == a.pk and entry.before["person_name"] == person.name and entry.after is None


def test_campaign_and_batch_creation_are_audited(central_office):
    root = (
        Unit.objects.get(code="000000")
        if Unit.objects.filter(code="000000").exists()
        else Unit.get_first_root_node()
    )
    c = do_create_campaign(
        acting_user=central_office,
        root_unit=root,
        title="党纪学习教育",
        general_requirement="",
        fundamental_task="",
        goals=["学纪、知纪、明纪、守纪"],
        focus_rank=1,
    )
    do_add_batch(
        c,
        acting_user=central_office,
        number=1,
        name="一",
        start=date(2024, 4, 1),
        end=date(2024, 7, 1),
        units=[root],
    )
    assert last(AuditEvent.CAMPAIGN_CREATE).object_id == c.pk
    assert last(AuditEvent.BATCH_CREATE).after["units"] == [root.code]


def test_marking_notifications_read_is_an_audited_action(as_user, county_staff):
    Notification.objects.create(user=county_staff, kind="overdue", text="x")
    response = as_user(county_staff).post("/notifications/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=county_staff, read_at__isnull=True).exists()
    assert last(AuditEvent.NOTIFICATIONS_READ).actor_name == county_staff.username
    assert do_mark_notifications_read(acting_user=county_staff) == 0


def test_every_write_in_the_administration_is_audited(client, superuser, county_staff):
    """Adding, changing and deleting in the Django admin (django-otp's device pages included, one object or a
    bulk delete) each leave an entry naming the administrator, the model and the object."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chuxin.orgs.models import WorkDomain

    client.force_login(superuser)
    unit = Unit.objects.get(code="440604")
    response = client.post(
        "/admin/orgs/workdomain/add/", {"unit": unit.pk, "name": "乡村振兴", "order": 0}, follow=True
    )
    assert response.status_code == 200
    domain = WorkDomain.objects.get(unit=unit, name="乡村振兴")
    added = last(AuditEvent.ADMIN_WRITE)
    assert added.actor_name == "admin" and added.model == "WorkDomain" and added.object_id == domain.pk
    assert added.after["admin"] == "add" and added.unit_id == unit.pk

    device = TOTPDevice.objects.create(user=county_staff, name="手机")
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(pk=device.pk).exists()
    deleted = last(AuditEvent.ADMIN_WRITE)
    assert deleted.after["admin"] == "delete" and deleted.after["model"] == "otp_totp.TOTPDevice"
    assert deleted.object_id == device.pk and deleted.actor_name == "admin"

    codes = [StaticDevice.objects.create(user=county_staff, name=f"备用码{i}") for i in range(2)]
    before = AuditEntry.objects.filter(action=AuditEvent.ADMIN_WRITE).count()
    client.post(
        "/admin/otp_static/staticdevice/",
        {"action": "delete_selected", "_selected_action": [d.pk for d in codes], "post": "yes"},
    )
    assert not StaticDevice.objects.filter(pk__in=[d.pk for d in codes]).exists()
    bulk = AuditEntry.objects.filter(action=AuditEvent.ADMIN_WRITE).order_by("id")[before:]
    assert sorted(e.object_id for e in bulk) == sorted(d.pk for d in codes)
    assert check_log().ok


def test_the_administration_cannot_move_add_or_delete_units(client, superuser):
    """Moves and new units go through the unit pages (roll-ups, copied paths, audit); the admin edits names."""
    client.force_login(superuser)
    unit = Unit.objects.get(code="440604")
    path = unit.path
    assert client.get("/admin/orgs/unit/add/").status_code == 403
    assert client.post(f"/admin/orgs/unit/{unit.pk}/delete/", {"post": "yes"}).status_code == 403
    form = client.get(f"/admin/orgs/unit/{unit.pk}/change/").content.decode()
    assert "_ref_node_id" not in form and "_position" not in form
    data = {
        "code": unit.code,
        "name": unit.name,
        "short_name": "禅城",
        "kind": unit.kind,
        "level": unit.level,
        "committee_type": unit.committee_type,
        "is_active": "on",
        "_ref_node_id": Unit.objects.get(code="420000").pk,  # ignored: not a field of the form
        "_position": "first-child",
    }
    assert client.post(f"/admin/orgs/unit/{unit.pk}/change/", data).status_code == 302
    unit.refresh_from_db()
    assert unit.short_name == "禅城" and unit.path == path
    assert last(AuditEvent.ADMIN_WRITE).object_id == unit.pk
