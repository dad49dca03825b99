"""The delivery plugin through nonebug: admins are told when an account's sending pauses."""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import Bot, Message, MessageSegment
from nonebug import App

from bot.runtime import get_runtime
from tests.conftest import SUPERUSER
from tests.utils import SELF_ID


async def test_admins_are_told_when_an_account_pauses(app: App) -> None:
    from plugins.delivery import tell_admins

    assert tell_admins in get_runtime().outbox.on_circuit_open
    reason = "⚠️ 账号 default 连续 3 次发送超时或被风控（retcode 1200），已暂停群发 30 分钟。"
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": int(SUPERUSER), "message": Message(MessageSegment.text(reason))},
            result=None,
        )
        await tell_admins("default", reason)
