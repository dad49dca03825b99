"""Splitting long text into parts that fit WeChat's per-message limit (bytes of UTF-8)."""

from __future__ import annotations

TEXT_LIMIT_BYTES = 2048


def split_utf8(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at a line break when one is near, never inside
    a character; empty text gives no parts."""
    parts: list[str] = []
    rest = text
    while rest:
        if len(rest.encode("utf-8")) <= limit:
            parts.append(rest)
            break
        # The longest prefix that fits, in characters.
        size, cut = 0, 0
        for i, char in enumerate(rest):
            size += len(char.encode("utf-8"))
            if size > limit:
                break
            cut = i + 1
        newline = rest.rfind("\n", 0, cut)
        if newline > cut // 2:
            cut = newline + 1
        parts.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    return [part for part in parts if part]
