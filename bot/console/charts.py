"""Bar charts as inline SVG, drawn here (no script, no chart library, nothing fetched).

Every text put in the SVG is escaped; colours are presentation attributes, so the console's
Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FAQ_COLOUR = "#2e7d32"
PEOPLE_COLOUR = "#1565c0"
OTHER_COLOUR = "#b0bec5"


@dataclass(frozen=True, slots=True)
class Bar:
    """One stacked bar: its label, and the parts answered by the FAQ, by people, and the rest."""

    label: str
    by_faq: int
    by_people: int
    total: int
    title: str = ""
    """A tooltip (the SVG <title>)."""


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked_bars(bars: Sequence[Bar], *, height: int = 160, label: str = "") -> str:
    """Vertical stacked bars, one per day, scaled to the largest total."""
    width = 360
    slot = width / max(len(bars), 1)
    top = max((bar.total for bar in bars), default=0) or 1
    plot = height - 18
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for n, bar in enumerate(bars):
        x = _number(n * slot + slot * 0.1)
        y = plot
        for value, colour in (
            (bar.by_faq, FAQ_COLOUR),
            (bar.by_people, PEOPLE_COLOUR),
            (bar.total - bar.by_faq - bar.by_people, OTHER_COLOUR),
        ):
            if value <= 0:
                continue
            h = plot * value / top
            y -= h
            parts.append(
                f'<rect x="{x}" y="{_number(y)}" width="{_number(slot * 0.8)}" height="{_number(h)}" '
                f'fill="{colour}"><title>{escape(bar.title or bar.label)}</title></rect>'
            )
    parts.append(
        f'<line x1="0" y1="{plot}" x2="{width}" y2="{plot}" stroke="#607d8b" stroke-width="0.5"/>'
    )
    if bars:
        parts.append(
            f'<text x="1" y="{height - 4}" font-size="9" fill="#37474f">'
            f"{escape(bars[0].label)}</text>"
        )
        parts.append(
            f'<text x="{width - 1}" y="{height - 4}" font-size="9" fill="#37474f" '
            f'text-anchor="end">{escape(bars[-1].label)}</text>'
        )
    parts.append(
        f'<text x="1" y="9" font-size="9" fill="#37474f">最多 {top if any(b.total for b in bars) else 0}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def share_bar(by_faq: int, by_people: int, total: int) -> str:
    """A thin horizontal bar of one row: the FAQ's and people's shares of `total`."""
    if total <= 0:
        return '<svg class="share" viewBox="0 0 100 6" preserveAspectRatio="none"></svg>'
    faq = 100 * by_faq / total
    people = 100 * by_people / total
    return (
        '<svg class="share" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect x="0" y="0" width="100" height="6" fill="{OTHER_COLOUR}"/>'
        f'<rect x="0" y="0" width="{_number(faq)}" height="6" fill="{FAQ_COLOUR}"/>'
        f'<rect x="{_number(faq)}" y="0" width="{_number(people)}" height="6" '
        f'fill="{PEOPLE_COLOUR}"/></svg>'
    )
