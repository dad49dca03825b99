"""The console's audit log: who did what, when, from where. It only ever grows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum

from sqlalchemy import func, select

from bot.console.models import AuditEntry
from bot.storage.database import Database
from bot.storage.models import utcnow


class Action(str, Enum):
    """What the audit log records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_REFUSED = "login_refused"
    """Too many failed logins: refused without checking the password."""
    LOGOUT = "logout"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    PASSWORD_CHANGED = "password_changed"
    CASE_ANSWERED = "case_answered"
    CASE_CLOSED = "case_closed"
    CASE_REASSIGNED = "case_reassigned"
    CASE_LEARNED = "case_learned"
    ENTRY_APPROVED = "entry_approved"
    ENTRY_REJECTED = "entry_rejected"
    FAQ_SIMILAR_ADDED = "faq_similar_added"
    FAQ_ENTRY_ADDED = "faq_entry_added"
    WISH_CLAIMED = "wish_claimed"
    WISH_LIT = "wish_lit"
    CAMPAIGN_CREATED = "campaign_created"
    WISHES_IMPORTED = "wishes_imported"
    DIARY_ADDED = "diary_added"
    DIARY_FOLLOWUP_CASE = "diary_followup_case"
    DIARY_FOLLOWUP_DONE = "diary_followup_done"
    ACTIVITY_EXPORTED = "activity_exported"
    LINK_CODE_ISSUED = "link_code_issued"
    GROUP_CREATED = "group_created"


ACTION_NAMES = {
    Action.LOGIN: "登录",
    Action.LOGIN_FAILED: "登录失败",
    Action.LOGIN_REFUSED: "登录被限制",
    Action.LOGOUT: "退出",
    Action.ACCOUNT_CREATED: "新建账号",
    Action.ACCOUNT_DISABLED: "停用账号",
    Action.ACCOUNT_ENABLED: "启用账号",
    Action.PASSWORD_CHANGED: "修改密码",
    Action.CASE_ANSWERED: "回复问题",
    Action.CASE_CLOSED: "关闭问题",
    Action.CASE_REASSIGNED: "转交问题",
    Action.CASE_LEARNED: "加入问答库",
    Action.ENTRY_APPROVED: "审核通过",
    Action.ENTRY_REJECTED: "审核驳回",
    Action.FAQ_SIMILAR_ADDED: "添加相似问法",
    Action.FAQ_ENTRY_ADDED: "新增问答条目",
    Action.WISH_CLAIMED: "认领心愿",
    Action.WISH_LIT: "点亮心愿",
    Action.CAMPAIGN_CREATED: "新建心愿活动",
    Action.WISHES_IMPORTED: "导入微心愿",
    Action.DIARY_ADDED: "记团情日记",
    Action.DIARY_FOLLOWUP_CASE: "日记跟进转工单",
    Action.DIARY_FOLLOWUP_DONE: "日记跟进办结",
    Action.ACTIVITY_EXPORTED: "导出报名表",
    Action.LINK_CODE_ISSUED: "获取绑定码",
    Action.GROUP_CREATED: "新建兴趣小组",
}


class AuditLog:
    """Writes and reads the audit log."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def record(
        self,
        username: str,
        action: Action,
        address: str = "",
        target: str | None = None,
        note: str | None = None,
        **detail: object,
    ) -> None:
        """Add one entry."""
        async with self.db.session() as session:
            session.add(
                AuditEntry(
                    at=self.clock(),
                    username=username[:64],
                    action=action.value,
                    address=address[:64],
                    target=target[:128] if target else None,
                    note=note,
                    detail=detail,
                )
            )

    async def count(
        self, action: Action, since: datetime, *, username: str | None = None, address: str = ""
    ) -> int:
        """Entries of `action` since `since` by `username` or from `address`."""
        where = [AuditEntry.action == action.value, AuditEntry.at >= since]
        if username is not None:
            where.append(AuditEntry.username == username[:64])
        if address:
            where.append(AuditEntry.address == address[:64])
        async with self.db.session() as session:
            return int(await session.scalar(select(func.count()).where(*where)) or 0)

    async def recent(self, limit: int = 200, username: str | None = None) -> list[AuditEntry]:
        """The newest entries, newest first."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if username is not None:
            query = query.where(AuditEntry.username == username)
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())
