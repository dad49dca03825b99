"""A simulated OneBot v11 implementation that talks to the bot over a real reverse WebSocket.

It plays the part NapCat / LLBot / Lagrange play in production: it connects to
`ws://host:port/onebot/v11/ws` as a logged-in QQ account (`X-Self-ID`, `X-Client-Role: Universal`,
`Authorization: Bearer <token>`), announces itself with a lifecycle `connect` meta event, posts
message events in the OneBot v11 wire shape (`message` as an array of segments, `raw_message` as
CQ code), and answers every API call the bot makes. Each message the bot sends is recorded with the
moment it arrived, so benchmarks can measure event → reply latency and tests can inspect replies.

    async with OneBotPeer("ws://127.0.0.1:8080/onebot/v11/ws", self_id=10001, token="t") as peer:
        mid = await peer.send_group_message(123, 456, [at(10001), text(" 怎么入团？")])
        sent = await peer.wait_reply(to_message_id=mid, timeout=5)
        print(sent.text)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

log = logging.getLogger(__name__)

Segment = dict[str, Any]
"""One OneBot v11 message segment: `{"type": ..., "data": {...}}`."""

SEND_ACTIONS = frozenset({"send_msg", "send_group_msg", "send_private_msg"})
"""API actions that post a message to QQ."""

RETCODE_OK = 0
RETCODE_BAD_PARAMS = 100
RETCODE_NOT_A_FRIEND = 200
"""What this peer answers a private message to someone who is not a friend with (implementations
differ; any failure makes the bot try the next way)."""
RETCODE_UNKNOWN_ACTION = 1404
"""go-cqhttp / NapCat answer an action they do not implement with 1404."""

_STORED_MESSAGES = 20_000
"""How many messages `get_msg` can look up (oldest are forgotten first)."""


def text(content: str) -> Segment:
    """A plain text segment."""
    return {"type": "text", "data": {"text": content}}


def at(qq: int | str) -> Segment:
    """An @ segment; `qq="all"` is @全体成员."""
    return {"type": "at", "data": {"qq": str(qq)}}


def reply(message_id: int | str) -> Segment:
    """A segment quoting the message `message_id`."""
    return {"type": "reply", "data": {"id": str(message_id)}}


def _escape(value: str, *, in_param: bool) -> str:
    value = value.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
    return value.replace(",", "&#44;") if in_param else value


def _unescape(value: str) -> str:
    return (
        value.replace("&#44;", ",")
        .replace("&#91;", "[")
        .replace("&#93;", "]")
        .replace("&amp;", "&")
    )


def to_cq(segments: Iterable[Segment]) -> str:
    """Encode segments as a CQ-code string, as implementations fill `raw_message`."""
    parts = []
    for seg in segments:
        if seg["type"] == "text":
            parts.append(_escape(str(seg["data"].get("text", "")), in_param=False))
        else:
            params = "".join(
                f",{k}={_escape(str(v), in_param=True)}"
                for k, v in seg.get("data", {}).items()
                if v is not None
            )
            parts.append(f"[CQ:{seg['type']}{params}]")
    return "".join(parts)


_CQ_CODE = re.compile(r"\[CQ:([a-zA-Z0-9_.-]+)((?:,[^,\]]*)*)\]")


def parse_cq(message: str) -> list[Segment]:
    """Decode a CQ-code string into segments, the way an implementation reads a string `message`."""
    segments: list[Segment] = []
    pos = 0
    for m in _CQ_CODE.finditer(message):
        if m.start() > pos:
            segments.append(text(_unescape(message[pos : m.start()])))
        data: dict[str, str] = {}
        for param in filter(None, m.group(2).split(",")):
            key, _, value = param.partition("=")
            data[key] = _unescape(value)
        segments.append({"type": m.group(1), "data": data})
        pos = m.end()
    if pos < len(message):
        segments.append(text(_unescape(message[pos:])))
    return segments


def normalize_message(message: Any, *, auto_escape: bool = False) -> list[Segment]:
    """The segments a `message` API parameter stands for (array, single segment or CQ string)."""
    if isinstance(message, str):
        return [text(message)] if auto_escape else parse_cq(message)
    if isinstance(message, dict):
        return [message]
    if isinstance(message, list):
        return [seg for seg in message if isinstance(seg, dict)]
    return []


class SentMessage(NamedTuple):
    """One message the bot asked the peer to send, with the `perf_counter()` time it arrived."""

    action: str
    params: dict[str, Any]
    t_received: float
    message_id: int

    @property
    def segments(self) -> list[Segment]:
        """The message as segments, whatever form the bot sent it in."""
        return normalize_message(
            self.params.get("message"), auto_escape=bool(self.params.get("auto_escape"))
        )

    @property
    def text(self) -> str:
        """All text segments joined."""
        return "".join(
            str(s["data"].get("text", "")) for s in self.segments if s.get("type") == "text"
        )

    @property
    def reply_to(self) -> int | None:
        """The message id the first `reply` segment quotes, if any."""
        for seg in self.segments:
            if seg.get("type") == "reply":
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    return int(seg["data"]["id"])
        return None

    @property
    def at_targets(self) -> list[str]:
        """`qq` of every `at` segment, as strings (`"all"` for @全体成员)."""
        return [str(s["data"].get("qq")) for s in self.segments if s.get("type") == "at"]

    @property
    def message_type(self) -> str:
        """`group` or `private`, as an implementation would infer it."""
        if self.action == "send_group_msg":
            return "group"
        if self.action == "send_private_msg":
            return "private"
        explicit = self.params.get("message_type")
        if explicit in ("group", "private"):
            return explicit
        return "group" if self.params.get("group_id") is not None else "private"

    @property
    def group_id(self) -> int | None:
        """Target group, for group messages."""
        gid = self.params.get("group_id")
        return int(gid) if gid is not None and self.message_type == "group" else None

    @property
    def user_id(self) -> int | None:
        """Target user (private messages) or the user the call names."""
        uid = self.params.get("user_id")
        return int(uid) if uid is not None else None


class ApiCall(NamedTuple):
    """Any API call the bot made, with its response."""

    action: str
    params: dict[str, Any]
    t_received: float
    response: dict[str, Any]


class PeerRejected(Exception):
    """The bot refused the WebSocket connection (wrong access token, duplicate self id, ...)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"bot refused the OneBot connection: HTTP {status} {body}".strip())
        self.status = status
        self.body = body


class OneBotPeer:
    """A simulated OneBot v11 implementation connected to the bot by reverse WebSocket.

    `fail_actions` maps an action to the retcode to fail it with (e.g. `{"send_group_msg": 1200}`
    to play QQ risk control); `api_delay` seconds are waited before answering each call.
    `groups`: groups the account is in (get_group_list), besides those it saw messages from.
    `friends`: the account's friends (get_friend_list); when given, a private message to anyone
    else fails, as QQ refuses it. `first_message_id`: where its message ids start (two accounts
    number their messages alike).
    """

    def __init__(
        self,
        url: str,
        self_id: int = 10001,
        token: str | None = None,
        *,
        nickname: str = "青声",
        heartbeat_interval: float | None = None,
        fail_actions: dict[str, int] | None = None,
        api_delay: float = 0.0,
        groups: Iterable[int] = (),
        friends: Iterable[int] | None = None,
        first_message_id: int | None = None,
    ) -> None:
        self.url = url
        self.self_id = int(self_id)
        self.token = token
        self.nickname = nickname
        self.heartbeat_interval = heartbeat_interval
        self.fail_actions = dict(fail_actions or {})
        self.api_delay = api_delay
        self.sent: list[SentMessage] = []
        """Messages the bot sent through this peer, in arrival order."""
        self.calls: list[ApiCall] = []
        """Every API call the bot made (sends included)."""
        self.events_sent: dict[int, float] = {}
        """message_id -> `perf_counter()` time the message event was written to the socket."""
        self._ws: ClientConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pending: set[asyncio.Task[None]] = set()
        self._waiters: list[tuple[Callable[[SentMessage], bool], asyncio.Future[SentMessage]]] = []
        self._ids = itertools.count(
            random.randint(1 << 20, 1 << 29) if first_message_id is None else first_message_id
        )
        self._messages: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._members: dict[tuple[int, int], dict[str, Any]] = {}
        self.groups = {int(g) for g in groups}
        self.friends = None if friends is None else {int(f) for f in friends}
        self.closed = asyncio.Event()

    # -- connection ---------------------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        """The handshake headers a OneBot v11 implementation sends."""
        headers = {"X-Self-ID": str(self.self_id), "X-Client-Role": "Universal"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def connect(self, *, open_timeout: float = 10.0) -> None:
        """Open the WebSocket and post the lifecycle `connect` meta event.

        Raises `PeerRejected` if the bot answers the handshake with an HTTP error, and `OSError`
        if nothing listens at the address.
        """
        try:
            self._ws = await connect(
                self.url,
                additional_headers=self.headers,
                open_timeout=open_timeout,
                proxy=None,
                max_size=None,
                compression=None,
                ping_interval=None,
            )
        except InvalidStatus as e:
            body = e.response.body.decode("utf-8", "replace") if e.response.body else ""
            raise PeerRejected(e.response.status_code, body) from None
        self.closed.clear()
        self._tasks.append(asyncio.create_task(self._receive_loop()))
        if self.heartbeat_interval:
            self._tasks.append(asyncio.create_task(self._heartbeat_loop()))
        await self.send_event(
            {
                "time": int(time.time()),
                "self_id": self.self_id,
                "post_type": "meta_event",
                "meta_event_type": "lifecycle",
                "sub_type": "connect",
            }
        )

    async def close(self) -> None:
        """Close the connection and stop answering."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        tasks = [*self._tasks, *self._pending]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._pending.clear()
        self.closed.set()
        for _, future in self._waiters:
            if not future.done():
                future.cancel()
        self._waiters.clear()

    async def __aenter__(self) -> OneBotPeer:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- events -------------------------------------------------------------------------------

    def next_message_id(self) -> int:
        """A fresh message id, unique within this peer."""
        return next(self._ids) & 0x7FFFFFFF

    async def send_event(self, event: dict[str, Any]) -> float:
        """Write one raw event; returns the `perf_counter()` time just before it was written."""
        if self._ws is None:
            raise RuntimeError("OneBotPeer is not connected")
        data = json.dumps(event, ensure_ascii=False)
        t = time.perf_counter()
        await self._ws.send(data)
        return t

    async def send_raw(self, data: str | bytes) -> None:
        """Write one frame exactly as given (e.g. a malformed one, as a buggy implementation might)."""
        if self._ws is None:
            raise RuntimeError("OneBotPeer is not connected")
        await self._ws.send(data)

    def group_message_event(
        self,
        group_id: int,
        user_id: int,
        segments: Sequence[Segment],
        *,
        message_id: int | None = None,
        nickname: str | None = None,
        card: str = "",
        role: str = "member",
    ) -> dict[str, Any]:
        """A group message event in the exact OneBot v11 shape."""
        message_id = self.next_message_id() if message_id is None else message_id
        sender = {
            "user_id": int(user_id),
            "nickname": nickname if nickname is not None else f"青年{user_id}",
            "card": card,
            "sex": "unknown",
            "age": 0,
            "area": "",
            "level": "1",
            "role": role,
            "title": "",
        }
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "message",
            "message_type": "group",
            "sub_type": "normal",
            "message_id": message_id,
            "group_id": int(group_id),
            "user_id": int(user_id),
            "anonymous": None,
            "message": [dict(seg) for seg in segments],
            "raw_message": to_cq(segments),
            "font": 0,
            "sender": sender,
        }

    def private_message_event(
        self,
        user_id: int,
        segments: Sequence[Segment],
        *,
        message_id: int | None = None,
        nickname: str | None = None,
    ) -> dict[str, Any]:
        """A private (friend) message event in the exact OneBot v11 shape."""
        message_id = self.next_message_id() if message_id is None else message_id
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "message",
            "message_type": "private",
            "sub_type": "friend",
            "message_id": message_id,
            "user_id": int(user_id),
            "message": [dict(seg) for seg in segments],
            "raw_message": to_cq(segments),
            "font": 0,
            "sender": {
                "user_id": int(user_id),
                "nickname": nickname if nickname is not None else f"青年{user_id}",
                "sex": "unknown",
                "age": 0,
            },
        }

    async def send_group_message(
        self,
        group_id: int,
        user_id: int,
        segments: Sequence[Segment],
        message_id: int | None = None,
        **sender: Any,
    ) -> int:
        """Post a group message from `user_id`; returns its message id."""
        event = self.group_message_event(
            group_id, user_id, segments, message_id=message_id, **sender
        )
        self._remember(event)
        self._members[(int(group_id), int(user_id))] = event["sender"]
        self.events_sent[event["message_id"]] = await self.send_event(event)
        return event["message_id"]

    async def send_private_message(
        self,
        user_id: int,
        segments: Sequence[Segment],
        message_id: int | None = None,
        **sender: Any,
    ) -> int:
        """Post a private message from `user_id`; returns its message id."""
        event = self.private_message_event(user_id, segments, message_id=message_id, **sender)
        self._remember(event)
        self.events_sent[event["message_id"]] = await self.send_event(event)
        return event["message_id"]

    def add_own_message(self, group_id: int, content: str, *, at: float | None = None) -> int:
        """Put a message of the bot's own account in a group's history (sent by an earlier
        process, e.g. one killed right after its send); returns its message id."""
        message_id = self.next_message_id()
        self._remember(
            {
                "time": int(time.time() if at is None else at),
                "message_type": "group",
                "message_id": message_id,
                "sender": {"user_id": self.self_id, "nickname": self.nickname},
                "message": [text(content)],
                "raw_message": to_cq([text(content)]),
                "group_id": int(group_id),
            }
        )
        return message_id

    # -- what the bot sent --------------------------------------------------------------------

    async def wait_sent(
        self, predicate: Callable[[SentMessage], bool], timeout: float = 5.0
    ) -> SentMessage:
        """The first sent message (already received or still to come) that matches `predicate`."""
        for sent in self.sent:
            if predicate(sent):
                return sent
        future: asyncio.Future[SentMessage] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    async def wait_reply(self, to_message_id: int, timeout: float = 5.0) -> SentMessage:
        """The bot's message that quotes `to_message_id` (raises `TimeoutError` if none comes)."""
        return await self.wait_sent(lambda s: s.reply_to == to_message_id, timeout)

    def replies_to(self, message_id: int) -> list[SentMessage]:
        """Every message the bot sent so far that quotes `message_id`."""
        return [s for s in self.sent if s.reply_to == message_id]

    # -- internals ----------------------------------------------------------------------------

    def _remember(self, event: dict[str, Any]) -> None:
        self._messages[event["message_id"]] = {
            "time": event["time"],
            "message_type": event["message_type"],
            "message_id": event["message_id"],
            "real_id": event["message_id"],
            "sender": event["sender"],
            "message": event["message"],
            "raw_message": event.get("raw_message", ""),
            **({"group_id": event["group_id"]} if "group_id" in event else {}),
        }
        while len(self._messages) > _STORED_MESSAGES:
            self._messages.popitem(last=False)

    async def _heartbeat_loop(self) -> None:
        assert self.heartbeat_interval
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await self.send_event(
                {
                    "time": int(time.time()),
                    "self_id": self.self_id,
                    "post_type": "meta_event",
                    "meta_event_type": "heartbeat",
                    "status": {"online": True, "good": True},
                    "interval": int(self.heartbeat_interval * 1000),
                }
            )

    async def _receive_loop(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                t = time.perf_counter()
                try:
                    call = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(call, dict) or "action" not in call:
                    continue
                if self.api_delay:
                    # Answer later without blocking the next call, like a busy implementation.
                    task = asyncio.create_task(self._answer_later(call, t))
                    self._pending.add(task)
                    task.add_done_callback(self._pending.discard)
                else:
                    await self._answer(call, t)
        except ConnectionClosed:
            log.debug("peer %s: connection closed by the bot", self.self_id)
        finally:
            self.closed.set()

    async def _answer_later(self, call: dict[str, Any], t: float) -> None:
        await asyncio.sleep(self.api_delay)
        await self._answer(call, t)

    async def _answer(self, call: dict[str, Any], t: float) -> None:
        action = str(call.get("action", ""))
        params = call.get("params") or {}
        if not isinstance(params, dict):
            params = {}
        response = self._respond(action, params, t)
        if "echo" in call:
            response["echo"] = call["echo"]
        self.calls.append(ApiCall(action, params, t, response))
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps(response, ensure_ascii=False))

    @staticmethod
    def _ok(data: Any) -> dict[str, Any]:
        return {"status": "ok", "retcode": RETCODE_OK, "data": data}

    @staticmethod
    def _failed(retcode: int, message: str) -> dict[str, Any]:
        return {
            "status": "failed",
            "retcode": retcode,
            "data": None,
            "message": message,
            "wording": message,
        }

    def _respond(self, action: str, params: dict[str, Any], t: float) -> dict[str, Any]:
        if action in self.fail_actions:
            return self._failed(self.fail_actions[action], f"{action} failed (simulated)")
        if action in SEND_ACTIONS:
            return self._on_send(action, params, t)
        handler = self._handlers().get(action)
        if handler is None:
            return self._failed(RETCODE_UNKNOWN_ACTION, f"unsupported action {action}")
        return handler(params)

    def _on_send(self, action: str, params: dict[str, Any], t: float) -> dict[str, Any]:
        message_id = self.next_message_id()
        sent = SentMessage(action, params, t, message_id)
        if sent.message_type == "group" and sent.group_id is None:
            return self._failed(RETCODE_BAD_PARAMS, "group_id is required")
        if sent.message_type == "private" and sent.user_id is None:
            return self._failed(RETCODE_BAD_PARAMS, "user_id is required")
        if (
            sent.message_type == "private"
            and self.friends is not None
            and sent.user_id not in self.friends
        ):
            return self._failed(RETCODE_NOT_A_FRIEND, f"{sent.user_id} is not a friend")
        self.sent.append(sent)
        self._remember(
            {
                "time": int(time.time()),
                "message_type": sent.message_type,
                "message_id": message_id,
                "sender": {"user_id": self.self_id, "nickname": self.nickname},
                "message": sent.segments,
                "raw_message": to_cq(sent.segments),
                **({"group_id": sent.group_id} if sent.group_id is not None else {}),
            }
        )
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(sent):
                future.set_result(sent)
        return self._ok({"message_id": message_id})

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "get_login_info": lambda p: self._ok(
                {"user_id": self.self_id, "nickname": self.nickname}
            ),
            "get_status": lambda p: self._ok({"online": True, "good": True}),
            "get_version_info": lambda p: self._ok(
                {
                    "app_name": "qingsheng-onebot-peer",
                    "app_version": "1.0.0",
                    "protocol_version": "v11",
                }
            ),
            "can_send_image": lambda p: self._ok({"yes": False}),
            "can_send_record": lambda p: self._ok({"yes": False}),
            "get_msg": self._get_msg,
            "delete_msg": lambda p: self._ok(None),
            "get_friend_list": lambda p: self._ok(
                [
                    {"user_id": f, "nickname": f"好友{f}", "remark": ""}
                    for f in sorted(self.friends or ())
                ]
            ),
            "get_group_list": lambda p: self._ok(
                [
                    self._group_info(gid)
                    for gid in sorted(self.groups | {g for g, _ in self._members})
                ]
            ),
            "get_group_msg_history": self._get_group_msg_history,
            "get_group_info": lambda p: self._ok(self._group_info(int(p.get("group_id", 0)))),
            "get_group_member_info": self._get_member,
            "get_group_member_list": lambda p: self._ok(
                [
                    self._member_info(g, u)
                    for g, u in self._members
                    if g == int(p.get("group_id", 0))
                ]
            ),
            "get_stranger_info": lambda p: self._ok(
                {
                    "user_id": int(p.get("user_id", 0)),
                    "nickname": f"青年{p.get('user_id', 0)}",
                    "sex": "unknown",
                    "age": 0,
                }
            ),
            "set_group_ban": lambda p: self._ok(None),
            "set_friend_add_request": lambda p: self._ok(None),
            "set_group_add_request": lambda p: self._ok(None),
        }

    def _get_msg(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            stored = self._messages.get(int(params.get("message_id", -1)))
        except (TypeError, ValueError):
            stored = None
        if stored is None:
            return self._failed(RETCODE_BAD_PARAMS, "message not found")
        return self._ok(stored)

    def _get_group_msg_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """The group's latest messages, oldest first, in NapCat's shape (`{"messages": [...]}`)."""
        try:
            group_id, count = int(params["group_id"]), int(params.get("count", 20))
        except (KeyError, TypeError, ValueError):
            return self._failed(RETCODE_BAD_PARAMS, "group_id is required")
        found = [m for m in self._messages.values() if m.get("group_id") == group_id]
        return self._ok(
            {
                "messages": [
                    {
                        **m,
                        "self_id": self.self_id,
                        "user_id": m["sender"]["user_id"],
                        "message_seq": m["message_id"],
                        "post_type": "message",
                    }
                    for m in found[-count:]
                ]
            }
        )

    def _group_info(self, group_id: int) -> dict[str, Any]:
        members = sum(1 for g, _ in self._members if g == group_id)
        return {
            "group_id": group_id,
            "group_name": f"青年群{group_id}",
            "member_count": max(members, 1),
            "max_member_count": 500,
        }

    def _member_info(self, group_id: int, user_id: int) -> dict[str, Any]:
        sender = self._members.get((group_id, user_id), {})
        return {
            "group_id": group_id,
            "user_id": user_id,
            "nickname": sender.get("nickname", f"青年{user_id}"),
            "card": sender.get("card", ""),
            "sex": "unknown",
            "age": 0,
            "area": "",
            "join_time": 0,
            "last_sent_time": 0,
            "level": "1",
            "role": sender.get("role", "member"),
            "unfriendly": False,
            "title": "",
            "title_expire_time": 0,
            "card_changeable": False,
        }

    def _get_member(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            group_id, user_id = int(params["group_id"]), int(params["user_id"])
        except (KeyError, TypeError, ValueError):
            return self._failed(RETCODE_BAD_PARAMS, "group_id and user_id are required")
        if user_id == self.self_id:
            return self._ok(
                {**self._member_info(group_id, user_id), "nickname": self.nickname, "role": "admin"}
            )
        return self._ok(self._member_info(group_id, user_id))
