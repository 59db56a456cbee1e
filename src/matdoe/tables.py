"""Record files: reading samples and materials from CSV, JSON or YAML, and writing them back.

A CSV file of samples has one row per sample, or one row per measurement with the sample's
columns repeated (rows with the same label become one sample with several measurements; their
sample columns must agree). Columns are the fields of the schemas in ``schemas/``: sample fields,
measurement fields (``temperature_k``, ``sigma_s_cm``, ``resistance_ohm``, ``thickness_cm``,
``area_cm2``, ``direction``, ...) and pellet fields prefixed ``pellet_``. ``source`` and
``citation`` apply to the sample and its measurements. JSON and YAML files hold a list of sample
objects (or ``{"samples": [...]}``) with nested ``measurements``.

Every reader validates the whole file before returning; the first problem raises one
:class:`InvalidRecordError` naming the file, the row and the field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from matdoe.errors import InvalidRecordError
from matdoe.records import (
    MaterialRecord,
    MeasurementRecord,
    PelletRecord,
    SampleRecord,
    parse_record,
)

SAMPLE_FIELDS = [f for f in SampleRecord.model_fields if f not in {"pellet", "measurements"}]
MEASUREMENT_FIELDS = list(MeasurementRecord.model_fields)
PELLET_FIELDS = list(PelletRecord.model_fields)
SHARED_FIELDS = {"source", "citation"}  # apply to the sample and to its measurements
JSON_FIELDS = {"extra", "details"}
FORMATS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def file_format(path: Path) -> str:
    """'csv', 'json' or 'yaml' from the file name."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidRecordError(
            f"{path.name}: unknown file type {path.suffix!r}; use .csv, .json or .yaml"
        ) from None


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InvalidRecordError(f"{path}: no such file")
    try:
        # newline="": keep "\r" inside quoted CSV cells (csv handles the line endings itself).
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise InvalidRecordError(f"{path.name}: not a UTF-8 text file ({exc.reason})") from None
    except OSError as exc:  # a folder, no permission, a vanished network drive
        raise InvalidRecordError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not text.strip():
        raise InvalidRecordError(f"{path.name}: the file is empty")
    return text


def read_structured(path: Path) -> Any:
    """Parse a JSON or YAML file, with one-line errors for malformed or truncated files."""
    text = _read_text(path)
    if file_format(path) == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidRecordError(
                f"{path.name}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InvalidRecordError(f"{path.name}: malformed YAML{where}: {problem}") from None


class CsvRow(dict[str, str]):
    """A CSV row as a dict that remembers its line in the file, for error messages."""

    line: int = 0


def _uncommented_lines(text: str) -> list[str]:
    """The lines of ``text`` with '#' comment lines blanked (so line numbers stay the file's).

    Split on "\n" only: a quoted cell may hold "\r" or other line separators that
    ``str.splitlines`` would cut. A line is a comment only outside a quoted, multi-line cell.
    """
    lines = text.split("\n")
    out = []
    quoted = False
    for line in lines:
        out.append("" if not quoted and line.lstrip().startswith("#") else line)
        if line.count('"') % 2:
            quoted = not quoted
    return out


def _csv_rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The reader's rows; the csv module's own errors (a NUL byte, a stray carriage return in an
    unquoted cell) become one-line errors naming the line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidRecordError(
                f"{path.name} line {reader.line_num}: not readable as CSV ({exc}); "
                "save the file again as CSV (UTF-8)"
            ) from None
        yield row


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV (comma, semicolon or tab separated) as dicts; '#' lines are comments.

    Each row is a :class:`CsvRow` whose ``line`` is its line number in the file (comments and
    blank lines counted), so that errors point at the line a person sees in an editor.
    """
    text = _read_text(path)
    lines = _uncommented_lines(text)
    first = next((line for line in lines if line.strip()), "")
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # newline="": the csv module sees every line ending ("\r" alone from old Mac exports too) and
    # keeps those inside quoted cells.
    reader = csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter)
    header: list[str] | None = None
    out: list[dict[str, str]] = []
    for row in _csv_rows(reader, path):
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip() for h in row]
            if len(set(header)) != len(header):
                raise InvalidRecordError(f"{path.name}: repeated column names in the header")
            continue
        if len(row) != len(header):
            raise InvalidRecordError(
                f"{path.name} line {reader.line_num}: {len(row)} values for {len(header)} "
                "columns (truncated or ragged row)"
            )
        item = CsvRow(zip(header, (cell.strip() for cell in row), strict=True))
        item.line = reader.line_num
        out.append(item)
    if header is None:
        raise InvalidRecordError(f"{path.name}: no header row")
    if not out:
        raise InvalidRecordError(f"{path.name}: a header but no rows")
    return out


def _cell(column: str, value: str, where: str) -> Any:
    if value == "":
        return None
    if column in JSON_FIELDS:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise InvalidRecordError(f"{where}: column {column!r} must hold JSON") from None
    return value


def samples_from_rows(rows: list[dict[str, str]], *, name: str) -> list[SampleRecord]:
    """Group flat rows (one per sample or per measurement) into sample records."""
    known = set(SAMPLE_FIELDS) | set(MEASUREMENT_FIELDS) | {f"pellet_{f}" for f in PELLET_FIELDS}
    unknown = [c for c in rows[0] if c not in known]
    if unknown:
        raise InvalidRecordError(
            f"{name}: unknown column {unknown[0]!r}; expected columns of schemas/sample.schema.json "
            f"(e.g. label, host, scaffold, scaffold_vol_pct, milling_h, temperature_k, sigma_s_cm)"
        )
    if "label" not in rows[0]:
        raise InvalidRecordError(f"{name}: missing the column 'label'")
    grouped: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    measurement_columns = [c for c in rows[0] if c in MEASUREMENT_FIELDS and c not in SHARED_FIELDS]
    for index, row in enumerate(rows, start=2):
        number = getattr(row, "line", index)  # the file's line when read from a file
        where = f"{name} row {number}"
        values = {c: _cell(c, v, where) for c, v in row.items()}
        label = values.get("label")
        if not label:
            raise InvalidRecordError(f"{where}: field 'label' is required")
        sample = {c: values[c] for c in SAMPLE_FIELDS if c in values and values[c] is not None}
        pellet = {
            f: values[f"pellet_{f}"] for f in PELLET_FIELDS if values.get(f"pellet_{f}") is not None
        }
        if pellet:
            sample["pellet"] = pellet
        if label not in grouped:
            grouped[label] = {**sample, "measurements": []}
            first_row[label] = number
        else:
            previous = {k: v for k, v in grouped[label].items() if k != "measurements"}
            if previous != sample:
                differing = sorted(
                    k for k in previous.keys() | sample.keys() if previous.get(k) != sample.get(k)
                )
                raise InvalidRecordError(
                    f"{where}: sample {label!r} differs from row {first_row[label]} in "
                    f"{differing[0]!r}; rows of one sample must repeat the same recipe"
                )
        measurement = {c: values[c] for c in measurement_columns if values.get(c) is not None}
        if measurement:
            for shared in SHARED_FIELDS:
                if values.get(shared) is not None:
                    measurement[shared] = values[shared]
            grouped[label]["measurements"].append((number, measurement))
    records = []
    for label, data in grouped.items():
        measurements = []
        for number, measurement in data.pop("measurements"):
            measurements.append(
                parse_record(MeasurementRecord, measurement, where=f"{name} row {number}")
            )
        record = parse_record(SampleRecord, data, where=f"{name} row {first_row[label]}")
        records.append(record.model_copy(update={"measurements": measurements}))
    return records


def _listing(data: Any, key: str, name: str) -> list[Any]:
    if isinstance(data, Mapping) and key in data:
        data = data[key]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise InvalidRecordError(f"{name}: expected a list of {key} (or {{'{key}': [...]}})")
    if not data:
        raise InvalidRecordError(f"{name}: the file holds no {key}")
    return data


def read_samples(path: Path) -> list[SampleRecord]:
    """Read and validate every sample of a CSV, JSON or YAML file (nothing is written)."""
    path = Path(path)
    if file_format(path) == "csv":
        records = samples_from_rows(read_csv_rows(path), name=path.name)
    else:
        items = _listing(read_structured(path), "samples", path.name)
        records = []
        for index, item in enumerate(items, start=1):
            if not isinstance(item, Mapping):
                raise InvalidRecordError(f"{path.name} sample {index}: expected an object")
            where = f"{path.name} sample {index}"
            if "label" in item:
                where += f" ({item['label']})"
            records.append(parse_record(SampleRecord, item, where=where))
    _no_repeats([r.label for r in records], path.name, "sample label")
    return records


def read_materials(path: Path) -> list[MaterialRecord]:
    """Read and validate every material of a CSV, JSON or YAML file."""
    path = Path(path)
    if file_format(path) == "csv":
        items: list[Any] = [
            {k: v for k, v in row.items() if v != ""} for row in read_csv_rows(path)
        ]
    else:
        items = _listing(read_structured(path), "materials", path.name)
    records = [
        parse_record(MaterialRecord, item, where=f"{path.name} material {index}")
        for index, item in enumerate(items, start=1)
    ]
    _no_repeats([r.name for r in records], path.name, "material name")
    return records


def _no_repeats(keys: Iterable[str], name: str, what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise InvalidRecordError(f"{name}: the {what} {key!r} appears twice")
        seen.add(key)


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Write rows as CSV with a fixed column order (JSON for dict/list cells)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        # csv quotes a cell with "\n" but not one with a lone "\r" (not in the line terminator);
        # such rows are written fully quoted so that they read back unchanged.
        quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for row in rows:
            cells = [_csv_value(row.get(c)) for c in columns]
            (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    return str(value)
