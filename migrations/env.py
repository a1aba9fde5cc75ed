"""Alembic environment: the URL comes from ClanStats' settings; SQLite migrates in batch mode."""

from __future__ import annotations

from alembic import context

from clanstats.db.models import Base

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    from clanstats.settings import load_settings

    return load_settings().database_url.get_secret_value()


def run_migrations_offline() -> None:
    """Emit SQL without a connection (`alembic upgrade head --sql`)."""
    context.configure(
        url=_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over a live connection, each revision in the same transaction as its bookkeeping."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    from clanstats.db.engine import make_engine

    engine = make_engine(_url())
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
