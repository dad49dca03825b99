"""Every migration after the shared trunk belongs to a feature's labelled branch, and says so."""

from __future__ import annotations

import re

import pytest
from alembic.script import ScriptDirectory

from bot.storage.database import alembic_config

TRUNK = ("0001", "0002")
"""The shared revisions every feature branch starts from."""


@pytest.fixture(scope="module")
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def header_branch(script_doc: str) -> str | None:
    match = re.search(r"^Branch: (\S+)", script_doc, re.M)
    return match.group(1) if match else None


def test_each_revision_names_its_branch_in_its_header(scripts: ScriptDirectory) -> None:
    for script in scripts.walk_revisions():
        text = open(script.path, encoding="utf-8").read()  # noqa: SIM115
        branch = header_branch(text.split('"""')[1])
        assert branch is not None, script.revision
        if script.revision in TRUNK:
            assert branch == "trunk", script.revision
        else:
            assert script.branch_labels == {branch}, script.revision


def test_each_head_is_one_feature_branch_off_the_trunk(scripts: ScriptDirectory) -> None:
    heads = scripts.get_heads()
    labels = [next(iter(scripts.get_revision(head).branch_labels)) for head in heads]
    assert len(set(labels)) == len(heads)
    for head, label in zip(heads, labels, strict=True):
        assert scripts.get_revision(f"{label}@head").revision == head
        assert "0002" in {rev.revision for rev in scripts.iterate_revisions(head, "base")}
