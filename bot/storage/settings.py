"""Where 青声 keeps its data (bot/storage)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class StorageSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    data_dir: Path = Field(
        Path("data"), description="Folder for the SQLite file and runtime state."
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy async URL; empty means SQLite at DATA_DIR/qingsheng.db. "
        "PostgreSQL: postgresql+asyncpg://user@host:5432/db",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL to connect to (SQLite under DATA_DIR unless DATABASE_URL is set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'qingsheng.db').as_posix()}"
