"""Tencent's and wechatpy's published vectors (../shared/wechat/vectors.json) against our crypto."""

from __future__ import annotations

from typing import Any

import pytest
from wechatpy.enterprise.crypto import PrpCrypto as WeComPrp
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from bot.wechat.crypto import CallbackCrypto, Forged, check_signature, check_timestamp, signature
from bot.wechat.split import split_utf8
from bot.wechat.xml import BadXml, parse_xml


def test_oa_tencent_sample_decrypts(vectors: dict[str, Any]) -> None:
    v = vectors["oa_tencent_sample"]
    crypto = CallbackCrypto(v["token"], v["encoding_aes_key"], v["appid"], wecom=False)
    plain = crypto.decrypt(v["encrypt"], v["msg_signature"], v["timestamp"], v["nonce"])
    assert plain == v["expected_plaintext"]
    assert parse_xml(plain)["Content"] == "abcdteT"
    assert signature(v["token"], v["timestamp"], v["nonce"]) == v["url_signature_computed"]
    with pytest.raises(Forged):  # another AppID inside the ciphertext
        CallbackCrypto(v["token"], v["encoding_aes_key"], "wx_other", wecom=False).decrypt(
            v["encrypt"], v["msg_signature"], v["timestamp"], v["nonce"]
        )
    with pytest.raises(Forged):
        crypto.decrypt(v["encrypt"], "0" * 40, v["timestamp"], v["nonce"])


def test_oa_official_and_wechatpy_signatures(vectors: dict[str, Any]) -> None:
    for case in vectors["oa_official_doc_signatures"]["cases"]:
        check_signature(case["token"], case["signature"], case["timestamp"], case["nonce"])
    v = vectors["wechatpy_test_utils_signature"]
    check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"])
    with pytest.raises(Forged):
        check_signature(v["token"], v["bad_signature"], v["timestamp"], v["nonce"])


def test_wecom_url_verification_and_decrypt(vectors: dict[str, Any]) -> None:
    v = vectors["wecom_wechatpy_tests"]
    crypto = CallbackCrypto(v["token"], v["encoding_aes_key"], v["corp_id"], wecom=True)
    url = v["verify_url"]
    echo = crypto.decrypt(url["echostr"], url["msg_signature"], url["timestamp"], url["nonce"])
    assert echo == url["expected_echo"]
    with pytest.raises(Forged):
        crypto.decrypt(url["echostr"], url["msg_signature"], url["timestamp"], url["bad_nonce"])
    d = v["decrypt"]
    fields = parse_xml(crypto.decrypt(d["encrypt"], d["msg_signature"], d["timestamp"], d["nonce"]))
    assert (fields["Content"], fields["FromUserName"]) == (
        d["expected_content"],
        d["expected_from"],
    )
    with pytest.raises(Forged):  # another CorpID
        CallbackCrypto(v["token"], v["encoding_aes_key"], "wx_other", wecom=True).decrypt(
            d["encrypt"], d["msg_signature"], d["timestamp"], d["nonce"]
        )


def test_wecom_deterministic_encrypt(
    vectors: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    v = vectors["wecom_wechatpy_tests"]
    e = v["deterministic_encrypt"]
    monkeypatch.setattr(WeComPrp, "get_random_string", lambda _self: e["random16"])
    envelope = WeComCrypto(v["token"], v["encoding_aes_key"], v["corp_id"]).encrypt_message(
        e["plaintext"], e["nonce"], e["timestamp"]
    )
    fields = parse_xml(envelope)
    assert fields["Encrypt"] == e["expected_encrypt"]
    assert fields["MsgSignature"] == e["expected_msg_signature"]


def test_stale_timestamp() -> None:
    check_timestamp("1000", 300, now=1200)
    with pytest.raises(Forged):
        check_timestamp("1000", 300, now=1301)
    with pytest.raises(Forged):
        check_timestamp("soon", 300)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Content>&b;</Content></xml>',
        b'<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        b"<xml><Content>unclosed</xml>",
        b"not xml at all",
        b"<root><a>1</a></root>",
        b"<xml>" + b"<A>x</A>" * 10000 + b"</xml>",
    ],
)
def test_unsafe_or_bad_xml_is_refused(body: bytes) -> None:
    with pytest.raises(BadXml):
        parse_xml(body)


def test_split_at_2048_bytes() -> None:
    text = "团" * 1000 + "\n" + "青" * 1000
    parts = split_utf8(text)
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert parts[0] == "团" * 682  # 2046 bytes: no room for another 3-byte character
    assert split_utf8("短") == ["短"]
    assert split_utf8("") == []
    lines = "\n".join(["一行答案" * 10] * 30)
    assert all(p.endswith("答案") for p in split_utf8(lines))
