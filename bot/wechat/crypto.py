"""Signatures and AES for 服务号 and 企业微信 callbacks, on wechatpy's implementations.

Every check raises `Forged` (the request is refused with 403 and logged); nothing here does I/O.
"""

from __future__ import annotations

import hmac
import time

from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner


class Forged(Exception):
    """A signature, timestamp or ciphertext that does not come from WeChat with our keys."""


def signature(token: str, *parts: str) -> str:
    """sha1 over the sorted parts: the URL signature (token, timestamp, nonce) or, with the
    ciphertext, the msg_signature."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def check_timestamp(timestamp: str, max_skew: int, now: float | None = None) -> None:
    """Refuse replays: the callback's timestamp must be within `max_skew` seconds of now."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise Forged("timestamp is not a number") from exc
    if abs((time.time() if now is None else now) - moment) > max_skew:
        raise Forged(f"timestamp {timestamp} is off by more than {max_skew} s")


def check_signature(token: str, given: str, timestamp: str, nonce: str, *extra: str) -> None:
    """Constant-time comparison of a URL signature or msg_signature."""
    expected = signature(token, timestamp, nonce, *extra)
    if not given or not hmac.compare_digest(expected, given.lower()):
        raise Forged("signature mismatch")


class CallbackCrypto:
    """AES of one callback (服务号: AppID inside the ciphertext; 企业微信: CorpID)."""

    def __init__(self, token: str, aes_key: str, receive_id: str, *, wecom: bool) -> None:
        self.token = token
        self.receive_id = receive_id
        kind = WeComCrypto if wecom else WeChatCrypto
        self._crypto = kind(token, aes_key, receive_id)

    def decrypt(self, encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext XML; the msg_signature and the receive id inside are checked."""
        check_signature(self.token, msg_signature, timestamp, nonce, encrypt)
        try:
            return self._crypto._decrypt_message(
                {"Encrypt": encrypt}, msg_signature, timestamp, nonce, self._prp
            )
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            raise Forged(f"{type(exc).__name__}") from exc
        except Exception as exc:  # bad base64, bad padding, truncated plaintext
            raise Forged(f"undecryptable ciphertext: {type(exc).__name__}") from exc

    def encrypt(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """The encrypted reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce)."""
        return self._crypto.encrypt_message(xml, nonce, timestamp)

    @property
    def _prp(self) -> type:
        # wechatpy's two PrpCrypto classes differ only in the exception a wrong id raises.
        from wechatpy.crypto import PrpCrypto
        from wechatpy.enterprise.crypto import PrpCrypto as WeComPrp

        return WeComPrp if isinstance(self._crypto, WeComCrypto) else PrpCrypto
