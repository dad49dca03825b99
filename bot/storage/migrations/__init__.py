"""Alembic migrations of the 青声 schema."""
