"""The console's 兴趣小组 pages: groups in scope with member counts and the latest vote's
turnout; a group's members (names masked), proposals, votes and the winner's activity; admins
add a group (CSRF, the audit log); cadres cannot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.console.models import AuditEntry
from bot.groups.service import ProposalDraft
from bot.runtime import Runtime
from tests.activities.helpers import STREET_A
from tests.console.conftest import csrf_of, make_cadre, signed_in
from tests.groups.conftest import GROUPS_YAML
from tests.utils import Clock
from tests.web.conftest import Client


async def test_group_pages_scope_masking_votes(
    client: Client, console: Runtime, clock: Clock
) -> None:
    runtime = console
    runtime.activities.clock = clock
    folder = runtime.settings.faq_dir / "groups"
    folder.mkdir(exist_ok=True)
    (folder / "groups.yaml").write_text(GROUPS_YAML, encoding="utf-8")
    assert not (await runtime.group_files.reload("test")).errors
    groups = runtime.groups
    for user, nickname in (("30001", "王小青"), ("30002", "李青年")):
        await groups.join("qq", user, "烘焙", nickname=nickname)
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A,
        baking.id,
        clock() + timedelta(days=1),
        [
            ProposalDraft("烤曲奇", clock() + timedelta(days=3), "青年之家"),
            ProposalDraft("做蛋糕", clock() + timedelta(days=4), "青年之家", 10),
        ],
    )
    cookie, cake = (p.id for p in (await groups.view(poll.id)).proposals)
    await groups.vote("qq", "30001", cake)
    await groups.vote("qq", "30002", cookie)
    clock.advance(days=2)
    assert await groups.tick() == 1

    async with signed_in(client) as admin:
        page = (await admin.get("/console/groups")).text
        assert page.count("data-group=") == 3, "an admin sees every group"
        assert "成员 <b data-members>2</b> 人" in page and "<b data-turnout>2/2</b>（100%）" in page
        detail = (await admin.get(f"/console/groups/{baking.id}")).text
        assert "王**" in detail and "李**" in detail
        assert "王小青" not in detail and "30001" not in detail, "names and numbers masked"
        assert f'data-proposal="{cookie}" class="won"' in detail, "a tie: the earlier won"
        assert "平票，先提出的胜出" in detail and 'href="/console/activities/1"' in detail
        activity_page = (await admin.get("/console/activities/1")).text
        assert (
            "<p data-private>已发 0 / 2 人" in activity_page and "各群发送情况" not in activity_page
        )
        token = csrf_of(page)
        refused = await admin.post("/console/groups", data={"name": "美术"})
        assert refused.status_code == 403
        bad = await admin.post("/console/groups", data={"name": "烘焙", "csrf": token})
        assert bad.status_code == 400 and "已被另一个小组使用" in bad.text
        made = await admin.post(
            "/console/groups",
            data={"name": "美术", "aliases": "画画，绘画", "org": "street", "csrf": token},
        )
        assert made.status_code == 200 and "已新建兴趣小组「美术」" in made.text
        await make_cadre(admin, "jia", "street-a")
        await make_cadre(admin, "er", "street2-a")
    assert (await groups.find("画画")) is not None, "youths join it by an alias at once"

    async with signed_in(client, "jia", "a cadre password") as c:
        page = (await c.get("/console/groups")).text
        # street's groups: 烘焙 and 美术; not 瑜伽 (district) nor 象棋 (no org).
        assert page.count("data-group=") == 2 and "瑜伽" not in page and "新建兴趣小组" not in page
        token = csrf_of(page)
        cadre_made = await c.post("/console/groups", data={"name": "书法", "csrf": token})
        assert cadre_made.status_code == 403
    async with signed_in(client, "er", "a cadre password") as c:
        outside = await c.get(f"/console/groups/{baking.id}")
        assert outside.status_code == 404 and "王**" not in outside.text
    async with runtime.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "group_created" in actions
