"""/发布活动: the guided dialogue that drafts an activity, previews it and publishes it.

One step a message: title, time, place, details, quota, sign-up deadline, targets, the fields
asked of each youth, then 确认 / 定时 时间 / 取消. It runs on `bot.chat.dialogue`, so its state is
in the database and any surface can drive it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.activities import texts
from bot.activities.service import (
    ActivityDraft,
    ActivityError,
    ActivityService,
    parse_quota,
)
from bot.activities.when import parse_local
from bot.chat.dialogue import Turn
from bot.chat.speaker import Speaker

KIND = "publish"
NONE_WORDS = ("无", "没有")
UNLIMITED_WORDS = ("无", "不限", "没有")
FIELDS_NONE = ("无", "不需要", "没有")
CONFIRM_WORDS = ("确认", "确定", "发布")
LIMITS = {"title": 60, "place": 100, "details": 800}
"""Longest answer per step (others: `DEFAULT_LIMIT`)."""
DEFAULT_LIMIT = 500


class Retry(Exception):
    """The answer can't be taken: say this and ask again."""


class PublishFlow:
    """The steps of /发布活动 over an `ActivityService`."""

    kind = KIND
    ttl: timedelta | None = None

    def __init__(self, service: ActivityService) -> None:
        self.service = service

    async def begin(self, speaker: Speaker) -> Turn:
        if not speaker.is_staff:
            return Turn([texts.NOT_CADRE], None)
        return Turn([texts.ASK_TITLE], "title")

    async def quit(self, speaker: Speaker, state: dict[str, Any]) -> str:
        if "activity_id" in state:  # drafted and previewed: the draft goes
            await self.service.cancel(speaker, int(state["activity_id"]))
        return texts.DIALOGUE_QUIT

    async def answer(self, speaker: Speaker, step: str, text: str, state: dict[str, Any]) -> Turn:
        try:
            if step == "confirm":
                return await self._confirm(speaker, text, state)
            if not text:
                raise Retry(texts.EMPTY)
            limit = LIMITS.get(step, DEFAULT_LIMIT)
            if len(text) > limit:
                raise Retry(texts.TOO_LONG.format(limit=limit))
            return await getattr(self, f"_{step}")(speaker, text, state)
        except Retry as retry:
            return Turn([str(retry)], step, state)
        except ActivityError as exc:  # refused by the service (rights, a gone draft): the end
            return Turn([str(exc)], None)

    # ---- the steps, in order ------------------------------------------------------------------

    async def _title(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        return Turn([texts.ASK_TIME], "time", {**state, "title": text})

    async def _time(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        moment = self._future(text)
        return Turn([texts.ASK_PLACE], "place", {**state, "time": moment.isoformat()})

    async def _place(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        return Turn([texts.ASK_DETAILS], "details", {**state, "place": text})

    async def _details(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        details = "" if text in NONE_WORDS else text
        return Turn([texts.ASK_QUOTA], "quota", {**state, "details": details})

    async def _quota(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        try:
            quota = parse_quota(text)
        except ActivityError as exc:
            raise Retry(str(exc)) from exc
        return Turn([texts.ASK_DEADLINE], "deadline", {**state, "quota": quota})

    async def _deadline(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        deadline = None
        if text not in UNLIMITED_WORDS:
            moment = self._future(text)
            if moment >= datetime.fromisoformat(state["time"]):
                raise Retry(texts.DEADLINE_AFTER_START)
            deadline = moment.isoformat()
        svc = self.service
        prompt = texts.ASK_TARGETS.format(
            tags="、".join(svc.tags()) or "无", orgs=svc.org_choices()
        )
        return Turn([prompt], "targets", {**state, "deadline": deadline})

    async def _targets(self, _speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        try:
            targets = self.service.parse_targets(text)
            if not self.service.resolve(targets):
                raise ActivityError(texts.NO_GROUPS)
        except ActivityError as exc:
            raise Retry(str(exc)) from exc
        return Turn([texts.ASK_FIELDS], "fields", {**state, "targets": targets})

    async def _fields(self, speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        fields: list[str] = []
        if text not in FIELDS_NONE:
            for word in re.split(r"[\s,，、]+", text):
                name = texts.FIELD_ALIASES.get(word)
                if name is None:
                    raise Retry(texts.BAD_FIELDS.format(word=word))
                if name not in fields:
                    fields.append(name)
        deadline = state.get("deadline")
        draft = ActivityDraft(
            title=state["title"],
            starts_at=datetime.fromisoformat(state["time"]),
            place=state["place"],
            details=state["details"],
            quota=state["quota"],
            signup_deadline=datetime.fromisoformat(deadline) if deadline else None,
            targets=state["targets"],
            fields=fields,
        )
        try:
            activity = await self.service.create(speaker, draft)
        except ActivityError as exc:
            return Turn([str(exc)], None)
        preview = self.service.preview(activity)
        return Turn([preview, texts.ASK_CONFIRM], "confirm", {**state, "activity_id": activity.id})

    async def _confirm(self, speaker: Speaker, text: str, state: dict[str, Any]) -> Turn:
        svc = self.service
        activity_id = int(state["activity_id"])
        if text == "取消":
            return Turn([await self.quit(speaker, state)], None)
        when = None
        if text.startswith("定时"):
            when = self._future(text.removeprefix("定时").strip())
        elif text not in CONFIRM_WORDS:
            raise Retry(texts.BAD_CONFIRM)
        activity, queued = await svc.schedule(speaker, activity_id, when)
        if when is None:
            reply = texts.ANNOUNCED.format(id=activity.id, count=queued, code=activity.checkin_code)
        else:
            reply = texts.SCHEDULED.format(
                id=activity.id, time=svc.show(when), count=len(activity.target_groups)
            )
        return Turn([reply], None)

    def _future(self, text: str) -> datetime:
        svc = self.service
        moment = parse_local(text, svc.clock(), svc.zone)
        if moment is None:
            raise Retry(texts.BAD_TIME)
        if moment <= svc.clock():
            raise Retry(texts.TIME_PASSED)
        return moment
