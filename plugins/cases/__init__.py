"""Cases in chat: cadres answer by quoting a notification or with /答, and manage their to-dos;
youths get held answers the next time they talk to the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import nonebot
from nonebot import on_command, on_message
from nonebot.adapters.onebot.v11 import GroupMessageEvent, Message, MessageEvent
from nonebot.matcher import Matcher
from nonebot.params import CommandArg
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot.cases import texts
from bot.cases.service import Actor, CaseError
from bot.cases.stats import report
from bot.runtime import get_runtime
from plugins.qa import PLATFORM, plain_text, render_text

__plugin_meta__ = PluginMetadata(
    name="青声工单",
    description="团干部处理转人工的问题：引用通知回复即可作答，/待办 查看待处理问题。",
    usage=(
        "引用问题通知直接回复答案\n/答 编号 答案\n/待办\n/认领 编号\n/转 编号 人员\n"
        "/关闭 编号 原因\n/入库 编号\n/统计 [组织编号] [开始日期 [结束日期]]"
    ),
)


def actor_of(event: MessageEvent) -> Actor:
    """Who is speaking: a grid person (by QQ number) and/or a superuser."""
    account = str(event.user_id)
    person = get_runtime().grid.grid.person_by_account(PLATFORM, account)
    is_admin = account in nonebot.get_driver().config.superusers
    return Actor(PLATFORM, account, person, is_admin)


async def _quotes_a_case(event: MessageEvent) -> bool:
    if event.reply is None:
        return False
    case_id = await get_runtime().cases.case_for_message(PLATFORM, str(event.reply.message_id))
    return case_id is not None and actor_of(event).is_staff


answer_by_quote = on_message(rule=Rule(_quotes_a_case), priority=10, block=True)
answer_cmd = on_command("答", aliases={"回答"}, priority=5, block=True)
todo_cmd = on_command("待办", priority=5, block=True)
claim_cmd = on_command("认领", priority=5, block=True)
reassign_cmd = on_command("转", aliases={"转交"}, priority=5, block=True)
close_cmd = on_command("关闭", priority=5, block=True)
learn_cmd = on_command("入库", priority=5, block=True)
stats_cmd = on_command("统计", priority=5, block=True)
release = on_message(priority=60, block=False)


def _staff(event: MessageEvent) -> Actor:
    actor = actor_of(event)
    if not actor.is_staff:
        raise CaseError(texts.NOT_CADRE)
    return actor


def _case_and_rest(command: str, arg: Message) -> tuple[int, str]:
    number, _, rest = arg.extract_plain_text().strip().lstrip("#").partition(" ")
    if not number.isdigit():
        raise CaseError(texts.USAGE[command])
    return int(number), rest.strip()


async def _run(
    matcher: type[Matcher], event: MessageEvent, work: Callable[[], Awaitable[str]]
) -> None:
    """Run a command's work and reply with its result, or with the refusal it raised."""
    try:
        text = await work()
    except CaseError as exc:
        text = str(exc)
    await matcher.finish(render_text(event, text))


@answer_by_quote.handle()
async def handle_answer_by_quote(event: MessageEvent) -> None:
    """A cadre quoting a case notification: the text is the answer."""

    async def work() -> str:
        assert event.reply is not None
        case_id = await get_runtime().cases.case_for_message(PLATFORM, str(event.reply.message_id))
        answer = plain_text(event.message)
        if not answer or case_id is None:
            raise CaseError(texts.USAGE["答"])
        return await _answer(case_id, actor_of(event), answer)

    await _run(answer_by_quote, event, work)


async def _answer(case_id: int, actor: Actor, answer: str) -> str:
    result = await get_runtime().cases.answer(case_id, actor, answer)
    held = texts.ANSWER_HELD.format(held=result.held) if result.held else ""
    return texts.ANSWER_SENT.format(case=case_id, sent=result.sent, held=held)


@answer_cmd.handle()
async def handle_answer(event: MessageEvent, arg: Message = CommandArg()) -> None:
    """/答 <编号> <内容>"""

    async def work() -> str:
        actor = _staff(event)
        case_id, answer = _case_and_rest("答", arg)
        if not answer:
            raise CaseError(texts.USAGE["答"])
        return await _answer(case_id, actor, answer)

    await _run(answer_cmd, event, work)


@todo_cmd.handle()
async def handle_todo(event: MessageEvent) -> None:
    """/待办: my open cases."""

    async def work() -> str:
        actor = _staff(event)
        runtime = get_runtime()
        cases = await runtime.cases.todo(actor)
        if not cases:
            return texts.TODO_EMPTY
        lines = [texts.TODO_HEADER.format(count=len(cases))]
        for case in cases[:20]:
            due = runtime.cases.local_time(case.due_at) if case.due_at else "尽快"
            lines.append(
                texts.TODO_ITEM.format(
                    case=case.id, question=case.text[:30], status=texts.STATUS[case.status], due=due
                )
            )
        return "\n".join(lines)

    await _run(todo_cmd, event, work)


@claim_cmd.handle()
async def handle_claim(event: MessageEvent, arg: Message = CommandArg()) -> None:
    """/认领 <编号>"""

    async def work() -> str:
        actor = _staff(event)
        case_id, _ = _case_and_rest("认领", arg)
        await get_runtime().cases.claim(case_id, actor)
        return texts.CLAIMED.format(case=case_id)

    await _run(claim_cmd, event, work)


@reassign_cmd.handle()
async def handle_reassign(event: MessageEvent, arg: Message = CommandArg()) -> None:
    """/转 <编号> <人>"""

    async def work() -> str:
        actor = _staff(event)
        case_id, who = _case_and_rest("转", arg)
        if not who:
            raise CaseError(texts.USAGE["转"])
        person = await get_runtime().cases.reassign(case_id, actor, who)
        return texts.REASSIGNED.format(case=case_id, name=person.name)

    await _run(reassign_cmd, event, work)


@close_cmd.handle()
async def handle_close(event: MessageEvent, arg: Message = CommandArg()) -> None:
    """/关闭 <编号> <原因>"""

    async def work() -> str:
        actor = _staff(event)
        case_id, reason = _case_and_rest("关闭", arg)
        if not reason:
            raise CaseError(texts.USAGE["关闭"])
        await get_runtime().cases.close(case_id, actor, reason)
        return texts.CLOSED.format(case=case_id)

    await _run(close_cmd, event, work)


@learn_cmd.handle()
async def handle_learn(event: MessageEvent, arg: Message = CommandArg()) -> None:
    """/入库 <编号>"""

    async def work() -> str:
        actor = _staff(event)
        case_id, _ = _case_and_rest("入库", arg)
        entry = await get_runtime().cases.learn(case_id, actor)
        return texts.LEARNED.format(case=case_id, entry=entry)

    await _run(learn_cmd, event, work)


def _date(text: str) -> datetime:
    zone = get_runtime().cases.calendar.zone
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError as exc:
        raise CaseError(texts.USAGE["统计"]) from exc


@stats_cmd.handle()
async def handle_stats(event: MessageEvent, arg: Message = CommandArg()) -> None:
    """/统计 [组织编号] [开始日期 [结束日期]] (admins; a cadre sees their own orgs' figures)."""

    async def work() -> str:
        actor = _staff(event)
        runtime = get_runtime()
        grid = runtime.grid.grid
        words = arg.extract_plain_text().split()
        org_id = words.pop(0) if words and not words[0][:1].isdigit() else None
        if org_id is not None and org_id not in grid.orgs:
            raise CaseError(texts.UNKNOWN_ORG.format(org=org_id))
        if org_id is None and not actor.is_admin and actor.person is not None:
            org_id = actor.person.orgs[0] if actor.person.orgs else None
        if org_id is not None and not (
            actor.is_admin or (actor.person and grid.is_above_or_at(actor.person, org_id))
        ):
            raise CaseError(texts.NOT_ALLOWED_STATS)
        since = _date(words[0]) if words else None
        until = _date(words[1]) + timedelta(days=1) if len(words) > 1 else None
        orgs = grid.descendants(org_id) if org_id else None
        figures = await report(runtime.db, runtime.cases.clock(), orgs, since, until)
        names = {org.id: org.name for org in grid.orgs.values()}
        scope = names.get(org_id, org_id) if org_id else "全部"
        if since is not None:
            scope += f"（{words[0]} 起" + (f"至 {words[1]}）" if until else "）")
        median = figures.median_first_response
        return texts.stats(
            scope,
            figures.collected,
            figures.by_faq,
            figures.by_people,
            figures.answer_rate,
            texts.duration(median) if median is not None else "暂无",
            figures.likes,
            sorted(
                ((names.get(org or "", "未分组"), n) for org, n in figures.overdue_by_org.items()),
                key=lambda item: -item[1],
            ),
        )

    await _run(stats_cmd, event, work)


@release.handle()
async def handle_release(event: MessageEvent) -> None:
    """Deliver answers held for this chat, now that someone talks to the bot here."""
    if not event.to_me:
        return
    group_id = str(event.group_id) if isinstance(event, GroupMessageEvent) else None
    await get_runtime().cases.release_held(PLATFORM, str(event.user_id), group_id)
