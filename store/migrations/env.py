"""Alembic environment: the connection comes from store.db.migrate, the tables from store.models."""

from alembic import context
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers the tables)

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters tables by copying them; PostgreSQL ignores it.
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
