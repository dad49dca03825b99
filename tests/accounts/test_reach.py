"""A cadre reachable only on the official QQ bot is not reachable at once: the crisis reply
says a person was told only when someone can be messaged now (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses

from bot.chat.conversation import Message
from bot.chat.features import conversation
from bot.grid.model import Grid
from bot.qa.models import Question
from bot.runtime import Runtime


class Pushing:
    """A QQ channel that can message anyone (as a connected OneBot account can)."""

    platform = "qq"
    can_push = True

    async def send_private(self, user_id: str, text: str, *, account: str | None = None) -> str:
        return "1"

    async def send_group(self, group_id: str, text: str, **_: object) -> str:
        return "2"


def _with_accounts(runtime: Runtime, accounts: dict[str, dict[str, str]]) -> None:
    """The served grid with these people's accounts replaced."""
    grid = runtime.grid.grid
    people = [
        dataclasses.replace(p, qq=None, wecom=None, accounts=tuple(accounts[p.id].items()))
        if p.id in accounts
        else p
        for p in grid.people.values()
    ]
    runtime.grid._grid = Grid(grid.orgs.values(), people, grid.topics)


def _urgent(org_id: str) -> Question:
    return Question(text="不想活了", org_id=org_id, risk_level=3, platform="qq", user_id="1")


async def test_a_qqbot_only_cadre_is_not_reachable_at_once(runtime: Runtime) -> None:
    runtime.cases.channels["qq"] = Pushing()
    on_duty = [p.id for p in runtime.grid.grid.people.values() if p.role.value == "cadre"]
    _with_accounts(runtime, {pid: {"qqbot": f"OPENID-{pid}"} for pid in on_duty})
    assert not runtime.cases.alerts_at_once(_urgent("street"))
    person = runtime.grid.grid.people["street-a"]
    assert runtime.cases.accounts(person) == {"qqbot": "OPENID-street-a"}
    assert not runtime.cases.reachable(person)
    # An openid written in people.yaml is that person on the official bot, no code needed.
    speaker = conversation(runtime).speaker(Message("qqbot", "OPENID-street-a", "/待办", "m1"))
    assert (speaker.person_id, speaker.is_staff) == ("street-a", True)
    # One cadre of the alert list with a QQ number: told at once.
    _with_accounts(runtime, {"street-a": {"qq": "10001", "qqbot": "OPENID-street-a"}})
    assert runtime.cases.alerts_at_once(_urgent("street"))


async def test_a_linked_openid_does_not_make_a_cadre_reachable(runtime: Runtime) -> None:
    cadre = runtime.grid.grid.people["city-a"]
    await runtime.links.redeem("qqbot", "OPENID", await runtime.links.issue(cadre, via="qq"))
    assert runtime.cases.accounts(cadre) == {"qq": "10006", "qqbot": "OPENID"}
    # QQ has no account connected in these tests, and the official bot only replies.
    assert not runtime.cases.reachable(cadre)
    runtime.cases.channels["qq"] = Pushing()
    assert runtime.cases.reachable(cadre)
    assert runtime.cases.find_person("qqbot:OPENID") is cadre
    assert runtime.cases.find_person("OPENID") is cadre
    assert runtime.cases.find_person("10006") is cadre
