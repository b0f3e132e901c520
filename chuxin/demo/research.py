"""Demo data for investigation and research: bulk-created, no audit entries, nothing handed to the ledger."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from chuxin.orgs.models import UnitLevel
from chuxin.research.models import ExchangeMeeting, Report, ReportProblem, ReportStatus, Topic, Visit

TOPICS = [
    ("为基层减负情况调研", "作风建设"),
    ("优化营商环境调研", "经济发展"),
    ("乡村振兴产业发展调研", "农业农村"),
    ("群众办事“最多跑一次”落实情况调研", "政务服务"),
    ("基层党组织建设情况调研", "党的建设"),
    ("民生实事落实情况调研", "社会民生"),
]
PLACES = ["街道便民服务中心", "村党群服务中心", "工业园区", "社区", "企业车间", "乡镇卫生院"]
MET = ["村干部和群众代表", "企业负责人", "基层党员", "窗口工作人员", "退休老党员"]
FINDINGS = [
    "督查检查考核仍然偏多，基层填表报数负担重",
    "部分审批事项仍需多头跑",
    "产业项目落地慢，配套政策不够精准",
    "基层党组织活动形式单一",
]
PROBLEMS = [
    ("文件会议多、督查考核频", "形式主义积习未除，考核方式单一"),
    ("政策落实“最后一公里”不畅", "部门协同不够，责任压得不实"),
    ("服务群众方式方法陈旧", "宗旨意识树得不牢"),
]


def _people(people_by_unit, unit):
    for key in (unit.pk, unit, unit.code):
        found = people_by_unit.get(key)
        if found:
            return list(found)
    return []


def make_research_demo(campaign, units, people_by_unit, rng, start_for=None, now=None) -> dict:
    """Topics, visits, reports (draft / submitted / reviewed), problem lines and exchange meetings.

    Units above the township level: one or two leading cadres each take a topic. Arguments as
    chuxin.demo.study.make_study_demo. Returns counts.
    """
    launch = campaign.launched_on or date(2019, 6, 1)
    now = now or timezone.now()
    start_of = start_for or (lambda unit: launch)
    topics: list[Topic] = []
    for u in units:
        if u.level >= UnitLevel.TOWNSHIP:
            continue
        for p in _people(people_by_unit, u)[: rng.randint(1, 2)]:
            title, field = rng.choice(TOPICS)
            topics.append(Topic(campaign=campaign, unit=u, cadre=p, title=title, field=field))
    Topic.objects.bulk_create(topics, batch_size=1000)
    visits, reports = [], []
    for t in topics:
        for i in range(rng.randint(1, 3)):
            visits.append(
                Visit(
                    topic=t,
                    date=start_of(t.unit) + timedelta(days=10 + 7 * i + rng.randint(0, 4)),
                    place=rng.choice(PLACES),
                    met=rng.choice(MET),
                    findings=rng.choice(FINDINGS),
                )
            )
        r = rng.random()
        status = (
            ReportStatus.REVIEWED if r < 0.5 else ReportStatus.SUBMITTED if r < 0.75 else ReportStatus.DRAFT
        )
        finding = rng.choice(FINDINGS)
        reports.append(
            Report(
                topic=t,
                problem_is=finding,
                crux="思想认识不到位，制度机制不健全" if status != ReportStatus.DRAFT or r < 0.85 else "",
                solutions="" if status == ReportStatus.DRAFT else "建立清单管理，明确责任分工，限时整改到位",
                status=status,
                submitted_at=now if status != ReportStatus.DRAFT else None,
                reviewed_at=now if status == ReportStatus.REVIEWED else None,
                review_note="分析透彻，措施可行" if status == ReportStatus.REVIEWED else "",
            )
        )
    Visit.objects.bulk_create(visits, batch_size=2000)
    Report.objects.bulk_create(reports, batch_size=1000)
    lines = []
    for rep in reports:
        if rep.status == ReportStatus.DRAFT:
            continue
        for title, cause in rng.sample(PROBLEMS, rng.randint(1, 2)):
            lines.append(ReportProblem(report=rep, title=title, root_cause=cause))
    ReportProblem.objects.bulk_create(lines, batch_size=2000)
    units_with_topics = {t.unit_id: t.unit for t in topics}
    exchanges = [
        ExchangeMeeting(
            campaign=campaign,
            unit=u,
            date=start_of(u) + timedelta(days=60 + rng.randint(0, 10)),
            place="机关会议室",
            summary="交流调研成果，梳理问题清单，研究破解措施。",
        )
        for u in units_with_topics.values()
    ]
    ExchangeMeeting.objects.bulk_create(exchanges, batch_size=1000)
    return {
        "topics": len(topics),
        "visits": len(visits),
        "reports": len(reports),
        "problem_lines": len(lines),
        "exchanges": len(exchanges),
    }
