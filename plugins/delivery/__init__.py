"""Delivery in chat: superusers are told things in private (`tell_superusers`, which plugins
that `require()` this one use too), and hear when a bot account's paced sending pauses."""

from __future__ import annotations

import logging

import nonebot
from nonebot.adapters.onebot.v11 import Bot
from nonebot.plugin import PluginMetadata

from bot.delivery.channel import tell_each
from bot.delivery.settings import OutboxSettings
from bot.runtime import get_runtime

log = logging.getLogger(__name__)

__plugin_meta__ = PluginMetadata(
    name="青声发送队列",
    description="群发（活动通知、提醒）按账号限速排队；账号疑似被风控时暂停并私聊告知管理员。",
    usage="无需命令：发送进度见 /活动状态 编号。",
    type="application",
    config=OutboxSettings,
    supported_adapters={"~onebot.v11"},
)


async def tell_superusers(text: str, account: str | None = None) -> list[str]:
    """Tell every superuser in private chat, each through a QQ account they are a friend of
    (`account` if it is connected); returns who was told."""
    channel = get_runtime().cases.channels.get("qq")
    if channel is None:
        return []
    admins = sorted(nonebot.get_driver().config.superusers)
    return await tell_each(channel, admins, text, account=account)


async def tell_admins(account: str, reason: str) -> None:
    """Tell the superusers that `account`'s sending paused (the outbox's circuit opened)."""
    if not await tell_superusers(reason):
        log.warning("no admin could be told that account %s paused: %s", account, reason)


driver = nonebot.get_driver()


@driver.on_startup
async def _listen_for_pauses() -> None:
    get_runtime().outbox.on_circuit_open.append(tell_admins)


@driver.on_bot_connect
async def _account_connected(bot: Bot) -> None:
    """A QQ account connected: the outbox learns its groups and sends what waited for it."""
    get_runtime().outbox.connected("qq", bot.self_id)
