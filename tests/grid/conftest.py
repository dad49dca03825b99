"""Shared fixtures for the grid tests: a throwaway FAQ folder with a small, valid grid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteFile = Callable[[str, str], Path]

ORGS = """\
orgs:
  - id: city
    name: 青城团市委
    level: 团市委
    groups: ["qq:40009"]
    work_group: "qq:49000"
  - id: east
    name: 东区团委
    level: district
    parent: city
    groups: [40008]
  - id: lake
    name: 湖滨街道团工委
    level: 街道团工委
    parent: east
  - id: "001"
    name: 湖滨社区团支部
    level: 团支部
    parent: lake
    groups: ["qq:40001", "wechat:gh_lake"]
"""
PEOPLE = """\
people:
  - id: li
    name: 李明
    role: 团干部
    orgs: ["001", lake]
    qq: "10001"
  - id: zhao
    name: 赵雪
    role: cadre
    orgs: [east]
    qq: "10002"
    wecom: zhaoxue
    max_open: 3
  - id: wang
    name: 王青
    role: 团干部
    orgs: [city]
    qq: "10003"
  - id: sun
    name: 孙悦
    role: 团干部
    orgs: [city]
    qq: "10004"
    on_duty: 否
  - id: qian
    name: 钱程
    role: 专家
    wecom: qiancheng
    topics: [就业]
  - id: he
    name: 何平
    role: 管理员
    qq: "10006"
"""
TOPICS = """\
topics:
  就业: [找工作, 实习, 工资]
  心理: [焦虑, 压力大]
"""


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """An empty FAQ folder (the grid lives in its `grid/` subfolder)."""
    root = tmp_path / "faq_data"
    root.mkdir()
    return root


@pytest.fixture
def write(faq_dir: Path) -> WriteFile:
    """Write UTF-8 `text` to `relative` path under the FAQ folder (parents created)."""

    def write_file(relative: str, text: str) -> Path:
        path = faq_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def good_grid(write: WriteFile) -> WriteFile:
    """The folder holding a valid grid in orgs.yaml, people.yaml and topics.yaml."""
    write("grid/orgs.yaml", ORGS)
    write("grid/people.yaml", PEOPLE)
    write("grid/topics.yaml", TOPICS)
    return write
