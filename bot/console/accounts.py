"""Console accounts: the first admin from settings, login with limits, adding and disabling.

A login is refused without looking at the password once a user name, or a client address, has
failed CONSOLE_LOGIN_FAILURES_PER_USER / _PER_ADDRESS times within CONSOLE_LOGIN_WINDOW_MINUTES.
Failures are counted in the audit log, so every bot process sharing the database counts them
together and a restart forgives nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.console.audit import Action, AuditLog
from bot.console.models import AccountRole, ConsoleAccount
from bot.console.passwords import (
    hash_password_async,
    needs_rehash,
    password_problem,
    verify_password_async,
)
from bot.grid.model import Grid, Role
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow
from bot.storage.upsert import insert_ignore

log = logging.getLogger(__name__)

_USERNAME = re.compile(r"^[\w.@-]{2,64}$")
ROLE_NAMES = {AccountRole.ADMIN: "管理员", AccountRole.CADRE: "团干部", AccountRole.EXPERT: "专家"}
WRONG_LOGIN = "用户名或密码不对"
TOO_MANY = "登录失败次数太多，请 {minutes} 分钟后再试"


class AccountError(Exception):
    """A refusal to show the admin (Chinese)."""


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The account that signed in, or why not (Chinese)."""

    account: ConsoleAccount | None
    refusal: str | None = None


class AccountService:
    """The console's accounts."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        audit: AuditLog,
        grid: Callable[[], Grid],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.audit = audit
        self._grid = grid
        self.clock = clock
        self._admin_checked = False

    async def ensure_first_admin(self) -> None:
        """Create CONSOLE_ADMIN_USER if it is set and no account has that name (once per
        process; processes racing insert one row)."""
        name, password = self.settings.console_admin_user, self.settings.console_admin_password
        if self._admin_checked or not name:
            return
        async with self.db.session() as session:
            exists = await session.scalar(
                select(ConsoleAccount.id).where(ConsoleAccount.username == name)
            )
        if exists is None:
            hashed = await hash_password_async(password)
            async with self.db.session() as session:
                made = await insert_ignore(
                    session,
                    ConsoleAccount,
                    username=name,
                    password_hash=hashed,
                    role=AccountRole.ADMIN.value,
                    person_id=None,
                    active=True,
                    session_epoch=0,
                    created_at=self.clock(),
                    created_by="CONSOLE_ADMIN_USER",
                )
            if made:
                log.info("console: first admin %r created from CONSOLE_ADMIN_USER", name)
                await self.audit.record("system", Action.ACCOUNT_CREATED, target=name, role="admin")
        self._admin_checked = True

    async def login(self, username: str, password: str, address: str) -> LoginResult:
        """Check a login; every outcome goes to the audit log."""
        username = username.strip()[:64]
        window = timedelta(minutes=self.settings.console_login_window_minutes)
        since = self.clock() - window
        by_user = await self.audit.count(Action.LOGIN_FAILED, since, username=username)
        by_address = await self.audit.count(Action.LOGIN_FAILED, since, address=address)
        if (
            by_user >= self.settings.console_login_failures_per_user
            or by_address >= self.settings.console_login_failures_per_address
        ):
            await self.audit.record(username, Action.LOGIN_REFUSED, address)
            log.warning(
                "console: login of %r from %s refused: too many failures", username, address
            )
            minutes = int(self.settings.console_login_window_minutes)
            return LoginResult(None, TOO_MANY.format(minutes=minutes))
        account = await self.by_name(username)
        stored = account.password_hash if account is not None else None
        if not await verify_password_async(stored, password) or not (account and account.active):
            await self.audit.record(username, Action.LOGIN_FAILED, address)
            return LoginResult(None, WRONG_LOGIN)
        values: dict[str, object] = {"last_login_at": self.clock()}
        if needs_rehash(account.password_hash):
            values["password_hash"] = await hash_password_async(password)
        async with self.db.session() as session:
            await session.execute(
                update(ConsoleAccount).where(ConsoleAccount.id == account.id).values(**values)
            )
        await self.audit.record(username, Action.LOGIN, address)
        return LoginResult(account)

    async def by_name(self, username: str) -> ConsoleAccount | None:
        """The account with this user name."""
        async with self.db.session() as session:
            return await session.scalar(
                select(ConsoleAccount).where(ConsoleAccount.username == username)
            )

    async def get(self, account_id: int) -> ConsoleAccount | None:
        """The account with this id."""
        async with self.db.session() as session:
            return await session.get(ConsoleAccount, account_id)

    async def all(self) -> list[ConsoleAccount]:
        """Every account, oldest first."""
        async with self.db.session() as session:
            return list(
                (await session.scalars(select(ConsoleAccount).order_by(ConsoleAccount.id))).all()
            )

    async def create(
        self,
        by: str,
        username: str,
        password: str,
        role: str,
        person_id: str | None,
        address: str = "",
    ) -> ConsoleAccount:
        """Add an account; cadre and expert accounts act as a person of the grid."""
        username = username.strip()
        person_id = (person_id or "").strip() or None
        if not _USERNAME.match(username):
            raise AccountError("用户名 2-64 个字符：字母、数字、汉字或 . _ @ -")
        problem = password_problem(password)
        if problem:
            raise AccountError(problem)
        try:
            chosen = AccountRole(role)
        except ValueError:
            raise AccountError("请选择角色") from None
        grid = self._grid()
        if person_id is not None:
            person = grid.people.get(person_id)
            if person is None:
                raise AccountError(f"青情地图里没有编号为 {person_id} 的人员")
            if chosen is not AccountRole.ADMIN and person.role is Role.ADMIN:
                chosen = AccountRole.ADMIN
        elif chosen is not AccountRole.ADMIN:
            raise AccountError("团干部和专家账号要选择青情地图里的人员")
        hashed = await hash_password_async(password)
        async with self.db.session() as session:
            made = await insert_ignore(
                session,
                ConsoleAccount,
                username=username,
                password_hash=hashed,
                role=chosen.value,
                person_id=person_id,
                active=True,
                session_epoch=0,
                created_at=self.clock(),
                created_by=by,
            )
        if not made:
            raise AccountError(f"用户名 {username} 已经有人用了")
        await self.audit.record(
            by,
            Action.ACCOUNT_CREATED,
            address,
            target=username,
            role=chosen.value,
            person=person_id,
        )
        account = await self.by_name(username)
        assert account is not None
        return account

    async def set_active(self, by: str, account_id: int, active: bool, address: str = "") -> None:
        """Enable or disable an account; disabling ends its sessions."""
        async with self.db.session() as session:
            account = await session.get(ConsoleAccount, account_id)
            if account is None:
                raise AccountError("没有这个账号")
            if account.username == by and not active:
                raise AccountError("不能停用自己的账号")
            account.active = active
            account.session_epoch += 1
            name = account.username
        action = Action.ACCOUNT_ENABLED if active else Action.ACCOUNT_DISABLED
        await self.audit.record(by, action, address, target=name)

    async def change_password(
        self, account: ConsoleAccount, old: str, new: str, address: str = ""
    ) -> None:
        """Change one's own password; every other session of the account ends."""
        if not await verify_password_async(account.password_hash, old):
            raise AccountError("原密码不对")
        problem = password_problem(new)
        if problem:
            raise AccountError(problem)
        hashed = await hash_password_async(new)
        async with self.db.session() as session:
            await session.execute(
                update(ConsoleAccount)
                .where(ConsoleAccount.id == account.id)
                .values(password_hash=hashed, session_epoch=ConsoleAccount.session_epoch + 1)
            )
        await self.audit.record(account.username, Action.PASSWORD_CHANGED, address)
