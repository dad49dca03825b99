"""Text as every store and platform can hold it: the one cleaning step at the inbound boundary.

A chat platform can hand over strings that no database or reply can carry: a JSON `\\u0000`
(PostgreSQL's text type refuses NUL), a lone UTF-16 surrogate such as `\\ud800` (no UTF-8 encoder
accepts it, so SQLite and PostgreSQL both fail), other C0 control characters (not allowed in the
XML of WeChat replies). Such a message used to fail when it was stored and was lost. Every surface
passes what a youth or a cadre typed through `clean_text` before anything else sees it, so the
message is answered and recorded with the offending characters removed (or, for a surrogate,
replaced by U+FFFD, so that something visibly stood there).
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""C0 controls except tab, line feed and carriage return."""
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without NUL and other C0 controls (tab and line breaks stay); surrogate pairs
    joined into their character, lone surrogates replaced by U+FFFD. Idempotent and cheap for
    ordinary text."""
    if _SURROGATES.search(text):
        # UTF-16 round trip: a high+low pair becomes its character, a lone half becomes U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROLS.sub("", text)


def dirty(text: str) -> bool:
    """Whether `clean_text` would change `text`."""
    return bool(_CONTROLS.search(text) or _SURROGATES.search(text))
