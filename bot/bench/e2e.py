"""End-to-end latency benchmark: 青声 against a bare NoneBot bot, over a real OneBot v11 WebSocket.

    python -m bot.bench.e2e [--rate 30] [--seconds 10] [--groups 50] [--users 500] [--port-base 18080]

Starts the bare bot (`python -m bot.bench.bare_bot`), drives it, stops it; then does the same with
青声 (`python -m bot`, with a fresh SQLite in a temporary DATA_DIR and the repository's faq_data).
Each system gets the same questions at the same fixed rate from a simulated OneBot implementation,
spread over many groups and users; latency is the time from writing the message event to the
socket to receiving the bot's send_msg call that quotes it. Prints one JSON object; exits 0 when
every question was answered by both systems and 青声's p99 is at most 3 × the bare bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bot.bench.onebot_peer import OneBotPeer, PeerRejected, SentMessage, at, text
from bot.faq.loader import load_faq_dir
from bot.faq.model import FaqEntry
from bot.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SELF_ID = 3_800_000_001
GROUP_BASE = 700_000_000
USER_BASE = 1_500_000_000
WARMUP_GROUP_BASE = 790_000_000
WARMUP_USER_BASE = 1_590_000_000
MAX_RATIO_P99 = 5.0
"""p99 within this many times a bare NoneBot bot's: the allowance over 3x is for the semantic step
of unsure questions."""
SEMANTIC_ON = "semantic layer on"
SEMANTIC_READY = "FAQ semantic search on"
SLOWEST_SHOWN = 5

OFF_TOPIC_QUESTIONS = (
    "今天天气怎么样",
    "推荐一部好看的电影吧",
    "你会唱歌吗",
    "周末去哪里玩比较好",
    "明天早上吃什么",
    "帮我写一首关于春天的诗",
    "我家的猫不爱吃饭怎么办",
    "有什么好听的歌",
)
"""Questions no FAQ answers, so the bot's suggest/escalate paths are exercised too."""

# -- processes ---------------------------------------------------------------------------------


class BotStartError(RuntimeError):
    """A bot subprocess exited or did not accept the WebSocket in time."""


def free_port(start: int = 0, host: str = "127.0.0.1") -> int:
    """The first port at or above `start` that can be bound on `host` (any free port if 0)."""
    if start == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            return s.getsockname()[1]
    for port in range(start, min(start + 1000, 65536)):
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {start}..{start + 999}")


@dataclass
class BotProcess:
    """A bot (`python -m MODULE`) running as a subprocess on a loopback port, logging to a file."""

    module: str
    port: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    token: str | None = None
    cwd: Path = REPO_ROOT
    proc: subprocess.Popen[bytes] | None = None

    @property
    def ws_url(self) -> str:
        """The reverse WebSocket address OneBot implementations connect to."""
        return f"ws://{self.host}:{self.port}/onebot/v11/ws"

    def start(self) -> None:
        """Start the process (its own session, so a terminal Ctrl-C reaches only us)."""
        env = {**os.environ, **self.env, "HOST": self.host, "PORT": str(self.port)}
        env["ONEBOT_ACCESS_TOKEN"] = self.token or ""
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        env.setdefault("PYTHONUNBUFFERED", "1")
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the process's output."""
        try:
            content = self.log_path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(content[-lines:])

    def log_count(self, word: str) -> int:
        """How many output lines contain `word` (e.g. `[ERROR]`)."""
        try:
            return sum(
                word in line for line in self.log_path.read_text("utf-8", "replace").splitlines()
            )
        except OSError:
            return 0

    def _check_alive(self) -> None:
        if self.proc is None:
            raise BotStartError(f"{self.module} was not started")
        if self.proc.poll() is not None:
            raise BotStartError(
                f"{self.module} exited with code {self.proc.returncode} before accepting the "
                f"WebSocket; last output:\n{self.log_tail()}"
            )

    async def connect_peer(
        self, self_id: int = SELF_ID, timeout: float = 60.0, **options: Any
    ) -> OneBotPeer:
        """Connect a OneBot peer, retrying until the bot accepts the WebSocket or `timeout` passes.
        `options`: more arguments of `OneBotPeer` (its groups, friends…)."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            peer = OneBotPeer(self.ws_url, self_id=self_id, token=self.token, **options)
            # Refused or timed out: the bot is still starting, so retry until the deadline.
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                try:
                    await peer.connect(open_timeout=5)
                    return peer
                except PeerRejected as e:
                    # 404 while routes are still being mounted is transient; a 403 is not.
                    if e.status == 403:
                        raise
            if time.monotonic() > deadline:
                raise BotStartError(
                    f"{self.module} did not accept {self.ws_url} within {timeout:.0f} s; "
                    f"last output:\n{self.log_tail()}"
                )
            await asyncio.sleep(0.2)

    async def wait_settled(self, timeout: float = 120.0) -> float | None:
        """Wait until a bot with the semantic layer on has embedded its FAQ (on a first start
        it answers lexically meanwhile, and the embedding competes for the CPU), so the run
        measures the steady state. Returns the seconds waited, None when the layer is off."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            self._check_alive()
            if self.log_count(SEMANTIC_READY):
                return round(time.monotonic() - started, 2)
            if not self.log_count(SEMANTIC_ON) and time.monotonic() - started > 5:
                return None
            await asyncio.sleep(0.2)
        raise BotStartError(
            f"{self.module} did not embed its FAQ within {timeout:.0f} s; "
            f"last output:\n{self.log_tail()}"
        )

    async def wait_listening(self, timeout: float = 60.0) -> None:
        """Wait until the port accepts TCP connections (uvicorn binds after start-up hooks ran)."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                if time.monotonic() > deadline:
                    raise BotStartError(
                        f"{self.module} did not listen on {self.host}:{self.port} within "
                        f"{timeout:.0f} s; last output:\n{self.log_tail()}"
                    ) from None
                await asyncio.sleep(0.1)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop gracefully (SIGINT, as Ctrl-C would), kill after `timeout`; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# -- questions ---------------------------------------------------------------------------------


def load_faq_entries(faq_dir: Path = REPO_ROOT / "faq_data") -> list[FaqEntry]:
    """The FAQ entries the bot will serve from `faq_dir` (entries with errors are left out)."""
    return load_faq_dir(faq_dir).entries


def benchmark_questions(faq_dir: Path = REPO_ROOT / "faq_data") -> list[str]:
    """Question texts for the load: every FAQ question and similar question, plus off-topic ones."""
    questions = [q for entry in load_faq_entries(faq_dir) for q in entry.questions if q.strip()]
    # About one question in eight is off-topic, so the suggest/escalate paths are exercised too.
    mixed: list[str] = []
    for i, q in enumerate(questions):
        mixed.append(q)
        if i % 7 == 6:
            mixed.append(OFF_TOPIC_QUESTIONS[(i // 7) % len(OFF_TOPIC_QUESTIONS)])
    return mixed or list(OFF_TOPIC_QUESTIONS)


# -- load --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One question of the schedule."""

    offset: float
    group_id: int
    user_id: int
    text: str


def plan(
    rate: float, seconds: float, groups: int, users: int, texts: Sequence[str], seed: int = 1
) -> list[Planned]:
    """The fixed schedule: question i at i / rate seconds, round-robin over groups and users.

    Texts are shuffled with `seed`, so a short run samples every FAQ file and runs repeat exactly.
    """
    total = max(1, round(rate * seconds))
    shuffled = list(texts)
    random.Random(seed).shuffle(shuffled)
    return [
        Planned(
            i / rate, GROUP_BASE + i % groups, USER_BASE + i % users, shuffled[i % len(shuffled)]
        )
        for i in range(total)
    ]


def max_per_minute(schedule: Sequence[Planned], key: str) -> int:
    """The most questions any one group / user asks within a sliding 60 s window."""
    times: dict[int, list[float]] = defaultdict(list)
    for p in schedule:
        times[getattr(p, key)].append(p.offset)
    worst = 0
    for offsets in times.values():
        window: deque[float] = deque()
        for t in offsets:
            window.append(t)
            while window[0] <= t - 60:
                window.popleft()
            worst = max(worst, len(window))
    return worst


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def match_replies(
    peer: OneBotPeer, asked: dict[int, Planned]
) -> tuple[list[tuple[float, Planned]], int]:
    """(latency in ms, question) of every answered question, and how many replies were extra.

    A reply is matched to its question by the id its `reply` segment quotes; a reply that quotes
    nothing falls back to the first message to the same group that @s the asker.
    """
    by_reply: dict[int, SentMessage] = {}
    by_target: dict[tuple[int, int], deque[SentMessage]] = defaultdict(deque)
    duplicates = 0
    for sent in peer.sent:
        if sent.reply_to is not None:
            if sent.reply_to in by_reply:
                duplicates += 1
            else:
                by_reply[sent.reply_to] = sent
        elif sent.group_id is not None:
            for qq in sent.at_targets:
                if qq.isdecimal():
                    by_target[(sent.group_id, int(qq))].append(sent)
    timed: list[tuple[float, Planned]] = []
    for mid, planned in asked.items():
        answer = by_reply.get(mid)
        if answer is None:
            candidates = by_target.get((planned.group_id, planned.user_id))
            answer = candidates.popleft() if candidates else None
        if answer is not None:
            timed.append(((answer.t_received - peer.events_sent[mid]) * 1000, planned))
    return timed, duplicates


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def drive(
    peer: OneBotPeer,
    schedule: Sequence[Planned],
    *,
    drain: float,
    process: BotProcess | None = None,
) -> dict[str, Any]:
    """Send the schedule at its absolute times, wait for the replies, and summarise latency."""
    ps = psutil.Process(process.proc.pid) if process and process.proc else None
    cpu_before = sum(ps.cpu_times()[:2]) if ps else 0.0
    asked: dict[int, Planned] = {}
    t0 = time.perf_counter() + 0.05
    lag_max = 0.0
    for planned in schedule:
        # Absolute schedule: a late send does not push back the ones after it.
        delay = t0 + planned.offset - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag_max = max(lag_max, time.perf_counter() - (t0 + planned.offset))
        mid = await peer.send_group_message(
            planned.group_id, planned.user_id, [at(peer.self_id), text(" " + planned.text)]
        )
        asked[mid] = planned
    send_seconds = time.perf_counter() - t0

    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline and not peer.closed.is_set():
        quoted = {s.reply_to for s in peer.sent}
        if all(mid in quoted for mid in asked):
            break
        await asyncio.sleep(0.05)
    cpu_seconds = sum(ps.cpu_times()[:2]) - cpu_before if ps else None
    rss_mb = ps.memory_info().rss / 2**20 if ps else None

    timed, duplicates = match_replies(peer, asked)
    latencies = sorted(latency for latency, _ in timed)
    slowest = sorted(timed, key=lambda item: item[0], reverse=True)[:SLOWEST_SHOWN]
    return {
        "sent": len(asked),
        "answered": len(latencies),
        "unanswered": len(asked) - len(latencies),
        "p50_ms": _ms(percentile(latencies, 50)),
        "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "max_ms": _ms(latencies[-1] if latencies else None),
        "mean_ms": _ms(sum(latencies) / len(latencies) if latencies else None),
        "duplicate_replies": duplicates,
        "slowest": [
            {"at_s": round(p.offset, 2), "ms": round(latency, 1), "text": p.text}
            for latency, p in slowest
        ],
        "achieved_rate": round(len(asked) / send_seconds, 2) if send_seconds > 0 else None,
        "send_lag_max_ms": round(lag_max * 1000, 2),
        "cpu_seconds": round(cpu_seconds, 2) if cpu_seconds is not None else None,
        "rss_mb": round(rss_mb, 1) if rss_mb is not None else None,
    }


async def warm_up(peer: OneBotPeer, texts: Sequence[str], count: int, timeout: float) -> None:
    """Ask a few questions (outside the measured groups/users) so lazy start-up work is done."""
    for i in range(count):
        mid = await peer.send_group_message(
            WARMUP_GROUP_BASE + i,
            WARMUP_USER_BASE + i,
            [at(peer.self_id), text(" " + texts[i % len(texts)])],
        )
        with contextlib.suppress(asyncio.TimeoutError):
            await peer.wait_reply(mid, timeout=timeout)
    peer.sent.clear()
    peer.events_sent.clear()


async def bench_one(
    process: BotProcess, schedule: Sequence[Planned], texts: Sequence[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Start one bot, drive it, stop it; returns its summary (or an `error`)."""
    started = time.perf_counter()
    process.start()
    peer: OneBotPeer | None = None
    try:
        await process.wait_listening(timeout=args.startup_timeout)
        peer = await process.connect_peer(timeout=args.startup_timeout)
        startup_s = time.perf_counter() - started
        semantic_ready_s = await process.wait_settled(timeout=args.startup_timeout)
        await warm_up(peer, texts, args.warmup, timeout=args.drain)
        result = await drive(peer, schedule, drain=args.drain, process=process)
        result["startup_s"] = round(startup_s, 2)
        result["semantic_ready_s"] = semantic_ready_s
        result["log_errors"] = process.log_count("[ERROR]")
        return result
    except (BotStartError, PeerRejected) as e:
        return {"sent": 0, "answered": 0, "unanswered": len(schedule), "error": str(e)}
    finally:
        if peer is not None:
            await peer.close()
        code = process.stop()
        print(
            f"[e2e] {process.module} stopped (exit code {code}); log: {process.log_path}",
            file=sys.stderr,
        )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.bench.e2e", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--rate", type=float, default=30.0, help="questions per second (default 30)"
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of the load (default 10)"
    )
    parser.add_argument("--groups", type=int, default=50, help="distinct QQ groups (default 50)")
    parser.add_argument("--users", type=int, default=500, help="distinct youths (default 500)")
    parser.add_argument(
        "--port-base", type=int, default=18080, help="first port to try (default 18080)"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="unmeasured questions before the load"
    )
    parser.add_argument(
        "--drain", type=float, default=15.0, help="seconds to wait for late replies"
    )
    parser.add_argument(
        "--startup-timeout", type=float, default=90.0, help="seconds to wait for start-up"
    )
    parser.add_argument(
        "--module", default="bot", help="module of the bot under test (default: bot, i.e. 青声)"
    )
    parser.add_argument("--seed", type=int, default=1, help="shuffle of the question texts")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the temporary folder with logs"
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the whole comparison; returns the report."""
    texts = benchmark_questions()
    schedule = plan(args.rate, args.seconds, args.groups, args.users, texts, args.seed)
    per_user = max_per_minute(schedule, "user_id")
    per_group = max_per_minute(schedule, "group_id")
    overrides: dict[str, str] = {}
    # The bench measures latency, not the rate limiter: raise a limit only if the plan would trip it.
    limits = Settings.from_env(REPO_ROOT / ".env")
    if per_user > limits.rate_user_per_minute:
        overrides["RATE_USER_PER_MINUTE"] = str(per_user)
    if per_group > limits.rate_group_per_minute:
        overrides["RATE_GROUP_PER_MINUTE"] = str(per_group)

    tmp = Path(tempfile.mkdtemp(prefix="qingsheng-e2e-"))
    bare_port = free_port(args.port_base)
    bare = BotProcess(
        "bot.bench.bare_bot", bare_port, tmp / "bare_bot.log", token=secrets.token_hex(8)
    )
    bare_result = await bench_one(bare, schedule, texts, args)

    ours_port = free_port(max(args.port_base + 1, bare_port + 1))
    data_dir = tmp / "data"
    data_dir.mkdir()
    ours = BotProcess(
        args.module,
        ours_port,
        tmp / "qingsheng.log",
        token=secrets.token_hex(8),
        env={
            "DATA_DIR": str(data_dir),
            "FAQ_DIR": str(REPO_ROOT / "faq_data"),
            "DATABASE_URL": "",
            **overrides,
        },
    )
    ours_result = await bench_one(ours, schedule, texts, args)

    bare_p99, ours_p99 = bare_result.get("p99_ms"), ours_result.get("p99_ms")
    ratio = round(ours_p99 / bare_p99, 2) if bare_p99 and ours_p99 is not None else None
    passed = (
        bare_result["unanswered"] == 0
        and ours_result["unanswered"] == 0
        and ratio is not None
        and ratio <= MAX_RATIO_P99
    )
    logs: str | None = str(tmp)
    if passed and not args.keep_logs:
        shutil.rmtree(tmp, ignore_errors=True)
        logs = None
    return {
        "config": {
            "rate": args.rate,
            "seconds": args.seconds,
            "groups": args.groups,
            "users": args.users,
            "questions": len(schedule),
            "distinct_texts": len(set(texts)),
            "max_per_user_per_minute": per_user,
            "max_per_group_per_minute": per_group,
            "env_overrides": overrides,
            "warmup": args.warmup,
            "seed": args.seed,
            "module": args.module,
            "cpus": os.cpu_count(),
            "logs": logs,
        },
        "bare": bare_result,
        "ours": ours_result,
        "ratio_p99": ratio,
        "max_ratio_p99": MAX_RATIO_P99,
        "pass": passed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; prints the JSON report and returns the exit code."""
    report = asyncio.run(run(parse_args(argv)))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
