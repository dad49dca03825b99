"""The 企业微信 group robot channel (outbox target "wecom-robot") over a fake HTTP transport."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.delivery.channel import SendError
from bot.wechat.robot import WeComRobotChannel
from bot.wechat.settings import parse_robot_keys


def test_parse_robot_keys() -> None:
    assert parse_robot_keys("区团委=abc, 街道=def,bare") == {
        "区团委": "abc",
        "街道": "def",
        "bare": "bare",
    }
    assert parse_robot_keys("") == {}


async def test_robot_posts_split_text_and_reports_errors() -> None:
    seen: list[tuple[str, dict[str, object]]] = []
    errors = [0, 0, 0, 93000]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.params["key"], json.loads(request.content)))
        code = errors.pop(0)
        return httpx.Response(200, json={"errcode": code, "errmsg": "ok" if not code else "bad"})

    channel = WeComRobotChannel({"区团委": "k1"}, transport=httpx.MockTransport(handler))
    await channel.send_group("区团委", "团" * 1500)
    assert [key for key, _ in seen] == ["k1"] * 3
    assert all(len(body["text"]["content"].encode()) <= 2048 for _, body in seen)  # type: ignore[index]
    with pytest.raises(SendError, match="93000"):
        await channel.send_group("区团委", "再来一条")
    with pytest.raises(SendError, match="未配置"):
        await channel.send_group("nobody", "x")
    with pytest.raises(SendError):
        await channel.send_private("u", "x")
