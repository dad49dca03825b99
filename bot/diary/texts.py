"""What the bot says about 团情日记 (Chinese, short)."""

NOT_CADRE = "只有团干部可以使用团情日记。"
USAGE = (
    "团情日记：\n"
    "/日记 —— 记一次基层走访\n"
    "/日记 本月 —— 本月“四个一”进度（也可写 上月、2026-11）\n"
    "/日记 列表 —— 我最近的日记\n"
    "/日记 编号 —— 查看一篇日记和跟进情况\n"
    "/日记 转工单 跟进编号 —— 把跟进事项转为问题工单\n"
    "/日记 办结 跟进编号 —— 跟进事项已办好"
)
HELP = "日记：记团情日记（基层走访、“四个一”进度）"
IN_GROUP = "团情日记请在私聊里填写，已私聊你。"
IN_GROUP_SENT = "已私聊发给你。"
IN_GROUP_NO_PRIVATE = "团情日记不在群里填写：请先加机器人为好友，再私聊发送 /日记"

ASK_DATE = "记一篇团情日记（随时发“退出”放弃）。\n哪天走访的？回复日期，如“今天”“昨天”“12-01”。"
BAD_DATE = "没看懂这个日期，请写成“今天”“昨天”“12-01”或“2026-12-01”。"
FUTURE_DATE = "走访日期不能晚于今天。"
OLD_DATE = "只能记一年以内的走访。"
ASK_ORG = "走访了哪个团组织或地点？回复团组织名称（如 东湖街道团工委）；不在青情地图里的地点也可以直接写。"
ASK_YOUTHS = "见了多少位青年？回复人数，可以再写是谁，如“8 高二学生和班主任”。"
BAD_YOUTHS = "请先写人数，如“8”或“8 高二学生”。"
ASK_HEARD = "青年们在想什么、盼什么？（青年所思所想所盼）"
ASK_PROBLEMS = "听到了哪些问题或困难？一行一个；没有请回复“无”。"
ASK_FOLLOWUPS = "有哪些需要跟进的事项？一行一件；没有请回复“无”。"
ASK_MARKS = (
    "这次还算作哪几项“四个一”？回复编号，可多选：\n"
    "1 办了一件实事\n2 写了一篇调研报告\n3 结对了一名团支部书记\n都没有请回复“无”。"
)
BAD_MARKS = "请回复 1、2、3 中的编号（可多选，如“1 3”），或回复“无”。"
ASK_CASES = (
    "要把跟进事项转为问题工单，交给负责的团干部办理吗？\n{items}\n"
    "回复“全部”、编号（如“1 2”）或“否”。"
)
BAD_CASES = "请回复“全部”、跟进事项的编号（如“1 2”）或“否”。"
EMPTY = "请回复文字，或发“退出”放弃。"
TOO_LONG = "请控制在 {limit} 字以内。"
QUIT = "已放弃这篇日记。"

SAVED = "团情日记 #{id} 已保存：{day} {place}，见青年 {youths} 人。"
SAVED_FOLLOWUPS = "跟进事项："
PROGRESS_HEADER = "{month}“四个一”："
PROGRESS_LINE = "{mark} {name}：{done}/{target}{unit}"
DONE_MARK = "✅"
TODO_MARK = "⬜"
FOUR_ONES = {
    "workdays": ("基层工作日", "天"),
    "deed": ("一件实事", "件"),
    "research": ("一篇调研报告", "篇"),
    "paired": ("结对一个团支部书记", "名"),
    "youths": ("结交一批青年", "人"),
}
"""The "四个一" of 台州, in the order shown: (name, unit)."""
FOUR_ONES_SHORT = {
    "workdays": "工作日",
    "deed": "实事",
    "research": "调研报告",
    "paired": "结对书记",
    "youths": "结交青年",
}
"""Column heads of the console's "四个一" table (narrow enough for a phone)."""
MARK_NAMES = {"deed": "办实事", "research": "调研报告", "paired": "结对团支部书记"}

LIST_EMPTY = "你还没有团情日记。发送 /日记 记一篇。"
LIST_HEADER = "你最近的团情日记："
LIST_ITEM = "#{id} {day} {place} · 见青年 {youths} 人{open}"
LIST_OPEN = " · 待跟进 {count} 件"
LIST_FOOTER = "发送 /日记 编号 查看。"
SHOW = (
    "团情日记 #{id} · {author}\n{day} {place} · 见青年 {youths} 人{note}\n"
    "所思所想所盼：{heard}\n问题：{problems}"
)
SHOW_MARKS = "算作：{marks}"
NOT_FOUND = "没有找到团情日记 #{id}。"
FOLLOWUP_NOT_FOUND = "没有找到跟进事项 #{id}。"
FOLLOWUP_ITEM = "跟进#{id} {text} · {status}"
FOLLOWUP_USAGE = "请这样发：/日记 {verb} 跟进编号"
NOTHING = "无"

STATUS_OPEN = "待跟进"
STATUS_DONE = "已办结"
STATUS_PENDING = "正在转为工单"
STATUS_CASE = "工单 #{case} {status}"
ALREADY_CASE = "跟进事项 #{id} 已转为工单 #{case}。"
ALREADY_DONE = "跟进事项 #{id} 已办结。"
TO_CASE_DONE = "跟进事项 #{id} 已转为问题工单 #{case}，将按青情地图交给负责的团干部。"
MARKED_DONE = "跟进事项 #{id} 已办结。"
CASE_ASKER = "团情日记·{name}"

BAD_ORG = "请选择你负责范围内的团组织。"
BAD_YOUTHS_FORM = "见到的青年人数请填 0 到 {limit} 之间的整数。"
HEARD_REQUIRED = "请写下青年所思所想所盼。"
ADDED = "团情日记 #{id} 已保存。"
