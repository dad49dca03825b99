"""Every sentence of the case loop, for youths and for cadres, in one place for review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.safety.masking import mask_pii

# To youths
OPENED = "这个问题我暂时答不上来，已转给团干部（问题编号 #{case}），有回复会第一时间告诉你。"
MERGED = "已经有同学问过相同的问题，团干部正在处理（问题编号 #{case}），有回复会一起告诉你。"
OPENED_NOBODY = (
    "这个问题我暂时答不上来，已经记下了（问题编号 #{case}）。现在暂时联系不上团干部，"
    "等有团干部值班时会回复你；发送“我的问题”可以查看进展。"
)
MERGED_NOBODY = (
    "已经有同学问过相同的问题，已经记下了（问题编号 #{case}）。现在暂时联系不上团干部，"
    "等有团干部值班时会一起回复你们；发送“我的问题”可以查看进展。"
)
"""OPENED and MERGED when nobody the bot can reach has the case (nobody on duty, no contact,
no QQ account connected): the question waits, and the youth is told so."""
NO_QUESTION_TO_ESCALATE = "请直接说出你的问题，我会转给团干部。"
ANSWER_TO_YOUTH = "关于你问的“{question}”，团干部回复：\n{answer}"
ANSWER_UNQUOTED = "团干部回复了你的问题（编号 #{case}）：\n{answer}"
"""The answer to a risk case asked in a group where the bot cannot write privately (the
official QQ bot): it goes out in that group, so it never repeats the question."""
ANSWER_PRIVATE_NOTICE = (
    "团干部已经回复了你的问题（编号 #{case}），为保护你的隐私，回复不发在群里。"
    "请加我为好友后私聊我（发什么都可以），我会把回复发给你。"
)
"""Said in the group (with an @, no quote) when the private answer to a risk case asked there
could not be sent: neither the question nor the answer."""
CLOSED_TO_YOUTH = "你的问题（编号 #{case}）已由团干部关闭：{reason}"

# To cadres
NOTIFY = (
    "{mark}【新问题 #{case}】{urgent}\n"
    "问题：{question}\n"
    "来自：{place}\n"
    "提问人：{asker}\n"
    "{faq}"
    "回复方式：直接引用（回复）这条消息写答案，或发送 /答 {case} 答案内容。\n"
    "期限：{due}前首次回复。"
)
MASKED = "（手机号、证件号已隐去；需要联系对方请直接回复，答案会转给提问人）"
URGENT = "⚠️紧急：可能涉及人身安全，请立即联系，并提醒对方拨打 12355。"
URGENT_GRADED = "\n风险：{level} 级（{name}）；原因：{reason}。\n" + URGENT
URGENT_IMMINENT = "有立即的危险：如联系不上对方，请报警 110 或呼叫 120。"
URGENT_PRIVATE = "\n对方在群里提问：你的答复只私下发给对方，不会发在群里。"
URGENT_GROUP_ONLY = (
    "\n对方在 QQ 官方机器人群里提问，平台不能私聊：答复会在对方下次 @ 机器人时发在群里"
    "（不带原问题），请不要写入对方不愿公开的内容。"
)
"""Added to the notification of a risk case asked in a group: how the answer will reach the
youth (see `CaseService._queue`)."""
RISK_NAMES = {1: "困扰", 2: "危险", 3: "高危"}
"""Risk levels as cadres read them (bot.safety.crisis.RiskLevel 1-3)."""
NOTIFY_FAQ = "相近的问答：\n{items}\n"
REMIND = "{mark}【提醒】问题 #{case} 还没有回复，请在 {due} 前处理：{question}"
ESCALATED = (
    "{mark}【升级 #{case}】{org} 超时未回复，现转给你处理。\n"
    "问题：{question}\n来自：{place}\n经过：\n{history}\n"
    "回复方式：直接引用（回复）这条消息写答案，或发送 /答 {case} 答案内容。"
)
ANSWER_SENT = "已回复 #{case}，答案已送达 {sent} 人{held}。"
ANSWER_HELD = "，{held} 人待送达（对方下次发消息时送达）"
ANSWER_POLLED = "，{polled} 人在网页上，开着页面几秒内就会收到"
ANSWER_PRIVATELY = "\n这是紧急问题：{count} 位在群里提问的同学的答案私下送达，没有发在群里，也没有在群里引用原问题。"
ANSWER_PRIVATE_WAITING = (
    "其中 {count} 人暂时私聊不到，群里只提醒了对方私聊机器人查看（不含问题和答案）。"
)
ANSWER_GROUP_ONLY = (
    "\n{count} 人在 QQ 官方机器人群里提问（平台不能私聊）：答案会在对方下次 @ 机器人时发在群里，"
    "不带原问题。"
)
CLAIMED = "已认领 #{case}，请在 {due} 前答复。"
CLAIMED_FROM = "问题 #{case} 已由 {name} 认领，你不用再处理了。"
REASSIGNED = "已把 #{case} 转给 {name}。"
CLOSED = "已关闭 #{case}。"
LEARNED = "已把 #{case} 加入问答库（编号 {entry}），等管理员审核通过后才会用来回答同学。"
LEARNED_LIVE = "已把 #{case} 加入问答库（编号 {entry}），现在起会用来回答同学。"
REVIEW_NEEDED = (
    "【待审核问答 {ref}】{who} 用 /入库 提交：\n问：{question}\n答：{answer}\n适用：{scope}\n"
    "发送 /通过 {ref} [修改后的答案] 使其生效，或 /驳回 {ref} [原因] 删除。"
)
REVIEW_EMPTY = "没有待审核的问答。"
REVIEW_HEADER = "待审核的问答（{count} 条）："
REVIEW_ITEM = "{ref} 问：{question}\n答：{answer}\n适用：{scope}"
SCOPE_ORGS = "{orgs}及下级组织的同学"
SCOPE_ALL = "所有同学"
REVIEW_FOOTER = "发送 /通过 编号 [修改后的答案] 使其生效，或 /驳回 编号 [原因] 删除。"
APPROVED = "已通过 {entry}，现在起会用它回答同学。"
REJECTED = "已驳回并删除 {entry}。"
TASKS_EMPTY = "你现在没有待处理的问题。"
TASKS_HEADER = "你的待办（{count} 个）："
TASKS_ITEM = "{mark}#{case} {question}（{status}{due}）{reason}"
UNNOTIFIED = "未通知到"
"""The status of an assigned case whose assignee has not been reached yet (the notification
failed or waits; it is retried when a QQ account connects)."""
RISK_PRIVATE_NOTE = "⚠️ 紧急问题：回复只私下送达提问人，不会发在群里，也不会在群里引用原问题。"
RISK_GROUP_ONLY_NOTE = (
    "在 QQ 官方机器人群里提问的同学无法私聊：回复会在对方下次 @ 机器人时发在群里（不带原问题），"
    "请不要写入对方不愿公开的内容。"
)
TASKS_DUE = "，{due}前"
"""The deadline part of a to-do line; a case without one (not yet assigned) shows none."""

# Refusals and usage
NOT_CADRE = "这个命令只有团干部可以使用。"
NOT_REVIEWER = "只有管理员可以使用这个命令。"
UNKNOWN_LEARNED = "没有找到问答 {entry}，发送 /待审核 查看待审核的问答。"
NOT_PENDING = "问答 {entry} 已经审核过了。"
LEARNED_FILE_BROKEN = (
    "faq/learned.yaml 无法读取（{error}），请管理员运行 python -m bot.faq check 修正后再试。"
)
NOT_ALLOWED = "只有负责人、上级团干部或管理员可以处理 #{case}。"
UNKNOWN_CASE = "没有找到编号为 {case} 的问题。"
CASE_CLOSED = "问题 #{case} 已关闭。"
NOT_ANSWERED_YET = "问题 #{case} 还没有答案，回复后才能入库。"
ALREADY_LEARNED = "问题 #{case} 已经入库（编号 {entry}）。"
UNKNOWN_ORG = "没有找到组织“{org}”，请用青情地图里的组织编号。"
NOT_ALLOWED_STATS = "只能查看自己负责的组织及其下级的统计。"
UNKNOWN_PERSON = "没有找到“{who}”，请用青情地图里的编号、姓名或账号（QQ 号、企业微信账号等）。"
USAGE = {
    "答": "用法：/答 编号 答案内容",
    "认领": "用法：/认领 编号",
    "转": "用法：/转 编号 人员（编号、姓名或账号）",
    "关闭": "用法：/关闭 编号 原因",
    "入库": "用法：/入库 编号",
    "通过": "用法：/通过 编号 [修改后的答案]",
    "驳回": "用法：/驳回 编号 [原因]",
    "统计": "用法：/统计 [组织编号|网页] [开始日期 [结束日期]]，日期如 2026-11-01",
}

STATUS = {
    "open": "待分配",
    "assigned": "处理中",
    "answered": "已回复",
    "closed": "已关闭",
}


def mark(urgent: bool, level: int) -> str:
    """How an urgent case is marked wherever it shows: 【紧急·高危】 (level 3), 【紧急·危险】,
    【紧急·困扰】, or 【紧急】 when it was not graded; nothing for other cases."""
    if not urgent:
        return ""
    name = RISK_NAMES.get(level)
    return f"【紧急·{name}】" if name else "【紧急】"


def urgent(level: int, reason: str | None) -> str:
    """The urgent lines of a notification: the risk level and why, and what to do."""
    if level not in RISK_NAMES:
        return URGENT
    text = URGENT_GRADED.format(level=level, name=RISK_NAMES[level], reason=reason or "未注明")
    return f"{text}{URGENT_IMMINENT}" if level >= 3 else text


def answer_sent(
    case: int,
    sent: int,
    held: int,
    polled: int = 0,
    privately: int = 0,
    private_waiting: int = 0,
    group_only: int = 0,
) -> str:
    """What a person who answered is told: how many got it, how many wait, and for a risk case
    asked in a group, that it went privately (or waits for the youth's own @ in the group)."""
    waiting = held - polled
    rest = ANSWER_POLLED.format(polled=polled) if polled else ""
    rest += ANSWER_HELD.format(held=waiting) if waiting > 0 else ""
    text = ANSWER_SENT.format(case=case, sent=sent, held=rest)
    if privately:
        text += ANSWER_PRIVATELY.format(count=privately)
        if private_waiting:
            text += ANSWER_PRIVATE_WAITING.format(count=private_waiting)
    if group_only:
        text += ANSWER_GROUP_ONLY.format(count=group_only)
    return text


def scope(names: Sequence[str]) -> str:
    """Where a learned answer answers, for its reviewers: the orgs' names, or everyone."""
    return SCOPE_ORGS.format(orgs="、".join(names)) if names else SCOPE_ALL


def duration(delta: timedelta) -> str:
    """A waiting time in Chinese: 不到1分钟, 2小时5分钟, 3天4小时."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "不到1分钟"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分钟"
    return f"{minutes}分钟"


def shown(question: str) -> str:
    """A youth's question as cadres read it: phone and ID numbers masked, and a note if any was
    (notifications reach phones, work groups and forwards; the answer goes back through the bot)."""
    masked = mask_pii(question)
    return masked if masked == question else masked + MASKED


def faq_block(questions: Sequence[str]) -> str:
    """The closest FAQ entries, numbered, for a notification."""
    if not questions:
        return ""
    return NOTIFY_FAQ.format(items="\n".join(f"{n}. {q}" for n, q in enumerate(questions, 1)))


def stats(
    scope: str,
    collected: int,
    by_faq: int,
    by_people: int,
    rate: float,
    median_first_response: str,
    likes: int,
    overdue: Sequence[tuple[str, int]],
    unassigned: Sequence[tuple[str, int]] = (),
) -> str:
    """The /统计 report; `unassigned`: (bucket, questions) that belong to no org."""
    lines = [
        f"【统计】{scope}",
        f"收集问题：{collected}",
        f"问答库解答：{by_faq}",
        f"团干部解答：{by_people}",
        f"解答率：{rate:.0%}",
        f"首次回复中位时间：{median_first_response}",
        f"点赞：{likes}",
    ]
    if overdue:
        lines.append("超时未回复：" + "，".join(f"{org} {n} 个" for org, n in overdue))
    else:
        lines.append("超时未回复：无")
    if unassigned:
        web = any(bucket == UNASSIGNED_BUCKETS["web"] for bucket, _ in unassigned)
        lines.append(
            "其中未归属组织："
            + "，".join(f"{bucket} {n} 个" for bucket, n in unassigned)
            + (f"（{STATS_WEB_HINT}）" if web else "")
        )
    return "\n".join(lines)


UNASSIGNED_BUCKETS = {
    "web": "网页（未归属组织）",
    "qq": "QQ 私聊",
    "qqbot": "QQ 官方机器人私聊",
    "wechat": "微信服务号",
    "wecom": "企业微信",
}
"""Per platform, how /统计 names its questions that belong to no org."""
STATS_WEB = "网页"
"""The /统计 scope word for the try page's questions (admins)."""
STATS_WEB_HINT = "网页的明细：/统计 网页"


EVENT_NAMES = {
    "opened": "提出",
    "assigned": "分配给",
    "claimed": "认领",
    "reassigned": "转给",
    "notified": "通知",
    "reminded": "提醒",
    "escalated": "升级给",
    "merged": "合并提问",
    "answered": "回复",
    "delivered": "送达",
    "held": "待送达",
    "liked": "点赞",
    "learned": "入库",
    "approved": "入库通过",
    "rejected": "入库驳回",
    "closed": "关闭",
    "alerted": "紧急通知",
}
