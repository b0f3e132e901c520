"""The problem list and the rectification ledger (问题清单、整改台账), M8."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person, Unit, WorkDomain, subtree_q


class Source(models.TextChoices):
    OPINION = "opinion", _("Opinions heard")
    SELF_EXAMINATION = "self_exam", _("Self-examination")
    RESEARCH = "research", _("Investigation and research")
    DEMOCRATIC_LIFE = "dlm", _("Democratic life meeting")
    GUIDANCE = "guidance", _("Guidance group finding")
    SPECIAL = "special", _("Special rectification")
    ASSIGNED = "assigned", _("Assigned from above")
    ORG_LIFE = "org_life", _("Organisational life meeting")
    INSPECTION = "inspection", _("Inspection feedback")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    GENERAL = 1, _("General")
    SERIOUS = 2, _("Serious")
    PROMINENT = 3, _("Prominent")


class WorkArea(models.IntegerChoices):
    """The seed's six work areas (稳增长、促改革、调结构、惠民生、防风险、保稳定) as bit flags."""

    GROWTH = 1, _("Stabilising growth")
    REFORM = 2, _("Promoting reform")
    STRUCTURE = 4, _("Adjusting structure")
    LIVELIHOOD = 8, _("Improving livelihoods")
    RISK = 16, _("Preventing risks")
    STABILITY = 32, _("Maintaining stability")


class Problem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="problems")
    # no index of its own: problems_unit_campaign leads with the unit (every insert pays for each index)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="problems", verbose_name=_("unit"), db_index=False
    )
    # The unit's tree path, copied here so a subtree filter is a range of this table's own index
    # (no join through orgs_unit); kept right by unit moves (problems.apps listens to unit_moved).
    unit_path = models.CharField(max_length=255, default="", editable=False)
    title = models.CharField(_("problem"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    category = models.CharField(_("category"), max_length=60, blank=True)
    domain = models.ForeignKey(  # indexed where set (problems_domain)
        WorkDomain,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("work domain"),
        db_index=False,
    )
    responsible_leader = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_problems",
        verbose_name=_("responsible leader"),
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    direction = models.TextField(_("direction and measures"), blank=True)
    work_areas = models.PositiveSmallIntegerField(_("work areas"), default=0)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.GENERAL
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # 专项整治: the topic this problem is listed under (its figures roll up per topic as well).
    topic = models.ForeignKey(  # indexed where set (problems_topic)
        "special.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("special rectification topic"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("problem")
        indexes = [
            # the unit's problems (and the unit's foreign key: a unit is deleted only without them)
            models.Index(fields=["unit", "campaign"], name="problems_unit_campaign"),
            # a topic's problems (the special rectification's figures), a domain's (SET_NULL when one is
            # deleted): only the problems that have one are indexed, so the rows without one (an import's
            # 50 000 new problems) add no entry; `topic_id = …` and `IN (…)` imply IS NOT NULL, and both
            # SQLite and PostgreSQL use a partial index on that proof
            models.Index(fields=["topic"], name="problems_topic", condition=Q(topic__isnull=False)),
            models.Index(fields=["domain"], name="problems_domain", condition=Q(domain__isnull=False)),
            # the ledger filtered by source over a subtree (PostgreSQL: pattern ops serve LIKE 'path%')
            models.Index(
                fields=["source", "unit_path", "id"],
                name="problems_source_path",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
            # the ledger filtered by a work area over a subtree: work_areas IN (masks_with(area)), one range
            # of this index per mask, each narrowed to the subtree's path prefix
            models.Index(
                fields=["work_areas", "unit_path", "id"],
                name="problems_areas_path",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.unit_id and not self.unit_path:
            self.unit_path = self.unit.path
        super().save(*args, **kwargs)

    def work_area_labels(self) -> list[str]:
        return [a.label for a in WorkArea if self.work_areas & a.value]

    @staticmethod
    def masks_with(area: int) -> list[int]:
        """Every value of `work_areas` that includes this area's bit (32 of the 64): "tagged with the area" as
        an IN list, which an index on work_areas serves as 32 ranges (a bit test `work_areas & 8` can use no
        index, and is not written the same way in every database)."""
        every = 1 << len(WorkArea)
        return [mask for mask in range(every) if mask & area]


class Kind(models.TextChoices):
    AT_ONCE = "at_once", _("Fix at once")
    DEADLINE = "deadline", _("Fix by deadline")
    LONG_TERM = "long_term", _("Long-term")


class Status(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    CLAIMED = "claimed", _("Claimed, awaiting verification")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Rectified and closed")
    KEPT_UP = "kept_up", _("Stage complete, kept up long-term")


# Statuses that still need work: the ones that can be overdue.
ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.CLAIMED, Status.RETURNED)
# Statuses in which the unit works on the item (progress, stages, a claim); a claim waits for the office.
WORKING_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.RETURNED)


class ItemQuerySet(models.QuerySet):
    def in_subtree(self, unit: Unit) -> ItemQuerySet:
        return self.filter(subtree_q(unit.path, "unit_path"))

    def active(self) -> ItemQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, today: date | None = None) -> ItemQuerySet:
        return self.active().filter(due_date__lt=today or timezone.localdate())

    def overdue_on(self, day: date) -> ItemQuerySet:
        """Items that were overdue on a past `day` by their own dates: recorded by then, due before it
        (their due date, else their deadline), and not closed or kept up by then. The ledger keeps no
        status history, so an item reopened since counts by its closing date. Annotates ``due``."""
        done_by_then = Q(status__in=(Status.CLOSED, Status.KEPT_UP), closed_at__date__lte=day)
        return (
            self.filter(created_at__date__lte=day)
            .annotate(due=Coalesce("due_date", "deadline"))
            .filter(due__lt=day)
            .exclude(done_by_then)
        )


class Level(models.TextChoices):
    """A rung of the escalation ladder: 提醒 → 督办 → 告诫 as the overdue days grow."""

    NONE = "", ""
    REMIND = "remind", _("Reminder")
    SUPERVISE = "supervise", _("Supervision")
    WARN = "warn", _("Warning")


# The one escalation ladder: each rung from its first overdue day on. The item's own level, the
# daily digest (the level above sees an item from 督办 on) and the dashboard's overdue bands read it.
LADDER: tuple[tuple[int, str], ...] = ((1, Level.REMIND), (8, Level.SUPERVISE), (31, Level.WARN))


def escalation_level(days_overdue: int) -> str:
    """The rung for this many days overdue ("" when not overdue)."""
    level = Level.NONE
    for first_day, rung in LADDER:
        if days_overdue >= first_day:
            level = rung
    return level


def first_day_of(level: str) -> int:
    """The first overdue day on which an item stands on this rung."""
    return next(first for first, rung in LADDER if rung == level)


def ladder_bands() -> list[tuple[int, int | None, str]]:
    """The rungs as (first day, last day or None, level): the dashboard's overdue bands."""
    firsts = [first for first, _rung in LADDER]
    lasts = [nxt - 1 for nxt in firsts[1:]] + [None]
    return [(first, last, rung) for (first, rung), last in zip(LADDER, lasts, strict=True)]


class RectificationItem(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="items")
    # = problem.unit, for scope; no index of its own: items_unit_status leads with it
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="items", db_index=False)
    # = unit.path, copied so the ledger's subtree filters are ranges of this table's own indexes
    # (see Meta.indexes); kept right by unit moves (problems.apps listens to unit_moved).
    unit_path = models.CharField(max_length=255, default="", editable=False)
    # = problem.campaign, copied so every ledger index leads with the campaign: with a second campaign in
    # the database the ledger's campaign check is then a range of the same index, not a join per row.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    measures = models.TextField(_("measures"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    requirements = models.TextField(_("requirements"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    responsible_person = models.ForeignKey(  # no index of its own: items_my_items leads with it
        Person,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("responsible person"),
        db_index=False,
    )
    responsible_leader = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_items",
        verbose_name=_("responsible leader"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # The next date the item must meet: its deadline, or the earliest open stage's target date.
    due_date = models.DateField(null=True, blank=True)
    claimed_by = models.ForeignKey(  # indexed where set (items_claimed_by)
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification item")
        indexes = [
            models.Index(fields=["unit", "status"], name="items_unit_status"),  # the unit ledger by status
            models.Index(fields=["status", "due_date"], name="items_overdue"),  # overdue scans and reminders
            models.Index(fields=["responsible_person", "status"], name="items_my_items"),  # "my items"
            # The ledger page, newest first, one index per filter it offers (status, kind, overdue; source
            # goes through problems_source_path), each led by the campaign and the unit's path copied onto
            # the item. PostgreSQL needs the pattern ops for LIKE 'path%' (the database collation is not
            # C); SQLite ignores opclasses and subtree_q gives it a plain range. The planner range-scans the
            # path and sorts the matches' ids, or walks the index backwards when the subtree is most of it.
            models.Index(
                fields=["campaign", "unit_path", "id"],
                name="items_campaign_path",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
            models.Index(
                fields=["campaign", "status", "unit_path", "due_date", "id"],
                name="items_campaign_status_path",  # status, and overdue = active statuses, due_date < today
                opclasses=["", "", "varchar_pattern_ops", "", ""],
            ),
            models.Index(
                fields=["campaign", "kind", "unit_path", "status", "id"],
                name="items_campaign_kind_path",  # kind, and kind with status
                opclasses=["", "", "varchar_pattern_ops", "", ""],
            ),
            # Where a subtree is a small part of the campaign (a province at 1M items), the planner walks
            # newest first instead and filters on the path: these two let it walk an index of the status's
            # (or the active statuses') items only, reading the path and due date from the index, never
            # the table (in progress 8 ms -> 1 ms, overdue 12 ms -> 2 ms at 1M items, Guangdong's subtree).
            models.Index(
                fields=["campaign", "status", "id"],
                include=["unit_path", "due_date"],
                name="items_campaign_status_id",
            ),
            models.Index(
                fields=["campaign", "id"],
                include=["unit_path", "due_date"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="items_campaign_active_id",  # overdue: the active statuses, due_date < today
            ),
            models.Index(
                fields=["status", "claimed_at"], name="items_claim_queue"
            ),  # to-do: oldest claims first
            # the staff to-do's "claimed by me" (and the user's foreign key): only claimed items have a
            # claimant, so new items (an import's 100 000) add no entry; `claimed_by_id = …` implies IS NOT
            # NULL, and both SQLite and PostgreSQL use a partial index on that proof
            models.Index(
                fields=["claimed_by"], name="items_claimed_by", condition=Q(claimed_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem.title} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.unit_id and not self.unit_path:
            self.unit_path = self.unit.path
        if self.problem_id and not self.campaign_id:
            self.campaign_id = self.problem.campaign_id
        super().save(*args, **kwargs)

    def days_overdue(self, today: date | None = None) -> int:
        today = today or timezone.localdate()
        if self.status not in ACTIVE_STATUSES or self.due_date is None or self.due_date >= today:
            return 0
        return (today - self.due_date).days

    def is_overdue(self, today: date | None = None) -> bool:
        return self.days_overdue(today) > 0

    def escalation(self, today: date | None = None) -> str:
        """The rung of the escalation ladder the item stands on (提醒 → 督办 → 告诫)."""
        return escalation_level(self.days_overdue(today))

    def office_status(self) -> str:
        """The status in the glossary's words (已销号, 正在整改, …): the Status label, the one source of it."""
        return self.get_status_display()


class Stage(models.Model):
    """A stage goal of a long-term item, with its own target date."""

    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="stages")
    order = models.PositiveSmallIntegerField(default=1)
    goal = models.CharField(_("stage goal"), max_length=300)
    target_date = models.DateField(_("target date"))
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.goal


class UpdateKind(models.TextChoices):
    NOTE = "note", _("Progress")
    START = "start", _("Started")
    CLAIM = "claim", _("Completion claimed")
    VERIFY = "verify", _("Verified and closed")
    KEEP_UP = "keep_up", _("Stage complete, kept up long-term")
    REJECT = "reject", _("Claim rejected")
    REOPEN = "reopen", _("Reopened by look-back")
    STAGE = "stage", _("Stage completed")
    EXTEND = "extend", _("Deadline extended")


class ProgressUpdate(models.Model):
    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="updates")
    kind = models.CharField(max_length=10, choices=UpdateKind.choices)
    text = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class EvidenceBlob(models.Model):
    """File content stored once under its SHA-256; never overwritten, never deleted."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)


class Evidence(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="evidence")
    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="evidence")
    blob = models.ForeignKey(EvidenceBlob, on_delete=models.PROTECT)
    name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)


class ProblemListSignoff(models.Model):
    """The secretary (第一责任人) signs off the unit's problem list; a later sign-off supersedes it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="problem_list_signoffs")
    signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    problems = models.PositiveIntegerField(_("problems on the list"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["unit", "campaign", "signed_at"], name="problems_signoff_latest")]


def resync_unit_paths(unit: Unit) -> int:
    """Copy the (new) paths of `unit`'s subtree onto its problems and items, after a move.

    Called inside the move's transaction (the `unit_moved` signal); one UPDATE per table, over the
    rows of the moved subtree only. Returns the number of rows rewritten."""
    units = Unit.objects.filter(subtree_q(unit.path)).values("pk")
    path_of = Unit.objects.filter(pk=models.OuterRef("unit_id")).values("path")[:1]
    n = 0
    for model in (Problem, RectificationItem):
        n += model.objects.filter(unit_id__in=units).update(unit_path=models.Subquery(path_of))
    return n


def stale_unit_paths(repair: bool = False, under: str | None = None) -> dict[str, int]:
    """Problems and items whose copied unit path differs from their unit's path (a unit moved outside
    `do_move_unit`, or rows written before the copy existed): model name -> how many. With `under` (a unit's
    path), only the rows of that subtree: those whose unit lies in it, or whose copy says it does (a unit
    moved out of it). With `repair`, those rows get their unit's path (one UPDATE per table, over the stale
    rows only)."""
    path_of = Unit.objects.filter(pk=models.OuterRef("unit_id")).values("path")[:1]
    found = {}
    for model in (Problem, RectificationItem):
        stale = model.objects.exclude(unit_path=models.F("unit__path"))
        if under is not None:
            stale = stale.filter(subtree_q(under, "unit__path") | subtree_q(under, "unit_path"))
        found[model.__name__] = n = stale.count()
        if repair and n:
            model.objects.filter(pk__in=stale.values("pk")).update(unit_path=models.Subquery(path_of))
    return found


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    """延期申请: the deadline of a running item moves only when the verifying office approves."""

    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="extensions")
    old_deadline = models.DateField(_("current deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("opinion"), blank=True)

    class Meta:
        verbose_name = _("deadline extension request")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # at most one open request per item
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(status="pending"), name="problems_one_pending_extension"
            ),
        ]
        indexes = [
            # the offices' to-do: pending requests, oldest first
            models.Index(fields=["status", "requested_at"], name="problems_extension_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.old_deadline} → {self.new_deadline}"
