"""Schema migrations with Alembic, run from Python (``matdoe init`` calls :func:`upgrade`).

The migration scripts live inside the package (``matdoe/db/migrations``) so an installed matdoe
can upgrade a lab's database without the source tree. Alembic's bookkeeping table is named
``matdoe_alembic_version`` so that matdoe can share a PostgreSQL database with other tools.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect

from matdoe.errors import NewerSchemaError

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
HEAD = "0005"


def known_revisions() -> frozenset[str]:
    """Every schema revision this version of matdoe has a script for (from the file names,
    ``<revision>_<what>.py``, without importing Alembic; a test checks the names)."""
    return frozenset(
        path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py")
    )


def check_known(revision: str | None, where: str) -> None:
    """Raise :class:`NewerSchemaError` when ``revision`` is none this matdoe knows."""
    if revision is not None and revision not in known_revisions():
        raise NewerSchemaError(
            f"{where} has a newer schema (revision {revision}) than this matdoe knows (up to "
            f"{HEAD}): upgrade matdoe (pip install --upgrade matdoe) to use it"
        )


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database behind ``engine`` (None when not initialised)."""
    from sqlalchemy import text

    from matdoe.db.engine import reader

    engine = reader(engine)  # a look, not a write: no lock on SQLite
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

    from matdoe.db.engine import mask_url

    before = current_revision(engine)
    # Alembic cannot go from a revision it has no script for: say so instead of its traceback.
    check_known(before, mask_url(engine.url.render_as_string(hide_password=False)))
    command.upgrade(_config(engine), revision)
    return before, current_revision(engine) or ""


def is_initialised(engine: Engine) -> bool:
    """Whether the database has matdoe's tables."""
    from matdoe.db.engine import reader

    return inspect(reader(engine)).has_table(VERSION_TABLE)
