"""Whole-database export and import (backup and restore).

A bundle holds every row of every matdoe table, ids, timestamps and edit history included, so
that export → import into an empty database → export gives identical content. Two layouts:

- one JSON file (``matdoe export lab.json``);
- a folder of CSV files, one per table, plus ``bundle.json`` naming the format
  (``matdoe export lab-backup/``). JSON-valued columns hold JSON text in their cell.

Import goes into an empty database only (it restores ids); adding samples to a database in use is
``matdoe sample import``. The import is one transaction: the database's own constraints check
every row, and the first refused row rolls everything back.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from matdoe.db.models import Base
from matdoe.errors import InvalidRecordError
from matdoe.records import TableName

FORMAT = "matdoe-bundle"
VERSION = 1
TABLES: tuple[str, ...] = get_args(TableName)  # parents before children


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")  # raw files travel as base64 text
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        # Canonical key order, so that export → import → export is byte-identical.
        return json.loads(json.dumps(value, sort_keys=True))
    return value


def export_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by id, as JSON-able dicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        table = _table(name)
        rows = session.execute(select(table).order_by(table.c.id)).mappings()
        out[name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    return out


def export_bundle(session: Session, path: Path) -> dict[str, int]:
    """Write the whole database to ``path`` (``.json`` file, else a CSV folder); row counts."""
    from matdoe import __version__
    from matdoe.tables import write_csv

    tables = export_tables(session)
    manifest = {"format": FORMAT, "version": VERSION, "matdoe": __version__}
    if path.suffix.lower() == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {**manifest, "tables": tables}
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    else:
        path.mkdir(parents=True, exist_ok=True)
        (path / "bundle.json").write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
        for name, rows in tables.items():
            write_csv(path / f"{name}.csv", rows, [c.name for c in _table(name).columns])
    return {name: len(rows) for name, rows in tables.items()}


def _convert(table: Table, column: str, value: Any, where: str) -> Any:
    if value is None or value == "":
        return None
    kind = table.c[column].type
    try:
        if isinstance(kind, DateTime):
            return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if isinstance(kind, Date):
            return dt.date.fromisoformat(value) if isinstance(value, str) else value
        if isinstance(kind, Boolean):
            if isinstance(value, str):
                return {"true": True, "false": False, "1": True, "0": False}[value.lower()]
            return bool(value)
        if isinstance(kind, Integer):
            return int(value)
        if isinstance(kind, Float):
            return float(value)
        if isinstance(kind, JSON):
            return json.loads(value) if isinstance(value, str) else value
        if isinstance(kind, LargeBinary):
            return base64.b64decode(value, validate=True)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise InvalidRecordError(
            f"{where}: column {column!r} cannot hold {value!r} ({kind})"
        ) from None
    text_value = str(value)
    length = getattr(kind, "length", None)
    if length is not None and len(text_value) > length:
        # SQLite does not enforce VARCHAR lengths; PostgreSQL does. Refuse on both.
        raise InvalidRecordError(
            f"{where}: column {column!r} holds {len(text_value)} characters, at most {length}"
        )
    return text_value


def read_bundle(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Read a bundle (JSON file or CSV folder) and check its shape; nothing is written."""
    from matdoe.tables import read_csv_rows, read_structured

    if not path.exists():
        raise InvalidRecordError(f"{path}: no such file or folder")
    if path.is_dir():
        manifest_path = path / "bundle.json"
        if not manifest_path.exists():
            raise InvalidRecordError(
                f"{path}: not a matdoe export folder (no bundle.json); "
                "to add samples from a table use `matdoe sample import`"
            )
        manifest = read_structured(manifest_path)
        raw: dict[str, Any] = {}
        for name in TABLES:
            csv_path = path / f"{name}.csv"
            if not csv_path.exists():
                raise InvalidRecordError(f"{path.name}: {name}.csv is missing from the export")
            text_lines = csv_path.read_text("utf-8").strip().splitlines()
            raw[name] = read_csv_rows(csv_path) if len(text_lines) > 1 else []
    else:
        manifest = read_structured(path)
        if not isinstance(manifest, dict):
            raise InvalidRecordError(f"{path.name}: not a matdoe export (expected an object)")
        raw = manifest.get("tables")  # type: ignore[assignment]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidRecordError(
            f"{path.name}: not a matdoe export (format must be {FORMAT!r}); "
            "to add samples from a table use `matdoe sample import`"
        )
    if manifest.get("version") != VERSION:
        raise InvalidRecordError(
            f"{path.name}: export format version {manifest.get('version')!r} is not supported "
            f"(this matdoe reads version {VERSION})"
        )
    if not isinstance(raw, dict):
        raise InvalidRecordError(f"{path.name}: the export has no 'tables'")
    unknown = set(raw) - set(TABLES)
    if unknown:
        raise InvalidRecordError(f"{path.name}: unknown table {sorted(unknown)[0]!r}")
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        table = _table(name)
        rows = raw.get(name, [])
        if not isinstance(rows, list):
            raise InvalidRecordError(f"{path.name}: table {name!r} must be a list of rows")
        converted = []
        for index, row in enumerate(rows, start=1):
            where = f"{path.name} {name} row {index}"
            if not isinstance(row, dict):
                raise InvalidRecordError(f"{where}: expected an object")
            extra = set(row) - set(table.c.keys())
            if extra:
                raise InvalidRecordError(f"{where}: unknown column {sorted(extra)[0]!r}")
            converted.append({k: _convert(table, k, v, where) for k, v in row.items()})
        tables[name] = converted
    return tables


def database_is_empty(session: Session) -> bool:
    """True when no table holds a row, apart from campaigns that `matdoe init` created."""
    for name in TABLES:
        if name != "campaign" and session.scalar(select(func.count()).select_from(_table(name))):
            return False
    return True


def import_bundle(session: Session, path: Path) -> dict[str, int]:
    """Restore a bundle into an empty database (one transaction); returns row counts."""
    tables = read_bundle(path)
    if not database_is_empty(session):
        raise InvalidRecordError(
            "the database is not empty: `matdoe import` restores a whole export into an empty "
            "database (create one with `matdoe --db NEW init`); to add samples to this database "
            "use `matdoe sample import`"
        )
    # `matdoe init` creates the default campaign; the export brings its own.
    session.execute(_table("campaign").delete())
    # Core inserts: no ORM events, so the restored history is not extended by the restore.
    for name in TABLES:
        rows = tables[name]
        if rows:
            session.execute(insert(_table(name)), rows)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        for name in TABLES:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                )
            )
    return {name: len(rows) for name, rows in tables.items()}
