"""faq_data/groups/*.yaml: validation with file, line and field; the sync makes each group once,
follows edits, closes groups taken out (members kept), closes nothing while a file is wrong;
`make check` reports the groups; the bundled demo's groups load on the bundled grid."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.faq.check import run_check
from bot.grid.loader import load_grid_dir
from bot.groups.files import grid_issues, load_group_files
from bot.groups.service import GroupService
from bot.runtime import Runtime
from tests.conftest import ROOT


def write(faq_dir: Path, text: str, name: str = "groups.yaml") -> None:
    folder = faq_dir / "groups"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_bad_entries_name_file_line_and_field(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
groups:
  - id: baking
    name: 烘焙
  - name: 没有编号
  - id: baking
    name: 又一个烘焙
  - id: other
    name: 烘焙
  - id: long
    name: 一二三四五六七八九十一二三四五六七八九十一
  - id: alias
    名称: 瑜伽
    别名: 伸展，冥想
    colour: red
""",
    )
    result = load_group_files(tmp_path)
    assert [spec.key for spec in result.specs] == ["baking", "alias"]
    assert result.specs[1].aliases == ["伸展", "冥想"], "Chinese keys and commas"
    found = [str(issue) for issue in result.errors]
    assert any("groups/groups.yaml 第4行 id" in f and "缺少编号" in f for f in found), found
    assert any("第5行 id" in f and "重复" in f for f in found), found
    assert any("第7行 name" in f and "名称「烘焙」重复" in f for f in found), found
    assert any("第10行 name" in f and "最多 20 个字" in f for f in found), found
    assert [str(w) for w in result.warnings] == [
        "groups/groups.yaml 第14行 colour：不认识的字段，已忽略"
    ]


def test_broken_yaml_and_wrong_shape(tmp_path: Path) -> None:
    write(tmp_path, "groups: [\n", "broken.yaml")
    write(tmp_path, "名字: 烘焙\n", "shape.yaml")
    found = [str(issue) for issue in load_group_files(tmp_path).errors]
    assert any(f.startswith("groups/broken.yaml") for f in found), found
    assert any("groups/shape.yaml" in f and "缺少 groups" in f for f in found), found


async def test_sync_follows_the_files(runtime: Runtime, groups: GroupService) -> None:
    faq_dir = runtime.settings.faq_dir
    await groups.join("qq", "30001", "烘焙")
    first = await groups.find("烘焙")
    assert first is not None
    # An edit changes the group in place (members kept); a new alias works at once.
    write(
        faq_dir,
        """\
groups:
  - id: baking
    name: 烘焙
    aliases: [蛋糕]
    org: street
  - id: yoga
    name: 瑜伽
""",
    )
    report = await runtime.group_files.reload("test")
    assert not report.errors
    found = await groups.find("蛋糕")
    assert found is not None and found.id == first.id
    assert [g.name for g in await groups.mine("qq", "30001")] == ["烘焙"]
    assert [g.name for g in await groups.groups()] == ["烘焙", "瑜伽"], "象棋 taken out: closed"
    # A file with an error closes nothing: the groups as last read keep serving.
    write(faq_dir, "groups:\n  - id: baking\n    name: 烘焙\n    org: nowhere\n")
    report = await runtime.group_files.reload("test")
    assert [f"{e.field}：{e.message}" for e in report.errors] == [
        "org：没有编号为「nowhere」的团组织"
    ]
    assert [g.name for g in await groups.groups()] == ["烘焙", "瑜伽"]
    # closed: true hides it; members stay and come back with it.
    write(faq_dir, "groups:\n  - id: baking\n    name: 烘焙\n    closed: true\n")
    assert not (await runtime.group_files.reload("test")).errors
    assert await groups.groups() == [] and await groups.find("烘焙") is None
    write(faq_dir, "groups:\n  - id: baking\n    name: 烘焙\n")
    await runtime.group_files.reload("test")
    assert [g.name for g in await groups.mine("qq", "30001")] == ["烘焙"]


async def test_a_file_group_cannot_take_a_console_groups_name(
    runtime: Runtime, groups: GroupService
) -> None:
    await groups.create("书法")
    write(runtime.settings.faq_dir, "groups:\n  - id: calligraphy\n    name: 书法\n", "more.yaml")
    report = await runtime.group_files.reload("test")
    assert [f"{e.file} 第{e.line}行 {e.field}" for e in report.errors] == [
        "groups/more.yaml 第2行 name"
    ]
    assert "已被另一个小组使用" in report.errors[0].message


def test_check_reports_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq_dir = tmp_path / "faq_data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "faq_data", faq_dir)
    write(faq_dir, "groups:\n  - id: a\n    name: 美术\n    organisers: [nobody]\n")
    assert run_check(faq_dir) == 1
    assert "青情地图里没有人员「nobody」" in capsys.readouterr().out
    write(faq_dir, "groups:\n  - id: a\n    name: 美术\n    organisers: [street-a]\n")
    assert run_check(faq_dir) == 0
    assert "兴趣小组 1 个" in capsys.readouterr().out


def test_the_bundled_demo_groups_load_on_the_bundled_grid() -> None:
    faq_dir = ROOT / "faq_data"
    result = load_group_files(faq_dir)
    grid = load_grid_dir(faq_dir).grid
    assert not result.errors and not result.warnings
    assert {"美术", "瑜伽", "烘焙", "篮球"} <= {spec.name for spec in result.specs}
    assert [issue for spec in result.specs for issue in grid_issues(spec, grid)] == []
