"""Reading settings written as text in `.env`: comma-separated lists and `name=value` maps,
parsed once at start-up into typed values, with errors that name the variable.

Each feature's settings model (bot/<feature>/settings.py) declares its fields with these; the
app's `bot.settings.Settings` composes them. A field's environment variable is its name in
upper case."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def env_name(field: str) -> str:
    """The environment variable of settings field `field`."""
    return field.upper()


def comma_list(value: Any) -> list[str]:
    """`a, b,c` as ["a", "b", "c"] (blank items dropped); a list or set is taken as it is."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, Iterable):
        return [str(item).strip() for item in value if str(item).strip()]
    raise ValueError(f"expected a comma-separated list, got {value!r}")


def parse_list(field: str, value: Any, item: Callable[[str], V]) -> list[V]:
    """`value` as a list of `item(...)`s; a bad item raises naming the variable and the item."""
    parsed: list[V] = []
    for text in comma_list(value):
        try:
            parsed.append(item(text))
        except ValueError as exc:
            raise ValueError(f"{env_name(field)}: {text!r}: {exc}") from None
    return parsed


def parse_map(
    field: str, value: Any, key: Callable[[str], K], item: Callable[[str], V]
) -> dict[K, V]:
    """`name=value,...` as a dict (a mapping is taken as it is); a bad pair raises naming the
    variable and the pair."""
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(value, Mapping):
        pairs = value.items()
    else:
        pairs = []
        for text in comma_list(value):
            name, sep, raw = text.partition("=")
            if not sep or not name.strip() or not raw.strip():
                raise ValueError(f"{env_name(field)}: {text!r} is not name=value")
            pairs.append((name.strip(), raw.strip()))
    parsed: dict[K, V] = {}
    for name, raw in pairs:
        try:
            parsed[key(str(name))] = item(str(raw))
        except ValueError as exc:
            raise ValueError(f"{env_name(field)}: {name}={raw}: {exc}") from None
    return parsed


def positive(number: Callable[[str], float]) -> Callable[[str], float]:
    """`number`, refusing zero and below."""

    def parse(text: str) -> float:
        value = number(text)
        if value <= 0:
            raise ValueError("must be more than 0")
        return value

    return parse
