"""Youths' personal data: 我的数据, 删除我的数据, retention and the expiry of sign-up exports."""
