"""Demo data for meetings and study: bulk-created, no audit entries (the demo is not a record of acts)."""

from __future__ import annotations

from datetime import date, timedelta

from chuxin.orgs.models import Rank, UnitKind, UnitLevel, ancestor_paths
from chuxin.study.models import (
    Attendance,
    AttendanceStatus,
    CriticismItem,
    CriticismKind,
    Meeting,
    MeetingKind,
    StudyKind,
    TopicKind,
    Venue,
)

STUDY_TITLES = [
    "学习《习近平关于“不忘初心、牢记使命”论述摘编》",
    "学习《习近平新时代中国特色社会主义思想学习纲要》",
    "重温入党誓词，学习党章",
    "学习党史、新中国史专题",
    "观看警示教育片",
    "学习先进典型事迹",
]
PROVINCE_KINDS = {UnitKind.PROVINCE, UnitKind.AUTONOMOUS_REGION, UnitKind.MUNICIPALITY, UnitKind.XPCC}
ABSENCE_REASONS = ["出差", "病假", "参加上级会议", "外出学习", "值班"]
SELF_CRITICISMS = [
    "理论学习不够系统，学用结合不紧",
    "调查研究不够深入，有时满足于听汇报",
    "担当作为不够，攻坚克难的劲头不足",
    "联系群众不够紧密，解决群众急难愁盼问题不够及时",
    "执行中央八项规定精神有时不够严格",
]


def _people(people_by_unit, unit):
    for key in (unit.pk, unit, unit.code):
        found = people_by_unit.get(key)
        if found:
            return list(found)
    return []


def make_study_demo(campaign, units, people_by_unit, rng, start_for=None) -> dict:
    """Meetings, venues, attendance and criticism items for each unit; returns counts.

    units: Unit rows with primary keys; people_by_unit: {unit pk (or Unit, or code): [Person, ...]}
    (people of that unit itself); rng: random.Random; start_for: unit -> the day the unit starts (its
    batch's first day), default the campaign's launch. The centre's work meeting is held on the launch
    day, a TV and telephone conference with sub-venues at every province, sub-provincial city and the
    XPCC; the other units' work meetings the day after they start, with sub-venues at a few of their
    subordinate units.
    """
    launch = campaign.launched_on or date(2019, 6, 1)
    units = list(units)
    meetings: list[Meeting] = []
    plan = []  # (meeting index, unit, people)
    for u in units:
        start = start_for(u) if start_for else launch
        people = _people(people_by_unit, u)
        required = min((p.rank for p in people), default=campaign.focus_rank)
        required = min(required, campaign.focus_rank)
        n_study = 2 if u.level >= UnitLevel.TOWNSHIP else rng.randint(3, 5)
        for i in range(n_study):
            meetings.append(
                Meeting(
                    campaign=campaign,
                    unit=u,
                    kind=MeetingKind.STUDY_SESSION,
                    study_kind=StudyKind.values[i % len(StudyKind.values)],
                    topic_kind=TopicKind.values[rng.randrange(len(TopicKind.values))],
                    title=rng.choice(STUDY_TITLES),
                    date=start + timedelta(days=7 * i + rng.randint(0, 5)),
                    place="会议室" if u.level >= UnitLevel.TOWNSHIP else "机关大会议室",
                    speaker=people[0].name if people else "",
                    required_rank=required if u.level < UnitLevel.GRASSROOTS else Rank.NONE,
                )
            )
            plan.append((len(meetings) - 1, u, people))
        if u.level < UnitLevel.TOWNSHIP:
            meetings.append(
                Meeting(
                    campaign=campaign,
                    unit=u,
                    kind=MeetingKind.WORK_MEETING,
                    title="“不忘初心、牢记使命”主题教育工作会议（电视电话会议）",
                    date=launch if u.depth == 1 else start + timedelta(days=1),
                    place="主会场",
                    required_rank=required,
                )
            )
            plan.append((len(meetings) - 1, u, people))
            meetings.append(
                Meeting(
                    campaign=campaign,
                    unit=u,
                    kind=MeetingKind.DEMOCRATIC_LIFE,
                    title="“不忘初心、牢记使命”专题民主生活会",
                    date=start + timedelta(days=80 + rng.randint(0, 10)),
                    place="机关小会议室",
                    required_rank=required,
                )
            )
            plan.append((len(meetings) - 1, u, people))
    Meeting.objects.bulk_create(meetings, batch_size=1000)

    children_of: dict[str, list] = {}
    for c in units:  # one pass, not one scan of all units per work meeting
        children_of.setdefault(
            ancestor_paths(c.path, include_self=False)[-1] if c.depth > 1 else "", []
        ).append(c)
    # every province, autonomous region, municipality and the XPCC, and every sub-provincial city
    central_sub_venues = [
        c
        for c in units
        if (c.depth == 2 and c.kind in PROVINCE_KINDS) or c.kind == UnitKind.SUBPROVINCIAL_CITY
    ]
    venues: list[Venue] = []
    main_of: dict[int, Venue] = {}
    for m in meetings:
        v = Venue(meeting=m, unit=m.unit, is_main=True, place=m.place)
        venues.append(v)
        main_of[m.pk] = v
        if m.kind == MeetingKind.WORK_MEETING:
            subs = central_sub_venues if m.unit.depth == 1 else children_of.get(m.unit.path, [])[:8]
            for c in subs:
                venues.append(Venue(meeting=m, unit=c, is_main=False, place=f"{c.display_name}分会场"))
    Venue.objects.bulk_create(venues, batch_size=1000)

    attendance: list[Attendance] = []
    criticisms: list[CriticismItem] = []
    for idx, _u, people in plan:
        m = meetings[idx]
        venue = main_of[m.pk]
        for p in people:
            if p.rank < m.required_rank:
                continue
            r = rng.random()
            if r < 0.85:
                status, note = AttendanceStatus.PRESENT, ""
            elif r < 0.93:
                status, note = AttendanceStatus.MADE_UP, "已补学"
            else:
                status, note = AttendanceStatus.ABSENT, rng.choice(ABSENCE_REASONS)
            attendance.append(Attendance(meeting=m, venue=venue, person=p, status=status, note=note))
        if m.kind == MeetingKind.DEMOCRATIC_LIFE:
            for p in people[:4]:
                criticisms.append(
                    CriticismItem(
                        meeting=m, person=p, kind=CriticismKind.SELF, text=rng.choice(SELF_CRITICISMS)
                    )
                )
    Attendance.objects.bulk_create(attendance, batch_size=2000)
    CriticismItem.objects.bulk_create(criticisms, batch_size=1000)
    return {
        "meetings": len(meetings),
        "venues": len(venues),
        "attendance": len(attendance),
        "criticisms": len(criticisms),
    }
