"""The scripted conversation, written once: what is said, by whom, and what each reply must
contain. Each surface has a thin driver that carries these steps over its real transport
(tests/onebot, tests/qqbot, tests/wechat, tests/web) and plays them with `play`.

The youth asks something the FAQ offers choices for, picks one, likes the answer; asks
something nothing answers, so a case opens; a cadre answers it and the youth receives the
answer; an organiser publishes an activity; the youth signs up, gives the fields, checks in.

On the bundled faq_data and demo grid, lexical decision (SEMANTIC=off), as every chat-surface
test pins it. The organiser is 李明 (东湖社区团支部, group qq:40001) or a cadre above him.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.activities import texts as activity_texts
from bot.cases import texts as case_texts
from bot.groups import texts as group_texts
from bot.qa import texts as qa_texts

MENU_QUESTION = "志愿"
"""Offered as choices (您是不是想问) on the bundled FAQ."""
CHOSEN = "志愿时长怎么查？"
CHOSEN_ANSWER = "志愿服务平台"
"""In the answer of the chosen entry (vol-hours-query)."""
UNANSWERABLE = "社区团委周末组织的读书会在几楼"
"""League business nothing in the bundled FAQ answers, and no expert topic's keyword."""
ANSWER = "读书会在社区活动中心三楼，周六下午两点开始。"
TITLE = "周末读书分享会"
PLACE = "东湖社区青年之家"
AUDIENCE = "东湖社区团支部"
NAME = "张小青"
PHONE = "13800138000"

Who = Literal["youth", "cadre"]
Kind = Literal["say", "answer", "receive"]


@dataclass(frozen=True, slots=True)
class Step:
    """One turn of the script.

    `kind`: "say" — `who` sends `says` (with the run's values filled in) and the reply must
    contain each of `expect`; "answer" — the cadre answers the open case with `says` in the
    surface's own way (a quote of the notification, plain text where there is no quote, or
    `/答 编号 答案`), told `expect`; "receive" — the youth gets the cadre's answer, pushed or by
    the surface's documented alternative (the page's polling, delivery on the next message).
    `private`: personal data, sent in private chat where the surface also has groups."""

    name: str
    who: Who
    says: str
    expect: tuple[str, ...] = ()
    kind: Kind = "say"
    private: bool = False


def _start(hours: float = 1) -> str:
    """The activity's start: an hour from now (check-in opens 2 hours before), Shanghai time."""
    moment = datetime.now(timezone.utc) + timedelta(hours=hours)
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


SCRIPT: tuple[Step, ...] = (
    Step("ask", "youth", MENU_QUESTION, ("您是不是想问", CHOSEN)),
    Step("pick a choice", "youth", "{choice}", (CHOSEN_ANSWER,)),
    Step("like", "youth", "赞", (qa_texts.THANKS,)),
    Step("ask the unanswerable", "youth", UNANSWERABLE, ("问题编号 #",)),
    Step("cadre answers", "cadre", ANSWER, ("已回复 #{case}",), kind="answer"),
    Step(
        "youth receives",
        "youth",
        "",
        (case_texts.ANSWER_TO_YOUTH.format(question=UNANSWERABLE, answer=ANSWER),),
        kind="receive",
    ),
    Step("publish", "cadre", "/发布活动", (activity_texts.ASK_TITLE,)),
    Step("title", "cadre", TITLE, (activity_texts.ASK_TIME,)),
    Step("time", "cadre", "{start}", (activity_texts.ASK_PLACE,)),
    Step("place", "cadre", PLACE, (activity_texts.ASK_DETAILS,)),
    Step("details", "cadre", "带一本喜欢的书", (activity_texts.ASK_QUOTA,)),
    Step("quota", "cadre", "10", (activity_texts.ASK_DEADLINE,)),
    Step("deadline", "cadre", "无", ("发送对象？",)),
    Step("audience", "cadre", AUDIENCE, (activity_texts.ASK_FIELDS,)),
    Step("fields", "cadre", "姓名 手机", ("【预览】", TITLE, activity_texts.ASK_CONFIRM)),
    Step("confirm", "cadre", "确认", ("活动 #", "签到码：")),
    Step(
        "sign up",
        "youth",
        "报名 {activity}",
        ("报名成功", TITLE, activity_texts.FIELD_PROMPTS["name"]),
    ),
    Step("name", "youth", NAME, (activity_texts.FIELD_PROMPTS["phone"],), private=True),
    Step(
        "phone",
        "youth",
        PHONE,
        (activity_texts.FIELDS_DONE.format(id="{activity}", title=TITLE),),
        private=True,
    ),
    Step(
        "check in",
        "youth",
        "签到 {code}",
        (activity_texts.CHECKED_IN.format(id="{activity}", title=TITLE),),
    ),
)


INTEREST_GROUP = "烘焙"
"""A bundled demo interest group (org 东湖街道团工委, under 青城团市委)."""
PROPOSAL = "周末烤曲奇"

GROUP_SCRIPT: tuple[Step, ...] = (
    Step("groups", "youth", "小组", (f"· {INTEREST_GROUP}：",), private=True),
    Step(
        "join",
        "youth",
        f"加入小组 {INTEREST_GROUP}",
        (f"已加入「{INTEREST_GROUP}」兴趣小组",),
        private=True,
    ),
    Step(
        "start a vote",
        "cadre",
        f"/发起投票 {INTEREST_GROUP}",
        (group_texts.ASK_DEADLINE.format(name=INTEREST_GROUP),),
    ),
    Step("vote deadline", "cadre", "{vote_deadline}", ("请发第 1 个提议",)),
    Step(
        "proposal",
        "cadre",
        f"{PROPOSAL}，{{vote_start}}，东湖社区青年之家，10",
        (group_texts.PROPOSAL_ADDED.format(n=1, title=PROPOSAL),),
    ),
    Step("proposals done", "cadre", "完成", ("将私聊通知小组的 1 位成员", group_texts.TIE_RULE)),
    Step("open the vote", "cadre", "确认", ("投票已发起", PROPOSAL)),
    Step("vote", "youth", "投票 {proposal}", ("已投给 {proposal}. " + PROPOSAL,), private=True),
    Step("my groups", "youth", "我的小组", ("你投给了 {proposal}。",), private=True),
)
"""兴趣小组 on a surface: list, join, an organiser's vote, a member's vote (the deadline is the
in-process drivers' to reach: it is days away)."""


def squash(value: str) -> str:
    """`value` without white space: replies may be wrapped or prefixed (@ in a group)."""
    return re.sub(r"\s+", "", value)


@dataclass
class Run:
    """One playing of the script: the values learnt on the way (the menu's number for the
    chosen question, the case, the activity and its check-in code) and what each step got."""

    values: dict[str, str] = field(
        default_factory=lambda: {
            "start": _start(),
            "vote_deadline": _start(48),
            "vote_start": _start(96),
        }
    )
    replies: dict[str, str] = field(default_factory=dict)

    def text(self, step: Step) -> str:
        """What `step` sends, with the values learnt so far."""
        return step.says.format(**self.values)

    def answer_command(self, step: Step) -> str:
        """`step`'s answer as the `/答` command, for a surface whose cadre has no other way."""
        return f"/答 {self.values['case']} {self.text(step)}"

    def expected(self, step: Step) -> list[str]:
        return [e.format(**self.values) for e in step.expect]

    def satisfied(self, step: Step, reply: str) -> bool:
        """Whether `reply` (all the bot said for the step) contains what the step expects."""
        got = squash(reply)
        return all(squash(e) in got for e in self.expected(step))

    def check(self, step: Step, reply: str) -> None:
        """Assert the step's reply, and learn the values later steps use."""
        self.replies[step.name] = reply
        missing = [e for e in self.expected(step) if squash(e) not in squash(reply)]
        assert not missing, f"step {step.name!r}: {missing} not in the reply:\n{reply}"
        if step.name == "ask":
            number = re.search(rf"(\d+)\.\s*{re.escape(CHOSEN)}", reply)
            assert number, reply
            self.values["choice"] = number.group(1)
        elif step.name == "ask the unanswerable":
            self.values["case"] = re.search(r"问题编号 #(\d+)", reply).group(1)  # type: ignore[union-attr]
        elif step.name == "open the vote":
            found = re.search(rf"(\d+)\.\s*{re.escape(PROPOSAL)}", reply)
            assert found, reply
            self.values["proposal"] = found.group(1)
        elif step.name == "confirm":
            found = re.search(r"活动 #(\d+).*签到码：(\w+)", reply, re.S)
            assert found, reply
            self.values["activity"], self.values["code"] = found.groups()


class Surface(Protocol):
    """A driver: carries a step over one surface's real transport, returns what the bot said."""

    async def youth(self, step: Step, run: Run) -> str:
        """The youth sends `run.text(step)`; all the bot said back for it."""
        ...

    async def cadre(self, step: Step, run: Run) -> str:
        """The cadre (or organiser) sends `run.text(step)`, or for an "answer" step answers
        the case with it in the surface's way; all the bot said back."""
        ...

    async def receive(self, step: Step, run: Run) -> str:
        """What reaches the youth of the cadre's answer (asserting the surface's documented
        way when it cannot push)."""
        ...


async def play(surface: Surface, steps: tuple[Step, ...] = SCRIPT) -> Run:
    """Play `steps` on `surface`, checking each reply; the run, for more assertions."""
    run = Run()
    for step in steps:
        if step.kind == "receive":
            reply = await surface.receive(step, run)
        else:
            speak: Callable[[Step, Run], Awaitable[str]] = getattr(surface, step.who)
            reply = await speak(step, run)
        run.check(step, reply)
    return run
