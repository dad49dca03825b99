"""/月报 [组织] [月份]: the monthly 团情分析 summary in chat, with a link to the full report: as
a PNG with the link where a CJK font is found and the surface can send images, else as text."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.chat.conversation import Image
from bot.chat.registry import Command, Who
from bot.reports.image import painter
from bot.reports.monthly import MONTH, ReportError, build, parse_month
from bot.reports.summary import month_name, text

if TYPE_CHECKING:
    from bot.chat.conversation import Result, Turn

USAGE = "月报 [组织] [月份]：团情分析月报，例如“/月报 2026-11”“/月报 东湖街道团工委 11月”"
NOT_YOURS = "只能查看你负责的组织及下级组织的月报。"
NO_ORG = "没有找到这个组织，请写组织名称或编号。"


def _split(args: str) -> tuple[str, str]:
    """(org words, month word): the month is the last word when it looks like one."""
    words = args.split()
    if words and (MONTH.fullmatch(words[-1]) or words[-1].rstrip("月").isdecimal()):
        return " ".join(words[:-1]), words[-1]
    return " ".join(words), ""


async def _monthly(turn: Turn) -> Result:
    runtime, speaker = turn.runtime, turn.speaker
    grid = runtime.grid.grid
    org_words, month_word = _split(turn.args)
    person = speaker.person
    if org_words:
        org_id = grid.find_org(org_words)
        if org_id is None:
            return NO_ORG
    elif speaker.is_admin:
        org_id = None
    else:
        org_id = person.orgs[0] if person is not None and person.orgs else None
    if not speaker.is_admin and (
        org_id is None or person is None or not grid.is_above_or_at(person, org_id)
    ):
        return NOT_YOURS
    settings = runtime.settings
    zone = ZoneInfo(settings.timezone)
    now = runtime.cases.clock()
    try:
        month = parse_month(month_word, now, zone)
        report = await build(
            runtime.db,
            grid,
            runtime.faq.index.entries,
            runtime.activities,
            now,
            zone,
            month,
            org_id,
        )
    except ReportError as exc:
        return str(exc)
    query = urlencode({"org": org_id or "", "month": month.strftime("%Y-%m")})
    link = f"{settings.public_url.rstrip('/')}/console/report?{query}"
    summary = text(report, link)
    loop = asyncio.get_running_loop()
    drawer = await loop.run_in_executor(None, painter, settings.report_font)
    if drawer is None:
        return summary  # why was logged once, when the font was looked for
    png = await loop.run_in_executor(None, drawer.render, report, now)
    caption = f"团情分析 · {report.scope} · {month_name(report)}\n详细报告：{link}"
    bubble = turn.conversation.to_asker(turn.message, summary, turn.command.kind)
    return [replace(bubble, image=Image(png, caption))]


def commands() -> list[Command]:
    """The report's command of the registry."""
    return [Command("月报", _monthly, USAGE, who=Who.STAFF)]
