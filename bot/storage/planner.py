"""Steering SQLite's query planner where its guess, made without statistics, is slow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op


def unindexed(column: Any, dialect: str) -> ColumnElement[Any]:
    """`column`, written so that SQLite filters by it without looking it up in an index (a
    unary plus, SQLite's documented way); unchanged on other databases.

    For the few reads where a range of time is the wrong way in: SQLite, lacking statistics,
    prefers an index on the time to one that would spare it a sort (ix_questions_report) or to
    reading a much smaller table first (feedback before questions)."""
    if dialect != "sqlite":
        return column
    return UnaryExpression(column.expression, operator=custom_op("+"), type_=column.type)
