"""The organisation from one .xlsx: units, people with their roles, and committees (书记、副书记、委员 with their
分管领域) — how a province loads its tree instead of clicking it in.

One sheet per kind, found by its header row (within the first 20 rows, any sheet order, any sheet name):
- units (单位): 单位代码, 单位名称, 上级单位代码, 单位类别; optional 层级, 简称. Rows in any order: a unit may come
  before its parent.
- people (人员): 工号, 姓名, 所在单位代码; optional 职务, 角色 (several, separated by 、 , ； or spaces; each role
  is held at the person's unit and reaches its subtree).
- committee (班子成员): 单位代码, 工号, 班子职务 (书记 / 副书记 / 委员); optional 分管领域 (several).

Keys: units by 单位代码, people by 工号 (Person.staff_number). Re-importing the same sheet changes nothing;
a changed name, kind, position or post is updated; roles, seats and domains are added, never removed (that
stays a deliberate act on the unit's page). A unit is not moved by the sheet.

Scope: every unit the sheet names must lie in the subtree of the unit whose page is used, and the importer
must manage it (leading group office). The check lists every row's errors and every change; nothing is
written unless every row is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from chuxin.core.i18n import zh
from chuxin.core.xlsx import XlsxRefused, inspect_xlsx, person_name, read_sheet

from .models import (
    CommitteeMember,
    CommitteePost,
    CommitteeType,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
    UnitLevel,
    WorkDomain,
)

UNIT_COLUMNS = ["单位代码", "单位名称", "上级单位代码", "单位类别", "层级", "简称", "组织类型"]
PEOPLE_COLUMNS = ["工号", "姓名", "所在单位代码", "职务", "角色"]
COMMITTEE_COLUMNS = ["单位代码", "工号", "班子职务", "分管领域"]
SHEETS = {
    "units": (["单位代码", "单位名称", "上级单位代码"], UNIT_COLUMNS),
    "people": (["工号", "姓名", "所在单位代码"], PEOPLE_COLUMNS),
    "committee": (["单位代码", "工号", "班子职务"], COMMITTEE_COLUMNS),
}
SHEET_LABEL = {"units": "单位", "people": "人员", "committee": "班子成员"}
_SPLIT = re.compile(r"[、,，;；/\s]+")


class OrgFileError(Exception):
    pass


def _norm(v) -> str:
    import unicodedata

    from chuxin.core.xlsx import drop_controls

    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return drop_controls(unicodedata.normalize("NFKC", str(v))).strip()


def _labels(choices) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[str(value).lower()] = value
        out[_norm(zh(label))] = value
        out[_norm(label).lower()] = value
    return out


@dataclass
class OrgPlan:
    sheets: dict[str, str] = field(default_factory=dict)  # kind -> sheet name used
    errors: list[tuple[str, int, str, str]] = field(default_factory=list)  # sheet, row, column, reason
    changes: list[tuple[str, int, str]] = field(default_factory=list)  # sheet, row, what
    units: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    seats: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_org_sheets(path) -> dict[str, tuple[str, int, dict[str, int], list[list]]]:
    try:
        info = inspect_xlsx(path)
    except XlsxRefused as exc:
        raise OrgFileError(str(exc)) from exc
    found = {}
    for index, sheet_info in enumerate(info.sheets):
        sheet = read_sheet(path, index, sheet_info.name)
        for i, row in enumerate(sheet.rows[:20]):
            names = {_norm(c): j for j, c in enumerate(row) if isinstance(c, str) and c.strip()}
            for kind, (required, columns) in SHEETS.items():
                if kind in found or not all(r in names for r in required):
                    continue
                if kind == "units" and "工号" in names:
                    continue
                found[kind] = (sheet.name, i, {c: names[c] for c in columns if c in names}, sheet.rows)
                break
            else:
                continue
            break
    if not found:
        raise OrgFileError(
            _(
                "No organisation sheet found: a sheet needs a header row with 单位代码, 单位名称 and 上级单位代码 "
                "(units), 工号, 姓名 and 所在单位代码 (people), or 单位代码, 工号 and 班子职务 (committee)."
            )
        )
    return found


def plan_org(path, user, root: Unit) -> OrgPlan:
    """Check every row of every sheet against the tree; nothing is written."""
    from .scope import scope_for

    sheets = read_org_sheets(path)
    plan = OrgPlan(sheets={k: v[0] for k, v in sheets.items()})
    scope = scope_for(user)
    kinds = _labels(UnitKind)
    levels = {**{str(v): v for v in UnitLevel.values}, **{_norm(zh(lbl)): v for v, lbl in UnitLevel.choices}}
    ctypes = _labels(CommitteeType)
    roles = _labels(Role)
    posts = {**_labels(CommitteePost), "委员": CommitteePost.MEMBER, "班子成员": CommitteePost.MEMBER}

    def body(kind):
        if kind not in sheets:
            return []
        _name, header, cols, rows = sheets[kind]
        out = []
        for i in range(header + 1, len(rows)):
            row = rows[i]
            values = {c: _norm(row[j]) if j < len(row) else "" for c, j in cols.items()}
            if any(values.values()):
                out.append((i + 1, values))
        return out

    def err(kind, n, column, reason):
        plan.errors.append((SHEET_LABEL[kind], n, column, reason))

    unit_rows = body("units")
    people_rows = body("people")
    seat_rows = body("committee")
    codes = {v["单位代码"] for _n, v in unit_rows} | {v["上级单位代码"] for _n, v in unit_rows}
    codes |= {v["所在单位代码"] for _n, v in people_rows} | {v["单位代码"] for _n, v in seat_rows}
    existing = {u.code: u for u in Unit.objects.filter(code__in=codes - {""})}

    # units
    in_file: dict[str, int] = {}
    for n, v in unit_rows:
        code, name, parent = v["单位代码"], v["单位名称"], v["上级单位代码"]
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}", code):
            err(
                "units",
                n,
                "单位代码",
                _("A unit code is 1-32 letters, digits, '-' or '_': %(code)r") % {"code": code},
            )
            continue
        if code in in_file:
            err(
                "units",
                n,
                "单位代码",
                _("Unit %(code)s appears twice: rows %(first)s and %(row)s.")
                % {"code": code, "first": in_file[code], "row": n},
            )
            continue
        in_file[code] = n
        if not name:
            err("units", n, "单位名称", _("A unit needs a name."))
        kind = kinds.get(v.get("单位类别", "").lower()) or kinds.get(v.get("单位类别", ""))
        if v.get("单位类别") and kind is None:
            err("units", n, "单位类别", _("Unknown unit kind: %(kind)s") % {"kind": v["单位类别"]})
        level = None
        if v.get("层级"):
            level = levels.get(v["层级"])
            if level is None:
                err("units", n, "层级", _("Unknown unit level: %(level)s") % {"level": v["层级"]})
        ctype = ctypes.get(v.get("组织类型", "").lower()) if v.get("组织类型") else None
        if v.get("组织类型") and ctype is None:
            err(
                "units",
                n,
                "组织类型",
                _("Unknown party organisation type: %(type)s") % {"type": v["组织类型"]},
            )
        unit = existing.get(code)
        if unit is not None:
            if not unit.path.startswith(root.path) or not scope.can_manage(unit):
                err("units", n, "单位代码", _("%(unit)s is outside the units you manage.") % {"unit": code})
                continue
            parent_unit = unit.parent() if unit.depth > 1 else None
            if parent and (parent_unit is None or parent_unit.code != parent):
                err("units", n, "上级单位代码", _("A unit is moved on its page, not by the sheet."))
                continue
            changes = {}
            for fname, value in (
                ("name", name),
                ("short_name", v.get("简称", "") if "简称" in v else unit.short_name),
                ("kind", kind or unit.kind),
                ("level", level or unit.level),
                ("committee_type", ctype or unit.committee_type),
            ):
                if value != getattr(unit, fname):
                    changes[fname] = value
            if changes:
                plan.units.append({"row": n, "code": code, "unit": unit, "changes": changes})
                plan.changes.append((SHEET_LABEL["units"], n, _("update %(unit)s") % {"unit": code}))
            continue
        if kind is None and not v.get("单位类别"):
            err("units", n, "单位类别", _("A new unit needs its kind."))
        if not parent:
            err("units", n, "上级单位代码", _("A new unit needs its parent unit's code."))
        plan.units.append(
            {
                "row": n,
                "code": code,
                "unit": None,
                "parent": parent,
                "fields": {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "level": level,
                    "short_name": v.get("简称", ""),
                    "committee_type": ctype or CommitteeType.COMMITTEE,
                },
            }
        )
    # new units: every parent exists or is created by the sheet, inside the subtree (any row order)
    new_codes = {u["code"] for u in plan.units if u["unit"] is None}
    for u in plan.units:
        if u["unit"] is not None or not u.get("parent"):
            continue
        parent = u["parent"]
        if parent in new_codes:
            continue
        pu = existing.get(parent)
        if pu is None:
            err("units", u["row"], "上级单位代码", _("Unknown unit code: %(code)s") % {"code": parent})
        elif not pu.path.startswith(root.path) or not scope.can_manage(pu):
            err(
                "units",
                u["row"],
                "上级单位代码",
                _("%(unit)s is outside the units you manage.") % {"unit": parent},
            )
    _check_cycles(plan, err)
    for u in plan.units:
        if u["unit"] is None:
            plan.changes.append(
                (SHEET_LABEL["units"], u["row"], _("new unit %(unit)s") % {"unit": u["code"]})
            )

    def unit_ok(code) -> bool:
        if code in new_codes:
            return True
        unit = existing.get(code)
        return unit is not None and unit.path.startswith(root.path) and scope.can_manage(unit)

    # people
    numbers = {v["工号"] for _n, v in people_rows} | {v["工号"] for _n, v in seat_rows}
    people = {
        p.staff_number: p
        for p in Person.objects.filter(staff_number__in=numbers - {""}).select_related("home_unit")
    }
    seen_numbers: dict[str, int] = {}
    for n, v in people_rows:
        number, name, ucode = v["工号"], person_name(v["姓名"]), v["所在单位代码"]
        if not number:
            err("people", n, "工号", _("The staff number is empty."))
            continue
        if number in seen_numbers:
            err(
                "people",
                n,
                "工号",
                _("Staff number %(number)s appears twice: rows %(first)s and %(row)s.")
                % {"number": number, "first": seen_numbers[number], "row": n},
            )
            continue
        seen_numbers[number] = n
        if not name:
            err("people", n, "姓名", _("The name is empty."))
        if not unit_ok(ucode):
            err(
                "people",
                n,
                "所在单位代码",
                _("Unknown unit code: %(code)s") % {"code": ucode}
                if ucode not in existing
                else _("%(unit)s is outside the units you manage.") % {"unit": ucode},
            )
            continue
        wanted_roles = []
        for label in _SPLIT.split(v.get("角色", "")):
            if not label:
                continue
            role = roles.get(label.lower()) or roles.get(label)
            if role is None:
                err("people", n, "角色", _("Unknown role: %(role)s") % {"role": label})
            else:
                wanted_roles.append(role)
        person = people.get(number)
        if person is not None and not (
            person.home_unit.path.startswith(root.path) and scope.can_manage(person.home_unit)
        ):
            err(
                "people",
                n,
                "工号",
                _("%(unit)s is outside the units you manage.") % {"unit": person.home_unit.code},
            )
            continue
        entry = {
            "row": n,
            "number": number,
            "person": person,
            "name": name,
            "unit": ucode,
            "position": v.get("职务", ""),
            "roles": wanted_roles,
        }
        if person is None:
            plan.changes.append(
                (
                    SHEET_LABEL["people"],
                    n,
                    _("new person %(name)s (%(number)s)") % {"name": name, "number": number},
                )
            )
            plan.people.append(entry)
        else:
            diff = []
            if person.name != name:
                diff.append("姓名")
            if person.home_unit.code != ucode:
                diff.append("所在单位代码")
            if "职务" in v and person.position != v["职务"]:
                diff.append("职务")
            held = set(
                RoleAssignment.objects.filter(person=person, unit__code=ucode).values_list("role", flat=True)
            )
            if set(wanted_roles) - held:
                diff.append("角色")
            if diff:
                plan.changes.append(
                    (
                        SHEET_LABEL["people"],
                        n,
                        _("update %(name)s: %(columns)s") % {"name": name, "columns": "、".join(diff)},
                    )
                )
                plan.people.append(entry)

    # committee seats
    file_people = {v["工号"]: v for _n, v in people_rows}
    secretaries: dict[str, int] = {}
    seen_seats: dict[tuple[str, str], int] = {}
    for n, v in seat_rows:
        ucode, number, post_label = v["单位代码"], v["工号"], v["班子职务"]
        if not unit_ok(ucode):
            err("committee", n, "单位代码", _("Unknown unit code: %(code)s") % {"code": ucode})
            continue
        if number not in file_people and number not in people:
            err(
                "committee",
                n,
                "工号",
                _("Unknown staff number %(number)s: list the person on the people sheet.")
                % {"number": number},
            )
            continue
        post = posts.get(post_label) or posts.get(post_label.lower())
        if post is None:
            err("committee", n, "班子职务", _("Unknown post: %(post)s") % {"post": post_label})
            continue
        if (ucode, number) in seen_seats:
            err(
                "committee",
                n,
                "工号",
                _("The same person appears twice on %(unit)s's committee: rows %(first)s and %(row)s.")
                % {"unit": ucode, "first": seen_seats[(ucode, number)], "row": n},
            )
            continue
        seen_seats[(ucode, number)] = n
        if post == CommitteePost.SECRETARY:
            if ucode in secretaries:
                err(
                    "committee",
                    n,
                    "班子职务",
                    _("%(unit)s has two secretaries: rows %(first)s and %(row)s.")
                    % {"unit": ucode, "first": secretaries[ucode], "row": n},
                )
                continue
            secretaries[ucode] = n
            other = (
                CommitteeMember.objects.filter(unit__code=ucode, post=CommitteePost.SECRETARY)
                .exclude(person__staff_number=number)
                .select_related("person")
                .first()
            )
            if other is not None:
                err(
                    "committee",
                    n,
                    "班子职务",
                    _(
                        "%(unit)s already has a secretary (%(name)s); change the seat on the unit's page first."
                    )
                    % {"unit": ucode, "name": other.person.name},
                )
                continue
        domains = [d for d in _SPLIT.split(v.get("分管领域", "")) if d]
        seat = (
            CommitteeMember.objects.filter(unit__code=ucode, person__staff_number=number)
            .prefetch_related("domains")
            .first()
            if number in people
            else None
        )
        if seat is not None and seat.post == post and set(domains) <= {d.name for d in seat.domains.all()}:
            continue
        plan.seats.append({"row": n, "unit": ucode, "number": number, "post": post, "domains": domains})
        plan.changes.append(
            (
                SHEET_LABEL["committee"],
                n,
                _("seat %(number)s at %(unit)s") % {"number": number, "unit": ucode},
            )
        )

    plan.errors.sort(key=lambda e: (e[0], e[1]))
    plan.counts = {
        "units": len(plan.units),
        "people": len(plan.people),
        "seats": len(plan.seats),
        "rows": len(unit_rows) + len(people_rows) + len(seat_rows),
    }
    return plan


def _check_cycles(plan: OrgPlan, err) -> None:
    parent_of = {u["code"]: u.get("parent") for u in plan.units if u["unit"] is None}
    for code in parent_of:
        seen = {code}
        p = parent_of.get(code)
        while p in parent_of:
            if p in seen:
                row = next(u["row"] for u in plan.units if u["code"] == code)
                err(
                    "units",
                    row,
                    "上级单位代码",
                    _("The parent codes go round in a circle at %(code)s.") % {"code": code},
                )
                break
            seen.add(p)
            p = parent_of.get(p)


def apply_org(plan: OrgPlan, *, acting_user=None) -> dict:
    """Write the plan (inside the caller's transaction), parents before children."""
    from .actions import do_create_unit

    created = {}
    pending = [u for u in plan.units if u["unit"] is None]
    while pending:
        progressed = False
        for u in list(pending):
            parent = created.get(u["parent"]) or Unit.objects.filter(code=u["parent"]).first()
            if parent is None:
                continue
            created[u["code"]] = do_create_unit(parent, acting_user=acting_user, **u["fields"])
            pending.remove(u)
            progressed = True
        if not progressed:
            raise OrgFileError(
                _("The parent codes go round in a circle at %(code)s.") % {"code": pending[0]["code"]}
            )
    for u in plan.units:
        if u["unit"] is not None:
            unit = Unit.objects.get(pk=u["unit"].pk)
            for k, v in u["changes"].items():
                setattr(unit, k, v)
            unit.save()
    for p in plan.people:
        unit = Unit.objects.get(code=p["unit"])
        person = p["person"] or Person(staff_number=p["number"])
        person.name = p["name"]
        person.home_unit = unit
        if p["position"] or person.pk is None:
            person.position = p["position"]
        person.save()
        for role in p["roles"]:
            RoleAssignment.objects.get_or_create(person=person, unit=unit, role=role)
    for s in plan.seats:
        unit = Unit.objects.get(code=s["unit"])
        person = Person.objects.get(staff_number=s["number"])
        seat, _created = CommitteeMember.objects.update_or_create(
            unit=unit, person=person, defaults={"post": s["post"]}
        )
        for name in s["domains"]:
            domain, _c = WorkDomain.objects.get_or_create(unit=unit, name=name[:60])
            seat.domains.add(domain)
    return {"units_created": len(created), **plan.counts}
