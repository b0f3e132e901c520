"""Demo typical cases: an advanced person and a good experience of Foshan promoted to all of Guangdong and
adopted by two counties, and a negative case of the centre used in a warning-education study session."""

from __future__ import annotations

from django.utils import timezone

from chuxin.cases.actions import words
from chuxin.cases.models import Adoption, Case, CaseKind, Promotion, StudyUse, Visibility
from chuxin.orgs.models import Unit, UnitKind
from chuxin.problems.models import WorkArea
from chuxin.study.models import Meeting

CASES = [
    (
        "440600",
        CaseKind.EXPERIENCE,
        Visibility.SUBTREE,
        WorkArea.LIVELIHOOD,
        "“一门式一网式”政务服务改革让群众少跑腿",
        "整合部门窗口为综合窗口，群众办事“只进一扇门、最多跑一次”。",
        "针对群众反映强烈的办事难问题，推行“前台综合受理、后台分类审批、综合窗口出件”，"
        "将分散在各部门的审批服务事项集中到综合窗口办理，群众办事平均时间缩短一半以上。",
    ),
    (
        "440604",
        CaseKind.PERSON,
        Visibility.SUBTREE,
        WorkArea.LIVELIHOOD,
        "扎根社区二十年的“百事通”书记",
        "社区党委书记坚持每天走访群众，建立民情台账，解决群众急难愁盼问题。",
        "她坚持“群众的事再小也是大事”，建立民情日记，带领社区党员为老旧小区加装电梯、改造管网，"
        "群众满意度持续提升。",
    ),
    (
        "000000",
        CaseKind.NEGATIVE,
        Visibility.PUBLIC,
        WorkArea.STABILITY,
        "违规收受管理服务对象礼金被严肃查处",
        "以案为鉴、以案明纪，开展警示教育。",
        "某单位领导干部违反中央八项规定精神，多次收受管理服务对象礼金，受到党内严重警告处分。"
        "各级党组织要以案为鉴，深刻剖析，举一反三。",
    ),
]


def make_cases_demo(campaign, units: list[Unit], now=None) -> str:
    by_code = {u.code: u for u in units}
    now = now or timezone.now()
    made = []
    for code, kind, visibility, areas, title, summary, body in CASES:
        unit = by_code.get(code)
        if unit is None:
            continue
        case = Case.objects.create(
            campaign=campaign,
            unit=unit,
            kind=kind,
            visibility=visibility,
            work_areas=areas,
            title=title,
            summary=summary,
            body=body,
            search_text=" ".join(words(f"{title} {summary} {body} {unit.name}")),
            created_at=now,
        )
        made.append(case)
    experience = next((c for c in made if c.kind == CaseKind.EXPERIENCE), None)
    guangdong = by_code.get("440000")
    if experience is not None and guangdong is not None:
        Promotion.objects.create(
            case=experience, to_unit=guangdong, note="各地结合实际学习借鉴", promoted_at=now
        )
        counties = [u for u in units if u.kind == UnitKind.COUNTY and u.path.startswith(guangdong.path)][:2]
        for county in counties:
            Adoption.objects.create(
                case=experience,
                unit=county,
                outcome="设立综合窗口，办事群众平均等候时间明显缩短。",
                adopted_at=now,
            )
    negative = next((c for c in made if c.kind == CaseKind.NEGATIVE), None)
    session = Meeting.objects.filter(campaign=campaign, kind="study_session").order_by("pk").first()
    if negative is not None and session is not None:
        StudyUse.objects.create(case=negative, meeting=session)
    return f"{len(made)} typical cases"
