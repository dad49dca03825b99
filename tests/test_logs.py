"""Every log line, NoneBot's own included, has phone and ID numbers masked."""

from __future__ import annotations

import logging

from nonebot.log import logger

from bot.logs import setup_logging


def test_log_lines_are_masked() -> None:
    lines: list[str] = []
    setup_logging()
    sink = logger.add(lambda message: lines.append(str(message)), format="{message}")
    try:
        logger.info('Message 1 from 30001@[群:40001] "我的手机号13812345678"')
        logging.getLogger("bot.qa.service").info("身份证 110101200501011234")
    finally:
        logger.remove(sink)
    text = "".join(lines)
    assert "138****5678" in text
    assert "1101**********1234" in text
    assert "13812345678" not in text
    assert "110101200501011234" not in text
