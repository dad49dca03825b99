"""Who is speaking: one rule for every surface and every feature.

A message comes from an account on a platform (a QQ number, a 服务号 openid, a 企业微信 userid, the
try page's cookie id). The grid says whether that account is a person (cadre, expert, admin);
NoneBot's SUPERUSERS (QQ numbers) are admins too. Everyone else is a youth. Cases, activities and
the command registry all read this one `Speaker`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum

from bot.grid.model import Grid, Person
from bot.grid.model import Role as GridRole

SUPERUSER_PLATFORMS = frozenset({"qq"})
"""Platforms whose account ids SUPERUSERS lists (QQ numbers)."""


class Role(str, Enum):
    """What the speaker may do, from least to most."""

    YOUTH = "youth"
    CADRE = "cadre"
    EXPERT = "expert"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who sent a message (or acts through a file or the try page)."""

    platform: str
    account: str
    person: Person | None = None
    is_admin: bool = False
    """A superuser, or a grid person whose role is admin."""

    @property
    def id(self) -> str:
        """The grid person id, or platform:account for anyone outside the grid."""
        return self.person.id if self.person else f"{self.platform}:{self.account}"

    @property
    def person_id(self) -> str | None:
        """The grid person id, if the speaker is in the grid."""
        return self.person.id if self.person else None

    @property
    def orgs(self) -> tuple[str, ...]:
        """The orgs the speaker is responsible for (none outside the grid)."""
        return self.person.orgs if self.person else ()

    @property
    def is_staff(self) -> bool:
        """A cadre, expert or admin: may use the cadre and organiser commands at all."""
        return self.person is not None or self.is_admin

    @property
    def role(self) -> Role:
        """youth, cadre, expert or admin."""
        if self.is_admin:
            return Role.ADMIN
        if self.person is None:
            return Role.YOUTH
        return Role.EXPERT if self.person.role is GridRole.EXPERT else Role.CADRE


def speaker_of(person: Person, platform: str | None = None) -> Speaker:
    """A grid person as a speaker, on the first platform they have an account on (QQ, then
    企业微信, then any other; the try page for a person of none)."""
    if platform is None:
        own = [p for p, _ in person.accounts]
        platform = next((p for p in ("qq", "wecom", *own) if p in own), "web")
    account = person.account(platform) or person.id
    return Speaker(platform, account, person, is_admin=person.role is GridRole.ADMIN)


def identify(
    grid: Grid,
    platform: str,
    account: str,
    superusers: Collection[str] = (),
    linked: Mapping[tuple[str, str], str] | None = None,
) -> Speaker:
    """The speaker behind `account` on `platform`: its grid person, if any, and whether it is an
    admin (a grid admin, or — on QQ — one of SUPERUSERS).

    `linked`: (platform, account) -> person id of accounts linked in the bot
    (`bot.accounts.service.AccountLinks.linked`); the grid files win over a link."""
    account = str(account)
    person = grid.person_by_account(platform, account)
    if person is None and linked:
        person_id = linked.get((platform, account))
        person = grid.people.get(person_id) if person_id else None
    is_admin = (platform in SUPERUSER_PLATFORMS and account in superusers) or (
        person is not None and person.role is GridRole.ADMIN
    )
    return Speaker(platform, account, person, is_admin)
