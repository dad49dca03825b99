"""Read and validate the grid files admins keep in `faq_data/grid/`.

Layout (paths relative to the FAQ folder; `_`, `.` and `~$` names are ignored as for the FAQ)::

    grid/**/*.yaml, *.yml   mappings with any of the keys `orgs:`, `people:`, `topics:`
                            (by convention orgs.yaml, people.yaml and topics.yaml)
    grid/**/*.xlsx          sheets named 组织 (orgs), 人员 (people) and optionally 话题 (topics);
                            a header row, then one row per org / person / topic

Everything read is merged into one grid::

    orgs:
      - id: city                  # unique; kept as written
        name: 青城团市委
        level: 团市委              # 团市委|县区团委|街道团工委|乡镇团委|团支部, or city|district|street|branch
        parent:                   # empty for the root
        groups: ["qq:40001", 40002]   # chat groups of this org; a bare number is a QQ group
        work_group: "qq:49001"    # optional 团干部工作群
        tags: [农村青年]           # optional labels that activities can target
    people:
      - id: zhang
        name: 张三
        role: 团干部               # 团干部|专家|管理员, or cadre|expert|admin
        orgs: [city]
        qq: "10001"               # a QQ number and/or a 企业微信 userid
        wecom: zhangsan
        accounts: {qqbot: "E3A1…"}  # accounts per platform: qq, wecom, qqbot (official-bot
                                  # openid), wechat (服务号 openid); qq:/wecom: are shorthand
        on_duty: true             # 在岗; 是/否 also work
        max_open: 5               # most open cases at once (default 5)
        topics: [就业]             # experts
    topics:
      就业: [找工作, 求职, 招聘]    # keywords; the topic's own name counts as one too

Nothing here raises on bad content: every problem is a `FileIssue` naming the file, the line (YAML)
or row (XLSX) and the field, in Chinese. A record with an error is left out and a bad reference
is dropped, so `GridLoadResult.grid` is always consistent; callers decide whether to serve it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.common.issues import FileIssue
from bot.grid.model import (
    DEFAULT_MAX_OPEN,
    PLATFORMS,
    ChatRef,
    Grid,
    Org,
    OrgLevel,
    Person,
    Role,
)
from bot.grid.sources import (
    FIELD_NAMES_ZH,
    GRID_FILES,
    ORGS,
    PEOPLE,
    REQUIRED,
    TOPICS,
    Record,
    is_relevant,
    read_grid_file,
)

__all__ = ["GridLoadResult", "is_relevant", "load_grid_dir"]

LEVEL_ALIASES = {
    **{level.value: level for level in OrgLevel},
    "团市委": OrgLevel.CITY,
    "市委": OrgLevel.CITY,
    "县区团委": OrgLevel.DISTRICT,
    "区团委": OrgLevel.DISTRICT,
    "县团委": OrgLevel.DISTRICT,
    "县级团委": OrgLevel.DISTRICT,
    "township": OrgLevel.STREET,
    "街道团工委": OrgLevel.STREET,
    "街道团委": OrgLevel.STREET,
    "乡镇团委": OrgLevel.STREET,
    "乡镇团工委": OrgLevel.STREET,
    "团支部": OrgLevel.BRANCH,
    "支部": OrgLevel.BRANCH,
}
LEVEL_NAMES_ZH = {
    OrgLevel.CITY: "团市委",
    OrgLevel.DISTRICT: "县区团委",
    OrgLevel.STREET: "街道/乡镇团(工)委",
    OrgLevel.BRANCH: "团支部",
}
ROLE_ALIASES = {
    **{role.value: role for role in Role},
    "团干部": Role.CADRE,
    "干部": Role.CADRE,
    "专家": Role.EXPERT,
    "管理员": Role.ADMIN,
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "在岗", "√", "✓", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "不在岗", "离岗", "×", "✗", "off"})

_CHAT = re.compile(r"(?:(?P<platform>[A-Za-z][A-Za-z0-9_]*)\s*[:：]\s*)?(?P<id>\S+)")
_QQ_NUMBER = re.compile(r"[1-9][0-9]{4,11}")


@dataclass(slots=True)
class GridLoadResult:
    """The grid read from the folder, and what is wrong with the files."""

    grid: Grid = field(default_factory=Grid)
    """Everything without an error; consistent even when there are errors."""
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    """Every grid file that was read."""

    @property
    def ok(self) -> bool:
        """True if nothing is wrong enough to stop a reload."""
        return not self.errors


def load_grid_dir(faq_dir: Path) -> GridLoadResult:
    """Read every grid file under `faq_dir/grid/` and validate them into one grid.

    No grid folder (or no files in it) gives an empty grid. Never raises for bad content.
    """
    result = GridLoadResult()
    records: dict[str, list[Record]] = {ORGS: [], PEOPLE: [], TOPICS: []}
    for file, issues in GRID_FILES.each(faq_dir, result.errors, result.warnings):
        result.files.append(file)
        read_grid_file(file, issues, records)

    topics = _build_topics(records[TOPICS])
    orgs = _build_orgs(records[ORGS])
    people = _build_people(records[PEOPLE], orgs, topics)
    result.grid = Grid(orgs.values(), people, topics)
    for org in result.grid.orgs.values():
        if not result.grid.cadres(org.id):
            record = orgs.records[org.id]
            line, label = record.where("id")
            record.issues.warning(
                line, label, f"组织「{org.name}」没有在岗的团干部，问题会交给上级组织"
            )
    for found in (result.errors, result.warnings):
        found.sort(key=lambda issue: (issue.file, issue.line or 0))
    return result


# --- Validation -------------------------------------------------------------------------------


def _required(record: Record, section: str) -> bool:
    """Report missing or empty required fields; True if all are there."""
    ok = not record.broken
    for name in REQUIRED[section]:
        zh = FIELD_NAMES_ZH[section][name]
        if name not in record.values:
            record.issues.error(record.line, name, f"缺少{zh}（{name}）")
            ok = False
        elif not record.text(name):
            line, label = record.where(name)
            record.issues.error(line, label, f"{zh}不能为空")
            ok = False
    return ok


def _first_of_id(record: Record, seen: dict[str, Record], what: str) -> bool:
    """False (after reporting) if another record already uses this record's id."""
    key = record.text("id") or record.text("topic")
    if key in seen:
        line, label = record.where("id" if "id" in record.values else "topic")
        record.issues.error(line, label, f"{what}「{key}」重复，{seen[key].place()}已使用")
        return False
    seen[key] = record
    return True


def _build_topics(records: list[Record]) -> dict[str, tuple[str, ...]]:
    topics: dict[str, tuple[str, ...]] = {}
    seen: dict[str, Record] = {}
    owner: dict[str, str] = {}
    for record in records:
        if not _required(record, TOPICS) or not _first_of_id(record, seen, "话题"):
            continue
        topic = record.text("topic")
        keywords = []
        for word in dict.fromkeys([topic, *record.items("keywords")]):
            if owner.setdefault(word, topic) != topic:
                line, label = record.where("keywords")
                record.issues.warning(
                    line, label, f"关键词「{word}」已属于话题「{owner[word]}」，这里的重复不起作用"
                )
            elif word != topic:
                keywords.append(word)
        topics[topic] = tuple(keywords)
    return topics


@dataclass(slots=True)
class _Orgs:
    """Orgs being built, with where each was written (for later reports)."""

    orgs: dict[str, Org] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)

    def values(self) -> list[Org]:
        return list(self.orgs.values())


def _build_orgs(records: list[Record]) -> _Orgs:
    built = _Orgs()
    seen: dict[str, Record] = {}
    chats: dict[ChatRef, Record] = {}
    for record in records:
        if not _required(record, ORGS) or not _first_of_id(record, seen, "组织编号"):
            continue
        org = _to_org(record, chats)
        if org is not None:
            built.orgs[org.id] = org
            built.records[org.id] = record

    kept = list(built.records.values())
    for record in kept:
        org = built.orgs[record.text("id")]
        if org.parent is not None and org.parent not in built.orgs:
            line, label = record.where("parent")
            record.issues.error(line, label, f"上级组织「{org.parent}」不存在")
            built.orgs[org.id] = dataclasses.replace(org, parent=None)
    for record in kept:
        cycle = _cycle_from(record.text("id"), built.orgs)
        if cycle:
            line, label = record.where("parent")
            record.issues.error(line, label, f"上级关系形成循环：{' → '.join(cycle)}")
            built.orgs[cycle[0]] = dataclasses.replace(built.orgs[cycle[0]], parent=None)
    roots = [org for org in built.orgs.values() if org.parent is None]
    for org in roots[1:]:
        record = built.records[org.id]
        line, label = record.where("parent")
        record.issues.warning(
            line,
            label,
            f"「{org.name}」没有上级组织；青情地图应只有一个最高组织（{roots[0].name}）",
        )
    for org in built.orgs.values():
        parent = built.orgs.get(org.parent) if org.parent else None
        if parent is not None and org.level.rank <= parent.level.rank:
            record = built.records[org.id]
            line, label = record.where("level")
            record.issues.warning(
                line,
                label,
                f"级别（{LEVEL_NAMES_ZH[org.level]}）不低于上级组织「{parent.name}」"
                f"（{LEVEL_NAMES_ZH[parent.level]}）",
            )
    return built


def _to_org(record: Record, chats: dict[ChatRef, Record]) -> Org | None:
    ok = True
    level = LEVEL_ALIASES.get(record.text("level").lower())
    if level is None:
        line, label = record.where("level")
        record.issues.error(
            line,
            label,
            f"未知的级别「{record.text('level')}」，应为 团市委、县区团委、街道团工委、乡镇团委 或 团支部",
        )
        ok = False
    groups: list[ChatRef] = []
    for text in record.items("groups"):
        chat = _chat(record, "groups", text)
        if chat is None:
            ok = False
        elif chat in chats:
            line, label = record.where("groups")
            record.issues.error(
                line,
                label,
                f"群「{chat}」已属于 {chats[chat].place()} 的组织「{chats[chat].text('id')}」，"
                "一个群只能属于一个组织",
            )
        elif chat not in groups:
            groups.append(chat)
    work_group = None
    if record.text("work_group"):
        work_group = _chat(record, "work_group", record.text("work_group"))
        ok = ok and work_group is not None
    if not ok or level is None:
        return None
    for chat in groups:
        chats[chat] = record
    return Org(
        id=record.text("id"),
        name=record.text("name"),
        level=level,
        parent=record.text("parent") or None,
        groups=tuple(groups),
        work_group=work_group,
        tags=tuple(dict.fromkeys(record.items("tags"))),
    )


def _chat(record: Record, name: str, text: str) -> ChatRef | None:
    """`qq:40001` or a bare `40001` (a QQ group); None after reporting a malformed one."""
    match = _CHAT.fullmatch(text.strip())
    platform = (match.group("platform") or "qq").lower() if match else ""
    if match is None or (platform == "qq" and not match.group("id").isdigit()):
        line, label = record.where(name)
        record.issues.error(line, label, f"无法识别群「{text}」，应写成 qq:群号，如 qq:40001")
        return None
    return ChatRef(platform, match.group("id"))


def _cycle_from(org_id: str, orgs: dict[str, Org]) -> list[str]:
    """`[a, b, a]` if following parents from `org_id` comes back to it, else empty."""
    path = [org_id]
    current = orgs[org_id].parent
    while current is not None and current in orgs:
        path.append(current)
        if current == org_id:
            return path
        if current in path[:-1]:
            return []  # a cycle further up; reported from one of its own members
        current = orgs[current].parent
    return []


def _build_people(
    records: list[Record], orgs: _Orgs, topics: dict[str, tuple[str, ...]]
) -> list[Person]:
    people: list[Person] = []
    seen: dict[str, Record] = {}
    accounts: dict[tuple[str, str], Record] = {}
    for record in records:
        if not _required(record, PEOPLE) or not _first_of_id(record, seen, "人员编号"):
            continue
        person = _to_person(record, orgs)
        if person is None:
            continue
        duplicate = False
        for platform, account in person.accounts:
            other = accounts.get((platform, account))
            if other is not None:
                line, label = record.where(_account_field(record, platform))
                record.issues.error(
                    line,
                    label,
                    f"{PLATFORMS[platform]}「{account}」已是 {other.place()}"
                    f"「{other.text('name')}」的账号",
                )
                duplicate = True
        if duplicate:
            continue
        for platform, account in person.accounts:
            accounts[(platform, account)] = record
        _warn_about_role(record, person, topics)
        people.append(person)
    return people


def _to_person(record: Record, orgs: _Orgs) -> Person | None:
    ok = True

    def error(name: str, message: str) -> None:
        nonlocal ok
        line, label = record.where(name)
        record.issues.error(line, label, message)
        ok = False

    role = ROLE_ALIASES.get(record.text("role").lower())
    if role is None:
        error("role", f"未知的角色「{record.text('role')}」，应为 团干部、专家 或 管理员")
    known = []
    for org_id in dict.fromkeys(record.items("orgs")):
        if org_id in orgs.orgs:
            known.append(org_id)
        else:
            line, label = record.where("orgs")
            record.issues.error(
                line, label, f"组织「{org_id}」不存在（或有错误未加载），请填写组织编号"
            )
    accounts = _accounts(record, error)
    qq = accounts.get("qq")
    if not accounts and not record.items("accounts"):
        error("qq", "QQ 和企业微信至少要填一个（或在 accounts 里写一个账号），否则无法通知此人")
    elif qq is not None and not _QQ_NUMBER.fullmatch(qq):
        error(_account_field(record, "qq"), f"QQ 号「{qq}」应为 5 到 12 位数字")
    on_duty = _on_duty(record.text("on_duty"))
    if on_duty is None:
        error("on_duty", f"无法识别「{record.text('on_duty')}」，请填 是 或 否")
    max_open = DEFAULT_MAX_OPEN
    if record.text("max_open"):
        text = record.text("max_open")
        max_open = int(text) if text.isdigit() else 0
        if max_open < 1:
            error("max_open", f"「{text}」应为正整数（最多同时处理几个问题）")
    if not ok or role is None or on_duty is None:
        return None
    return Person(
        id=record.text("id"),
        name=record.text("name"),
        role=role,
        orgs=tuple(known),
        accounts=tuple(accounts.items()),
        on_duty=on_duty,
        max_open=max_open,
        topics=tuple(dict.fromkeys(record.items("topics"))),
    )


SHORTHAND_ACCOUNTS = ("qq", "wecom")
"""Person fields that are shorthand for one entry of `accounts`."""


def _account_field(record: Record, platform: str) -> str:
    """The field an account on `platform` was written in: its shorthand key, or `accounts`."""
    return platform if platform in SHORTHAND_ACCOUNTS and record.text(platform) else "accounts"


def _accounts(record: Record, error: Callable[[str, str], None]) -> dict[str, str]:
    """Platform -> account of a person record: `accounts` entries (`platform:account`) and the
    `qq:`/`wecom:` shorthand; unknown platforms, empty accounts and contradictions reported."""
    found: dict[str, str] = {}
    for item in record.items("accounts"):
        platform, colon, account = item.replace("：", ":").partition(":")
        platform, account = platform.strip().lower(), account.strip()
        if platform not in PLATFORMS or not colon:
            error(
                "accounts",
                f"未知的平台「{platform if colon else item}」，账号应写成 平台: 账号，"
                f"平台为 {'、'.join(PLATFORMS)}",
            )
        elif not account:
            error("accounts", f"{PLATFORMS[platform]}账号不能为空")
        elif platform in found and found[platform] != account:
            error("accounts", f"{PLATFORMS[platform]}账号写了两个（{found[platform]}、{account}）")
        else:
            found[platform] = account
    for platform in SHORTHAND_ACCOUNTS:
        shorthand = record.text(platform)
        if not shorthand:
            continue
        if found.setdefault(platform, shorthand) != shorthand:
            error(
                platform,
                f"{PLATFORMS[platform]}「{shorthand}」与 accounts 里的「{found[platform]}」不一致",
            )
    return found


def _on_duty(text: str) -> bool | None:
    """Yes/no as admins write it; empty means on duty."""
    word = text.strip().lower()
    if not word or word in TRUE_WORDS:
        return True
    return False if word in FALSE_WORDS else None


def _warn_about_role(record: Record, person: Person, topics: dict[str, tuple[str, ...]]) -> None:
    """Warnings for a person the routing will never pick."""
    if person.role is Role.EXPERT:
        if not person.topics:
            line, label = record.where("topics")
            record.issues.warning(line, label, "专家没有填写专长，不会被分配问题")
        for topic in person.topics:
            if topic not in topics:
                line, label = record.where("topics")
                record.issues.warning(
                    line, label, f"专长「{topic}」不在 topics 里，问题无法按关键词分到这个话题"
                )
    elif person.role is Role.CADRE and not person.orgs:
        line, label = record.where("orgs")
        record.issues.warning(line, label, "团干部没有所属组织，不会被分配问题")
