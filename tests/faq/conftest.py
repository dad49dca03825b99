"""Shared fixtures for the FAQ tests: a throwaway FAQ folder and a way to write files into it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteFaq = Callable[[str, str], Path]


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """An empty FAQ folder with its `faq/` subfolder."""
    root = tmp_path / "faq_data"
    (root / "faq").mkdir(parents=True)
    return root


@pytest.fixture
def write_faq(faq_dir: Path) -> WriteFaq:
    """Write UTF-8 `text` to `relative` path under the FAQ folder (parents created); returns the path."""

    def write(relative: str, text: str) -> Path:
        path = faq_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
