"""Alembic environment: Corail always passes its own connection (corail.db.migrate)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import text

from corail.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only through corail.db.migrate
        raise RuntimeError("Corail runs its migrations with its own connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # two workstations starting at once: one migrates, the other waits
            connection.execute(text("SELECT pg_advisory_xact_lock(7011957)"))
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise RuntimeError("offline migrations are not supported")
run_migrations_online()
