"""Logging set-up: our services' standard logging goes to NoneBot's log, with personal data masked."""

from __future__ import annotations

import logging
from typing import Any

from nonebot.log import LoguruHandler, logger

from bot.safety.masking import mask_pii

SERVICE_LOGGERS = ("bot", "plugins", "alembic")


def _mask(record: dict[str, Any]) -> None:
    record["message"] = mask_pii(record["message"])


def setup_logging(level: int = logging.INFO) -> None:
    """Route service loggers into loguru and mask phone and ID numbers in every log line.

    NoneBot itself logs each received message with its text; the patcher masks those lines too.
    """
    logger.configure(patcher=_mask)
    for name in SERVICE_LOGGERS:
        service = logging.getLogger(name)
        service.handlers[:] = [LoguruHandler()]
        service.setLevel(level)
        service.propagate = False
