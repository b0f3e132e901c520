"""The leading organs' research (先学一步): how many members of a unit's leading organ submitted a research
report in a campaign. Kept as the organ tally research.organ_reporters (chuxin/rollups/tallies.py) by
do_submit_report and do_review_report; counted here from the reports."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from chuxin.orgs.models import CommitteeMember
from chuxin.rollups import tallies

from .models import SUBMITTED_STATUSES, Report

KEY = "research.organ_reporters"


def organs_reporters(unit_ids, campaign_ids) -> dict[tuple[int, int], int]:
    """(unit id, campaign id) -> the seats of the unit's organ whose member has a submitted (or reviewed)
    report in the campaign (unit_ids None: every organ); two queries for any number of organs."""
    if not campaign_ids:
        return {}
    seats = CommitteeMember.objects.order_by()
    if unit_ids is not None:
        seats = seats.filter(unit_id__in=list(unit_ids))
    reported = defaultdict(set)  # person id -> the campaigns in which the person reported
    for person_id, cid in (
        Report.objects.filter(
            status__in=SUBMITTED_STATUSES,
            topic__campaign_id__in=list(campaign_ids),
            topic__cadre__in=seats.values("person_id"),
        )
        .order_by()
        .values_list("topic__cadre_id", "topic__campaign_id")
        .distinct()
    ):
        reported[person_id].add(cid)
    out: dict[tuple[int, int], int] = defaultdict(int)
    if reported:
        for unit_id, person_id in seats.values_list("unit_id", "person_id"):
            for cid in reported.get(person_id, ()):
                out[unit_id, cid] += 1
    return dict(out)


def report_counted(topic, sign: int, others: QuerySet) -> None:
    """A report starts (+1) or stops (-1) counting as submitted: its cadre's organs count the cadre as
    reporting once, so they change only when no other report of the cadre in the campaign counts
    (`others`, read after the cadre's row was locked). Call inside the change's transaction."""
    if not others.exists():
        tallies.add_to_organs(
            KEY, topic.campaign_id, CommitteeMember.objects.filter(person_id=topic.cadre_id), sign
        )
