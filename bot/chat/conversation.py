"""The conversation, written once for every surface (QQ, 服务号, 企业微信, the try page).

A surface translates its event into a `Message` (platform, bot account, chat, sender, text,
quoted message) and hands it to `Conversation.handle` with a `send` function; the conversation
decides who is speaking (`bot.chat.speaker`), runs a command of the registry
(`bot.chat.registry`), a guided dialogue (`bot.chat.dialogue`: 微心愿, sign-up fields,
/发布活动; a command said meanwhile ends it), an answer to a case notification, or the Q&A
service, and says what to say as platform-neutral `Bubble`s
(text, @ of the asker, quote, choices, links, an image) that the surface renders. The one place for
re-delivery checks of commands, the limits on youths' commands, `sent` after a Q&A reply, and
the release of held answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.cases.commands import CaseCommands
from bot.chat.dialogue import ChatKey, is_control
from bot.chat.registry import Who
from bot.chat.speaker import Speaker, identify
from bot.delivery.channel import SendError
from bot.qa import texts as qa_texts
from bot.qa.intents import is_handover
from bot.qa.model import Incoming, Reply, ReplyKind
from bot.safety.crisis import RiskLevel, default_detector
from bot.storage.inbound import DEFAULT_ACCOUNT, claim

if TYPE_CHECKING:
    from bot.chat.registry import Command, Registry
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

HOTLINES = re.compile(r"(?<![\d-])(12355|12356|110|120|400-161-9995)(?![\d-])")
"""Phone numbers a crisis reply gives, offered as tappable links where a surface can."""


@dataclass(frozen=True, slots=True)
class Quote:
    """The message a sender quoted."""

    message_id: str
    text: str = ""
    from_bot: bool = False
    """Sent by the bot account that received this message."""


@dataclass(frozen=True, slots=True)
class Message:
    """One incoming message, whatever the platform."""

    platform: str
    sender: str
    text: str
    message_id: str
    account: str = DEFAULT_ACCOUNT
    """The bot account that received it (QQ: self_id; 服务号: AppID; 企业微信: CorpID)."""
    chat: str | None = None
    """The group id; None in private chat."""
    to_me: bool = True
    """Addressed to the bot (@, a quote of the bot, or private chat)."""
    quote: Quote | None = None
    nickname: str = ""
    group_manager: bool = False
    """The sender owns or manages this group (as the platform says)."""
    deduped: bool = False
    """The surface already made sure this is the first delivery (its own message store, or a
    fresh id); otherwise commands claim the message first."""
    can_quote: bool = True
    """Whether the platform lets a sender quote a message (企业微信's app chat cannot: a cadre's
    plain text there answers the latest case notification)."""
    reaches_privately: bool = True
    """Whether the bot can message the sender in private chat from here (from a group on the
    official QQ bot it cannot: a member's openid there is not their openid in C2C chat)."""

    @property
    def incoming(self) -> Incoming:
        """The Q&A service's view of it."""
        return Incoming(
            platform=self.platform,
            message_id=self.message_id,
            user_id=self.sender,
            text=self.text,
            group_id=self.chat,
            to_me=self.to_me,
            reply_to=self.quote.message_id if self.quote else None,
            nickname=self.nickname,
            account=self.account,
        )

    @property
    def dialogue_key(self) -> ChatKey:
        """Whose guided dialogue: this sender in this chat."""
        return ChatKey(self.platform, self.chat or "", self.sender)


@dataclass(frozen=True, slots=True)
class Link:
    """Something tappable: a phone number (tel:) or an address."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Image:
    """A picture a bubble carries (the /月报 summary), for the surfaces that can send one
    without a media upload API: OneBot and the web page. They send `caption` with it in place
    of the bubble's text; every other surface sends the bubble's text, which says it all."""

    data: bytes
    caption: str
    media_type: str = "image/png"


@dataclass(frozen=True, slots=True)
class Bubble:
    """One message to send, as parts a surface renders: the text; in a group, the message it
    quotes and the asker it @s; numbered choices (buttons where the surface has them); links;
    an image (see `Image`: the text still says everything without it)."""

    text: str
    kind: str = "command"
    quote: str | None = None
    at: str | None = None
    choices: tuple[str, ...] = ()
    with_buttons: str | None = None
    """The text where the surface shows `choices` as buttons, without their numbered list
    (`text` keeps it for surfaces of text only)."""
    links: tuple[Link, ...] = ()
    image: Image | None = field(default=None, repr=False)
    private: bool = False
    """For the sender alone, in private chat (sent from a group: sign-up fields, export links)."""
    qa: Reply | None = field(default=None, compare=False, repr=False)
    """The Q&A reply it carries (the conversation calls `sent` with its message id)."""


Send = Callable[[Bubble], Awaitable[str | None]]
"""A surface's sender: puts a bubble out, returns its platform message id if any; a private
bubble that cannot reach the sender raises `SendError`."""


@dataclass(slots=True)
class Turn:
    """What a command's handler gets: the message, who sent it, its arguments, and the means to
    say something to the sender alone."""

    conversation: Conversation
    message: Message
    speaker: Speaker
    command: Command
    name: str
    """The name or alias used."""
    args: str
    send: Send

    @property
    def runtime(self) -> Runtime:
        return self.conversation.runtime

    @property
    def in_group(self) -> bool:
        return self.message.chat is not None

    async def tell_privately(self, text: str) -> bool:
        """Send `text` to the sender in private chat; False if it could not reach them."""
        try:
            await self.send(Bubble(text, private=True))
        except SendError as exc:
            log.warning("could not message %s privately: %s", self.message.platform, exc)
            return False
        return True


Result = str | list[Bubble] | None
"""A handler's reply: a text to the asker, bubbles as they are, or nothing."""


class Conversation:
    """Reads every message of every surface (see the module docstring)."""

    def __init__(
        self,
        runtime: Runtime,
        registry: Registry,
        superusers: Collection[str] = (),
        command_start: Collection[str] = ("/",),
    ) -> None:
        self.runtime = runtime
        self.registry = registry
        self.superusers = frozenset(str(s) for s in superusers)
        self.command_start = tuple(sorted((s for s in command_start if s), key=len, reverse=True))

    def speaker(self, message: Message) -> Speaker:
        """Who sent `message` (accounts linked in the bot as last read: see `handle`)."""
        return identify(
            self.runtime.grid.grid,
            message.platform,
            message.sender,
            self.superusers,
            self.runtime.links.linked,
        )

    async def handle(
        self, message: Message, send: Send, *, qa: bool = True, speaker: Speaker | None = None
    ) -> bool:
        """Act on `message`, saying what to say through `send`; False if it was nothing for the
        bot but a question and `qa` is False (the surface then says what it says instead).

        `speaker`: who it is, when the surface knows better than the grid (the try page acting
        as a person of the grid)."""
        runtime = self.runtime
        if message.sender in runtime.settings.ignored_users:
            return True
        if speaker is None:
            await runtime.links.fresh()  # a link made in another process counts within seconds
            speaker = self.speaker(message)
        found = self.registry.match(message, self.command_start)
        key = message.dialogue_key
        # Grid people and superusers hold dialogues anywhere; a youth only in private chat
        # (/心愿 and sign-up fields ask there): a youth's group message costs no look-up.
        holds = speaker.is_staff or message.chat is None
        waiting = holds and await runtime.dialogues.active(key)
        # What the sender wants instead of answering: a command, or a person (转人工).
        other = found is not None or is_handover(message.text)
        if waiting and (not other or is_control(message.text)):
            # An answer to the step (or 退出, 帮助, which every dialogue takes itself).
            if await self._in_crisis(message.text, speaker):
                # A cry for help is no answer to the step: the dialogue ends, 12355 comes first.
                await runtime.dialogues.end(key)
                return await self._ask_instead(message, send, qa)
            if await self._first(message):
                replies = await runtime.dialogues.answer(key, speaker, message.text)
                for text in replies or []:
                    await send(Bubble(text))
            return True
        if found is not None:
            command, name, args, slash = found
            if await self._in_crisis(args, speaker):
                # "/心愿 我爸天天打我": what the youth wrote is answered first, as a question.
                return await self._ask_instead(replace(message, text=args), send, qa)
            if await self._first(message):
                if waiting:
                    await self._leave(key, speaker, send)
                await self._run(Turn(self, message, speaker, command, name, args, send))
                if (command.who is Who.ANYONE and not slash) or speaker.is_staff:
                    # Talking to the bot as to a person (我的问题, 报名 3): what people
                    # answered meanwhile goes out too, as after a question. A cadre gets
                    # what waited for them (case notifications on the official QQ bot) after
                    # any command.
                    await self._release_held(message, send)
            return True
        if speaker.is_staff:
            case_id = await self._case_answered(message, speaker)
            if case_id is not None:
                if await self._first(message):
                    text = await CaseCommands(runtime.cases).answer_quoted(
                        speaker, case_id, message.text
                    )
                    await send(self.to_asker(message, text))
                return True
        if not qa:
            return False
        if waiting:  # 转人工: the Q&A service hands the last question to a person
            await self._leave(key, speaker, send)
        await self.ask(message, send)
        return True

    async def _leave(self, key: ChatKey, speaker: Speaker, send: Send) -> None:
        """A command while a dialogue waits is what the sender wants now: the dialogue ends
        (its flow undoes what it made and says so in a short note) before the command runs."""
        note = await self.runtime.dialogues.leave(key, speaker)
        if note:
            await send(Bubble(note))

    def help(self, message: Message, speaker: Speaker | None = None) -> str:
        """The commands the sender may use here."""
        start = self.command_start[-1] if self.command_start else "/"
        return self.registry.help(speaker or self.speaker(message), message, start)

    async def ask(self, message: Message, send: Send) -> None:
        """The Q&A service's reply (an answer, choices, thanks for a like, a case opened…), then
        `sent`, then the answers from people that waited for this chat."""
        reply = await self.runtime.qa.handle(message.incoming)
        if reply is not None:
            message_id = None
            try:
                message_id = await send(self.qa_bubble(message, reply))
            finally:
                # Cadres hear of a new case after the youth has their reply, even if it failed.
                await self.runtime.qa.sent(
                    message.platform, message_id, reply, account=message.account
                )
        await self._release_held(message, send)

    def to_asker(self, message: Message, text: str, kind: str = "command") -> Bubble:
        """A reply to the sender: in a group it quotes their message and @s them."""
        if message.chat is None:
            return Bubble(text, kind=kind)
        return Bubble(text, kind=kind, quote=message.message_id, at=message.sender)

    def qa_bubble(self, message: Message, reply: Reply) -> Bubble:
        """The Q&A reply as a bubble: its choices, and the hotlines of a crisis reply."""
        bubble = self.to_asker(message, reply.text, reply.kind.value)
        links: tuple[Link, ...] = ()
        if reply.kind is ReplyKind.CRISIS:
            numbers = dict.fromkeys(HOTLINES.findall(reply.text))
            links = tuple(Link(n, "tel:" + n.replace("-", "")) for n in numbers)
        if reply.kind is not ReplyKind.SUGGEST:
            return replace(bubble, links=links, qa=reply)
        choices = tuple(e.question for e in reply.choices)
        # Only the plain menu has a text for buttons; anything said besides stays as it is.
        plain = reply.text == qa_texts.suggest(reply.choices)
        buttons = qa_texts.SUGGEST_BUTTONS if plain else None
        return replace(bubble, choices=choices, with_buttons=buttons, links=links, qa=reply)

    async def _run(self, turn: Turn) -> None:
        command, message = turn.command, turn.message
        refusal = self.registry.refusal(command, turn.speaker, message)
        if refusal is not None:
            await turn.send(self.to_asker(message, refusal))
            return
        run = command.handler
        if command.counted:
            # Counted like a question: a flood of 报名 or 我的问题 is told once, then silence.
            holder: list[Result] = []

            async def counted() -> str | None:
                holder.append(await run(turn))
                return ""

            said = await self.runtime.qa.command(message.incoming, counted)
            if said is None:
                return
            result = holder[0] if holder else said  # over the limit: told so
        else:
            result = await run(turn)
        if isinstance(result, str):
            if result and command.plain:
                await turn.send(Bubble(result, kind=command.kind))
            elif result:
                await turn.send(self.to_asker(message, result, command.kind))
        elif result:
            for bubble in result:
                await turn.send(bubble)

    async def _in_crisis(self, text: str, speaker: Speaker) -> bool:
        """Whether a youth's text that a command or a dialogue step (a sign-up field) would take
        is a crisis message: it must get the crisis reply instead. Only where a crisis cue names
        it (说想死, 被打…): the learned screen alone takes short answers of a step (我自己,
        不知道) for cries for help."""
        text = text.strip()
        if speaker.is_staff or not text or text.startswith(self.command_start):
            return False
        if not any(cue.level >= RiskLevel.DISTRESS for cue in default_detector().read(text).cues):
            return False
        found = await self.runtime.qa.assess(text)
        return found is not None and found.is_crisis

    async def _ask_instead(self, message: Message, send: Send, qa: bool) -> bool:
        if not qa:
            return False
        await self.ask(message, send)
        return True

    async def _first(self, message: Message) -> bool:
        """Whether this is the first delivery of `message` (a command acts once)."""
        return message.deduped or await claim(self.runtime.db, message.incoming.inbound_key)

    async def _release_held(self, message: Message, send: Send) -> None:
        if not message.to_me:
            return
        held = await self.runtime.cases.release_held(message.platform, message.sender, message.chat)
        for text in held:
            await send(Bubble(text, kind="later"))

    async def _case_answered(self, message: Message, speaker: Speaker) -> int | None:
        """The case a cadre's plain text answers: the case notification they quoted, or where
        the platform has no quotes, the latest one sent to them there."""
        text = message.text.strip()
        if not text or text.startswith(self.command_start):
            return None  # a command (or a mistyped one), never an answer
        cases = self.runtime.cases
        if message.quote is not None:
            return await cases.case_for_message(
                message.platform, message.quote.message_id, message.account
            )
        if not message.can_quote and speaker.person is not None:
            return await cases.latest_notified(speaker.person.id, message.platform)
        return None
