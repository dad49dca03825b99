"""The web try page (bot/web): who may act as a cadre, cookies, proxies and rate limits."""

from __future__ import annotations

import ipaddress
from typing import Any, Union

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.common.config import parse_list

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]  # noqa: UP007 - pydantic on 3.10


def _network(text: str) -> Network:
    return ipaddress.ip_network(text, strict=False)


class WebSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    web_chat: bool = Field(True, description="Serve the local try-it chat page at /chat.")
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
    trusted_proxies: tuple[Network, ...] = Field(
        (),
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For / X-Real-IP tell the client's address; empty: trust none. A single "
        "address is a /32 or /128.",
    )
    web_rate_address_per_minute: int = Field(
        20,
        ge=1,
        description="Messages the chat page takes from one client address per minute, whatever "
        "identities it uses.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> tuple[Network, ...]:
        return tuple(parse_list("trusted_proxies", value, _network))

    @model_validator(mode="after")
    def _secret_long_enough(self) -> WebSettings:
        if self.web_secret and len(self.web_secret) < 16:
            raise ValueError("WEB_SECRET must be at least 16 characters (or empty)")
        return self

    @property
    def trusted_proxy_networks(self) -> tuple[Network, ...]:
        """TRUSTED_PROXIES as networks."""
        return self.trusted_proxies
