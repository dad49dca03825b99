"""What the bot says about 微心愿 (Chinese, short)."""

from bot.chat.dialogue import EXIT_HINT

STATUS = {
    "draft": "待补充",
    "open": "待认领",
    "claimed": "进行中",
    "lit": "已点亮",
    "withdrawn": "已撤回",
}

USAGE = "请这样发：/心愿 想要一套绘画工具"
TOO_LONG = "心愿请控制在 {limit} 字以内。"
ASK_FOR_WHOM = (
    "收到你的微心愿：{text}\n这个心愿是为谁许的？（例如：我自己、我的妹妹 小学三年级）\n"
    + EXIT_HINT
)
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
QUIT = "已退出填写心愿，这个心愿没有保存。"
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
LIST_ITEM = "#{id} {text} · {who} · {org}{campaign}"
LIST_CAMPAIGN = " · {name}"
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

# ---- campaigns (六一 …): the console's words ----------------------------------------------

CAMPAIGN_NAME_NEEDED = "请填写活动名称（60 字以内）。"
CAMPAIGN_DATE_NEEDED = "请填写目标日期，例如 2027-06-01。"
CAMPAIGN_ORGS_NEEDED = "请至少选择一个团组织。"
CAMPAIGN_ORG_OUT_OF_SCOPE = "“{org}”不在你负责的团组织范围内。"
CAMPAIGN_NOT_FOUND = "没有这个微心愿活动，或不在你负责的团组织范围内。"
CAMPAIGN_CREATED = "已新建微心愿活动“{name}”，请上传心愿表格。"
CAMPAIGN_IMPORTED = "已导入 {count} 个微心愿。"
DAYS_LEFT = "还有 {days} 天"
DAYS_TODAY = "今天截止"
DAYS_PAST = "已过目标日期 {days} 天"
CAMPAIGN_PROGRESS = "点亮 {lit} / {total} 个微心愿"

UPLOAD_NEEDED = "请选择要上传的 XLSX 文件。"
UPLOAD_TOO_BIG = "文件太大（上限 {limit} MB）。"
SHEET_NOT_XLSX = "文件不是有效的 XLSX 表格，请下载模板填写后上传。"
SHEET_TOO_BIG = "文件解压后太大，请只保留心愿表格。"
SHEET_EMPTY = "表格是空的。"
SHEET_NO_WISHES = "表头下面没有心愿。"
SHEET_MISSING_COLUMNS = "缺少“{columns}”列（请按模板的表头填写）。"
SHEET_TOO_MANY = "一次最多导入 {limit} 个心愿，请分成几个文件。"
SHEET_REQUIRED = "不能为空。"
SHEET_TOO_LONG = "请控制在 {limit} 字以内。"
SHEET_BAD_AGE = "请填写 0 到 {max} 之间的整数（例如 9）。"
SHEET_ORG_NEEDED = "这个活动有多个团组织，请填写组织名称。"
SHEET_ORG_UNKNOWN = "没有找到团组织“{org}”。"
SHEET_ORG_OUTSIDE = "“{org}”不在这个活动的团组织范围内。"
SHEET_ORG_OUT_OF_SCOPE = "“{org}”不在你负责的团组织范围内。"
SHEET_DUPLICATE = "与第 {row} 行重复。"
SHEET_ALREADY = "这个心愿已导入过（#{id}），请删去这一行。"
SHEET_REFUSED = "表格有 {count} 处问题，一个心愿也没有导入。请改正后重新上传："
SHEET_MORE = "……还有 {count} 处问题。"

TEMPLATE_NOTES = (
    "微心愿导入模板：请在“心愿”工作表中每行填写一个心愿，表头不要改动。",
    "心愿内容（必填，100 字以内）：例如 想要一套绘画工具。",
    "对象(称呼)（必填）：心愿主人的称呼，团干部认领前只看到打码后的称呼。",
    "年龄（选填）：整数，例如 9。",
    "联系人、联系方式（联系方式必填）：只给认领的团干部看，不会发到群里。",
    "组织（活动只有一个团组织时可不填）：团组织名称，须在活动的团组织范围内。",
    "只要有一行有问题，整个文件都不会导入；改正后重新上传即可。",
)
TEMPLATE_EXAMPLE = "示例："
