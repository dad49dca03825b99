"""The 团情日记 command and the private dialogue that records a visit.

Cadres, experts and admins only: /日记 (a visit, step by step, in private chat), /日记 本月 (the
month's "四个一"), /日记 列表, /日记 编号, /日记 转工单 跟进编号, /日记 办结 跟进编号.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.chat.dialogue import ChatKey
from bot.chat.dialogue import Turn as Step
from bot.chat.registry import Command, Who
from bot.chat.speaker import Speaker
from bot.diary import texts
from bot.diary.service import (
    FOLLOWUP_LIMIT,
    MARKS,
    PLACE_LIMIT,
    TEXT_LIMIT,
    YOUTHS_MAX,
    DiaryError,
    DiaryService,
    Entry,
    lines_of,
    parse_day,
)
from bot.reports.monthly import MONTH, ReportError, parse_month

if TYPE_CHECKING:
    from bot.chat.conversation import Turn

KIND = "diary"
ALL_WORDS = frozenset({"全部", "都转", "是", "全转", "好"})
_YOUTHS = re.compile(r"(\d+)\s*(?:人|位|名|个)?\s*(.*)", re.DOTALL)
_NUMBERS = re.compile(r"\d+")
_NUMBER = re.compile(r"#?(\d+)$")


class DiaryFlow:
    """date → org or place → youths met → heard → problems → follow-ups → "四个一" marks →
    (follow-ups as cases) → saved."""

    kind = KIND

    def __init__(self, service: DiaryService) -> None:
        self.service = service

    async def begin(self, speaker: Speaker) -> Step:
        return Step([texts.ASK_DATE], "date", {})

    async def quit(self, speaker: Speaker, state: dict[str, Any]) -> str:
        return texts.QUIT  # nothing is written before the last step

    async def answer(self, speaker: Speaker, step: str, text: str, state: dict[str, Any]) -> Step:
        if not text:
            return Step([texts.EMPTY], step, state)
        if step == "date":
            try:
                day = parse_day(text, self.service.today())
                self.service.check(Entry(day, None, heard="-"))
            except DiaryError as exc:
                return Step([str(exc)], step, state)
            return Step([texts.ASK_ORG], "org", {**state, "day": day.isoformat()})
        if step == "org":
            if len(text) > PLACE_LIMIT:
                return Step([texts.TOO_LONG.format(limit=PLACE_LIMIT)], step, state)
            org_id, place = self.service.org_for(speaker, text)
            return Step([texts.ASK_YOUTHS], "youths", {**state, "org": org_id, "place": place})
        if step == "youths":
            match = _YOUTHS.fullmatch(text)
            if match is None or int(match.group(1)) > YOUTHS_MAX:
                return Step([texts.BAD_YOUTHS], step, state)
            youths = {"youths": int(match.group(1)), "note": match.group(2).strip()[:200]}
            return Step([texts.ASK_HEARD], "heard", {**state, **youths})
        if step in ("heard", "problems"):
            if len(text) > TEXT_LIMIT:
                return Step([texts.TOO_LONG.format(limit=TEXT_LIMIT)], step, state)
            if step == "heard":
                return Step([texts.ASK_PROBLEMS], "problems", {**state, "heard": text})
            problems = "\n".join(lines_of(text))
            return Step([texts.ASK_FOLLOWUPS], "followups", {**state, "problems": problems})
        if step == "followups":
            items = lines_of(text)
            if any(len(item) > FOLLOWUP_LIMIT for item in items):
                return Step([texts.TOO_LONG.format(limit=FOLLOWUP_LIMIT)], step, state)
            return Step([texts.ASK_MARKS], "marks", {**state, "followups": items})
        if step == "marks":
            marks = _marks(text)
            if marks is None:
                return Step([texts.BAD_MARKS], step, state)
            state = {**state, "marks": marks}
            if not state["followups"]:
                return await self._save(speaker, state, [])
            items = "\n".join(f"{n} {item}" for n, item in enumerate(state["followups"], 1))
            return Step([texts.ASK_CASES.format(items=items)], "cases", state)
        chosen = _chosen(text, len(state["followups"]))
        if chosen is None:
            return Step([texts.BAD_CASES], step, state)
        return await self._save(speaker, state, chosen)

    async def _save(self, speaker: Speaker, state: dict[str, Any], to_cases: list[int]) -> Step:
        entry = Entry(
            visited_on=date.fromisoformat(state["day"]),
            org_id=state["org"],
            place=state["place"],
            youths_met=state["youths"],
            youths_note=state["note"],
            heard=state["heard"],
            problems=state["problems"],
            followups=list(state["followups"]),
            marks=frozenset(state["marks"]),
        )
        try:
            diary, followups = await self.service.record(speaker, entry)
        except DiaryError as exc:
            return Step([str(exc)], None)
        for n in to_cases:
            with contextlib.suppress(DiaryError):  # it stays 待跟进, and says so below
                await self.service.to_case(speaker, followups[n - 1].id)
        return Step([await describe_saved(self.service, speaker, diary.id)], None)


def _marks(text: str) -> list[str] | None:
    if text.strip() in texts.NOTHING or text.strip() in ("没有", "都没有", "否"):
        return []
    numbers = _NUMBERS.findall(text)
    if not numbers or any(not 1 <= int(n) <= len(MARKS) for n in numbers):
        return None
    return [MARKS[int(n) - 1] for n in dict.fromkeys(numbers)]


def _chosen(text: str, count: int) -> list[int] | None:
    text = text.strip()
    if text in ALL_WORDS:
        return list(range(1, count + 1))
    if text in ("否", "不", "不用", "不需要", "无", "没有"):
        return []
    numbers = _NUMBERS.findall(text)
    if not numbers or any(not 1 <= int(n) <= count for n in numbers):
        return None
    return sorted({int(n) for n in numbers})


async def describe_saved(service: DiaryService, speaker: Speaker, diary_id: int) -> str:
    """What the cadre is told when a diary is saved: the visit, its follow-ups, the month."""
    diary = await service.get(speaker, diary_id)
    lines = [
        texts.SAVED.format(
            id=diary.id,
            day=diary.visited_on.isoformat(),
            place=service.place_name(diary),
            youths=diary.youths_met,
        )
    ]
    followups = (await service.followups([diary.id]))[diary.id]
    if followups:
        lines.append(texts.SAVED_FOLLOWUPS)
        lines += [
            texts.FOLLOWUP_ITEM.format(id=f.followup.id, text=f.followup.text, status=f.status)
            for f in followups
        ]
    progress = await service.progress(speaker.id, diary.visited_on)
    lines.append(service.progress_text(progress))
    return "\n".join(lines)


async def _show(service: DiaryService, speaker: Speaker, diary_id: int) -> str:
    diary = await service.get(speaker, diary_id)
    note = f"（{diary.youths_note}）" if diary.youths_note else ""
    lines = [
        texts.SHOW.format(
            id=diary.id,
            author=diary.author_name,
            day=diary.visited_on.isoformat(),
            place=service.place_name(diary),
            youths=diary.youths_met,
            note=note,
            heard=diary.heard or texts.NOTHING,
            problems="；".join(lines_of(diary.problems)) or texts.NOTHING,
        )
    ]
    marks = [texts.MARK_NAMES[m] for m in MARKS if getattr(diary, m)]
    if marks:
        lines.append(texts.SHOW_MARKS.format(marks="、".join(marks)))
    lines += [
        texts.FOLLOWUP_ITEM.format(id=f.followup.id, text=f.followup.text, status=f.status)
        for f in (await service.followups([diary.id]))[diary.id]
    ]
    return "\n".join(lines)


async def _list(service: DiaryService, speaker: Speaker) -> str:
    diaries = await service.mine(speaker.id)
    if not diaries:
        return texts.LIST_EMPTY
    followups = await service.followups([d.id for d in diaries])
    lines = [texts.LIST_HEADER]
    for diary in diaries:
        waiting = sum(f.open for f in followups[diary.id])
        lines.append(
            texts.LIST_ITEM.format(
                id=diary.id,
                day=diary.visited_on.isoformat(),
                place=service.place_name(diary),
                youths=diary.youths_met,
                open=texts.LIST_OPEN.format(count=waiting) if waiting else "",
            )
        )
    lines.append(texts.LIST_FOOTER)
    return "\n".join(lines)


def _month(service: DiaryService, word: str) -> date | None:
    """The month `word` names (本月, 上月, 2026-11, 11月), or None if it names none."""
    today = service.today()
    if word in ("本月", "这个月", "当月"):
        return today.replace(day=1)
    if word in ("上月", "上个月"):
        return parse_month("", service.clock(), service.zone)
    if MONTH.fullmatch(word) or (word.endswith("月") and word[:-1].isdecimal()):
        return parse_month(word, service.clock(), service.zone)
    return None


async def reply_to(service: DiaryService, speaker: Speaker, args: str) -> str | None:
    """The reply to `/日记 args` other than starting a diary (None: start one)."""
    args = args.strip()
    if not args:
        return None
    verb, _, rest = args.partition(" ")
    try:
        month = _month(service, args)
        if month is not None:
            return service.progress_text(await service.progress(speaker.id, month))
        if args == "列表":
            return await _list(service, speaker)
        number = _NUMBER.match(args)
        if number is not None:
            return await _show(service, speaker, int(number.group(1)))
        if verb in ("转工单", "办结"):
            found = _NUMBER.match(rest.strip())
            if found is None:
                return texts.FOLLOWUP_USAGE.format(verb=verb)
            followup_id = int(found.group(1))
            if verb == "办结":
                await service.mark_done(speaker, followup_id)
                return texts.MARKED_DONE.format(id=followup_id)
            case_id = await service.to_case(speaker, followup_id)
            return texts.TO_CASE_DONE.format(id=followup_id, case=case_id)
    except (DiaryError, ReportError) as exc:
        return str(exc)
    return texts.USAGE


async def _diary(turn: Turn) -> str | None:
    runtime, message, speaker = turn.runtime, turn.message, turn.speaker
    service = runtime.diaries
    text = await reply_to(service, speaker, turn.args)
    if text is not None:
        if not turn.in_group:
            return text
        # What a cadre heard on a visit is not for a youth group: it goes privately.
        return texts.IN_GROUP_SENT if await turn.tell_privately(text) else text
    key = ChatKey(message.platform, "", message.sender)  # always the private chat
    replies = await runtime.dialogues.start(key, KIND, speaker)
    if not turn.in_group:
        return "\n".join(replies)
    if await turn.tell_privately("\n".join(replies)):
        return texts.IN_GROUP
    await runtime.dialogues.end(key)
    return texts.IN_GROUP_NO_PRIVATE


def commands() -> list[Command]:
    """The 团情日记 command of the registry."""
    return [
        Command(
            "日记",
            _diary,
            texts.HELP,
            aliases=("团情日记",),
            who=Who.STAFF,
            refusal=texts.NOT_CADRE,
        )
    ]
