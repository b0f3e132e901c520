from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from chuxin.core.errors import ActionError
from chuxin.orgs.models import Unit

from .models import Batch, Campaign, Goal, Strand, StrandKey

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


def do_create_campaign(
    user,
    *,
    root_unit: Unit,
    title: str,
    general_requirement: str,
    fundamental_task: str,
    goals: list[str],
    focus_rank: int,
    launched_on=None,
    ended_on=None,
) -> Campaign:
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
            created_by=user if user and user.is_authenticated else None,
        )
        Goal.objects.bulk_create(Goal(campaign=campaign, order=i, text=g) for i, g in enumerate(goals, 1))
        Strand.objects.bulk_create(
            Strand(
                campaign=campaign,
                key=key,
                order=i,
                title=STRAND_TITLES[key],
                description=STRAND_DESCRIPTIONS[key],
            )
            for i, key in enumerate(StrandKey, 1)
        )
    return campaign


def do_add_batch(campaign: Campaign, *, number, name, start, end, units: list[Unit], description="") -> Batch:
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
    return batch
