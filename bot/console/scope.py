"""Who is looking at the console and what they may see.

An admin sees every org (and questions of no org, e.g. private chats). A cadre or expert sees
the orgs of their grid person and every org below them, read from the grid being served now,
so an edit of the grid changes their scope at once; cases given to them personally too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.cases.models import Case
from bot.chat.speaker import Speaker
from bot.console.models import AccountRole, ConsoleAccount
from bot.grid.model import Grid, Org, Person

PLATFORM = "console"
"""The platform of a console account when it acts on a case (an admin outside the grid's id)."""


class ScopeError(Exception):
    """An org the viewer may not see was asked for."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in account, its grid person and the orgs it sees (None: all)."""

    account: ConsoleAccount
    person: Person | None
    orgs: frozenset[str] | None

    @classmethod
    def of(cls, account: ConsoleAccount, grid: Grid) -> Viewer:
        """The viewer of `account` under the grid served now."""
        person = grid.people.get(account.person_id or "")
        if account.role == AccountRole.ADMIN.value:
            return cls(account, person, None)
        orgs: set[str] = set()
        for org_id in person.orgs if person is not None else ():
            orgs |= grid.descendants(org_id)
        return cls(account, person, frozenset(orgs))

    @property
    def is_admin(self) -> bool:
        """Sees and may do everything."""
        return self.orgs is None

    @property
    def name(self) -> str:
        """How the console names the viewer."""
        return self.person.name if self.person is not None else self.account.username

    @property
    def actor(self) -> Speaker:
        """The viewer as the case service knows who acts (same rules as in chat)."""
        return Speaker(PLATFORM, self.account.username, self.person, is_admin=self.is_admin)

    def orgs_for(self, grid: Grid, org_id: str | None) -> Collection[str] | None:
        """The orgs a figure or list counts: `org_id` and below (it must be in scope), else
        everything the viewer sees (None: no limit, admins only)."""
        if org_id:
            if org_id not in grid.orgs or not self.sees_org(org_id):
                raise ScopeError(org_id)
            return grid.descendants(org_id)
        return self.orgs

    def sees_org(self, org_id: str | None) -> bool:
        """Whether the viewer sees the org `org_id` (None: no org, admins only)."""
        if self.orgs is None:
            return True
        return org_id is not None and org_id in self.orgs

    def answered_orgs(self, grid: Grid) -> frozenset[str] | None:
        """The orgs whose scoped FAQ entries the viewer sees (None: all, admins only): those in
        scope and those above them, as an entry scoped to an org answers everywhere below it
        (what chat serves the viewer's youths). Entries scoped elsewhere, e.g. to a sibling
        street, are not theirs to read."""
        if self.orgs is None:
            return None
        return self.orgs | {above.id for org in self.orgs for above in grid.ancestors(org)}

    def sees_case(self, case: Case) -> bool:
        """Whether the viewer sees `case`: its org now or where it came from is in scope, or
        it is given to the viewer's person."""
        if self.orgs is None:
            return True
        if self.person is not None and case.assignee_id == self.person.id:
            return True
        return self.sees_org(case.org_id) or self.sees_org(case.origin_org_id)

    def visible_orgs(self, grid: Grid) -> list[tuple[Org, int]]:
        """The orgs the viewer may filter by, in tree order, with their depth below the top."""
        result: list[tuple[Org, int]] = []

        def walk(org: Org, depth: int) -> None:
            if self.sees_org(org.id):
                result.append((org, depth))
            for child in grid.orgs.values():
                if child.parent == org.id:
                    walk(child, depth + 1 if self.sees_org(org.id) else depth)

        for root in (o for o in grid.orgs.values() if not o.parent):
            walk(root, 0)
        return result
