"""Reading impedance spectra from instrument files and plain tables, with the format detected.

Every supported format is read here from its text layout (the layouts follow what the
instruments' software writes, as documented by the readers of impedance.py and pyimpspec), so
that the columns are found by their names, not their positions, and a file is recognised by
its content whatever its extension:

============== ====================================================== ==========================
format         recognised by                                          columns
============== ====================================================== ==========================
biologic       ``EC-Lab ASCII FILE`` (.mpt); ``BIO-LOGIC MODULAR       freq/Hz, Re(Z)/Ohm,
               FILE`` (.mpr, binary, read with galvani)                -Im(Z)/Ohm
gamry          ``EXPLAIN`` … ``ZCURVE TABLE`` (.DTA)                   Freq, Zreal, Zimag
zplot          ``ZPLOT2 ASCII`` … ``End Comments``, or                 Freq(Hz), Z'(a), Z''(b)
               ``ZPlotW Data File`` (.z)
autolab        ``Z60W Data File``, or a NOVA export                    Freq (Hz), Z'(a), Z''(b);
               (Index;Frequency (Hz);Z' (Ω);-Z'' (Ω))                  or NOVA's names
chinstruments  ``A.C. Impedance`` … ``Freq/Hz, Z'/ohm, Z"/ohm``        Freq/Hz, Z'/ohm, Z"/ohm
parstat        ``Frequency (Hz)``, ``Zre (ohms)``, ``Zim (ohms)``     (tab separated)
versastudio    ``<Segment1>`` … ``Definition=…`` (.par)                Frequency(Hz), Z Real,
                                                                      Z Imag
powersuite     ``Frequency``, ``Zre``, ``Zimg`` (tab separated)       Frequency, Zre, Zimg
csv            anything else: a table with named columns              see :func:`read_spectrum`
============== ====================================================== ==========================

Rows that are not a point of the spectrum are dropped and reported, not refused: a frequency of
0 Hz or below (Parstat writes its DC steps with f = 0) and rows with a NaN or inf value (an
aborted sweep's last line). An empty cell or text where a number belongs is refused, naming the
line and the column: in a plain table in any column, in an instrument's table in the columns
read (frequency, Re Z, Im Z); the instrument's other columns are not read. In a plain table only
a units row right under the header ("Hz, kOhm, kOhm") is not data: its units are used and the
row is reported, unless a unit contradicts the header's ("Z' (Ohm)" over "kOhm") or is no unit
of the column's quantity, which is refused. Frequencies must run one way: a sweep that turns
back (two sweeps in one file) is refused, a frequency measured twice in a row is kept and
reported. Every reader reports what it noticed in the spectrum's ``notes``.

With ";" or tabs between the cells, a comma in a number is a decimal comma or a
thousands separator, and the file's numbers decide which: a comma followed by other than
exactly three digits ("123,4", "1,000E+05") proves decimal commas, a decimal point ("1.5",
"1,234.5") or two commas in a number ("1,000,000") prove thousands separators (reported). A
file whose commas could be either ("10,000  5,123  -2,000") is refused, as is one with decimal
commas and decimal points, or a '.' in a file written with decimal commas.

>>> temperature_from_filename("S12_60C.csv")
333.15
>>> temperature_from_filename("neg_-20C.csv")
253.15
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from matdoe.eis.spectrum import Spectrum, check_values
from matdoe.errors import InvalidRecordError, MissingDependencyError

__all__ = [
    "FORMATS",
    "detect_format",
    "read_spectrum",
    "read_spectrum_bytes",
    "temperature_from_filename",
]

#: The formats ``--format`` accepts besides ``auto``.
FORMATS = (
    "csv",
    "biologic",
    "gamry",
    "zplot",
    "autolab",
    "chinstruments",
    "parstat",
    "versastudio",
    "powersuite",
)
_ALIASES = {"tsv": "csv", "txt": "csv", "mpt": "biologic", "mpr": "biologic", "dta": "gamry"}
_EIS_HINT = "install it with pip install 'matdoe[eis]'"

Arrays = tuple[NDArray[np.float64], NDArray[np.complex128], str]


_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
# A cell of a units row under the header: "Hz", "kOhm", "[Ohm]", "Ohm cm2", "deg", "°C", "s".
_UNIT_CELL = re.compile(
    r"^[\[(]?\s*(?:[kKMmGµμu]?\s*(?:hz|ohms?|Ω)(?:\s*[-·.*]?\s*cm(?:2|²|\^2)?)?|rad/s|rad|deg|°"
    r"|°\s*c|degc|[mµun]?[sva]|min|h|k|%)\s*[)\]]?$",
    re.IGNORECASE,
)


# With ";", tabs or spaces between the cells, a comma in a cell belongs to a number, as a decimal
# comma ("123,4") or a thousands separator ("10,000"); the file's numbers decide which
# (_decimal_separator). A thousands point ("1.234,5") is recognised only to be refused by name.
_DECIMAL_COMMA = re.compile(r"^[-+]?(?:\d+,\d*|,\d+)(?:[eE][-+]?\d+)?$")
_THOUSANDS_COMMA = re.compile(r"^[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?$")
_THOUSANDS_POINT = re.compile(r"^[-+]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?$")
_NON_FINITE = ("nan", "inf", "-inf")
# A unit in a header or a units row: a scale prefix (case-sensitive: mOhm, MOhm) on ohm or Hz.
# Prefixes are case-sensitive on purpose (mHz vs MHz; "K" before ohm or Hz can only mean kilo).
# A prefix counts only after a non-letter ("Z' (kOhm)", "Zre/kOhm", "k Ohm"), so that the m of
# "ZimOhm" or "Zim ohm" is not read as milli.
_UNIT_TEXT = re.compile(
    r"(?:(?<![A-Za-z])(?P<prefix>[kKMGmµμu])\s*)?"
    r"(?P<base>(?i:ohms?|Ω|hz))(?P<area>\s*[-·.*]?\s*(?i:cm))?"
)
_ANGULAR = re.compile(r"rad\s*/\s*s|\brad\b", re.IGNORECASE)
_PREFIX = {
    "": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3, "µ": 1e-6, "μ": 1e-6, "u": 1e-6,
}  # fmt: skip

#: A cell of a table: its line number in the file, its column index and its text.
Cell = tuple[int, int, str]
#: A row of an instrument's table: its line number and its cells as split.
Row = tuple[int, list[str]]


def _classify(header: str) -> str | None:
    """Return "f", "neg_im", "im", "re" or None for one column header."""
    h = header.strip().lower().replace(" ", "").replace("_", "").replace('"', "''")
    h = h.replace("′′", "''").replace("″", "''").replace("′", "'")
    if not h:
        return None
    if h.startswith(("freq", "f/", "f(", "f[")) or h in ("f", "hz", "frequency"):
        return "f"
    if h.startswith("|z|") or h.startswith(("phase", "mod", "phi", "theta", "time", "cycle")):
        return None
    # |Z| called "Impedance" or "Magnitude", and admittance Y (Re(Y), Y'), are not Z's parts
    if h.startswith(("impedance", "mag", "abs", "y", "admit")) or "(y)" in h:
        return None
    if h.startswith(("reactance", "-reactance")):
        return "neg_im" if h.startswith("-") else "im"
    if h.startswith(("-im", "-z''", "-zim", "-zimag", "-z2", "minusim", "negim", "-x")):
        return "neg_im"
    if h.startswith(("im", "z''", "zim", "zimag", "z2", "x(", "x/", "imag")) or h == "x":
        return "im"
    if h.startswith(("re", "z'", "zre", "zreal", "z1", "r(", "r/", "real")) or h == "r":
        return "re"
    return None


def _scale(header: str, quantity: str) -> float:
    """The prefix factor of the unit in a column's header ("Z' (kOhm)" -> 1000), 1 if none."""
    unit = _unit_of(header)
    return unit[1] if unit is not None and unit[0] == quantity else 1.0


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    parts = [p.strip() for p in line.split(delimiter)]
    while parts and parts[-1] == "":
        parts.pop()  # a trailing delimiter is common in spreadsheet exports
    return parts


def _is_number(cell: str, commas: bool = False) -> bool:
    """Whether a cell is a number; with ``commas``, also one written with commas in it."""
    if _NUMBER.match(cell) or cell.lower() in _NON_FINITE:
        return True
    return commas and any(
        pattern.match(cell) for pattern in (_DECIMAL_COMMA, _THOUSANDS_COMMA, _THOUSANDS_POINT)
    )


def _is_numeric_row(fields: list[str], commas: bool = False) -> bool:
    return bool(fields) and all(_is_number(x, commas) for x in fields)


def _decimal_proof(cell: str) -> tuple[str, str] | None:
    """The decimal separator a number proves, "," or ".", and why; None if it reads either way.

    >>> _decimal_proof("123,4"), _decimal_proof("1,000,000"), _decimal_proof("10,000")
    ((',', 'a decimal comma'), ('.', 'more than one comma'), None)
    """
    if "," in cell and _DECIMAL_COMMA.match(cell) and not _THOUSANDS_COMMA.match(cell):
        return ",", "a decimal comma"  # "123,4", "0,500", "1,0E+05": no thousands reading
    if _THOUSANDS_POINT.match(cell) and (cell.count(".") > 1 or "," in cell):
        return ",", "a decimal comma" if "," in cell else "more than one point"  # "1.234,5"
    if "." in cell and _NUMBER.match(cell) and not _THOUSANDS_POINT.match(cell):
        return ".", "a decimal point"  # "44.7174", "1.5e3", "0.500"
    if _THOUSANDS_COMMA.match(cell) and (cell.count(",") > 1 or "." in cell):
        return ".", "a decimal point" if "." in cell else "more than one comma"  # "1,234.5"
    return None


def _decimal_separator(
    name: str, used: list[Cell], others: list[Cell], header: list[str], notes: list[str]
) -> str:
    """The file's decimal separator: "," (decimal commas) or "." (a comma groups thousands).

    The cells the reader uses decide; if none of them does, the file's other numeric cells do.
    Decimal commas and decimal points among the cells used are refused, and so is a comma in a
    cell used when nothing decides (is "10,000" 10 or 10000?). Thousands commas are reported.
    """
    for cells, used_here in ((used, True), (others, False)):
        found: dict[str, tuple[Cell, str]] = {}
        for cell in cells:
            proof = _decimal_proof(cell[2])
            if proof is not None and proof[0] not in found:
                found[proof[0]] = (cell, proof[1])
                if len(found) == 2:
                    break
        if len(found) == 2 and used_here:
            (a, why_a), (b, why_b) = sorted(found.values())
            raise InvalidRecordError(
                f"{name}: line {a[0]}, {_column(a[1], header)} is {a[2]!r}, {why_a}, but line "
                f"{b[0]}, {_column(b[1], header)} is {b[2]!r}, {why_b}; export the numbers "
                "with one decimal separator"
            )
        if len(found) == 1:
            ((separator, (cell, why)),) = found.items()
            if separator == "." and any("," in c[2] for c in used):
                notes.append(
                    f"commas read as thousands separators (line {cell[0]} has {cell[2]!r}, {why})"
                )
            return separator
    unsure = next((c for c in used if "," in c[2]), None)
    if unsure is not None:
        line_no, j, text = unsure
        raise InvalidRecordError(
            f"{name}: line {line_no}, {_column(j, header)} is {text!r}: a decimal comma "
            f"({text.replace(',', '.')}) or a thousands separator ({text.replace(',', '')})? "
            "nothing in the file tells; export the numbers without thousands separators"
        )
    return "."


def _value(name: str, cell: Cell, separator: str, header: list[str]) -> float:
    """A cell's number, its commas read as the file's decimal separator decided."""
    line_no, j, text = cell
    if separator == ".":
        return float(text.replace(",", ""))
    if "." in text:
        raise InvalidRecordError(
            f"{name}: line {line_no}, {_column(j, header)} is {text!r}: a decimal point in a "
            "file written with decimal commas; is '.' a thousands separator? save the numbers "
            "without one"
        )
    return float(text.replace(",", "."))


def _unit_of(text: str) -> tuple[str, float, str] | None:
    """The unit a header or a units cell names: (quantity, prefix factor, as written).

    >>> _unit_of("Z' [KOhm]"), _unit_of("freq/Hz"), _unit_of("deg")
    (('impedance', 1000.0, 'KOhm'), ('frequency', 1.0, 'Hz'), None)
    """
    angular = _ANGULAR.search(text)
    if angular is not None:
        return "angular frequency", 1.0, angular.group(0)
    match = _UNIT_TEXT.search(text)
    if match is None:
        return None
    if match["base"].lower() == "hz":
        quantity = "frequency"
    else:
        quantity = "area-specific impedance" if match["area"] else "impedance"
    prefix = match["prefix"] or ""
    return quantity, _PREFIX[prefix], match.group(0).strip()


def _check_unit(
    name: str, line_no: int, j: int, header: list[str], units: list[str], quantity: str
) -> None:
    """Refuse a units row's cell that is no unit of the column's quantity or contradicts the
    unit in the column's header ("Z' (Ohm)" over "kOhm")."""
    unit = units[j] if j < len(units) else ""
    if not unit:
        return
    given = _unit_of(unit)
    if given is None or not given[0].endswith(quantity):
        raise InvalidRecordError(
            f"{name}: line {line_no}, {_column(j, header)} is {unit!r} in the units row, not a "
            f"unit of {quantity}"
        )
    stated = _unit_of(header[j]) if j < len(header) else None
    if stated is not None and stated[:2] != given[:2]:
        raise InvalidRecordError(
            f"{name}: line {line_no}, {_column(j, header)}: the units row says {unit!r} but the "
            f"header says {stated[2]!r}; correct one of them"
        )


def _delimiter_of(line: str) -> str | None:
    for delimiter in ("\t", ";", ","):
        if delimiter in line:
            return delimiter
    return None


def _is_units_row(fields: list[str]) -> bool:
    """Whether a line is a units row ("Hz, Ohm, Ohm"): every cell a unit or blank."""
    cells = [x.strip().strip('"').strip() for x in fields]
    return any(cells) and all(not x or _UNIT_CELL.match(x) for x in cells)


def _column(j: int, header_fields: list[str]) -> str:
    named = header_fields[j] if j < len(header_fields) else ""
    return f"column {j + 1} ({named})" if named else f"column {j + 1}"


def _bad_cell(
    name: str, line_no: int, cells: list[str], header_fields: list[str], commas: bool
) -> str | None:
    """The line's first empty or non-numeric cell, said in one line; None if all are numbers."""
    for j, cell in enumerate(cells):
        if not cell:
            return (
                f"{name}: line {line_no}, {_column(j, header_fields)} is empty; fill it in or "
                "delete the row"
            )
        if not _is_number(cell, commas):
            return (
                f"{name}: line {line_no} is not a row of numbers: {_column(j, header_fields)} "
                f"is {cell!r}"
            )
    return None


def _read_plain(name: str, text: str, notes: list[str]) -> Arrays:
    """A table with named columns (or 3 headerless ones); what was skipped goes to ``notes``."""
    lines = text.splitlines()
    first_data = None
    delimiter: str | None = None
    commas = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        delimiter = _delimiter_of(stripped)
        # With ";" or tabs between the cells, a comma in a cell belongs to a number.
        commas = delimiter in (";", "\t")
        if _is_numeric_row(_split(stripped, delimiter), commas):
            first_data = i
            break
    if first_data is None:
        raise InvalidRecordError(
            f"{name}: no rows of numbers found; is the file empty or only a header?"
        )

    # The header is the nearest line above the data whose names we recognise (a commented
    # header like "# freq,Re(Z),Im(Z)" counts); otherwise the file is headerless. A units row
    # ("Hz, Ohm, Ohm") is not a header.
    roles: dict[str, int] = {}
    header_fields: list[str] = []
    header_at = -1
    for k in range(first_data - 1, -1, -1):
        candidate = lines[k].strip().lstrip("#").strip()
        if not candidate:
            continue
        fields = _split(candidate, _delimiter_of(candidate) if delimiter is None else delimiter)
        if _is_units_row(fields):
            continue
        found: dict[str, int] = {}
        for j, field in enumerate(fields):
            role = _classify(field)
            if (
                role is not None
                and role not in found
                and not (role in ("im", "neg_im") and ("im" in found or "neg_im" in found))
            ):
                found[role] = j
        if "f" in found or len(found) >= 2:
            roles, header_fields, header_at = found, fields, k
            break

    # Each data line's cells as written (a trailing delimiter gives a last empty cell) and how
    # many hold a value before the trailing empty ones.
    body: list[tuple[int, list[str], int]] = []
    for i in range(first_data, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = stripped.split() if delimiter is None else stripped.split(delimiter)
        filled = len(_split(stripped, delimiter))
        if filled:  # a line of empty cells (",,,", a spreadsheet's formatted blank row) is blank
            body.append((i + 1, [c.strip() for c in cells], filled))
    width = Counter(filled for _, _, filled in body).most_common(1)[0][0]

    # Between the header (or the top of a headerless file) and the first row of numbers, a
    # units row may stand right under the header (right above headerless data). Any other
    # line there under a header, or one that looks like a data row in a headerless file, is a
    # data row with a bad cell and refused like one further down.
    units: list[str] = []
    units_line = 0
    between = [
        (k + 1, _split(lines[k].strip(), delimiter))
        for k in range(header_at + 1, first_data)
        if lines[k].strip() and not lines[k].strip().startswith("#")
    ]
    at = 0 if header_fields else -1
    if between and _is_units_row(between[at][1]):
        units_line, cells = between.pop(at)
        units = [x.strip().strip('"').strip() for x in cells]
        shown = ", ".join(unit or "-" for unit in units)
        notes.append(f"line {units_line} read as the columns' units ({shown}), not as data")
    for line_no, fields in between:
        looks_like_data = len(fields) == width and any(_is_number(x, commas) for x in fields)
        if header_fields or looks_like_data:
            problem = _bad_cell(name, line_no, fields, header_fields, commas)
            raise InvalidRecordError(problem or f"{name}: line {line_no} is not a row of numbers")

    checked: list[Cell] = []
    for line_no, cells, filled in body:
        if filled > width or len(cells) < width:  # an empty last cell is named below
            raise InvalidRecordError(
                f"{name}: line {line_no} has {filled} values but other rows have {width}; "
                "the file looks truncated or ragged"
            )
        cells = cells[:width]
        problem = _bad_cell(name, line_no, cells, header_fields, commas)
        if problem is not None:
            raise InvalidRecordError(problem)
        checked += [(line_no, j, cell) for j, cell in enumerate(cells)]
    # Whether commas are decimal commas or group thousands, the file's numbers decide (or it is
    # refused); a '.' in a file written with decimal commas is refused as a thousands point.
    separator = _decimal_separator(name, checked, [], header_fields, notes) if commas else "."
    values = [_value(name, cell, separator, header_fields) for cell in checked]
    data = np.array(values, dtype=float).reshape(len(body), width)

    def labelled(j: int, head: str) -> str:
        unit = units[j] if j < len(units) else ""
        return f"{head} [{unit}]" if unit else head

    if header_fields:
        missing = [
            label
            for label, ok in (
                ("frequency", "f" in roles),
                ("Re Z", "re" in roles),
                ("Im Z or -Im Z", "im" in roles or "neg_im" in roles),
            )
            if not ok
        ]
        if missing:
            raise InvalidRecordError(
                f"{name}: no {' and no '.join(missing)} column among {header_fields}; "
                "name the columns e.g. freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm"
            )
        im_key = "im" if "im" in roles else "neg_im"
        needed = max(roles["f"], roles["re"], roles[im_key])
        if data.shape[1] <= needed:
            raise InvalidRecordError(
                f"{name}: the header names {len(header_fields)} columns but rows have "
                f"{data.shape[1]} values"
            )
        f_col, re_col, im_col = (roles[k] for k in ("f", "re", im_key))
        for j, quantity in ((f_col, "frequency"), (re_col, "impedance"), (im_col, "impedance")):
            _check_unit(name, units_line, j, header_fields, units, quantity)
        f_head, re_head, im_head = (labelled(j, header_fields[j]) for j in (f_col, re_col, im_col))
        description = f"{f_head}, {re_head}, {im_head}"
    else:
        if data.shape[1] != 3:
            raise InvalidRecordError(
                f"{name}: no header and {data.shape[1]} columns; a headerless file must have "
                "exactly 3 columns (frequency, Re Z, Im Z) or a header naming them"
            )
        im_key, f_col, re_col, im_col = "im", 0, 1, 2
        for j, quantity in enumerate(("frequency", "impedance", "impedance")):
            _check_unit(name, units_line, j, [], units, quantity)
        f_head, re_head, im_head = (labelled(j, h) for j, h in enumerate(("f", "Re Z", "Im Z")))
        description = "no header: columns 1-3 read as frequency/Hz, Re Z/ohm, Im Z/ohm"
        if units:
            description = f"no header: columns 1-3 read as {f_head}, {re_head}, {im_head}"
    if "rad" in f_head.lower():
        raise InvalidRecordError(
            f"{name}: the column {f_head!r} is an angular frequency (rad/s); export the "
            "frequency in Hz"
        )
    for head in (re_head, im_head):
        if re.search(r"(ohm|Ω).*cm", head, re.IGNORECASE):
            raise InvalidRecordError(
                f"{name}: the column {head!r} is an area-specific impedance (ohm·cm²); export Z "
                "in ohm (the pellet's area is given with --area)"
            )
    f = data[:, f_col] * _scale(f_head, "frequency")
    re_z = data[:, re_col] * _scale(re_head, "impedance")
    im_z = data[:, im_col] * _scale(im_head, "impedance")
    if im_key == "neg_im":
        im_z = -im_z
        description += " (sign flipped)"
    return f, _complex(re_z, im_z), description


# --- instrument text formats -----------------------------------------------------------------


def _complex(re_z: NDArray[np.float64], im_z: NDArray[np.float64]) -> NDArray[np.complex128]:
    """Re + j Im without arithmetic (1j * inf would warn and give NaN in the real part)."""
    z = np.empty(np.shape(re_z), dtype=np.complex128)
    z.real = re_z
    z.imag = im_z
    return z


def _to_float(cell: str) -> float:
    """A number as instruments write it: decimal point or decimal comma, quotes around."""
    text = cell.strip().strip('"').strip()
    try:
        return float(text)
    except ValueError:
        return float(text.replace(",", "."))


def _table(
    name: str,
    fmt: str,
    header: list[str],
    rows: list[Row],
    wanted: Mapping[str, tuple[str, ...]],
    notes: list[str],
    *,
    commas: bool,
) -> dict[str, NDArray[np.float64]]:
    """Pick columns by name from split rows (``commas``: a comma may stand in a number).

    Every cell of the wanted columns must be a number (NaN and inf are, and their rows are
    dropped later): an empty or non-numeric one is refused, naming its line and column. Cells of
    the other columns are not read, only looked at to decide what a comma is.
    """
    labels = [h.strip().strip('"').strip() for h in header]
    normal = [h.lower().replace(" ", "") for h in labels]
    index: dict[str, int] = {}
    for role, names in wanted.items():
        for candidate in names:
            key = candidate.lower().replace(" ", "")
            if key in normal:
                index[role] = normal.index(key)
                break
        else:
            raise InvalidRecordError(
                f"{name}: not a readable {fmt} file (no column {names[0]!r} among "
                f"{[h.strip() for h in header if h.strip()][:12]})"
            )
    if not rows:
        raise InvalidRecordError(f"{name}: the {fmt} file has no data rows")
    used = sorted(set(index.values()))
    checked: list[Cell] = []
    others: list[Cell] = []
    for line_no, row in rows:
        cells = [c.strip().strip('"').strip() for c in row]
        for j in used:
            if j >= len(cells):
                raise InvalidRecordError(
                    f"{name}: line {line_no} ends before {_column(j, labels)} (it has "
                    f"{len(cells)} cells); is the file truncated? complete or delete the row"
                )
            if not cells[j]:
                raise InvalidRecordError(
                    f"{name}: line {line_no}, {_column(j, labels)} is empty; fill it in or "
                    "delete the row"
                )
            if not _is_number(cells[j], commas):
                raise InvalidRecordError(
                    f"{name}: line {line_no}, {_column(j, labels)} is {cells[j]!r}, not a "
                    "number; correct or delete the row"
                )
            checked.append((line_no, j, cells[j]))
        if commas:
            others += [
                (line_no, j, cell)
                for j, cell in enumerate(cells)
                if j not in index.values() and _is_number(cell, commas=True)
            ]
    separator = _decimal_separator(name, checked, others, labels, notes) if commas else "."
    values: dict[int, list[float]] = {j: [] for j in used}
    for cell in checked:
        values[cell[1]].append(_value(name, cell, separator, labels))
    return {role: np.array(values[j], dtype=float) for role, j in index.items()}


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _read_biologic_text(name: str, text: str, notes: list[str]) -> Arrays:
    lines = _lines(text)
    start = 0
    if lines and lines[0].startswith("EC-Lab ASCII FILE"):
        match = re.match(r"\s*Nb header lines\s*:\s*(\d+)", lines[1] if len(lines) > 1 else "")
        if match is None:
            raise InvalidRecordError(
                f"{name}: not a readable biologic file (line 2 should say 'Nb header lines : N')"
            )
        start = int(match.group(1))
        if not 2 <= start <= len(lines):
            raise InvalidRecordError(
                f"{name}: not a readable biologic file (it says {start} header lines but has "
                f"{len(lines)} lines)"
            )
    header_at = start - 1 if start else 0
    header = lines[header_at].split("\t")
    rows = [
        (k + 1, lines[k].split("\t")) for k in range(header_at + 1, len(lines)) if lines[k].strip()
    ]
    wanted = {"f": ("freq/Hz",), "re": ("Re(Z)/Ohm",), "neg_im": ("-Im(Z)/Ohm",)}
    columns = _table(name, "biologic", header, rows, wanted, notes, commas=True)
    _one_cycle(name, header, [cells for _, cells in rows])
    z = _complex(columns["re"], -columns["neg_im"])
    return columns["f"], z, "freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm (EC-Lab stores -Im Z)"


def _one_cycle(name: str, header: list[str], rows: list[list[str]]) -> None:
    """Refuse an EC-Lab file with several spectra (a loop over cycles): which one is meant?"""
    normal = [h.strip() for h in header]
    if "cycle number" not in normal:
        return
    j = normal.index("cycle number")
    cycles = set()
    for row in rows:
        try:
            cycles.add(_to_float(row[j]))
        except (IndexError, ValueError):
            continue
    if len(cycles) > 1:
        raise InvalidRecordError(
            f"{name}: the file holds {len(cycles)} spectra (cycle numbers "
            f"{min(cycles):g}–{max(cycles):g}); export one cycle per file in EC-Lab"
        )


def _read_biologic_binary(name: str, raw: bytes) -> Arrays:
    try:
        from galvani import BioLogic
    except ImportError as exc:
        raise MissingDependencyError(
            f"{name}: reading BioLogic .mpr files needs galvani; {_EIS_HINT}"
        ) from exc
    try:
        mpr = BioLogic.MPRfile(io.BytesIO(raw))
        data = mpr.data
        names = data.dtype.names or ()
    except (ValueError, AssertionError, OSError, NotImplementedError, KeyError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidRecordError(
            f"{name}: not a readable biologic .mpr file ({detail}); export it from EC-Lab as "
            "text (.mpt) instead"
        ) from None
    missing = [c for c in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm") if c not in names]
    if missing:
        raise InvalidRecordError(
            f"{name}: the .mpr file has no {missing[0]} column; is it an impedance (PEIS/GEIS) run?"
        )
    if "cycle number" in names and len(set(np.asarray(data["cycle number"]).tolist())) > 1:
        cycles = np.asarray(data["cycle number"])
        raise InvalidRecordError(
            f"{name}: the file holds {len(set(cycles.tolist()))} spectra (cycle numbers "
            f"{cycles.min():g}–{cycles.max():g}); export one cycle per file in EC-Lab"
        )
    f = np.asarray(data["freq/Hz"], dtype=float)
    z = _complex(np.asarray(data["Re(Z)/Ohm"], float), -np.asarray(data["-Im(Z)/Ohm"], float))
    return f, z, "binary .mpr read with galvani: freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm"


def _read_gamry(name: str, text: str, notes: list[str]) -> Arrays:
    lines = _lines(text)
    start = next((i for i, ln in enumerate(lines) if ln.split("\t")[0].strip() == "ZCURVE"), None)
    if start is None or start + 2 >= len(lines):
        raise InvalidRecordError(f"{name}: not a readable gamry file (no ZCURVE table)")
    header = lines[start + 1].split("\t")
    rows: list[Row] = []
    for k in range(start + 3, len(lines)):
        # Table rows start with a tab; the next tag (or EXPERIMENTABORTED) ends the table.
        if not lines[k].strip():
            continue
        if not lines[k][0].isspace():
            break
        rows.append((k + 1, lines[k].split("\t")))
    wanted = {"f": ("Freq",), "re": ("Zreal",), "im": ("Zimag",)}
    columns = _table(name, "gamry", header, rows, wanted, notes, commas=True)
    return columns["f"], _complex(columns["re"], columns["im"]), "Freq, Zreal, Zimag (ZCURVE table)"


def _split_rows(lines: list[str], first: int) -> tuple[list[Row], str | None]:
    """The non-blank lines from index ``first`` on, split at tabs if the first of them has one,
    else at commas if it has one, else at spaces; and the separator."""
    numbered = [(k + 1, lines[k].strip()) for k in range(first, len(lines)) if lines[k].strip()]
    head = numbered[0][1] if numbered else ""
    sep = "\t" if "\t" in head else ("," if "," in head else None)
    return [(n, line.split(sep)) for n, line in numbered], sep


def _header_names(line: str) -> list[str]:
    """Names of a header like ``"  Freq (Hz)    Ampl   Z'(a)"`` (space separated, quoted)."""
    text = line.strip().strip('"')
    text = re.sub(r"\s+\(", "(", text)  # "Freq (Hz)" is one name
    return text.split()


def _read_zplot(name: str, text: str, notes: list[str]) -> Arrays:
    lines = _lines(text)
    end = next((i for i, ln in enumerate(lines) if ln.strip() == "End Comments"), None)
    if end is not None:
        # ZPLOT2 ASCII: the tab-separated column names stand just above "End Comments".
        header = _header_names(lines[end - 1].replace("\t", " ")) if end > 0 else []
        first = end + 1
    else:
        at = next((i for i, ln in enumerate(lines) if "Freq" in ln and "Z'" in ln), None)
        if at is None:
            raise InvalidRecordError(
                f"{name}: not a readable zplot file (no 'End Comments' line and no column names)"
            )
        header = _header_names(lines[at])
        first = at + 1
    # Split at one separator only: a tab-separated file may write decimal commas.
    rows, sep = _split_rows(lines, first)
    wanted = {"f": ("Freq(Hz)",), "re": ("Z'(a)",), "im": ("Z''(b)",)}
    columns = _table(name, "zplot", header, rows, wanted, notes, commas=sep != ",")
    return columns["f"], _complex(columns["re"], columns["im"]), "Freq(Hz), Z'(a), Z''(b)"


def _read_autolab(name: str, text: str, notes: list[str]) -> Arrays:
    lines = _lines(text)
    at = next(
        (i for i, ln in enumerate(lines) if "Freq" in ln and "Z'(a)" in ln.replace(" ", "")),
        None,
    )
    if at is None:
        # A NOVA export: a table with named columns (Frequency (Hz), Z' (Ω), -Z'' (Ω)).
        f, z, description = _read_plain(name, text, notes)
        return f, z, "NOVA export: " + description
    header = _header_names(lines[at])
    rows = [(k + 1, lines[k].split(",")) for k in range(at + 1, len(lines)) if lines[k].strip()]
    wanted = {"f": ("Freq(Hz)",), "re": ("Z'(a)",), "im": ("Z''(b)",)}
    columns = _table(name, "autolab", header, rows, wanted, notes, commas=False)
    return columns["f"], _complex(columns["re"], columns["im"]), "Freq (Hz), Z'(a), Z''(b)"


def _read_chinstruments(name: str, text: str, notes: list[str]) -> Arrays:
    lines = _lines(text)
    at = next((i for i, ln in enumerate(lines) if ln.strip().startswith("Freq/Hz")), None)
    if at is None:
        raise InvalidRecordError(f"{name}: not a readable chinstruments file (no Freq/Hz line)")
    header = [h.strip() for h in lines[at].split(",")]
    rows = [(k + 1, lines[k].split(",")) for k in range(at + 1, len(lines)) if lines[k].strip()]
    wanted = {"f": ("Freq/Hz",), "re": ("Z'/ohm",), "im": ('Z"/ohm', "Z''/ohm")}
    columns = _table(name, "chinstruments", header, rows, wanted, notes, commas=False)
    return columns["f"], _complex(columns["re"], columns["im"]), "Freq/Hz, Z'/ohm, Z\"/ohm"


def _header_and_rows(text: str) -> tuple[list[str], list[Row]]:
    """A tab-separated table whose first non-blank line names the columns."""
    numbered = [(k + 1, line) for k, line in enumerate(_lines(text)) if line.strip()]
    header = numbered[0][1].split("\t") if numbered else []
    return header, [(n, line.split("\t")) for n, line in numbered[1:]]


def _read_parstat(name: str, text: str, notes: list[str]) -> Arrays:
    header, rows = _header_and_rows(text)
    wanted = {"f": ("Frequency (Hz)",), "re": ("Zre (ohms)",), "im": ("Zim (ohms)",)}
    columns = _table(name, "parstat", header, rows, wanted, notes, commas=True)
    return columns["f"], _complex(columns["re"], columns["im"]), "Frequency (Hz), Zre, Zim (ohms)"


def _read_versastudio(name: str, text: str, notes: list[str]) -> Arrays:
    lines = _lines(text)
    segments: list[tuple[list[str], list[Row]]] = []
    i = 0
    while i < len(lines):
        match = re.match(r"\s*<Segment(\d+)>", lines[i])
        if match is None:
            i += 1
            continue
        closing = f"</Segment{match.group(1)}>"
        header: list[str] = []
        rows: list[Row] = []
        i += 1
        while i < len(lines) and lines[i].strip() != closing:
            line = lines[i]
            if line.startswith("Definition="):
                header = [h.strip() for h in line.removeprefix("Definition=").split(",")]
            elif header and line.strip() and "=" not in line:
                rows.append((i + 1, line.split(",")))
            i += 1
        if header and rows:
            segments.append((header, rows))
    with_data = [s for s in segments if any("frequency(hz)" in h.lower() for h in s[0])]
    if not with_data:
        raise InvalidRecordError(f"{name}: not a readable versastudio file (no data segment)")
    if len(with_data) > 1:
        raise InvalidRecordError(
            f"{name}: the file holds {len(with_data)} impedance segments; export one per file"
        )
    header, rows = with_data[0]
    wanted = {"f": ("Frequency(Hz)",), "re": ("Z Real",), "im": ("Z Imag",)}
    columns = _table(name, "versastudio", header, rows, wanted, notes, commas=False)
    return columns["f"], _complex(columns["re"], columns["im"]), "Frequency(Hz), Z Real, Z Imag"


def _read_powersuite(name: str, text: str, notes: list[str]) -> Arrays:
    header, rows = _header_and_rows(text)
    wanted = {"f": ("Frequency",), "re": ("Zre",), "im": ("Zimg",)}
    columns = _table(name, "powersuite", header, rows, wanted, notes, commas=True)
    return columns["f"], _complex(columns["re"], columns["im"]), "Frequency, Zre, Zimg"


#: Every text reader takes the file's name, its text and a list that it appends its notes to
#: (what it noticed and did: a units row read, commas read as thousands separators).
_TEXT_READERS: dict[str, Callable[[str, str, list[str]], Arrays]] = {
    "csv": _read_plain,
    "biologic": _read_biologic_text,
    "gamry": _read_gamry,
    "zplot": _read_zplot,
    "autolab": _read_autolab,
    "chinstruments": _read_chinstruments,
    "parstat": _read_parstat,
    "versastudio": _read_versastudio,
    "powersuite": _read_powersuite,
}

_MPR_MAGIC = b"BIO-LOGIC MODULAR FILE"


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, e.g. Excel's "Unicode text"
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # EC-Lab and older Windows software write Latin-1


def detect_format(raw: bytes) -> str:
    """The format of a spectrum file, from its content (see the module docstring).

    >>> detect_format(b"EC-Lab ASCII FILE\\nNb header lines : 3\\n")
    'biologic'
    >>> detect_format(b"freq,Re(Z),Im(Z)\\n1,2,3\\n")
    'csv'
    """
    if raw.startswith(_MPR_MAGIC):
        return "biologic"
    text = _decode(raw[:200_000])
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first = lines[0].strip().strip("\ufeff") if lines else ""
    head = "\n".join(lines[:80])
    if first.startswith("EC-Lab ASCII FILE"):
        return "biologic"
    if first.startswith("freq/Hz\t") and "Re(Z)/Ohm" in first and "-Im(Z)/Ohm" in first:
        return "biologic"  # EC-Lab's export without its header block
    if first == "EXPLAIN" or re.search(r"^ZCURVE\tTABLE", text, re.MULTILINE):
        return "gamry"
    if first.startswith("ZPLOT2 ASCII") or "ZPlotW Data File" in first:
        return "zplot"
    if "Z60W Data File" in first:
        return "autolab"
    if re.search(r"^\s*<Segment\d+>", text, re.MULTILINE) and "Definition=" in text:
        return "versastudio"
    if "A.C. Impedance" in head or re.search(r"^Freq/Hz,\s*Z'/ohm", text, re.MULTILINE):
        return "chinstruments"
    if "Zre (ohms)" in first and "Zim (ohms)" in first and "Frequency (Hz)" in first:
        return "parstat"
    if re.match(r"^Frequency\t\s*Zre\t\s*Zimg\s*$", first):
        return "powersuite"
    if re.match(r"^Index[;,\t]", first) and "Frequency (Hz)" in first and "Z'" in first:
        return "autolab"  # NOVA's ASCII export
    return "csv"


def _normal_format(fmt: str | None) -> str:
    if fmt is None:
        return "auto"
    key = fmt.lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key != "auto" and key not in FORMATS:
        raise InvalidRecordError(f"unknown format {fmt!r}; use auto or one of {', '.join(FORMATS)}")
    return key


def _drop_unusable(
    name: str, f: NDArray[np.float64], z: NDArray[np.complex128]
) -> tuple[NDArray[np.bool_], str | None]:
    """Which rows are points of the spectrum, and a note on the dropped ones."""
    finite = np.isfinite(f) & np.isfinite(z.real) & np.isfinite(z.imag)
    positive = finite & (f > 0)
    non_finite = int(np.sum(~finite))
    non_positive = int(np.sum(finite & ~positive))
    if not positive.any():
        what = []
        if non_finite:
            what.append(f"{non_finite} with a missing or non-finite value (NaN, inf)")
        if non_positive:
            what.append(f"{non_positive} with a frequency of 0 Hz or below")
        raise InvalidRecordError(
            f"{name}: no usable rows: {' and '.join(what)}; is this an impedance spectrum?"
        )
    parts = []
    if non_positive:
        parts.append(f"{non_positive} with f <= 0 Hz")
    if non_finite:
        rows = np.flatnonzero(~finite)[:5] + 1
        parts.append(
            f"{non_finite} with a missing or non-finite value (data row "
            f"{', '.join(map(str, rows))}{'…' if non_finite > 5 else ''})"
        )
    note = f"dropped {non_finite + non_positive} rows: {'; '.join(parts)}" if parts else None
    return positive, note


def _one_sweep(name: str, f: NDArray[np.float64], keep: NDArray[np.bool_]) -> str | None:
    """Refuse frequencies that turn back (two sweeps in one file); a note on repeated ones."""
    rows = np.flatnonzero(keep)
    kept = f[rows]
    step = np.sign(np.diff(kept))
    moving = step[step != 0]
    if moving.size and (moving != moving[0]).any():
        k = int(np.flatnonzero(step == -moving[0])[0]) + 1
        way = "down" if moving[0] < 0 else "up"
        raise InvalidRecordError(
            f"{name}: the frequencies go {way} and turn back at data row {rows[k] + 1} "
            f"({kept[k]:g} Hz after {kept[k - 1]:g} Hz): two sweeps in one file? export one "
            "spectrum per file"
        )
    twice = np.flatnonzero(step == 0)
    if not twice.size:
        return None
    i = int(twice[0])
    first = f"{kept[i]:g} Hz measured twice (data rows {rows[i] + 1} and {rows[i + 1] + 1})"
    if twice.size > 1:
        first = f"{twice.size} frequencies measured twice, the first {first}"
    return f"{first}: both points kept"


def read_spectrum_bytes(name: str, raw: bytes, *, fmt: str | None = "auto") -> Spectrum:
    """Read a spectrum from the bytes of a file called ``name`` (see :func:`read_spectrum`)."""
    if not raw.strip():
        raise InvalidRecordError(f"{name}: the file is empty")
    wanted = _normal_format(fmt)
    detected = detect_format(raw)
    chosen = detected if wanted == "auto" else wanted
    how = "detected from content" if wanted == "auto" else "as asked"
    notes: list[str] = []  # what the reader skipped or assumed, printed with the spectrum
    if raw.startswith(_MPR_MAGIC):
        if chosen != "biologic":
            raise InvalidRecordError(
                f"{name}: this is a binary BioLogic .mpr file, not {chosen}; use --format "
                "biologic or auto"
            )
        f, z, description = _read_biologic_binary(name, raw)
        text = ""
    else:
        text = _decode(raw)
        try:
            f, z, description = _TEXT_READERS[chosen](name, text, notes)
        except InvalidRecordError as exc:
            if wanted != "auto" and detected != chosen:
                raise InvalidRecordError(
                    f"{exc} (the content looks like {detected}: try --format {detected} or auto)"
                ) from None
            raise
    keep, note = _drop_unusable(name, f, z)
    repeated = _one_sweep(name, f, keep)
    notes += [n for n in (note, repeated) if n]
    f, z = f[keep], z[keep]
    temperature_k = _table_temperature(name, text) if chosen == "csv" else None
    if temperature_k is not None:
        description += f"; temperature column: {temperature_k - 273.15:.1f} °C"
    if chosen == "csv" and np.mean(z.imag > 0) > 0.5:
        # A plain table's header may call -Im Z "Im Z"; instrument formats state the sign.
        z = z.conj()
        description += "; Im Z mostly positive, read as -Im Z (sign flipped)"
    spectrum = Spectrum(
        frequency_hz=f,
        z_real_ohm=z.real,
        z_imag_ohm=z.imag,
        source=name,
        columns=f"{chosen} ({how}): {description}",
        sha256=hashlib.sha256(raw).hexdigest(),
        temperature_k=temperature_k,
        fmt=chosen,
        notes=tuple(notes),
    )
    check_values(name, spectrum)
    return spectrum


def read_spectrum(path: str | Path, *, fmt: str | None = "auto") -> Spectrum:
    """Read an impedance spectrum from a file, its format detected from its content.

    Plain CSV/TSV/TXT tables need a header naming frequency, Re Z and Im Z or -Im Z (BioLogic,
    Gamry, ZView and spreadsheet spellings are recognised, as are kOhm/kHz scales), or exactly
    three headerless columns frequency, Re Z, Im Z. Instrument files are read in their own
    layout (module docstring); BioLogic's binary .mpr needs galvani (``matdoe[eis]``).

    Rows with a frequency of 0 Hz or below, or with a NaN or inf value, are dropped and listed
    in ``notes``, as are a units row under a plain table's header (its units are used; one that
    contradicts the header is refused), a frequency measured twice in a row and commas read as
    thousands separators. An empty or non-numeric cell is refused (line and column named): in
    a plain table in any column, in an instrument's file in the columns read. With ";" or tabs
    between cells, whether a comma is a decimal comma or a thousands separator is decided by
    the file's numbers ("123,4" or "1,0E+05" prove decimal commas, "1,234.5" or "1,000,000"
    thousands separators) and a file that does not decide it is refused, as is a cell with a
    "." in a file written with decimal commas (a thousands separator would read 100.000 Hz as
    100 Hz). Columns in ohm·cm² or rad/s are refused, not read as ohm or Hz; UTF-8 (with or
    without BOM), UTF-16 with BOM and Latin-1 files are read. In a plain table whose imaginary
    part comes out positive for most points the column was almost certainly -Im Z under another
    name: the sign is flipped and ``columns`` says so.

    Args:
        path: The file.
        fmt: ``"auto"`` (default: from the content) or one of :data:`FORMATS`.

    Returns:
        The spectrum, with the file name, the format and columns read, and the SHA-256 of the
        file bytes.

    Raises:
        InvalidRecordError: The file is missing, empty, truncated or ragged, has an empty or
            non-numeric cell, a comma that may be a decimal or a thousands separator, a units
            row contradicting its header, lacks a column, holds two sweeps, has fewer than 10
            usable points, or is not in the format asked for.
        MissingDependencyError: A .mpr file without galvani.
    """
    path = Path(path)
    _normal_format(fmt)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidRecordError(f"{path}: cannot read the file ({exc.strerror})") from exc
    return read_spectrum_bytes(path.name, raw, fmt=fmt)


# --- temperatures ----------------------------------------------------------------------------


_TEMPERATURE_HEADER = re.compile(
    r"^(?P<name>temp(?:erature)?|t)\s*(?:[/(\[]\s*(?P<unit>°?\s*c|deg\s*c|k)\s*[)\]]?)?$",
    re.IGNORECASE,
)


def _table_temperature(name: str, text: str) -> float | None:
    r"""The temperature (K) in a column named like "T/°C", "Temperature (K)" or "temp", if any.

    A bare "T" counts only with a unit (it may be time); a temperature column without a unit is
    read in °C.

    >>> _table_temperature("x.csv", "freq,re,im,T/°C\n1e6,1,-1,60\n1e5,2,-2,60.2\n")
    333.25
    """
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    for index, line in enumerate(lines):
        fields = _split(line, _delimiter_of(line))
        if _is_numeric_row(fields):
            return None  # reached the data without a header naming a temperature
        for column, field in enumerate(fields):
            match = _TEMPERATURE_HEADER.match(field.strip().strip('"'))
            if match is None or (match["name"].lower() == "t" and not match["unit"]):
                continue
            kelvin = (match["unit"] or "c").replace("°", "").replace(" ", "").lower() == "k"
            values = []
            for row in lines[index + 1 :]:
                cells = _split(row, _delimiter_of(row))
                if column < len(cells) and _NUMBER.match(cells[column].replace(",", ".")):
                    values.append(float(cells[column].replace(",", ".")))
            if not values:
                return None
            spread = max(values) - min(values)
            if spread > 2.0:
                raise InvalidRecordError(
                    f"{name}: the temperature column {field!r} varies by {spread:.1f} K; "
                    "give one spectrum per temperature"
                )
            median = float(np.median(values))
            return median if kelvin else median + 273.15
    return None


_FILENAME_TEMPERATURE = re.compile(
    # A sign counts only after a separator ("S1_-20C"), not inside a word ("run-333K").
    r"(?:(?<=^)|(?<=[\s_(\[-]))(?P<sign>[-−]?)(?P<number>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>°\s*C|deg\s*C|degC|C|c|K)(?![A-Za-z0-9])"
)


def temperature_from_filename(name: str) -> float | None:
    """Temperature (K) written in a file name, or ``None`` if there is none (or two differ).

    Recognises a number followed by C, °C, degC or K, standing apart from other digits and
    letters: ``S12_60C.csv``, ``run-333K.mpt``, ``x_25degC``, ``pellet 40.5 °C.txt``,
    ``neg_-20C.csv`` (a minus sign right after a separator is the sign). The unit is in the
    name, so the number is read with it by :func:`matdoe.units.parse`; whether the
    temperature is plausible is the caller's check (:mod:`matdoe.plausibility`).

    Raises:
        InvalidRecordError: The name's temperature is at or below absolute zero.

    >>> temperature_from_filename("run-333K.mpt")
    333.0
    >>> temperature_from_filename("x_25degC") is None, temperature_from_filename("S12.csv") is None
    (False, True)
    """
    from matdoe import units

    stem = Path(name).name
    found = set()
    for match in _FILENAME_TEMPERATURE.finditer(stem):
        sign = "-" if match["sign"] else ""
        unit = match["unit"].replace(" ", "")
        spelled = f"{sign}{match['number']}{'K' if unit == 'K' else 'degC'}"
        kelvin = units.parse(spelled, "temperature", name=f"{stem}: temperature in the name")
        found.add(round(kelvin, 6))
    if len(found) != 1:
        return None
    return found.pop()
