"""Assembling the bot: NoneBot, the OneBot v11 adapter, our plugins, the runtime and the web page."""

from __future__ import annotations

import ipaddress

import nonebot

from bot.common.heap import freeze_startup_objects
from bot.delivery.onebot import OneBotChannel
from bot.onebot import Adapter as OneBotV11Adapter
from bot.ops import metrics
from bot.runtime import Runtime, get_runtime, set_runtime
from bot.settings import Settings, get_settings

PLUGINS = ("plugins.delivery", "plugins.qa", "plugins.qqbot")
"""Loaded in this order; a plugin `require()`s those it builds on (qa: delivery)."""


def setup(settings: Settings | None = None) -> None:
    """Register adapters, start-up/shutdown of the runtime, web routes and plugins.

    Call after `nonebot.init()`.
    """
    settings = settings or get_settings()
    driver = nonebot.get_driver()
    driver.register_adapter(OneBotV11Adapter)
    if settings.qq_bot_appid:
        register_qqbot(settings)

    @driver.on_startup
    async def _start() -> None:
        from bot.wechat import web as wechat

        wechat_channels = wechat.channels(settings)
        runtime = await Runtime.start(settings, channels={"qq": OneBotChannel(), **wechat_channels})
        runtime.outbox.on_failure.append(metrics.outbox_failed)
        set_runtime(runtime)
        wechat.start(settings, wechat_channels)
        freeze_startup_objects()

    @driver.on_shutdown
    async def _stop() -> None:
        await get_runtime().stop()
        set_runtime(None)

    if settings.web_chat:
        from bot.web.chat import router

        nonebot.get_app().include_router(router)
        _announce_try_page(settings)
        if settings.web_chat_cadres:
            _announce_cadre_trial(settings)
    from bot.wechat.web import mount as mount_wechat

    mount_wechat(nonebot.get_app(), settings)
    from bot.activities.web import export_router

    nonebot.get_app().include_router(export_router(settings.data_dir, settings.export_ttl_hours))
    if settings.console:
        from bot.console.web import router as console_router

        nonebot.get_app().include_router(console_router)
    from bot.ops.web import ops_router

    nonebot.get_app().include_router(ops_router(settings))
    for plugin in PLUGINS:
        nonebot.load_plugin(plugin)


def register_qqbot(settings: Settings) -> None:
    """Receive the official QQ bot's webhook events at /qq/webhook (QQ_BOT_APPID is set)."""
    from nonebot.drivers import HTTPClientMixin

    from bot.qqbot.adapter import Adapter as QQBotAdapter
    from bot.qqbot.adapter import adapter_config

    driver = nonebot.get_driver()
    if not isinstance(driver, HTTPClientMixin):
        raise RuntimeError("QQ_BOT_APPID needs DRIVER=~fastapi+~httpx (see .env.example)")
    driver.register_adapter(
        QQBotAdapter,
        qq_config=adapter_config(
            settings.qq_bot_appid,
            settings.qq_bot_secret,
            sandbox=settings.qq_bot_sandbox,
            api_base=settings.qq_bot_api_base,
            auth_url=settings.qq_bot_auth_url,
        ),
        db=lambda: get_runtime().db,
        max_skew=settings.qq_bot_max_timestamp_skew,
    )


def _announce_try_page(settings: Settings) -> None:
    """Say where the try page (and the admin console) is once the server is up."""
    import logging

    from bot.web.chat import try_page_link

    config = nonebot.get_driver().config

    @nonebot.get_driver().on_startup
    async def _link() -> None:
        link = try_page_link(str(config.host), int(config.port))
        logging.getLogger("bot.web.chat").info("试用页面（浏览器打开即可提问）: %s", link)
        if settings.console:
            console = link.removesuffix("/chat") + "/console"
            hint = (
                ""
                if settings.console_admin_user
                else "（第一次使用请在 .env 里设置 CONSOLE_ADMIN_USER 和 CONSOLE_ADMIN_PASSWORD 再重启）"
            )
            logging.getLogger("bot.console").info("管理后台: %s%s", console, hint)


def _announce_cadre_trial(settings: Settings) -> None:
    """Print the try page's cadre link once the server is up (only this machine can use it)."""
    import logging

    from bot.web.chat import cadre_trial_link

    config = nonebot.get_driver().config

    @nonebot.get_driver().on_startup
    async def _link() -> None:
        log = logging.getLogger("bot.web.chat")
        if not ipaddress.ip_address(str(config.host)).is_loopback:
            log.warning(
                "web chat: WEB_CHAT_CADRES is on but HOST is not loopback: cadre mode stays off"
            )
            return
        link = cadre_trial_link(settings, str(config.host), int(config.port))
        log.info("团干部试用链接（只能在本机打开）: %s", link)
