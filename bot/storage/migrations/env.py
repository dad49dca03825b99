"""Alembic environment: migrations run on the connection the application hands over."""

from alembic import context

from bot.storage.schema import metadata

target_metadata = metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.storage.Database.migrate()")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
