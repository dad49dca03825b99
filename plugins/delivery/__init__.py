"""Delivery in chat: admins hear in private when a bot account's paced sending pauses."""

from __future__ import annotations

import logging

import nonebot
from nonebot.adapters.onebot.v11 import Bot
from nonebot.plugin import PluginMetadata

from bot.delivery.channel import tell_each
from bot.runtime import get_runtime

log = logging.getLogger(__name__)

__plugin_meta__ = PluginMetadata(
    name="青声发送队列",
    description="群发（活动通知、提醒）按账号限速排队；账号疑似被风控时暂停并私聊告知管理员。",
    usage="无需命令：发送进度见 /活动状态 编号。",
    supported_adapters={"~onebot.v11"},
)


async def tell_admins(account: str, reason: str) -> None:
    """Tell every superuser in private chat, each through a QQ account they are a friend of."""
    channel = get_runtime().cases.channels.get("qq")
    admins = sorted(nonebot.get_driver().config.superusers)
    if channel is None or not await tell_each(channel, admins, reason):
        log.warning("no admin could be told that account %s paused: %s", account, reason)


driver = nonebot.get_driver()


@driver.on_startup
async def _listen_for_pauses() -> None:
    get_runtime().outbox.on_circuit_open.append(tell_admins)


@driver.on_bot_connect
async def _account_connected(bot: Bot) -> None:
    """A QQ account connected: the outbox learns its groups and sends what waited for it."""
    get_runtime().outbox.connected("qq", bot.self_id)
