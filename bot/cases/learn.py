"""/入库: append a case's question and answer to faq_data/faq/learned.yaml for admin review."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

REVIEW_TAG = "待审核"
HEADER = (
    "# 由团干部在聊天中用 /入库 生成的问答，标签“待审核”表示还没有管理员确认。\n"
    "# 管理员核对后删掉“待审核”标签即可；也可以把条目移到其他文件。\n"
)


def append_learned_entry(
    path: Path, entry_id: str, question: str, similar: list[str], answer: str
) -> None:
    """Add one entry to `path` (created if missing), written atomically so a reload never sees half."""
    entries: list[dict[str, Any]] = []
    if path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = list(loaded.get("entries") or []) if isinstance(loaded, dict) else list(loaded)
    seen = {question}
    unique_similar = [q for q in similar if not (q in seen or seen.add(q))]
    entries.append(
        {
            "id": entry_id,
            "question": question,
            "similar": unique_similar,
            "answer": answer,
            "tags": [REVIEW_TAG],
        }
    )
    body = yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".learned-", suffix=".yaml", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(HEADER + body)
    os.replace(tmp, path)
