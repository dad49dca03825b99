"""The cadre commands as text in, text out, shared by every chat surface (QQ, 企业微信…)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.cases import texts
from bot.cases.review import LearnedReview
from bot.cases.service import CaseError, CaseService
from bot.cases.stats import report
from bot.chat.registry import Command, Who
from bot.chat.speaker import Speaker
from bot.common.text import clean_text
from bot.safety.masking import mask_pii

_NUMBER_AND_REST = re.compile(r"#?(\d+)(?:\s+(.*))?$", re.DOTALL)
_REF_AND_REST = re.compile(r"(\S+)\s*(.*)$", re.DOTALL)
COMMANDS = ("答", "待办", "认领", "转", "关闭", "入库", "统计", "待审核", "通过", "驳回")
ALIASES = {"回答": "答", "转交": "转", "审核": "待审核"}
REVIEW_COMMANDS = frozenset({"待审核", "通过", "驳回"})
"""Admins only: the review of learned FAQ entries."""
HELP = {
    "答": "答 编号 答案：回复一个问题",
    "待办": "待办：查看待处理的问题",
    "认领": "认领 编号：认领一个问题",
    "转": "转 编号 人员：转给别人处理",
    "关闭": "关闭 编号 原因：关闭一个问题",
    "入库": "入库 编号：把答案加入问答库（待审核）",
    "统计": "统计 [组织编号|网页] [开始日期 [结束日期]]：答疑数据",
    "待审核": "待审核：查看待审核的问答",
    "通过": "通过 编号 [修改后的答案]：审核通过",
    "驳回": "驳回 编号 [原因]：审核驳回",
}

if TYPE_CHECKING:
    from bot.chat.conversation import Turn


def commands() -> list[Command]:
    """The cadre commands (and the admins' review), for the command registry."""
    aliases: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    return [
        Command(
            name,
            _run,
            HELP[name],
            aliases=tuple(aliases.get(name, ())),
            who=Who.ADMIN if name in REVIEW_COMMANDS else Who.STAFF,
            refusal=texts.NOT_REVIEWER if name in REVIEW_COMMANDS else texts.NOT_CADRE,
        )
        for name in COMMANDS
    ]


async def _run(turn: Turn) -> str:
    return await CaseCommands(turn.runtime.cases).run(turn.speaker, turn.name, turn.args)


class CaseCommands:
    """Runs /答 /待办 /认领 /转 /关闭 /入库 /统计, and for admins /待审核 /通过 /驳回, for an
    identified actor; refusals become replies.

    Every surface's command text passes `clean_text` here, so an answer with a NUL or a lone
    surrogate is stored and sent instead of failing in the database."""

    def __init__(self, cases: CaseService, review: LearnedReview | None = None) -> None:
        self.cases = cases
        self.review = review or LearnedReview(
            cases.db, cases.faq, cases.grid_service, cases.settings, cases.clock, cases.channels
        )
        self._handlers: dict[str, Callable[[Speaker, str], Awaitable[str]]] = {
            "答": self._answer,
            "待办": self._todo,
            "认领": self._claim,
            "转": self._reassign,
            "关闭": self._close,
            "入库": self._learn,
            "统计": self._stats,
            "待审核": self._pending,
            "通过": self._approve,
            "驳回": self._reject,
        }

    async def run(self, actor: Speaker, command: str, args: str) -> str:
        """The reply to `/command args` from `actor`."""
        command = ALIASES.get(command, command)
        try:
            if command in REVIEW_COMMANDS:
                if not self.review.may_review(actor):
                    raise CaseError(texts.NOT_REVIEWER)
            elif not actor.is_staff:
                raise CaseError(texts.NOT_CADRE)
            return await self._handlers[command](actor, clean_text(args).strip())
        except CaseError as exc:
            return str(exc)

    async def answer_quoted(self, actor: Speaker, case_id: int, answer: str) -> str:
        """The reply to a cadre who quoted the notification of `case_id` with `answer`."""
        answer = clean_text(answer)
        try:
            if not answer:
                raise CaseError(texts.USAGE["答"])
            return await self._send_answer(actor, case_id, answer)
        except CaseError as exc:
            return str(exc)

    @staticmethod
    def _case_and_rest(command: str, args: str) -> tuple[int, str]:
        """The case number and the rest (which may start on the next line)."""
        match = _NUMBER_AND_REST.match(args)
        if match is None:
            raise CaseError(texts.USAGE[command])
        return int(match.group(1)), (match.group(2) or "").strip()

    async def _send_answer(self, actor: Speaker, case_id: int, answer: str) -> str:
        result = await self.cases.answer(case_id, actor, answer)
        return texts.answer_sent(
            case_id,
            result.sent,
            result.held,
            result.polled,
            privately=result.privately,
            private_waiting=result.private_waiting,
            group_only=result.group_only,
        )

    async def _answer(self, actor: Speaker, args: str) -> str:
        case_id, answer = self._case_and_rest("答", args)
        if not answer:
            raise CaseError(texts.USAGE["答"])
        return await self._send_answer(actor, case_id, answer)

    async def _todo(self, actor: Speaker, _args: str) -> str:
        cases = await self.cases.todo(actor)
        if not cases:
            return texts.TASKS_EMPTY
        lines = [texts.TASKS_HEADER.format(count=len(cases))]
        shown = cases[:20]
        unnotified = await self.cases.unnotified(shown)
        for case in shown:
            due = (
                texts.TASKS_DUE.format(due=self.cases.local_time(case.due_at))
                if case.due_at
                else ""
            )
            lines.append(
                texts.TASKS_ITEM.format(
                    mark=texts.mark(case.urgent, case.risk_level),
                    case=case.id,
                    question=mask_pii(case.text)[:30],
                    status=texts.UNNOTIFIED if case.id in unnotified else texts.STATUS[case.status],
                    due=due,
                    reason=f"：{case.risk_reason}" if case.urgent and case.risk_reason else "",
                )
            )
        return "\n".join(lines)

    async def _claim(self, actor: Speaker, args: str) -> str:
        case_id, _ = self._case_and_rest("认领", args)
        due = await self.cases.claim(case_id, actor)
        return texts.CLAIMED.format(case=case_id, due=self.cases.local_time(due))

    async def _reassign(self, actor: Speaker, args: str) -> str:
        case_id, who = self._case_and_rest("转", args)
        if not who:
            raise CaseError(texts.USAGE["转"])
        person = await self.cases.reassign(case_id, actor, who)
        return texts.REASSIGNED.format(case=case_id, name=person.name)

    async def _close(self, actor: Speaker, args: str) -> str:
        case_id, reason = self._case_and_rest("关闭", args)
        if not reason:
            raise CaseError(texts.USAGE["关闭"])
        await self.cases.close(case_id, actor, reason)
        return texts.CLOSED.format(case=case_id)

    async def _learn(self, actor: Speaker, args: str) -> str:
        case_id, _ = self._case_and_rest("入库", args)
        entry = await self.cases.learn(case_id, actor)
        if self.cases.settings.faq_learned_auto_publish:
            return texts.LEARNED_LIVE.format(case=case_id, entry=entry)
        await self.review.tell_reviewers(entry, actor)
        return texts.LEARNED.format(case=case_id, entry=entry)

    async def _pending(self, actor: Speaker, _args: str) -> str:
        entries = await self.review.pending(actor)
        if not entries:
            return texts.REVIEW_EMPTY
        lines = [texts.REVIEW_HEADER.format(count=len(entries))]
        lines += [
            texts.REVIEW_ITEM.format(
                ref=e.ref,
                question=e.question,
                answer=_short(e.answer, 80),
                scope=self.review.scope(e),
            )
            for e in entries[:10]
        ]
        lines.append(texts.REVIEW_FOOTER)
        return "\n".join(lines)

    @staticmethod
    def _ref_and_rest(command: str, args: str) -> tuple[str, str]:
        """An entry (case number or id) and the rest, which may start on the next line."""
        match = _REF_AND_REST.match(args)
        if match is None:
            raise CaseError(texts.USAGE[command])
        return match.group(1), match.group(2).strip()

    async def _approve(self, actor: Speaker, args: str) -> str:
        ref, answer = self._ref_and_rest("通过", args)
        entry = await self.review.approve(actor, ref, answer)
        return texts.APPROVED.format(entry=entry.id)

    async def _reject(self, actor: Speaker, args: str) -> str:
        ref, reason = self._ref_and_rest("驳回", args)
        entry = await self.review.reject(actor, ref, reason)
        return texts.REJECTED.format(entry=entry.id)

    def _date(self, text: str) -> datetime:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=self.cases.calendar.zone)
        except ValueError as exc:
            raise CaseError(texts.USAGE["统计"]) from exc

    async def _stats(self, actor: Speaker, args: str) -> str:
        """/统计 [组织编号] [开始日期 [结束日期]]; a cadre sees their own orgs' figures."""
        grid = self.cases.grid
        words = args.split()
        org_id = words.pop(0) if words and not words[0][:1].isdigit() else None
        web = org_id == texts.STATS_WEB and org_id not in grid.orgs
        if web:
            # The try page's questions belong to no org: a bucket of their own, for admins.
            if not actor.is_admin:
                raise CaseError(texts.NOT_ALLOWED_STATS)
            org_id = None
        elif org_id is not None and org_id not in grid.orgs:
            raise CaseError(texts.UNKNOWN_ORG.format(org=org_id))
        if org_id is None and not actor.is_admin and actor.person is not None:
            org_id = actor.person.orgs[0] if actor.person.orgs else None
        if org_id is not None and not (
            actor.is_admin or (actor.person and grid.is_above_or_at(actor.person, org_id))
        ):
            raise CaseError(texts.NOT_ALLOWED_STATS)
        since = self._date(words[0]) if words else None
        until = self._date(words[1]) + timedelta(days=1) if len(words) > 1 else None
        orgs = grid.descendants(org_id) if org_id else None
        figures = await report(
            self.cases.db,
            self.cases.clock(),
            orgs,
            since,
            until,
            unassigned_on="web" if web else None,
        )
        names = {org.id: org.name for org in grid.orgs.values()}
        scope = (
            texts.UNASSIGNED_BUCKETS["web"]
            if web
            else names.get(org_id, org_id)
            if org_id
            else "全部"
        )
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
            [
                (texts.UNASSIGNED_BUCKETS.get(platform, platform), n)
                for platform, n in sorted(figures.unassigned.items())
            ],
        )


def _short(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
