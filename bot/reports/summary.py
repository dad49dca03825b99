"""The monthly report as a short chat message and as an XLSX workbook (blocking: run the
workbook in an executor)."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook

from bot.cases.texts import duration
from bot.reports.monthly import MonthlyReport


def response_time(value: timedelta | None) -> str:
    """A response time as the report shows it (暂无 when there is none)."""
    return "暂无" if value is None else duration(value)


def _change(now: int, before: int) -> str:
    if before == 0:
        return "（上月 0）" if now else ""
    delta = (now - before) / before
    return f"（比上月{'多' if delta >= 0 else '少'} {abs(delta):.0%}）"


def month_name(report: MonthlyReport) -> str:
    """2026年11月."""
    return f"{report.month.year}年{report.month.month}月"


def text(report: MonthlyReport, link: str = "") -> str:
    """The summary a cadre can forward in chat."""
    f, p = report.figures, report.previous
    lines = [
        f"【团情分析 · {report.scope} · {month_name(report)}】",
        f"收到问题 {f.collected}{_change(f.collected, p.collected)}，"
        f"机器人答 {f.by_faq}，团干部答 {f.by_people}，答复率 {report.answer_rate:.0%}",
        f"首次回复中位 {response_time(f.median_first_response)}；超时 {f.overdue}；"
        f"点赞 {f.likes}，没用 {f.not_helpful}",
    ]
    if report.topics:
        hot = "、".join(
            f"{t.name} {t.count}{'（新）' if t.is_new else ''}" for t in report.topics[:5]
        )
        lines.append(f"热点话题：{hot}")
    if report.activities:
        lines.append(
            f"活动 {len(report.activities)} 场，报名 {report.signed} 人，签到 {report.checked} 人"
        )
    lines.append(f"点亮微心愿 {report.wishes_lit} 个，待认领 {report.wishes_open} 个")
    d = report.diaries
    if d.diaries or d.open_count:
        lines.append(
            f"团情日记 {d.diaries} 篇（{d.authors} 名团干部），走访 {len(d.by_org)} 个组织，"
            f"见青年 {d.youths} 人；待跟进 {d.open_count} 件"
        )
    if d.recurring:
        lines.append("反映较多：" + "、".join(f"{p.name} {p.diaries}" for p in d.recurring[:5]))
    if link:
        lines.append(f"详细报告：{link}")
    return "\n".join(lines)


def workbook(report: MonthlyReport) -> bytes:
    """The report as XLSX: 概况, 热点话题, 活动, 团情日记, 反映问题, 待跟进 (text cells: nothing
    becomes a formula)."""
    book = Workbook()
    summary = book.active
    summary.title = "概况"
    f, p = report.figures, report.previous
    rows = [
        ["项目", month_name(report), "上月"],
        ["范围", report.scope, ""],
        ["收到问题", f.collected, p.collected],
        ["机器人回答", f.by_faq, p.by_faq],
        ["团干部回答", f.by_people, p.by_people],
        ["答复率", f"{report.answer_rate:.0%}", ""],
        [
            "首次回复中位",
            response_time(f.median_first_response),
            response_time(p.median_first_response),
        ],
        ["超时工单", f.overdue, p.overdue],
        ["点赞", f.likes, p.likes],
        ["没用", f.not_helpful, p.not_helpful],
        ["点亮微心愿", report.wishes_lit, ""],
        ["待认领微心愿", report.wishes_open, ""],
        ["团情日记", report.diaries.diaries, ""],
        ["走访见青年", report.diaries.youths, ""],
        ["待跟进事项", report.diaries.open_count, ""],
    ]
    for row in rows:
        summary.append(row)
    topics = book.create_sheet("热点话题")
    topics.append(["话题", "本月", "上月", "新话题", "例子"])
    for t in report.topics:
        topics.append(
            [t.name, t.count, t.last_month, "是" if t.is_new else "", " / ".join(t.examples)]
        )
    held = book.create_sheet("活动")
    held.append(["编号", "活动", "时间", "报名", "候补", "签到"])
    for h in report.activities:
        held.append(
            [
                h.activity.id,
                h.activity.title,
                h.activity.starts_at.astimezone(report.zone).strftime("%Y-%m-%d %H:%M"),
                h.figures.signed,
                h.figures.waitlisted,
                h.figures.checked,
            ]
        )
    _diary_sheets(book, report)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    book.properties.title = f"团情分析 {report.scope} {month_name(report)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _diary_sheets(book: Workbook, report: MonthlyReport) -> None:
    d = report.diaries
    visits = book.create_sheet("团情日记")
    visits.append(["走访组织", "篇数", "见青年"])
    for v in d.by_org:
        visits.append([v.name, v.visits, v.youths])
    problems = book.create_sheet("反映问题")
    problems.append(["话题", "日记篇数", "反映较多", "例子"])
    for p in d.problems:
        problems.append([p.name, p.diaries, "是" if p.recurring else "", " / ".join(p.examples)])
    waiting = book.create_sheet("待跟进")
    waiting.append(["跟进编号", "日记编号", "走访日期", "组织", "事项", "状态"])
    for f in d.open_followups:
        waiting.append([f.id, f.diary_id, f.visited_on.isoformat(), f.org, f.text, f.status])
