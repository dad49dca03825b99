"""What 青声 says on WeChat (plain text, never markup)."""

WELCOME = (
    "你好，这里是青声答疑助手！\n"
    "直接发文字提问即可，例如：怎么交团费、几岁可以入团。\n"
    "答案没帮上忙可回复“转人工”，团干部会尽快回复；回复“赞”给答案点赞；"
    "发送“我的问题”查看提问进度。"
)
HOW_TO_ASK = (
    "请直接发送文字描述你的问题（300 字以内），我会马上查找答案；需要团干部帮忙请回复“转人工”。"
)
TEXT_ONLY = "目前只能回答文字问题，请用文字描述一下你的问题吧。"
MENU_ASK = "ASK_HELP"
MENU_MY_QUESTIONS = "MY_QUESTIONS"
WECOM_NOT_CADRE = "你的企业微信账号还没有登记在青情地图中，请联系管理员在人员表里填写 wecom。"
