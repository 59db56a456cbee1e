"""Opening a database: URL resolution, engine settings per backend, and error translation.

The database is chosen by ``--db URL``, else the ``MATDOE_DB`` environment variable, else
``sqlite:///matdoe.db`` in the working directory. PostgreSQL URLs look like
``postgresql+psycopg://user:password@host/dbname``; the password never appears in messages.

Sessions are opened by the caller and passed down (``with sessionmaker.begin() as session``);
nothing here holds a global session.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from matdoe.errors import DatabaseError, DuplicateError, InvalidRecordError

DEFAULT_URL = "sqlite:///matdoe.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000

_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-zA-Z0-9+.-]+://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)")


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else ``MATDOE_DB``, else ``sqlite:///matdoe.db``."""
    url = url or os.environ.get("MATDOE_DB") or DEFAULT_URL
    if "://" not in url:
        # A bare path is a SQLite file: friendlier than an SQLAlchemy URL error.
        url = f"sqlite:///{url}"
    return url


def mask_url(text: str) -> str:
    """Replace any password inside database URLs in ``text`` with ``***``.

    >>> mask_url("postgresql+psycopg://lab:s3cret@db.example/matdoe")
    'postgresql+psycopg://lab:***@db.example/matdoe'
    """
    return _PASSWORD_IN_URL.sub(lambda m: f"{m['head']}***{m['tail']}", text)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" hook below issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with matdoe's settings for the backend.

    SQLite gets foreign keys on, WAL journalling and a busy timeout, so several processes can
    write without "database is locked" reaching a user. Imports the history hooks.
    """
    from matdoe.db import history

    history.install()
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except (sa_exc.ArgumentError, ValueError) as exc:  # ValueError: a port that is no number
        raise InvalidRecordError(
            f"cannot read the database URL {mask_url(resolved)!r}; use e.g. sqlite:///matdoe.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, start transactions: BEGIN IMMEDIATE takes the write lock
        # up front, so concurrent writers wait on the busy timeout instead of failing mid-way.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs.setdefault("pool_pre_ping", True)
        try:
            return create_engine(parsed, **kwargs)
        except ImportError as exc:
            from matdoe.errors import MissingDependencyError

            raise MissingDependencyError(
                "PostgreSQL needs the psycopg driver: pip install 'matdoe[postgres]'"
            ) from exc
    try:
        return create_engine(parsed, **kwargs)
    except Exception as exc:
        raise DatabaseError(f"unsupported database URL {mask_url(resolved)!r}") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to ``engine``; open sessions with ``factory.begin()``."""
    return sessionmaker(engine, expire_on_commit=False)


def translate_error(exc: BaseException, url: str | None = None) -> Exception:
    """Turn a database driver error into a one-line matdoe error (the cause stays attached)."""
    text = mask_url(str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else "")
    where = f" ({mask_url(url)})" if url else ""
    if isinstance(exc, sa_exc.IntegrityError):
        lowered = text.lower()
        if "unique" in lowered or "duplicate" in lowered:
            return DuplicateError(f"a record with the same unique key already exists: {text}")
        if "foreign key" in lowered:
            return InvalidRecordError(f"a referenced record does not exist: {text}")
        return InvalidRecordError(f"the database refused the record: {text}")
    if isinstance(exc, sa_exc.OperationalError):
        lowered = text.lower()
        if "password" in lowered or "authentication" in lowered:
            return DatabaseError(f"cannot log in to the database{where}: check user and password")
        if "readonly" in lowered or "read-only" in lowered:
            return DatabaseError(f"the database is read-only{where}; nothing was written")
        if "disk" in lowered and "full" in lowered:
            return DatabaseError(f"the disk is full{where}; nothing was written")
        if "unable to open" in lowered:
            return DatabaseError(f"cannot open the database{where}: does the folder exist?")
        return DatabaseError(f"database error{where}: {text}")
    if isinstance(exc, sa_exc.DBAPIError | sa_exc.SQLAlchemyError):
        return DatabaseError(f"database error{where}: {text}")
    return DatabaseError(f"database error{where}: {mask_url(str(exc))}")


@contextlib.contextmanager
def translated_errors(url: str | None = None) -> Iterator[None]:
    """Context manager that re-raises SQLAlchemy errors as matdoe errors."""
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        raise translate_error(exc, url) from exc
