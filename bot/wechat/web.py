"""Mounting the WeChat callbacks on the bot's web server (only those configured)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from bot.delivery.channel import Channel
from bot.runtime import get_runtime
from bot.settings import Settings
from bot.wechat.api import WeChatApi
from bot.wechat.channel import WeChatChannel
from bot.wechat.oa import OaCallback
from bot.wechat.robot import WeComRobotChannel
from bot.wechat.wecom import WeComCallback, WeComChannel

log = logging.getLogger(__name__)

_oa: OaCallback | None = None
_wecom: WeComCallback | None = None


def oa_configured(settings: Settings) -> bool:
    """The 服务号 callback is on when its Token is set."""
    return bool(settings.wechat_oa_token)


def wecom_configured(settings: Settings) -> bool:
    """The 企业微信 callback is on when its Token, EncodingAESKey and CorpID are set."""
    return bool(settings.wecom_token and settings.wecom_aes_key and settings.wecom_corp_id)


def channels(settings: Settings) -> dict[str, Channel]:
    """The WeChat channels for the case service (only those with API credentials)."""
    out: dict[str, Channel] = {}
    if settings.wechat_oa_appid and settings.wechat_oa_secret:
        from wechatpy import WeChatClient

        client = WeChatClient(settings.wechat_oa_appid, settings.wechat_oa_secret, timeout=10)
        out["wechat"] = WeChatChannel(WeChatApi(client), lambda: get_runtime().db)
    if settings.wecom_corp_id and settings.wecom_secret and settings.wecom_agent_id:
        from wechatpy.enterprise import WeChatClient as WeComClient

        client = WeComClient(settings.wecom_corp_id, settings.wecom_secret, timeout=10)
        out["wecom"] = WeComChannel(WeChatApi(client), settings.wecom_agent_id)
    robots = settings.wecom_robot_keys
    if robots:
        out["wecom-robot"] = WeComRobotChannel(robots)
    return out


def install(oa: OaCallback | None = None, wecom: WeComCallback | None = None) -> None:
    """Set the handlers behind the mounted routes (tests install their own)."""
    global _oa, _wecom
    _oa, _wecom = oa, wecom


def mount(app: FastAPI, settings: Settings) -> None:
    """Add /wechat/oa and /wechat/work (paths configurable) when configured."""
    router = APIRouter()

    def unavailable() -> Response:
        return PlainTextResponse("not configured", status_code=404)

    async def oa_get(request: Request) -> Response:
        return await _oa.verify(request) if _oa else unavailable()

    async def oa_post(request: Request) -> Response:
        return await _oa.receive(request) if _oa else unavailable()

    async def work_get(request: Request) -> Response:
        return await _wecom.verify(request) if _wecom else unavailable()

    async def work_post(request: Request) -> Response:
        return await _wecom.receive(request) if _wecom else unavailable()

    if oa_configured(settings):
        router.add_api_route(settings.wechat_oa_path, oa_get, methods=["GET"])
        router.add_api_route(settings.wechat_oa_path, oa_post, methods=["POST"])
    if wecom_configured(settings):
        router.add_api_route(settings.wecom_path, work_get, methods=["GET"])
        router.add_api_route(settings.wecom_path, work_post, methods=["POST"])
    app.include_router(router, include_in_schema=False)
    log.info("wechat callbacks mounted: %s", [r.path for r in router.routes])


def start(settings: Settings, runtime_channels: dict[str, Channel]) -> None:
    """Install the callbacks once the runtime runs, sharing the case service's channels."""
    oa_channel = runtime_channels.get("wechat")
    wecom_channel = runtime_channels.get("wecom")
    install(
        OaCallback(settings, oa_channel if isinstance(oa_channel, WeChatChannel) else None)
        if oa_configured(settings)
        else None,
        WeComCallback(settings, wecom_channel if isinstance(wecom_channel, WeComChannel) else None)
        if wecom_configured(settings)
        else None,
    )
