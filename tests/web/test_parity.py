"""The try page goes through the one conversation: activities, cadre and organiser commands,
refusals and the help text work there as in QQ. Over HTTP on the real ASGI app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.activities import texts as activity_texts
from bot.activities.models import Signup
from bot.activities.service import ActivityService
from bot.cases.models import Case
from bot.chat.registry import NOT_STAFF
from bot.qa import texts as qa_texts
from bot.qa.models import Feedback
from bot.runtime import Runtime
from tests.activities.helpers import announced, make_outbox
from tests.utils import Clock
from tests.web.conftest import Client


@pytest.fixture
def activities(runtime: Runtime, clock: Clock) -> ActivityService:
    service = runtime.activities
    service.clock = clock
    service.outbox = make_outbox(runtime.db, runtime.settings, clock, runtime.cases.channels["qq"])
    return service


async def say(c, text: str, **more: object) -> dict:  # type: ignore[no-untyped-def]
    res = await c.post("/api/chat", json={"text": text, **more})
    assert res.status_code == 200, res.text
    return res.json()


async def test_a_youth_signs_up_gives_the_fields_and_checks_in(
    client: Client, runtime: Runtime, activities: ActivityService, clock: Clock
) -> None:
    activity_id = await announced(
        activities,
        clock,
        fields=["name", "phone"],
        checkin_code="4321",
        starts_at=clock() + timedelta(hours=1),
    )
    async with client() as youth:
        listed = await say(youth, "活动")
        assert listed["text"].startswith(activity_texts.UPCOMING_HEADER)
        assert f"#{activity_id}「社区志愿服务」" in listed["text"]
        signed = await say(youth, f"报名 {activity_id}")
        assert "报名成功" in signed["text"]
        assert activity_texts.FIELD_PROMPTS["name"] in signed["text"], "fields asked right here"
        asked = await say(youth, "张小青")
        assert activity_texts.FIELD_PROMPTS["phone"] in asked["text"]
        done = await say(youth, "13800138000")
        assert done["text"] == activity_texts.FIELDS_DONE.format(
            id=activity_id, title="社区志愿服务"
        )
        mine = await say(youth, "我的报名")
        assert mine["text"].startswith(activity_texts.MY_SIGNUPS_HEADER)
        checked = await say(youth, "签到 4321")
        assert checked["text"] == activity_texts.CHECKED_IN.format(
            id=activity_id, title="社区志愿服务"
        )
        cancelled = await say(youth, f"取消报名 {activity_id}")
        assert cancelled["text"] == activity_texts.SIGNUP_CANCELLED.format(
            id=activity_id, title="社区志愿服务"
        )
    async with runtime.db.session() as session:
        signup = (await session.scalars(select(Signup))).one()
    assert (signup.platform, signup.user_id[:2], signup.status) == ("web", "w-", "cancelled")
    assert signup.checked_in_at is not None
    assert signup.answers == {"name": "张小青", "phone": "13800138000"}


async def test_a_youth_is_refused_cadre_commands_and_gets_youth_help(
    client: Client, runtime: Runtime
) -> None:
    async with client() as youth:
        for command in ("/待办", "/答 1 好的", "/统计"):
            refused = await say(youth, command)
            assert refused["text"] == NOT_STAFF, command
        assert (await say(youth, "/导出 1"))["text"] == activity_texts.NOT_CADRE
        helped = await say(youth, "帮助")
        assert "报名 编号" in helped["text"] and "我的问题" in helped["text"]
        assert "/待办" not in helped["text"]

    async with runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0, "no case opened"


async def test_a_cadre_on_the_page_publishes_an_activity_and_sees_its_status(
    client: Client, runtime: Runtime, cadres_on: Runtime, activities: ActivityService
) -> None:
    async with client(cadre_link=True) as cadre:
        started = await say(cadre, "/发布活动", cadre="street-a")
        assert "标题" in started["text"] or "活动" in started["text"]
        status = await say(cadre, "退出", cadre="street-a")
        assert status["text"]
        none = await say(cadre, "/活动状态 99", cadre="street-a")
        assert "99" in none["text"]
        helped = await say(cadre, "随便说点什么", cadre="street-a")
        assert "/待办" in helped["text"] and "/发布活动" in helped["text"]
        assert "/待审核" not in helped["text"], "review is for admins"
        admin = await say(cadre, "/帮助", cadre="admin")
        assert "/待审核" in admin["text"]


async def test_choices_are_buttons_and_a_no_after_them_is_not_feedback(
    client: Client, runtime: Runtime
) -> None:
    async with client() as youth:
        answered = await say(youth, "几岁可以入团")
        assert answered["kind"] == "answer" and answered["choices"] == []
        runtime.qa.settings = runtime.settings.model_copy(
            update={"faq_answer_threshold": 1.01, "faq_suggest_threshold": 0.0}
        )
        menu = await say(youth, "团费怎么交")
        assert menu["kind"] == "suggest"
        # Shown once: as buttons, not also as a numbered list in the text.
        assert menu["choices"] and not any(c in menu["text"] for c in menu["choices"])
        assert menu["text"] == qa_texts.SUGGEST_BUTTONS
        no = await say(youth, "没用")
        assert no["kind"] == "handover", (
            "none of the choices fits: a person answers the menu's question"
        )
    async with runtime.db.session() as session:
        assert (await session.scalars(select(Feedback))).all() == [], (
            "not against the answer before"
        )
        case = (await session.scalars(select(Case))).one()
    assert case.text == "团费怎么交"


async def test_a_crisis_reply_offers_its_hotline_as_a_tel_link(
    client: Client, runtime: Runtime
) -> None:
    async with client() as youth:
        crisis = await say(youth, "我不想活了")
    assert crisis["kind"] == "crisis"
    assert "12355" in crisis["text"]
    assert {"label": "12355", "url": "tel:12355"} in crisis["links"]
