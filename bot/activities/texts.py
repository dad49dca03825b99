"""Every sentence about activities, for youths and for organisers, in one place for review."""

from __future__ import annotations

from bot.chat.dialogue import EXIT_HINT

FIELD_NAMES = {"name": "姓名", "phone": "手机号", "school": "学校/单位"}
FIELD_ALIASES = {
    "name": "name",
    "姓名": "name",
    "名字": "name",
    "phone": "phone",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "school": "school",
    "学校": "school",
    "单位": "school",
    "学校/单位": "school",
}
FIELD_PROMPTS = {
    "name": "请回复你的真实姓名：",
    "phone": "请回复你的手机号（仅组织者可见）：",
    "school": "请回复你的学校或单位：",
}
BAD_PHONE = "手机号应为 11 位数字，请重新回复："
STATUS = {
    "draft": "草稿",
    "scheduled": "待发布",
    "announced": "已发布",
    "cancelled": "已取消",
}
SIGNUP_STATUS = {"signed": "已报名", "waitlisted": "候补", "cancelled": "已取消"}
WEEKDAYS = "一二三四五六日"

# The announcement and notices
ANNOUNCEMENT = (
    "【活动 #{id}】{title}\n"
    "时间：{time}\n"
    "地点：{place}\n"
    "名额：{quota}{deadline}\n"
    "{details}"
    "报名：引用本消息回复“报名”，或发送“报名 {id}”"
)
QUOTA_NONE = "不限"
QUOTA = "{quota} 人（满员后可候补）"
DEADLINE = "，报名截止 {time}"
CANCEL_NOTICE = "【活动取消】很抱歉，你报名的活动 #{id}「{title}」（{time}）已取消。{reason}"
CHANGE_NOTICE = "【活动变更】你报名的活动 #{id}「{title}」有变动：{change}"
PROMOTED = "【候补成功】活动 #{id}「{title}」有人退出，你已从候补转为正式报名。时间：{time}，地点：{place}。"
REMINDER = "【活动提醒】你报名的活动 #{id}「{title}」将于 {time} 开始，地点：{place}。到场后发送“签到 签到码”签到。"

# To youths
SIGNED = "报名成功：活动 #{id}「{title}」，{time}，{place}。"
WAITLISTED = (
    "名额已满，你已进入候补第 {rank} 位（活动 #{id}「{title}」）；有人退出会自动递补并通知你。"
)
ALREADY_SIGNED = "你已经报名了活动 #{id}「{title}」（{status}）。"
FIELDS_BY_PRIVATE = "还需要补充报名信息，我已私聊你，请在私聊里回复（个人信息不会发在群里）。"
FIELDS_PRIVATE_FAILED = "还需要补充报名信息，但我没能私聊你：请加我为好友，再私聊我发送“我的报名”。"
FIELDS_SIGN_UP_PRIVATELY = (
    "活动 #{id}「{title}」报名要填写个人信息，不在群里填：请私聊我发送“报名 {id}”。"
)
FIELDS_START = "活动 #{id}「{title}」报名还需要补充信息" + EXIT_HINT + "。"
FIELDS_QUIT = "已退出填写报名信息，报名仍然有效；想补充时私聊发送“我的报名”。"
FIELDS_GONE = "这个活动已经不需要补充报名信息了。"
FIELDS_DONE = "信息已收到，活动 #{id}「{title}」报名完成。"
NO_SUCH_ACTIVITY = "没有找到活动 #{id}。"
NOT_OPEN = "活动 #{id} 目前不接受报名（{status}）。"
DEADLINE_PASSED = "活动 #{id} 报名已截止。"
ALREADY_STARTED = "活动 #{id} 已经开始，不能再报名了。"
SIGNUP_USAGE = "请发送“报名 活动编号”，如：报名 3；或引用活动通知回复“报名”。"
CANCEL_SIGNUP_USAGE = "请发送“取消报名 活动编号”，如：取消报名 3。"
NOT_SIGNED = "你没有报名活动 #{id}。"
SIGNUP_CANCELLED = "已取消你在活动 #{id}「{title}」的报名。"
MY_SIGNUPS_EMPTY = "你还没有报名任何活动。发送“活动”看看近期活动。"
MY_SIGNUPS_HEADER = "你的报名："
MY_SIGNUP_ITEM = "#{id}「{title}」{time} · {status}{checked}"
WAITLIST_RANK = "（候补第 {rank} 位）"
CHECKED = " · 已签到"
CHECKIN_USAGE = "请发送“签到 签到码”，签到码由组织者在现场公布。"
CHECKIN_UNKNOWN = "签到码不对，请向现场组织者确认。"
CHECKIN_NOT_SIGNED = "你没有报名活动 #{id}「{title}」（或仍在候补），请联系现场组织者。"
CHECKIN_TOO_EARLY = "活动 #{id} 还没开始签到（开始前 {hours} 小时起可以签到）。"
CHECKED_IN = "签到成功：活动 #{id}「{title}」。"
ALREADY_CHECKED_IN = "你已经签到过了：活动 #{id}「{title}」。"
UPCOMING_EMPTY = "近期没有活动。"
WEEK_EMPTY = "本周没有活动。"
UPCOMING_HEADER = "近期活动："
WEEK_HEADER = "本周活动："
UPCOMING_ITEM = "#{id}「{title}」{time} · {place} · {left}"
LEFT = "余 {left} 个名额"
LEFT_FULL = "已满，可候补"
LEFT_ANY = "名额不限"
UPCOMING_FOOTER = "发送“报名 编号”即可报名。"

# To organisers
NOT_CADRE = "只有团干部和管理员可以发布、修改、取消或导出活动。"
NOT_YOURS = "你不是活动 #{id} 的发布者，也不是其上级组织的团干部，不能操作它。"
TARGET_NOT_YOURS = "你只能向自己负责的组织及其下级发布活动：{what}"
PRIVATE_ONLY = "请私聊我使用这个命令（报名信息含个人信息）。"
PREVIEW = "【预览】以下是将发到 {count} 个群的通知：\n\n{text}\n\n发送对象：{targets}\n需收集：{fields}\n签到码：{code}"
NO_GROUPS = "发送对象里没有任何群（组织、标签或群号都没有对应的群），请重新填写。"
SCHEDULED = "活动 #{id} 将于 {time} 发到 {count} 个群。/活动状态 {id} 查看进度。"
ANNOUNCED = "活动 #{id} 已开始发送到 {count} 个群（逐个间隔发送，避免风控）。/活动状态 {id} 查看进度，签到码：{code}。"
CANCELLED = "活动 #{id} 已取消，将通知 {count} 位报名者。"
ALREADY_CANCELLED = "活动 #{id} 已经取消了。"
EDITED = "活动 #{id} 已修改：{change}{notified}"
EDIT_NOTIFIED = "，将通知 {count} 位报名者"
EDIT_USAGE = "用法：/修改活动 编号 字段 新内容\n字段：标题、时间、地点、详情、名额、报名截止"
EDIT_FIELD_UNKNOWN = "不能修改「{field}」。" + EDIT_USAGE
CANCEL_USAGE = "用法：/取消活动 编号 [原因]"
STATUS_USAGE = "用法：/活动状态 编号"
EXPORT_USAGE = "用法：/导出 编号"
STATUS_HEADER = (
    "活动 #{id}「{title}」· {status}\n时间：{time}\n报名 {signed}{quota}，候补 {waitlisted}，签到 {checked}\n"
    "签到码：{code}"
)
STATUS_SCHEDULED = "计划发布：{time}"
STATUS_GROUPS = "群发进度：已发 {sent}/{total}，失败 {failed}，排队 {queued}{held}"
STATUS_PRIVATE = "私信通知：已发 {sent}/{total}，待送达 {held}，失败 {failed}"
STATUS_GROUPS_HELD = "，待送达 {held}（QQ 官方机器人的群，有人 @ 青声时送出）"
STATUS_GROUP_ITEM = "{name}（{group}）：{status}{error}"
OUTBOX_STATUS = {
    "pending": "排队中",
    "queued": "排队中",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "失败",
    "dead": "失败",
    "held": "待送达",
}
EXPORTED = (
    "活动 #{id} 的报名表（{count} 人）：\nExcel：{xlsx}\nCSV：{csv}\n"
    "链接仅限组织者使用，请勿转发{expiry}。"
)
EXPORT_EXPIRY = "，{hours:g} 小时后失效"
EXPORT_SENT_PRIVATELY = "报名表已私聊发给你。"

# The guided dialogue (/发布活动)
ASK_TITLE = "发布活动" + EXIT_HINT + "。\n请输入活动标题："
ASK_TIME = "活动开始时间？例如：12月6日 14:00、2026-12-06 14:00、明天 9:30"
ASK_PLACE = "活动地点？"
ASK_DETAILS = "活动详情（内容、要求等；没有请回复“无”）："
ASK_QUOTA = "名额？回复数字，不限请回复“不限”："
ASK_DEADLINE = "报名截止时间？回复时间，或回复“无”表示开始前都可以报名："
ASK_TARGETS = (
    "发送对象？可以写组织编号或名称（含下级组织）、标签（{tags}）、群号（qq:群号），用空格分开；"
    "“全部”表示所有群。\n可选组织：{orgs}"
)
ASK_FIELDS = "需要报名者私聊提供哪些信息？可选：姓名 手机 学校，用空格分开；不需要请回复“无”："
ASK_CONFIRM = "回复“确认”立即发布；回复“定时 时间”定时发布（如：定时 明天 9:00）；回复“取消”放弃。"
DIALOGUE_QUIT = "已退出发布活动，填写的内容没有保存。"
BAD_TIME = "没看懂这个时间，请按“12月6日 14:00”或“2026-12-06 14:00”的格式重新输入："
TIME_PASSED = "这个时间已经过去了，请重新输入："
DEADLINE_AFTER_START = "报名截止时间应早于活动开始时间，请重新输入："
BAD_QUOTA = "名额应为正整数，或“不限”，请重新输入："
BAD_FIELDS = "没看懂「{word}」，可选：姓名 手机 学校，或“无”。请重新输入："
BAD_TARGET = "没找到「{word}」对应的组织、标签或群，请重新输入：\n可选组织：{orgs}"
EMPTY = "内容不能为空，请重新输入："
TOO_LONG = "内容太长了（最多 {limit} 字），请精简后重新输入："
BAD_CONFIRM = "请回复“确认”、“定时 时间”或“取消”。"
