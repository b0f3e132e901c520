"""What the API answers and accepts (pydantic, via ninja): the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class Error(Schema):
    error: ErrorDetail


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    level: int
    depth: int
    is_active: bool
    has_children: bool


class UnitPage(Schema):
    results: list[UnitOut]
    next_cursor: str | None


class CampaignOut(Schema):
    id: int
    title: str
    root_unit: str
    general_requirement: str
    launched_on: date | None
    ended_on: date | None


class ItemOut(Schema):
    id: int
    problem_id: int
    problem: str
    unit: str
    unit_name: str
    measures: str
    kind: str
    status: str
    deadline: date | None
    due_date: date | None
    responsible_person: str | None
    days_overdue: int
    escalation: str
    version: int


class ItemPage(Schema):
    results: list[ItemOut]
    next_cursor: str | None


class StageOut(Schema):
    id: int
    order: int
    goal: str
    target_date: date
    completed_at: datetime | None


class UpdateOut(Schema):
    id: int
    kind: str
    text: str
    author: str | None
    at: datetime
    evidence: list[str]


class AuditOut(Schema):
    at: datetime
    actor: str
    action: str


class ItemDetail(ItemOut):
    requirements: str
    claimed_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    stages: list[StageOut]
    updates: list[UpdateOut]
    history: list[AuditOut]


class ProblemOut(Schema):
    id: int
    unit: str
    campaign_id: int
    title: str
    source: str
    severity: int
    description: str
    root_cause: str
    responsible_leader: str | None
    version: int


class ProblemPage(Schema):
    results: list[ProblemOut]
    next_cursor: str | None


class ProblemDetail(ProblemOut):
    items: list[ItemOut]


class ProblemIn(Schema):
    title: str
    source: str
    description: str = ""
    root_cause: str = ""
    direction: str = ""
    category: str = ""
    severity: int = 1


class StageIn(Schema):
    goal: str
    target_date: date


class ItemIn(Schema):
    measures: str
    kind: str
    responsible_person_id: int
    responsible_leader_id: int | None = None
    deadline: date | None = None
    requirements: str = ""
    stages: list[StageIn] = []


class VersionIn(Schema):
    version: int


class VerifyIn(Schema):
    version: int
    text: str = ""
    keep_up: bool = False


class ReturnIn(Schema):
    version: int
    reasons: str


class ExtensionIn(Schema):
    version: int
    new_deadline: date
    reason: str


class ReopenIn(Schema):
    version: int
    findings: str
    deadline: date | None = None


class FiguresOut(Schema):
    unit: str
    unit_name: str
    items: int
    closed: int
    kept_up: int
    not_done: int
    overdue: int
    completion: float | None
    overdue_by_level: dict[str, int]
    status: dict[str, int]
    kind: dict[str, int]


class FiguresAnswer(Schema):
    campaign_id: int
    unit: FiguresOut
    children: list[FiguresOut]


class AttendanceOut(Schema):
    person: str
    status: str
    note: str


class VenueOut(Schema):
    id: int
    unit: str
    is_main: bool
    place: str
    attendance: list[AttendanceOut]


class MeetingOut(Schema):
    id: int
    unit: str
    campaign_id: int
    kind: str
    title: str
    date: date
    place: str


class MeetingPage(Schema):
    results: list[MeetingOut]
    next_cursor: str | None


class MeetingDetail(MeetingOut):
    venues: list[VenueOut]


class TopicOut(Schema):
    id: int
    unit: str
    campaign_id: int
    title: str
    field: str
    cadre: str | None
    report_status: str | None


class TopicPage(Schema):
    results: list[TopicOut]
    next_cursor: str | None


class VisitOut(Schema):
    date: date
    place: str
    met: str
    findings: str


class TopicDetail(TopicOut):
    problem_is: str
    crux: str
    solutions: str
    visits: list[VisitOut]


class ImportJob(Schema):
    id: str
    status: str
    mode: str
    confirm: bool
    processed: int
    total: int
    applied: bool
    file_error: str | None
    errors: list[list[int | str | None]]
    summary: dict[str, int]
