"""Storage: the database, its models and migrations."""

from bot.storage.database import Database

__all__ = ["Database"]
