"""The official QQ bot end to end: webhook events signed as the platform signs them (ed25519,
key seeded from the AppSecret) go through the adapter into the conversation; the passive
replies reach a fake OpenAPI, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import binascii
import time
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from bot.chat.speaker import speaker_of
from bot.qa import texts as qa_texts
from bot.qa.models import Feedback, Question
from bot.runtime import Runtime
from tests.qqbot.conftest import APPID, FakeOpenAPI, Platform


def texts(openapi: FakeOpenAPI) -> list[str]:
    return [body["content"] for _, body in openapi.sent]


async def test_group_at_question_gets_a_passive_reply(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    entry = runtime.faq.get("join-age")
    assert entry is not None
    res = await platform.post(platform.group_at("GROUP1", "MEMBER1", "几岁可以入团"))
    assert res.status_code == 200
    assert len(openapi.sent) == 1
    path, body = openapi.sent[0]
    assert path == "/v2/groups/GROUP1/messages"
    assert body["msg_id"] == "ROBOT1.0_group_msg_1"
    assert body["msg_seq"] == 1 and body["msg_type"] == 0
    assert "入团" in body["content"]
    assert openapi.unauthorised == 0
    # No quote needed: a like is about the asker's latest answer in this chat.
    await platform.post(platform.group_at("GROUP1", "MEMBER1", "赞"))
    path, body = openapi.sent[1]
    assert (body["content"], body["msg_id"], body["msg_seq"]) == (
        qa_texts.THANKS,
        "ROBOT1.0_group_msg_3",
        1,
    )
    async with runtime.db.session() as session:
        feedback = (await session.scalars(select(Feedback))).one()
    assert feedback.helpful is True and feedback.user_id == "MEMBER1"


async def test_c2c_question_gets_a_passive_reply(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    res = await platform.post(platform.c2c("USER1", "几岁可以入团"))
    assert res.status_code == 200
    [(path, body)] = openapi.sent
    assert path == "/v2/users/USER1/messages"
    assert body["msg_id"] == "ROBOT1.0_c2c_msg_1" and body["msg_seq"] == 1


async def test_replayed_event_is_refused(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    event = platform.c2c("USER1", "几岁可以入团")
    stamp = int(time.time())
    assert (await platform.post(event, timestamp=stamp)).status_code == 200
    again = await platform.post(event, timestamp=stamp)
    assert again.status_code == 403
    assert len(openapi.sent) == 1, "the replay reached nobody"


async def test_stale_event_is_refused(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    old = await platform.post(
        platform.c2c("USER1", "几岁可以入团"), timestamp=int(time.time()) - 301
    )
    assert old.status_code == 403
    ahead = await platform.post(
        platform.c2c("USER1", "几岁可以入团"), timestamp=int(time.time()) + 301
    )
    assert ahead.status_code == 403
    assert openapi.sent == []


async def test_forged_signature_is_refused(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    forged = await platform.post(
        platform.c2c("USER1", "几岁可以入团"), key=Ed25519PrivateKey.generate()
    )
    assert forged.status_code == 403
    event = platform.c2c("USER1", "几岁可以入团")
    stamp = int(time.time())
    signature = platform.key().sign(str(stamp).encode() + event)
    tampered = await platform.client.post(
        "/qq/webhook",
        content=event.replace("几岁".encode(), "多大".encode()),
        headers={
            "X-Bot-Appid": APPID,
            "X-Signature-Ed25519": binascii.hexlify(signature).decode(),
            "X-Signature-Timestamp": str(stamp),
        },
    )
    assert tampered.status_code == 403
    unsigned = await platform.client.post(
        "/qq/webhook", content=event, headers={"X-Bot-Appid": APPID}
    )
    assert unsigned.status_code == 403
    assert openapi.sent == []


async def test_late_answer_waits_for_the_group_and_goes_as_a_passive_reply(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    await platform.post(platform.group_at("GROUP1", "MEMBER1", "食堂几点开门"))
    assert "问题编号 #1" in texts(openapi)[0]
    cadre = speaker_of(runtime.grid.grid.people["city-a"])
    result = await runtime.cases.answer(1, cadre, "早上七点开门。")
    assert (result.sent, result.held) == (0, 1), "no proactive push on the official bot"
    assert len(openapi.sent) == 1
    async with runtime.db.session() as session:
        question = (await session.scalars(select(Question))).one()
    assert question.platform == "qqbot" and question.user_id == "MEMBER1"
    assert await runtime.cases.cases_of_questions([question.id]) == {question.id: (1, "待送达")}
    # Someone else in that group @s the bot: their reply, then the answer that waited.
    await platform.post(platform.group_at("GROUP1", "MEMBER2", "几岁可以入团"))
    later = openapi.sent[1:]
    assert [body["msg_seq"] for _, body in later] == [1, 2]
    assert {body["msg_id"] for _, body in later} == {"ROBOT1.0_group_msg_3"}
    assert "入团" in later[0][1]["content"]
    assert later[1][1]["content"] == "关于你问的“食堂几点开门”，团干部回复：\n早上七点开门。"
    # Delivered once: the next message carries nothing more.
    await platform.post(platform.group_at("GROUP1", "MEMBER2", "几岁可以入团"))
    assert len(openapi.sent) == 4
    assert (await runtime.cases.cases_of_questions([question.id]))[question.id][1] != "待送达"


async def test_at_most_five_passive_replies() -> None:
    from bot.chat.conversation import Bubble
    from plugins.qqbot import PassiveReplies

    class FakeBot:
        def __init__(self) -> None:
            self.calls: list[tuple[str, int]] = []

        async def send_to_c2c(self, openid: str, text: str, msg_id: str, msg_seq: int) -> Any:
            self.calls.append((text, msg_seq))

    from nonebot.adapters.qq import C2CMessageCreateEvent

    message = C2CMessageCreateEvent.model_validate(
        {
            "event_id": "e",
            "id": "m",
            "content": "hi",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "author": {"id": "U", "user_openid": "U"},
        }
    )
    bot = FakeBot()
    replies = PassiveReplies(bot, message)  # type: ignore[arg-type]
    for i in range(7):
        await replies.send(Bubble(f"b{i}"))
    await replies.flush()
    assert [seq for _, seq in bot.calls] == [1, 2, 3, 4, 5]
    assert bot.calls[-1][0] == "b4\n\nb5\n\nb6"


async def test_a_cadre_links_the_official_bot_answers_and_gets_held_notifications(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    from bot.accounts import texts as link_texts
    from bot.cases import texts as case_texts
    from bot.cases.models import CaseEvent

    cadre = runtime.grid.grid.people["city-a"]
    code = await runtime.links.issue(cadre, via="qq")
    await platform.post(platform.c2c("CADRE1", f"/绑定 {code}"))
    assert texts(openapi) == [link_texts.LINKED.format(name="市里甲")]
    # A cadre command on the official bot, through the same conversation.
    await platform.post(platform.c2c("CADRE1", "/待办"))
    assert texts(openapi)[-1] == case_texts.TASKS_EMPTY
    # A youth's question the FAQ cannot answer becomes a case for 市里甲; QQ cannot reach them
    # (no account connected) and the official bot cannot push: the notification waits.
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    await platform.post(platform.group_at("GROUP1", "MEMBER1", "食堂几点开门"))
    assert "问题编号 #1" in texts(openapi)[-1]
    async with runtime.db.session() as session:
        notified = (
            await session.scalars(select(CaseEvent).where(CaseEvent.kind == "notified"))
        ).all()
    assert [(e.detail["to"], e.detail["via"]) for e in notified] == [("city-a", "held")]
    sent_before = len(openapi.sent)
    # The cadre's next message to the bot carries it, as a passive reply to that message.
    await platform.post(platform.c2c("CADRE1", "/待办"))
    later = openapi.sent[sent_before:]
    assert [body["msg_seq"] for _, body in later] == [1, 2]
    assert {path for path, _ in later} == {"/v2/users/CADRE1/messages"}
    assert "#1" in later[0][1]["content"]
    assert "#1" in later[1][1]["content"] and "食堂几点开门" in later[1][1]["content"]
    # Once: the next message carries it no more.
    await platform.post(platform.c2c("CADRE1", "/待办"))
    assert len(openapi.sent) == sent_before + 3
    # No quotes on the official bot: plain text answers the latest notification shown.
    await platform.post(platform.c2c("CADRE1", "早上七点开门。"))
    assert texts(openapi)[-1].startswith(case_texts.ANSWER_SENT.split("{")[0])
    await platform.post(platform.group_at("GROUP1", "MEMBER2", "几岁可以入团"))
    assert texts(openapi)[-1] == "关于你问的“食堂几点开门”，团干部回复：\n早上七点开门。"


async def test_a_plain_text_before_the_notification_is_shown_is_no_answer(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    from bot.cases.models import Case

    cadre = runtime.grid.grid.people["city-a"]
    await runtime.links.redeem("qqbot", "CADRE1", await runtime.links.issue(cadre, via="wecom"))
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    await platform.post(platform.group_at("GROUP1", "MEMBER1", "食堂几点开门"))
    before = len(openapi.sent)
    await platform.post(platform.c2c("CADRE1", "几岁可以入团"))
    replies = texts(openapi)[before:]
    assert "入团" in replies[0] and "#1" in replies[-1], "a question, then the notification"
    async with runtime.db.session() as session:
        case = await session.get(Case, 1)
    assert case is not None and case.answer is None


async def test_an_announcement_to_an_official_bot_group_waits_for_the_next_at(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI
) -> None:
    from datetime import timedelta

    from bot.activities.service import ActivityDraft
    from bot.chat.speaker import Speaker

    orgs = runtime.settings.faq_dir / "grid" / "orgs.yaml"
    orgs.write_text(
        orgs.read_text(encoding="utf-8").replace(
            'groups: ["qq:40001"]', 'groups: ["qq:40001", "qqbot:GROUP1"]'
        ),
        encoding="utf-8",
    )
    await runtime.grid.reload("test")
    assert runtime.grid.grid.org_of_chat("qqbot", "GROUP1") is not None
    admin = Speaker("qq", "10000", None, is_admin=True)
    activity = await runtime.activities.create(
        admin,
        ActivityDraft(
            title="社区志愿服务",
            starts_at=datetime.now(timezone.utc) + timedelta(days=2),
            place="街道活动中心",
            details="请穿运动鞋",
            quota=None,
            targets={"orgs": ["street"]},
        ),
    )
    await runtime.activities.schedule(admin, activity.id)
    await runtime.outbox.send_due()
    status = await runtime.activities.status_text(admin, activity.id)
    assert "GROUP1）：待送达" in status and "待送达 1" in status
    assert openapi.sent == [], "nothing pushed to the group"
    # Someone in the group @s the bot: their answer, then the announcement, as passive replies.
    await platform.post(platform.group_at("GROUP1", "MEMBER1", "几岁可以入团"))
    assert [body["msg_seq"] for _, body in openapi.sent] == [1, 2]
    assert "社区志愿服务" in texts(openapi)[1]
    status = await runtime.activities.status_text(admin, activity.id)
    assert "GROUP1）：已发送" in status and "待送达" not in status
    # Once only; and never in private chat.
    await platform.post(platform.group_at("GROUP1", "MEMBER2", "几岁可以入团"))
    await platform.post(platform.c2c("MEMBER1", "几岁可以入团"))
    assert sum("社区志愿服务" in t for t in texts(openapi)) == 1


async def test_a_sign_up_with_fields_in_a_group_is_sent_to_private_chat(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI, clock
) -> None:
    """The official bot cannot message a group member privately, and their C2C openid is
    another: a sign-up that needs fields is not started in the group (it could never be
    completed) but the youth is told to sign up in private chat, where the fields are asked."""
    from datetime import timedelta

    from bot.activities import texts as activity_texts
    from bot.activities.models import Signup
    from tests.activities.helpers import announced, make_outbox

    service = runtime.activities
    service.clock = clock
    service.outbox = make_outbox(runtime.db, runtime.settings, clock, runtime.cases.channels["qq"])
    with_fields = await announced(
        service, clock, fields=["name"], starts_at=clock() + timedelta(hours=3)
    )
    without = await announced(service, clock, starts_at=clock() + timedelta(hours=3))
    await platform.post(platform.group_at("GROUP1", "MEMBER1", f"报名 {with_fields}"))
    assert texts(openapi)[-1] == activity_texts.FIELDS_SIGN_UP_PRIVATELY.format(
        id=with_fields, title="社区志愿服务"
    )
    async with runtime.db.session() as session:
        assert (await session.scalars(select(Signup))).all() == [], "no sign-up left half made"
    await platform.post(platform.c2c("USER1", f"报名 {with_fields}"))
    assert activity_texts.FIELD_PROMPTS["name"] in texts(openapi)[-1]
    # Nothing to ask: the group is fine.
    await platform.post(platform.group_at("GROUP1", "MEMBER1", f"报名 {without}"))
    assert texts(openapi)[-1].startswith("报名成功")
