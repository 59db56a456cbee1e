"""Bulk import of samples with their pellets and measurements (`matdoe sample import`).

An import runs in two passes, so that a refused file writes nothing and advances no id
sequence, and so that the write lock is held only while finished rows are inserted:

1. :func:`prepare_samples`, outside any write transaction: stream the file's records, resolve
   materials, compute masses and conductivities, check labels and suggestions against the
   database, and spool the finished rows to a private temporary file. Memory holds one chunk of
   rows plus, per sample, what its later measurements need (its position and pellet geometry)
   and a 16-byte digest of each of its measurements (one repeated exactly is refused).
2. :func:`write_samples`, in the caller's one transaction: check labels and suggestions again,
   claim the suggestions (a conditional UPDATE), allocate ids (SQLite: after ``max(id)``, under
   the write lock; PostgreSQL: one ``nextval`` query per chunk and table), insert the rows
   chunk by chunk with plain multi-row inserts, then their edit history and Arrhenius fits.

``INSERT ... RETURNING`` is avoided on purpose: SQLAlchemy can only match returned ids to rows
by sending one row per statement, which made 100,000 rows take 200,000 round trips.

All or nothing: pass 2 is one transaction; any failure rolls back every row. Concurrency:

- readers never wait (PostgreSQL: MVCC; SQLite: WAL and read transactions that take no lock);
- on SQLite a writer (`sample add`, another import) waits while an import is in pass 2 and then
  proceeds; the busy timeout (``matdoe.db.engine.SQLITE_BUSY_TIMEOUT_MS``) is far longer than
  pass 2 of the largest file allowed (``matdoe.tables.MAX_BYTES``; ``benchmarks/`` measures
  both). Pass 1, usually the longer one, holds no lock. Committing in slices instead would let
  writers in sooner but break all-or-nothing (a kill would leave half a file);
- on PostgreSQL writers wait only for rows they share with the import: the same new label, or
  the same suggestion.
"""

from __future__ import annotations

import array
import datetime as dt
import hashlib
import json
import logging
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Date, DateTime, Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from matdoe.db.models import Fit, Material, Measurement, Pellet, Revision, Sample, Suggestion
from matdoe.errors import DuplicateError, InvalidRecordError, NotFoundError
from matdoe.records import PelletRecord, SampleRecord, label_difference, label_key
from matdoe.tables import Problems, SampleItem

CHUNK = 5_000  # rows of one table per INSERT (and per spooled chunk)
_SAMPLE_SKIP = {"host", "scaffold", "pellet", "measurements", "host_mg", "scaffold_mg", "batch_mg"}


@dataclass(slots=True)
class _Geometry:
    """What a sample's later measurements need from its pellet."""

    thickness_cm: float | None
    area_cm2: float | None
    id: int | None = None


def geometry_of(pellet: PelletRecord | None) -> _Geometry | None:
    """The pellet geometry of a record, standing in for the stored pellet before it exists."""
    return None if pellet is None else _Geometry(pellet.thickness_cm, pellet.area_cm2)


@dataclass(slots=True)
class _SampleState:
    index: int
    pellet: _Geometry | None
    temperatures: set[float] | None = None  # distinct eis temperatures (K, 0.1) with a sigma
    seen: set[bytes] | None = None  # digests of its measurements, to refuse a repeated one


@dataclass
class PreparedImport:
    """Finished rows of an import, spooled to a temporary file by :func:`prepare_samples`."""

    spool: IO[bytes]
    samples: dict[str, _SampleState] = field(default_factory=dict)
    suggestion_ids: list[int] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # label -> values stored with --force
    n_pellets: int = 0
    n_measurements: int = 0

    @property
    def n_samples(self) -> int:
        return len(self.samples)

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        self.spool.seek(0)
        while True:
            try:
                yield pickle.load(self.spool)  # our own temporary file, written just before
            except EOFError:
                return

    def close(self) -> None:
        self.spool.close()

    def __enter__(self) -> PreparedImport:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


def items_of(records: Iterable[SampleRecord]) -> Iterator[SampleItem]:
    """Sample records (with nested measurements) as the stream :func:`prepare_samples` reads."""
    for record in records:
        where = f"sample {record.label!r}"
        yield SampleItem(record.label, where, sample=record.model_copy(update={"measurements": []}))
        for number, measurement in enumerate(record.measurements, start=1):
            yield SampleItem(record.label, f"measurement {number}", measurement=measurement)


def check_suggestions(session: Session, ids: Iterable[int]) -> None:
    """Every suggestion exists and is pending (else a sample made from it would relabel it)."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = select(Suggestion.id, Suggestion.status).where(Suggestion.id.in_(chunk))
        status = {row[0]: row[1] for row in session.execute(query)}
        for suggestion_id in chunk:
            if suggestion_id not in status:
                raise NotFoundError(
                    f"unknown suggestion {suggestion_id}; see `matdoe suggestion list`"
                )
            if status[suggestion_id] != "pending":
                raise InvalidRecordError(
                    f"suggestion {suggestion_id} is already {status[suggestion_id]}, not "
                    "pending: a sample cannot be linked to it; see `matdoe suggestion list`"
                )


def _check_labels(session: Session, labels: Iterable[str]) -> None:
    """No label of the file exists, nor one that differs from it only in case or look-alikes.

    The look-alikes are found by reading every stored label once (their keys are not in the
    database; memory holds only the file's keys).
    """
    from matdoe.db.store import bulk_labels

    wanted = list(labels)
    existing = bulk_labels(session, wanted)
    if existing:
        first = sorted(existing)[0]
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise DuplicateError(f"sample {first!r} already exists{more}; nothing was imported")
    keys = {label_key(label): label for label in wanted}
    clashes: list[tuple[str, str]] = []
    query = select(Sample.label).execution_options(yield_per=CHUNK)
    for stored in session.scalars(query):
        new = keys.get(label_key(stored))
        if new is not None:
            clashes.append((new, stored))
    if clashes:
        new, stored = min(clashes)
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise DuplicateError(
            f"sample {new!r} differs from the existing sample {stored!r} "
            f"{label_difference(new, stored)}{more}; labels are unique regardless of case: use "
            "the existing label or choose a clearly different one; nothing was imported"
        )


def prepare_samples(
    session: Session,
    items: Iterable[SampleItem],
    *,
    force: bool = False,
    problems: Problems | None = None,
) -> PreparedImport:
    """Pass 1: validate and compute every row, spooled to disk; the database is only read.

    Implausible values (:mod:`matdoe.plausibility`) are refused unless ``force``; forced ones
    are noted in the history of the sample's records (``PreparedImport.notes``).

    Every bad sample or measurement is collected (with those the reader found, when it shares
    ``problems``) and refused together as one :class:`~matdoe.errors.MatdoeError` naming up to
    ten of them; nothing is written.
    """
    from matdoe.db.store import (
        _check_roles,
        _masses,
        find_material,
        measurement_problems,
        measurement_values,
        sample_problems,
    )
    from matdoe.plausibility import enforce

    # Closed by the caller (PreparedImport is a context manager), or below on failure.
    prepared = PreparedImport(spool=tempfile.TemporaryFile(prefix="matdoe-import-"))  # noqa: SIM115
    materials: dict[str, Material] = {}
    suggestions: dict[int, str] = {}
    label_keys: dict[str, str] = {}  # label_key -> the file's label
    now = utcnow_naive()

    def check(label: str, found: list[str], where: str) -> None:
        note = enforce(found, force=force, where=where)
        if note:
            previous = prepared.notes.get(label)
            prepared.notes[label] = f"{previous}; {note}" if previous else note

    def material(name: str) -> Material:
        if name not in materials:
            materials[name] = find_material(session, name)
        return materials[name]

    def sample_entry(item: SampleItem) -> tuple[Any, ...]:
        record = item.sample
        assert record is not None
        if record.label in prepared.samples:
            raise InvalidRecordError(f"{item.where}: the label {record.label!r} repeats")
        key = label_key(record.label)
        earlier = label_keys.get(key)
        if earlier is not None:
            raise InvalidRecordError(
                f"{item.where}: the label {record.label!r} differs from {earlier!r} of this "
                f"file {label_difference(record.label, earlier)}; labels are unique regardless "
                "of case: use one label for both, or clearly different ones"
            )
        label_keys[key] = record.label
        host = material(record.host)
        scaffold = material(record.scaffold) if record.scaffold else None
        _check_roles(record.label, host, scaffold)
        check(record.label, sample_problems(record, host, scaffold), item.where)
        masses = _masses(record, host, scaffold)
        if record.suggestion_id is not None:
            if record.suggestion_id in suggestions:
                raise InvalidRecordError(
                    f"{item.where}: suggestion {record.suggestion_id} is already claimed by "
                    f"sample {suggestions[record.suggestion_id]!r} of this file; one sample "
                    "realises one suggestion"
                )
            suggestions[record.suggestion_id] = record.label
        row = {
            **record.model_dump(exclude=_SAMPLE_SKIP),
            "host_id": host.id,
            "scaffold_id": scaffold.id if scaffold else None,
            "host_mg": masses.host_mg,
            "scaffold_mg": masses.scaffold_mg,
            "batch_mg": masses.batch_mg,
            "masses_source": masses.source,
            "created_at": now,
            "updated_at": now,
        }
        pellet_row = None
        geometry = None
        if record.pellet is not None:
            pellet_row = {**record.pellet.model_dump(), "created_at": now, "updated_at": now}
            geometry = geometry_of(record.pellet)
            prepared.n_pellets += 1
        index = len(prepared.samples)
        prepared.samples[record.label] = _SampleState(index, geometry)
        return ("s", index, row, pellet_row)

    def measurement_entry(item: SampleItem) -> tuple[Any, ...]:
        state = prepared.samples.get(item.label)
        if state is None:  # only a broken reader yields a measurement before its sample
            raise InvalidRecordError(f"{item.where}: measurement of an unknown sample")
        assert item.measurement is not None
        canonical = json.dumps(item.measurement.model_dump(mode="json"), sort_keys=True)
        digest = hashlib.blake2b(canonical.encode(), digest_size=16).digest()
        if state.seen is None:
            state.seen = set()
        if digest in state.seen:
            raise InvalidRecordError(
                f"{item.where}: repeats an earlier measurement of sample {item.label!r} "
                "exactly (a row pasted twice?); repeated runs at one temperature differ in "
                "their value, or give each its run number"
            )
        state.seen.add(digest)
        values = measurement_values(
            item.measurement,
            label=item.label,
            pellet=state.pellet,  # type: ignore[arg-type]
            where=item.where,
        )
        check(item.label, measurement_problems(values), f"{item.where} of sample {item.label!r}")
        uses_pellet = "pellet_id" in values
        values["pellet_id"] = None
        values.update(created_at=now, updated_at=now)
        if values.get("kind") == "eis" and values.get("sigma_s_cm") is not None:
            if state.temperatures is None:
                state.temperatures = set()
            if len(state.temperatures) < 3:
                state.temperatures.add(round(values.get("temperature_k") or 0.0, 1))
        prepared.n_measurements += 1
        return ("m", state.index, values, uses_pellet, item.label)

    found = problems if problems is not None else Problems("import")
    refused: set[str] = set()
    try:
        chunk: list[tuple[Any, ...]] = []
        for item in items:
            if item.label in refused:
                continue  # a measurement of a sample that was refused already
            try:
                if item.sample is not None:
                    chunk.append(sample_entry(item))
                if item.measurement is not None:
                    chunk.append(measurement_entry(item))
            except (InvalidRecordError, NotFoundError) as exc:
                found.add(exc)
                if item.sample is not None:
                    refused.add(item.label)
                continue
            if len(chunk) >= CHUNK:
                pickle.dump(chunk, prepared.spool, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        found.raise_if_any()
        if chunk:
            pickle.dump(chunk, prepared.spool, protocol=pickle.HIGHEST_PROTOCOL)
        prepared.suggestion_ids = sorted(suggestions)
        _check_labels(session, prepared.samples)
        check_suggestions(session, prepared.suggestion_ids)
    except BaseException:
        prepared.close()
        raise
    return prepared


def utcnow_naive() -> dt.datetime:
    from matdoe.db.models import utcnow

    return utcnow()


class _Ids:
    """Ids for new rows of one table: after max(id) on SQLite (the caller's transaction holds
    the write lock), from the table's sequence on PostgreSQL."""

    def __init__(self, session: Session, table: Table) -> None:
        self.session = session
        self.table = table
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.next = 0
        if not self.postgres:
            self.next = int(session.scalar(select(func.max(table.c.id))) or 0) + 1

    def take(self, n: int) -> list[int]:
        if n == 0:
            return []
        if self.postgres:
            return list(
                self.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"table": self.table.name, "n": n},
                )
            )
        start, self.next = self.next, self.next + n
        return list(range(start, start + n))


def _snapshot(row: dict[str, Any], dates: tuple[str, ...]) -> dict[str, Any]:
    """The history snapshot of a new row: its columns, dates as ISO text (as history.snapshot)."""
    data = dict(row)
    for column in dates:
        value = data[column]
        if value is not None:
            data[column] = value.isoformat()
    return data


def _last_value(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    last: list[Any] = [object(), None]

    def process(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, processor(value)
        return last[1]

    return process


def _copy(connection: Any, table: Table, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the rows through COPY, in the connection's transaction (driver errors are
    wrapped as SQLAlchemy's, so that they are translated like any other)."""
    from sqlalchemy import exc as sa_exc

    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(k) for k in keys)}) FROM STDIN"
    driver = connection.connection.driver_connection
    error = dialect.loaded_dbapi.Error
    # When the COPY fails (the server vanished), psycopg also logs that it could not end it:
    # the failure is reported once, as matdoe's one line, not twice.
    logger = logging.getLogger("psycopg")
    was_disabled, logger.disabled = logger.disabled, True
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[k] for k in keys])
    except error as exc:
        raise sa_exc.DBAPIError.instance(statement, None, exc, error, dialect=dialect) from exc
    finally:
        logger.disabled = was_disabled


def insert_many(connection: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) in one statement.

    SQLite: one executemany of a statement compiled once, each column's bind processor applied
    directly (SQLAlchemy would rebuild the parameters of every row, which costs more than
    SQLite's own work). PostgreSQL: COPY.
    """
    if not rows:
        return
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    processors: dict[str, Callable[[Any], Any]] = {}
    for key in keys:
        kind = table.c[key].type
        processor = kind.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            # An import's timestamps are one value: convert it once, not once per row.
            processors[key] = _last_value(processor) if isinstance(kind, DateTime) else processor
    if processors:
        for row in rows:
            for key, convert in processors.items():
                row[key] = convert(row[key])
    if dialect.name == "postgresql":
        _copy(connection, table, keys, rows)
        return
    if compiled.positional:
        order = compiled.positiontup or []
        parameters: list[Any] = [tuple([row[k] for k in order]) for row in rows]
    else:
        parameters = rows
    connection.exec_driver_sql(compiled.string, parameters)


def write_samples(
    session: Session,
    prepared: PreparedImport,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Pass 2: insert the prepared rows in the caller's transaction; returns the sample count.

    ``progress(samples_written, samples_total)`` is called after each chunk.
    """
    from matdoe.db.history import current_user

    _check_labels(session, prepared.samples)
    if prepared.suggestion_ids:
        check_suggestions(session, prepared.suggestion_ids)
        # Claim them: a concurrent import or `sample add` of the same suggestion waits on the
        # row lock (PostgreSQL) or the write lock (SQLite), then finds it no longer pending.
        for start in range(0, len(prepared.suggestion_ids), CHUNK):
            batch = prepared.suggestion_ids[start : start + CHUNK]
            claimed = session.execute(
                update(Suggestion)
                .where(Suggestion.id.in_(batch), Suggestion.status == "pending")
                .values(status="made")
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != len(batch):  # type: ignore[attr-defined]
                raise InvalidRecordError(
                    "a suggestion of this file was made or abandoned meanwhile; nothing was "
                    "imported (see `matdoe suggestion list`)"
                )
    connection = session.connection()
    tables: dict[str, Table] = {
        m.__tablename__: m.__table__  # type: ignore[misc]
        for m in (Sample, Pellet, Measurement)
    }
    ids = {name: _Ids(session, table) for name, table in tables.items()}
    dates = {
        name: tuple(c.name for c in table.columns if isinstance(c.type, Date | DateTime))
        for name, table in tables.items()
    }
    sample_ids = array.array("q", bytes(8 * prepared.n_samples))
    pellet_ids = array.array("q", bytes(8 * prepared.n_samples))
    user = current_user()
    written = 0
    for chunk in prepared.chunks():
        samples = [entry for entry in chunk if entry[0] == "s"]
        new_ids = ids["sample"].take(len(samples))
        sample_rows: list[dict[str, Any]] = []
        pellet_rows: list[tuple[int, dict[str, Any]]] = []
        pellet_keys: list[str] = []
        for (_, index, row, pellet_row), sample_id in zip(samples, new_ids, strict=True):
            sample_ids[index] = sample_id
            row["id"] = sample_id
            sample_rows.append(row)
            if pellet_row is not None:
                pellet_row["sample_id"] = sample_id
                pellet_rows.append((index, pellet_row))
                pellet_keys.append(row["label"])
        for (index, pellet_row), pellet_id in zip(
            pellet_rows, ids["pellet"].take(len(pellet_rows)), strict=True
        ):
            pellet_row["id"] = pellet_id
            pellet_ids[index] = pellet_id
        measurements = [entry for entry in chunk if entry[0] == "m"]
        measurement_rows: list[dict[str, Any]] = []
        for (_, index, values, uses_pellet, _label), measurement_id in zip(
            measurements, ids["measurement"].take(len(measurements)), strict=True
        ):
            values["id"] = measurement_id
            values["sample_id"] = sample_ids[index]
            if uses_pellet:
                values["pellet_id"] = pellet_ids[index]
            measurement_rows.append(values)
        revisions = []
        now = utcnow_naive()
        for name, rows, key in (
            ("sample", sample_rows, [r["label"] for r in sample_rows]),
            ("pellet", [p for _, p in pellet_rows], pellet_keys),
            ("measurement", measurement_rows, [m[4] for m in measurements]),
        ):
            if not rows:
                continue
            snapshots = [_snapshot(row, dates[name]) for row in rows]
            insert_many(connection, tables[name], rows)
            revisions += [
                {
                    "table_name": name,
                    "record_id": data["id"],
                    "record_key": record_key,
                    "action": "insert",
                    "data": data,
                    "changed_at": now,
                    "changed_by": user,
                    "note": prepared.notes.get(record_key),
                }
                for data, record_key in zip(snapshots, key, strict=True)
            ]
        insert_many(connection, Revision.__table__, revisions)  # type: ignore[arg-type]
        written += len(sample_rows)
        if progress is not None:
            progress(written, prepared.n_samples)
    _write_fits(
        session,
        [sample_ids[s.index] for s in prepared.samples.values() if len(s.temperatures or ()) >= 3],
    )
    return written


def _write_fits(session: Session, sample_ids: list[int]) -> None:
    """Arrhenius fits (default form) of the new samples measured at 3 or more temperatures,
    computed as :func:`matdoe.db.store.refresh_fits` computes them."""
    from matdoe import __version__
    from matdoe.conductivity import DEFAULT_FORM
    from matdoe.db.store import arrhenius_inputs, fit_columns

    now = utcnow_naive()
    for start in range(0, len(sample_ids), 1000):
        chunk = sample_ids[start : start + 1000]
        query = (
            select(
                Measurement.id,
                Measurement.sample_id,
                Measurement.temperature_k,
                Measurement.temperature_std_k,
                Measurement.sigma_s_cm,
                Measurement.sigma_std_s_cm,
                Measurement.resistance_ohm,
                Measurement.resistance_std_ohm,
                Measurement.thickness_cm,
                Measurement.area_cm2,
            )
            .where(
                Measurement.sample_id.in_(chunk),
                Measurement.kind == "eis",
                Measurement.sigma_s_cm.is_not(None),
            )
            .order_by(Measurement.sample_id, Measurement.temperature_k, Measurement.id)
        )
        runs: dict[int, list[Any]] = {}
        for row in session.execute(query):
            runs.setdefault(row.sample_id, []).append(row)
        rows = []
        for sample_id, points in runs.items():
            if len({round(p.temperature_k or 0.0, 1) for p in points}) < 3:
                continue
            rows.append(
                {
                    "sample_id": sample_id,
                    "kind": "arrhenius",
                    "method": f"arrhenius-{DEFAULT_FORM}",
                    **fit_columns(arrhenius_inputs(points), DEFAULT_FORM),
                    "package_version": __version__,
                    "computed_at": now,
                }
            )
        if rows:
            insert_many(session.connection(), Fit.__table__, rows)  # type: ignore[arg-type]
