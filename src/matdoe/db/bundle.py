"""Whole-database export and import (backup and restore).

A bundle holds every row of every matdoe table, ids, timestamps and edit history included, so
that export → import into an empty database → export gives identical content. Two layouts:

- one JSON file (``matdoe export lab.json``): one row per line, then a manifest;
- a folder of CSV files, one per table, plus ``bundle.json`` with the manifest
  (``matdoe export lab-backup/``). JSON-valued columns hold JSON text in their cell.

The manifest gives each table's row count and SHA-256 (of the CSV file; of the rows as
canonical JSON, one line each, for the single file: :func:`canonical_line`). ``matdoe import``
checks all of it before it writes anything, so an emptied, truncated or edited table is refused
instead of restoring part of a database.

Exports are atomic: the rows go to a temporary file (or folder) next to the target, which is
renamed into place only when complete and flushed to disk. A killed export leaves the previous
backup as it was (and at worst a ``.NAME.*.partial`` leftover); an existing export is replaced
only with ``force`` (and only if it is a matdoe export), never a file or folder of something else.

Import goes into an empty database only (it restores ids); adding samples to a database in use is
``matdoe sample import``. The import is one transaction: the database's own constraints check
every row, and the first refused row rolls everything back.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Generator
from pathlib import Path
from typing import IO, Any, get_args

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
VERSION = 2  # 2: with a manifest (row counts and checksums); 1 had none
TABLES: tuple[str, ...] = get_args(TableName)  # parents before children
MANIFEST_FILE = "bundle.json"
# A single-file backup is parsed whole; a larger database is better kept as a CSV folder.
MAX_JSON_BYTES = 1024 * 2**20

Progress = Callable[[str, int], None]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _canonical_text(row: dict[str, Any]) -> str:
    return json.dumps(
        row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def canonical_line(row: dict[str, Any]) -> bytes:
    """A row as the single-file manifest hashes it (and the file holds it): sorted keys, no
    spaces, one line.

    >>> canonical_line({"b": 1, "a": "é"})
    b'{"a":"\\xc3\\xa9","b":1}\\n'
    """
    return (_canonical_text(row) + "\n").encode("utf-8")


def _not_restorable(
    name: str, row: dict[str, Any], column: str | None = None
) -> InvalidRecordError:
    where = f"column {column!r}" if column else "a JSON value"
    record = f"{name} {row['id']}" if row.get("id") is not None else f"table {name!r}"
    return InvalidRecordError(
        f"{record}: {where} holds NaN or an infinity, which no backup can hold; "
        "correct that record first (e.g. `matdoe measure edit`)"
    )


def _rows(session: Session, name: str) -> Generator[dict[str, Any], None, None]:
    """Every row of a table, ordered by id, as JSON-able dicts (dates as ISO text); read in
    batches. A non-finite number is refused with the record it is in."""
    table = _table(name)
    dates = [c.name for c in table.columns if isinstance(c.type, Date | DateTime)]
    floats = [c.name for c in table.columns if isinstance(c.type, Float)]
    binary = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
    query = select(table).order_by(table.c.id).execution_options(yield_per=2000)
    result = session.execute(query)  # a server-side cursor on PostgreSQL: closed below
    try:
        for row in result.mappings():
            out = dict(row)
            for column in dates:
                value = out[column]
                if value is not None:
                    out[column] = value.isoformat()
            for column in binary:  # raw files travel as base64 text
                value = out[column]
                if value is not None:
                    out[column] = base64.b64encode(bytes(value)).decode("ascii")
            for column in floats:
                value = out[column]
                if value is not None and not math.isfinite(value):
                    raise _not_restorable(name, out, column)
            yield out
    finally:
        result.close()


def export_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by id, as JSON-able dicts."""
    return {name: list(_rows(session, name)) for name in TABLES}


# --------------------------------------------------------------------------- export


#: Suffixes of single files an export target may not have (without .json it is a folder).
FILE_SUFFIXES = {".csv", ".tsv", ".txt", ".yaml", ".yml", ".xlsx", ".xls", ".db", ".sqlite", ".zip"}


def is_json_target(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def _is_export_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a matdoe export and nothing else."""
    names = {entry.name for entry in folder.iterdir()}
    own = {MANIFEST_FILE, *(f"{name}.csv" for name in TABLES)}
    return MANIFEST_FILE in names and names <= own


def _is_export_file(path: Path) -> bool:
    """Whether ``path`` starts like a single-file matdoe export (of any version)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return b'"format": "matdoe-bundle"' in head or b'"format":"matdoe-bundle"' in head


def check_target(path: Path, *, force: bool = False) -> None:
    """Refuse an export target before any work: one line naming the reason and the way out."""
    if str(path) in ("", "."):
        raise InvalidRecordError(
            "give the export a name: a .json file (e.g. lab.json) or a new folder for CSV files"
        )
    parent = path.parent
    if not parent.is_dir():
        raise InvalidRecordError(
            f"cannot export to {path}: the folder {parent} does not exist; create it first"
        )
    if not path.exists() and not path.is_symlink():
        if path.suffix.lower() in FILE_SUFFIXES:
            # `export lab.csv` would write a folder named lab.csv, not the file it promises.
            raise InvalidRecordError(
                f"cannot export to {path}: a {path.suffix} name promises one file, and an "
                "export is a .json file or a folder of CSV files (one per table); name it "
                f"{path.with_suffix('.json').name} or {path.stem}-backup"
            )
        return
    if is_json_target(path):
        if path.is_dir():
            raise InvalidRecordError(f"cannot export to {path}: it is a folder, not a .json file")
        if not path.is_file():
            raise InvalidRecordError(f"cannot export to {path}: it is not a regular file")
        if not force:
            raise InvalidRecordError(
                f"{path} exists; add --force to replace it (it stays intact until the new "
                "export is complete)"
            )
        if not _is_export_file(path):
            raise InvalidRecordError(
                f"cannot export to {path}: the file is not a matdoe export; choose a new name"
            )
        return
    if not path.is_dir():
        raise InvalidRecordError(
            f"cannot export to {path}: it is a file; a CSV export is a folder "
            "(name the target .json for a single file)"
        )
    if not any(path.iterdir()):
        return
    if not _is_export_folder(path):
        raise InvalidRecordError(
            f"cannot export to {path}: the folder holds files that are not a matdoe export; "
            "choose a new folder"
        )
    if not force:
        raise InvalidRecordError(
            f"{path} holds an export; add --force to replace it (it stays intact until the new "
            "export is complete)"
        )


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_json(session: Session, handle: IO[str], progress: Progress | None) -> dict[str, Any]:
    from matdoe import __version__

    manifest: dict[str, dict[str, Any]] = {}
    handle.write(f'{{"format": "{FORMAT}", "version": {VERSION}, ')
    handle.write(f'"matdoe": {json.dumps(__version__)},\n "tables": {{')
    for position, name in enumerate(TABLES):
        digest, count = hashlib.sha256(), 0
        handle.write(("," if position else "") + f"\n  {json.dumps(name)}: [")
        with contextlib.closing(_rows(session, name)) as rows:
            for row in rows:
                # The line the manifest hashes is the line the file holds: one serialisation.
                try:
                    line = _canonical_text(row)
                except ValueError:  # NaN or an infinity inside a JSON value
                    raise _not_restorable(name, row) from None
                digest.update(line.encode("utf-8") + b"\n")
                handle.write(("," if count else "") + "\n   " + line)
                count += 1
        handle.write("\n  ]" if count else "]")
        manifest[name] = {"rows": count, "sha256": digest.hexdigest()}
        if progress is not None:
            progress(name, count)
    handle.write("\n },\n")
    handle.write(f' "manifest": {json.dumps(manifest, indent=1)}\n}}\n')
    return manifest


def _write_folder(session: Session, folder: Path, progress: Progress | None) -> dict[str, Any]:
    from matdoe import __version__
    from matdoe.tables import write_csv

    manifest: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        try:
            with contextlib.closing(_rows(session, name)) as rows:
                count = write_csv(path, rows, [c.name for c in _table(name).columns])
        except ValueError as exc:  # NaN or an infinity inside a JSON value
            if isinstance(exc, InvalidRecordError):
                raise
            raise _not_restorable(name, {}) from None
        manifest[name] = {"rows": count, "sha256": _file_sha256(path)}
        if progress is not None:
            progress(name, count)
    document = {"format": FORMAT, "version": VERSION, "matdoe": __version__, "manifest": manifest}
    (folder / MANIFEST_FILE).write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    for entry in folder.iterdir():
        with entry.open("rb") as handle:
            os.fsync(handle.fileno())
    _fsync_folder(folder)
    return manifest


def _remove_export_folder(folder: Path) -> None:
    """Remove a folder that holds a matdoe export (its own files only; anything else stays)."""
    for name in (MANIFEST_FILE, *(f"{table}.csv" for table in TABLES)):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _publish_file(partial: Path, target: Path, force: bool) -> None:
    if force:
        os.replace(partial, target)
        return
    try:
        # A hard link never overwrites: a file that appeared meanwhile is not replaced.
        os.link(partial, target)
    except FileExistsError:
        raise InvalidRecordError(f"{target} exists; add --force to replace it") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise InvalidRecordError(f"{target} exists; add --force to replace it") from None
        os.replace(partial, target)
    else:
        partial.unlink()


def _publish_folder(partial: Path, target: Path) -> None:
    if target.is_dir() and any(target.iterdir()):
        # check_target made sure it is a matdoe export: set it aside, put the new one in place,
        # then remove the old one. A kill in between leaves it as .NAME.*.old, not lost.
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
        os.rmdir(old)
        os.rename(target, old)
        os.rename(partial, target)
        _remove_export_folder(old)
    else:
        os.rename(partial, target)  # replaces an empty folder; refuses a non-empty one


def export_bundle(
    session: Session, path: Path, *, force: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Write the whole database to ``path`` (``.json`` file, else a CSV folder); row counts.

    The target is checked first (:func:`check_target`), the rows are streamed to a temporary
    file or folder beside it, and it is renamed into place when complete. ``progress(table,
    rows)`` is called after each table. Errors of the file system are one line.
    """
    path = Path(path)
    check_target(path, force=force)
    partial: Path | None = None
    try:
        if is_json_target(path):
            descriptor, name = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
            )
            partial = Path(name)
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
                manifest = _write_json(session, handle, progress)
                handle.flush()
                os.fsync(handle.fileno())
            _publish_file(partial, path, force)
        else:
            partial = Path(
                tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
            )
            manifest = _write_folder(session, partial, progress)
            _publish_folder(partial, path)
        partial = None
        _fsync_folder(path.parent)
    except OSError as exc:
        raise InvalidRecordError(
            f"cannot write the export to {path} ({exc.strerror or exc}); nothing was replaced"
        ) from None
    finally:
        if partial is not None:
            if partial.is_dir():
                _remove_export_folder(partial)
            else:
                with contextlib.suppress(OSError):
                    partial.unlink()
    return {name: int(entry["rows"]) for name, entry in manifest.items()}


# --------------------------------------------------------------------------- import


def _convert(table: Table, column: str, value: Any, where: str) -> Any:
    from matdoe.tables import parse_json

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
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(number)
            return number
        if isinstance(kind, JSON):
            return (
                parse_json(value, f"{where}: column {column!r}")
                if isinstance(value, str)
                else value
            )
        if isinstance(kind, LargeBinary):
            return base64.b64decode(value, validate=True)
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        if isinstance(exc, InvalidRecordError):
            raise
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


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_header(manifest: Any, where: str, *, verify: bool) -> dict[str, Any] | None:
    """The manifest's tables (None for an unverifiable version-1 export read with
    ``verify=False``); refuses what is not a matdoe export of a version this matdoe reads."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidRecordError(
            f"{where}: not a matdoe export (format must be {FORMAT!r}); "
            "to add samples from a table use `matdoe sample import`"
        )
    version = manifest.get("version")
    if version not in (1, VERSION):
        raise InvalidRecordError(
            f"{where}: export format version {version!r} is not supported "
            f"(this matdoe reads versions 1 and {VERSION})"
        )
    if version == 1:
        if verify:
            raise InvalidRecordError(
                f"{where}: written by an older matdoe, without checksums, so it cannot be "
                "verified; restore it anyway with `matdoe import --unverified`"
            )
        return None
    tables = manifest.get("manifest")
    if not isinstance(tables, dict):
        raise InvalidRecordError(f"{where}: the export has no manifest; it is damaged")
    for name in TABLES:
        entry = tables.get(name)
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("rows"), int)
            or not isinstance(entry.get("sha256"), str)
        ):
            raise InvalidRecordError(f"{where}: the manifest lacks table {name!r}; it is damaged")
    return tables


def _damaged(where: str, name: str, what: str) -> InvalidRecordError:
    return InvalidRecordError(
        f"{where}: table {name!r} {what}; the export was changed or damaged after it was "
        "written, nothing was imported"
    )


def _read_folder(path: Path, *, verify: bool) -> dict[str, Any]:
    from matdoe.tables import check_size, iter_csv_rows, read_structured

    manifest_path = path / MANIFEST_FILE
    if not manifest_path.exists():
        raise InvalidRecordError(
            f"{path}: not a matdoe export folder (no {MANIFEST_FILE}); "
            "to add samples from a table use `matdoe sample import`"
        )
    tables = _check_header(read_structured(manifest_path), path.name, verify=verify)
    raw: dict[str, Any] = {}
    for name in TABLES:
        csv_path = path / f"{name}.csv"
        if not csv_path.exists():
            raise InvalidRecordError(f"{path.name}: {name}.csv is missing from the export")
        check_size(csv_path, "csv")
        if tables is not None and _file_sha256(csv_path) != tables[name]["sha256"]:
            raise _damaged(path.name, name, f"({name}.csv) does not match its checksum")
    for name in TABLES:
        rows = list(iter_csv_rows(path / f"{name}.csv", allow_empty=True))
        if tables is not None and len(rows) != tables[name]["rows"]:
            raise _damaged(path.name, name, f"holds {len(rows)} rows, not {tables[name]['rows']}")
        raw[name] = rows
    return raw


def _read_file(path: Path, *, verify: bool) -> dict[str, Any]:
    from matdoe.tables import read_structured

    document = read_structured(path, limit=MAX_JSON_BYTES)
    if not isinstance(document, dict):
        raise InvalidRecordError(
            f"{path.name}: not a matdoe export (expected an object); to add samples from a "
            "table use `matdoe sample import`"
        )
    tables = _check_header(document, path.name, verify=verify)
    raw = document.get("tables")
    if not isinstance(raw, dict):
        raise InvalidRecordError(f"{path.name}: the export has no 'tables'")
    if tables is not None:
        for name in TABLES:
            rows = raw.get(name, [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise InvalidRecordError(f"{path.name}: table {name!r} must be a list of rows")
            if len(rows) != tables[name]["rows"]:
                raise _damaged(
                    path.name, name, f"holds {len(rows)} rows, not {tables[name]['rows']}"
                )
            digest = hashlib.sha256()
            try:
                for row in rows:
                    digest.update(canonical_line(row))
            except ValueError:  # NaN or Infinity: never written by an export
                raise _damaged(path.name, name, "holds a value that is not JSON") from None
            if digest.hexdigest() != tables[name]["sha256"]:
                raise _damaged(path.name, name, "does not match its checksum")
    return raw


def read_bundle(path: Path, *, verify: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Read a bundle (JSON file or CSV folder) and check it; nothing is written.

    Every table's row count and checksum are compared with the manifest first (``verify=False``
    reads a version-1 export, which has none).
    """
    path = Path(path)
    if not path.exists():
        raise InvalidRecordError(f"{path}: no such file or folder")
    raw = _read_folder(path, verify=verify) if path.is_dir() else _read_file(path, verify=verify)
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
    """True when no table holds a row, apart from what `matdoe init` creates itself.

    `matdoe init` creates the default campaign, and its creation is a revision row of table
    ``campaign``; both are replaced by the export's own campaigns.
    """
    revision, campaign = _table("revision"), _table("campaign")
    names = list(session.scalars(select(campaign.c.name)))
    if names not in ([], ["default"]):
        return False  # a campaign a person created or renamed is data
    for name in TABLES:
        if name == "campaign":
            continue
        query = select(func.count()).select_from(_table(name))
        if name == "revision":
            query = query.where(
                (revision.c.table_name != "campaign") | (revision.c.action != "insert")
            )
        if session.scalar(query):
            return False
    return True


def import_bundle(session: Session, path: Path, *, verify: bool = True) -> dict[str, int]:
    """Restore a bundle into an empty database (one transaction); returns row counts.

    The whole bundle is read and checked against its manifest before the first row is written.
    """
    tables = read_bundle(path, verify=verify)
    if not database_is_empty(session):
        raise InvalidRecordError(
            "the database is not empty: `matdoe import` restores a whole export into an empty "
            "database (create one with `matdoe --db NEW init`); to add samples to this database "
            "use `matdoe sample import`"
        )
    # `matdoe init` creates the default campaign; the export brings its own.
    revision = _table("revision")
    session.execute(revision.delete().where(revision.c.table_name == "campaign"))
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
