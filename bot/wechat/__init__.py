"""WeChat: youths ask through the League's 服务号 (official account), cadres work in 企业微信.

Only official, ToS-compliant interfaces: the 服务号 message callback and customer-service
messages, and a 企业微信 self-built app. Personal-account hooks never ship.
"""
