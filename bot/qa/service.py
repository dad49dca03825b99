"""The Q&A service: record every question, answer from the FAQ, offer choices, or hand over."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.faq.bands import Decision, cascade_gate, decision_from, semantic_decision_from
from bot.faq.bands import choices as offered_choices
from bot.faq.model import Band, EntryKind, FaqEntry, Match
from bot.faq.normalize import normalize
from bot.faq.service import FaqService
from bot.ops import metrics
from bot.qa import texts
from bot.qa.intents import is_handover, parse_choice, parse_feedback
from bot.qa.model import Incoming, Outcome, Reply, ReplyKind
from bot.qa.models import BotMessage, Feedback, GroupSetting, Question
from bot.safety.budget import ReplyBudget
from bot.safety.crisis import Assessment, CrisisKind, RiskLevel, assess_crisis_async
from bot.safety.masking import mask_nickname, mask_pii, mask_user
from bot.safety.ratelimit import RateLimiter, Verdict
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.inbound import DEFAULT_ACCOUNT, first_delivery
from bot.storage.models import utcnow
from bot.storage.upsert import insert_ignore

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class HandedOver:
    """A question now in a person's hands."""

    told: str | None
    """What to tell the youth (None: the default)."""
    then: Callable[[], Awaitable[None]] | None = None
    """What waits until the youth has been told (giving the case to a person, telling them)."""


class Handover(Protocol):
    """Where questions go that need a person (cases)."""

    async def hand_over(self, question: Question, *, urgent: bool, new: bool = False) -> HandedOver:
        """Open or join a case for `question` (`new`: asked just now, so in no case yet); the
        people are told in `HandedOver.then`."""
        ...

    def alerts_at_once(self, question: Question) -> bool:
        """Whether handing `question` over as urgent would reach a person now (someone on duty
        whom the bot can message unprompted), so a crisis reply may say a person was told."""
        ...


FeedbackHook = Callable[[Question, bool], Awaitable[None]]
"""Called after commit with the question a youth liked (True) or found unhelpful (False)."""
OrgsOf = Callable[[Incoming], tuple[str, ...]]
"""The org of a message's chat and its ancestors, nearest first (empty when unknown)."""

_ANSWERED = (Outcome.ANSWERED.value, Outcome.CHOSEN.value, Outcome.HUMAN.value)
_HANDOVER_FROM = (
    Outcome.ANSWERED.value,
    Outcome.CHOSEN.value,
    Outcome.SUGGESTED.value,
    Outcome.UNANSWERED.value,
    Outcome.OUT_OF_SCOPE.value,
)
_AUTO_ASK_TTL = 60.0
CRISIS_PER_MINUTE = 3
"""Crisis messages of one youth a minute answered past rate limits and the group's budget."""
_CHAT_OUTCOMES = {
    EntryKind.SMALL_TALK: Outcome.SMALL_TALK,
    EntryKind.OUT_OF_SCOPE: Outcome.OUT_OF_SCOPE,
}


@dataclass(frozen=True, slots=True)
class _Asked:
    """A question searched and decided, not yet stored."""

    question: Question
    reply: Reply
    matches: list[Match]
    crisis: Assessment | None


def _answer_beside_crisis(
    msg: Incoming, crisis: Assessment, band: Band, matches: list[Match]
) -> FaqEntry | None:
    """The FAQ entry whose answer follows the crisis reply, if any: a youth who writes "我爸喝了酒
    就打我" or "有人在群里造我的谣" asks what the rights entries answer, and gets 12355 first and
    that answer after it, not the hotline alone. Only where the decision answers directly with a
    League entry, in private chat (a group's crisis reply names nothing of what the youth wrote),
    and below imminent danger (there the reply is about getting safe now, nothing else)."""
    if band is not Band.ANSWER or msg.group_id is not None or crisis.level >= RiskLevel.IMMINENT:
        return None
    entry = matches[0].entry
    return entry if entry.kind is EntryKind.FAQ and not entry.crisis else None


class QaService:
    """Turns an `Incoming` message into a recorded question and a `Reply`."""

    def __init__(
        self,
        db: Database,
        faq: FaqService,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.faq = faq
        self.settings = settings
        self.clock = clock
        # On the service's clock, so tests move time by hand.
        self.user_limit = RateLimiter(
            settings.rate_user_per_minute, clock=lambda: self.clock().timestamp()
        )
        self.group_replies = ReplyBudget(db, settings.rate_group_per_minute, lambda: self.clock())
        """The bot's own replies per group and account, shared by every process: a flood of
        many youths can't make it burst."""
        self.crisis_limit = RateLimiter(CRISIS_PER_MINUTE, clock=lambda: self.clock().timestamp())
        """Crisis messages of one youth that skip the limits above (see `_crisis_first`)."""
        self.handover: Handover | None = None
        self.on_feedback: list[FeedbackHook] = []
        self.orgs_of: OrgsOf = lambda _msg: ()
        self.assess: Callable[[str], Awaitable[Assessment | None]] = assess_crisis_async
        """The crisis screen (bot.safety.crisis), run on every question before anything else
        (its semantic step, when on, embeds off the event loop)."""
        self._auto_ask: dict[str, tuple[float, bool]] = {}

    @metrics.observe_handle
    async def handle(self, msg: Incoming) -> Reply | None:
        """Handle one message; None when the bot should stay silent (not for it, or a re-delivery)."""
        text = msg.text.strip()
        feedback = parse_feedback(text)
        choice = parse_choice(text)
        handover = is_handover(text)
        short_reply = feedback is not None or choice is not None or handover
        normalized = normalize(text)
        # Without words (emoji, a sticker, an image) only a message addressed to the bot is one.
        as_question = msg.to_me or (bool(normalized) and await self.auto_ask(msg))
        if not short_reply and not as_question:
            return None
        refusal = None
        # Crisis first: a cry for help is answered even past rate limits, the group's reply
        # budget or the length limit.
        found = await self.assess(text) if as_question else None
        budgeted = as_question and not self._crisis_first(msg, found)
        if budgeted:
            verdict = self._admit(msg)
            if verdict is Verdict.SILENT:
                return None
            refusal = self._refusal(text, normalized, limited=verdict is Verdict.TELL)
        asked = None
        if as_question and refusal is None:
            matches, decision = await self._search(text, self.orgs_of(msg))
            asked = self._prepare(msg, text, normalized, found, matches, decision)

        after: list[Callable[[], Awaitable[HandedOver | None]]] = []
        async with self.db.session() as session:
            if not await first_delivery(session, msg.inbound_key):
                return None
            # Counted once this process has the message, so a second process that got it too
            # does not spend the group's budget as well.
            if budgeted and not await self._may_reply(msg, session):
                return None
            reply = None
            if feedback is not None:
                reply = await self._feedback(session, msg, feedback, after)
            if reply is None and choice is not None:
                reply = await self._choose(session, msg, choice)
            if reply is None and (
                handover or (feedback is False and await self._menu_open(session, msg))
            ):
                # 没用 after a “您是不是想问” menu: none of the choices fits, a person answers.
                reply = await self._handover_request(session, msg, after)
            if reply is None:
                if asked is not None:
                    reply = await self._record(session, msg, asked, after)
                else:
                    reply = refusal
        for step in after:
            handed = await self._run_after(step)
            if handed is not None and reply is not None:
                if handed.told is not None:
                    reply = replace(reply, text=handed.told)
                if handed.then is not None:
                    reply = replace(reply, follow_up=(*reply.follow_up, handed.then))
        if reply is not None and not as_question and not await self._may_reply(msg):
            # A short reply (a like, a number) over the group's budget: its work still runs.
            for follow_up in reply.follow_up:
                await self._run_after(follow_up)
            return None
        return reply

    async def command(self, msg: Incoming, run: Callable[[], Awaitable[str | None]]) -> str | None:
        """The reply to a youth's command that is not a question (我的数据, 删除我的数据, 确认删除,
        我的问题, 报名…), counted against the same limits as a question: `run()` within them;
        over the sender's limit the rate-limit notice once, then None (stay silent), as for a
        question; None too when the group's reply budget is spent. Every chat surface calls it
        for these commands: the one place they meet the limiter."""
        verdict = self._admit(msg)
        if verdict is Verdict.SILENT or not await self._may_reply(msg):
            return None
        if verdict is Verdict.TELL:
            return texts.RATE_LIMITED
        return await run()

    def limited(self, platform: str, user_id: str) -> bool:
        """Whether this youth is over their limit now (the bot stays silent to them)."""
        return self.user_limit.retry_after(f"{platform}:{user_id}") > 0

    @metrics.observe_sent
    async def sent(
        self,
        platform: str,
        message_id: str | None,
        reply: Reply,
        *,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        """The reply went out (`message_id`: its platform id, if known) through the bot account
        `account`: remember it, so a quote of it through that account finds its question, then
        run what waited for it. Call it even if sending failed."""
        if reply.remember and message_id:
            async with self.db.session() as session:
                await insert_ignore(
                    session,
                    BotMessage,
                    platform=platform,
                    account=account,
                    message_id=message_id,
                    question_id=reply.question_id,
                    sent_at=self.clock(),
                )
        for step in reply.follow_up:
            await self._run_after(step)

    async def recent_questions(
        self, platform: str, user_id: str, group_id: str | None = None, limit: int = 5
    ) -> list[Question]:
        """The youth's latest questions, newest first (for 我的问题); only one group's if given,
        so a group never sees what the youth asked in private."""
        where = [Question.platform == platform, Question.user_id == user_id]
        if group_id is not None:
            where.append(Question.group_id == group_id)
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Question)
                .where(*where)
                .order_by(Question.created_at.desc(), Question.id.desc())
                .limit(limit)
            )
            return list(rows)

    async def auto_ask(self, msg: Incoming) -> bool:
        """Whether every message of this group reads as a question (cached briefly)."""
        if msg.group_id is None:
            return True
        key = f"{msg.platform}:{msg.group_id}"
        cached = self._auto_ask.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with self.db.session() as session:
            setting = await session.scalar(
                select(GroupSetting.auto_ask).where(
                    GroupSetting.platform == msg.platform, GroupSetting.group_id == msg.group_id
                )
            )
        value = self.settings.group_auto_ask if setting is None else bool(setting)
        self._auto_ask[key] = (time.monotonic() + _AUTO_ASK_TTL, value)
        return value

    async def set_auto_ask(self, platform: str, group_id: str, enabled: bool) -> None:
        """Switch auto-ask for one group."""
        async with self.db.session() as session:
            setting = await session.scalar(
                select(GroupSetting).where(
                    GroupSetting.platform == platform, GroupSetting.group_id == group_id
                )
            )
            if setting is None:
                session.add(GroupSetting(platform=platform, group_id=group_id, auto_ask=enabled))
            else:
                setting.auto_ask = enabled
        self._auto_ask[f"{platform}:{group_id}"] = (time.monotonic() + _AUTO_ASK_TTL, enabled)

    def _crisis_first(self, msg: Incoming, found: Assessment | None) -> bool:
        """Whether a crisis message skips the limits: up to CRISIS_PER_MINUTE of one youth's a
        minute do (a youth in crisis often writes several in a row); more go through the
        limits like any message, so a flood of them cannot flood cadres with alerts."""
        return (
            found is not None
            and found.is_crisis
            and self.crisis_limit.allow(f"{msg.platform}:{msg.user_id}")
        )

    def _admit(self, msg: Incoming) -> Verdict:
        """Count a message to the bot against its sender's limit: over it they are told once
        (TELL), then the bot stays silent until the window lets them in (SILENT). The group's
        reply budget is counted apart (`_may_reply`)."""
        verdict = self.user_limit.check(f"{msg.platform}:{msg.user_id}")
        if verdict is Verdict.SILENT:
            log.info(
                "rate limited %s user %s: message %s not answered (already told)",
                msg.platform,
                mask_user(msg.user_id),
                msg.message_id,
            )
            return verdict
        if verdict is Verdict.TELL:
            log.info("rate limited %s user %s: told once", msg.platform, mask_user(msg.user_id))
        return verdict

    async def _may_reply(self, msg: Incoming, session: AsyncSession | None = None) -> bool:
        """Count one reply against the group's budget (in `session`'s transaction if given);
        False (logged) when it is spent. A group that gets no reply is never told why."""
        if msg.group_id is None or await self.group_replies.take(
            msg.platform, msg.account, msg.group_id, session
        ):
            return True
        log.warning(
            "%s group %s: over %d replies a minute, message %s from %s not answered",
            msg.platform,
            msg.group_id,
            self.group_replies.limit,
            msg.message_id,
            mask_user(msg.user_id),
        )
        return False

    def _refusal(self, text: str, normalized: str, *, limited: bool) -> Reply | None:
        if limited:
            return Reply(ReplyKind.RATE_LIMITED, texts.RATE_LIMITED)
        if not normalized:
            # Nothing but emoji, punctuation, invisible characters or @s: no question to record.
            return Reply(ReplyKind.EMPTY, texts.EMPTY if not text else texts.NO_WORDS)
        if len(text) > self.settings.max_question_chars:
            return Reply(
                ReplyKind.TOO_LONG, texts.TOO_LONG.format(limit=self.settings.max_question_chars)
            )
        return None

    def _prepare(
        self,
        msg: Incoming,
        text: str,
        normalized: str,
        found: Assessment | None,
        matches: list[Match],
        decision: Decision,
    ) -> _Asked:
        """Decide on the search's `matches` with `decision`, before any database work, so write
        transactions stay short. `found`: what the crisis screen made of `text`."""
        now = self.clock()
        orgs = self.orgs_of(msg)
        band = decision.classify(matches)
        offered = offered_choices(matches, self.settings.faq_max_choices)
        if band is Band.SUGGEST and not offered:
            band = Band.ESCALATE
        crisis_entry = None
        if (found is None or not found.is_crisis) and band is not Band.ESCALATE:
            # A second net under the screen: the best match answers a cry for help.
            crisis_entry = matches[0].entry if matches[0].entry.crisis else None
            if crisis_entry is not None:
                found = Assessment(
                    CrisisKind.SELF_HARM,
                    RiskLevel.DISTRESS,
                    f"问题与危机求助条目“{crisis_entry.question}”相符",
                )
        crisis = found if found is not None and found.is_crisis else None
        question = Question(
            platform=msg.platform,
            group_id=msg.group_id,
            user_id=msg.user_id,
            message_id=msg.message_id,
            account=msg.account,
            text=text,
            normalized=normalized,
            matches=[{"id": m.entry.id, "score": round(m.score, 4)} for m in matches],
            band=band.value,
            created_at=now,
            org_id=orgs[0] if orgs else None,
            asker=mask_nickname(msg.nickname),
            risk_level=int(found.level) if found is not None else None,
            risk_reason=found.reason if found is not None else None,
        )
        entry: FaqEntry | None = None
        choices: tuple[FaqEntry, ...] = ()
        told = crisis is not None and self._alerts_at_once(question)
        if crisis is not None and crisis_entry is not None:
            question.outcome, question.entry_id = Outcome.CRISIS.value, crisis_entry.id
            kind, reply_text = ReplyKind.CRISIS, texts.crisis_answer(crisis_entry, told)
        elif crisis is not None:
            question.outcome = Outcome.CRISIS.value
            also = _answer_beside_crisis(msg, crisis, band, matches)
            if also is not None:
                question.entry_id = also.id
            kind, reply_text = (
                ReplyKind.CRISIS,
                texts.crisis(crisis.level, msg.group_id is not None, told, also),
            )
        elif band is Band.ANSWER and matches[0].entry.kind is not EntryKind.FAQ:
            # Small talk or a question outside the League's remit: a kind reply, no case.
            chat = matches[0].entry
            question.entry_id = chat.id
            question.outcome = _CHAT_OUTCOMES[chat.kind].value
            kind, reply_text = ReplyKind.SMALL_TALK, texts.small_talk(chat)
        elif band is Band.ANSWER:
            entry = matches[0].entry
            question.outcome, question.entry_id, question.answered_at = (
                Outcome.ANSWERED.value,
                entry.id,
                now,
            )
            kind, reply_text = ReplyKind.ANSWER, texts.answer(entry)
        elif band is Band.SUGGEST:
            choices = offered
            question.outcome = Outcome.SUGGESTED.value
            kind, reply_text = ReplyKind.SUGGEST, texts.suggest(choices)
        else:
            question.outcome = Outcome.UNANSWERED.value
            kind, reply_text = ReplyKind.UNANSWERED, texts.UNANSWERED
        return _Asked(question, Reply(kind, reply_text, None, entry, choices), matches, crisis)

    async def _record(
        self,
        session: AsyncSession,
        msg: Incoming,
        asked: _Asked,
        after: list[Callable[[], Awaitable[HandedOver | None]]],
    ) -> Reply:
        question, matches, crisis = asked.question, asked.matches, asked.crisis
        session.add(question)
        await session.flush()
        log.info(
            "question %s from %s in %s: %r -> %s (%s)",
            question.id,
            mask_user(msg.user_id),
            msg.group_id or "private",
            mask_pii(question.text),
            question.outcome,
            ", ".join(f"{m.entry.id}:{m.score:.2f}" for m in matches[:3]),
        )
        if crisis is not None:
            log.warning(
                "crisis question %s (%s, level %d: %s): hotline given",
                question.id,
                crisis.kind.value,
                crisis.level,
                crisis.reason,
            )
            after.append(self._hand_over(question, urgent=True, new=True, after_reply=True))
        elif question.outcome == Outcome.UNANSWERED.value:
            after.append(self._hand_over(question, urgent=False, new=True))
        return replace(asked.reply, question_id=question.id)

    def _alerts_at_once(self, question: Question) -> bool:
        """Whether a crisis reply may say a person has been told (see `Handover.alerts_at_once`);
        a failing check says no rather than lose the reply."""
        if self.handover is None:
            return False
        try:
            return self.handover.alerts_at_once(question)
        except Exception:
            log.exception("could not tell whether anyone is reachable")
            return False

    async def _search(self, text: str, orgs: tuple[str, ...]) -> tuple[list[Match], Decision]:
        """FAQ matches and the decision that applies to them; an entry scoped to orgs (a
        learned one: its case's org) shows only in chats of those orgs or below; a chat of no
        known org sees unscoped entries only. With the semantic layer, a question the lexical
        result is not sure of also goes through the semantic step (`FaqService.search_decided`)
        and is decided by the semantic decision."""
        # From the current settings: they may be replaced while the bot runs.
        settings = self.settings
        lexical = decision_from(settings)
        gate = cascade_gate(lexical, settings.faq_semantic_skip_probability)
        searched = await self.faq.search_decided(text, max(5, settings.faq_max_choices), gate, orgs)
        decision = semantic_decision_from(settings) if searched.semantic else lexical
        return searched.matches, decision

    def _hand_over(
        self, question: Question, *, urgent: bool, new: bool = False, after_reply: bool = False
    ) -> Callable[[], Awaitable[HandedOver | None]]:
        """The step that hands `question` to a person. `after_reply`: the reply says nothing of
        the case (the crisis hotline), so the youth has it before the case is even opened."""

        async def hand_over() -> HandedOver | None:
            if self.handover is None:
                return None
            return await self.handover.hand_over(question, urgent=urgent, new=new)

        async def hand_over_and_tell() -> None:
            handed = await hand_over()
            if handed is not None and handed.then is not None:
                await handed.then()

        async def later() -> HandedOver:
            return HandedOver(None, hand_over_and_tell)

        return later if after_reply else hand_over

    @staticmethod
    async def _run_after(step: Callable[[], Awaitable[_T]]) -> _T | None:
        # A failing step must not lose the youth's reply: the question is already stored.
        try:
            return await step()
        except Exception:
            log.exception("step after a question failed")
            return None

    async def _handover_request(
        self,
        session: AsyncSession,
        msg: Incoming,
        after: list[Callable[[], Awaitable[HandedOver | None]]],
    ) -> Reply | None:
        """转人工: hand the youth's latest question to a person."""
        if self.handover is None:
            return None
        question = await self._target(session, msg, _HANDOVER_FROM)
        if question is None:
            return Reply(ReplyKind.HANDOVER, texts.NO_QUESTION_TO_HAND_OVER) if msg.to_me else None
        if question.user_id != msg.user_id:
            return None
        question.outcome = Outcome.UNANSWERED.value
        after.append(self._hand_over(question, urgent=False))
        return Reply(ReplyKind.HANDOVER, texts.UNANSWERED, question.id)

    async def _menu_open(self, session: AsyncSession, msg: Incoming) -> bool:
        """Whether the asker's latest question got choices none of which was picked yet."""
        return await self._target(session, msg, (Outcome.SUGGESTED.value,)) is not None

    async def _target(
        self, session: AsyncSession, msg: Incoming, outcomes: tuple[str, ...]
    ) -> Question | None:
        """The question a short reply refers to: the quoted bot message's, else the asker's latest."""
        if msg.reply_to:
            question = await session.scalar(
                select(Question)
                .join(BotMessage, BotMessage.question_id == Question.id)
                .where(
                    BotMessage.platform == msg.platform,
                    BotMessage.message_id == msg.reply_to,
                    # Message ids are unique per account; rows from before ("") match any.
                    BotMessage.account.in_({msg.account, ""}),
                )
                .order_by(BotMessage.account.desc())
                .limit(1)
            )
            if question is not None and question.outcome in outcomes:
                return question
        since = self.clock() - timedelta(minutes=self.settings.choice_ttl_minutes)
        chat = Question.group_id == msg.group_id if msg.group_id else Question.group_id.is_(None)
        # The asker's latest question only: 没用 after a “您是不是想问” menu is about the menu,
        # not about an answer from before it.
        latest = await session.scalar(
            select(Question)
            .where(
                Question.platform == msg.platform,
                chat,
                Question.user_id == msg.user_id,
                Question.created_at >= since,
            )
            .order_by(Question.created_at.desc(), Question.id.desc())
            .limit(1)
        )
        return latest if latest is not None and latest.outcome in outcomes else None

    async def _feedback(
        self,
        session: AsyncSession,
        msg: Incoming,
        helpful: bool,
        after: list[Callable[[], Awaitable[HandedOver | None]]],
    ) -> Reply | None:
        question = await self._target(session, msg, _ANSWERED)
        if question is None:
            return None
        counted = await insert_ignore(
            session,
            Feedback,
            question_id=question.id,
            entry_id=question.entry_id,
            platform=msg.platform,
            user_id=msg.user_id,
            helpful=helpful,
            created_at=self.clock(),
        )
        if not counted:
            # 没用 after 赞 (or 赞 after 没用) is a change of mind: it replaces the first one, so
            # "已记录" is true. The same word again changes nothing.
            changed = await session.execute(
                update(Feedback)
                .where(
                    Feedback.question_id == question.id,
                    Feedback.user_id == msg.user_id,
                    Feedback.helpful != helpful,
                )
                .values(helpful=helpful, created_at=self.clock())
            )
            counted = bool(changed.rowcount)
        log.info("feedback on question %s: %s", question.id, "like" if helpful else "not helpful")
        # One youth's feedback counts once: a second 赞 is thanked, not told to the hooks again.
        for hook in self.on_feedback if counted else ():
            after.append(self._feedback_step(hook, question, helpful))
        if helpful:
            return Reply(ReplyKind.THANKS, texts.THANKS, question.id)
        return Reply(ReplyKind.SORRY, texts.SORRY, question.id)

    @staticmethod
    def _feedback_step(
        hook: FeedbackHook, question: Question, helpful: bool
    ) -> Callable[[], Awaitable[HandedOver | None]]:
        async def step() -> HandedOver | None:
            await hook(question, helpful)
            return None

        return step

    async def _choose(self, session: AsyncSession, msg: Incoming, number: int) -> Reply | None:
        question = await self._target(session, msg, (Outcome.SUGGESTED.value,))
        if question is None or question.user_id != msg.user_id:
            return None
        offered = [m["id"] for m in question.matches][: self.settings.faq_max_choices]
        if number > len(offered):
            return Reply(ReplyKind.CHOICE_INVALID, texts.CHOICE_INVALID.format(count=len(offered)))
        entry = self.faq.get(offered[number - 1])
        if entry is None:
            # The entry vanished in a reload since the choices were offered.
            return None
        question.outcome, question.entry_id, question.answered_at = (
            Outcome.CHOSEN.value,
            entry.id,
            self.clock(),
        )
        log.info("question %s: youth chose %s", question.id, entry.id)
        return Reply(ReplyKind.ANSWER, texts.answer(entry), question.id, entry)
