"""State changes of the organisation: one entry point each, used by pages, commands and tests."""

from __future__ import annotations

import re
import time

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.core.errors import ActionError, ActionForbidden

from .models import Person, Role, RoleAssignment, Unit, UnitKind, UnitLevel

# Sent inside the move's transaction, so that aggregates kept per subtree move along.
unit_moved = Signal()

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def resolve_unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=(code or "").strip()).first()
    if unit is None:
        raise ActionError(_("Unknown unit code: %(code)s") % {"code": code})
    return unit


def _unit_snapshot(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "path": unit.path, "kind": unit.kind, "level": unit.level}


def do_create_unit(
    parent: Unit | None,
    *,
    acting_user,
    code: str,
    name: str,
    kind: str,
    level: int | None = None,
    short_name: str = "",
    committee_type: str = "committee",
) -> Unit:
    code = (code or "").strip()
    name = (name or "").strip()
    if not CODE_RE.match(code):
        raise ActionError(_("A unit code is 1-32 letters, digits, '-' or '_': %(code)r") % {"code": code})
    if not name:
        raise ActionError(_("A unit needs a name."))
    if kind not in UnitKind.values:
        raise ActionError(_("Unknown unit kind: %(kind)s") % {"kind": kind})
    if level is None:
        level = min((parent.level + 1) if parent else UnitLevel.CENTRAL, UnitLevel.GRASSROOTS)
    if level not in UnitLevel.values:
        raise ActionError(_("Unknown unit level: %(level)s") % {"level": level})
    if Unit.objects.filter(code=code).exists():
        raise ActionError(_("The unit code %(code)s is already taken.") % {"code": code})
    fields = dict(
        code=code,
        name=name,
        short_name=short_name.strip(),
        kind=kind,
        level=level,
        committee_type=committee_type,
    )
    try:
        with transaction.atomic():
            if parent is None:
                unit = Unit.objects.add_root(fields)
            else:
                parent.refresh_from_db()  # treebeard needs the current numchild
                unit = Unit.objects.add_child(parent, fields)
            record(acting_user, AuditEvent.UNIT_CREATE, unit, None, _unit_snapshot(unit))
            return unit
    except IntegrityError as exc:  # a concurrent insert took the code
        raise ActionError(_("The unit code %(code)s is already taken.") % {"code": code}) from exc


def do_move_unit(unit: Unit, new_parent: Unit, *, acting_user) -> Unit:
    """Move a unit with its whole subtree under a new parent."""
    unit.refresh_from_db()
    new_parent.refresh_from_db()
    if unit.pk == new_parent.pk or new_parent.path.startswith(unit.path):
        raise ActionError(
            _("%(unit)s cannot move under %(target)s: that is the unit itself or one of its descendants.")
            % {"unit": unit.name, "target": new_parent.name}
        )
    if unit.depth == 1:
        raise ActionError(_("The root of the organisation cannot be moved."))
    if unit.parent().pk == new_parent.pk:
        raise ActionError(
            _("%(unit)s is already under %(target)s.") % {"unit": unit.name, "target": new_parent.name}
        )
    old_ancestors = [a.pk for a in unit.ancestors()]
    with transaction.atomic():
        before = {**_unit_snapshot(unit), "parent": unit.parent().code}
        Unit.objects.move(unit, new_parent, pos="last-child")
        unit.refresh_from_db()
        record(
            acting_user,
            AuditEvent.UNIT_MOVE,
            unit,
            before,
            {**_unit_snapshot(unit), "parent": new_parent.code},
        )
        unit_moved.send(
            Unit, unit=unit, old_ancestor_ids=old_ancestors, new_ancestor_ids=[a.pk for a in unit.ancestors()]
        )
    unit.refresh_from_db()
    return unit


def do_assign_role(person: Person, unit_code: str, role: str, *, acting_user) -> RoleAssignment:
    if role not in Role.values:
        raise ActionError(_("Unknown role: %(role)s") % {"role": role})
    unit = resolve_unit(unit_code)
    if RoleAssignment.objects.filter(person=person, unit=unit, role=role).exists():
        raise ActionError(
            _("%(person)s already holds this role at %(unit)s.") % {"person": person.name, "unit": unit.name}
        )
    with transaction.atomic():
        assignment = RoleAssignment.objects.create(person=person, unit=unit, role=role)
        record(acting_user, AuditEvent.ROLE_ASSIGN, assignment, None, _role_snapshot(assignment))
        return assignment


def _role_snapshot(a: RoleAssignment) -> dict:
    return {**model_to_dict(a), "person_name": a.person.name, "unit_code": a.unit.code}


def do_revoke_role(assignment: RoleAssignment, *, acting_user) -> None:
    with transaction.atomic():
        before = _role_snapshot(assignment)
        pk = assignment.pk
        assignment.delete()
        assignment.pk = pk  # the entry names the assignment that is gone
        record(acting_user, AuditEvent.ROLE_REVOKE, assignment, before, None)


def do_import_org(*, acting_user, unit: Unit, path, confirm: bool = False) -> dict:
    """The organisation sheet (units, people with roles, committees) for `unit`'s subtree: the check lists
    every row's errors and every change; with `confirm` and no errors, all of it is written in one
    transaction. See chuxin/orgs/sheet.py for the columns and keys."""
    from .scope import scope_for
    from .sheet import OrgFileError, apply_org, plan_org

    if not scope_for(acting_user).can_manage(unit):
        raise ActionForbidden(_("Only the leading group office may load the organisation."))
    try:
        plan = plan_org(path, acting_user, unit)
    except OrgFileError as exc:
        return {"status": "failed", "file_error": str(exc), "errors": [], "changes": [], "counts": {}}
    result = {
        "status": "done",
        "sheets": plan.sheets,
        "errors": [list(e) for e in plan.errors],
        "changes": [list(c) for c in plan.changes],
        "counts": plan.counts,
        "applied": False,
    }
    if confirm and plan.ok:
        try:
            with transaction.atomic():
                before = {u["code"]: _unit_snapshot(u["unit"]) for u in plan.units if u["unit"] is not None}
                result["counts"] = apply_org(plan, acting_user=acting_user)
                # one entry for the sheet: what it changed, row by row, and the units' fields before and
                # after (new units have their own unit.create entries from do_create_unit)
                record(
                    acting_user,
                    AuditEvent.ORG_IMPORT,
                    unit,
                    {"units": before},
                    {
                        "sheets": plan.sheets,
                        "counts": result["counts"],
                        "changes": [list(c) for c in plan.changes],
                        "units": {u["code"]: u["changes"] for u in plan.units if u["unit"] is not None},
                        "people": [
                            {
                                "staff_number": p["number"],
                                "name": p["name"],
                                "unit": p["unit"],
                                "position": p["position"],
                                "roles": p["roles"],
                                "new": p["person"] is None,
                            }
                            for p in plan.people
                        ],
                        "seats": plan.seats,
                    },
                )
        except (OrgFileError, ActionError) as exc:
            result["file_error"] = " ".join(getattr(exc, "messages", [str(exc)]))
            return result
        result["applied"] = True
    return result


def do_change_password(user, new_password: str, *, acting_user) -> None:
    """Set a new password (already validated by the form); audited without the password itself."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record(acting_user, AuditEvent.PASSWORD_CHANGE, user, None, {"username": user.username})


# --- the second factor (chuxin/orgs/second_factor.py tells the flow) ---------------------------------


def do_enrol_second_factor(user, key: str, code: str, *, acting_user) -> list[str]:
    """Confirm a new authenticator: the code must come from `key`. Replaces any earlier authenticator and its
    recovery codes; returns the new recovery codes (shown once)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        raise ActionError(_("Enter the six-digit code the app shows."))
    device = TOTPDevice(user=user, key=key, name="authenticator", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time()
    if not totp.verify(int(code), device.tolerance):
        raise ActionError(
            _("This code does not match the new key. Check the phone's time and try the next code.")
        )
    device.last_t = totp.t()  # the code used to confirm cannot log in again
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user).count()
        TOTPDevice.objects.filter(user=user).delete()
        device.save()
        codes = _new_recovery_codes(user)
        record(
            acting_user,
            AuditEvent.SECOND_FACTOR_ENROL,
            user,
            None,
            {"username": user.username, "device": "totp", "recovery_codes": len(codes), "replaced": replaced},
        )
    return codes


def _new_recovery_codes(user) -> list[str]:
    from django.conf import settings
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    # the same device with new codes: a session that logged in with a recovery code stays verified
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def do_issue_recovery_codes(user, *, acting_user) -> list[str]:
    """New recovery codes for an account with an authenticator; the old ones stop working."""
    from .second_factor import has_second_factor

    if not has_second_factor(user):
        raise ActionError(_("Set up the authenticator app first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record(
            acting_user,
            AuditEvent.RECOVERY_CODES_ISSUE,
            user,
            None,
            {"username": user.username, "recovery_codes": len(codes)},
        )
    return codes


def do_check_second_factor(user, code: str, *, acting_user, ip: str = ""):
    """The second step of a log-in: a code from the authenticator or an unused recovery code. Returns the
    device that accepted it, or None (audited as a refused code; devices throttle repeated failures)."""
    from django_otp import devices_for_user

    code = (code or "").strip().replace(" ", "").lower()
    with transaction.atomic():
        if code:
            for device in devices_for_user(user, for_verify=True):
                if device.verify_token(code):
                    return device
    with transaction.atomic():
        record(
            acting_user, AuditEvent.SECOND_FACTOR_FAILED, user, None, {"username": user.username, "ip": ip}
        )
    return None


def do_reset_second_factor(user, *, acting_user, reason: str = "") -> int:
    """Remove the account's authenticator and recovery codes (a lost phone without codes). With OTP_REQUIRED
    the account sets up a new one at its next log-in. Returns how many devices went."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
        removed += StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
        record(
            acting_user,
            AuditEvent.SECOND_FACTOR_RESET,
            user,
            None,
            {"username": user.username, "devices": removed, "reason": reason},
        )
    return removed
