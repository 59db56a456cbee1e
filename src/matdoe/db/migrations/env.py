"""Alembic environment for matdoe: the engine comes from ``config.attributes['engine']``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from matdoe.db.migrate import VERSION_TABLE
from matdoe.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # `alembic` command line, used by developers to write a new revision
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///matdoe.db")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=VERSION_TABLE,
            render_as_batch=connection.dialect.name == "sqlite",
            transaction_per_migration=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("matdoe migrations run online only (matdoe init)")
run_migrations_online()
