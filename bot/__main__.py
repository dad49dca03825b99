"""`python -m bot`: start 青声 with settings from the environment and `.env`."""

from __future__ import annotations

import nonebot

from bot.app import setup
from bot.logs import setup_logging


def main() -> None:
    """Initialise NoneBot, assemble the bot and serve until stopped."""
    nonebot.init()
    setup_logging()
    setup()
    nonebot.run()


if __name__ == "__main__":
    main()
