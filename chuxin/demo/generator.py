"""Builds the 2019 campaign demo (M22): real top of the tree, generated cities, counties and grassroots.

Deterministic for a (units, seed) pair. Rows are built in memory with their treebeard paths already
computed and written with bulk_create in large batches: no save() per row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chuxin.campaigns.models import Campaign, CampaignStatus
from chuxin.demo.research import make_research_demo
from chuxin.demo.study import make_study_demo
from chuxin.orgs.models import (
    CommitteeMember,
    CommitteePost,
    CommitteeType,
    Person,
    Rank,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
    UnitLevel,
    WorkDomain,
    pinyin_initials,
)
from chuxin.rollups import counters as rollup_counters
from chuxin.rollups.snapshots import rebuild_history, take_snapshot

from . import data
from .burden import GD_REQUESTS, make_burden_demo
from .campaigns import (
    END_2019,
    GD_PROBLEMS,
    batch_start_2019,
    create_2019_campaign,
    create_guangdong_campaign,
    guangdong_units,
    make_ledger_2019,
    snapshot_days_2019,
)
from .cases import make_cases_demo
from .evaluation import make_evaluation_demo, make_guangdong_evaluation_demo
from .ledger import _aware, make_ledger
from .opinions import make_hearing_demo
from .special import make_special_demo, publish_demo
from .supervision import make_roving_account, make_supervision_demo

BATCH = 5000
CENTRE_CODE = "000000"
PASSWORD = "chuxin2019"

# (username, unit code, role, display) — the demo accounts printed by `make demo`.
DEMO_ACCOUNTS = [
    ("admin", None, None, "superuser"),
    ("zhongyang", CENTRE_CODE, Role.OFFICE, "central office"),
    ("guangdong", "440000", Role.OFFICE, "Guangdong provincial office"),
    ("hubei", "420000", Role.OFFICE, "Hubei provincial office"),
    ("chancheng", "440604", Role.STAFF, "county-level staff, Chancheng District, Foshan (Guangdong)"),
    ("chanchengban", "440604", Role.OFFICE, "county office, Chancheng District (verifies and closes items)"),
    (
        "gdjijian",
        "440000",
        Role.DISCIPLINE,
        "Guangdong discipline inspection (receives referrals of violations)",
    ),
]

ROVING_ACCOUNT = "xunhui"

RANK_KEYS = {
    UnitLevel.CENTRAL: (Rank.NATIONAL, "ministerial"),
    UnitLevel.PROVINCIAL: (Rank.MINISTERIAL, "ministerial"),
    UnitLevel.PREFECTURE: (Rank.BUREAU, "bureau"),
    UnitLevel.COUNTY: (Rank.COUNTY, "county"),
    UnitLevel.TOWNSHIP: (Rank.SECTION, "section"),
    UnitLevel.GRASSROOTS: (Rank.STAFF, "staff"),
}
LOWER_RANK = {
    Rank.NATIONAL: (Rank.VICE_MINISTERIAL, "vice_ministerial"),
    Rank.MINISTERIAL: (Rank.VICE_MINISTERIAL, "vice_ministerial"),
    Rank.BUREAU: (Rank.VICE_BUREAU, "vice_bureau"),
    Rank.COUNTY: (Rank.VICE_COUNTY, "vice_county"),
    Rank.SECTION: (Rank.VICE_SECTION, "vice_section"),
    Rank.STAFF: (Rank.STAFF, "staff"),
}


@lru_cache(maxsize=200_000)
def _initials(name: str) -> str:
    return pinyin_initials(name)


@dataclass
class Node:
    unit: Unit
    children: int = 0
    kids: list[Node] = field(default_factory=list)


class TreeBuilder:
    """Unit rows with treebeard paths computed in memory."""

    def __init__(self):
        self.nodes: list[Node] = []
        self.codes: set[str] = set()

    def add(self, parent: Node | None, code: str, name: str, kind: str, level: int, short: str = "") -> Node:
        if code in self.codes:
            raise ValueError(f"duplicate unit code in the demo: {code}")
        self.codes.add(code)
        if parent is None:
            path, depth = Unit._get_path("", 1, len([n for n in self.nodes if n.unit.depth == 1]) + 1), 1
        else:
            parent.children += 1
            parent.unit.numchild = parent.children
            depth = parent.unit.depth + 1
            path = Unit._get_path(parent.unit.path, depth, parent.children)
        ctype = (
            CommitteeType.GROUP
            if kind in _GROUP_KINDS
            else (CommitteeType.BRANCH if level == UnitLevel.GRASSROOTS else CommitteeType.COMMITTEE)
        )
        unit = Unit(
            path=path,
            depth=depth,
            numchild=0,
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            level=level,
            committee_type=ctype,
            initials=_initials(name),
        )
        node = Node(unit)
        if parent is not None:
            parent.kids.append(node)
        self.nodes.append(node)
        return node


_GROUP_KINDS = {UnitKind.CENTRAL_ORGAN, UnitKind.PEOPLES_ORGANISATION, UnitKind.FINANCIAL_ENTERPRISE}


def _spread(parents: list[Node], total: int, rng: random.Random) -> list[int]:
    """Split `total` children over parents with some variation (largest remainder, deterministic)."""
    if not parents or total <= 0:
        return [0] * len(parents)
    weights = [rng.uniform(0.6, 1.4) for _ in parents]
    s = sum(weights)
    raw = [total * w / s for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(parents)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _free_code(builder: TreeBuilder, prefix: str, index: int, width: int, suffix: str = "") -> str:
    while True:
        code = f"{prefix}{index:0{width}d}{suffix}"
        if code not in builder.codes:
            return code
        index += 1


def build_units(total: int, rng: random.Random) -> TreeBuilder:
    b = TreeBuilder()
    centre = b.add(None, CENTRE_CODE, "中共中央", UnitKind.CENTRE, UnitLevel.CENTRAL, "中央")
    provinces: dict[str, Node] = {}
    for code, name, short, kind in data.PROVINCES:
        provinces[code] = b.add(centre, code, name, kind, UnitLevel.PROVINCIAL, short)
    for lst, kind in (
        (data.CENTRAL_ORGANS, UnitKind.CENTRAL_ORGAN),
        (data.PEOPLES_ORGANISATIONS, UnitKind.PEOPLES_ORGANISATION),
        (data.FINANCIAL_ENTERPRISES, UnitKind.FINANCIAL_ENTERPRISE),
        (data.STATE_ENTERPRISES, UnitKind.STATE_ENTERPRISE),
        (data.UNIVERSITIES, UnitKind.UNIVERSITY),
        (data.MILITARY_UNITS, UnitKind.MILITARY),
    ):
        for code, name, short in lst:
            b.add(centre, code, name, kind, UnitLevel.PROVINCIAL, short)
    organs = [n for n in centre.kids if n.unit.kind not in {k for *_, k in data.PROVINCES}]
    cities: list[Node] = []
    for code, name, short, parent in data.SUBPROVINCIAL_CITIES:
        cities.append(
            b.add(provinces[parent], code, name, UnitKind.SUBPROVINCIAL_CITY, UnitLevel.PREFECTURE, short)
        )
    # The demo spine: the county-level staff account lives in Chancheng District, Foshan.
    foshan = b.add(provinces["440000"], "440600", "佛山市", UnitKind.CITY, UnitLevel.PREFECTURE, "佛山")
    cities.append(foshan)
    counties: list[Node] = [b.add(foshan, "440604", "禅城区", UnitKind.COUNTY, UnitLevel.COUNTY)]
    if len(b.nodes) > total:
        raise ValueError(f"the demo needs at least {len(b.nodes)} units")

    budget = total - len(b.nodes)
    # Shares of what is left, per level: a pyramid like the real one (few cities, many branches).
    n_cities = min(budget, max(0, round(budget * 0.004)))
    n_counties = min(budget - n_cities, max(0, round(budget * 0.035)))
    n_organ_units = min(budget - n_cities - n_counties, round(budget * 0.02))
    n_townships = min(budget - n_cities - n_counties - n_organ_units, round(budget * 0.20))
    n_grassroots = budget - n_cities - n_counties - n_organ_units - n_townships

    territorial = [
        p for p in provinces.values() if p.unit.kind in (UnitKind.PROVINCE, UnitKind.AUTONOMOUS_REGION)
    ]
    direct = [
        p for p in provinces.values() if p.unit.kind not in (UnitKind.PROVINCE, UnitKind.AUTONOMOUS_REGION)
    ]
    for prov, k in zip(territorial, _spread(territorial, n_cities, rng), strict=True):
        real = [c for c in data.PREFECTURE_CITIES.get(prov.unit.code, []) if c[0] not in b.codes]
        for i in range(k):
            if i < len(real):
                code, name = real[i]
            else:
                code = _free_code(b, prov.unit.code[:2], 51 + i, 2, "00")
                name = rng.choice(data.TOWNSHIP_STEMS) + "市"
            cities.append(
                b.add(prov, code, name, UnitKind.CITY, UnitLevel.PREFECTURE, name.removesuffix("市"))
            )
    county_parents = cities + direct
    for city, k in zip(county_parents, _spread(county_parents, n_counties, rng), strict=True):
        real = [c for c in data.COUNTIES.get(city.unit.code, []) if c[0] not in b.codes]
        for i in range(k):
            if i < len(real):
                code, name = real[i]
            else:
                code = _free_code(b, city.unit.code[:4], 60 + i, 2)
                if len(code) != 6:
                    code = _free_code(b, city.unit.code + "-", i + 1, 3)
                name = rng.choice(data.TOWNSHIP_STEMS) + rng.choice(["区", "县", "县", "市"])
            counties.append(b.add(city, code, name, UnitKind.COUNTY, UnitLevel.COUNTY))
    for organ, k in zip(organs, _spread(organs, n_organ_units, rng), strict=True):
        for i in range(k):
            name = f"{organ.unit.display_name}{'机关第' if i % 3 else '直属单位第'}{i + 1}党支部"
            b.add(organ, f"{organ.unit.code}-{i + 1:03d}", name, UnitKind.GRASSROOTS, UnitLevel.GRASSROOTS)
    townships: list[Node] = []
    for county, k in zip(counties, _spread(counties, n_townships, rng), strict=True):
        for i in range(k):
            name = rng.choice(data.TOWNSHIP_STEMS) + rng.choice(data.TOWNSHIP_SUFFIXES)
            code = f"{county.unit.code}{i + 1:03d}"
            townships.append(b.add(county, code, name, UnitKind.TOWNSHIP, UnitLevel.TOWNSHIP))
    leaf_parents = townships or counties or cities
    for town, k in zip(leaf_parents, _spread(leaf_parents, n_grassroots, rng), strict=True):
        for i in range(k):
            name = rng.choice(data.GRASSROOTS_KINDS).format(place=rng.choice(data.TOWNSHIP_STEMS))
            code = f"{town.unit.code}{i + 1:03d}" if i < 999 else f"{town.unit.code}{i + 1:04d}"
            b.add(town, code, name, UnitKind.GRASSROOTS, UnitLevel.GRASSROOTS)
    return b


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(data.GIVEN_NAME_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(data.SURNAMES) + given


def _bulk(model, rows: list) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)


@transaction.atomic
def make_demo(
    total_units: int,
    seed: int,
    progress=None,
    items: int | None = None,
    with_strands: bool = True,
    history: bool = False,
) -> dict:
    """Build the whole demo in one transaction; returns counts. `items` defaults to 3 per unit;
    `with_strands` adds study meetings and research topics (the test suite starts without them).

    `history` (what `make demo` builds): the 2019 campaign on its real dates, closed in January 2020,
    with the snapshots of its days, beside a running Guangdong special rectification dated around today
    (demo/campaigns.py). Without it (the test suite, the benchmarks): the 2019 campaign alone, running,
    its ledger dated around today."""
    rng = random.Random(seed)
    say = progress or (lambda msg: None)
    say("building the unit tree")
    tree = build_units(total_units, rng)
    units = [n.unit for n in tree.nodes]
    _bulk(Unit, units)
    # bulk_create sets primary keys on PostgreSQL and on SQLite >= 3.35 (RETURNING).
    if units[0].pk is None:
        ids = dict(Unit.objects.values_list("code", "pk"))
        for u in units:
            u.pk = u.id = ids[u.code]
    say(f"{len(units)} units")

    domain_names = data.WORK_DOMAINS
    domains: list[WorkDomain] = []
    people: list[Person] = []
    seats: list[tuple[int, str, int, list[int], Unit]] = []  # person idx, post, order, domain idxs, unit
    for u in units:
        top_rank, top_key = RANK_KEYS[u.level]
        low_rank, low_key = LOWER_RANK[top_rank]
        grassroots = u.level >= UnitLevel.TOWNSHIP
        n_domains = 3 if grassroots else rng.randint(6, len(domain_names))
        unit_domains = list(range(len(domains), len(domains) + n_domains))
        for i, dn in enumerate(domain_names[:n_domains]):
            domains.append(WorkDomain(unit=u, name=dn, order=i))
        n_members = 3 if grassroots else rng.randint(5, 9)
        for seat in range(n_members):
            post = (
                CommitteePost.SECRETARY
                if seat == 0
                else (CommitteePost.DEPUTY if seat == 1 and not grassroots else CommitteePost.MEMBER)
            )
            rank, key = (top_rank, top_key) if seat == 0 else (low_rank, low_key)
            people.append(
                Person(name=_name(rng), position=rng.choice(data.POSITIONS[key]), rank=rank, home_unit=u)
            )
            covered = [
                unit_domains[i] for i in range(len(unit_domains)) if i % (n_members - 1 or 1) == seat - 1
            ]
            if seat == 0:
                covered = []
            seats.append((len(people) - 1, post, seat, covered, u))
        # One office staff member per unit above the grassroots.
        if not grassroots:
            people.append(
                Person(
                    name=_name(rng), position="主题教育领导小组办公室工作人员", rank=Rank.SECTION, home_unit=u
                )
            )
    say(f"{len(people)} people")
    _bulk(WorkDomain, domains)
    _bulk(Person, people)
    if people and people[0].pk is None:  # pragma: no cover - only for SQLite builds without RETURNING
        raise RuntimeError("bulk_create did not return primary keys; SQLite >= 3.35 is needed")
    committee = [
        CommitteeMember(unit=u, person=people[pi], post=post, order=order) for pi, post, order, _, u in seats
    ]
    _bulk(CommitteeMember, committee)
    through = CommitteeMember.domains.through
    _bulk(
        through,
        [
            through(committeemember_id=cm.pk, workdomain_id=domains[di].pk)
            for cm, (_, _, _, covered, _) in zip(committee, seats, strict=True)
            for di in covered
        ],
    )
    roles = [
        RoleAssignment(
            person=cm.person,
            unit=cm.unit,
            role=Role.SECRETARY if cm.post == CommitteePost.SECRETARY else Role.MEMBER,
        )
        for cm in committee
    ]
    _bulk(RoleAssignment, roles)
    say(f"{len(committee)} committee seats, {len(roles)} roles")

    campaign = create_2019_campaign(units)
    people_by_unit: dict[int, list[Person]] = {}
    for cm in committee:
        people_by_unit.setdefault(cm.unit.pk, []).append(cm.person)
    n_items = 3 * len(units) if items is None else items
    today = timezone.localdate()
    # history: the 2019 campaign as it was (its own dates, closed); else running, dated around today
    start_for = batch_start_2019(units) if history else None
    now = _aware(END_2019 - timedelta(days=7)) if history else None
    if history:
        ledger = make_ledger_2019(campaign, units, people_by_unit, n_items, rng)
    else:
        ledger = make_ledger(campaign, units, people_by_unit, n_items, rng)
    say(f"{ledger['problems']} problems, {ledger['items']} rectification items")
    if with_strands:
        study = make_study_demo(campaign, units, people_by_unit, rng, start_for=start_for)
        research = make_research_demo(campaign, units, people_by_unit, rng, start_for=start_for, now=now)
        say(f"study: {study.get('meetings', '?')} meetings; research: {research.get('topics', '?')} topics")
        say(f"opinions, self-examination: {make_hearing_demo(campaign, units, people_by_unit, seed)}")
    say(f"special rectification: {make_special_demo(campaign, units, rng, now=now)}")
    say(f"supervision: {make_supervision_demo(campaign, units, rng, _name)}")
    say(f"cases: {make_cases_demo(campaign, units, now=now)}")
    say(f"evaluation: {make_evaluation_demo(campaign, units, rng)}")
    say(f"burden meter: {make_burden_demo(campaign, units)}")
    rollup_counters.rebuild(campaign.pk)
    publish_demo(campaign, units, today=END_2019 if history else None)
    if history:
        n = rebuild_history(campaign.pk, snapshot_days_2019())
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
        say(f"2019 campaign closed on {END_2019}; {n} snapshot rows of its days")
        guangdong = create_guangdong_campaign(units, today)
        if guangdong is not None:
            in_gd = guangdong_units(units)
            gd = make_ledger(guangdong, in_gd, people_by_unit, len(in_gd), rng, problems_pool=GD_PROBLEMS)
            say(f"{guangdong.title} evaluation: {make_guangdong_evaluation_demo(guangdong, in_gd, rng)}")
            say(f"{guangdong.title} burden meter: {make_burden_demo(guangdong, in_gd, GD_REQUESTS)}")
            rollup_counters.rebuild(guangdong.pk)
            began = guangdong.launched_on
            n = rebuild_history(
                guangdong.pk, [began + timedelta(days=i) for i in range((today - began).days)]
            )
            say(f"{guangdong.title}: {gd['items']} items, running; {n} snapshot rows of its days")
            ledger = {k: ledger[k] + gd.get(k, 0) for k in ledger}
    take_snapshot(today)
    say("roll-up counters and today's snapshot built")
    return {
        "units": len(units),
        "people": len(people),
        "seats": len(committee),
        "roles": len(roles),
        **ledger,
    }


# The people behind the demo accounts, as the Chinese interface shows them (name, position); the English
# labels above are for the console.
DEMO_PEOPLE = {
    "zhongyang": ("张建国", "中央主题教育领导小组办公室干部"),
    "guangdong": ("李明华", "广东省主题教育领导小组办公室干部"),
    "hubei": ("王志强", "湖北省主题教育领导小组办公室干部"),
    "chancheng": ("陈晓燕", "禅城区工作人员"),
    "chanchengban": ("刘伟", "禅城区主题教育领导小组办公室干部"),
    "gdjijian": ("赵刚", "广东省纪委监委干部"),
}


def make_accounts() -> list[tuple[str, str]]:
    """The demo accounts (all with password chuxin2019); idempotent."""
    User = get_user_model()
    out = []
    for username, code, role, label in DEMO_ACCOUNTS:
        name, position = DEMO_PEOPLE.get(username, ("", ""))
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, is_staff=code is None, is_superuser=code is None)
            user.set_password(PASSWORD)
            user.save()
        if code is not None:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                continue
            person, _ = Person.objects.get_or_create(
                user=user,
                defaults={
                    "name": name or unit.display_name + "办公室",
                    "position": position,
                    "home_unit": unit,
                    "rank": Rank.SECTION,
                },
            )
            RoleAssignment.objects.get_or_create(person=person, unit=unit, role=role)
        out.append((username, label))
    # A guidance group's member holds no role: the group's assignment is what lets them see (orgs/scope.py).
    user = User.objects.filter(username=ROVING_ACCOUNT).first()
    if user is None:
        user = User(username=ROVING_ACCOUNT)
        user.set_password(PASSWORD)
        user.save()
    make_roving_account(user)
    out.append(
        (ROVING_ACCOUNT, "member of the Guangdong roving guidance group (Guangzhou and Foshan, read-only)")
    )
    return out
