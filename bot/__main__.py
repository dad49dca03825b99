"""`python -m bot`: start 青声 with settings from the environment and `.env`."""

from __future__ import annotations

import logging

import nonebot
from nonebot.log import LoguruHandler

from bot.app import setup


def main() -> None:
    """Initialise NoneBot, assemble the bot and serve until stopped."""
    nonebot.init()
    # Route the standard logging of our services and migrations into NoneBot's log.
    for name in ("bot", "plugins", "alembic"):
        logger = logging.getLogger(name)
        logger.addHandler(LoguruHandler())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    setup()
    nonebot.run()


if __name__ == "__main__":
    main()
