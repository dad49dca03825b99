"""`python -m bot`: start 青声 with settings from the environment and `.env`."""

from __future__ import annotations

import logging

import nonebot
from nonebot.log import LoguruHandler

from bot.app import setup


def main() -> None:
    """Initialise NoneBot, assemble the bot and serve until stopped."""
    nonebot.init()
    # Route the standard logging of bot/ services into NoneBot's log.
    logging.basicConfig(handlers=[LoguruHandler()], level=logging.INFO, force=True)
    setup()
    nonebot.run()


if __name__ == "__main__":
    main()
