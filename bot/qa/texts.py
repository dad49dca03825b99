"""Every sentence the Q&A loop says to a youth, in one place for review."""

from __future__ import annotations

from collections.abc import Sequence

from bot.faq.model import FaqEntry

HOTLINE = "12355"

ANSWER_FOOTER = "（有帮助请回复“赞”，没解决请回复“没用”）"
SUGGEST_HEADER = "您是不是想问："
SUGGEST_FOOTER = "请回复序号查看答案，例如回复“1”。"
SUGGEST_BUTTONS = SUGGEST_HEADER + "\n点下面的问题查看答案，或回复序号。"
"""The 您是不是想问 text where the surface shows the choices as buttons (the web page)."""
UNANSWERED = "这个问题我暂时答不上来，已经记录下来，会请团干部尽快解答，请留意回复。"
# The crisis reply, by risk level (bot.safety.crisis.RiskLevel) and chat: 12355 always comes first
# in it; it says plainly that this is a bot, and that a person has been told only when one could
# be (`told`): otherwise that the message is kept and the lines above answer now. In a group
# everyone reads it, so it says less there and names nothing of what the youth wrote.
_LINES = (
    "你说的情况很重要，你不是一个人。请马上拨打 12355 青少年服务台（各地服务时间不同），"
    "或全国心理援助热线 12356，那里有专业的老师倾听和帮助你。"
)
_LINES_IMMINENT = (
    "如果你现在有危险，请立即拨打 110 或 120！也可以马上拨打 12355 青少年服务台（各地服务时间不同）"
    "或全国心理援助热线 12356。请不要一个人待着，去找身边信任的人，离开可能伤害你的东西。"
)
_LINES_GROUP = "收到。需要帮助请拨打 12355 青少年服务台或全国心理援助热线 12356。"
_LINES_GROUP_IMMINENT = "收到。如有紧急危险请立即拨打 110 或 120，也可以拨打 12355 青少年服务台。"
CRISIS_TOLD = "我是青声答疑机器人，已经把你的话告诉了值班的团干部，他们会尽快联系你。"
CRISIS_NOT_TOLD = (
    "我是青声答疑机器人，现在暂时联系不上团干部，已经记下了你的话，有团干部值班时会马上联系你。"
    "在那之前请先拨打上面的电话，不要一个人扛着。"
)
CRISIS = _LINES + CRISIS_TOLD
CRISIS_ALONE = _LINES + CRISIS_NOT_TOLD
CRISIS_IMMINENT = _LINES_IMMINENT + "我是青声答疑机器人，已经马上通知了值班的团干部。"
CRISIS_IMMINENT_ALONE = _LINES_IMMINENT + CRISIS_NOT_TOLD
CRISIS_GROUP = _LINES_GROUP + "我是青声答疑机器人，已请团干部私下联系你。"
CRISIS_GROUP_ALONE = _LINES_GROUP + "我是青声答疑机器人，已记下，团干部值班时会私下联系你。"
CRISIS_GROUP_IMMINENT = (
    _LINES_GROUP_IMMINENT + "我是青声答疑机器人，已马上请团干部联系你，请不要一个人待着。"
)
CRISIS_GROUP_IMMINENT_ALONE = (
    _LINES_GROUP_IMMINENT + "我是青声答疑机器人，已记下，团干部值班时会联系你，请不要一个人待着。"
)
_CRISIS = {
    # (imminent, in a group, a person told)
    (False, False, True): CRISIS,
    (False, False, False): CRISIS_ALONE,
    (True, False, True): CRISIS_IMMINENT,
    (True, False, False): CRISIS_IMMINENT_ALONE,
    (False, True, True): CRISIS_GROUP,
    (False, True, False): CRISIS_GROUP_ALONE,
    (True, True, True): CRISIS_GROUP_IMMINENT,
    (True, True, False): CRISIS_GROUP_IMMINENT_ALONE,
}


def crisis(level: int, in_group: bool, told: bool = True, answer: FaqEntry | None = None) -> str:
    """The crisis reply for risk `level` (1-3), in a group or in private; `told`: a person who
    can be reached now has been alerted; `answer`: an FAQ entry whose answer follows it (what the
    youth also asked, e.g. what to do about a parent who hits them), the hotline still first."""
    reply = _CRISIS[(level >= 3, in_group, told)]
    return f"{reply}\n\n{answer.answer.strip()}" if answer is not None else reply


def crisis_answer(entry: FaqEntry, told: bool = True) -> str:
    """The answer of an entry tagged 危机, served as a crisis reply: its own text (which gives
    the hotlines), then whether a person has been told (`told`), which the entry cannot know."""
    return f"{entry.answer.strip()}\n{CRISIS_TOLD if told else CRISIS_NOT_TOLD}"


NO_QUESTION_TO_HAND_OVER = "请直接说出你的问题，我会转给团干部。"
THANKS = "收到你的点赞，谢谢！"
SORRY = "抱歉没帮上忙，已记录下来，我们会改进这条回答。"
RATE_LIMITED = "提问有点快啦，请过一分钟再问～这期间发来的消息我先不回复。"
TOO_LONG = "消息太长啦，请把问题精简到 {limit} 字以内再发一次。"
EMPTY = "你好，我是青声答疑助手，请直接说出你的问题，比如“怎么交团费”。"
NO_WORDS = "我还看不懂表情和符号哦，请用文字说说你想问什么，比如“怎么交团费”。"
CHOICE_INVALID = "请回复 1 到 {count} 之间的序号。"


def answer(entry: FaqEntry) -> str:
    """An FAQ answer with the feedback hint."""
    return f"{entry.answer.strip()}\n{ANSWER_FOOTER}"


def small_talk(entry: FaqEntry) -> str:
    """A small-talk or out-of-scope entry's reply, without the feedback hint."""
    return entry.answer.strip()


def suggest(choices: Sequence[FaqEntry]) -> str:
    """The numbered 您是不是想问 list."""
    lines = [SUGGEST_HEADER]
    lines += [f"{n}. {entry.question}" for n, entry in enumerate(choices, start=1)]
    lines.append(SUGGEST_FOOTER)
    return "\n".join(lines)


MY_QUESTIONS_NONE = "你还没有提过问题。直接问我就好，比如“怎么交团费”。"
MY_QUESTIONS_HEADER = "你最近的问题："
RISKY_IN_GROUP = "（求助消息，内容不在群里显示）"
"""What 我的问题 shows in a group for a crisis message instead of its words."""
STATUS = {
    "answered": "已解答",
    "chosen": "已解答",
    "suggested": "待你选择序号",
    "unanswered": "已记录，等待团干部解答",
    "crisis": "已记录，请拨打 12355 求助",
    "human": "团干部已回复",
    "small_talk": "已回复",
    "out_of_scope": "不在答疑范围，已记录",
}


def question_status(
    outcome: str, case_id: int | None = None, case_status: str | None = None
) -> str:
    """How a question stands, for 我的问题: its outcome, or its case's number and status."""
    if case_id is not None:
        return f"问题编号 #{case_id}，{case_status}"
    return STATUS.get(outcome, outcome)


def my_questions(items: Sequence[tuple[str, str]]) -> str:
    """The 我的问题 list: (question text, status) pairs, newest first."""
    if not items:
        return MY_QUESTIONS_NONE
    lines = [MY_QUESTIONS_HEADER]
    for n, (text, status) in enumerate(items, start=1):
        short = text if len(text) <= 20 else text[:20] + "…"
        lines.append(f"{n}. {short}（{status}）")
    return "\n".join(lines)
