"""Logging set-up: our services' standard logging goes to NoneBot's log, with personal data masked."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Any

import nonebot
from nonebot import log as nonebot_log
from nonebot.log import LoguruHandler, logger

from bot.safety.masking import mask_pii

SERVICE_LOGGERS = ("bot", "plugins", "alembic")


def _mask(record: dict[str, Any]) -> None:
    record["message"] = mask_pii(record["message"])


def setup_logging(level: int = logging.INFO) -> None:
    """Route service loggers into loguru and mask phone and ID numbers in every log line.

    NoneBot itself logs each received message with its text; the patcher masks those lines too.
    NoneBot's own handler takes every level and filters afterwards, so each of its many debug
    and trace calls per message built a whole record (and ran the patcher) to be thrown away;
    it is replaced by one with the configured LOG_LEVEL as its level, which loguru checks first.
    """
    logger.configure(patcher=_mask)
    configured = nonebot.get_driver().config.log_level
    with contextlib.suppress(ValueError):  # already replaced (set-up run twice)
        logger.remove(nonebot_log.logger_id)
        nonebot_log.logger_id = logger.add(
            sys.stdout,
            level=configured,
            diagnose=False,
            filter=nonebot_log.default_filter,
            format=nonebot_log.default_format,
        )
    for name in SERVICE_LOGGERS:
        service = logging.getLogger(name)
        service.handlers[:] = [LoguruHandler()]
        service.setLevel(level)
        service.propagate = False
