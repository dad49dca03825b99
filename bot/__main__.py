"""`python -m bot`: start 青声 with settings from the environment and `.env`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import nonebot

from bot.app import setup
from bot.logs import log_times_in, setup_logging
from bot.settings import SettingsError, get_settings


def main() -> None:
    """Initialise NoneBot, assemble the bot and serve until stopped."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        raise SystemExit(f"设置有误（.env 或环境变量），请改正后再启动：\n{exc}") from None
    log_times_in(ZoneInfo(settings.timezone))
    # The official QQ bot's adapter calls its OpenAPI through the driver: it needs an HTTP client.
    nonebot.init(**({"driver": "~fastapi+~httpx"} if settings.qq_bot_appid else {}))
    setup_logging(zone=ZoneInfo(settings.timezone))
    setup(settings)
    # The client's address is decided in bot.web.access, with TRUSTED_PROXIES: uvicorn must not
    # rewrite it from X-Forwarded-For on its own (it trusts any peer at 127.0.0.1 by default).
    nonebot.run(proxy_headers=False)


if __name__ == "__main__":
    main()
