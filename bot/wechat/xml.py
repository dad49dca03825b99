"""Safe parsing of callback XML: size-limited, no DTD, no entities (no XXE, no entity bombs)."""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 64 * 1024
"""Real callbacks are a few hundred bytes; anything this big is refused unread."""


class BadXml(ValueError):
    """The body is not a small, plain WeChat XML document."""


def parse_xml(data: bytes | str, limit: int = MAX_BODY_BYTES) -> dict[str, str]:
    """The child elements of the root `<xml>` as tag -> text (nested elements are skipped)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > limit:
        raise BadXml(f"XML of {len(raw)} bytes exceeds {limit}")
    upper = raw[:4096].upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise BadXml("DOCTYPE/ENTITY declarations are refused")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXml(f"forbidden XML construct: {type(exc).__name__}") from exc
    except Exception as exc:  # ParseError and friends from expat
        raise BadXml(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadXml(f"unexpected root <{root.tag}>")
    return {child.tag: (child.text or "") for child in root if len(child) == 0}
