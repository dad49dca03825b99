"""团情日记 from the try page's HTTP API: a cadre records a visit and sends its follow-ups to
cases, the diary shows each case's status until it is answered; a youth is refused."""

from __future__ import annotations

from sqlalchemy import select

from bot.cases.models import Case
from bot.chat.dialogue import HELP_IN_DIALOGUE
from bot.chat.speaker import speaker_of
from bot.diary import texts
from bot.runtime import Runtime
from tests.utils import Clock
from tests.web.conftest import Client


async def test_diary_on_the_page(
    client: Client, runtime: Runtime, cadres_on: Runtime, clock: Clock
) -> None:
    runtime.diaries.clock = clock
    async with client() as youth, client(cadre_link=True) as cadre:

        async def say(text: str) -> str:
            res = await cadre.post("/api/chat", json={"text": text, "cadre": "district-a"})
            assert res.status_code == 200, res.text
            # /月报 with its summary picture: the picture's text is the whole summary.
            return "\n".join([res.json()["text"], *(i["alt"] for i in res.json()["images"])])

        assert await say("/日记") == texts.ASK_DATE
        assert await say("11月1日") == texts.ASK_ORG
        assert await say("帮助") == f"{HELP_IN_DIALOGUE}\n{texts.ASK_ORG}", "not taken as a place"
        # A place outside the grid: kept as written, under the cadre's own org.
        assert await say("青城村文化礼堂") == texts.ASK_YOUTHS
        assert await say("12位 返乡大学生") == texts.ASK_HEARD
        assert await say("想在家门口找到实习") == texts.ASK_PROBLEMS
        assert await say("无") == texts.ASK_FOLLOWUPS
        assert await say("对接实习岗位\n办一次求职讲座") == texts.ASK_MARKS
        assert await say("2 3") == texts.ASK_CASES.format(items="1 对接实习岗位\n2 办一次求职讲座")
        saved = await say("1")
        assert saved.startswith("团情日记 #1 已保存：2026-11-01 青城村文化礼堂（测试区团委），")
        async with runtime.db.session() as session:
            case = (await session.scalars(select(Case))).one()
        assert f"跟进#1 对接实习岗位 · 工单 #{case.id} " in saved
        assert "跟进#2 办一次求职讲座 · 待跟进" in saved
        assert "✅ 一篇调研报告：1/1篇" in saved and "✅ 结对一个团支部书记：1/1名" in saved
        assert "✅ 结交一批青年：12/10人" in saved
        turned = await say("/日记 转工单 2")
        assert turned.startswith("跟进事项 #2 已转为问题工单 #")
        assert "已转为工单" in await say("/日记 转工单 2")
        assert "请这样发" in await say("/日记 转工单")
        # The first case is answered as any other: the diary shows it.
        assert case.assignee_id is not None
        await runtime.cases.answer(
            case.id, speaker_of(runtime.grid.grid.people[case.assignee_id]), "已对接三家企业"
        )
        shown = await say("/日记 1")
        assert f"跟进#1 对接实习岗位 · 工单 #{case.id} 已回复" in shown
        assert "待跟进 1 件" in await say("/日记 列表")
        monthly = await say("/月报 2026-11")
        assert "团情日记 1 篇（1 名团干部），走访 1 个组织，见青年 12 人；待跟进 1 件" in monthly
        # A follow-up sent to a case is a matter the org's youths raised: one question each.
        assert "收到问题 2（上月 0），机器人答 0，团干部答 1" in monthly
        assert "反映较多" not in monthly, "one diary raised nothing"

        res = await youth.post("/api/chat", json={"text": "/日记"})
        assert res.json()["text"] == texts.NOT_CADRE
