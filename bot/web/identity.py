"""The try page's web identity: an id the server makes up, in a cookie signed with HMAC.

The page never names its user: the server issues `qs_web=<id>.<mac>` (HttpOnly, SameSite=Lax)
and takes the id only from a cookie whose MAC is right. A forged, altered or missing cookie gets
a fresh id, never someone else's. The key is WEB_SECRET, or a random one made once and kept in
DATA_DIR/web_secret (so identities survive restarts; processes sharing DATA_DIR share it; bot
processes on several machines need one WEB_SECRET).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

COOKIE = "qs_web"
MAX_AGE_SECONDS = 180 * 24 * 3600
SECRET_FILE = "web_secret"
_PREFIX = "w-"


class WebIdentities:
    """Issues and checks the signed identity cookies of one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("WEB_SECRET must be at least 16 characters")
        self._key = hashlib.sha256(b"qingsheng web identity\0" + secret).digest()

    def new(self) -> str:
        """A fresh id nobody else has."""
        return _PREFIX + secrets.token_urlsafe(16)

    def cookie(self, user: str) -> str:
        """The cookie value that proves `user`."""
        return f"{user}.{self._mac(user)}"

    def user(self, cookie: str | None) -> str | None:
        """The id a cookie proves, or None when it is missing, malformed or forged."""
        if not cookie or len(cookie) > 128:
            return None
        user, _, mac = cookie.rpartition(".")
        if not user.startswith(_PREFIX) or not hmac.compare_digest(mac, self._mac(user)):
            return None
        return user

    def cadre_key(self) -> str:
        """The try page's cadre trial key: printed at start-up as a link for this machine, kept
        in a cookie by the browser that opened it (a proxy in front of us never learns it)."""
        return "c-" + self._mac("cadre trial")[:32]

    def _mac(self, user: str) -> str:
        digest = hmac.new(self._key, user.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_secret(data_dir: Path) -> bytes:
    """DATA_DIR/web_secret, made once with 32 random bytes (atomically: two processes starting
    together end up with the same one)."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        temporary.write_text(secrets.token_urlsafe(32) + "\n", encoding="ascii")
        temporary.chmod(0o600)
        try:
            # Fails if another process made it first: theirs counts.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 16:
        raise ValueError(f"{path} is damaged: delete it (web identities restart) or set WEB_SECRET")
    return secret.encode("ascii")


@lru_cache(maxsize=8)
def identities(web_secret: str, data_dir: Path) -> WebIdentities:
    """The identities of this process: WEB_SECRET, else the one kept in DATA_DIR."""
    return WebIdentities(web_secret.encode("utf-8") if web_secret else load_secret(data_dir))
