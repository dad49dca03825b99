"""A crisis message typed where a dialogue step or a sign-up field waits gets the crisis reply
(12355 first), not taken as the step's answer."""

from __future__ import annotations

from bot.qa.texts import HOTLINE
from bot.runtime import Runtime
from bot.web.identity import COOKIE, identities
from bot.wishes import texts
from tests.activities.helpers import announced
from tests.utils import Clock
from tests.web.conftest import Client

CRISIS = "我真的不想活了，想从楼上跳下去"


async def test_crisis_in_a_wish_dialogue(client: Client, runtime: Runtime) -> None:
    async with client() as youth:

        async def say(text: str) -> str:
            res = await youth.post("/api/chat", json={"text": text})
            assert res.status_code == 200
            return res.json()["text"]

        assert await say("/心愿 想要一套绘画工具") == texts.ASK_FOR_WHOM.format(
            text="想要一套绘画工具"
        )
        reply = await say(CRISIS)
        assert HOTLINE in reply.split("\n")[0], reply
        # The dialogue is over: the next message is an ordinary one, not who the wish is for.
        assert await say("我自己") != texts.ASK_CONTACT
        assert "绘画工具" not in await say("我的心愿")


async def test_crisis_in_a_sign_up_field(client: Client, runtime: Runtime, clock: Clock) -> None:
    activities = runtime.activities
    activities.clock = clock
    activity_id = await announced(activities, clock, fields=["name"])
    async with client() as youth:
        await youth.get("/chat")
        settings = runtime.settings
        user = identities(settings.web_secret, settings.data_dir).user(youth.cookies.get(COOKIE))
        assert user is not None
        result = await activities.sign_up(activity_id, "web", user, None, "网页用户")
        assert result.missing == ("name",)
        res = await youth.post("/api/chat", json={"text": CRISIS})
        assert HOTLINE in res.json()["text"].split("\n")[0], res.json()
        # The field still waits; the crisis text is not anyone's name.
        assert await activities.pending_field("web", user) is not None
        signups = await activities.signups(activity_id)
        assert all(CRISIS not in str(s.answers) for s in signups)


async def test_short_answers_of_a_step_stay_answers(client: Client, runtime: Runtime) -> None:
    async with client() as youth:

        async def say(text: str) -> str:
            res = await youth.post("/api/chat", json={"text": text})
            return res.json()["text"]

        await say("/心愿 想要一套绘画工具")
        assert await say("我自己") == texts.ASK_CONTACT


async def test_crisis_in_a_command_s_text(client: Client, runtime: Runtime) -> None:
    async with client() as youth:
        res = await youth.post("/api/chat", json={"text": "/心愿 我爸天天打我，我不想活了"})
        reply = res.json()["text"]
        assert HOTLINE in reply.split("\n")[0], reply
        mine = (await youth.post("/api/chat", json={"text": "我的心愿"})).json()["text"]
        assert "不想活" not in mine, "no wish was made of it"
