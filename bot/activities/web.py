"""The download route of exported sign-up sheets: /exports/{token}.xlsx and /exports/{token}.csv."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from bot.activities.export import export_file

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_router(
    data_dir: Path, ttl_hours: float = 0, clock: Callable[[], float] = time.time
) -> APIRouter:
    """A router serving files from `data_dir/exports`; only the unguessable token gives access,
    and only for `ttl_hours` after the export (0: no limit), then the files are deleted."""
    router = APIRouter()

    @router.get("/exports/{name}")
    async def download(name: str) -> FileResponse:
        path = export_file(data_dir / "exports", name, ttl_hours, clock())
        if path is None:
            raise HTTPException(status_code=404)
        suffix = path.suffix.lstrip(".")
        return FileResponse(
            path,
            media_type=MEDIA_TYPES[suffix],
            filename=f"活动报名表.{suffix}",
            headers={"Cache-Control": "no-store"},
        )

    return router
