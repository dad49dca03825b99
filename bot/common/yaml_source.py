"""Read admin-edited YAML as a node tree, so every value remembers its line.

Values are read as written (`001` stays `001`): callers walk the nodes instead of loading
Python objects. Syntax errors are reported in Chinese, with a hint of what to look for.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.common.files import decode_text
from bot.common.issues import IssueCollector

__all__ = ["compose_yaml", "is_null", "node_line"]

_YAML_NULL = "tag:yaml.org,2002:null"
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# PyYAML's problem descriptions -> what an admin should look for.
_YAML_HINTS = (
    ("found a tab character", "用了 Tab 缩进，请改用空格"),
    (
        "mapping values are not allowed",
        "一行里有多余的“: ”；文字里有冒号时，请用引号括起整段，或改用 | 多行写法",
    ),
    ("could not find expected ':'", "缺少“: ”，或冒号后面没有空格"),
    ("quoted scalar", "引号没有配对"),
    ("flow sequence", "方括号 [ ] 没有配对，或列表项之间缺少逗号"),
    ("flow mapping", "花括号 { } 没有配对"),
    ("expected <block end>", "缩进不一致：同一条里的字段要上下对齐"),
    ("did not find expected key", "缩进不一致：同一条里的字段要上下对齐"),
    ("did not find expected '-'", "缩进不一致：每条以“- ”开头，且上下对齐"),
)
_YAML_HINT_DEFAULT = "请检查缩进是否一致、冒号后是否有空格、引号是否配对"


def compose_yaml(file: Path, issues: IssueCollector) -> yaml.Node | None:
    """The node tree of a YAML file (None if empty or broken; syntax errors are reported).

    Raises OSError if the file cannot be read.
    """
    text = decode_text(file.read_bytes(), issues)
    if text is None:
        return None
    try:
        return yaml.compose(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        hint = next((h for key, h in _YAML_HINTS if key in problem), _YAML_HINT_DEFAULT)
        where = ""
        if exc.context_mark and mark and exc.context_mark.line < mark.line:
            where = f"（问题在第{exc.context_mark.line + 1}行到第{mark.line + 1}行之间）"
        issues.error(
            mark.line + 1 if mark else None, None, f"YAML 格式错误{where}：{hint}。[{problem}]"
        )
    except yaml.YAMLError as exc:
        issues.error(None, None, f"YAML 格式错误（{exc}）")
    return None


def node_line(node: yaml.Node) -> int:
    """The 1-based line where `node` starts."""
    return node.start_mark.line + 1


def is_null(node: yaml.Node) -> bool:
    """True for an empty value (nothing written, `~` or `null`)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _YAML_NULL
