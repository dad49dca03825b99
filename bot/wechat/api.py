"""Calling WeChat's HTTP APIs through wechatpy without blocking the event loop.

wechatpy's clients are synchronous (requests): every call runs in the default executor. The
access token is cached by the client (refreshed a minute before it expires); when WeChat says
the token is invalid or expired (40001, 40014, 42001) we fetch a new one and retry once — our
own logic: wechatpy's automatic retry is switched off so it is not done twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from wechatpy.exceptions import WeChatClientException

log = logging.getLogger(__name__)

T = TypeVar("T")
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
"""Invalid credential, invalid token, expired token."""


class ApiError(Exception):
    """A WeChat API call failed; `errcode` is WeChat's code (None for HTTP/network errors)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApi:
    """One wechatpy client (服务号 WeChatClient or 企业微信 WeChatClient) used off the loop."""

    def __init__(self, client: Any) -> None:
        client.auto_retry = False
        self.client = client
        self._refresh_lock = threading.Lock()

    async def call(self, fn: Callable[[Any], T]) -> T:
        """Run `fn(client)` in the executor; one token refresh and retry on 40001/40014/42001."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self._call_sync, fn))

    def _call_sync(self, fn: Callable[[Any], T]) -> T:
        try:
            return fn(self.client)
        except WeChatClientException as exc:
            if _code(exc) not in TOKEN_ERRORS:
                raise ApiError(_code(exc), str(exc.errmsg)) from exc
            log.info("WeChat access token rejected (%s): refreshing once", _code(exc))
        except Exception as exc:  # network errors from requests
            raise ApiError(None, f"{type(exc).__name__}: {exc}") from exc
        try:
            with self._refresh_lock:
                self.client.fetch_access_token()
            return fn(self.client)
        except WeChatClientException as exc:
            raise ApiError(_code(exc), str(exc.errmsg)) from exc
        except Exception as exc:
            raise ApiError(None, f"{type(exc).__name__}: {exc}") from exc


def _code(exc: WeChatClientException) -> int | None:
    try:
        return int(exc.errcode) if exc.errcode is not None else None
    except (TypeError, ValueError):
        return None
