"""Activities admins drop into `faq_data/activities/*.yaml`, read and validated with file, line and field.

    activities:
      - id: 2026-winter-volunteer    # unique across files; the activity is made once per id
        title: 冬季志愿服务
        time: 2026-12-06 14:00       # local time (TIMEZONE); 12月6日 14:00 works too
        place: 青城团市委三楼
        details: 带好身份证          # optional
        quota: 30                    # optional; 不限 or empty: no limit
        deadline: 2026-12-05 18:00   # optional sign-up deadline
        targets:                     # at least one of orgs / tags / groups
          orgs: [district]           # org ids or names; their child orgs too
          tags: [农村青年]
          groups: ["qq:40001"]
        fields: [姓名, 手机, 学校]    # optional; asked in private chat
        announce_at: 2026-12-01 09:00  # optional; empty: announce at once
        organiser: street-a          # optional grid person id (default: the admins)
        cancelled: false             # true cancels it (everyone signed up is told)

Nothing here raises on bad content: every problem is a `FileIssue`; an activity with an error is
left out. Top-level may also be a bare list of activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.activities import texts
from bot.activities.service import ActivityDraft, ActivityError, parse_quota
from bot.activities.when import parse_local
from bot.common.folder import AdminFolder
from bot.common.issues import FileIssue, IssueCollector
from bot.common.yaml_source import compose_yaml, is_null, node_line

ACTIVITIES_SUBDIR = "activities"
SUFFIXES = frozenset({".yaml", ".yml"})
ACTIVITY_FILES = AdminFolder(ACTIVITIES_SUBDIR, SUFFIXES)
"""The activity files under activities/."""
KEYS = {
    "id": "编号",
    "title": "标题",
    "time": "时间",
    "place": "地点",
    "details": "详情",
    "quota": "名额",
    "deadline": "报名截止",
    "targets": "对象",
    "fields": "收集信息",
    "announce_at": "发布时间",
    "organiser": "发布人",
    "cancelled": "取消",
    "checkin_code": "签到码",
}
ALIASES = {**{k: k for k in KEYS}, **{zh: k for k, zh in KEYS.items()}}
TARGET_KEYS = {
    "orgs": "orgs",
    "组织": "orgs",
    "tags": "tags",
    "标签": "tags",
    "groups": "groups",
    "群": "groups",
}
TRUE = frozenset({"true", "yes", "是", "1"})


@dataclass(slots=True)
class ActivitySpec:
    """One activity as an admin wrote it, validated."""

    key: str
    draft: ActivityDraft
    announce_at: datetime | None
    organiser: str | None
    cancelled: bool
    file: str
    line: int


@dataclass(slots=True)
class ActivityFiles:
    """Every valid activity in the folder, and what is wrong with the files."""

    specs: list[ActivitySpec] = field(default_factory=list)
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    reason: str = ""
    """Why the files were read (启动, 文件变化：…), for the log."""


def is_relevant(faq_dir: Path, path: Path) -> bool:
    """True if a change of `path` may change what `load_activity_files(faq_dir, ...)` reads."""
    return ACTIVITY_FILES.is_relevant(faq_dir, path)


def load_activity_files(faq_dir: Path, now: datetime, zone: ZoneInfo) -> ActivityFiles:
    """Read `faq_dir/activities/**/*.yaml`. Never raises for bad content."""
    result = ActivityFiles()
    seen: dict[str, str] = {}
    for file, issues in ACTIVITY_FILES.each(faq_dir, result.errors, result.warnings):
        rel = issues.rel
        try:
            root = compose_yaml(file, issues)
        except OSError as exc:
            issues.error(None, None, f"无法读取文件（{exc}）")
            continue
        if root is None:
            continue
        items = root
        if isinstance(root, yaml.MappingNode):
            found = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
            items = found.get("activities", found.get("活动"))
            if items is None:
                issues.error(node_line(root), None, "缺少 activities: 列表")
                continue
        if not isinstance(items, yaml.SequenceNode):
            issues.error(node_line(items), "activities", "应为列表，每个活动以“- ”开头")
            continue
        for node in items.value:
            spec = _spec(node, issues, now, zone, rel)
            if spec is None:
                continue
            if spec.key in seen:
                issues.error(spec.line, "id", f"活动编号「{spec.key}」重复，{seen[spec.key]}已使用")
                continue
            seen[spec.key] = f"{rel} 第{spec.line}行"
            result.specs.append(spec)
    return result


def _scalar(node: yaml.Node) -> str:
    return "" if is_null(node) else str(node.value).strip()


def _list(node: yaml.Node) -> list[str]:
    if isinstance(node, yaml.SequenceNode):
        return [
            _scalar(item)
            for item in node.value
            if isinstance(item, yaml.ScalarNode) and _scalar(item)
        ]
    text = _scalar(node) if isinstance(node, yaml.ScalarNode) else ""
    return [word for word in text.replace("，", ",").replace("、", ",").split(",") if word.strip()]


def _spec(
    node: yaml.Node, issues: IssueCollector, now: datetime, zone: ZoneInfo, rel: str
) -> ActivitySpec | None:
    line = node_line(node)
    if not isinstance(node, yaml.MappingNode):
        issues.error(line, None, "每个活动应是“键: 值”的写法")
        return None
    values: dict[str, yaml.Node] = {}
    ok = True
    for key_node, value in node.value:
        name = ALIASES.get(str(key_node.value).strip())
        if name is None:
            issues.warning(node_line(key_node), str(key_node.value), "不认识的字段，已忽略")
            continue
        values[name] = value

    def error(name: str, message: str) -> None:
        nonlocal ok
        where = values.get(name)
        issues.error(node_line(where) if where is not None else line, name, message)
        ok = False

    def text(name: str) -> str:
        value = values.get(name)
        return _scalar(value) if isinstance(value, yaml.ScalarNode) else ""

    for required in ("id", "title", "time", "targets"):
        if required not in values or (required != "targets" and not text(required)):
            error(required, f"缺少{KEYS[required]}（{required}）")

    def moment(name: str) -> datetime | None:
        if not text(name):
            return None
        found = parse_local(text(name), now, zone)
        if found is None:
            error(name, f"无法识别时间「{text(name)}」，请写成 2026-12-06 14:00")
        return found

    starts_at = moment("time")
    deadline = moment("deadline")
    announce_at = moment("announce_at")
    if starts_at is not None and deadline is not None and deadline >= starts_at:
        error("deadline", "报名截止时间应早于活动时间")
    quota = None
    try:
        quota = parse_quota(text("quota"))
    except ActivityError:
        error("quota", f"名额「{text('quota')}」应为正整数或“不限”")
    targets: dict[str, list[str]] = {}
    node_targets = values.get("targets")
    if isinstance(node_targets, yaml.MappingNode):
        for key_node, value in node_targets.value:
            kind = TARGET_KEYS.get(str(key_node.value).strip())
            if kind is None:
                error("targets", f"对象里不认识「{key_node.value}」，应为 orgs、tags 或 groups")
                continue
            targets[kind] = _list(value)
        if not any(targets.values()) and "targets" in values:
            error("targets", "对象为空：至少写一个组织、标签或群")
    elif node_targets is not None:
        error("targets", "对象应写成 orgs: [...] / tags: [...] / groups: [...]")
    fields = []
    for word in _list(values["fields"]) if "fields" in values else []:
        name = texts.FIELD_ALIASES.get(word)
        if name is None:
            error("fields", f"不认识「{word}」，可选：姓名、手机、学校")
        elif name not in fields:
            fields.append(name)
    if not ok or starts_at is None:
        return None
    return ActivitySpec(
        key=text("id"),
        draft=ActivityDraft(
            title=text("title")[:120],
            starts_at=starts_at,
            place=text("place"),
            details=text("details"),
            quota=quota,
            signup_deadline=deadline,
            targets=targets,
            fields=fields,
            checkin_code=text("checkin_code") or None,
            source=f"yaml:{text('id')}",
        ),
        announce_at=announce_at,
        organiser=text("organiser") or None,
        cancelled=text("cancelled").lower() in TRUE,
        file=rel,
        line=line,
    )
