"""The console's FAQ page: the served entries by file and tag, a text filter, each entry
linked to the hit test; what it lists is what the index serves."""

from __future__ import annotations

import re

from bot.console.faqbook import file_of, shelf
from bot.faq.model import FaqEntry
from bot.runtime import Runtime
from tests.console.conftest import signed_in
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
    every = shelf(entries)
    assert every.total == every.matched == 3
    assert every.files == [("fee.yaml", 2), ("join.yaml", 1)]
    assert every.tags[0] == ("团费", 2), "the most used tag first"
    assert [e.id for e in shelf(entries, file="fee.yaml").entries] == ["fee-a", "fee-b"]
    assert [e.id for e in shelf(entries, tag="线上").entries] == ["fee-b"]
    assert [e.id for e in shelf(entries, text="怎么交").entries] == ["fee-a"], "similar questions"
    assert [e.id for e in shelf(entries, text="JOIN").entries] == ["join-a"], "ids, any case"
    assert shelf(entries, file="fee.yaml", tag="入团").matched == 0
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
