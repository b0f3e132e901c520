"""Roll-up aggregates (M17): per unit, the figures of its whole subtree, kept current by the ledger actions.

Every change to the ledger adds its delta to the counters of the unit and of all its ancestors in the
same transaction (one UPDATE over at most `depth` rows), so a subtree's figures are one row and a
per-child breakdown is one row per child, at any size of tree. `verifyrollups` recounts and reports drift.
"""

from django.db import models

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit
from chuxin.problems.models import Kind, Source, Status

STATUS_FIELDS = {s.value: f"st_{s.value}" for s in Status}
KIND_FIELDS = {k.value: f"k_{k.value}" for k in Kind}
SOURCE_FIELDS = {s.value: f"src_{s.value}" for s in Source}
COUNT_FIELDS = ["problems", "items", *STATUS_FIELDS.values(), *KIND_FIELDS.values(), *SOURCE_FIELDS.values()]


# The unit's foreign key has no index of its own in these tables: each one's unique constraint leads with the
# unit and serves every look-up by unit (reads, CASCADE). A second index only cost every counter write an
# extra B-tree insert (an import's ~130 000 due-date rows among them).


class SubtreeCounts(models.Model):
    """The figures of one unit's subtree in one campaign (the sum of its shard rows, see shards.py)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    problems = models.BigIntegerField(default=0)
    items = models.BigIntegerField(default=0)
    locals().update({f: models.BigIntegerField(default=0) for f in COUNT_FIELDS[2:]})
    # which of the unit's rows this is (shards.py): units near the root spread their writers over several
    shard = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            # one row per unit, campaign and shard; also serves the reads (units IN (…), campaign)
            models.UniqueConstraint(fields=["unit", "campaign", "shard"], name="rollups_one_row_per_shard"),
        ]


class SubtreeDue(models.Model):
    """Unfinished items of a unit's subtree by due date: overdue = the rows dated before today."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    n = models.BigIntegerField(default=0)
    shard = models.PositiveSmallIntegerField(default=0, db_default=0)  # as SubtreeCounts.shard

    class Meta:
        constraints = [
            # one row per unit, campaign, date and shard; also serves the overdue read (units IN (…),
            # campaign, due_date < today)
            models.UniqueConstraint(
                fields=["unit", "campaign", "due_date", "shard"], name="rollups_due_shard_unique"
            ),
        ]


class SubtreeTally(models.Model):
    """A strand's named count over one unit's subtree in one campaign (see tallies.py)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # one row per unit, campaign and tally; also serves read(): units IN (…), campaign, keys
            models.UniqueConstraint(fields=["unit", "campaign", "key"], name="rollups_tally_unique"),
        ]


class DailySnapshot(models.Model):
    """A subtree's figures as they stood on one day, kept by the worker for the trend charts."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    items = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    kept_up = models.BigIntegerField(default=0)
    overdue = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # one row per unit and day; also serves the trend query (unit, campaign, date range)
            models.UniqueConstraint(fields=["unit", "campaign", "date"], name="rollups_snapshot_unique"),
        ]


TOPIC_COUNT_FIELDS = ["problems", "items", *STATUS_FIELDS.values()]


class TopicCounts(models.Model):
    """The figures of one unit's subtree under one special-rectification topic (专项整治), kept like
    SubtreeCounts: every ledger change on a topic's problem adds its delta to the unit and its ancestors."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    topic = models.ForeignKey("special.Topic", on_delete=models.CASCADE, related_name="+")
    problems = models.BigIntegerField(default=0)
    items = models.BigIntegerField(default=0)
    locals().update({f: models.BigIntegerField(default=0) for f in TOPIC_COUNT_FIELDS[2:]})
    shard = models.PositiveSmallIntegerField(default=0, db_default=0)  # as SubtreeCounts.shard

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "topic", "shard"], name="rollups_topic_row_per_shard")
        ]
        # the per-topic table of a subtree and the per-child ranking: (topic, unit) lookups
        indexes = [models.Index(fields=["topic", "unit"], name="rollups_topic_unit")]


AREA_COUNT_FIELDS = TOPIC_COUNT_FIELDS


class AreaCounts(models.Model):
    """The figures of one unit's subtree in one campaign under one central-task work area (M13: 稳增长、促改革、
    调结构、惠民生、防风险、保稳定), kept like SubtreeCounts by the ledger's actions (see areas.py). A problem
    tagged with two areas counts under both; its items inherit the problem's areas."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    area = models.PositiveSmallIntegerField()  # one WorkArea bit
    problems = models.BigIntegerField(default=0)
    items = models.BigIntegerField(default=0)
    locals().update({f: models.BigIntegerField(default=0) for f in AREA_COUNT_FIELDS[2:]})
    shard = models.PositiveSmallIntegerField(default=0, db_default=0)  # as SubtreeCounts.shard

    class Meta:
        constraints = [
            # one row per unit, campaign, area and shard; also serves the dashboard panel (unit, campaign)
            # and the per-child reads (units IN (…), campaign)
            models.UniqueConstraint(
                fields=["unit", "campaign", "area", "shard"], name="rollups_area_shard_unique"
            ),
        ]
