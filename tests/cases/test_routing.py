"""Routing on a small grid: experts by topic, least-loaded cadres, climbing when nobody is free."""

from __future__ import annotations

from bot.cases.routing import escalation_target, levels_from, route
from bot.grid.model import ChatRef, Grid, Org, OrgLevel, Person, Role

GRID = Grid(
    orgs=[
        Org("city", "市", OrgLevel.CITY),
        Org("district", "区", OrgLevel.DISTRICT, parent="city"),
        Org("street", "街道", OrgLevel.STREET, parent="district", groups=(ChatRef("qq", "1"),)),
    ],
    people=[
        Person("s1", "街道一", Role.CADRE, orgs=("street",), qq="10001", max_open=2),
        Person("s2", "街道二", Role.CADRE, orgs=("street",), qq="10002", max_open=2),
        Person("d1", "区一", Role.CADRE, orgs=("district",), qq="10004"),
        Person("c1", "市一", Role.CADRE, orgs=("city",), qq="10006"),
        Person("c0", "市休", Role.CADRE, orgs=("city",), qq="10007", on_duty=False),
        Person("job", "就业", Role.EXPERT, topics=("就业",), qq="10008", max_open=1),
    ],
    topics={"就业": ["实习"]},
)


def test_least_loaded_cadre_of_the_org_first() -> None:
    chosen = route(GRID, "street", None, {"s1": 1})
    assert chosen is not None
    assert (chosen.person.id, chosen.org_id) == ("s2", "street")
    assert route(GRID, "street", None, {}).person.id == "s1", "ties go by id"


def test_full_cadres_pass_the_case_up() -> None:
    chosen = route(GRID, "street", None, {"s1": 2, "s2": 2})
    assert chosen is not None
    assert (chosen.person.id, chosen.org_id) == ("d1", "district")


def test_expert_first_when_the_topic_matches_and_free() -> None:
    chosen = route(GRID, "street", "就业", {})
    assert chosen is not None
    assert (chosen.person.id, chosen.org_id) == ("job", "street")
    busy = route(GRID, "street", "就业", {"job": 1})
    assert busy is not None
    assert busy.person.id == "s1", "a busy expert falls back to the org's cadres"


def test_unknown_org_goes_to_the_top_and_off_duty_people_are_skipped() -> None:
    assert [org.id for org in levels_from(GRID, None)] == ["city"]
    chosen = route(GRID, None, None, {})
    assert chosen is not None
    assert chosen.person.id == "c1"
    assert route(GRID, None, None, {"c1": 5}) is None


def test_escalation_goes_one_level_up() -> None:
    up = escalation_target(GRID, "street", {})
    assert up is not None
    assert (up.person.id, up.org_id) == ("d1", "district")
    top = escalation_target(GRID, "district", {})
    assert top is not None
    assert top.org_id == "city"
    assert escalation_target(GRID, "city", {}) is None
