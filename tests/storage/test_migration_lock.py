"""Several processes starting together on one empty database: every one of them comes up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PG_URL, ROOT

PROCESSES = 3
ROUNDS = 3
START_DELAY = 4.0
"""Seconds for the processes' imports, after which they all migrate at the same moment."""


def _migrate_together(url: str, schema: str) -> list[subprocess.CompletedProcess[str]]:
    start = time.time() + START_DELAY
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.storage.migrate_process", url, schema, str(start)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out))
    return results


def _assert_all_came_up(results: list[subprocess.CompletedProcess[str]]) -> None:
    failed = [r.stdout[-2000:] for r in results if r.returncode != 0]
    assert not failed, "\n---\n".join(failed)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
async def test_processes_migrating_an_empty_schema_together_all_succeed(backend: str) -> None:
    admin = create_async_engine(PG_URL)
    try:
        for _ in range(ROUNDS):
            schema = f"qs_race_{uuid.uuid4().hex[:12]}"
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                _assert_all_came_up(_migrate_together(PG_URL, schema))
                async with admin.connect() as conn:
                    versions = await conn.scalar(
                        text(f'SELECT count(*) FROM "{schema}".alembic_version')
                    )
                assert versions >= 1
            finally:
                async with admin.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


def test_processes_migrating_an_empty_sqlite_file_together_all_succeed(tmp_path: Path) -> None:
    for n in range(ROUNDS):
        url = f"sqlite+aiosqlite:///{(tmp_path / f'race{n}.db').as_posix()}"
        _assert_all_came_up(_migrate_together(url, "-"))
