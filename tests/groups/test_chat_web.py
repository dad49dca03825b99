"""兴趣小组 through the try page's HTTP API (the conversation layer every surface shares): a youth
lists and joins, a cadre runs /发起投票 (deadline, proposals, 确认), youths vote and change their
vote, the deadline makes the winner an activity, announced to the members privately (held for
the page until it polls), and they sign up for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from bot.chat.registry import NOT_STAFF
from bot.groups import texts
from bot.runtime import Runtime
from tests.groups.conftest import GROUPS_YAML
from tests.utils import Clock
from tests.web.conftest import Client

Say = Callable[[str], Awaitable[str]]


def sayer(c: httpx.AsyncClient, clock: Clock, cadre: str | None = None) -> Say:
    async def say(text: str) -> str:
        clock.advance(seconds=11)  # a youth's commands count like questions (6 a minute)
        body: dict[str, str] = {"text": text}
        if cadre:
            body["cadre"] = cadre
        res = await c.post("/api/chat", json=body)
        assert res.status_code == 200, res.text
        return res.json()["text"] or ""

    return say


async def polled(c: httpx.AsyncClient) -> list[str]:
    return (await c.post("/api/chat/poll", json={})).json()


async def test_join_vote_deadline_activity_on_the_page(
    client: Client, runtime: Runtime, cadres_on: Runtime, clock: Clock
) -> None:
    runtime.activities.clock = clock
    # One test talks for three people from one address.
    runtime.settings = runtime.settings.model_copy(update={"web_rate_address_per_minute": 500})
    folder = runtime.settings.faq_dir / "groups"
    folder.mkdir(exist_ok=True)
    (folder / "groups.yaml").write_text(GROUPS_YAML, encoding="utf-8")
    assert not (await runtime.group_files.reload("test")).errors
    async with client() as a, client() as b, client(cadre_link=True) as cadre_page:
        youth, other = sayer(a, clock), sayer(b, clock)
        cadre = sayer(cadre_page, clock, "street-a")

        listed = await youth("小组")
        assert "· 烘焙：0 人 — 周末一起做蛋糕" in listed and "· 象棋：0 人" in listed
        assert await youth("加入小组") == texts.JOIN_USAGE
        assert await youth("加入小组 美术") == texts.NO_SUCH_GROUP.format(name="美术")
        assert (await youth("加入小组 烘焙")).startswith(
            texts.JOINED.format(name="烘焙", members=1)
        )
        assert await youth("加入兴趣小组 甜点") == texts.ALREADY_MEMBER.format(name="烘焙")
        assert (await other("加入小组 烘焙")).startswith(
            texts.JOINED.format(name="烘焙", members=2)
        )
        assert "· 烘焙：2 人（已加入）" in await youth("小组")
        assert await youth("我的小组") == "\n".join(
            [texts.MINE_HEADER.format(names="烘焙"), texts.MINE_NO_POLLS]
        )
        assert await youth("投票 1") == texts.NO_SUCH_PROPOSAL.format(id=1)
        assert await youth("/发起投票 烘焙") == NOT_STAFF

        # The organiser's dialogue.
        assert await cadre("/发起投票 瑜伽") == texts.NOT_ORGANISER.format(name="瑜伽")
        assert await cadre("/发起投票 烘焙") == texts.ASK_DEADLINE.format(name="烘焙")
        assert await cadre("下个月") == texts.BAD_TIME
        assert await cadre("11月4日 20:00") == texts.ASK_PROPOSAL.format(n=1, done="")
        assert await cadre("完成") == "\n".join(
            [texts.NEED_PROPOSAL, texts.ASK_PROPOSAL.format(n=1, done="")]
        )
        assert await cadre(
            "烤曲奇，11月3日 14:00，青年之家"
        ) == texts.PROPOSAL_BEFORE_DEADLINE.format(deadline="11月4日（周三）20:00")
        added = await cadre("烤曲奇，11月8日 14:00，青年之家，20")
        assert added.startswith(texts.PROPOSAL_ADDED.format(n=1, title="烤曲奇"))
        await cadre("做蛋糕，11月9日 14:00，青年之家")
        preview = await cadre("完成")
        assert "提议1. 烤曲奇 · 11月8日（周日）14:00 · 青年之家 · 限 20 人" in preview
        assert "将私聊通知小组的 2 位成员" in preview and texts.TIE_RULE in preview
        assert await cadre("嗯") == texts.CONFIRM_OR_CANCEL
        opened = await cadre("确认")
        assert opened.startswith(texts.OPENED.format(members=2, tie=texts.TIE_RULE.rstrip("。")))
        assert "1. 烤曲奇" in opened and "2. 做蛋糕" in opened
        assert await cadre("/发起投票 烘焙") == texts.ONE_OPEN.format(
            name="烘焙", deadline="11月4日（周三）20:00"
        )

        # Members hear of it privately (held for the page until it polls).
        await runtime.outbox.hold_due()
        (notice,) = await polled(a)
        assert notice.startswith("【烘焙兴趣小组 活动投票】截止 11月4日（周三）20:00")
        assert "发送“投票 编号”投票" in notice

        assert (await youth("投票 2")).startswith(
            texts.VOTED.format(id=2, title="做蛋糕", deadline="11月4日（周三）20:00")
        )
        assert await youth("投票 2") == texts.VOTE_SAME.format(id=2, title="做蛋糕")
        assert await youth("投票 1") == texts.VOTE_CHANGED.format(
            id=1, title="烤曲奇", old=2, deadline="11月4日（周三）20:00"
        )
        assert "你投给了 1。" in await youth("我的小组")
        assert "· 兴趣小组 1 个：烘焙，投票 1 次" in await youth("我的数据")
        await other("投票 1")
        status = await cadre("/投票情况")
        assert "投票 2/2 人（100%）" in status and "1. 烤曲奇" in status and "（2 票）" in status

        # The deadline: the winner becomes an activity, announced privately to the members.
        clock.advance(days=3)
        assert await youth("投票 2") == texts.VOTE_CLOSED
        assert await runtime.groups.tick() == 1
        await runtime.outbox.hold_due()
        (announced,) = await polled(b)
        assert announced.startswith("【活动 #1】烤曲奇（烘焙兴趣小组）")
        assert "报名" in (await youth("报名 1"))
        assert "#1" in await youth("我的报名")
        status = await cadre("/投票情况 烘焙")
        assert "结果：1. 烤曲奇 胜出，已成为活动 #1" in status
        # Leaving a group.
        assert await other("退出小组 烘焙") == texts.LEFT.format(name="烘焙")
        assert await other("退出小组 烘焙") == texts.NOT_MEMBER.format(name="烘焙")
