"""Callback bodies: read size-limited, parsed safely (no DTD, no entities: no XXE, no entity bombs)."""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from fastapi import Request

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


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` bytes (never read whole)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
