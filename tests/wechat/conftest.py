"""WeChat fixtures: test keys, the callbacks mounted on the real ASGI app, a fake WeChat API."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import nonebot
import pytest
import requests
from requests.adapters import BaseAdapter
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import WeChatClient as WeComClient
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from bot.runtime import Runtime
from bot.settings import Settings
from bot.wechat import web
from bot.wechat.api import WeChatApi
from bot.wechat.channel import WeChatChannel
from bot.wechat.oa import OaCallback
from bot.wechat.wecom import PerMemberPace, WeComCallback, WeComChannel
from tests.conftest import ROOT

VECTORS = ROOT.parent / "shared" / "wechat" / "vectors.json"
TOKEN = "qingshengtoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx0000000000qingsh"
CORP_ID = "ww00000000qingsheng"
WECOM_AES = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
OA_USER = "oYouth000000000000000000001"
CITY_WECOM = "city-a-wecom"
ADMIN_WECOM = "admin-wecom"


@pytest.fixture
def vectors() -> dict[str, Any]:
    if not VECTORS.is_file():
        pytest.skip(f"{VECTORS} is absent: Tencent/wechatpy vectors not available")
    return json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", autouse=True)
def wechat_routes(after_nonebot_init: None) -> None:
    """Mount the callbacks once, as bot.app does when WeChat is configured."""
    web.mount(
        nonebot.get_app(),
        Settings(
            wechat_oa_token=TOKEN, wecom_token=TOKEN, wecom_aes_key=WECOM_AES, wecom_corp_id=CORP_ID
        ),
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test grid with 企业微信 accounts for 市里甲 and the admin; WeChat keys for tests."""
    people = settings.faq_dir / "grid" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    text = text.replace('qq: "10006"', f'qq: "10006"\n    wecom: "{CITY_WECOM}"')
    text = text.replace('qq: "10009"', f'qq: "10009"\n    wecom: "{ADMIN_WECOM}"')
    people.write_text(text, encoding="utf-8")
    return settings.model_copy(
        update={
            "wechat_oa_appid": APPID,
            "wechat_oa_token": TOKEN,
            "wechat_oa_aes_key": AES_KEY,
            "wechat_oa_secret": "secret",
            "wecom_corp_id": CORP_ID,
            "wecom_agent_id": "1000002",
            "wecom_token": TOKEN,
            "wecom_aes_key": WECOM_AES,
            "wecom_secret": "secret",
            # The production window: a reply slower than this is followed up by customer-service
            # message, which tests/wechat/test_oa.py covers with a short window of its own.
            "wechat_passive_timeout": 4.0,
        }
    )


class FakeWeChat(BaseAdapter):
    """A fake api.weixin.qq.com / qyapi.weixin.qq.com behind requests: no network at all."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, list[str]], Any]] = []
        self.errors: list[int] = []
        """errcodes the next sends answer with, in order."""
        self.tokens = 0

    def send(self, request: requests.PreparedRequest, **_kwargs: Any) -> requests.Response:
        url = urlparse(request.url or "")
        body = json.loads(request.body) if request.body else None
        self.calls.append((url.path, parse_qs(url.query), body))
        if url.path.endswith(("/token", "/gettoken")):
            self.tokens += 1
            payload: dict[str, Any] = {"access_token": f"token-{self.tokens}", "expires_in": 7200}
        elif self.errors:
            code = self.errors.pop(0)
            payload = {"errcode": code, "errmsg": f"error {code}"}
        else:
            payload = {"errcode": 0, "errmsg": "ok", "msgid": str(len(self.calls))}
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(payload).encode()
        response.headers["Content-Type"] = "application/json"
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass

    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the message sends (not token fetches), in order."""
        return [body for path, _q, body in self.calls if path.endswith("/send") and body]


def fake_session(fake: FakeWeChat) -> requests.Session:
    session = requests.Session()
    session.mount("https://", fake)
    session.mount("http://", fake)
    return session


@pytest.fixture
def fake() -> FakeWeChat:
    return FakeWeChat()


@pytest.fixture
def oa_channel(runtime: Runtime, fake: FakeWeChat) -> WeChatChannel:
    client = WeChatClient(APPID, "secret")
    client._http = fake_session(fake)
    channel = WeChatChannel(WeChatApi(client), lambda: runtime.db, clock=runtime.qa.clock)
    runtime.cases.channels["wechat"] = channel
    return channel


@pytest.fixture
def wecom_channel(runtime: Runtime, fake: FakeWeChat) -> WeComChannel:
    client = WeComClient(CORP_ID, "secret")
    client._http = fake_session(fake)
    channel = WeComChannel(WeChatApi(client), "1000002", PerMemberPace())
    runtime.cases.channels["wecom"] = channel
    return channel


@pytest.fixture
def oa(runtime: Runtime, oa_channel: WeChatChannel, settings: Settings) -> OaCallback:
    callback = OaCallback(settings, oa_channel, runtime=lambda: runtime)
    web.install(callback, None)
    yield callback
    web.install(None, None)


@pytest.fixture
def wecom(runtime: Runtime, wecom_channel: WeComChannel, settings: Settings) -> WeComCallback:
    callback = WeComCallback(settings, wecom_channel, runtime=lambda: runtime)
    web.install(None, callback)
    yield callback
    web.install(None, None)


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(content: str, msg_id: str, user: str = OA_USER, to: str = "gh_qingsheng") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, key: str = "", user: str = OA_USER, created: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_qingsheng]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{created or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def safe_request(
    plain: str,
    *,
    appid: str = APPID,
    token: str = TOKEN,
    timestamp: str | None = None,
    msg_signature: str | None = None,
) -> tuple[dict[str, str], str]:
    """Query and body of a safe-mode callback, as WeChat sends them."""
    timestamp = timestamp or str(int(time.time()))
    nonce = uuid.uuid4().hex[:10]
    envelope = WeChatCrypto(token, AES_KEY, appid).encrypt_message(plain, nonce, timestamp)
    from bot.wechat.xml import parse_xml

    encrypt = parse_xml(envelope)["Encrypt"]
    query = {
        "signature": sign(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": OA_USER,
        "encrypt_type": "aes",
        "msg_signature": msg_signature or sign(token, timestamp, nonce, encrypt),
    }
    body = f"<xml><ToUserName><![CDATA[gh_qingsheng]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    return query, body


def plain_request(plain: str, *, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    nonce = uuid.uuid4().hex[:10]
    return {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def decrypt_reply(xml: str) -> dict[str, str]:
    """The plaintext fields of an encrypted passive reply (its signature checked)."""
    from bot.wechat.crypto import CallbackCrypto
    from bot.wechat.xml import parse_xml

    outer = parse_xml(xml)
    crypto = CallbackCrypto(TOKEN, AES_KEY, APPID, wecom=False)
    plain = crypto.decrypt(
        outer["Encrypt"], outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    )
    return parse_xml(plain)


def wecom_request(
    plain: str,
    *,
    corp_id: str = CORP_ID,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> tuple[dict[str, str], str]:
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or uuid.uuid4().hex[:10]
    envelope = WeComCrypto(TOKEN, WECOM_AES, corp_id).encrypt_message(plain, nonce, timestamp)
    from bot.wechat.xml import parse_xml

    outer = parse_xml(envelope)
    query = {"msg_signature": outer["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
    body = f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt></xml>"
    return query, body
