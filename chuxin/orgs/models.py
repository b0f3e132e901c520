"""The organisation tree (M2), people and their roles (M3).

Units form a materialised-path tree (django-treebeard's MP_Node): a unit's subtree is every row
whose path starts with the unit's path, one index range scan at any size of tree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class UnitKind(models.TextChoices):
    CENTRE = "centre", _("Central leadership")
    PROVINCE = "province", _("Province")
    AUTONOMOUS_REGION = "autonomous_region", _("Autonomous region")
    MUNICIPALITY = "municipality", _("Municipality")
    XPCC = "xpcc", _("Xinjiang Production and Construction Corps")
    SUBPROVINCIAL_CITY = "subprovincial_city", _("Sub-provincial city")
    CENTRAL_ORGAN = "central_organ", _("Central and state organ")
    PEOPLES_ORGANISATION = "peoples_org", _("People's organisation")
    FINANCIAL_ENTERPRISE = "financial_enterprise", _("Central financial enterprise")
    STATE_ENTERPRISE = "state_enterprise", _("Key state enterprise")
    UNIVERSITY = "university", _("University")
    MILITARY = "military", _("Military unit")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    GRASSROOTS = "grassroots", _("Grassroots organisation")


class UnitLevel(models.IntegerChoices):
    CENTRAL = 1, _("Central level")
    PROVINCIAL = 2, _("Provincial level")
    PREFECTURE = 3, _("Prefecture level")
    COUNTY = 4, _("County level")
    TOWNSHIP = 5, _("Township level")
    GRASSROOTS = 6, _("Grassroots level")


class CommitteeType(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GROUP = "group", _("Leading party members' group")
    BRANCH = "branch", _("Party branch")


def pinyin_initials(text: str) -> str:
    """'广东省' -> 'gds': what people type to find a unit by its name's initials."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()[:60]


def subtree_q(path: str, field: str = "path") -> Q:
    """Rows whose `field` lies in the subtree rooted at `path`, as an index-backed condition.

    PostgreSQL: LIKE 'path%' served by the varchar_pattern_ops index. SQLite: LIKE is case-insensitive
    there and skips the index, so we use the equivalent range [path, path + '~'), which the
    B-tree serves ('~' sorts after every character of treebeard's alphabet).
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": path})
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + "~"})


def subtrees_q(paths: list[str], field: str = "path") -> Q:
    """Union of several subtrees; no paths means no rows."""
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= subtree_q(p, field)
    return q


STEPLEN = 4  # treebeard's MP_Node.steplen: each level adds four characters to the path


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """The paths of a unit's ancestors, root first (and the unit's own last, unless include_self=False).

    The one place that slices a materialised path into its ancestors."""
    end = len(path) + 1 if include_self else len(path)
    return [path[:i] for i in range(STEPLEN, end, STEPLEN)]


def collapse_paths(paths) -> list[str]:
    """Drop paths that lie inside another path of the list (their subtree is already covered)."""
    out: list[str] = []
    for p in sorted(set(paths)):
        if not out or not p.startswith(out[-1]):
            out.append(p)
    return out


class UnitQuerySet(MP_NodeQuerySet):
    def in_subtree(self, unit: Unit) -> UnitQuerySet:
        return self.filter(subtree_q(unit.path))

    def children_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(subtree_q(unit.path), depth=unit.depth + 1)

    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")


class Unit(MP_Node):
    """One unit of the organisation: the centre, a province, an organ, a county, a branch …"""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=UnitLevel.choices)
    committee_type = models.CharField(
        _("party organisation"), max_length=12, choices=CommitteeType.choices, default=CommitteeType.COMMITTEE
    )
    initials = models.CharField(_("pinyin initials"), max_length=60, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UnitManager()
    steplen = STEPLEN

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            # Serves subtree_q() on PostgreSQL: path LIKE 'prefix%'. Ignored elsewhere, where the
            # unique index on path serves the range form.
            models.Index(fields=["path"], name="orgs_unit_path_prefix", opclasses=["varchar_pattern_ops"]),
            # Serves children_of(): depth = d AND path in the parent's subtree.
            models.Index(
                fields=["depth", "path"],
                name="orgs_unit_depth_path",
                opclasses=["int4_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.initials = pinyin_initials(self.name)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def parent(self) -> Unit | None:
        if self.depth <= 1:
            return None
        return Unit.objects.filter(path=ancestor_paths(self.path, include_self=False)[-1]).first()

    def ancestors(self) -> list[Unit]:
        """Root first, without self; one query."""
        paths = ancestor_paths(self.path, include_self=False)
        return list(Unit.objects.filter(path__in=paths).order_by("depth")) if paths else []

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)


class Rank(models.IntegerChoices):
    """Cadre rank, ordered so that 'at or above' is a comparison (县处级以上 = rank >= VICE_COUNTY)."""

    NONE = 0, _("No rank")
    STAFF = 10, _("Staff member")
    VICE_SECTION = 20, _("Deputy section level")
    SECTION = 30, _("Section level")
    VICE_COUNTY = 40, _("Deputy county/division level")
    COUNTY = 50, _("County/division level")
    VICE_BUREAU = 60, _("Deputy bureau level")
    BUREAU = 70, _("Bureau level")
    VICE_MINISTERIAL = 80, _("Deputy provincial/ministerial level")
    MINISTERIAL = 90, _("Provincial/ministerial level")
    NATIONAL = 100, _("National level")


class Person(models.Model):
    """A cadre or member; may or may not have an account."""

    name = models.CharField(_("name"), max_length=60)
    # The organisation sheet's key for a person (工号): re-importing the sheet updates, never duplicates.
    staff_number = models.CharField(_("staff number"), max_length=32, blank=True, default="")
    position = models.CharField(_("position"), max_length=120, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), choices=Rank.choices, default=Rank.NONE)
    home_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="people", verbose_name=_("home unit")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # Focus-group selection within a unit: people of the unit at or above a rank.
            models.Index(fields=["home_unit", "rank"], name="orgs_person_unit_rank"),
            # The ledger's "responsible person" filter looks people up by name.
            models.Index(fields=["name"], name="orgs_person_name"),
        ]
        constraints = [
            # The organisation import finds people by staff number.
            models.UniqueConstraint(
                fields=["staff_number"], condition=~Q(staff_number=""), name="orgs_person_staff_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkDomain(models.Model):
    """A work domain (分管领域) of a unit, covered by one or more committee members."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(_("work domain"), max_length=60)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="orgs_domain_unique_per_unit")]
        verbose_name = _("work domain")

    def __str__(self) -> str:
        return self.name


class CommitteePost(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY = "deputy", _("Deputy secretary")
    MEMBER = "member", _("Member")


class CommitteeMember(models.Model):
    """A seat on a unit's party committee or group, with the domains its holder covers (一岗双责)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="committee")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="committee_seats")
    post = models.CharField(_("post"), max_length=12, choices=CommitteePost.choices)
    order = models.PositiveSmallIntegerField(default=0)
    domains = models.ManyToManyField(
        WorkDomain, blank=True, related_name="members", verbose_name=_("domains")
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "person"], name="orgs_one_seat_per_person_and_unit"),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(post="secretary"), name="orgs_one_secretary_per_unit"
            ),
        ]
        verbose_name = _("committee member")

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_post_display()} · {self.person}"


class Role(models.TextChoices):
    OFFICE = "office", _("Leading group office")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Committee member")
    STAFF = "staff", _("Staff")
    GUIDANCE = "guidance", _("Guidance group member")
    DISCIPLINE = "discipline", _("Discipline inspector")
    VIEWER = "viewer", _("Viewer")
    AUDITOR = "auditor", _("Auditor")  # 审计管理员: reads and exports the audit log, nothing else


# Roles that may change the organisation (units, roles) inside their subtree.
MANAGING_ROLES = frozenset({Role.OFFICE})
# Roles that record and update ledger data (problems, items, progress, evidence).
RECORDING_ROLES = frozenset({Role.OFFICE, Role.SECRETARY, Role.MEMBER, Role.STAFF})


class RoleAssignment(models.Model):
    """(person, unit, role): the role reaches the unit's whole subtree."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "unit", "role"], name="orgs_role_unique"),
        ]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} @ {self.unit.code}"


class GroupKind(models.TextChoices):
    CENTRAL = "central", _("Central guidance group")
    ROVING = "roving", _("Roving guidance group")


class GroupPost(models.TextChoices):
    LEADER = "leader", _("Group leader")
    DEPUTY = "deputy", _("Deputy group leader")
    MEMBER = "member", _("Group member")


class GuidanceGroup(models.Model):
    """A guidance group (中央指导组 / 巡回指导组) dispatched by a unit to a list of units — several provinces, or
    a set of departments: a list, not a subtree. Its members see those units' subtrees, read-only (scope.py)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices)
    dispatched_by = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dispatched_groups", verbose_name=_("dispatched by")
    )
    assigned_units = models.ManyToManyField(
        Unit, related_name="guidance_groups", verbose_name=_("assigned units")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispatched_by__path", "name"]
        verbose_name = _("guidance group")

    def __str__(self) -> str:
        return self.name


class GuidanceGroupMember(models.Model):
    group = models.ForeignKey(GuidanceGroup, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="group_seats")
    post = models.CharField(_("post"), max_length=10, choices=GroupPost.choices, default=GroupPost.MEMBER)

    class Meta:
        ordering = ["group", "post", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "person"], name="orgs_one_seat_per_group")]
