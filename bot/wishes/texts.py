"""What the bot says about 微心愿 (Chinese, short)."""

STATUS = {
    "draft": "待补充",
    "open": "待认领",
    "claimed": "进行中",
    "lit": "已点亮",
    "withdrawn": "已撤回",
}

USAGE = "请这样发：/心愿 想要一套绘画工具"
TOO_LONG = "心愿请控制在 {limit} 字以内。"
ASK_FOR_WHOM = "收到你的微心愿：{text}\n这个心愿是为谁许的？（例如：我自己、我的妹妹 小学三年级）"
ASK_CONTACT = "怎么联系到你？请留下电话或微信（只给认领的团干部看）。"
ASK_ORG = "你在哪个团组织（学校、社区或街道）？可以回复名称，或回复“不知道”。"
EMPTY = "请回复文字，或发“退出”放弃。"
IN_GROUP = "收到你的微心愿 #{id}。为保护隐私，详细信息已私聊询问，请在私聊中回复。"
IN_GROUP_NO_PRIVATE = (
    "收到你的微心愿。为保护隐私，详细信息不在群里填写：请先加机器人为好友，再私聊发送 /心愿 {text}"
)
POSTED = (
    "微心愿 #{id} 已登记：{text}\n团干部认领后会告诉你。发送“我的心愿”查看，“撤回心愿 {id}”撤回。"
)
QUIT = "已放弃这个心愿。"
ORG_UNKNOWN = "没有找到“{name}”，请回复团组织名称，或回复“不知道”。"

MINE_EMPTY = "你还没有微心愿。发送 /心愿 你的心愿 即可许愿。"
MINE_HEADER = "你的微心愿："
MINE_ITEM = "#{id} {text} · {status}"
WITHDRAW_USAGE = "请这样发：撤回心愿 编号"
WITHDRAWN = "微心愿 #{id} 已撤回。"
CANNOT_WITHDRAW = "微心愿 #{id} 已{status}，不能撤回。"
NOT_FOUND = "没有找到微心愿 #{id}。"

LIST_EMPTY = "你负责的团组织暂时没有待认领的微心愿。"
LIST_HEADER = "待认领的微心愿（{progress}）："
LIST_ITEM = "#{id} {text} · {who} · {org}"
LIST_MORE = "……还有 {count} 个，请到管理后台查看。"
LIST_FOOTER = "发送 /认领心愿 编号 认领。"
PROGRESS = "已认领 {done}/{target}"
CLAIM_USAGE = "请这样发：/认领心愿 编号"
LIGHT_USAGE = "请这样发：/点亮 编号 备注（可附照片链接）"
NOT_OPEN = "微心愿 #{id} 已{status}，不能认领。"
NOT_IN_SCOPE = "微心愿 #{id} 不在你负责的团组织范围内。"
CAP_REACHED = "你已有 {count} 个进行中的微心愿（上限 {cap} 个），请先点亮再认领。"
CLAIMED = "已认领微心愿 #{id}：{text}\n为谁：{for_whom}\n联系方式：{contact}\n{progress}。完成后发送 /点亮 {id} 备注。"
NOT_CLAIMER = "微心愿 #{id} 不是你认领的。"
NOT_CLAIMED = "微心愿 #{id} 现在{status}，只有进行中的心愿可以点亮。"
LIT = "微心愿 #{id} 已点亮，谢谢你！{progress}。"

TOLD_CLAIMED = "你的微心愿 #{id}（{text}）已被团干部认领，正在帮你实现，请留意联系。"
TOLD_LIT = "你的微心愿 #{id}（{text}）已点亮！{note}"
TOLD_NOTE = "团干部留言：{note}"
NOT_CADRE = "只有团干部可以认领微心愿。"
