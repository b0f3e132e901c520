from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Unit

from .models import Batch, Campaign, CampaignStatus, Emphasis, Goal, Strand, StrandKey

# Sent inside the closing transaction with `campaign` (closed, its ended_on set) and `today`.
campaign_closed = Signal()

STRAND_DESCRIPTIONS = {
    StrandKey.STUDY: "深入开展革命传统教育、形势政策教育、先进典型教育和警示教育，增强学习教育针对性、实效性、感染力。",
    StrandKey.RESEARCH: "了解民情、掌握实情，搞清楚问题是什么、症结在哪里，拿出破解难题的实招、硬招。",
    StrandKey.EXAMINE: "广泛听取意见，认真检视反思，把问题找实、把根源挖深，明确努力方向和改进措施。",
    StrandKey.RECTIFY: "把“改”字贯穿始终，立查立改、即知即改；明确时限和要求，按期整改到位；明确阶段目标，持续整改。",
}
STRAND_TITLES = {
    StrandKey.STUDY: "学习教育",
    StrandKey.RESEARCH: "调查研究",
    StrandKey.EXAMINE: "检视问题",
    StrandKey.RECTIFY: "整改落实",
}


STRANDS_2019 = [(STRAND_TITLES[k], STRAND_DESCRIPTIONS[k]) for k in StrandKey]


def strand_key(title: str, order: int) -> str:
    """The URL key of a strand: the 2019 strands keep their well-known keys, others are s5, s6, ..."""
    for key, known in STRAND_TITLES.items():
        if known == title:
            return str(key)
    return f"s{order}"


def ensure_open(campaign: Campaign) -> None:
    """Writes into a closed campaign are refused: it stays browsable, read-only."""
    if campaign is not None and campaign.status == CampaignStatus.CLOSED:
        raise ActionError(
            _("The campaign %(title)s is closed: its records can be read but no longer changed.")
            % {"title": campaign.title}
        )


def ensure_open_id(campaign_id: int) -> None:
    """`ensure_open` for a record that only holds the campaign's id (one indexed query)."""
    closed = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.CLOSED).first()
    if closed is not None:
        ensure_open(closed)


def _snapshot(campaign: Campaign) -> dict:
    out = model_to_dict(campaign, exclude=["created_by"])
    out["goals"] = [g.text for g in campaign.goals.filter(unit=None)]
    out["strands"] = [(st.title, st.description) for st in campaign.strands.all()]
    return out


def _require_manager(user, campaign: Campaign) -> None:
    from chuxin.orgs.scope import scope_for

    if user is not None and not scope_for(user).can_manage(campaign.root_unit):
        raise ActionError(_("Managing a campaign needs the office role at its leading unit."))


def do_create_campaign(
    *,
    acting_user,
    root_unit: Unit,
    title: str,
    general_requirement: str,
    fundamental_task: str,
    goals: list[str],
    focus_rank: int,
    strands: list[tuple[str, str]] | None = None,
    launched_on=None,
    ended_on=None,
    status: str = CampaignStatus.RUNNING,
) -> Campaign:
    """A new campaign with its own goals and strands (title, description), in the order given.
    Nothing is copied from any other campaign: the 2019 strands are a suggestion of the form."""
    if not title.strip():
        raise ActionError(_("A campaign needs a title."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            title=title.strip(),
            root_unit=root_unit,
            general_requirement=general_requirement.strip(),
            fundamental_task=fundamental_task.strip(),
            focus_rank=focus_rank,
            launched_on=launched_on,
            ended_on=ended_on,
            status=status,
            created_by=acting_user if acting_user and acting_user.is_authenticated else None,
        )
        Goal.objects.bulk_create(Goal(campaign=campaign, order=i, text=g) for i, g in enumerate(goals, 1))
        _set_strands(campaign, strands or [])
        if acting_user is not None:
            record(acting_user, AuditEvent.CAMPAIGN_CREATE, campaign, None, _snapshot(campaign))
    return campaign


def _set_strands(campaign: Campaign, strands: list[tuple[str, str]]) -> None:
    """Keep strands matched by title (their emphases and links stay), add new ones, drop missing ones
    that have no local emphases, and renumber."""
    existing = {st.title: st for st in campaign.strands.all()}
    keep = set()
    used_keys = {st.key for st in existing.values()}
    for order, (title, description) in enumerate(strands, 1):
        st = existing.get(title)
        if st is None:
            key = strand_key(title, order)
            n = order
            while key in used_keys:
                n += 1
                key = f"s{n}"
            used_keys.add(key)
            st = Strand.objects.create(
                campaign=campaign, key=key, order=order, title=title, description=description
            )
        elif st.order != order or st.description != description:
            st.order, st.description = order, description
            st.save(update_fields=["order", "description"])
        keep.add(st.pk)
    campaign.strands.exclude(pk__in=keep).filter(emphases__isnull=True).delete()


def do_edit_campaign(campaign: Campaign, *, acting_user, **fields) -> Campaign:
    """An office edits a planned or running campaign: its texts, dates, focus rank, goals and strands."""
    _require_manager(acting_user, campaign)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        ensure_open(locked)
        before = _snapshot(locked)
        goals = fields.pop("goals", None)
        strands = fields.pop("strands", None)
        for name in (
            "title",
            "general_requirement",
            "fundamental_task",
            "focus_rank",
            "launched_on",
            "ended_on",
            "status",
        ):
            if name in fields:
                value = fields[name]
                setattr(locked, name, value.strip() if isinstance(value, str) else value)
        if not locked.title:
            raise ActionError(_("A campaign needs a title."))
        if locked.status == CampaignStatus.CLOSED:
            raise ActionError(_("Close a campaign with its own button."))
        locked.save()
        if goals is not None:
            locked.goals.filter(unit=None).delete()
            Goal.objects.bulk_create(Goal(campaign=locked, order=i, text=g) for i, g in enumerate(goals, 1))
        if strands is not None:
            _set_strands(locked, strands)
        record(acting_user, AuditEvent.CAMPAIGN_EDIT, locked, before, _snapshot(locked))
    return locked


def do_close_campaign(campaign: Campaign, *, acting_user, ended_on=None) -> Campaign:
    """Close a campaign: from now on it is read-only (every ledger, study and research action refuses
    writes into it) but stays browsable, with its figures as of its last day."""
    from django.utils import timezone

    _require_manager(acting_user, campaign)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        ensure_open(locked)
        before = _snapshot(locked)
        locked.status = CampaignStatus.CLOSED
        locked.ended_on = ended_on or locked.ended_on or timezone.localdate()
        locked.save(update_fields=["status", "ended_on"])
        record(acting_user, AuditEvent.CAMPAIGN_CLOSE, locked, before, _snapshot(locked))
        # Its pages report as of its last day from then on: the roll-ups keep that day's figures now
        # (rollups/apps.py listens) rather than count on the worker's nightly snapshot.
        campaign_closed.send(sender=Campaign, campaign=locked, today=timezone.localdate())
    return locked


def do_add_local_goal(campaign: Campaign, unit: Unit, text: str, *, acting_user) -> Goal:
    """A unit adds a specific goal of its own for its subtree, beside the campaign's."""
    from chuxin.orgs.scope import scope_for

    if not scope_for(acting_user).can_manage(unit):
        raise ActionError(_("Adding local goals needs the office role at the unit."))
    if not unit.path.startswith(campaign.root_unit.path):
        raise ActionError(_("The unit is not in the campaign's subtree."))
    if not (text or "").strip():
        raise ActionError(_("Write the goal."))
    ensure_open(campaign)
    with transaction.atomic():
        order = campaign.goals.count() + 1
        goal = Goal.objects.create(campaign=campaign, unit=unit, order=order, text=text.strip()[:200])
        record(
            acting_user, AuditEvent.CAMPAIGN_LOCAL_GOAL, goal, None, {"unit": unit.code, "text": goal.text}
        )
    return goal


def do_add_emphasis(strand: Strand, unit: Unit, text: str, *, acting_user) -> Emphasis:
    """A unit adds its local emphasis to one strand, for its subtree."""
    from chuxin.orgs.scope import scope_for

    campaign = strand.campaign
    if not scope_for(acting_user).can_manage(unit):
        raise ActionError(_("Adding local emphases needs the office role at the unit."))
    if not unit.path.startswith(campaign.root_unit.path):
        raise ActionError(_("The unit is not in the campaign's subtree."))
    if not (text or "").strip():
        raise ActionError(_("Write the emphasis."))
    ensure_open(campaign)
    with transaction.atomic():
        emphasis = Emphasis.objects.create(strand=strand, unit=unit, text=text.strip())
        record(
            acting_user,
            AuditEvent.CAMPAIGN_EMPHASIS,
            emphasis,
            None,
            {"unit": unit.code, "strand": strand.key},
        )
    return emphasis


def do_add_batch(
    campaign: Campaign, *, acting_user, number, name, start, end, units: list[Unit], description=""
) -> Batch:
    ensure_open(campaign)
    if end < start:
        raise ActionError(_("A batch cannot end before it starts."))
    if campaign.batches.filter(number=number).exists():
        raise ActionError(_("Batch %(n)s already exists in this campaign.") % {"n": number})
    outside = [u.code for u in units if not u.path.startswith(campaign.root_unit.path)]
    if outside:
        raise ActionError(_("Not in the campaign's subtree: %(codes)s") % {"codes": ", ".join(outside)})
    with transaction.atomic():
        batch = Batch.objects.create(
            campaign=campaign, number=number, name=name, start=start, end=end, description=description
        )
        batch.units.set(units)
        after = {**model_to_dict(batch, exclude=["units"]), "units": [u.code for u in units]}
        record(acting_user, AuditEvent.BATCH_CREATE, batch, None, after, unit=campaign.root_unit_id)
    return batch
