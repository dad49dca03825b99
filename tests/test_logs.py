"""Every log line, NoneBot's own included, has phone and ID numbers masked; lines below
LOG_LEVEL cost nothing."""

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


def test_lines_below_the_log_level_are_never_built() -> None:
    """NoneBot logs several debug and trace lines per message; below LOG_LEVEL (WARNING in the
    tests) they must stop at loguru's level check, before any record or patcher work."""
    setup_logging()
    built: list[str] = []
    logger.opt(lazy=True).debug("{}", lambda: built.append("debug") or "")
    logger.opt(lazy=True).warning("{}", lambda: built.append("warning") or "")
    assert built == ["warning"]


def test_log_times_are_in_the_configured_time_zone() -> None:
    """Deadlines in messages are in TIMEZONE; log lines read in the same zone."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    times: list[datetime] = []
    lines: list[str] = []
    setup_logging(zone=ZoneInfo("Asia/Shanghai"))
    sink = logger.add(
        lambda message: (times.append(message.record["time"]), lines.append(str(message))),
        format="{time:HH:mm} {message}",
    )
    try:
        logger.info("x")
    finally:
        logger.remove(sink)
        setup_logging()
    assert times[0].utcoffset() == timedelta(hours=8)
    assert lines[0].startswith(times[0].strftime("%H:%M"))


def test_the_first_start_up_lines_are_in_the_configured_time_zone(tmp_path) -> None:
    """NoneBot's own first lines ("NoneBot is initializing…") come before the bot is set up;
    they read in TIMEZONE too, not in the machine's zone."""
    import os
    import subprocess
    import sys
    from datetime import datetime, timedelta, timezone

    zone = timezone(timedelta(hours=-11))  # a zone no test machine runs in
    env = {
        **os.environ,
        "TIMEZONE": "Pacific/Pago_Pago",
        "DATA_DIR": str(tmp_path),
        "PORT": "18999",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = [process.stdout.readline() for _ in range(2)]
    finally:
        process.kill()
        process.wait()
    assert "NoneBot is initializing" in first[0], first
    assert "Current Env" in first[1], first
    now = datetime.now(zone)
    for line in first:
        stamp = line.split(" [", 1)[0]  # "MM-DD HH:MM:SS"
        logged = datetime.strptime(f"{now.year}-{stamp}", "%Y-%m-%d %H:%M:%S")
        assert abs(logged.replace(tzinfo=zone) - now) < timedelta(minutes=5), (line, now)
