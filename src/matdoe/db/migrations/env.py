"""Alembic environment for matdoe: the engine comes from ``config.attributes['engine']``."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

from matdoe.db.migrate import VERSION_TABLE
from matdoe.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # `alembic` command line, used by developers to write a new revision
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///matdoe.db")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite batch mode rebuilds a table by copy, DROP and rename. With foreign keys on,
            # DROP TABLE sample cascades and deletes every pellet, measurement and fit. The pragma
            # can change only outside a transaction: off for the migration, checked, back on.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                version_table=VERSION_TABLE,
                render_as_batch=sqlite,
                transaction_per_migration=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            if sqlite:
                broken = _sqlite_pragma(connection, "PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"migration left dangling foreign keys: {broken[:3]}")
        finally:
            if sqlite:
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection: Connection, statement: str) -> list[Any]:
    """Run a pragma on the driver connection itself, outside any SQLAlchemy transaction."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return list(cursor.execute(statement).fetchall())
    finally:
        cursor.close()


if context.is_offline_mode():
    raise SystemExit("matdoe migrations run online only (matdoe init)")
run_migrations_online()
