"""Conventions for reading admin-edited files: which names are ignored, how text is decoded."""

from __future__ import annotations

import codecs

from bot.common.issues import IssueCollector

__all__ = ["IGNORED_PREFIXES", "decode_text", "is_ignored"]

IGNORED_PREFIXES = ("_", ".", "~$")
"""Name prefixes of drafts (`_`), hidden files (`.`) and Excel lock files (`~$`)."""


def is_ignored(name: str) -> bool:
    """True for names admins use for drafts, hidden files and Excel lock files."""
    return name.startswith(IGNORED_PREFIXES)


def decode_text(data: bytes, issues: IssueCollector) -> str | None:
    """Text of a file saved as UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030;
    None after reporting an unknown encoding."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    issues.error(None, None, "无法识别文件编码，请另存为 UTF-8 编码")
    return None
