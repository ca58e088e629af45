"""Alembic environment: runs on the connection the application hands over."""

from __future__ import annotations

from alembic import context

from knowledge.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only used through knowledge.store.database.upgrade
    raise RuntimeError("run migrations with `newsdesk db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
