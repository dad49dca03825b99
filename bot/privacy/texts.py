"""Every sentence about a youth's personal data, in one place for review."""

from __future__ import annotations

from collections.abc import Sequence

MY_DATA_WORDS = ("我的数据", "我的信息")
FORGET_WORDS = ("删除我的数据", "删除我的信息")
CONFIRM_WORDS = ("确认删除",)

HEADER = "我们保存的关于你的数据："
QUESTIONS = "提问 {count} 条"
LATEST = "最近的提问：{items}"
FEEDBACK = "点赞 {likes} 次，“没用” {not_helpful} 次"
CASES = "转给团干部的问题 {count} 个（团干部看到的是隐去号码的问题和打码的昵称）"
SIGNUPS = "活动报名 {count} 个：{items}"
FILLED = "（填写了{fields}）"
GROUPS = "兴趣小组 {count} 个{items}，投票 {votes} 次"
WECHAT = "微信消息记录 {count} 条（用于防止重复回复）"
NOTHING = "我们没有保存关于你的数据。"
KEPT_FOREVER = "提问会一直保存，用于统计和改进答案。"
KEPT_DAYS = "提问保存 {days} 天后自动删除内容和账号，只留下统计数字。"
HOW_TO_FORGET = "发送“删除我的数据”可以删除以上个人数据。"
IN_GROUP = "（群里不显示提问内容，私聊我可查看详细内容）"

CONFIRM = (
    "确定要删除你的个人数据吗？将删除你的提问内容、账号、点赞记录和报名信息"
    "（已报名的活动会取消），只保留不含个人信息的统计数字。此操作无法撤销。\n"
    "请在 {minutes} 分钟内回复“确认删除”。"
)
NOTHING_TO_CONFIRM = "没有待确认的删除。如需删除你的个人数据，请先发送“删除我的数据”。"
FORGOTTEN = "已删除你的个人数据（{count} 条记录）。以后的新提问会重新记录。"


def short(text: str, limit: int = 20) -> str:
    """A question cut to `limit` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def listing(items: Sequence[str]) -> str:
    """Items joined the Chinese way."""
    return "；".join(items)
