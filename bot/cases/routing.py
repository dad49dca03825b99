"""Who should take a case: a topic expert, else the least-loaded on-duty cadre, climbing the tree."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.grid.model import Grid, Org, Person


@dataclass(frozen=True, slots=True)
class Route:
    """The chosen person and the org that owns the case at this level."""

    person: Person
    org_id: str | None


def _least_loaded(
    people: list[Person], load: Mapping[str, int], exclude: Collection[str]
) -> Person | None:
    free = [p for p in people if p.id not in exclude and load.get(p.id, 0) < p.max_open]
    return min(free, key=lambda p: (load.get(p.id, 0), p.id)) if free else None


def levels_from(grid: Grid, org_id: str | None) -> list[Org]:
    """The org and its ancestors, nearest first; the roots when the org is unknown."""
    if org_id is not None and org_id in grid.orgs:
        return [grid.orgs[org_id], *grid.ancestors(org_id)]
    return [org for org in grid.orgs.values() if not org.parent]


def route(
    grid: Grid,
    org_id: str | None,
    topic: str | None,
    load: Mapping[str, int],
    exclude: Collection[str] = (),
) -> Route | None:
    """The person to take a case from `org_id` about `topic`, or None if nobody is free.

    An on-duty expert on the topic comes first; otherwise a cadre of the org, then of each level
    above it. Among equals, the one with fewest open cases (ties: by id, so routing is stable).
    """
    if topic:
        expert = _least_loaded(grid.experts(topic), load, exclude)
        if expert is not None:
            return Route(expert, org_id)
    for org in levels_from(grid, org_id):
        cadre = _least_loaded(grid.cadres(org.id), load, exclude)
        if cadre is not None:
            return Route(cadre, org.id)
    return None


def escalation_target(
    grid: Grid, org_id: str | None, load: Mapping[str, int], exclude: Collection[str] = ()
) -> Route | None:
    """A cadre one level (or more, if a level has nobody on duty) above `org_id`."""
    if org_id is None or org_id not in grid.orgs:
        return None
    for org in grid.ancestors(org_id):
        cadre = _least_loaded(grid.cadres(org.id), load, exclude)
        if cadre is not None:
            return Route(cadre, org.id)
    return None
