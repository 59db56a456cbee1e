"""Opening a database: URL resolution, engine settings per backend, and error translation.

The database is chosen by ``--db URL``, else the ``MATDOE_DB`` environment variable, else
``sqlite:///matdoe.db`` in the working directory. PostgreSQL URLs look like
``postgresql+psycopg://user:password@host/dbname``; the password never appears in messages.

Sessions are opened by the caller and passed down (``with sessionmaker.begin() as session``);
nothing here holds a global session.

Transactions on SQLite (WAL journal): a write transaction starts with ``BEGIN IMMEDIATE`` and so
takes the single write lock up front (a second writer waits on the busy timeout instead of failing
half-way); a read transaction (:func:`session_factory` with ``read_only=True``, or an engine from
:func:`reader`) starts with a plain deferred ``BEGIN`` and reads a snapshot without any lock, so
readers never wait for a writer and writers never wait for readers. The busy timeout
(:data:`SQLITE_BUSY_TIMEOUT_MS`) is longer than the longest write transaction matdoe makes: the
largest import allowed (see ``matdoe.db.bulk``) holds the write lock for well under it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from matdoe.errors import DatabaseError, DuplicateError, InvalidRecordError, MatdoeError

DEFAULT_URL = "sqlite:///matdoe.db"
# Longer than the longest write transaction (the largest import allowed; benchmarks/ measures
# it): a short writer queued behind a big import waits instead of failing.
SQLITE_BUSY_TIMEOUT_MS = 600_000
# Execution option that marks an engine's transactions as read-only (deferred BEGIN on SQLite).
READ_OPTION = "matdoe_read_only"

# Passwords of the URLs this process was given (as typed, decoded and encoded): masked wherever
# they follow "user:" in a message, whatever characters they hold.
_SECRETS: set[str] = set()
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_USER_STOP = frozenset(":/@'\"` \t\r\n")


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else ``MATDOE_DB``, else ``sqlite:///matdoe.db``."""
    url = url or os.environ.get("MATDOE_DB") or DEFAULT_URL
    if "://" not in url:
        # A bare path is a SQLite file: friendlier than an SQLAlchemy URL error.
        url = f"sqlite:///{url}"
    remember_password(url)
    return url


def _raw_password(url: str) -> str | None:
    """The password as typed in ``url``: after "user:" up to the URL's last "@" (a raw "@" or a
    space inside the password stays inside it)."""
    start = url.find("://")
    if start < 0:
        return None
    at = url.rfind("@", start + 3)
    if at < 0:
        return None
    userinfo = url[start + 3 : at]
    colon = userinfo.find(":")
    if colon < 0 or "/" in userinfo[:colon]:
        return None
    return userinfo[colon + 1 :]


def remember_password(url: str) -> None:
    """Mask the password of ``url`` in every later message of this process."""
    from urllib.parse import quote, unquote

    raw = _raw_password(url)
    if raw:
        _SECRETS.update(s for s in (raw, unquote(raw), quote(raw, safe="")) if s)


def mask_url(text: str) -> str:
    """Replace any password inside database URLs in ``text`` with ``***``.

    A URL's password runs from "user:" to the last "@" before the next blank (to the first "@"
    of the line when there is none); the passwords of the URLs this process was given are masked
    whatever they hold. Linear in the length of ``text``.

    >>> mask_url("postgresql+psycopg://lab:s3cret@db.example/matdoe")
    'postgresql+psycopg://lab:***@db.example/matdoe'
    >>> mask_url("at postgresql://lab:p@ss@db/x now")
    'at postgresql://lab:***@db/x now'
    """
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(f":{secret}@", ":***@")
    out: list[str] = []
    position = 0
    found = text.find("://")
    while found >= 0:
        following = text.find("://", found + 3)
        span = _password_span(text, found, len(text) if following < 0 else following)
        if span is not None and span[0] >= position:
            out += [text[position : span[0]], "***"]
            position = span[1]
        found = following
    out.append(text[position:])
    return "".join(out)


def _password_span(text: str, scheme_end: int, limit: int) -> tuple[int, int] | None:
    """(begin, end) of the password of the URL whose "://" is at ``scheme_end``, else None.

    Looks no further than ``limit`` (the next "://"), so that masking stays linear.
    """
    if scheme_end == 0 or text[scheme_end - 1] not in _SCHEME_CHARS:
        return None
    index = scheme_end + 3
    while index < limit and text[index] not in _USER_STOP:
        index += 1
    if index >= limit or text[index] != ":":
        return None
    begin = index + 1
    line_end = text.find("\n", begin, limit)
    line_end = limit if line_end < 0 else line_end
    blank = begin
    while blank < line_end and not text[blank].isspace():
        blank += 1
    at = text.rfind("@", begin, blank)
    if at < 0:
        at = text.find("@", begin, line_end)
    if at < 0 or text[begin:at] == "***":
        return None
    return begin, at


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" hook below issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Let SQLAlchemy, not pysqlite, start transactions: BEGIN IMMEDIATE takes the write lock up
    # front, so concurrent writers wait on the busy timeout instead of failing mid-way; a read
    # transaction takes no lock at all (WAL: it reads a snapshot).
    if connection.get_execution_options().get(READ_OPTION):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_STRICT_JSON = json.JSONEncoder(allow_nan=False)


def json_text(value: Any) -> str:
    """JSON for a JSON column: strict JSON only, the same on every backend.

    Python's json writes NaN and Infinity, which SQLite stores and PostgreSQL refuses; refusing
    them here keeps every database restorable on the other backend.

    >>> json_text({"a": [1, 2.5]})
    '{"a": [1, 2.5]}'
    >>> json_text({"a": float("nan")})
    Traceback (most recent call last):
    ...
    matdoe.errors.InvalidRecordError: a JSON field holds NaN or an infinity, which JSON cannot hold; give a number or leave the field empty
    """
    try:
        return _STRICT_JSON.encode(value)
    except ValueError:
        raise InvalidRecordError(
            "a JSON field holds NaN or an infinity, which JSON cannot hold; "
            "give a number or leave the field empty"
        ) from None


_NUL_MESSAGE = (
    "a text field holds a NUL character (\\x00), which PostgreSQL cannot store; remove it"
)


def _refuse_nul(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
    # PostgreSQL refuses NUL in text; SQLite would store it and make the database unrestorable
    # there. One check for every statement, rows of an executemany included.
    rows = parameters if isinstance(parameters, list) else (parameters,)
    texts = [
        value
        for row in rows
        for value in (row.values() if isinstance(row, dict) else row or ())
        if value.__class__ is str
    ]
    if "\x00" in "".join(texts):
        raise InvalidRecordError(_NUL_MESSAGE)


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with matdoe's settings for the backend.

    SQLite gets foreign keys on, WAL journalling, immediate write and deferred read transactions
    and a busy timeout, so several processes can read and write without "database is locked"
    reaching a user. Every backend refuses NaN inside JSON and NUL inside text alike. Imports the
    history hooks.
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
    if "@" in (parsed.host or ""):
        # SQLAlchemy ends the password at its first "@": the rest would be taken for the host.
        raise InvalidRecordError(
            f"the database URL {mask_url(resolved)!r} has an '@' inside its password: write it "
            "as %40 (and a space as %20), e.g. postgresql+psycopg://lab:p%40ss@host/dbname"
        )
    kwargs.setdefault("json_serializer", json_text)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _refuse_nul)
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


def reader(engine: Engine, *, snapshot: bool = False) -> Engine:
    """``engine`` for read-only transactions (same pool): no lock on SQLite, never waits.

    With ``snapshot``, every statement of a transaction sees the same committed state (an
    export): SQLite's read transactions always do; PostgreSQL gets REPEATABLE READ, READ ONLY.
    """
    options: dict[str, Any] = {READ_OPTION: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
        if snapshot:
            options["isolation_level"] = "REPEATABLE READ"
    return engine.execution_options(**options)


def session_factory(
    engine: Engine, *, read_only: bool = False, snapshot: bool = False
) -> sessionmaker[Session]:
    """A sessionmaker bound to ``engine``; open sessions with ``factory.begin()``.

    ``read_only`` transactions take no lock on SQLite (see :func:`reader`); a write inside one
    is a bug (SQLite may refuse it as busy).
    """
    bind = reader(engine, snapshot=snapshot) if read_only or snapshot else engine
    return sessionmaker(bind, expire_on_commit=False)


def translate_error(exc: BaseException, url: str | None = None) -> Exception:
    """Turn a database driver error into a one-line matdoe error (the cause stays attached)."""
    original = getattr(exc, "orig", None)
    if isinstance(original, MatdoeError):  # raised by matdoe's own hooks inside SQLAlchemy
        return original
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
    if isinstance(exc, sa_exc.DataError) and "nul" in text.lower():
        return InvalidRecordError(_NUL_MESSAGE)
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
