"""/统计 counts the try page's questions, which belong to no org, in a bucket of their own for
admins (SQLite and PostgreSQL)."""

from __future__ import annotations

from bot.cases import texts
from bot.runtime import Runtime
from tests.accounts.test_links import Chat


async def test_web_questions_are_a_bucket_for_admins(runtime: Runtime) -> None:
    page = Chat(runtime, "web", "w-visitor")
    await page.say("怎么交团费？")
    await page.say("几岁可以入团")
    await Chat(runtime, "qq", "30001", chat="40001").say("怎么交团费？")
    admin = Chat(runtime, "qq", "10009")

    [everywhere] = await admin.say("/统计")
    assert "收集问题：3" in everywhere
    assert everywhere.endswith("其中未归属组织：网页（未归属组织） 2 个（网页的明细：/统计 网页）")

    [web] = await admin.say("/统计 网页")
    assert web.startswith("【统计】网页（未归属组织）\n收集问题：2\n问答库解答：2")
    assert "其中未归属组织" not in web

    [street] = await admin.say("/统计 street")
    assert "收集问题：1" in street and "未归属组织" not in street
    assert await Chat(runtime, "qq", "10001").say("/统计 网页") == [texts.NOT_ALLOWED_STATS]
