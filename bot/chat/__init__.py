"""The conversation, shared by every chat surface (QQ, WeChat, WeCom, the web page)."""
