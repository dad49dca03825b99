"""Server-side pages: Mako templates (Mako comes with Alembic) with every ${...} HTML-escaped.

A value is put in a page unescaped only with `| n`, and only markup this package built itself
(the SVG charts) is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from mako.lookup import TemplateLookup

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def _lookup() -> TemplateLookup:
    return TemplateLookup(
        directories=[str(TEMPLATES)],
        default_filters=["h"],
        strict_undefined=True,
        input_encoding="utf-8",
    )


def render(name: str, **context: Any) -> str:
    """The page `name` (a file in templates/) filled with `context`."""
    return str(_lookup().get_template(name).render(**context))
