"""`python -m bot.faq check`: validate the FAQ folder without starting the bot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.common.issues import FileIssue
from bot.faq.loader import load_faq_dir
from bot.faq.provenance import provenance_issues
from bot.grid.loader import load_grid_dir
from bot.groups.files import grid_issues, load_group_files

MAX_PENDING_LISTED = 20


def run_check(faq_dir: Path, today: date | None = None) -> int:
    """Print a Chinese report on `faq_dir` (FAQ, grid, interest groups); 0 if no errors (warnings allowed), else 1.

    Also lists the entries to check (no `source` or `reviewed`, or not reviewed for a year before
    `today`, the local date by default); they do not change the result.
    """
    result = load_faq_dir(faq_dir)
    grid = load_grid_dir(faq_dir)
    groups = load_group_files(faq_dir)
    group_errors = [i for spec in groups.specs for i in grid_issues(spec, grid.grid)]
    faq_files = [f for f in result.files if f.parent != faq_dir]
    print(f"检查问答库文件夹：{faq_dir}")
    print(
        f"问答文件 {len(faq_files)} 个，有效问答 {len(result.entries)} 条；"
        f"自定义词 {len(result.lexicon.words)} 个，同义词 {len(result.lexicon.synonyms)} 个"
    )
    print(
        f"青情地图文件 {len(grid.files)} 个：团组织 {len(grid.grid.orgs)} 个，"
        f"人员 {len(grid.grid.people)} 位，话题 {len(grid.grid.topics)} 个"
    )
    if groups.specs or groups.errors:
        print(f"兴趣小组 {len(groups.specs)} 个")
    pending = [entry for entry in result.entries if entry.pending]
    if pending:
        print(
            f"待审核问答 {len(pending)} 条（管理员审核通过前不会回答用户）："
            + "、".join(entry.id for entry in pending[:MAX_PENDING_LISTED])
            + ("……" if len(pending) > MAX_PENDING_LISTED else "")
        )
    errors = [*result.errors, *grid.errors, *groups.errors, *group_errors]
    warnings = [*result.warnings, *grid.warnings, *groups.warnings]
    _print_issues("错误", errors)
    _print_issues("提醒", warnings)
    unchecked = provenance_issues(result.entries, today or date.today())
    _print_issues("待核对内容", unchecked)
    print()
    if not errors:
        print(
            "检查通过。"
            + (" 提醒和待核对内容不影响使用，但建议处理。" if warnings or unchecked else "")
        )
        return 0
    print(
        f"检查未通过：共 {len(errors)} 处错误。"
        "机器人运行时，有错误的修改不会生效（继续使用修改前的版本），请修正后再保存。"
    )
    return 1


def _print_issues(title: str, issues: list[FileIssue]) -> None:
    if not issues:
        return
    print(f"\n{title}（{len(issues)} 处）：")
    for number, issue in enumerate(issues, start=1):
        print(f"  {number}. {issue}")
