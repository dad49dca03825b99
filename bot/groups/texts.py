"""Every sentence about 兴趣小组 and their votes, in one place for review."""

from __future__ import annotations

from bot.chat.dialogue import EXIT_HINT

TIE_RULE = "平票时，先提出的提议（编号小的）胜出。"
"""The documented tie rule, told with every vote."""

LIST_EMPTY = "现在还没有兴趣小组。"
LIST_HEADER = "兴趣小组（发送“加入小组 名称”加入）："
LIST_ITEM = "· {name}：{members} 人{mine}{description}"
LIST_MINE = "（已加入）"
LIST_FOOTER = "发送“我的小组”查看已加入的小组和正在进行的投票。"

JOIN_USAGE = "请这样发：加入小组 烘焙。发送“小组”查看全部兴趣小组。"
LEAVE_USAGE = "请这样发：退出小组 烘焙"
NO_SUCH_GROUP = "没有找到“{name}”兴趣小组。发送“小组”查看全部兴趣小组。"
JOINED = "已加入「{name}」兴趣小组（现有 {members} 人）。小组发起活动投票时会私聊通知你；发送“退出小组 {name}”退出。"
JOIN_PRIVATELY = "为了能私聊通知你投票和活动，请私聊机器人发送：加入小组 {args}"
JOINED_PRIVATE_HINT = "投票和活动通知会私聊发给你，请先加机器人为好友。"
ALREADY_MEMBER = "你已经在「{name}」兴趣小组里了。"
JOINED_OPEN_POLL = "小组正在投票：\n{poll}"
LEFT = "已退出「{name}」兴趣小组。"
LEFT_VOTES = "你在进行中的投票里的选票已作废。"
NOT_MEMBER = "你不在「{name}」兴趣小组里。"

MINE_EMPTY = "你还没有加入兴趣小组。发送“小组”看看有哪些。"
MINE_HEADER = "你加入的兴趣小组：{names}"
MINE_NO_POLLS = "现在没有进行中的投票。"

POLL_HEADER = "【{group}兴趣小组 活动投票】截止 {deadline}"
POLL_ITEM = "{id}. {title} · {time} · {place}{quota}"
POLL_ITEM_QUOTA = " · 限 {quota} 人"
POLL_ITEM_VOTES = "（{votes} 票）"
POLL_MY_VOTE = "你投给了 {id}。"
POLL_HOW = "发送“投票 编号”投票（截止前可改投）。" + TIE_RULE
POLL_NOTICE = "{poll}\n得票最多的提议会成为活动，报名通知私聊发给小组成员。"

VOTE_USAGE = "请这样发：投票 编号。发送“我的小组”查看进行中的投票。"
VOTE_NONE_OPEN = "你加入的兴趣小组现在没有进行中的投票。"
NO_SUCH_PROPOSAL = "没有编号为 {id} 的投票提议。"
VOTE_CLOSED = "这次投票已经截止了。"
VOTE_NOT_MEMBER = "只有「{name}」兴趣小组的成员可以投票。发送“加入小组 {name}”加入。"
VOTED = "已投给 {id}. {title}。截止 {deadline} 前可以改投。"
VOTE_CHANGED = "已改投 {id}. {title}（原来投的是 {old}）。截止 {deadline} 前可以再改。"
VOTE_SAME = "你已经投给 {id}. {title} 了。"

# Organisers
NOT_ORGANISER = "你不能为「{name}」兴趣小组发起投票：只有负责该小组所属团组织的团干部、小组的组织者和管理员可以。"
START_USAGE = "请这样发：/发起投票 小组名称（如 /发起投票 烘焙）"
ONE_OPEN = "「{name}」兴趣小组已有一个进行中的投票（截止 {deadline}），请等它结束。"
ASK_DEADLINE = (
    "为「{name}」兴趣小组发起活动投票"
    + EXIT_HINT
    + "。\n投票什么时候截止？（如 12月5日 20:00、明天 18:00）"
)
BAD_TIME = "没看懂这个时间，请写成 12月5日 20:00 或 明天 18:00。"
TIME_PASSED = "这个时间已经过去了，请换一个将来的时间。"
ASK_PROPOSAL = (
    "请发第 {n} 个提议，一条一个，格式：活动名称，时间，地点[，名额]\n"
    "例如：周末烘焙曲奇，12月12日 14:00，青年之家，20"
    "{done}"
)
ASK_PROPOSAL_DONE = "\n提议够了就回复“完成”。"
BAD_PROPOSAL = "格式是：活动名称，时间，地点[，名额]，用逗号隔开。例如：周末烘焙曲奇，12月12日 14:00，青年之家，20"
PROPOSAL_BAD_TIME = "没看懂活动时间「{time}」，请写成 12月12日 14:00。"
PROPOSAL_BEFORE_DEADLINE = "活动时间应在投票截止（{deadline}）之后。"
PROPOSAL_BAD_QUOTA = "名额「{quota}」应为正整数或“不限”。"
PROPOSAL_ADDED = "已记下提议 {n}：{title}。"
NEED_PROPOSAL = "至少要有一个提议。"
TOO_MANY = "最多 {limit} 个提议，已帮你结束添加。"
PREVIEW = "请确认（回复“确认”发起，“取消”放弃）：\n{poll}\n将私聊通知小组的 {members} 位成员。"
CONFIRM_WORDS = ("确认", "确定", "发起")
CANCEL_WORDS = ("取消", "放弃")
CONFIRM_OR_CANCEL = "请回复“确认”发起投票，或“取消”放弃。"
CANCELLED_DRAFT = "已放弃这次投票。"
OPENED = "投票已发起，正在私聊通知 {members} 位成员。截止后得票最多的提议自动成为活动（{tie}）。发送 /投票情况 查看票数。"

POLL_CANCELLED = "「{group}兴趣小组」的活动投票已被组织者取消。"
CANCEL_USAGE = "请这样发：/取消投票 小组名称"
NO_OPEN_POLL = "「{name}」兴趣小组现在没有进行中的投票。"
CANCELLED_POLL = "已取消「{name}」兴趣小组的投票，并私聊告诉了成员。"
STATUS_USAGE = "请这样发：/投票情况 [小组名称]"
STATUS_NONE = "你负责的兴趣小组暂时没有投票。"
STATUS_HEADER = (
    "【{group}兴趣小组】投票 · {state} · 截止 {deadline}\n投票 {voters}/{members} 人（{turnout}）"
)
STATUS_RESULT_ACTIVITY = (
    "结果：{id}. {title} 胜出{tied}，已成为活动 #{activity}（发送 /活动状态 {activity} 查看报名）。"
)
STATUS_TIED = "（平票，按规则先提出的胜出）"
POLL_STATES = {
    "open": "进行中",
    "closing": "正在统计",
    "decided": "已出结果",
    "no_votes": "无人投票",
    "expired": "已过期",
    "cancelled": "已取消",
}

RESULT_TO_ORGANISER = (
    "「{group}兴趣小组」投票已截止：{id}. {title} 以 {votes} 票胜出{tied}，"
    "已成为活动 #{activity}，报名通知正私聊发给 {members} 位成员。"
)
RESULT_NO_VOTES = "「{group}兴趣小组」投票已截止，没有人投票，没有生成活动。"
RESULT_EXPIRED = (
    "「{group}兴趣小组」投票已截止，但胜出的提议 {id}. {title} 的时间已过，没有生成活动。"
)
RESULT_FAILED = "「{group}兴趣小组」投票已截止，{id}. {title} 胜出，但生成活动失败：{error}"
ACTIVITY_TITLE = "{title}（{group}兴趣小组）"
AUDIENCE_LABEL = "「{group}」兴趣小组成员（私聊）"

# Files and the console
FILE_UNKNOWN_ORG = "没有编号为「{org}」的团组织"
FILE_UNKNOWN_PERSON = "青情地图里没有人员「{person}」"
FILE_NAME_TAKEN = "小组名称「{name}」已被另一个小组使用"
CONSOLE_NAME_REQUIRED = "请填写小组名称。"
CONSOLE_NAME_TOO_LONG = "小组名称最多 {limit} 个字。"
CONSOLE_CREATED = "已新建兴趣小组「{name}」。"
CONSOLE_FROM_FILE = "这个小组来自 faq_data 文件，请在文件里修改。"
