"""Password hashes of console accounts: Argon2id (argon2-cffi), verified off the event loop."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
"""Fewest characters of a console password."""
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults: Argon2id, RFC 9106's low-memory profile (64 MiB, 3 passes).
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy() -> str:
    return _hasher().hash("not a password of anyone")


def hash_password(password: str) -> str:
    """The stored form of `password` (salted, with its parameters)."""
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` was made from. With `stored` None (no such
    account) a dummy hash is checked, so the time taken tells nothing."""
    try:
        return _hasher().verify(stored if stored is not None else _dummy(), password) and (
            stored is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with weaker parameters than today's."""
    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


async def hash_password_async(password: str) -> str:
    """`hash_password` in a worker thread (it takes tens of milliseconds of CPU)."""
    return await asyncio.get_running_loop().run_in_executor(None, hash_password, password)


async def verify_password_async(stored: str | None, password: str) -> bool:
    """`verify_password` in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, verify_password, stored, password)


def password_problem(password: str) -> str | None:
    """Why `password` may not be used (Chinese), or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 个字符"
    return None
