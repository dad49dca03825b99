"""Outbox rows for a platform that cannot push are held for pull delivery, not sent or failed
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.cases.models import Delivery
from bot.delivery.models import OutboxMessage, OutboxStatus
from bot.runtime import Runtime
from bot.storage.models import utcnow


async def test_a_due_row_is_held_then_sent_with_the_chats_next_message(runtime: Runtime) -> None:
    outbox, cases = runtime.outbox, runtime.cases
    await outbox.enqueue("a:1:qqbot:G1", "qqbot", "G1", "公告一")
    await outbox.enqueue(
        "a:2:qqbot:G1", "qqbot", "G1", "公告二", not_before=utcnow() + timedelta(hours=1)
    )
    await outbox.enqueue("a:3:qqbot:U1", "qqbot", "U1", "私信", chat_type="private")
    assert await outbox.send_due() == 0
    rows = {r.key: r for r in await outbox.progress("a:")}
    assert rows["a:1:qqbot:G1"].status is OutboxStatus.HELD
    assert rows["a:1:qqbot:G1"].attempts == 0, "no attempt spent"
    assert rows["a:2:qqbot:G1"].status is OutboxStatus.PENDING, "not before its time"
    assert rows["a:3:qqbot:U1"].status is OutboxStatus.HELD
    assert await outbox.hold_due() == 0, "held once"
    # Released only in its own chat: the group's, then the user's private chat.
    assert await cases.release_held("qqbot", "U1", "G2") == []
    assert await cases.release_held("qqbot", "U9", "G1") == ["公告一"]
    assert await cases.release_held("qqbot", "U9", "G1") == []
    assert await cases.release_held("qqbot", "U1", None) == ["私信"]
    rows = {r.key: r for r in await outbox.progress("a:")}
    assert rows["a:1:qqbot:G1"].status is OutboxStatus.SENT
    assert rows["a:3:qqbot:U1"].status is OutboxStatus.SENT
    async with runtime.db.session() as session:
        deliveries = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
        failed = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED.value)
        )
    assert [(d.outbox_id is not None, d.case_id, d.status) for d in deliveries] == [
        (True, None, "sent"),
        (True, None, "sent"),
    ]
    assert failed is None
