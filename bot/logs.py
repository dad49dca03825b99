"""Logging set-up: our services' standard logging goes to NoneBot's log, with personal data masked."""

from __future__ import annotations

import contextlib
import logging
import sys
from datetime import timezone
from typing import Any
from zoneinfo import ZoneInfo

import nonebot
from nonebot import log as nonebot_log
from nonebot.log import LoguruHandler, logger

from bot.safety.masking import mask_pii

SERVICE_LOGGERS = ("bot", "plugins", "alembic")


def _patcher(zone: ZoneInfo | None):
    def patch(record: dict[str, Any]) -> None:
        record["message"] = mask_pii(record["message"])
        if zone is not None:
            moment = record["time"].astimezone(zone)
            # A fixed offset: loguru's formatting asks the zone for an offset without a date.
            record["time"] = moment.replace(tzinfo=timezone(moment.utcoffset() or ZERO))

    return patch


ZERO = timezone.utc.utcoffset(None)


_NONEBOT_PATCHER = getattr(nonebot, "_log_patcher", None)
"""NoneBot's own patcher (plugin names in log lines), which `nonebot.init()` installs."""


def log_times_in(zone: ZoneInfo | None) -> None:
    """Log times in `zone` from now on; call before `nonebot.init()`, whose first lines would
    otherwise read in the machine's zone while the rest read in TIMEZONE. `nonebot.init()`
    installs its patcher by its module name: ours is put there, after NoneBot's own."""
    patch = _patcher(zone)
    logger.configure(patcher=patch)
    if callable(_NONEBOT_PATCHER):

        def both(record: Any) -> None:
            _NONEBOT_PATCHER(record)
            patch(record)

        nonebot._log_patcher = both  # type: ignore[attr-defined]


def setup_logging(level: int = logging.INFO, zone: ZoneInfo | None = None) -> None:
    """Route service loggers into loguru and mask phone and ID numbers in every log line.

    `zone`: log times in this time zone (TIMEZONE), the one deadlines and messages use, so a
    log line and the deadline it mentions read alike; default: the machine's.

    NoneBot itself logs each received message with its text; the patcher masks those lines too.
    NoneBot's own handler takes every level and filters afterwards, so each of its many debug
    and trace calls per message built a whole record (and ran the patcher) to be thrown away;
    it is replaced by one with the configured LOG_LEVEL as its level, which loguru checks first.
    """
    log_times_in(zone)
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
