"""Interest groups admins keep in `faq_data/groups/*.yaml`, read and validated with file, line
and field.

    groups:
      - id: baking                 # unique across files; the group is made once per id
        name: 烘焙                  # what youths join by (加入小组 烘焙); unique
        aliases: [烘焙小组, 甜点]    # optional: other words for it
        description: 周末一起做蛋糕   # optional
        org: street                # optional: cadres of this org and above organise it
        organisers: [street-a]     # optional: grid person ids who may organise it too
        closed: false              # true hides it from youths (members and votes are kept)

Nothing here raises on bad content: every problem is a `FileIssue`; a group with an error is
left out. Top-level may also be a bare list of groups. Org and people ids are checked against
the grid when the groups are synced (bot.groups.sync).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.common.folder import AdminFolder
from bot.common.issues import FileIssue, IssueCollector
from bot.common.yaml_source import compose_yaml, is_null, node_line
from bot.grid.model import Grid
from bot.groups import texts

GROUPS_SUBDIR = "groups"
GROUP_FILES = AdminFolder(GROUPS_SUBDIR, frozenset({".yaml", ".yml"}))
"""The interest-group files under groups/."""
NAME_LIMIT = 20
KEYS = {
    "id": "编号",
    "name": "名称",
    "aliases": "别名",
    "description": "简介",
    "org": "组织",
    "organisers": "组织者",
    "closed": "关闭",
}
ALIASES = {**{k: k for k in KEYS}, **{zh: k for k, zh in KEYS.items()}}
TRUE = frozenset({"true", "yes", "是", "1"})


@dataclass(slots=True)
class GroupSpec:
    """One group as an admin wrote it, validated."""

    key: str
    name: str
    aliases: list[str]
    description: str
    org: str | None
    organisers: list[str]
    closed: bool
    file: str
    line: int

    @property
    def source(self) -> str:
        return f"yaml:{self.key}"


@dataclass(slots=True)
class GroupFiles:
    """Every valid group in the folder, and what is wrong with the files."""

    specs: list[GroupSpec] = field(default_factory=list)
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    reason: str = ""


def is_relevant(faq_dir: Path, path: Path) -> bool:
    """True if a change of `path` may change what `load_group_files(faq_dir)` reads."""
    return GROUP_FILES.is_relevant(faq_dir, path)


def load_group_files(faq_dir: Path) -> GroupFiles:
    """Read `faq_dir/groups/**/*.yaml`. Never raises for bad content."""
    result = GroupFiles()
    keys: dict[str, str] = {}
    names: dict[str, str] = {}
    for file, issues in GROUP_FILES.each(faq_dir, result.errors, result.warnings):
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
            items = found.get("groups", found.get("小组"))
            if items is None:
                issues.error(node_line(root), None, "缺少 groups: 列表")
                continue
        if not isinstance(items, yaml.SequenceNode):
            issues.error(node_line(items), "groups", "应为列表，每个小组以“- ”开头")
            continue
        for node in items.value:
            spec = _spec(node, issues, rel)
            if spec is None:
                continue
            if spec.key in keys:
                issues.error(spec.line, "id", f"小组编号「{spec.key}」重复，{keys[spec.key]}已使用")
                continue
            if spec.name in names:
                issues.error(
                    spec.line, "name", f"小组名称「{spec.name}」重复，{names[spec.name]}已使用"
                )
                continue
            keys[spec.key] = names[spec.name] = f"{rel} 第{spec.line}行"
            result.specs.append(spec)
    return result


def grid_issues(spec: GroupSpec, grid: Grid) -> list[FileIssue]:
    """What in `spec` the grid does not know: its org, its organisers."""
    issues = []
    if spec.org and spec.org not in grid.orgs:
        issues.append(
            FileIssue(spec.file, spec.line, "org", texts.FILE_UNKNOWN_ORG.format(org=spec.org))
        )
    for person in spec.organisers:
        if person not in grid.people:
            issues.append(
                FileIssue(
                    spec.file,
                    spec.line,
                    "organisers",
                    texts.FILE_UNKNOWN_PERSON.format(person=person),
                )
            )
    return issues


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
    return [w.strip() for w in text.replace("，", ",").replace("、", ",").split(",") if w.strip()]


def _spec(node: yaml.Node, issues: IssueCollector, rel: str) -> GroupSpec | None:
    line = node_line(node)
    if not isinstance(node, yaml.MappingNode):
        issues.error(line, None, "每个小组应是“键: 值”的写法")
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

    for required in ("id", "name"):
        if not text(required):
            error(required, f"缺少{KEYS[required]}（{required}）")
    if len(text("name")) > NAME_LIMIT:
        error("name", f"名称最多 {NAME_LIMIT} 个字")
    for listed in ("aliases", "organisers"):
        value = values.get(listed)
        if value is not None and isinstance(value, yaml.MappingNode):
            error(listed, "应为列表，如 [烘焙小组, 甜点]")
    if not ok:
        return None
    return GroupSpec(
        key=text("id"),
        name=text("name"),
        aliases=_list(values["aliases"]) if "aliases" in values else [],
        description=text("description")[:500],
        org=text("org") or None,
        organisers=_list(values["organisers"]) if "organisers" in values else [],
        closed=text("closed").lower() in TRUE,
        file=rel,
        line=line,
    )
