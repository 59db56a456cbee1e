"""Schema migrations with Alembic, run from Python (``matdoe init`` calls :func:`upgrade`).

The migration scripts live inside the package (``matdoe/db/migrations``) so an installed matdoe
can upgrade a lab's database without the source tree. Alembic's bookkeeping table is named
``matdoe_alembic_version`` so that matdoe can share a PostgreSQL database with other tools.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect

VERSION_TABLE = "matdoe_alembic_version"
MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest schema revision this version of matdoe knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


# The newest revision, known without reading the migration scripts: every command checks the
# schema, and importing Alembic to do so would cost a tenth of a second. A test keeps this equal
# to Alembic's head.
HEAD = "0004"


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database behind ``engine`` (None when not initialised)."""
    from sqlalchemy import text

    if not is_initialised(engine):
        return None
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(rows) > 1:  # branched history: matdoe's is linear, so this is not its database
        raise RuntimeError(f"{VERSION_TABLE} holds {len(rows)} revisions")
    return rows[0][0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the schema to ``revision``; returns (before, after) revisions.

    Each migration runs in its own transaction, so an interrupted upgrade leaves the database at
    the last completed revision and can simply be run again.
    """
    from alembic import command

    before = current_revision(engine)
    command.upgrade(_config(engine), revision)
    return before, current_revision(engine) or ""


def is_initialised(engine: Engine) -> bool:
    """Whether the database has matdoe's tables."""
    return inspect(engine).has_table(VERSION_TABLE)
