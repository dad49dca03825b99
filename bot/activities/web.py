"""The download route of exported sign-up sheets: /exports/{token}.xlsx and /exports/{token}.csv."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from bot.activities.export import export_file

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_router(data_dir: Path) -> APIRouter:
    """A router serving files from `data_dir/exports`; only the unguessable token gives access."""
    router = APIRouter()

    @router.get("/exports/{name}")
    async def download(name: str) -> FileResponse:
        path = export_file(data_dir / "exports", name)
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
