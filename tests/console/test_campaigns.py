"""The console's 微心愿 campaigns over HTTP: create, download the template, upload good and bad
XLSX files (all or nothing, each bad cell named), progress per org and days left, scopes (a
street cadre imports for their own street only), CSRF, and the imported wishes masked on the
wishes page and in chat with the campaign's name."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.console.models import AuditEntry
from bot.console.upload import parse
from bot.runtime import Runtime
from bot.wishes.models import Wish
from tests.console.conftest import csrf_of, make_cadre, signed_in
from tests.utils import Clock
from tests.web.conftest import Client, cadres_on  # noqa: F401 - the shared fixture
from tests.wishes.sheets import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = [
    ("想要一套绘画工具", "张小明", 9, "王老师", "13812345678", "测试街道团工委"),
    ("想要一本新华字典", "李小红", 10, "", "13987654321", "测试街道团工委"),
    ("想要一个篮球", "赵小刚", 12, "刘主任", "13700001111", "测试第二街道团工委"),
]


async def _count(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Wish)) or 0)


async def _create(
    c: httpx.AsyncClient, name: str, *orgs: str, target: str = "2026-11-12"
) -> httpx.Response:
    """The new-campaign form submitted with one checkbox ticked for each of `orgs`."""
    token = csrf_of((await c.get("/console/wishes/campaigns")).text)
    form = [("csrf", token), ("name", name), ("target_date", target)]
    form += [("org", org) for org in orgs]
    return await c.post(
        "/console/wishes/campaigns",
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def _upload(c: httpx.AsyncClient, url: str, data: bytes, token: str | None) -> httpx.Response:
    fields = {"csrf": token} if token is not None else {}
    return await c.post(f"{url}/import", data=fields, files={"file": ("心愿.xlsx", data, XLSX)})


async def test_campaign_from_creation_to_progress(
    client: Client, console: Runtime, clock: Clock
) -> None:
    console.wishes.clock = clock
    async with signed_in(client) as admin:
        res = await _create(admin, "六一微心愿", "street", "street2")
        assert res.status_code == 303, res.text
        url = res.headers["location"].split("?")[0]
        page = (await admin.get(res.headers["location"])).text
        assert "已新建微心愿活动" in page and "还有 10 天" in page and "还没有导入心愿" in page
        token = csrf_of(page)

        template = await admin.get("/console/wishes/campaigns/template.xlsx")
        assert template.status_code == 200 and template.headers["content-type"] == XLSX
        book = load_workbook(io.BytesIO(template.content), read_only=True)
        header = next(book["心愿"].iter_rows(values_only=True))
        assert header == ("心愿内容", "对象(称呼)", "年龄", "联系人", "联系方式", "组织")

        # A bad row: the page names it, and none of the file is imported.
        bad = [*ROWS, ("想要一双球鞋", "小亮", "八岁", "", "13800000001", "测试街道团工委")]
        refused = await _upload(admin, url, xlsx(bad), token)
        assert refused.status_code == 422
        assert "表格有 1 处问题，一个心愿也没有导入" in refused.text
        assert "工作表“心愿”第 5 行“年龄”列：请填写 0 到 120 之间的整数" in refused.text
        assert await _count(console) == 0
        refused = await _upload(admin, url, b"not a workbook", token)
        assert refused.status_code == 422 and "不是有效的 XLSX" in refused.text

        res = await _upload(admin, url, xlsx(ROWS), token)
        assert res.status_code == 303, res.text
        page = (await admin.get(res.headers["location"])).text
        assert "已导入 3 个微心愿" in page
        assert "<b data-progress>点亮 0 / 3 个微心愿</b>" in page
        assert re.search(r'data-org="street">\s*<td>测试街道团工委</td>\s*<td>0</td>', page)
        assert 'data-org="street2"' in page
        listed = (await admin.get("/console/wishes/campaigns")).text
        assert "点亮 0 / 3 个微心愿" in listed and "六一微心愿" in listed

    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as jia:
        # The cadre sees the campaign for the street's part, the wishes masked, no contact.
        page = (await jia.get(url)).text
        assert "<b data-progress>点亮 0 / 2 个微心愿</b>" in page
        assert 'data-org="street2"' not in page
        campaign_id = url.rsplit("/", 1)[1]
        wishes = (await jia.get(f"/console/wishes?campaign={campaign_id}")).text
        assert "微心愿：六一微心愿" in wishes and "data-campaign>六一微心愿</a>" in wishes
        assert "张**" in wishes and "张小明" not in wishes and "13812345678" not in wishes
        assert "赵**" not in wishes, "street2's wish is not the street cadre's"
        first = min(int(n) for n in re.findall(r'data-wish="(\d+)"', wishes))
        res = await jia.post(f"/console/wishes/{first}/claim", data={"csrf": csrf_of(wishes)})
        assert res.status_code == 303
        res = await jia.post(
            f"/console/wishes/{first}/light", data={"note": "已送到", "csrf": csrf_of(wishes)}
        )
        assert res.status_code == 303
        assert "点亮 1 / 2 个微心愿" in (await jia.get(url)).text
    async with console.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert {"campaign_created", "wishes_imported", "wish_claimed", "wish_lit"} <= set(actions)


async def test_street_cadre_imports_for_their_street_only(client: Client, console: Runtime) -> None:
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
        other = (await _create(admin, "二街道六一", "street2")).headers["location"].split("?")[0]
        wide = (await _create(admin, "全区六一", "district")).headers["location"].split("?")[0]
    async with signed_in(client, "jia", "a cadre password") as jia:
        res = await _create(jia, "六一", "street2")
        assert res.status_code == 422 and "“测试第二街道团工委”不在你负责的团组织范围内" in res.text
        page = (await jia.get("/console/wishes/campaigns")).text
        assert "全区六一" in page and "二街道六一" not in page
        assert 'value="street2"' not in page, "only the cadre's orgs can be chosen"
        assert (await jia.get(other)).status_code == 404
        token = csrf_of((await jia.get(wide)).text)
        refused = await _upload(jia, other, xlsx(ROWS[2:]), token)
        assert refused.status_code == 404
        refused = await _upload(jia, wide, xlsx(ROWS), token)
        assert refused.status_code == 422
        assert "第 4 行“组织”列：“测试第二街道团工委”不在你负责的团组织范围内" in refused.text
        assert await _count(console) == 0
        res = await _upload(jia, wide, xlsx(ROWS[:2]), token)
        assert res.status_code == 303 and await _count(console) == 2


async def test_csrf_and_size_limits(client: Client, console: Runtime) -> None:
    async with signed_in(client) as admin:
        url = (await _create(admin, "六一", "street")).headers["location"].split("?")[0]
        token = csrf_of((await admin.get(url)).text)
        assert (await _upload(admin, url, xlsx(ROWS[:1]), None)).status_code == 403
        assert (await _upload(admin, url, xlsx(ROWS[:1]), "forged")).status_code == 403
        created = await admin.post(
            "/console/wishes/campaigns",
            data={"name": "没令牌", "target_date": "2026-11-12", "org": "street"},
        )
        assert created.status_code == 403
        assert await _count(console) == 0
        big = await _upload(admin, url, b"x" * (3 * 1024 * 1024), token)
        assert big.status_code == 413 and "文件太大" in big.text
        empty = await admin.post(f"{url}/import", data={"csrf": token})
        assert empty.status_code == 403, "not multipart: no token is read"
        none = await admin.post(
            f"{url}/import", data={"csrf": token}, files={"file": ("a.xlsx", b"", XLSX)}
        )
        assert none.status_code == 422 and "请选择要上传的 XLSX 文件" in none.text
        bad_date = await _create(admin, "国庆", "street", target="11月12日")
        assert bad_date.status_code == 422 and "请填写目标日期" in bad_date.text
        assert 'value="国庆"' in bad_date.text, "what was typed is kept"
    async with client() as anonymous:
        res = await anonymous.get(url)
        assert res.status_code == 303 and res.headers["location"] == "/console/login"


@pytest.mark.usefixtures("cadres_on")
async def test_imported_wish_in_chat_shows_the_campaign(client: Client, console: Runtime) -> None:
    async with signed_in(client) as admin:
        url = (await _create(admin, "六一微心愿", "street")).headers["location"].split("?")[0]
        token = csrf_of((await admin.get(url)).text)
        assert (await _upload(admin, url, xlsx(ROWS[:1]), token)).status_code == 303
    async with client(cadre_link=True) as cadre:
        listed = await cadre.post("/api/chat", json={"text": "/心愿列表", "cadre": "street-a"})
        body = listed.json()["text"]
        assert "#1 想要一套绘画工具 · 张** · 测试街道团工委 · 六一微心愿" in body
        assert "13812345678" not in body and "王老师" not in body
        claimed = await cadre.post("/api/chat", json={"text": "/认领心愿 1", "cadre": "street-a"})
        text = claimed.json()["text"]
        assert "为谁：张小明，9岁" in text and "联系方式：王老师 13812345678" in text


def test_multipart_parser() -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="csrf"\r\n\r\n'
        b"tok\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
        b"\r\n--Xy\x00\xff\r\n"
        b"--XyZ--\r\n"
    )
    upload = parse("multipart/form-data; boundary=XyZ", body)
    assert upload is not None
    assert upload.fields == {"csrf": "tok"}
    assert upload.files == {"file": ("a.xlsx", b"\r\n--Xy\x00\xff")}
    assert parse("multipart/form-data; boundary=XyZ", body[:-9]) is None, "cut short"
    assert parse("application/x-www-form-urlencoded", b"csrf=tok") is None
