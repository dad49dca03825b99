"""/月报 through QQ (nonebug): in a group the cadre gets the summary picture as an image
segment with the link, quoted and @ed; without a CJK font, the summary as text with the link.

Test grid: group 40001 belongs to 测试街道团工委 (street), cadre 街道甲 (10001).
"""

from __future__ import annotations

import base64
import io

import pytest
from nonebot.adapters.onebot.v11 import Bot, Message, MessageSegment
from nonebug import App
from PIL import Image

from bot.reports.image import WIDTH, find_font
from bot.runtime import Runtime
from tests.utils import SELF_ID, group_message

STREET_A = 10001
LINK = "/console/report?org=street&month=2026-10"
FONT, WHY = find_font()


class PictureWith:
    """Equals a OneBot message that quotes `message_id`, @s `user`, then carries a PNG image
    segment `WIDTH` px wide (as base64) and a text segment with every part."""

    def __init__(self, message_id: int, user: int, *parts: str) -> None:
        self.message_id, self.user, self.parts = message_id, user, parts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return False
        if [seg.type for seg in other] != ["reply", "at", "image", "text"]:
            return False
        reply, at, image, text = other
        if (reply.data["id"], at.data["qq"]) != (str(self.message_id), str(self.user)):
            return False
        file = str(image.data["file"])
        if not file.startswith("base64://"):
            return False
        picture = Image.open(io.BytesIO(base64.b64decode(file.removeprefix("base64://"))))
        return (
            picture.format == "PNG"
            and picture.width == WIDTH
            and all(part in text.data["text"] for part in self.parts)
        )

    def __repr__(self) -> str:
        return f"PictureWith{self.parts!r}"


@pytest.mark.skipif(FONT is None, reason=f"no CJK font on this machine: {WHY}")
async def test_monthly_in_a_group_is_a_picture_and_a_link(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = group_message("/月报 2026-10", user_id=STREET_A)
        ctx.receive_event(bot, event)
        ctx.should_call_send(
            event,
            PictureWith(event.message_id, STREET_A, "团情分析 · 测试街道团工委 · 2026年10月", LINK),
            result={"message_id": 9001},
        )


async def test_monthly_without_a_font_is_text_and_a_link(app: App, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"report_font": "off"})
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = group_message("/月报 2026-10", user_id=STREET_A)
        ctx.receive_event(bot, event)
        ctx.should_call_send(
            event,
            Message(
                [
                    MessageSegment.reply(event.message_id),
                    MessageSegment.at(STREET_A),
                    MessageSegment.text(
                        " 【团情分析 · 测试街道团工委 · 2026年10月】\n"
                        "收到问题 0，机器人答 0，团干部答 0，答复率 0%\n"
                        "首次回复中位 暂无；超时 0；点赞 0，没用 0\n"
                        "点亮微心愿 0 个，待认领 0 个\n"
                        f"详细报告：http://127.0.0.1:8080{LINK}"
                    ),
                ]
            ),
            result={"message_id": 9002},
        )


def test_surfaces_without_media_upload_send_the_text() -> None:
    """The official QQ bot (and the WeChat 服务号 and WeCom, which append `bubble.text`) can
    only send an image uploaded through their media APIs: the bubble's text says it all."""
    from bot.chat.conversation import Bubble
    from bot.chat.conversation import Image as Picture
    from plugins.qqbot import render

    bubble = Bubble(
        "【团情分析 · 测试】\n收到问题 3\n详细报告：x", image=Picture(b"png", "caption")
    )
    assert render(bubble) == bubble.text
