"""WeChat: the 服务号 for youths, 企业微信 (WeCom) for cadres, WeCom group robots (bot/wechat)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.common.config import comma_list


def parse_robot_keys(value: Any) -> dict[str, str]:
    """`name=key,name2=key2` (a bare key is named by itself) as name -> key."""
    if isinstance(value, dict):
        return {str(name): str(key) for name, key in value.items()}
    robots: dict[str, str] = {}
    for item in comma_list(value):
        name, sep, key = item.partition("=")
        if sep and not (name.strip() and key.strip()):
            raise ValueError(f"WECOM_ROBOT_KEYS: {item!r} is not name=key")
        robots[name.strip()] = (key if sep else name).strip()
    return robots


class WeChatSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

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
    wecom_robot_keys: dict[str, str] = Field(
        {},
        description="企业微信 group robot webhooks as outbox broadcast targets: 'name=key,...' "
        "(platform wecom-robot, chat id = name).",
    )

    @field_validator("wecom_robot_keys", mode="before")
    @classmethod
    def _robots(cls, value: Any) -> dict[str, str]:
        return parse_robot_keys(value)

    @model_validator(mode="after")
    def _wechat_mode_has_key(self) -> WeChatSettings:
        if self.wechat_oa_mode in ("safe", "compatible") and not self.wechat_oa_aes_key:
            raise ValueError(
                f"WECHAT_OA_MODE={self.wechat_oa_mode} needs WECHAT_OA_AES_KEY (EncodingAESKey)"
            )
        return self

    @property
    def wechat_oa_message_mode(self) -> str:
        """`wechat_oa_mode`, or its default: safe with an EncodingAESKey, else plain."""
        return self.wechat_oa_mode or ("safe" if self.wechat_oa_aes_key else "plain")
