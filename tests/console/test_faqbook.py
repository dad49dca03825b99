"""The console's FAQ page: the served entries by file and tag, a text filter, each entry
linked to the hit test; what it lists is what the index serves."""

from __future__ import annotations

import re

from bot.console.faqbook import file_of, shelf
from bot.faq.model import FaqEntry
from bot.runtime import Runtime
from tests.console.conftest import make_cadre, signed_in
from tests.web.conftest import Client

LISTED = re.compile(r'<li data-entry="([^"]+)"')


def _entry(id: str, source: str, tags: tuple[str, ...] = (), similar: tuple[str, ...] = ()):
    return FaqEntry(
        id=id, question=f"问题{id}", answer=f"答案{id}", source=source, tags=tags, similar=similar
    )


def test_shelf_filters_by_file_tag_and_text() -> None:
    entries = [
        _entry("fee-a", "fee.yaml:3", ("团费",), ("团费怎么交",)),
        _entry("fee-b", "fee.yaml:20", ("团费", "线上")),
        _entry("join-a", "join.yaml:3", ("入团",)),
    ]
    every = shelf(entries, None)
    assert every.total == every.matched == 3
    assert every.files == [("fee.yaml", 2), ("join.yaml", 1)]
    assert every.tags[0] == ("团费", 2), "the most used tag first"
    assert [e.id for e in shelf(entries, None, file="fee.yaml").entries] == ["fee-a", "fee-b"]
    assert [e.id for e in shelf(entries, None, tag="线上").entries] == ["fee-b"]
    found = shelf(entries, None, text="怎么交").entries
    assert [e.id for e in found] == ["fee-a"], "similar questions"
    assert [e.id for e in shelf(entries, None, text="JOIN").entries] == ["join-a"], "ids, any case"
    assert shelf(entries, None, file="fee.yaml", tag="入团").matched == 0
    assert file_of(entries[0]) == "fee.yaml"


async def test_the_faq_page_lists_what_the_index_serves(client: Client, console: Runtime) -> None:
    served = list(console.faq.index.entries.values())
    files = sorted({file_of(e) for e in served})
    async with signed_in(client) as c:
        page = (await c.get("/console/faq")).text
        assert LISTED.findall(page) == [e.id for e in served][: len(LISTED.findall(page))]
        assert f'data-matched="{len(served)}"' in page
        for name in files:
            assert f'data-file="{name}"' in page
        one = files[0]
        by_file = (await c.get("/console/faq", params={"file": one})).text
        assert LISTED.findall(by_file) == [e.id for e in served if file_of(e) == one]
        tag = next(t for e in served for t in e.tags)
        by_tag = (await c.get("/console/faq", params={"tag": tag})).text
        assert LISTED.findall(by_tag) == [e.id for e in served if tag in e.tags]
        entry = served[0]
        found = (await c.get("/console/faq", params={"q": entry.question})).text
        assert entry.id in LISTED.findall(found)
        assert "/console/faq/test?q=" in found, "each entry links to the hit test"
        # Markup typed into the filter comes back as text; an unknown file lists nothing.
        odd = (await c.get("/console/faq", params={"q": "<b>x</b>", "file": "nowhere"})).text
        assert "<b>x</b>" not in odd and "&lt;b&gt;x&lt;/b&gt;" in odd
        assert LISTED.findall(odd) == [] and "没有符合条件的条目" in odd


SCOPED = """\
entries:
  - id: for-street
    question: 街道志愿服务站几点开门？
    answer: 街道团工委的答案。
    orgs: [street]
  - id: for-street2
    question: 第二街道的青年之家在哪里？
    answer: 第二街道团工委的答案。
    orgs: [street2]
  - id: for-district
    question: 区里的青年驿站怎么申请？
    answer: 区团委的答案，区里各街道都适用。
    orgs: [district]
"""


async def test_a_cadre_sees_only_the_entries_that_answer_in_their_orgs(
    client: Client, console: Runtime
) -> None:
    """Unscoped entries, and those scoped to an org of theirs or above it (chat serves their
    youths those): not a sibling street's, nor one of an org outside the grid; an admin sees
    every entry. The hit test offers a cadre only their orgs, so it finds no other's."""
    (console.settings.faq_dir / "faq" / "scoped.yaml").write_text(SCOPED, encoding="utf-8")
    report = await console.faq.reload("test")
    assert report.ok, report
    served = list(console.faq.index.entries.values())
    unscoped = {e.id for e in served if not e.orgs}
    assert {e.id for e in served if e.orgs} == {
        "for-street",
        "for-street2",
        "for-district",
        "local-only",
    }, "the fixture's local-only entry is scoped to an org the grid does not have"
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
        await make_cadre(admin, "qu", "district-a")
        every = (await admin.get("/console/faq")).text
        assert set(LISTED.findall(every)) == {e.id for e in served}
        assert "在你负责的组织里适用的" not in every
    seen = {
        "jia": unscoped | {"for-street", "for-district"},
        "qu": unscoped | {"for-street", "for-street2", "for-district"},
    }
    for username, ids in seen.items():
        async with signed_in(client, username, "a cadre password") as c:
            page = (await c.get("/console/faq")).text
            assert set(LISTED.findall(page)) == ids, username
            assert f'data-matched="{len(ids)}"' in page, "counts only what the cadre sees"
            assert f"在你负责的组织里适用的 {len(ids)} 个条目" in page
            assert ("第二街道团工委的答案" in page) == ("for-street2" in ids), "nor its answer"
            # Searched for by its own words, a hidden entry is still not listed.
            found = (await c.get("/console/faq", params={"q": "第二街道的青年之家"})).text
            assert ("for-street2" in LISTED.findall(found)) == ("for-street2" in ids)
            tested = (
                await c.get("/console/faq/test", params={"q": "第二街道的青年之家在哪里"})
            ).text
            assert 'data-entry="for-street2"' not in tested, "no org: unscoped entries only"
            own = (
                await c.get(
                    "/console/faq/test", params={"q": "第二街道的青年之家在哪里", "org": "street"}
                )
            ).text
            assert 'data-entry="for-street2"' not in own
            other = await c.get(
                "/console/faq/test", params={"q": "第二街道的青年之家在哪里", "org": "street2"}
            )
            assert (other.status_code == 200) == ("for-street2" in ids), username
