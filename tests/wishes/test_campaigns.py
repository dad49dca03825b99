"""微心愿 campaigns in the service: an XLSX import that is all or nothing with each bad cell
named, scopes, progress per org, days left, and imported wishes in the ordinary flow (1+5,
escalation, the masked list with the campaign's name); the migration down and up (SQLite and
PostgreSQL, the `runtime` fixture)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from alembic import command
from sqlalchemy import func, select, update

from bot.delivery.models import OutboxMessage
from bot.runtime import Runtime
from bot.storage.database import alembic_config
from bot.wishes import sheet, texts
from bot.wishes.campaigns import CampaignService
from bot.wishes.models import Wish, WishCampaign, WishStatus
from bot.wishes.service import Actor, WishError
from bot.wishes.sheet import SheetError
from tests.utils import Clock
from tests.wishes.sheets import HEADER, xlsx

STREET_A = Actor("street-a", ("street",))
DISTRICT_A = Actor("district-a", ("district",))
TODAY = date(2026, 11, 2)
"""The test clock's day in Asia/Shanghai."""

GOOD = [
    ("想要一套绘画工具", "张小明", 9, "王老师", "13812345678", "测试街道团工委"),
    ("想要一本新华字典", "李小红", "10岁", "", "13987654321", "street"),
    ("想要一个篮球", "赵小刚", None, "刘主任", "0571-88886666", "测试区团委"),
]


@pytest.fixture
def campaigns(runtime: Runtime, clock: Clock) -> CampaignService:
    runtime.wishes.clock = clock
    return CampaignService(runtime.wishes)


async def _count(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Wish)) or 0)


async def test_import_all_rows_into_the_ordinary_flow(
    runtime: Runtime, campaigns: CampaignService, clock: Clock
) -> None:
    campaign = await campaigns.create(
        "六一微心愿", date(2026, 11, 12), ["district"], orgs=None, by="admin"
    )
    wishes = await campaigns.import_sheet(campaign, xlsx(GOOD), orgs=None)
    assert [(w.org_id, w.campaign_org_id) for w in wishes] == [
        ("street", "street"),
        ("street", "street"),
        ("district", "district"),
    ]
    first = wishes[0]
    assert (first.text, first.for_whom, first.contact) == (
        "想要一套绘画工具",
        "张小明，9岁",
        "王老师 13812345678",
    )
    assert wishes[1].for_whom == "李小红，10岁" and wishes[1].contact == "13987654321"
    assert wishes[2].for_whom == "赵小刚"
    assert {w.status for w in wishes} == {WishStatus.OPEN.value}

    # A cadre's list: masked name, the campaign's name, no contact.
    service = runtime.wishes
    listed = await service.listing(STREET_A.orgs)
    names = await service.campaign_names(listed)
    shown = [service.masked(w, names.get(w.campaign_id or 0, "")) for w in listed]
    assert shown[0] == "#1 想要一套绘画工具 · 张** · 测试街道团工委 · 六一微心愿"
    assert all("13812345678" not in s and "王老师" not in s for s in shown)

    # Claimed under the 1+5 cap and lit as any wish; nobody in chat is told.
    service.settings = runtime.settings.model_copy(update={"wish_open_claims_max": 1})
    await service.claim(STREET_A, first.id)
    with pytest.raises(WishError, match="上限 1 个"):
        await service.claim(STREET_A, wishes[1].id)
    await service.light(STREET_A, first.id, "已送到")
    async with runtime.db.session() as session:
        told = (await session.scalars(select(OutboxMessage))).all()
    assert told == [], "an imported wish has no youth account to tell"

    progress = (await campaigns.progress([campaign], None))[campaign.id]
    assert progress.text == "点亮 1 / 3 个微心愿"
    assert [(r.org_id, r.lit, r.total) for r in progress.rows] == [
        ("district", 0, 1),
        ("street", 1, 2),
    ]
    # A street cadre sees the street's row only.
    mine = (await campaigns.progress([campaign], STREET_A.orgs))[campaign.id]
    assert [(r.org_id, r.total) for r in mine.rows] == [("street", 2)]
    assert mine.text == "点亮 1 / 2 个微心愿"

    # Unclaimed, they climb to the parent org, and still count for the org they came from.
    clock.advance(days=runtime.settings.wish_escalate_days, minutes=1)
    assert await service.tick() == 2
    moved = await service.get(wishes[1].id)
    assert moved is not None and (moved.org_id, moved.campaign_org_id) == ("district", "street")
    mine = (await campaigns.progress([campaign], STREET_A.orgs))[campaign.id]
    assert mine.total == 2


async def test_one_bad_row_and_nothing_is_imported(
    runtime: Runtime, campaigns: CampaignService
) -> None:
    campaign = await campaigns.create(
        "六一微心愿", date(2026, 11, 12), ["street"], orgs=None, by="admin"
    )
    rows = [
        GOOD[0],
        ("", "小华", 8, "", "13800000000", ""),
        ("想要一双球鞋", "小亮", "八岁", "", "13800000001", ""),
        ("想要一个书包", "小军", 130, "", "", "火星团委"),
        ("想要一个篮球", "小刚", 7, "", "13800000002", "测试区团委"),
        GOOD[0],
        (),
        ("想要" * 60, "小美", 6, "", "13800000003", ""),
    ]
    with pytest.raises(SheetError) as refused:
        await campaigns.import_sheet(campaign, xlsx(rows), orgs=None)
    assert [str(p) for p in refused.value.problems] == [
        "工作表“心愿”第 3 行“心愿内容”列：不能为空。",
        "工作表“心愿”第 4 行“年龄”列：请填写 0 到 120 之间的整数（例如 9）。",
        "工作表“心愿”第 5 行“联系方式”列：不能为空。",
        "工作表“心愿”第 5 行“年龄”列：请填写 0 到 120 之间的整数（例如 9）。",
        "工作表“心愿”第 9 行“心愿内容”列：请控制在 100 字以内。",
    ]
    assert await _count(runtime) == 0
    # The cells right, the orgs are checked next: unknown, outside the campaign, a duplicate.
    rows = [
        GOOD[0],
        ("想要一个书包", "小军", 13, "", "13800000004", "火星团委"),
        ("想要一个篮球", "小刚", 7, "", "13800000002", "测试区团委"),
        GOOD[0],
    ]
    with pytest.raises(SheetError) as refused:
        await campaigns.import_sheet(campaign, xlsx(rows), orgs=None)
    assert [str(p) for p in refused.value.problems] == [
        "工作表“心愿”第 3 行“组织”列：没有找到团组织“火星团委”。",
        "工作表“心愿”第 4 行“组织”列：“测试区团委”不在这个活动的团组织范围内。",
        "工作表“心愿”第 5 行：与第 2 行重复。",
    ]
    assert await _count(runtime) == 0
    # The file fixed: imported once; the same file again is refused row by row.
    assert len(await campaigns.import_sheet(campaign, xlsx([GOOD[0]]), orgs=None)) == 1
    with pytest.raises(SheetError) as again:
        await campaigns.import_sheet(campaign, xlsx([GOOD[0]]), orgs=None)
    assert [str(p) for p in again.value.problems] == [
        "工作表“心愿”第 2 行：这个心愿已导入过（#1），请删去这一行。"
    ]
    assert await _count(runtime) == 1


async def test_an_import_waits_for_another_of_the_same_campaign(
    runtime: Runtime, campaigns: CampaignService, clock: Clock
) -> None:
    """Two uploads of one file at once (two tabs, two processes) cannot both pass the check for
    wishes already imported: an import holds the campaign until it is done."""
    campaign = await campaigns.create("六一", date(2026, 11, 12), ["street"], orgs=None, by="a")
    async with runtime.db.session() as held:
        # Another import in flight: it holds the campaign and has added row 2's wish.
        await held.execute(
            update(WishCampaign)
            .where(WishCampaign.id == campaign.id)
            .values(name=WishCampaign.name)
        )
        second = asyncio.create_task(campaigns.import_sheet(campaign, xlsx(GOOD[:1]), orgs=None))
        await asyncio.sleep(0.3)
        assert not second.done(), "it waits for the first import to end"
        held.add(
            campaigns.imported_wish(campaign, sheet.read(xlsx(GOOD[:1]))[0], "street", clock())
        )
    with pytest.raises(SheetError, match="已导入过"):
        await second
    assert await _count(runtime) == 1


async def test_files_that_are_not_a_wish_sheet(campaigns: CampaignService) -> None:
    campaign = await campaigns.create(
        "六一微心愿", date(2026, 11, 12), ["district", "street"], orgs=None, by="admin"
    )

    async def problems(data: bytes) -> list[str]:
        with pytest.raises(SheetError) as refused:
            await campaigns.import_sheet(campaign, data, orgs=None)
        return [str(p) for p in refused.value.problems]

    assert await problems("心愿内容,对象\n".encode()) == [texts.SHEET_NOT_XLSX]
    assert await problems(xlsx([GOOD[0]], header=("心愿", "年龄"), title="Sheet1")) == [
        "工作表“Sheet1”第 1 行：缺少“对象(称呼)、联系方式”列（请按模板的表头填写）。"
    ]
    assert await problems(xlsx([], header=())) == ["工作表“心愿”：表格是空的。"]
    # The template as downloaded: its header, no rows (an example row would be imported).
    assert await problems(sheet.template()) == ["工作表“心愿”第 1 行：表头下面没有心愿。"]
    # Two orgs in the campaign: a row must say which.
    no_org = [(*GOOD[0][:5], "")]
    assert await problems(xlsx(no_org)) == [
        "工作表“心愿”第 2 行“组织”列：这个活动有多个团组织，请填写组织名称。"
    ]


async def test_template_columns_are_read_back(campaigns: CampaignService) -> None:
    titles = [c.title for c in sheet.COLUMNS]
    assert titles == ["心愿内容", "对象(称呼)", "年龄", "联系人", "联系方式", "组织"]
    campaign = await campaigns.create("寒假", date(2026, 11, 12), ["street"], orgs=None, by="a")
    # The template's own titles (half-width parentheses) and a file's (full-width) both read.
    imported = await campaigns.import_sheet(campaign, xlsx([GOOD[0]], header=titles), orgs=None)
    assert imported[0].nickname == "张小明"
    assert HEADER[1] != titles[1]


async def test_scopes_of_a_street_cadre(runtime: Runtime, campaigns: CampaignService) -> None:
    with pytest.raises(WishError) as refused:
        await campaigns.create("六一", date(2026, 11, 12), ["district"], orgs=STREET_A.orgs, by="j")
    assert str(refused.value) == "“测试区团委”不在你负责的团组织范围内。"
    with pytest.raises(WishError, match="至少选择"):
        await campaigns.create("六一", date(2026, 11, 12), [], orgs=None, by="a")
    with pytest.raises(WishError, match="活动名称"):
        await campaigns.create(" ", date(2026, 11, 12), ["street"], orgs=None, by="a")
    own = await campaigns.create(
        "街道六一", date(2026, 11, 12), ["street"], orgs=STREET_A.orgs, by="j"
    )
    wide = await campaigns.create("全区六一", date(2026, 11, 2), ["district"], orgs=None, by="a")
    # The district campaign covers the street: its cadre sees it, and imports the street's rows
    # only.
    assert [c.id for c in await campaigns.listing(STREET_A.orgs)] == [own.id, wide.id]
    assert [c.id for c in await campaigns.listing(("nowhere",))] == []
    with pytest.raises(WishError, match="没有这个微心愿活动"):
        await campaigns.get(own.id, ("nowhere",))
    with pytest.raises(SheetError) as outside:
        await campaigns.import_sheet(wide, xlsx(GOOD), orgs=STREET_A.orgs)
    assert [str(p) for p in outside.value.problems] == [
        "工作表“心愿”第 4 行“组织”列：“测试区团委”不在你负责的团组织范围内。"
    ]
    assert await _count(runtime) == 0
    assert len(await campaigns.import_sheet(wide, xlsx(GOOD[:2]), orgs=STREET_A.orgs)) == 2
    # Days left, where the bot's users live.
    assert campaigns.today() == TODAY
    assert campaigns.days_text(own) == "还有 10 天"
    assert campaigns.days_text(wide) == "今天截止"
    wide.target_date = date(2026, 10, 30)
    assert campaigns.days_text(wide) == "已过目标日期 3 天"


async def test_migration_down_and_up(runtime: Runtime, campaigns: CampaignService) -> None:
    campaign = await campaigns.create("六一", date(2026, 11, 12), ["street"], orgs=None, by="a")
    await campaigns.import_sheet(campaign, xlsx(GOOD[:1]), orgs=None)

    def down(connection):
        command.downgrade(alembic_config(connection), "wish_campaigns@-1")

    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(down)
    await runtime.db.migrate()
    async with runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(WishCampaign)) == 0
        wish = (await session.scalars(select(Wish))).one()
    assert wish.campaign_id is None and wish.text == "想要一套绘画工具", "wishes are kept"
