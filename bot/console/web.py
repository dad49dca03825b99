"""The console's routes under /console: thin handlers over the bot's services.

Every page needs a signed-in account (else: the login page), every POST a valid CSRF token
(else 403, nothing done), and what a page shows or changes is limited to the viewer's scope
(`bot.console.scope.Viewer`). Actions on cases go through `CaseService` with the viewer as the
actor, so the rules and the case ledger are those of chat; the console's own audit log records
them too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from bot.accounts import texts as link_texts
from bot.accounts.service import CODE_MINUTES
from bot.activities import texts as activity_texts
from bot.activities.export import SHEETS
from bot.activities.models import Activity
from bot.activities.web import MEDIA_TYPES
from bot.cases import texts as case_texts
from bot.cases.models import Case, CaseEvent
from bot.cases.review import LearnedReview
from bot.cases.service import ACTIVE, CaseError
from bot.common.text import clean_text
from bot.console import activitybook, casebook, charts, dashboard, faqbook
from bot.console.accounts import ROLE_NAMES, AccountError, AccountService
from bot.console.audit import ACTION_NAMES, Action, AuditLog
from bot.console.clusters import ClusterCache
from bot.console.hittest import BAND_NAMES, hit_test
from bot.console.models import AccountRole
from bot.console.period import Period, PeriodError
from bot.console.questions import KIND_NAMES, OUTCOME_NAMES, Kind, questions
from bot.console.recent import Recent
from bot.console.scope import ScopeError, Viewer
from bot.console.sessions import COOKIE, Session, Sessions, sessions
from bot.console.templates import render
from bot.console.upload import parse as parse_upload
from bot.diary import texts as diary_texts
from bot.diary.service import MARKS as DIARY_MARKS
from bot.diary.service import DiaryError, Entry, lines_of
from bot.faq.bands import decision_from
from bot.faq.write import FaqWriteError, FaqWriter
from bot.groups import texts as group_texts
from bot.groups.service import GroupError
from bot.reports.image import SummaryPainter
from bot.reports.image import painter as report_painter
from bot.reports.monthly import MonthlyReport, ReportError, parse_month, this_month
from bot.reports.monthly import build as build_monthly
from bot.reports.summary import month_name
from bot.reports.summary import text as summary_text
from bot.reports.summary import workbook as report_workbook
from bot.runtime import Runtime, get_runtime
from bot.safety.masking import mask_nickname, mask_pii
from bot.web.access import client_address, is_https, rate_key
from bot.wishes import sheet as wish_sheet
from bot.wishes import texts as wish_texts
from bot.wishes.campaigns import CampaignService
from bot.wishes.commands import actor_of as wish_actor_of
from bot.wishes.models import WishCampaign
from bot.wishes.service import Actor as WishActor
from bot.wishes.service import WishError
from bot.wishes.sheet import SheetError

log = logging.getLogger(__name__)

PREFIX = "/console"
MAX_FORM_BYTES = 16 * 1024
MAX_ANSWER_CHARS = 2000
STATIC = Path(__file__).with_name("static")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
BAD_CSRF = "页面已过期或不是从本后台提交的，请刷新页面后重试。"
NOT_FOUND = "没有这个工单，或不在你负责的组织范围内。"
OUT_OF_SCOPE = "这个组织不在你负责的范围内。"
NO_REPORT_FONT = "服务器上没有中文字体，暂时不能生成图片摘要；请下载 Excel 报告，或请管理员安装字体（见 REPORT_FONT）。"

NO_PAGE = "没有这个页面。"


class _IdConvertor(Convertor[int]):
    """A record number in a console path (/console/cases/12): digits that fit the database's
    integers; anything else is no route, so the console's own 404 page answers, not a raw 422."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", _IdConvertor())
router = APIRouter(prefix=PREFIX, include_in_schema=False)
_ACTIONS = frozenset(action.value for action in Action)


@dataclass
class _Services:
    runtime: Runtime
    audit: AuditLog
    accounts: AccountService
    review: LearnedReview
    clusters: ClusterCache
    writer: FaqWriter
    reports: Recent[MonthlyReport]


_services: _Services | None = None


def services() -> _Services:
    """The console's services on this process's runtime (new ones for a new runtime)."""
    global _services
    runtime = get_runtime()
    if (
        _services is None
        or _services.runtime is not runtime
        or _services.accounts.settings is not runtime.settings
    ):
        audit = AuditLog(runtime.db, clock=lambda: runtime.cases.clock())
        accounts = AccountService(
            runtime.db,
            runtime.settings,
            audit,
            lambda: runtime.grid.grid,
            clock=lambda: runtime.cases.clock(),
        )
        cases = runtime.cases
        review = LearnedReview(
            cases.db, cases.faq, cases.grid_service, cases.settings, cases.clock, cases.channels
        )
        writer = FaqWriter(runtime.faq, runtime.settings.faq_dir)
        _services = _Services(
            runtime, audit, accounts, review, ClusterCache(), writer, Recent(PAST_REPORT_SECONDS)
        )
    return _services


# ---- requests and responses ------------------------------------------------------------


class _Context:
    """One request: its session (made if it had none), the viewer, and how pages are made."""

    def __init__(self, request: Request, session: Session, fresh: bool) -> None:
        self.request = request
        self.session = session
        self.fresh = fresh
        self.viewer: Viewer | None = None
        services_ = services()
        self.runtime = services_.runtime
        self.settings = self.runtime.settings
        self.zone = ZoneInfo(self.settings.timezone)

    @property
    def sessions(self) -> Sessions:
        return _sessions()

    @property
    def address(self) -> str:
        return rate_key(client_address(self.request, self.settings.trusted_proxy_networks))

    @property
    def csrf(self) -> str:
        return self.sessions.csrf(self.session)

    def now(self) -> datetime:
        return self.runtime.cases.clock()

    def finish(self, response: Response) -> Response:
        """Security headers, and the session cookie when it is new."""
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if self.fresh:
            response.set_cookie(
                COOKIE,
                self.sessions.dump(self.session),
                max_age=int(self.sessions.max_age_seconds),
                path="/",  # the try page's cadre mode reads it too
                httponly=True,
                samesite="lax",
                secure=is_https(self.request, self.settings.trusted_proxy_networks),
            )
            # Sessions of earlier versions lived under /console only: that cookie goes.
            response.delete_cookie(COOKIE, path=PREFIX)
        return response

    def page(self, template: str, *, status: int = 200, **context: Any) -> Response:
        grid = self.runtime.grid.grid
        values: dict[str, Any] = {
            "viewer": self.viewer,
            "csrf": self.csrf,
            "notice": "",
            "error": "",
            "section": "",
            "when": self.local,
            "org_name": lambda org_id: (
                grid.orgs[org_id].name if org_id in grid.orgs else org_id or "—"
            ),
            "person_name": self.person_name,
        }
        values.update(context)
        return self.finish(HTMLResponse(render(template, **values), status_code=status))

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if moment else "—"

    def person_name(self, person_id: str | None) -> str:
        if not person_id:
            return "—"
        if person_id == "system":
            return "系统"
        person = self.runtime.grid.grid.people.get(person_id)
        if person is not None:
            return person.name
        if person_id.startswith("console:"):
            return f"{person_id.removeprefix('console:')}（后台）"
        return person_id


def _sessions() -> Sessions:
    settings = get_runtime().settings
    return sessions(settings.web_secret, settings.data_dir, settings.console_session_hours)


async def _context(request: Request) -> _Context:
    loaded = _sessions().load(request.cookies.get(COOKIE))
    ctx = _Context(request, loaded or Sessions.anonymous(), loaded is None)
    if loaded is not None and loaded.signed_in:
        ctx.viewer = await _viewer(loaded)
        if ctx.viewer is None:
            ctx.session, ctx.fresh = Sessions.anonymous(), True
    return ctx


async def _viewer(session: Session) -> Viewer | None:
    """The viewer of a signed-in session, if its account is still active and not logged out
    everywhere since (the epoch)."""
    account = await services().accounts.get(session.account_id or 0)
    if account is None or not account.active or account.session_epoch != session.epoch:
        return None
    return Viewer.of(account, get_runtime().grid.grid)


async def signed_in_viewer(request: Request) -> Viewer | None:
    """Who is signed in to the console in this browser (the try page's cadre mode asks)."""
    loaded = _sessions().load(request.cookies.get(COOKIE))
    if loaded is None or not loaded.signed_in:
        return None
    return await _viewer(loaded)


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form body (the one upload, a campaign's XLSX, reads its own body)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def _posted(request: Request) -> tuple[_Context, dict[str, str] | None]:
    """The context of a POST and its form, or None as the form when the CSRF token is wrong."""
    ctx = await _context(request)
    form = await _form(request)
    if not ctx.sessions.csrf_ok(None if ctx.fresh else ctx.session, form.get("csrf")):
        log.warning(
            "console: POST %s without a valid CSRF token from %s", request.url.path, ctx.address
        )
        return ctx, None
    return ctx, form


def _refused(ctx: _Context) -> Response:
    return ctx.page("error.html", status=403, title=BAD_CSRF)


def _login_first(ctx: _Context) -> Response:
    return ctx.redirect(f"{PREFIX}/login")


def _query(**params: object) -> str:
    return urlencode({k: str(v) for k, v in params.items() if v not in (None, "")})


# ---- login ---------------------------------------------------------------------------------


@router.get("/static/console.css")
async def stylesheet() -> Response:
    """The console's one stylesheet (served here: no CDN)."""
    css = (STATIC / "console.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/login")
async def login_page(request: Request) -> Response:
    """The login form (a signed-in visitor goes to the dashboard)."""
    await services().accounts.ensure_first_admin()
    ctx = await _context(request)
    if ctx.viewer is not None:
        return ctx.redirect(PREFIX)
    return ctx.page("login.html", title="登录", username="", configured=await _configured())


async def _configured() -> bool:
    return bool(get_runtime().settings.console_admin_user) or bool(await services().accounts.all())


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the user name and password; on success a new session (new nonce) is issued."""
    accounts = services().accounts
    await accounts.ensure_first_admin()
    ctx, form = await _posted(request)
    if form is None:
        return ctx.page(
            "login.html",
            status=403,
            title="登录",
            username="",
            error=BAD_CSRF,
            configured=await _configured(),
        )
    username = form.get("username", "")
    result = await accounts.login(username, form.get("password", ""), ctx.address)
    if result.account is None:
        status = 429 if result.refusal and "次数" in result.refusal else 401
        return ctx.page(
            "login.html",
            status=status,
            title="登录",
            username=username[:64],
            error=result.refusal or "",
            configured=await _configured(),
        )
    ctx.session = Sessions.signed_in(result.account.id, result.account.session_epoch)
    ctx.fresh = True
    return ctx.redirect(PREFIX)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (a new anonymous one replaces it)."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    if ctx.viewer is not None:
        await services().audit.record(ctx.viewer.account.username, Action.LOGOUT, ctx.address)
    ctx.session, ctx.fresh, ctx.viewer = Sessions.anonymous(), True, None
    return ctx.redirect(f"{PREFIX}/login")


@router.get("/password")
async def password_page(request: Request) -> Response:
    """Change one's own password; get a code to link the official QQ bot."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    return ctx.page("password.html", title="修改密码", role=_role_name, **_link_state(ctx))


def _link_state(ctx: _Context, code: str | None = None) -> dict[str, Any]:
    """The viewer's official-QQ link, and a code just issued, for the account page."""
    assert ctx.viewer is not None
    person = ctx.viewer.person
    linked = ctx.runtime.links.account(person, "qqbot") if person is not None else None
    return {
        "linkable": person is not None,
        "linked": linked,
        "link_code": code,
        "link_minutes": CODE_MINUTES,
    }


@router.post("/link-code")
async def link_code(request: Request) -> Response:
    """A one-time code to send to the official QQ bot (`/绑定 code`), for a viewer who is a
    person of the grid; audited."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    if ctx.viewer is None:
        return _login_first(ctx)
    person = ctx.viewer.person
    if person is None:
        return ctx.page("error.html", status=403, title=link_texts.NOT_IN_GRID)
    code = await ctx.runtime.links.issue(person, via="console")
    await services().audit.record(ctx.viewer.account.username, Action.LINK_CODE_ISSUED, ctx.address)
    return ctx.page("password.html", title="修改密码", role=_role_name, **_link_state(ctx, code))


@router.post("/password")
async def change_password(request: Request) -> Response:
    """Change one's own password; other sessions of the account end, this one goes on."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    if ctx.viewer is None:
        return _login_first(ctx)
    accounts = services().accounts
    try:
        await accounts.change_password(
            ctx.viewer.account, form.get("old", ""), form.get("new", ""), ctx.address
        )
    except AccountError as exc:
        return ctx.page(
            "password.html",
            status=400,
            title="修改密码",
            role=_role_name,
            error=str(exc),
            **_link_state(ctx),
        )
    account = await accounts.get(ctx.viewer.account.id)
    assert account is not None
    ctx.session, ctx.fresh = Sessions.signed_in(account.id, account.session_epoch), True
    ctx.viewer = Viewer.of(account, ctx.runtime.grid.grid)
    return ctx.page(
        "password.html", title="修改密码", role=_role_name, notice="密码已修改", **_link_state(ctx)
    )


def _role_name(role: str) -> str:
    try:
        return ROLE_NAMES[AccountRole(role)]
    except ValueError:
        return role


# ---- dashboard and questions ------------------------------------------------------------


def _filters(ctx: _Context, request: Request) -> tuple[str, Period, Any]:
    """The org and period a page was asked for, and the orgs they count (scope checked)."""
    return _filters_of(ctx, request.query_params)


def _filters_of(ctx: _Context, params: Mapping[str, str]) -> tuple[str, Period, Any]:
    assert ctx.viewer is not None
    org_id = params.get("org", "").strip()
    period = Period.parse(params.get("from"), params.get("to"), ctx.zone, ctx.now())
    orgs = ctx.viewer.orgs_for(ctx.runtime.grid.grid, org_id or None)
    return org_id, period, orgs


def _filter_error(ctx: _Context, exc: Exception) -> Response:
    if isinstance(exc, ScopeError):
        return ctx.page("error.html", status=403, title=OUT_OF_SCOPE)
    return ctx.page("error.html", status=400, title=str(exc))


@router.get("")
async def dashboard_page(request: Request) -> Response:
    """Figures, the chart by day and the table by org, each linking to its questions."""
    ctx = await _context(request)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    try:
        org_id, period, orgs = _filters(ctx, request)
    except (ScopeError, PeriodError) as exc:
        return _filter_error(ctx, exc)
    db, grid = ctx.runtime.db, ctx.runtime.grid.grid
    figures = await dashboard.figures(db, ctx.now(), orgs, period)
    visible = viewer.visible_orgs(grid)
    shown = [(o, d) for o, d in visible if o.id in (orgs or ())] if org_id else visible
    parts = await dashboard.breakdown(db, grid, shown, orgs, period)
    days, org_rows = parts.days, parts.orgs
    base = {"org": org_id, **period.query()}

    def questions_link(kind: str, first: date | None = None, last: date | None = None) -> str:
        dates = (
            {"from": first.isoformat(), "to": last.isoformat()}
            if first and last
            else period.query()
        )
        return f"{PREFIX}/questions?" + _query(kind=kind, org=org_id, **dates)

    def cases_link(state: str) -> str:
        return f"{PREFIX}/cases?" + _query(state=state, **base)

    median = figures.median_first_response
    cards = [
        ("collected", "收到的问题", figures.collected, questions_link("all")),
        ("by_faq", "问答库回答", figures.by_faq, questions_link("faq")),
        ("by_people", "人工回答", figures.by_people, questions_link("people")),
        ("likes", "点赞", figures.likes, questions_link("liked")),
        ("not_helpful", "没用", figures.not_helpful, questions_link("not_helpful")),
        ("open_cases", "未回复工单", figures.open_cases, cases_link("active")),
        ("overdue", "已超时", figures.overdue, cases_link("overdue")),
        (
            "median_first_response",
            "首次回复（中位数）",
            case_texts.duration(median) if median is not None else "暂无",
            cases_link("all"),
        ),
    ]
    bars = [
        charts.Bar(
            day.strftime("%m-%d"),
            tally.by_faq,
            tally.by_people,
            tally.collected,
            f"{day.isoformat()}：收到 {tally.collected}，问答库 {tally.by_faq}，人工 {tally.by_people}",
        )
        for day, tally in days
    ]
    org_label = grid.orgs[org_id].name if org_id else ""
    return ctx.page(
        "dashboard.html",
        title="概览",
        section="dashboard",
        orgs=visible,
        org_id=org_id,
        org_label=org_label,
        period=period,
        cards=cards,
        chart=charts.stacked_bars(bars, label="每天收到的问题"),
        days=days,
        org_rows=org_rows,
        share=charts.share_bar,
        questions_link=questions_link,
        org_link=lambda org: f"{PREFIX}?" + _query(org=org, **period.query()),
    )


@router.get("/questions")
async def questions_page(request: Request) -> Response:
    """The questions behind a dashboard figure."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    try:
        kind = Kind(request.query_params.get("kind", "all"))
        org_id, period, orgs = _filters(ctx, request)
    except (ScopeError, PeriodError) as exc:
        return _filter_error(ctx, exc)
    except ValueError:
        return ctx.page("error.html", status=400, title="没有这种问题列表")
    total, rows = await questions(ctx.runtime.db, kind, orgs, period)
    return ctx.page(
        "questions.html",
        title=KIND_NAMES[kind],
        section="dashboard",
        orgs=ctx.viewer.visible_orgs(ctx.runtime.grid.grid),
        org_id=org_id,
        period=period,
        kind=kind.value,
        total=total,
        rows=rows,
        outcome=lambda o: OUTCOME_NAMES.get(o, o),
        back=_query(org=org_id, **period.query()),
    )


# ---- cases -----------------------------------------------------------------------------------


def _case_helpers(ctx: _Context) -> dict[str, Any]:
    now = ctx.now()

    def overdue(case: Case) -> bool:
        return case.status in ACTIVE and case.due_at is not None and case.due_at < now

    def risk(case: Case) -> str:
        name = case_texts.RISK_NAMES.get(case.risk_level)
        return f"{case.risk_level} 级（{name}）" if name else "未分级"

    return {
        "overdue": overdue,
        "risk": risk,
        "mark": lambda c: case_texts.mark(c.urgent, c.risk_level),
        "status_name": lambda s: case_texts.STATUS.get(s, s),
        "masked": mask_pii,
        "shown": case_texts.shown,
        "event": lambda e: _describe(ctx, e),
        "people": [p for p in ctx.runtime.grid.grid.people.values() if p.role.value != "admin"],
    }


def _describe(ctx: _Context, event: CaseEvent) -> str:
    """One line of a case's log, in Chinese."""
    name = case_texts.EVENT_NAMES.get(event.kind, event.kind)
    detail: Mapping[str, Any] = event.detail or {}
    parts = [name]
    if detail.get("to"):
        parts.append(ctx.person_name(str(detail["to"])))
    if event.actor and event.actor != "system":
        parts.append(f"· {ctx.person_name(event.actor)}")
    if detail.get("via"):
        via = {
            "private": "私聊",
            "work_group": "工作群",
            "wecom": "企业微信",
            "qqbot": "QQ 官方机器人",
            "held": "待送达（QQ 官方机器人）",
            "failed": "未送达",
        }
        parts.append(f"· {via.get(str(detail['via']), detail['via'])}")
        if detail.get("queued"):
            parts.append("（已排队，QQ 连上后重发）")
        if detail.get("retried"):
            parts.append("（重发）")
    if detail.get("reason"):
        parts.append(f"：{detail['reason']}")
    if detail.get("to_org"):
        grid = ctx.runtime.grid.grid
        org = grid.orgs.get(str(detail["to_org"]))
        parts.append(f"→ {org.name if org else detail['to_org']}")
    if event.kind == "opened" and detail.get("urgent"):
        parts.append("（紧急）")
    if event.kind == "liked":
        parts.append("👍" if detail.get("helpful") else "（没用）")
    return " ".join(parts)


@router.get("/cases")
async def cases_page(request: Request) -> Response:
    """Cases in the viewer's scope: by state, org and (optional) period; urgent first."""
    ctx = await _context(request)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    try:
        state = casebook.State(request.query_params.get("state", "active"))
    except ValueError:
        return ctx.page("error.html", status=400, title="没有这种工单列表")
    params = request.query_params
    org_id = params.get("org", "").strip()
    try:
        period = (
            Period.parse(params.get("from"), params.get("to"), ctx.zone, ctx.now())
            if params.get("from") or params.get("to")
            else None
        )
        chosen = viewer.orgs_for(ctx.runtime.grid.grid, org_id) if org_id else None
    except (ScopeError, PeriodError) as exc:
        return _filter_error(ctx, exc)
    total, rows = await casebook.cases(ctx.runtime.db, viewer, state, chosen, period, ctx.now())
    unnotified = await casebook.unnotified(ctx.runtime.db, rows)
    dates = period.query() if period else {}
    return ctx.page(
        "cases.html",
        title="问题工单",
        section="cases",
        states=[(s.value, name) for s, name in casebook.STATE_NAMES.items()],
        state=state.value,
        state_link=lambda s: f"{PREFIX}/cases?" + _query(state=s, org=org_id, **dates),
        orgs=viewer.visible_orgs(ctx.runtime.grid.grid),
        org_id=org_id,
        period=period,
        total=total,
        rows=rows,
        unnotified=unnotified,
        unnotified_name=case_texts.UNNOTIFIED,
        **_case_helpers(ctx),
    )


@router.get("/cases/{case_id:id}")
async def case_page(request: Request, case_id: int) -> Response:
    """One case: its facts, its whole log, and the forms to answer and close it."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    return await _case_response(ctx, case_id, notice=_notice(ctx, request, case_id))


def _notice(ctx: _Context, request: Request, case_id: int) -> str:
    done = request.query_params.get("done", "")
    if done == "closed":
        return case_texts.CLOSED.format(case=case_id)
    if done == "reassigned":
        name = ctx.person_name(request.query_params.get("to", ""))
        return case_texts.REASSIGNED.format(case=case_id, name=name)
    if done in ("learned", "learned_live"):
        text = case_texts.LEARNED if done == "learned" else case_texts.LEARNED_LIVE
        return text.format(case=case_id, entry=f"learned-{case_id}")
    if done != "answered":
        return ""
    try:
        counts = [int(request.query_params.get(k, "0")) for k in ANSWER_COUNTS]
    except ValueError:
        return ""
    return case_texts.answer_sent(case_id, *counts)


ANSWER_COUNTS = ("sent", "held", "polled", "privately", "private_waiting", "group_only")
"""The `AnswerResult` counts an answer's redirect carries to the case page (in this order,
`bot.cases.texts.answer_sent`'s)."""


def _risk_note(ctx: _Context, found: casebook.CaseFile) -> str:
    """The warning on a risk case's page: answers go to the askers privately (and, for askers
    in a group of a platform that cannot write privately, how theirs goes)."""
    if not found.case.risky:
        return ""
    channels = ctx.runtime.cases.channels
    pull_only = any(
        platform not in channels or not channels[platform].can_push
        for platform in found.group_platforms
    )
    note = case_texts.RISK_PRIVATE_NOTE
    return note + case_texts.RISK_GROUP_ONLY_NOTE if pull_only else note


async def _case_response(
    ctx: _Context, case_id: int, *, status: int = 200, notice: str = "", error: str = ""
) -> Response:
    assert ctx.viewer is not None
    found = await casebook.case_file(ctx.runtime.db, ctx.viewer, case_id)
    if found is None:
        return ctx.page("error.html", status=404, title=NOT_FOUND)
    return ctx.page(
        "case.html",
        status=status,
        title=f"工单 #{case_id}",
        section="cases",
        file=found,
        risk_note=_risk_note(ctx, found),
        unnotified_name=case_texts.UNNOTIFIED,
        diary=await ctx.runtime.diaries.diary_of_case(case_id),
        notice=notice,
        error=error,
        **_case_helpers(ctx),
    )


async def _case_post(
    request: Request, case_id: int
) -> tuple[_Context, dict[str, str] | None, Response | None]:
    ctx, form = await _posted(request)
    if form is None:
        return ctx, None, _refused(ctx)
    if ctx.viewer is None:
        return ctx, None, _login_first(ctx)
    if await casebook.case_file(ctx.runtime.db, ctx.viewer, case_id) is None:
        return ctx, None, ctx.page("error.html", status=404, title=NOT_FOUND)
    return ctx, form, None


@router.post("/cases/{case_id:id}/answer")
async def answer_case(request: Request, case_id: int) -> Response:
    """Answer a case as in chat (/答): `CaseService.answer` with the viewer as the actor."""
    ctx, form, refused = await _case_post(request, case_id)
    if refused is not None:
        return refused
    assert form is not None and ctx.viewer is not None
    answer = clean_text(form.get("answer", "")).strip()
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        return await _case_response(
            ctx, case_id, status=400, error=f"回复不能为空，最多 {MAX_ANSWER_CHARS} 字"
        )
    try:
        result = await ctx.runtime.cases.answer(case_id, ctx.viewer.actor, answer)
    except CaseError as exc:
        return await _case_response(ctx, case_id, status=409, error=str(exc))
    await services().audit.record(
        ctx.viewer.account.username,
        Action.CASE_ANSWERED,
        ctx.address,
        target=f"#{case_id}",
        sent=result.sent,
        held=result.held,
    )
    return ctx.redirect(
        f"{PREFIX}/cases/{case_id}?"
        + _query(done="answered", **{k: getattr(result, k) for k in ANSWER_COUNTS})
    )


@router.post("/cases/{case_id:id}/reassign")
async def reassign_case(request: Request, case_id: int) -> Response:
    """Hand a case to another person of the grid as in chat (/转): they are notified, the
    time limit starts again at their level."""
    ctx, form, refused = await _case_post(request, case_id)
    if refused is not None:
        return refused
    assert form is not None and ctx.viewer is not None
    who = form.get("person", "").strip()
    if who not in ctx.runtime.grid.grid.people:
        return await _case_response(ctx, case_id, status=400, error="请选择青情地图里的人员")
    try:
        person = await ctx.runtime.cases.reassign(case_id, ctx.viewer.actor, who)
    except CaseError as exc:
        return await _case_response(ctx, case_id, status=409, error=str(exc))
    await services().audit.record(
        ctx.viewer.account.username,
        Action.CASE_REASSIGNED,
        ctx.address,
        target=f"#{case_id}",
        to=person.id,
    )
    return ctx.redirect(f"{PREFIX}/cases/{case_id}?" + _query(done="reassigned", to=person.id))


@router.post("/cases/{case_id:id}/close")
async def close_case(request: Request, case_id: int) -> Response:
    """Close a case as in chat (/关闭): askers still waiting are told the reason."""
    ctx, form, refused = await _case_post(request, case_id)
    if refused is not None:
        return refused
    assert form is not None and ctx.viewer is not None
    reason = clean_text(form.get("reason", "")).strip()[:500]
    if not reason:
        return await _case_response(ctx, case_id, status=400, error="请写明关闭原因")
    try:
        await ctx.runtime.cases.close(case_id, ctx.viewer.actor, reason)
    except CaseError as exc:
        return await _case_response(ctx, case_id, status=409, error=str(exc))
    await services().audit.record(
        ctx.viewer.account.username,
        Action.CASE_CLOSED,
        ctx.address,
        target=f"#{case_id}",
        note=reason,
    )
    return ctx.redirect(f"{PREFIX}/cases/{case_id}?done=closed")


# ---- 微心愿 ---------------------------------------------------------------------------------

WISH_TABS = (("open", "待认领"), ("claimed", "进行中"), ("lit", "已点亮"), ("withdrawn", "已撤回"))


def _wish_actor(viewer: Viewer) -> WishActor:
    """The viewer as the wish service knows who acts (same rules as in chat)."""
    return wish_actor_of(viewer.actor)


async def _wishes_response(
    ctx: _Context,
    state: str,
    *,
    status: int = 200,
    notice: str = "",
    error: str = "",
    campaign: WishCampaign | None = None,
) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    service = ctx.runtime.wishes
    actor = _wish_actor(viewer)
    campaign_id = campaign.id if campaign is not None else None
    rows = await service.listing(actor.orgs, (state,), campaign_id=campaign_id)
    counts = await service.counts(actor.orgs, campaign_id=campaign_id)
    done, target = await service.progress(actor.id)
    return ctx.page(
        "wishes.html",
        status=status,
        title="微心愿",
        section="wishes",
        tabs=WISH_TABS,
        state=state,
        campaign=campaign,
        campaign_names=await service.campaign_names(rows),
        counts=counts,
        rows=rows,
        mine=actor.id,
        progress=wish_texts.PROGRESS.format(done=done, target=target),
        masked=mask_pii,
        masked_name=mask_nickname,
        notice=notice,
        error=error,
    )


@router.get("/wishes")
async def wishes_page(request: Request) -> Response:
    """Wishes in the viewer's scope by state, the counts (点亮 N 个微心愿) and the 1+5 progress."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    state = request.query_params.get("state", "open")
    if state not in dict(WISH_TABS):
        return ctx.page("error.html", status=400, title="没有这种心愿列表")
    campaign = None
    if "campaign" in request.query_params:
        campaign = await _seen_campaign(ctx, request.query_params["campaign"])
        if campaign is None:
            return ctx.page("error.html", status=404, title=wish_texts.CAMPAIGN_NOT_FOUND)
    done = request.query_params.get("done", "")
    return await _wishes_response(ctx, state, notice=WISH_NOTICES.get(done, ""), campaign=campaign)


WISH_NOTICES = {"claimed": "已认领，联系方式见“进行中”。", "lit": "已点亮，谢谢你！"}


@router.post("/wishes/{wish_id:id}/{change}")
async def change_wish(request: Request, wish_id: int, change: str) -> Response:
    """Claim (认领) or light (点亮, with a note) a wish as in chat, through the same service."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    if change not in ("claim", "light"):
        return ctx.page("error.html", status=404, title=NOT_FOUND)
    service = ctx.runtime.wishes
    actor = _wish_actor(viewer)
    try:
        if change == "claim":
            await service.claim(actor, wish_id)
        else:
            note = clean_text(form.get("note", "")).strip()[:500]
            await service.light(actor, wish_id, note, admin=viewer.is_admin)
    except WishError as exc:
        state = "open" if change == "claim" else "claimed"
        return await _wishes_response(ctx, state, status=409, error=str(exc))
    await services().audit.record(
        viewer.account.username,
        Action.WISH_CLAIMED if change == "claim" else Action.WISH_LIT,
        ctx.address,
        target=f"心愿 #{wish_id}",
    )
    state = "claimed" if change == "claim" else "lit"
    return ctx.redirect(f"{PREFIX}/wishes?" + _query(state=state, done=state))


# ---- 微心愿 campaigns ------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
CAMPAIGN_PROBLEMS_SHOWN = 30
TEMPLATE_NAME = "微心愿导入模板.xlsx"


def _campaigns(ctx: _Context) -> CampaignService:
    return CampaignService(ctx.runtime.wishes)


async def _seen_campaign(ctx: _Context, campaign_id: object) -> WishCampaign | None:
    """The campaign `campaign_id` if the viewer sees it (it covers one of their orgs)."""
    assert ctx.viewer is not None
    try:
        number = int(str(campaign_id))
    except ValueError:
        return None
    try:
        return await _campaigns(ctx).get(number, ctx.viewer.orgs)
    except WishError:
        return None


async def _form_values(request: Request, name: str) -> list[str]:
    """Every value of a field that a urlencoded form may repeat (checkboxes)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return []
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return []
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return [value for key, value in pairs if key == name]


async def _campaigns_response(
    ctx: _Context, *, status: int = 200, error: str = "", form: Mapping[str, Any] | None = None
) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    service = _campaigns(ctx)
    found = await service.listing(viewer.orgs)
    return ctx.page(
        "campaigns.html",
        status=status,
        title="微心愿活动",
        section="wishes",
        campaigns=found,
        progress=await service.progress(found, viewer.orgs),
        days=service.days_text,
        orgs=viewer.visible_orgs(ctx.runtime.grid.grid),
        form=form or {},
        today=service.today().isoformat(),
        error=error,
    )


@router.get("/wishes/campaigns")
async def campaigns_page(request: Request) -> Response:
    """The campaigns that cover the viewer's orgs with their progress, and a form for a new one."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    return await _campaigns_response(ctx)


@router.post("/wishes/campaigns")
async def create_campaign(request: Request) -> Response:
    """A new campaign (name, target date, orgs in the viewer's scope)."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    orgs = await _form_values(request, "org")
    name = clean_text(form.get("name", "")).strip()
    try:
        target = date.fromisoformat(form.get("target_date", "").strip())
    except ValueError:
        target = None
    try:
        campaign = await _campaigns(ctx).create(
            name, target, orgs, orgs=viewer.orgs, by=viewer.account.username
        )
    except WishError as exc:
        kept = {"name": name, "target_date": form.get("target_date", ""), "orgs": set(orgs)}
        return await _campaigns_response(ctx, status=422, error=str(exc), form=kept)
    await services().audit.record(
        viewer.account.username,
        Action.CAMPAIGN_CREATED,
        ctx.address,
        target=f"心愿活动 #{campaign.id}",
        note=campaign.name,
    )
    return ctx.redirect(f"{PREFIX}/wishes/campaigns/{campaign.id}?done=created")


@router.get("/wishes/campaigns/template.xlsx")
async def campaign_template(request: Request) -> Response:
    """The XLSX to fill with a campaign's wishes."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    content = await asyncio.to_thread(wish_sheet.template)
    return ctx.finish(
        Response(
            content,
            media_type=MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(TEMPLATE_NAME)}"},
        )
    )


async def _campaign_response(
    ctx: _Context,
    campaign: WishCampaign,
    *,
    status: int = 200,
    notice: str = "",
    error: str = "",
    problems: Sequence[str] = (),
) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    service = _campaigns(ctx)
    progress = (await service.progress([campaign], viewer.orgs))[campaign.id]
    return ctx.page(
        "campaign.html",
        status=status,
        title=campaign.name,
        section="wishes",
        campaign=campaign,
        progress=progress,
        days=service.days_text(campaign),
        status_names=wish_texts.STATUS,
        notice=notice,
        error=error,
        problems=problems[:CAMPAIGN_PROBLEMS_SHOWN],
        more=wish_texts.SHEET_MORE.format(count=len(problems) - CAMPAIGN_PROBLEMS_SHOWN)
        if len(problems) > CAMPAIGN_PROBLEMS_SHOWN
        else "",
    )


CAMPAIGN_NOTICES = {"created": "已新建微心愿活动，请下载模板、填好心愿后上传。"}


@router.get("/wishes/campaigns/{campaign_id:id}")
async def campaign_page(request: Request, campaign_id: int) -> Response:
    """One campaign: progress per org (点亮 N / M 个微心愿), days left, the XLSX upload."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    campaign = await _seen_campaign(ctx, campaign_id)
    if campaign is None:
        return ctx.page("error.html", status=404, title=wish_texts.CAMPAIGN_NOT_FOUND)
    done = request.query_params.get("done", "")
    notice = CAMPAIGN_NOTICES.get(done, "")
    if done.isdigit():
        notice = wish_texts.CAMPAIGN_IMPORTED.format(count=int(done))
    return await _campaign_response(ctx, campaign, notice=notice)


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than `limit` (read no further)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


@router.post("/wishes/campaigns/{campaign_id:id}/import")
async def import_campaign(request: Request, campaign_id: int) -> Response:
    """An XLSX of wishes into the campaign, all rows or none (multipart, CSRF in the form)."""
    ctx = await _context(request)
    body = await _bounded_body(request, MAX_UPLOAD_BYTES + MAX_FORM_BYTES)
    if body is None:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        return ctx.page(
            "error.html", status=413, title=wish_texts.UPLOAD_TOO_BIG.format(limit=limit)
        )
    upload = parse_upload(request.headers.get("content-type", ""), body)
    token = upload.fields.get("csrf") if upload is not None else None
    if upload is None or not ctx.sessions.csrf_ok(None if ctx.fresh else ctx.session, token):
        log.warning(
            "console: POST %s without a valid CSRF token from %s", request.url.path, ctx.address
        )
        return _refused(ctx)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    campaign = await _seen_campaign(ctx, campaign_id)
    if campaign is None:
        return ctx.page("error.html", status=404, title=wish_texts.CAMPAIGN_NOT_FOUND)
    _, content = upload.files.get("file", ("", b""))
    if not content:
        return await _campaign_response(ctx, campaign, status=422, error=wish_texts.UPLOAD_NEEDED)
    try:
        wishes = await _campaigns(ctx).import_sheet(campaign, content, orgs=viewer.orgs)
    except SheetError as exc:
        error = wish_texts.SHEET_REFUSED.format(count=len(exc.problems))
        problems = [str(p) for p in exc.problems]
        return await _campaign_response(ctx, campaign, status=422, error=error, problems=problems)
    await services().audit.record(
        viewer.account.username,
        Action.WISHES_IMPORTED,
        ctx.address,
        target=f"心愿活动 #{campaign.id}",
        note=f"{len(wishes)} 个",
    )
    return ctx.redirect(f"{PREFIX}/wishes/campaigns/{campaign.id}?done={len(wishes)}")


# ---- 团情日记 -------------------------------------------------------------------------------

DIARY_NOTICES = {
    "added": "团情日记已保存。",
    "case": "已转为问题工单，将按青情地图交给负责的团干部。",
    "done": "跟进事项已办结。",
}
PROGRESS_SHOWN = 50
"""Most cadres whose "四个一" the diary page shows."""


def _diary_month(ctx: _Context, text: str | None) -> date:
    """The month asked for (2026-11), this month by default."""
    if not text:
        return ctx.now().astimezone(ctx.zone).date().replace(day=1)
    return parse_month(text, ctx.now(), ctx.zone)


async def _diaries_response(
    ctx: _Context,
    month: date,
    *,
    status: int = 200,
    notice: str = "",
    error: str = "",
    form: Mapping[str, str] | None = None,
) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    service = ctx.runtime.diaries
    actor = viewer.actor
    rows = await service.listing(viewer.orgs, actor.id, month)
    authors = list(dict.fromkeys([actor.id, *(d.author_id for d in rows)]))[:PROGRESS_SHOWN]
    if viewer.person is None and not any(d.author_id == actor.id for d in rows):
        authors.remove(actor.id)  # an admin outside the grid who wrote nothing this month
    progress = [(author, await service.progress(author, month)) for author in authors]
    return ctx.page(
        "diaries.html",
        status=status,
        title="团情日记",
        section="diaries",
        rows=rows,
        followups=await service.followups([d.id for d in rows]),
        progress=progress,
        four_ones=list(diary_texts.FOUR_ONES.items()),
        four_ones_short=diary_texts.FOUR_ONES_SHORT,
        mark_names=list(diary_texts.MARK_NAMES.items()),
        marks=lambda d: [diary_texts.MARK_NAMES[m] for m in DIARY_MARKS if getattr(d, m)],
        place=service.place_name,
        orgs=viewer.visible_orgs(ctx.runtime.grid.grid),
        month_value=month.strftime("%Y-%m"),
        month_label=f"{month.year}年{month.month}月",
        today=service.today().isoformat(),
        form=dict(form or {}),
        notice=notice,
        error=error,
    )


@router.get("/diaries")
async def diaries_page(request: Request) -> Response:
    """The diaries in the viewer's scope (and their own) of a month, the "四个一" of their
    authors, and the form to add one."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    try:
        month = _diary_month(ctx, request.query_params.get("month"))
    except ReportError as exc:
        return ctx.page("error.html", status=400, title=str(exc))
    done = request.query_params.get("done", "")
    return await _diaries_response(ctx, month, notice=DIARY_NOTICES.get(done, ""))


def _entry(ctx: _Context, form: Mapping[str, str]) -> Entry:
    """The form as a diary entry; DiaryError for what cannot be saved."""
    assert ctx.viewer is not None
    org_id = form.get("org", "").strip()
    if org_id not in ctx.runtime.grid.grid.orgs or not ctx.viewer.sees_org(org_id):
        raise DiaryError(diary_texts.BAD_ORG)
    try:
        visited_on = date.fromisoformat(form.get("visited_on", "").strip())
    except ValueError:
        raise DiaryError(diary_texts.BAD_DATE) from None
    try:
        youths = int(form.get("youths_met", "0").strip() or "0")
    except ValueError:
        youths = -1
    return Entry(
        visited_on=visited_on,
        org_id=org_id,
        place=clean_text(form.get("place", "")).strip(),
        youths_met=youths,
        youths_note=clean_text(form.get("youths_note", "")).strip(),
        heard=clean_text(form.get("heard", "")).strip(),
        problems="\n".join(lines_of(clean_text(form.get("problems", "")))),
        followups=lines_of(clean_text(form.get("followups", ""))),
        marks=frozenset(m for m in DIARY_MARKS if form.get(m)),
    )


@router.post("/diaries")
async def add_diary(request: Request) -> Response:
    """Record a visit as /日记 does in chat, with the viewer as the author; the follow-ups
    become cases if asked."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    service = ctx.runtime.diaries
    month = service.today().replace(day=1)
    try:
        entry = _entry(ctx, form)
        month = entry.visited_on.replace(day=1)
        diary, followups = await service.record(viewer.actor, entry)
    except DiaryError as exc:
        return await _diaries_response(ctx, month, status=400, error=str(exc), form=form)
    if form.get("to_cases"):
        for followup in followups:
            await service.to_case(viewer.actor, followup.id)
    await services().audit.record(
        viewer.account.username,
        Action.DIARY_ADDED,
        ctx.address,
        target=f"日记 #{diary.id}",
        followups=len(followups),
    )
    return ctx.redirect(f"{PREFIX}/diaries?" + _query(month=month.strftime("%Y-%m"), done="added"))


@router.post("/diaries/followups/{followup_id:id}/{change}")
async def change_followup(request: Request, followup_id: int, change: str) -> Response:
    """Turn a follow-up into a case (转为工单) or mark it done (办结), as in chat."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    if change not in ("case", "done"):
        return ctx.page("error.html", status=404, title="没有这个操作")
    service = ctx.runtime.diaries
    try:
        month = _diary_month(ctx, form.get("month"))
    except ReportError:
        month = service.today().replace(day=1)
    try:
        if change == "case":
            case_id = await service.to_case(viewer.actor, followup_id)
        else:
            await service.mark_done(viewer.actor, followup_id)
    except DiaryError as exc:
        return await _diaries_response(ctx, month, status=409, error=str(exc))
    await services().audit.record(
        viewer.account.username,
        Action.DIARY_FOLLOWUP_CASE if change == "case" else Action.DIARY_FOLLOWUP_DONE,
        ctx.address,
        target=f"跟进 #{followup_id}",
        **({"case": case_id} if change == "case" else {}),
    )
    return ctx.redirect(f"{PREFIX}/diaries?" + _query(month=month.strftime("%Y-%m"), done=change))


# ---- activities ----------------------------------------------------------------------------

NO_ACTIVITY = "没有这个活动，或不在你负责的组织范围内。"


async def _seen_activity(ctx: _Context, activity_id: int) -> Activity | None:
    assert ctx.viewer is not None
    async with ctx.runtime.db.session() as session:
        activity = await session.get(Activity, activity_id)
    return activity if activity and activitybook.sees(ctx.viewer, activity) else None


@router.get("/activities")
async def activities_page(request: Request) -> Response:
    """The activities of the viewer's orgs, newest first, with sign-ups and check-ins."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    found = await activitybook.listing(ctx.runtime.db, ctx.viewer)
    return ctx.page(
        "activities.html",
        title="活动",
        section="activities",
        activities=found,
        figures=await ctx.runtime.activities.figures([a.id for a in found]),
        status_names=activity_texts.STATUS,
    )


@router.get("/activities/{activity_id:id}")
async def activity_page(request: Request, activity_id: int) -> Response:
    """One activity: its figures, each group's send progress, the sign-ups (masked)."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    activity = await _seen_activity(ctx, activity_id)
    if activity is None:
        return ctx.page("error.html", status=404, title=NO_ACTIVITY)
    service = ctx.runtime.activities
    return ctx.page(
        "activity.html",
        title=f"活动 #{activity.id}",
        section="activities",
        activity=activity,
        figures=(await service.figures([activity.id]))[activity.id],
        progress=await service.group_progress(activity),
        private=await service.private_progress(activity),
        signups=await service.signups(activity.id),
        status_names=activity_texts.STATUS,
        signup_names=activity_texts.SIGNUP_STATUS,
        outbox_names=activity_texts.OUTBOX_STATUS,
        field_names=activity_texts.FIELD_NAMES,
        masked=mask_pii,
        masked_name=mask_nickname,
    )


@router.get("/activities/{activity_id:id}/signups.{suffix}")
async def export_activity(request: Request, activity_id: int, suffix: str) -> Response:
    """The sign-up sheet (XLSX or CSV) with contacts, for those who see the activity; every
    download is in the audit log."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    activity = await _seen_activity(ctx, activity_id)
    if activity is None or suffix not in SHEETS:
        return ctx.page("error.html", status=404, title=NO_ACTIVITY)
    signups = await ctx.runtime.activities.signups(activity.id)
    content = await asyncio.get_running_loop().run_in_executor(
        None, SHEETS[suffix], activity, signups, ctx.zone
    )
    await services().audit.record(
        ctx.viewer.account.username,
        Action.ACTIVITY_EXPORTED,
        ctx.address,
        target=f"活动 #{activity.id}",
        note=f"{suffix}，{len(signups)} 行",
    )
    name = quote(f"活动{activity.id}报名表.{suffix}")
    return ctx.finish(
        Response(
            content,
            media_type=MEDIA_TYPES[suffix],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )
    )


# ---- 兴趣小组 -------------------------------------------------------------------------------

NO_GROUP = "没有这个兴趣小组，或不在你负责的组织范围内。"
PLATFORM_NAMES = {"qq": "QQ", "qqbot": "QQ 官方机器人", "wechat": "服务号", "web": "网页"}


async def _groups_response(
    ctx: _Context, *, status: int = 200, notice: str = "", error: str = "", form: Any = None
) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    service = ctx.runtime.groups
    person_id = viewer.person.id if viewer.person else None
    rows = [
        row
        for row in await service.listing(active_only=False)
        if service.sees(viewer.orgs, person_id, row.group)
    ]
    latest = await service.latest([row.group.id for row in rows])
    return ctx.page(
        "groups.html",
        status=status,
        title="兴趣小组",
        section="groups",
        rows=rows,
        latest=latest,
        states=group_texts.POLL_STATES,
        orgs=list(ctx.runtime.grid.grid.orgs.values()),
        form=form or {},
        notice=notice,
        error=error,
    )


@router.get("/groups")
async def groups_page(request: Request) -> Response:
    """The interest groups of the viewer's orgs: members, the latest vote and its turnout;
    admins add groups here too."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    return await _groups_response(ctx)


@router.post("/groups")
async def create_group(request: Request) -> Response:
    """An admin adds a group (groups from faq_data are edited in their files)."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    refused = _admin_only(ctx)
    if refused is not None:
        return refused
    assert ctx.viewer is not None
    name = clean_text(form.get("name", "")).strip()
    aliases = clean_text(form.get("aliases", "")).replace("，", ",").replace("、", ",")
    try:
        group = await ctx.runtime.groups.create(
            name,
            description=clean_text(form.get("description", "")),
            org_id=form.get("org") or None,
            aliases=[a for a in aliases.split(",") if a.strip()],
        )
    except GroupError as exc:
        return await _groups_response(ctx, status=400, error=str(exc), form=form)
    await services().audit.record(
        ctx.viewer.account.username, Action.GROUP_CREATED, ctx.address, target=group.name
    )
    return await _groups_response(ctx, notice=group_texts.CONSOLE_CREATED.format(name=group.name))


@router.get("/groups/{group_id:id}")
async def group_page(request: Request, group_id: int) -> Response:
    """One group: its members (names masked), every vote with its proposals, votes and
    turnout, and the activity the winner became."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    service = ctx.runtime.groups
    group = await service.get(group_id)
    viewer = ctx.viewer
    person_id = viewer.person.id if viewer.person else None
    if group is None or not service.sees(viewer.orgs, person_id, group):
        return ctx.page("error.html", status=404, title=NO_GROUP)
    return ctx.page(
        "group.html",
        title=f"兴趣小组 · {group.name}",
        section="groups",
        group=group,
        members=await service.members(group.id),
        polls=await service.polls(group.id),
        states=group_texts.POLL_STATES,
        platforms=PLATFORM_NAMES,
        masked_name=mask_nickname,
        tie_rule=group_texts.TIE_RULE,
    )


# ---- the monthly report ------------------------------------------------------------------

REPORT_SECONDS = 60.0
"""How long a report of the current month is shown as computed, before it is computed again."""
PAST_REPORT_SECONDS = 600.0
"""The same for a month that is over."""


async def _monthly(ctx: _Context, request: Request) -> MonthlyReport | Response:
    """The report the query asks for (org in scope; a cadre's own org by default), or an
    error page."""
    viewer = ctx.viewer
    assert viewer is not None
    params = request.query_params
    org_id = params.get("org", "").strip() or None
    if org_id is None and not viewer.is_admin:
        person = viewer.person
        org_id = person.orgs[0] if person is not None and person.orgs else None
        if org_id is None:
            return ctx.page("error.html", status=403, title=OUT_OF_SCOPE)
    grid = ctx.runtime.grid.grid
    if org_id is not None and (org_id not in grid.orgs or not viewer.sees_org(org_id)):
        return ctx.page("error.html", status=403, title=OUT_OF_SCOPE)
    try:
        # The page opens on the month under way (a new admin sees today's questions); the
        # selector picks any other. The chat's /月报 without a month is last month's review.
        asked = params.get("month", "").strip()
        current_month = this_month(ctx.now(), ctx.zone)
        month = parse_month(asked, ctx.now(), ctx.zone) if asked else current_month
        # A month that is over changes little (a late 没用, an answer): kept longer.
        index = ctx.runtime.faq.index
        reports = services().reports
        key = (org_id, month)
        seconds = REPORT_SECONDS if month == current_month else PAST_REPORT_SECONDS
        cached = reports.get(key, index, seconds)
        if cached is not None:
            return cached
        made = await build_monthly(
            ctx.runtime.db,
            grid,
            index.entries,
            ctx.runtime.activities,
            ctx.now(),
            ctx.zone,
            month,
            org_id,
        )
        return reports.put(key, index, made)
    except ReportError as exc:
        return ctx.page("error.html", status=400, title=str(exc))


@router.get("/report")
async def report_page(request: Request) -> Response:
    """The monthly 团情分析 report as a page, with the XLSX and PNG downloads."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    found = await _monthly(ctx, request)
    if isinstance(found, Response):
        return found
    query = _query(org=found.org_id or "", month=found.month.strftime("%Y-%m"))
    return ctx.page(
        "report.html",
        title=f"团情分析 {month_name(found)}",
        section="report",
        report=found,
        month_value=found.month.strftime("%Y-%m"),
        orgs=ctx.viewer.visible_orgs(ctx.runtime.grid.grid),
        summary=summary_text(found),
        download=f"{PREFIX}/report.xlsx?{query}",
        picture=(
            f"{PREFIX}/report.png?{query}" if await _painter(ctx.runtime) is not None else None
        ),
        share=charts.share_bar(
            found.figures.by_faq, found.figures.by_people, found.figures.collected
        ),
    )


@router.get("/report.xlsx")
async def report_download(request: Request) -> Response:
    """The monthly report as an XLSX workbook."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    found = await _monthly(ctx, request)
    if isinstance(found, Response):
        return found
    content = await asyncio.get_running_loop().run_in_executor(None, report_workbook, found)
    name = quote(f"团情分析-{found.scope}-{found.month.strftime('%Y-%m')}.xlsx")
    return ctx.finish(
        Response(
            content,
            media_type=MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )
    )


async def _painter(runtime: Runtime) -> SummaryPainter | None:
    """The report's PNG painter (None: no CJK font; looked for once, off the loop)."""
    return await asyncio.get_running_loop().run_in_executor(
        None, report_painter, runtime.settings.report_font
    )


@router.get("/report.png")
async def report_picture(request: Request) -> Response:
    """The monthly report's summary as a PNG to forward in chat."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    found = await _monthly(ctx, request)
    if isinstance(found, Response):
        return found
    drawer = await _painter(ctx.runtime)
    if drawer is None:
        return ctx.page("error.html", status=503, title=NO_REPORT_FONT)
    content = await asyncio.get_running_loop().run_in_executor(
        None, drawer.render, found, ctx.now()
    )
    name = quote(f"团情分析-{found.scope}-{found.month.strftime('%Y-%m')}.png")
    return ctx.finish(
        Response(
            content,
            media_type="image/png",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )
    )


# ---- FAQ hit test ------------------------------------------------------------------------


@router.get("/faq")
async def faq_page(request: Request) -> Response:
    """The served FAQ by file and tag, with a text filter; each entry links to the hit test.
    A cadre sees the unscoped entries and those that answer in their orgs."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    params = request.query_params
    file, tag = params.get("file", "").strip(), params.get("tag", "").strip()
    text = clean_text(params.get("q", "")).strip()[: ctx.settings.max_question_chars]
    found = faqbook.shelf(
        ctx.runtime.faq.index.entries.values(),
        ctx.viewer.answered_orgs(ctx.runtime.grid.grid),
        file,
        tag,
        text,
    )
    return ctx.page(
        "faq.html",
        title="问答库",
        section="faqbook",
        shelf=found,
        scoped=not ctx.viewer.is_admin,
        file=file,
        tag=tag,
        q=text,
        file_of=faqbook.file_of,
        link=lambda **changes: _faq_link({"file": file, "tag": tag, "q": text, **changes}),
        test_link=lambda question: f"{PREFIX}/faq/test?{_query(q=question)}",
        page_size=faqbook.PAGE_SIZE,
    )


def _faq_link(params: Mapping[str, str]) -> str:
    query = _query(**params)
    return f"{PREFIX}/faq?{query}" if query else f"{PREFIX}/faq"


@router.get("/faq/test")
async def hit_test_page(request: Request) -> Response:
    """Type a question, see what the served index finds, the scores and the band. As asked in
    an org the viewer sees (or in private chat: unscoped entries only), so it finds no entry
    scoped outside the viewer's `Viewer.answered_orgs`."""
    ctx = await _context(request)
    viewer = ctx.viewer
    if viewer is None:
        return _login_first(ctx)
    grid = ctx.runtime.grid.grid
    question = clean_text(request.query_params.get("q", "")).strip()[
        : ctx.settings.max_question_chars
    ]
    org_id = request.query_params.get("org", "").strip()
    if org_id and (org_id not in grid.orgs or not viewer.sees_org(org_id)):
        return ctx.page("error.html", status=403, title=OUT_OF_SCOPE)
    result = (
        await hit_test(ctx.runtime.faq, ctx.runtime.qa.settings, grid, question, org_id or None)
        if question
        else None
    )
    return ctx.page(
        "hittest.html",
        title="问答测试",
        section="faq",
        question=question,
        orgs=viewer.visible_orgs(grid),
        org_id=org_id,
        result=result,
        band=BAND_NAMES[result.band] if result else "",
        settings=ctx.runtime.qa.settings,
    )


# ---- unsettled questions, clustered, into the FAQ ----------------------------------------------

ENTRY_IDS_LISTED = 500
"""Up to this many served entries, the add form offers every id; above, the suggested ones."""
CLUSTER_NOTICES = {
    "similar": "已把“{question}”加为条目 {entry} 的相似问法（{file}），问答库已重新加载。",
    "new": "已新建条目 {entry}（{file}），问答库已重新加载。",
}


async def _clusters_response(
    ctx: _Context, params: Mapping[str, str], *, status: int = 200, error: str = ""
) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    try:
        org_id, period, orgs = _filters_of(ctx, params)
    except (ScopeError, PeriodError) as exc:
        return _filter_error(ctx, exc)
    index = ctx.runtime.faq.index
    view = await services().clusters.view(
        ctx.runtime.db, index, decision_from(ctx.runtime.qa.settings), orgs, period, ctx.now()
    )
    entries = index.entries
    ids = (
        list(entries)
        if len(entries) <= ENTRY_IDS_LISTED
        else sorted({c.target for c in view.clusters if c.target})
    )
    notice = ""
    if params.get("done") in CLUSTER_NOTICES:
        notice = CLUSTER_NOTICES[params["done"]].format(
            question=params.get("question", "")[:200],
            entry=params.get("entry", "")[:128],
            file=params.get("file", "")[:200],
        )
    return ctx.page(
        "clusters.html",
        status=status,
        title="待补充的问题",
        section="clusters",
        view=view,
        orgs=viewer.visible_orgs(ctx.runtime.grid.grid),
        org_id=org_id,
        period=period,
        back=_query(org=org_id, **period.query()),
        outcome=lambda o: OUTCOME_NAMES.get(o, o),
        band=lambda b: BAND_NAMES[b],
        test_query=lambda q: _query(q=q),
        entry_question=lambda i: entries[i].question if i in entries else "",
        entry_ids=ids,
        notice=notice,
        error=error,
    )


@router.get("/faq/clusters")
async def clusters_page(request: Request) -> Response:
    """The questions that got menus, handovers or 没用 in the viewer's scope, clustered; for
    admins, each cluster with "add as a similar question" and "new entry"."""
    ctx = await _context(request)
    if ctx.viewer is None:
        return _login_first(ctx)
    return await _clusters_response(ctx, request.query_params)


@router.post("/faq/clusters/{change}")
async def change_faq(request: Request, change: str) -> Response:
    """Write a cluster into faq_data (admins only): its question as a similar question of an
    entry, or a new entry. The file changes, the FAQ reloads, the audit log says who did it;
    an edit the files would not take is refused and the index being served stays."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    refused = _admin_only(ctx)
    if refused is not None:
        return refused
    if change not in ("similar", "new"):
        return ctx.page("error.html", status=404, title="没有这个操作")
    assert ctx.viewer is not None
    back = {k: v for k, v in parse_qsl(form.get("back", "")) if k in ("org", "from", "to")}
    writer = services().writer
    question = mask_pii(clean_text(form.get("question", "")))
    try:
        if change == "similar":
            written = await writer.add_similar(form.get("entry", ""), question)
            action = Action.FAQ_SIMILAR_ADDED
        else:
            similar = mask_pii(clean_text(form.get("similar", ""))).splitlines()
            tags = clean_text(form.get("tags", "")).replace("，", ",").split(",")
            answer = clean_text(form.get("answer", ""))
            written = await writer.add_entry(question, answer, similar, tags)
            action = Action.FAQ_ENTRY_ADDED
    except FaqWriteError as exc:
        return await _clusters_response(ctx, back, status=400, error=str(exc))
    services().clusters.clear()
    await services().audit.record(
        ctx.viewer.account.username,
        action,
        ctx.address,
        target=written.entry_id,
        note=question,
        file=written.file,
    )
    done = _query(**back, done=change, entry=written.entry_id, file=written.file, question=question)
    return ctx.redirect(f"{PREFIX}/faq/clusters?{done}")


# ---- admins: accounts and the audit log --------------------------------------------------


def _admin_only(ctx: _Context) -> Response | None:
    if ctx.viewer is None:
        return _login_first(ctx)
    if not ctx.viewer.is_admin:
        return ctx.page("error.html", status=403, title="只有管理员可以查看")
    return None


async def _accounts_response(
    ctx: _Context, *, status: int = 200, notice: str = "", error: str = ""
) -> Response:
    people = list(ctx.runtime.grid.grid.people.values())
    return ctx.page(
        "accounts.html",
        status=status,
        title="账号",
        section="accounts",
        accounts=await services().accounts.all(),
        people=people,
        role=_role_name,
        notice=notice,
        error=error,
    )


@router.get("/accounts")
async def accounts_page(request: Request) -> Response:
    """Every account; the form to add one."""
    ctx = await _context(request)
    refused = _admin_only(ctx)
    return refused or await _accounts_response(ctx)


@router.post("/accounts")
async def create_account(request: Request) -> Response:
    """Add an admin, or a cadre or expert account acting as a person of the grid."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    refused = _admin_only(ctx)
    if refused is not None:
        return refused
    assert ctx.viewer is not None
    try:
        made = await services().accounts.create(
            ctx.viewer.account.username,
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            form.get("person"),
            ctx.address,
        )
    except AccountError as exc:
        return await _accounts_response(ctx, status=400, error=str(exc))
    return await _accounts_response(ctx, notice=f"已新建账号 {made.username}")


@router.post("/accounts/{account_id:id}/{change}")
async def toggle_account(request: Request, account_id: int, change: str) -> Response:
    """Disable (its sessions end at once) or enable an account."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    refused = _admin_only(ctx)
    if refused is not None:
        return refused
    if change not in ("disable", "enable"):
        return ctx.page("error.html", status=404, title="没有这个操作")
    assert ctx.viewer is not None
    try:
        await services().accounts.set_active(
            ctx.viewer.account.username, account_id, change == "enable", ctx.address
        )
    except AccountError as exc:
        return await _accounts_response(ctx, status=400, error=str(exc))
    return await _accounts_response(ctx, notice="已停用" if change == "disable" else "已启用")


@router.get("/audit")
async def audit_page(request: Request) -> Response:
    """The newest entries of the audit log."""
    ctx = await _context(request)
    refused = _admin_only(ctx)
    if refused is not None:
        return refused
    entries = await services().audit.recent()
    return ctx.page(
        "audit.html",
        title="操作记录",
        section="audit",
        entries=entries,
        action=lambda a: ACTION_NAMES.get(Action(a), a) if a in _ACTIONS else a,
    )


# ---- learned entries: from a case into the FAQ, and their review -----------------------------


@router.post("/cases/{case_id:id}/learn")
async def learn_case(request: Request, case_id: int) -> Response:
    """Turn an answered case into an FAQ entry as /入库 does: it waits for an admin's review
    (unless FAQ_LEARNED_AUTO_PUBLISH is on), and the grid's admins are told."""
    ctx, _, refused = await _case_post(request, case_id)
    if refused is not None:
        return refused
    assert ctx.viewer is not None
    actor = ctx.viewer.actor
    try:
        entry = await ctx.runtime.cases.learn(case_id, actor)
    except CaseError as exc:
        return await _case_response(ctx, case_id, status=409, error=str(exc))
    live = ctx.runtime.cases.settings.faq_learned_auto_publish
    if not live:
        await services().review.tell_reviewers(entry, actor)
    await services().audit.record(
        ctx.viewer.account.username,
        Action.CASE_LEARNED,
        ctx.address,
        target=f"#{case_id}",
        entry=entry,
    )
    return ctx.redirect(f"{PREFIX}/cases/{case_id}?done={'learned_live' if live else 'learned'}")


def _may_review(ctx: _Context) -> Response | None:
    if ctx.viewer is None:
        return _login_first(ctx)
    if not services().review.may_review(ctx.viewer.actor):
        return ctx.page("error.html", status=403, title="只有管理员可以审核")
    return None


async def _review_response(
    ctx: _Context, *, status: int = 200, notice: str = "", error: str = ""
) -> Response:
    assert ctx.viewer is not None
    review = services().review
    try:
        entries = await review.pending(ctx.viewer.actor)
    except CaseError as exc:
        entries, error = [], error or str(exc)
    return ctx.page(
        "review.html",
        status=status,
        title="待审核的问答",
        section="review",
        entries=entries,
        scope=review.scope,
        notice=notice,
        error=error,
    )


@router.get("/faq/review")
async def review_page(request: Request) -> Response:
    """The learned entries waiting for review, each with approve (maybe edited) and reject."""
    ctx = await _context(request)
    refused = _may_review(ctx)
    return refused or await _review_response(ctx)


@router.post("/faq/review/{entry_id}/{decision}")
async def review_entry(request: Request, entry_id: str, decision: str) -> Response:
    """Approve (the answer as edited here) or reject a learned entry, as /通过 and /驳回 do: the
    file changes, the FAQ reloads, the case's log and the audit log say who did it."""
    ctx, form = await _posted(request)
    if form is None:
        return _refused(ctx)
    refused = _may_review(ctx)
    if refused is not None:
        return refused
    if decision not in ("approve", "reject"):
        return ctx.page("error.html", status=404, title="没有这个操作")
    assert ctx.viewer is not None
    review = services().review
    actor = ctx.viewer.actor
    try:
        if decision == "approve":
            current = {e.id: e for e in await review.pending(actor)}.get(entry_id)
            answer = clean_text(form.get("answer", "")).strip()[:MAX_ANSWER_CHARS]
            edited = answer if current is not None and answer != current.answer.strip() else ""
            entry = await review.approve(actor, entry_id, edited)
            action, notice = Action.ENTRY_APPROVED, case_texts.APPROVED.format(entry=entry.id)
            detail: dict[str, object] = {"edited": bool(edited)}
        else:
            reason = clean_text(form.get("reason", "")).strip()[:500]
            entry = await review.reject(actor, entry_id, reason)
            action, notice = Action.ENTRY_REJECTED, case_texts.REJECTED.format(entry=entry.id)
            detail = {"reason": reason}
    except CaseError as exc:
        return await _review_response(ctx, status=409, error=str(exc))
    await services().audit.record(
        ctx.viewer.account.username, action, ctx.address, target=entry.id, **detail
    )
    return await _review_response(ctx, notice=notice)


# Last of the console's routes: any other path under it (/console/cases/abc) is its 404 page.
@router.api_route("/{rest:path}", methods=["GET", "POST"])
async def no_page(request: Request, rest: str) -> Response:
    """The console's page for an address it does not have."""
    ctx = await _context(request)
    return ctx.page("error.html", status=404, title=NO_PAGE)
