"""Console sessions: a signed, timed cookie (itsdangerous), and the CSRF token bound to it.

Every visitor of the console holds a session cookie, signed with WEB_SECRET (or the key kept
in DATA_DIR, see `bot.web.identity.load_secret`) under a salt of its own. Before login it holds
only a random nonce (the login form's CSRF token is bound to it); a login replaces it with a new
nonce and the account's id and session epoch, so a cookie planted before login is worth nothing
after it. A form's CSRF token is an HMAC of the nonce: a page of another site can neither read
it nor make it, and a POST without the right one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.web.identity import load_secret

COOKIE = "qs_console"
_SALT = "qingsheng console session"


@dataclass(frozen=True, slots=True)
class Session:
    """What a console cookie carries."""

    nonce: str
    account_id: int | None = None
    epoch: int = 0

    @property
    def signed_in(self) -> bool:
        """Whether the cookie names an account (still to be checked against the database)."""
        return self.account_id is not None


class Sessions:
    """Makes and reads the console's session cookies for one secret."""

    def __init__(self, secret: bytes, max_age_seconds: float) -> None:
        if len(secret) < 16:
            raise ValueError("the console's secret must be at least 16 characters")
        self.max_age_seconds = max_age_seconds
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self._csrf_key = hashlib.sha256(b"qingsheng console csrf\0" + secret).digest()

    @staticmethod
    def anonymous() -> Session:
        """A fresh session of nobody."""
        return Session(secrets.token_urlsafe(16))

    @staticmethod
    def signed_in(account_id: int, epoch: int) -> Session:
        """A fresh session of an account (a new nonce: the old CSRF tokens stop working)."""
        return Session(secrets.token_urlsafe(16), account_id, epoch)

    def dump(self, session: Session) -> str:
        """The cookie value of `session`."""
        return self._serializer.dumps([session.nonce, session.account_id, session.epoch])

    def load(self, cookie: str | None) -> Session | None:
        """The session a cookie holds, or None when it is missing, forged or too old."""
        if not cookie or len(cookie) > 512:
            return None
        try:
            nonce, account_id, epoch = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(nonce, str) or not isinstance(epoch, int):
            return None
        if account_id is not None and not isinstance(account_id, int):
            return None
        return Session(nonce, account_id, epoch)

    def csrf(self, session: Session) -> str:
        """The CSRF token of `session`'s forms."""
        return hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        """Whether `token` is the CSRF token of `session`."""
        if session is None or not token:
            return False
        return hmac.compare_digest(self.csrf(session).encode(), token.encode())


@lru_cache(maxsize=8)
def sessions(web_secret: str, data_dir: Path, hours: float) -> Sessions:
    """The sessions of this process: WEB_SECRET, else the key kept in DATA_DIR."""
    secret = web_secret.encode("utf-8") if web_secret else load_secret(data_dir)
    return Sessions(secret, hours * 3600)
