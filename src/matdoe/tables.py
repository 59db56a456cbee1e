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

Limits, each refused with one line before the file is parsed or as soon as it is crossed: a
file's size (:data:`MAX_BYTES`, by format: CSV is read as a stream, JSON and YAML whole), the
nesting depth of JSON and YAML (:data:`MAX_DEPTH`), and how far YAML aliases may multiply a
document (:data:`MAX_YAML_VALUES`; a few hundred bytes of nested aliases can stand for billions
of values). NaN and Infinity are not JSON and are refused in JSON text.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
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
# Fields a sample and a measurement both have: a flat row's ``notes`` is the sample's; the
# measurement's own go in ``measurement_notes`` (and ``measurement_source``,
# ``measurement_citation``, which override the shared ``source`` and ``citation``).
MEASUREMENT_PREFIXED = ("notes", "source", "citation")
JSON_FIELDS = {"extra", "details"}

# Columns whose name carries another unit than the field's (``temperature_c`` for
# ``temperature_k``): field -> {column suffix: the unit a bare number in it is in}.
_UNIT_ALIASES: dict[str, dict[str, str]] = {
    "temperature_k": {"c": "degC"},
    "temperature_std_k": {"c": "delta_degC"},
    "thickness_cm": {"um": "um", "mm": "mm"},
    "area_cm2": {"mm2": "mm**2"},
    "sigma_s_cm": {"ms_cm": "mS/cm", "us_cm": "uS/cm", "s_m": "S/m"},
    "sigma_std_s_cm": {"ms_cm": "mS/cm", "us_cm": "uS/cm", "s_m": "S/m"},
    "resistance_ohm": {"kohm": "kohm"},
    "resistance_std_ohm": {"kohm": "kohm"},
    "milling_h": {"min": "min"},
    "host_mg": {"g": "g"},
    "scaffold_mg": {"g": "g"},
    "batch_mg": {"g": "g"},
    "mass_mg": {"g": "g"},
}
_CANONICAL_SUFFIX = {
    "temperature_k": "k",
    "temperature_std_k": "k",
    "thickness_cm": "cm",
    "area_cm2": "cm2",
    "sigma_s_cm": "s_cm",
    "sigma_std_s_cm": "s_cm",
    "resistance_ohm": "ohm",
    "resistance_std_ohm": "ohm",
    "milling_h": "h",
    "host_mg": "mg",
    "scaffold_mg": "mg",
    "batch_mg": "mg",
    "mass_mg": "mg",
}


def column_alias(column: str) -> tuple[str, str] | None:
    """(field, unit) for a column named with another unit than its field, else None.

    >>> column_alias("temperature_c"), column_alias("pellet_thickness_um")
    (('temperature_k', 'degC'), ('pellet_thickness_cm', 'um'))
    >>> column_alias("temperature_k") is None
    True
    """
    prefix = "pellet_" if column.startswith("pellet_") else ""
    bare = column.removeprefix(prefix)
    for field, aliases in _UNIT_ALIASES.items():
        base = field.removesuffix("_" + _CANONICAL_SUFFIX[field])
        for suffix, unit in aliases.items():
            if bare == f"{base}_{suffix}":
                return prefix + field, unit
    return None


#: Bad rows named in one refusal, at most.
MAX_REPORTED = 10


class Problems:
    """Collects every bad row of a file, to refuse it once with all of them named."""

    def __init__(self, name: str, limit: int = MAX_REPORTED) -> None:
        self.name = name
        self.limit = limit
        self.messages: list[str] = []
        self.count = 0

    def add(self, exc: Exception) -> None:
        self.count += 1
        if len(self.messages) < self.limit:
            self.messages.append(str(exc))

    def raise_if_any(self) -> None:
        if not self.count:
            return
        if self.count == 1:
            raise InvalidRecordError(self.messages[0])
        more = f" (and {self.count - len(self.messages)} more)" if self.count > self.limit else ""
        raise InvalidRecordError(
            f"{self.name}: {self.count} problems, nothing was imported: "
            + " | ".join(self.messages)
            + more
        )


FORMATS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}

MiB = 2**20
# Largest file per format. CSV is streamed (memory does not grow with the file); its bound keeps
# the longest import's write transaction well inside the SQLite busy timeout of 10 minutes
# (benchmarks/ measure about 20 s for 200,000 rows, some 20 MiB, so 256 MiB is about 4 minutes).
# JSON and YAML are parsed whole, and PyYAML reads about a megabyte a second.
MAX_BYTES = {"csv": 256 * MiB, "json": 64 * MiB, "yaml": 8 * MiB}
MAX_DEPTH = 64  # nesting of lists and objects; a sample record needs 5
MAX_YAML_VALUES = 100_000  # values a YAML file's aliases may add beyond 10 per value written


def file_format(path: Path) -> str:
    """'csv', 'json' or 'yaml' from the file name."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidRecordError(
            f"{path.name}: unknown file type {path.suffix!r}; use .csv, .json or .yaml"
        ) from None


def check_size(path: Path, kind: str, *, limit: int | None = None) -> int:
    """The size of ``path`` in bytes; refuses a missing file, a folder or one over the limit."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidRecordError(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidRecordError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if path.is_dir():
        raise InvalidRecordError(f"{path}: is a folder, not a {kind.upper()} file")
    limit = MAX_BYTES[kind] if limit is None else limit
    if size > limit:
        hint = "; use CSV, which is read as a stream" if kind != "csv" else ""
        raise InvalidRecordError(
            f"{path.name}: {size / MiB:.1f} MiB is over the {limit / MiB:.0f} MiB limit for "
            f"{kind.upper()} files{hint}; split it into several files"
        )
    return size


def _read_text(path: Path, *, limit: int | None = None) -> str:
    kind = FORMATS.get(path.suffix.lower(), "json")
    check_size(path, kind, limit=limit)
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


def _no_constant(name: str) -> Any:
    raise InvalidRecordError(f"{name} is not a JSON number; leave the field out or give a number")


def _too_deep(where: str) -> InvalidRecordError:
    return InvalidRecordError(
        f"{where}: nested deeper than {MAX_DEPTH} levels of lists and objects; "
        "a matdoe record needs a handful"
    )


def nesting_depth(value: Any) -> int:
    """Depth of nested lists and dicts (iterative: any depth is measured without recursion).

    >>> nesting_depth({"a": [1, {"b": []}]})
    4
    """
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(text: str, where: str) -> Any:
    """JSON text with matdoe's limits: strict JSON (no NaN), at most :data:`MAX_DEPTH` deep.

    >>> parse_json('{"a": [1, 2]}', "x")
    {'a': [1, 2]}
    >>> parse_json('[NaN]', "cell")
    Traceback (most recent call last):
    ...
    matdoe.errors.InvalidRecordError: cell: NaN is not a JSON number; leave the field out or give a number
    """
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep(where) from None
    except InvalidRecordError as exc:
        raise InvalidRecordError(f"{where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidRecordError(
            f"{where}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if nesting_depth(value) > MAX_DEPTH:
        raise _too_deep(where)
    return value


def _yaml_limits(node: Any, where: str) -> None:
    """Refuse a YAML node graph deeper than MAX_DEPTH or whose aliases multiply it too much.

    Aliases make the graph a DAG: each node's expanded size and depth are computed once.
    """
    import yaml

    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[Any, bool]] = [(node, False)]
    open_nodes: set[int] = set()
    while stack:
        item, done = stack.pop()
        key = id(item)
        if isinstance(item, yaml.SequenceNode):
            children = list(item.value)
        elif isinstance(item, yaml.MappingNode):
            children = [part for pair in item.value for part in pair]
        else:
            children = []
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise _too_deep(where)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise InvalidRecordError(f"{where}: a YAML alias refers to itself")
        open_nodes.add(key)
        distinct += 1
        stack.append((item, True))
        stack.extend((child, False) for child in children if id(child) not in size)
    allowed = MAX_YAML_VALUES + 10 * distinct
    if size[id(node)] > allowed:
        raise InvalidRecordError(
            f"{where}: YAML aliases expand {distinct} written values to {size[id(node)]}, over "
            f"the limit of {allowed}; write the values out instead of repeating aliases"
        )


def _load_yaml(text: str, where: str) -> Any:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _yaml_limits(node, where)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_structured(path: Path, *, limit: int | None = None) -> Any:
    """Parse a JSON or YAML file, with one-line errors for malformed, truncated, too large,
    too deep or alias-bombed files (see the limits above)."""
    text = _read_text(path, limit=limit)
    if file_format(path) == "json":
        return parse_json(text, path.name)
    import yaml

    try:
        return _load_yaml(text, path.name)
    except RecursionError:
        raise _too_deep(path.name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InvalidRecordError(f"{path.name}: malformed YAML{where}: {problem}") from None


class CsvRow(dict[str, str]):
    """A CSV row as a dict that remembers its line in the file, for error messages."""

    line: int = 0


def _uncommented(lines: Iterable[str]) -> Iterator[str]:
    """The lines with '#' comment lines blanked (so line numbers stay the file's).

    A line is a comment only outside a quoted, multi-line cell.
    """
    quoted = False
    for line in lines:
        yield "" if not quoted and line.lstrip().startswith("#") else line
        if line.count('"') % 2:
            quoted = not quoted


def _file_lines(path: Path) -> Iterator[str]:
    """The file's lines, split on "\n" only and decoded as UTF-8 as they are read.

    A quoted cell may hold "\r" or other line separators that ``str.splitlines`` would cut; a
    byte that is not UTF-8 is an error naming its line.
    """
    check_size(path, "csv")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    number = 0
    try:
        with path.open("rb") as handle:
            pending = ""
            for raw in iter(lambda: handle.read(1 << 20), b""):
                try:
                    pending += decoder.decode(raw)
                except UnicodeDecodeError as exc:
                    at = number + raw[: exc.start].count(b"\n") + pending.count("\n") + 1
                    raise InvalidRecordError(
                        f"{path.name} line {at}: not a UTF-8 text file ({exc.reason}); "
                        "save it again as CSV (UTF-8)"
                    ) from None
                *complete, pending = pending.split("\n")
                for line in complete:
                    number += 1
                    yield line
            try:
                pending += decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise InvalidRecordError(
                    f"{path.name}: not a UTF-8 text file ({exc.reason} at its end)"
                ) from None
            if pending:
                yield pending
    except OSError as exc:  # no permission, a vanished network drive
        raise InvalidRecordError(f"{path}: cannot read it ({exc.strerror or exc})") from None


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


_DECIMAL_COMMA = re.compile(r"^([-+]?\d+),(\d+(?:[eE][-+]?\d+)?)(\s*[^\d,;]*)$")


# "2,500" (or "2,500 ohm"): a decimal comma or a thousands separator, as the file decides.
_AMBIGUOUS_COMMA = re.compile(r"^[-+]?[1-9]\d{0,2},\d{3}(\s*[^\d,;.eE][^\d,;]*)?$")
# "0.032", "1.4e-3 S/cm": a number with a decimal point.
_POINT_NUMBER = re.compile(r"^[-+]?\d*\.\d+(?:[eE][-+]?\d+)?(\s*[^\d,;.]*)$")


def _commas_group_thousands(path: Path, delimiter: str, notes: list[str] | None) -> bool:
    """Whether a comma before three digits ("2,500") groups thousands in this file.

    Decided by the file's other numbers: a decimal comma ("35,5", "0,500", "1,4e-3") says no, a
    decimal point ("0.032") says yes (and a note says so). Refuses a file with both, and one with
    such a comma and neither.
    """
    comma = point = unsure = None
    reader = csv.reader(
        (line + "\n" for line in _uncommented(_file_lines(path))), delimiter=delimiter
    )
    for row in _csv_rows(reader, path):
        for j, raw in enumerate(row):
            cell = raw.strip()
            if _AMBIGUOUS_COMMA.match(cell):
                unsure = unsure or (reader.line_num, j + 1, cell)
            elif _DECIMAL_COMMA.match(cell):
                comma = comma or (reader.line_num, j + 1, cell)
            elif _POINT_NUMBER.match(cell):
                point = point or (reader.line_num, j + 1, cell)
        if comma and point:
            break
    if comma and point:
        raise InvalidRecordError(
            f"{path.name}: line {comma[0]}, column {comma[1]} is {comma[2]!r} (a decimal comma) "
            f"but line {point[0]}, column {point[1]} is {point[2]!r} (a decimal point); write "
            "the numbers with one decimal separator"
        )
    if unsure and not comma and not point:
        line, column, cell = unsure
        raise InvalidRecordError(
            f"{path.name}: line {line}, column {column} is {cell!r}: a decimal comma "
            f"({cell.replace(',', '.', 1)}) or a thousands separator ({cell.replace(',', '', 1)})? "
            "nothing in the file tells; write the number without a thousands separator"
        )
    if unsure and point and notes is not None:
        notes.append(
            f"{path.name}: commas read as thousands separators (e.g. {unsure[2]!r} on line "
            f"{unsure[0]}), as the file's decimal point on line {point[0]} ({point[2]!r}) says"
        )
    return bool(unsure and point)


def iter_csv_rows(
    path: Path, *, allow_empty: bool = False, notes: list[str] | None = None
) -> Iterator[CsvRow]:
    """Rows of a CSV (comma, semicolon or tab separated) as dicts, read as a stream.

    '#' lines are comments. Each row is a :class:`CsvRow` whose ``line`` is its line number in
    the file (comments and blank lines counted), so that errors point at the line a person sees
    in an editor. Refuses a file with no header, or (unless ``allow_empty``) no rows.

    In a file separated by ``;`` or tabs, as spreadsheets in many European locales write it, a
    number written with a decimal comma ("35,5", "1,4e-3", "35,5 %") is read with a decimal
    point, and ``notes`` (when given) gets one line saying so. A comma before exactly three
    digits ("2,500") could also group thousands: the file's other numbers decide (a decimal
    comma elsewhere, "35,5", or a decimal point, "0.032", which makes it 2500 and is said); a
    file whose numbers do not decide it, or that mixes decimal commas and points, is refused.
    """
    lines = _uncommented(_file_lines(path))
    skipped: list[str] = []
    first = ""
    for line in lines:
        skipped.append(line)
        if line.strip():
            first = line
            break
    if not first:
        raise InvalidRecordError(f"{path.name}: the file is empty")
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","

    def again() -> Iterator[str]:
        yield from skipped
        yield from lines

    # The csv module sees every line ending ("\r" alone from old Mac exports too) and keeps those
    # inside quoted cells.
    reader = csv.reader((line + "\n" for line in again()), delimiter=delimiter)
    header: list[str] | None = None
    count = 0
    decimal_comma = False
    # What a comma before three digits is: decided by a first pass over the file's numbers.
    thousands = delimiter != "," and _commas_group_thousands(path, delimiter, notes)
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
        cells = [cell.strip() for cell in row]
        if delimiter != ",":
            for j, cell in enumerate(cells):
                match = _DECIMAL_COMMA.match(cell)
                if match and thousands and _AMBIGUOUS_COMMA.match(cell):
                    cells[j] = cell.replace(",", "", 1)
                elif match:
                    cells[j] = f"{match.group(1)}.{match.group(2)}{match.group(3)}"
                    if notes is not None and not decimal_comma:
                        notes.append(
                            f"{path.name}: decimal commas read as decimal points (e.g. "
                            f"{cell!r} as {cells[j]!r} in column {header[j]!r}; columns "
                            f"separated by {'tabs' if delimiter == chr(9) else repr(delimiter)})"
                        )
                    decimal_comma = True
        item = CsvRow(zip(header, cells, strict=True))
        item.line = reader.line_num
        count += 1
        yield item
    if header is None:
        raise InvalidRecordError(f"{path.name}: no header row")
    if not count and not allow_empty:
        raise InvalidRecordError(f"{path.name}: a header but no rows")


def read_csv_rows(path: Path) -> list[CsvRow]:
    """Every row of a CSV file (see :func:`iter_csv_rows`)."""
    return list(iter_csv_rows(path))


def _cell(column: str, value: str, where: str) -> Any:
    if value == "":
        return None
    if column in JSON_FIELDS:
        return parse_json(value, f"{where}: column {column!r}")
    return value


@dataclass(frozen=True)
class SampleItem:
    """One piece of a sample file read as a stream (:func:`iter_samples`).

    Either a new sample (``sample``, its measurements left out) or one measurement of a sample
    that came before (``measurement``); ``where`` names the file and row for messages.
    """

    label: str
    where: str
    sample: SampleRecord | None = None
    measurement: MeasurementRecord | None = None


KNOWN_COLUMNS = (
    set(SAMPLE_FIELDS)
    | set(MEASUREMENT_FIELDS)
    | {f"pellet_{f}" for f in PELLET_FIELDS}
    | {f"measurement_{f}" for f in MEASUREMENT_PREFIXED}
)


def _check_columns(columns: Iterable[str], name: str) -> None:
    columns = [column_alias(c)[0] if column_alias(c) else c for c in columns]  # type: ignore[index]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise InvalidRecordError(
            f"{name}: the field {repeated[0]!r} is given by two columns (e.g. temperature_k "
            "and temperature_c); keep one"
        )
    if "" in columns:
        raise InvalidRecordError(
            f"{name}: column {columns.index('') + 1} has no name in the header (a trailing "
            "separator?); name it or remove it"
        )
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    if unknown:
        raise InvalidRecordError(
            f"{name}: unknown column {unknown[0]!r}; expected columns of schemas/sample.schema.json "
            f"(e.g. label, host, scaffold, scaffold_vol_pct, milling_h, temperature_k, sigma_s_cm)"
        )
    if "label" not in columns:
        raise InvalidRecordError(f"{name}: missing the column 'label'")


def _vol_stated(record: SampleRecord, where: str) -> SampleRecord:
    """An imported sample with a scaffold states its vol% (blank or null: "not stated").

    Left out, it would be read as the field's default, 0 vol%: a number nobody gave.
    """
    if record.scaffold is not None and "scaffold_vol_pct" not in record.model_fields_set:
        raise InvalidRecordError(
            f"{where}: scaffold {record.scaffold!r} needs its scaffold_vol_pct (a vol_pct "
            "column; leave the cell empty, or null in JSON, only where the source does not "
            "state it)"
        )
    return record


def _row_parts(
    row: Mapping[str, str], where: str, measurement_columns: list[str]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(label, sample fields, measurement fields) of one flat row."""
    values: dict[str, Any] = {}
    for column, text in row.items():
        alias = column_alias(column)
        if alias is None:
            values[column] = _cell(column, text, where)
            continue
        field, unit = alias
        values[field] = _with_unit(text, unit, column, where)
    label = values.get("label")
    if not label:
        raise InvalidRecordError(f"{where}: field 'label' is required")
    sample = {c: values[c] for c in SAMPLE_FIELDS if c in values and values[c] is not None}
    if "scaffold_vol_pct" in values and values["scaffold_vol_pct"] is None:
        # An empty vol% cell is "not stated" (as `sample list -f csv` writes it), not 0.
        sample["scaffold_vol_pct"] = None
    pellet = {
        f: values[f"pellet_{f}"] for f in PELLET_FIELDS if values.get(f"pellet_{f}") is not None
    }
    if pellet:
        sample["pellet"] = pellet
    measurement = {c: values[c] for c in measurement_columns if values.get(c) is not None}
    own = {
        f: values[f"measurement_{f}"]
        for f in MEASUREMENT_PREFIXED
        if values.get(f"measurement_{f}") is not None
    }
    if measurement or own:
        for shared in SHARED_FIELDS:
            if values.get(shared) is not None:
                measurement[shared] = values[shared]
        measurement.update(own)
    return str(label), sample, measurement


_BARE_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")


def is_bare_number(text: str) -> bool:
    """Whether ``text`` is a number without a unit (or a non-finite number, which has none).

    >>> is_bare_number(" 0.5 "), is_bare_number("nan"), is_bare_number("0.5 K")
    (True, True, False)
    """
    return bool(_BARE_NUMBER.match(text)) or text.strip().lower().lstrip("+-") in (
        "nan",
        "inf",
        "infinity",
    )


def _with_unit(text: str, unit: str, column: str, where: str) -> str | None:
    """A cell of a unit-named column (``temperature_c``): a bare number gets that unit."""
    if not text.strip():
        return None
    if not _BARE_NUMBER.match(text):
        raise InvalidRecordError(
            f"{where}: column {column!r} holds {text!r}; its name gives the unit, so write the "
            "number alone (or use the field's own column)"
        )
    if unit == "delta_degC":  # a temperature difference: 1 °C is 1 K
        return text.strip()
    return f"{text.strip()} {unit}"


def _digest(fields: dict[str, Any]) -> bytes:
    import hashlib

    return hashlib.blake2b(repr(sorted(fields.items())).encode(), digest_size=16).digest()


def _items_from_rows(
    rows: Iterable[Mapping[str, str]],
    name: str,
    first_row: Any,
    problems: Problems | None = None,
) -> Iterator[SampleItem]:
    """Flat rows (one per sample or per measurement) as a stream of samples and measurements.

    Rows of one label need not be adjacent; only a digest of each sample's fields is kept, so
    memory grows with the number of samples, not of rows. ``first_row(number)`` gives the row
    at a file line again, to name the field in which a later row differs. A bad row is kept in
    ``problems`` and the reading goes on, so that one refusal names every bad row; without
    ``problems`` they are raised together at the end.
    """
    own = problems is None
    problems = Problems(name) if problems is None else problems
    measurement_columns: list[str] | None = None
    seen: dict[str, tuple[int, bytes]] = {}
    bad: set[str] = set()
    for index, row in enumerate(rows, start=2):
        if measurement_columns is None:
            _check_columns(row.keys(), name)
            fields = [column_alias(c)[0] if column_alias(c) else c for c in row]  # type: ignore[index]
            measurement_columns = [
                c
                for c in fields
                if c in MEASUREMENT_FIELDS
                and c not in SHARED_FIELDS
                and c not in MEASUREMENT_PREFIXED
            ]
        number = getattr(row, "line", index)  # the file's line when read from a file
        where = f"{name} row {number}"
        try:
            label, sample, measurement = _row_parts(row, where, measurement_columns)
            if label in bad:
                continue
            digest = _digest(sample)
            if label not in seen:
                seen[label] = (number, digest)
                record = _vol_stated(parse_record(SampleRecord, sample, where=where), where)
                sample_item = SampleItem(label, where, sample=record)
            elif seen[label][1] != digest:
                first_number = seen[label][0]
                _, previous, _ = _row_parts(first_row(first_number), where, measurement_columns)
                differing = sorted(
                    k for k in previous.keys() | sample.keys() if previous.get(k) != sample.get(k)
                )
                raise InvalidRecordError(
                    f"{where}: sample {label!r} differs from row {first_number} in "
                    f"{differing[0]!r}; rows of one sample must repeat the same recipe"
                )
            else:
                sample_item = None
                if not measurement:
                    raise InvalidRecordError(
                        f"{where}: repeats sample {label!r} of row {seen[label][0]} and adds no "
                        "measurement (a row pasted twice?); remove it, or give a second batch "
                        "its own label"
                    )
            measurement_item = (
                SampleItem(
                    label,
                    where,
                    measurement=parse_record(MeasurementRecord, measurement, where=where),
                )
                if measurement
                else None
            )
        except InvalidRecordError as exc:
            problems.add(exc)
            label = str(row.get("label") or "")
            if label and label not in seen:
                bad.add(label)  # its later rows are not reported again
            continue
        if sample_item is not None:
            yield sample_item
        if measurement_item is not None:
            yield measurement_item
    if own:
        problems.raise_if_any()


def _assemble(items: Iterable[SampleItem]) -> list[SampleRecord]:
    samples: dict[str, SampleRecord] = {}
    measurements: dict[str, list[MeasurementRecord]] = {}
    for item in items:
        if item.sample is not None:
            samples[item.label] = item.sample
            measurements[item.label] = []
        if item.measurement is not None:
            measurements[item.label].append(item.measurement)
    return [
        record.model_copy(update={"measurements": measurements[label]})
        for label, record in samples.items()
    ]


def samples_from_rows(rows: list[dict[str, str]], *, name: str) -> list[SampleRecord]:
    """Group flat rows (one per sample or per measurement) into sample records."""

    def first_row(number: int) -> Mapping[str, str]:
        return next(
            row for index, row in enumerate(rows, start=2) if getattr(row, "line", index) == number
        )

    return _assemble(_items_from_rows(rows, name, first_row))


def iter_samples(
    path: Path, *, problems: Problems | None = None, notes: list[str] | None = None
) -> Iterator[SampleItem]:
    """Read and validate a CSV, JSON or YAML file of samples as a stream (nothing is written).

    A CSV file is read row by row, so memory does not grow with its size; JSON and YAML files
    are parsed whole (hence their smaller size limit). Each sample comes before its
    measurements; a problem raises one :class:`InvalidRecordError` when its row is reached.
    """
    path = Path(path)
    if file_format(path) == "csv":

        def first_row(number: int) -> Mapping[str, str]:
            return next(row for row in iter_csv_rows(path) if row.line == number)

        yield from _items_from_rows(
            iter_csv_rows(path, notes=notes), path.name, first_row, problems
        )
        return
    items = _listing(read_structured(path), "samples", path.name)
    own = problems is None
    problems = Problems(path.name) if problems is None else problems
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        where = f"{path.name} sample {index}"
        try:
            if not isinstance(item, Mapping):
                raise InvalidRecordError(f"{where}: expected an object")
            if "label" in item:
                where += f" ({item['label']})"
            record = _vol_stated(parse_record(SampleRecord, item, where=where), where)
            if record.label in seen:
                raise InvalidRecordError(
                    f"{path.name}: the sample label {record.label!r} appears twice"
                )
        except InvalidRecordError as exc:
            problems.add(exc)
            continue
        seen.add(record.label)
        yield SampleItem(record.label, where, sample=record.model_copy(update={"measurements": []}))
        for number, measurement in enumerate(record.measurements, start=1):
            yield SampleItem(record.label, f"{where} measurement {number}", measurement=measurement)
    if own:
        problems.raise_if_any()


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
    return _assemble(iter_samples(path))


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


def write_csv(path: Path, rows: Iterable[dict[str, Any]], columns: list[str]) -> int:
    """Write rows as CSV with a fixed column order (JSON for dict/list cells); the row count."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        # csv quotes a cell with "\n" but not one with a lone "\r" (not in the line terminator);
        # such rows are written fully quoted so that they read back unchanged. So is a row whose
        # first cell starts with "#" (a label "#5"): unquoted, the reader takes it for a comment.
        quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for row in rows:
            cells = [_csv_value(row.get(c)) for c in columns]
            needs_quotes = any("\r" in cell for cell in cells) or (
                bool(cells) and cells[0].lstrip().startswith("#")
            )
            (quoted if needs_quotes else writer).writerow(cells)
            count += 1
    return count


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    if isinstance(value, float):
        return repr(value)
    return str(value)
