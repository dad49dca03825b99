"""Linking a grid person's account on a platform the grid files cannot name (an official-QQ
openid: per bot app, seen only by the bot), and the one place that says a person's accounts.

A person the bot already knows on another surface (QQ, 企业微信, the admin console) asks for a
one-time code; sending `/绑定 code` to the official bot in private chat links that openid to
them. A code is six digits, kept as a digest, valid for `CODE_MINUTES`, used once (a
compare-and-set), and replaced by the person's next one. Guessing is capped twice, both counted
in the database so every process shares the count:

- per account: one that sends `MAX_FAILURES` wrong, expired or used codes within
  `FAILURE_WINDOW` is refused for a while (its further attempts test no code and count nowhere);
- per code: a code is void once `MAX_CODE_GUESSES` failed attempts, from all accounts together,
  were made while it was outstanding, and the person who asked for it is told to ask again.
  Many accounts buy an attacker no more than `MAX_CODE_GUESSES` tries at any one code; the most
  they can do is void codes, and a voided code is replaced by asking for a new one.

`/绑定` sent in a group counts as a failed attempt of its sender and tests no code.
Links live in the database; each process keeps a copy, re-read on its own changes at once and
on others' within `refresh_s`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.accounts import texts
from bot.accounts.models import AccountLink, LinkCode, LinkFailure
from bot.grid.model import Grid, Person
from bot.grid.service import GridService
from bot.storage.database import Database
from bot.storage.models import utcnow

if TYPE_CHECKING:
    from bot.delivery.outbox import Outbox

log = logging.getLogger(__name__)

LINKABLE = frozenset({"qqbot"})
"""Platforms whose accounts are linked with a code."""
ISSUING = frozenset({"qq", "wecom", "console"})
"""Where a code may be asked for: surfaces that know who a person is without a code."""
CODE_DIGITS = 6
CODE_MINUTES = 10
MAX_FAILURES = 5
"""Failed attempts an account may make within `FAILURE_WINDOW`."""
FAILURE_WINDOW = timedelta(minutes=15)
MAX_CODE_GUESSES = 20
"""Failed attempts, from all accounts together, that void every code outstanding meanwhile: a
code is tried by at most this many guesses (a chance of 20 in a million each), however many
accounts guess."""
REPLACED = "replaced"
"""`LinkCode.used_by` of a code that a newer one made void."""
BURNED = "burned"
"""`LinkCode.used_by` of a code shown where others could read it."""
GUESSED = "guessed"
"""`LinkCode.used_by` of a code voided by `MAX_CODE_GUESSES` failed attempts."""
TOLD_ON = ("qq", "wecom")
"""Where a person whose code was voided is told (the platform they asked on first)."""


class LinkError(Exception):
    """Linking refused; the message says why, in Chinese."""


def _digest(platform: str, code: str) -> str:
    return hashlib.sha256(f"{platform}:{code}".encode()).hexdigest()


class AccountLinks:
    """Codes, links, and every person's accounts (grid files first, then links)."""

    def __init__(
        self,
        db: Database,
        grid: GridService,
        clock: Callable[[], datetime] = utcnow,
        refresh_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.grid_service = grid
        self.clock = clock
        self.refresh_s = refresh_s
        self.monotonic = monotonic
        self._by_account: Mapping[tuple[str, str], str] = MappingProxyType({})
        self._by_person: Mapping[tuple[str, str], str] = MappingProxyType({})
        self._read_at: float | None = None
        self.outbox: Outbox | None = None
        """Where a person whose code was voided by guessing is told (none: only logged)."""

    @property
    def grid(self) -> Grid:
        return self.grid_service.grid

    # ---- who is who ------------------------------------------------------------------------

    @property
    def linked(self) -> Mapping[tuple[str, str], str]:
        """(platform, account) -> person id of every link, as last read."""
        return self._by_account

    async def fresh(self) -> None:
        """Re-read the links if the copy is older than `refresh_s` (other processes link too)."""
        if self._read_at is None or self.monotonic() - self._read_at >= self.refresh_s:
            await self.reload()

    async def reload(self) -> None:
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(AccountLink.platform, AccountLink.account, AccountLink.person_id)
                )
            ).all()
        self._by_account = MappingProxyType({(p, a): person for p, a, person in rows})
        self._by_person = MappingProxyType({(person, p): a for p, a, person in rows})
        self._read_at = self.monotonic()

    def person(self, platform: str, account: str) -> Person | None:
        """The grid person behind `account` on `platform`: from the grid files, else linked."""
        account = str(account)
        found = self.grid.person_by_account(platform, account)
        if found is not None:
            return found
        person_id = self._by_account.get((platform, account))
        return self.grid.people.get(person_id) if person_id else None

    def account(self, person: Person, platform: str) -> str | None:
        """`person`'s account on `platform`: as the grid files give it, else linked."""
        return person.account(platform) or self._by_person.get((person.id, platform))

    def accounts(self, person: Person) -> dict[str, str]:
        """Platform -> account of every account of `person` (grid files win over links)."""
        found = {p: a for (pid, p), a in self._by_person.items() if pid == person.id}
        return {**found, **dict(person.accounts)}

    # ---- codes -----------------------------------------------------------------------------

    async def issue(self, person: Person, via: str, platform: str = "qqbot") -> str:
        """A fresh one-time code for `person` to link an account on `platform`; their earlier
        unused codes stop working. `via`: where it was asked for (one of ISSUING)."""
        if via not in ISSUING or platform not in LINKABLE:
            raise LinkError(texts.CODE_NOT_HERE)
        now = self.clock()
        async with self.db.session() as session:
            await session.execute(
                update(LinkCode)
                .where(LinkCode.person_id == person.id, LinkCode.used_at.is_(None))
                .values(used_at=now, used_by=REPLACED)
            )
            while True:
                code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
                clash = await session.scalar(
                    select(LinkCode.id).where(
                        LinkCode.digest == _digest(platform, code),
                        LinkCode.used_at.is_(None),
                        LinkCode.expires_at > now,
                    )
                )
                if clash is None:
                    break
            session.add(
                LinkCode(
                    digest=_digest(platform, code),
                    person_id=person.id,
                    platform=platform,
                    issued_via=via,
                    created_at=now,
                    expires_at=now + timedelta(minutes=CODE_MINUTES),
                )
            )
        log.info("link code issued to %s via %s", person.id, via)
        return code

    async def redeem(self, platform: str, account: str, code: str) -> Person:
        """Link `account` on `platform` to the person whose code this is; the person.

        Raises LinkError: locked out after too many failures, a wrong, expired or used code
        (each counted as a failure), a code voided by too many failures of anyone, an account
        that is someone else's already."""
        if platform not in LINKABLE:
            raise LinkError(texts.LINK_ONLY_QQBOT)
        account = str(account)
        now = self.clock()
        attempt = await self._attempt(platform, account, now)
        if attempt is None:
            raise LinkError(texts.TOO_MANY.format(minutes=int(FAILURE_WINDOW.seconds / 60)))
        try:
            person = await self._link(platform, account, code, now, attempt)
        except LinkError:
            await self._void_guessed(platform, now)
            raise
        await self._forget(attempt)
        await self.reload()
        log.info("%s account linked to %s", platform, person.id)
        return person

    async def refuse_in_group(self, platform: str, account: str) -> None:
        """Count a code `account` sent in a group as a failed attempt (within the account's
        limit, as `redeem` counts): it is not read, so it neither links nor voids that code;
        enough such attempts void outstanding codes as failed guesses do."""
        if platform not in LINKABLE:
            return
        now = self.clock()
        if await self._attempt(platform, str(account), now) is not None:
            await self._void_guessed(platform, now)
        log.info("%s: a link code sent in a group was refused unread", platform)

    async def _attempt(self, platform: str, account: str, now: datetime) -> int | None:
        """Write an attempt of `account` as a failure; its id, or None (the attempt forgotten)
        if the account has made too many within `FAILURE_WINDOW`."""
        # The attempt is written (as a failure) before the count: of guesses sent at the same
        # instant, the last to be written sees all the others, so at most MAX_FAILURES are tried.
        async with self.db.session() as session:
            attempt = LinkFailure(platform=platform, account=account, at=now)
            session.add(attempt)
        async with self.db.session() as session:
            failures = await session.scalar(
                select(func.count(LinkFailure.id)).where(
                    LinkFailure.platform == platform,
                    LinkFailure.account == account,
                    LinkFailure.at > now - FAILURE_WINDOW,
                )
            )
        if (failures or 0) > MAX_FAILURES:
            await self._forget(attempt.id)  # a refused attempt does not make the wait longer
            return None
        return attempt.id

    async def _link(
        self, platform: str, account: str, code: str, now: datetime, attempt: int
    ) -> Person:
        """Try `code` for `account` (attempt `attempt`, written already); the person linked."""
        code = "".join(code.split())
        row = None
        if code.isdigit() and len(code) == CODE_DIGITS:
            async with self.db.session() as session:
                row = await session.scalar(
                    select(LinkCode)
                    .where(LinkCode.digest == _digest(platform, code))
                    .order_by(LinkCode.id.desc())
                    .limit(1)
                )
        if row is None or row.used_at is not None or row.expires_at <= now:
            if row is None:
                raise LinkError(texts.WRONG_CODE)
            if row.used_by == GUESSED:
                raise LinkError(texts.VOIDED_CODE)
            raise LinkError(texts.USED_CODE if row.used_at is not None else texts.EXPIRED_CODE)
        # The other failures since the code was made, this attempt's own excepted: written
        # before this count, so of guesses at the same instant only the first
        # MAX_CODE_GUESSES written can find the code live.
        async with self.db.session() as session:
            spent = await session.scalar(
                select(func.count(LinkFailure.id)).where(
                    LinkFailure.platform == platform,
                    LinkFailure.at >= row.created_at,
                    LinkFailure.id != attempt,
                )
            )
        if (spent or 0) >= MAX_CODE_GUESSES:
            raise LinkError(texts.VOIDED_CODE)  # voided, and its person told, by the caller
        person = self.grid.people.get(row.person_id)
        if person is None:
            raise LinkError(texts.GONE)
        await self.reload()
        owner = self.person(platform, account)
        if owner is not None and owner.id != person.id:
            # Someone else's account (a code given away, or two people on one phone).
            raise LinkError(texts.TAKEN.format(name=owner.name))
        async with self.db.session() as session:
            won = await session.execute(
                update(LinkCode)
                .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
                .values(used_at=now, used_by=account)
            )
            if not won.rowcount:
                raise LinkError(texts.USED_CODE)
            if owner is None:
                # One account per platform and person: a new one replaces the old.
                await session.execute(
                    delete(AccountLink).where(
                        AccountLink.person_id == person.id, AccountLink.platform == platform
                    )
                )
                session.add(
                    AccountLink(
                        platform=platform, account=account, person_id=person.id, linked_at=now
                    )
                )
                try:
                    await session.flush()
                except IntegrityError as exc:  # linked to someone else a moment ago
                    raise LinkError(texts.TAKEN.format(name="其他人员")) from exc
        return person

    async def _void_guessed(self, platform: str, now: datetime) -> int:
        """Void every outstanding code of `platform` that `MAX_CODE_GUESSES` failed attempts
        were made against, and tell each one's person; how many were voided."""
        spent = (
            select(func.count(LinkFailure.id))
            .where(LinkFailure.platform == LinkCode.platform, LinkFailure.at >= LinkCode.created_at)
            .correlate(LinkCode)
            .scalar_subquery()
        )
        async with self.db.session() as session:
            rows = (
                await session.scalars(
                    select(LinkCode).where(
                        LinkCode.platform == platform,
                        LinkCode.used_at.is_(None),
                        LinkCode.expires_at > now,
                        spent >= MAX_CODE_GUESSES,
                    )
                )
            ).all()
        voided = 0
        for row in rows:
            async with self.db.session() as session:
                won = await session.execute(
                    update(LinkCode)
                    .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
                    .values(used_at=now, used_by=GUESSED)
                )
            if not won.rowcount:
                continue  # redeemed, replaced or voided elsewhere a moment ago
            voided += 1
            log.warning(
                "link code of %s voided after %d failed attempts (someone may be guessing)",
                row.person_id,
                MAX_CODE_GUESSES,
            )
            await self._tell_voided(row)
        return voided

    async def _tell_voided(self, row: LinkCode) -> None:
        """Queue a private message to the person of `row` that their code was voided: on the
        platform they asked on if that is one of TOLD_ON, else on the first of theirs."""
        person = self.grid.people.get(row.person_id)
        if person is None or self.outbox is None:
            return
        accounts = self.accounts(person)
        order = sorted(TOLD_ON, key=lambda p: p != row.issued_via)
        for platform in order:
            if accounts.get(platform):
                await self.outbox.enqueue(
                    f"link:{row.id}:voided",
                    platform,
                    accounts[platform],
                    texts.CODE_VOIDED,
                    chat_type="private",
                )
                return
        log.warning("could not tell %s that their link code was voided: no account", person.id)

    async def burn(self, platform: str, code: str) -> bool:
        """Void a live code the bot itself showed where others could read it (a code asked
        for in a group that could not go privately); True if one was. Never for a code someone
        sent: that would void codes for anyone who guesses them."""
        code = "".join(code.split())
        async with self.db.session() as session:
            result = await session.execute(
                update(LinkCode)
                .where(
                    LinkCode.digest == _digest(platform, code),
                    LinkCode.used_at.is_(None),
                    LinkCode.expires_at > self.clock(),
                )
                .values(used_at=self.clock(), used_by=BURNED)
            )
        return bool(result.rowcount)

    async def unlink(self, person: Person, platform: str = "qqbot") -> bool:
        """Remove `person`'s linked account on `platform`; False if there was none."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(AccountLink).where(
                    AccountLink.person_id == person.id, AccountLink.platform == platform
                )
            )
        await self.reload()
        return bool(result.rowcount)

    async def _forget(self, attempt_id: int) -> None:
        """An attempt that is not a failure after all (it linked, or was refused unread)."""
        async with self.db.session() as session:
            await session.execute(delete(LinkFailure).where(LinkFailure.id == attempt_id))
