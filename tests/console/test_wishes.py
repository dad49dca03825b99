"""The console's 微心愿 page: scoped list with counts, claim and light through the service, CSRF,
the audit log."""

from __future__ import annotations

from sqlalchemy import select

from bot.console.models import AuditEntry
from bot.runtime import Runtime
from bot.wishes.models import Wish
from tests.console.conftest import csrf_of, make_cadre, signed_in
from tests.web.conftest import Client


async def _wish(runtime: Runtime, text: str, org: str) -> int:
    service = runtime.wishes
    wish = await service.draft("qq", "30001", text, nickname="王小青")
    await service.fill(wish.id, for_whom="我妹妹", contact="13812345678")
    return (await service.post(wish.id, org)).id


async def test_wishes_page_claim_and_light(client: Client, console: Runtime) -> None:
    mine = await _wish(console, "想要一套绘画工具", "street")
    above = await _wish(console, "想要一个篮球", "district")
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as c:
        page = (await c.get("/console/wishes")).text
        assert f'data-wish="{mine}"' in page and f'data-wish="{above}"' not in page, "scope"
        assert "王**" in page and "王小青" not in page and "13812345678" not in page
        assert "点亮 <b data-lit>0</b> 个微心愿" in page and "已认领 0/5" in page
        token = csrf_of(page)
        refused = await c.post(f"/console/wishes/{mine}/claim", data={})
        assert refused.status_code == 403
        outside = await c.post(f"/console/wishes/{above}/claim", data={"csrf": token})
        assert outside.status_code == 409 and "不在你负责" in outside.text
        res = await c.post(f"/console/wishes/{mine}/claim", data={"csrf": token})
        assert res.status_code == 303
        claimed = (await c.get(res.headers["location"])).text
        assert "13812345678" in claimed and "已认领 1/5" in claimed
        res = await c.post(
            f"/console/wishes/{mine}/light",
            data={"note": "已送到 https://example.org/1.jpg", "csrf": token},
        )
        assert res.status_code == 303
        lit = (await c.get(res.headers["location"])).text
        assert "点亮 <b data-lit>1</b> 个微心愿" in lit and "https://example.org/1.jpg" in lit
    async with console.db.session() as session:
        wish = await session.get(Wish, mine)
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert wish is not None and (wish.status, wish.claimed_by) == ("lit", "street-a")
    assert {"wish_claimed", "wish_lit"} <= set(actions)
