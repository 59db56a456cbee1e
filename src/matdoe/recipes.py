"""Recipe tables read from files, and proposal limits from a person's flags.

:func:`read_recipes` reads a CSV/JSON/YAML table of recipes (the campaign's parameter columns,
e.g. ``silica``, ``vol_pct``, ``milling_h``) for ``matdoe model predict --recipes`` and
``matdoe suggest --candidates``; :func:`parse_limits` turns the generic ``--set NAME=low:high``
and ``--only NAME=a,b`` into the limits of :meth:`matdoe.space.SearchSpace.restrict`, and
:func:`proposal_limits` the shorthands ``--silica A200,A380 --max-milling 8h`` (the parameters
that set the scaffold, its vol% and the milling time). Short material names ("A200") of a host
or scaffold parameter are resolved through the material catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

    from matdoe.space import SearchSpace

__all__ = [
    "TEMPERATURE_COLUMNS",
    "material_name",
    "parse_limits",
    "parse_number",
    "parse_range",
    "parse_values",
    "proposal_limits",
    "read_recipes",
]

#: The unit kind of the sample fields whose values may be typed with a unit ("90min").
_FIELD_KINDS = {"milling_h": ("time", "hour"), "batch_mg": ("mass", "mg")}


def material_name(session: Session | None, name: str, kind: str = "scaffold") -> str:
    """A catalogued material's full name from what a person typed ("A200" → "SiO2-A200")."""
    if session is None:
        return name
    from matdoe.db.store import find_material

    return find_material(session, name.strip(), kind=kind).name


#: Temperature columns of a recipes table (:func:`read_recipes` with ``temperature=True`` and
#: the unit a bare number in each is in; a plain ``temperature`` needs the unit in every cell).
TEMPERATURE_COLUMNS = {"temperature_c": "degC", "temperature_k": "kelvin", "temperature": None}


def read_recipes(
    path: Path,
    space: SearchSpace,
    *,
    session: Session | None = None,
    fields: Mapping[str, str] | None = None,
    temperature: bool = False,
) -> pd.DataFrame:
    """A table of recipes from a file, numbered from 1 (the row number a person sees).

    Args:
        path: CSV, JSON or YAML (a list of rows, or ``{"candidates": [...]}``).
        space: The space whose parameter columns the file must have.
        session: When given, material names are resolved through the catalogue ("A200").
        fields: Parameter → sample field (a campaign's); materials are the parameters of the
            host and scaffold fields (default: every categorical is a scaffold).
        temperature: Also accept one of :data:`TEMPERATURE_COLUMNS`, the temperature of each
            recipe's prediction; it comes back as ``temperature_c`` (°C), each value inside
            the range of a conductivity measurement (:mod:`matdoe.plausibility`).

    Raises:
        InvalidRecordError: an empty file, a missing or an unknown column, a value that is not
            a number, a temperature without its unit or outside a measurement's range.
    """
    import pandas as pd

    from matdoe.tables import file_format, read_csv_rows, read_structured

    if file_format(path) == "csv":
        frame = pd.DataFrame(read_csv_rows(path))
    else:
        data = read_structured(path)
        if isinstance(data, dict):
            data = data.get("candidates", data.get("recipes", data))
        frame = pd.DataFrame(data)
    if frame.empty:
        raise InvalidRecordError(f"{path.name}: the file holds no recipes")
    missing = [c for c in space.parameter_names if c not in frame.columns]
    if missing:
        raise InvalidRecordError(
            f"{path.name}: missing column {missing[0]!r} (need {', '.join(space.parameter_names)})"
        )
    accepted = [*space.parameter_names, *(TEMPERATURE_COLUMNS if temperature else ())]
    unknown = [str(c) for c in frame.columns if c not in accepted]
    if unknown:
        raise InvalidRecordError(
            f"{path.name}: unknown column(s) {', '.join(map(repr, unknown))}; the columns are "
            f"{', '.join(accepted)}"
        )
    frame.index = range(1, len(frame) + 1)
    out = list(space.parameter_names)
    given = [c for c in TEMPERATURE_COLUMNS if c in frame.columns]
    if len(given) > 1:
        raise InvalidRecordError(
            f"{path.name}: the temperature is given twice ({' and '.join(given)}); keep one column"
        )
    if given:
        frame["temperature_c"] = _temperatures(frame[given[0]], given[0], path.name)
        out.append("temperature_c")
    for p in space.parameters:
        if p.numeric:
            values = pd.to_numeric(frame[p.name], errors="coerce")
            bad = values.isna()
            if bad.any():
                row = frame.index[int(bad.to_numpy().argmax())]
                raise InvalidRecordError(
                    f"{path.name}, row {row}: {p.name} {frame[p.name][row]!r} is not a number"
                )
            frame[p.name] = values.astype(float)
        else:
            kind = (fields or {}).get(p.name, "scaffold")
            if kind in ("host", "scaffold"):
                frame[p.name] = [material_name(session, str(v), kind) for v in frame[p.name]]
            else:
                frame[p.name] = [str(v).strip() for v in frame[p.name]]
    return frame[out]


def _temperatures(column: pd.Series, name: str, where: str) -> list[float]:
    """A recipes table's temperature column in °C (see :data:`TEMPERATURE_COLUMNS`)."""
    import math

    from matdoe import units
    from matdoe.plausibility import refuse_implausible

    out = []
    for row, value in column.items():
        label = f"{where}, row {row}: {name}"
        blank = value is None or (isinstance(value, float) and math.isnan(value))
        if blank or (isinstance(value, str) and not value.strip()):
            raise InvalidRecordError(f"{label} is empty; give every recipe its temperature")
        kelvin = units.parse(value, "temperature", name=label, bare_unit=TEMPERATURE_COLUMNS[name])
        refuse_implausible("temperature_k", kelvin, where=f"{label} {value}")
        out.append(kelvin - 273.15)
    return out


def parse_number(text: str, field: str | None, where: str) -> float | None:
    """A number a person typed for sample field ``field`` (a time may carry a unit); blank: None.

    >>> parse_number("90min", "milling_h", "--set"), parse_number("35%", "scaffold_vol_pct", "")
    (1.5, 35.0)
    """
    import math

    from matdoe import units

    text = text.strip().removesuffix("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        kind = _FIELD_KINDS.get(field or "")
        if kind is None:
            raise InvalidRecordError(f"{where}: {text!r} is not a number") from None
        value = units.parse(text, kind[0], name=where)
    if not math.isfinite(value):
        raise InvalidRecordError(f"{where}: {text!r} is not a finite number")
    return value


def parse_range(
    text: str, *, field: str | None = None, where: str = "--set"
) -> tuple[float | None, float | None]:
    """``"low:high"`` (either end may be empty) as numbers; a time may carry a unit.

    Example:
        >>> parse_range("5:40"), parse_range(":90min", field="milling_h")
        ((5.0, 40.0), (None, 1.5))
    """
    low, sep, high = text.partition(":")
    if not sep:
        raise InvalidRecordError(f"{where} {text!r}: write the range as low:high (e.g. 5:40)")
    out = (parse_number(low, field, where), parse_number(high, field, where))
    if out == (None, None):
        raise InvalidRecordError(f"{where} {text!r}: give a low end, a high end, or both")
    if out[0] is not None and out[1] is not None and out[0] > out[1]:
        raise InvalidRecordError(f"{where} {text!r}: low {out[0]:g} is above high {out[1]:g}")
    return out


def parse_values(text: str, *, where: str = "--only") -> list[str]:
    """``"a,b"`` as a list of names (blanks dropped; at least one)."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise InvalidRecordError(f"{where} {text!r}: name at least one value, e.g. A200,A380")
    return values


def _assignment(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise InvalidRecordError(f"{option} {item!r}: write it as NAME=...")
    return name.strip(), value.strip()


def parse_limits(
    session: Session | None,
    space: SearchSpace,
    *,
    ranges: Sequence[str] = (),
    only: Sequence[str] = (),
    fields: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Limits for :meth:`SearchSpace.restrict` from ``--set NAME=low:high`` and ``--only NAME=a,b``.

    Args:
        session: Resolves short material names of host and scaffold parameters (None: as typed).
        space: The campaign's space (names are checked against it).
        ranges: ``NAME=low:high`` items for numeric parameters.
        only: ``NAME=a,b`` items for categorical parameters.
        fields: Parameter → sample field (for units and materials).

    Example:
        >>> from matdoe.space import Categorical, Float, SearchSpace
        >>> s = SearchSpace([Categorical("oxide", ["MgO", "ZrO2"]), Float("rpm", 200, 600)])
        >>> parse_limits(None, s, ranges=["rpm=300:"], only=["oxide=ZrO2"])
        {'rpm': (300.0, None), 'oxide': ['ZrO2']}
    """
    fields = dict(fields or {})
    limits: dict[str, Any] = {}
    for option, items in (("--set", ranges), ("--only", only)):
        for item in items:
            name, value = _assignment(item, option)
            if name not in space.parameter_names:
                raise InvalidRecordError(
                    f"{option} {item!r}: no parameter {name!r}; the campaign has "
                    f"{', '.join(space.parameter_names)}"
                )
            if name in limits:
                raise InvalidRecordError(f"{option}: parameter {name!r} is limited twice")
            numeric = space[name].numeric
            if option == "--set" and not numeric:
                raise InvalidRecordError(
                    f"--set {item!r}: {name!r} is categorical; use --only {name}=a,b"
                )
            if option == "--only" and numeric:
                raise InvalidRecordError(
                    f"--only {item!r}: {name!r} is a number; use --set {name}=low:high"
                )
            if numeric:
                limits[name] = parse_range(value, field=fields.get(name), where=f"--set {name}")
            else:
                kind = fields.get(name)
                values = parse_values(value, where=f"--only {name}")
                if kind in ("host", "scaffold"):
                    values = [material_name(session, v, kind) for v in values]
                limits[name] = values
    return limits


_DEFAULT_FIELDS = {"silica": "scaffold", "vol_pct": "scaffold_vol_pct", "milling_h": "milling_h"}


def _parameter_of(fields: Mapping[str, str], field: str, option: str) -> str:
    for name, f in fields.items():
        if f == field:
            return name
    raise InvalidRecordError(
        f"{option}: this campaign has no parameter that sets {field}; limit its parameters "
        f"({', '.join(fields)}) with --set NAME=low:high or --only NAME=a,b"
    )


def proposal_limits(
    session: Session | None,
    *,
    silica: str | None = None,
    min_vol: float | None = None,
    max_vol: float | None = None,
    max_milling_h: float | None = None,
    fields: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Limits for :meth:`SearchSpace.restrict` from the shorthand flags of ``matdoe suggest``.

    ``--silica`` limits the parameter that sets the scaffold, ``--min-vol``/``--max-vol`` the
    one that sets its vol%, ``--max-milling`` the milling time (``fields``: parameter → sample
    field of the campaign; default: the default campaign's).

    Example:
        >>> proposal_limits(None, silica="SiO2-A200, SiO2-A380", max_milling_h=8.0)
        {'silica': ['SiO2-A200', 'SiO2-A380'], 'milling_h': (None, 8.0)}
    """
    fields = dict(fields or _DEFAULT_FIELDS)
    limits: dict[str, Any] = {}
    if silica is not None:
        name = _parameter_of(fields, "scaffold", "--silica")
        limits[name] = [material_name(session, s) for s in parse_values(silica, where="--silica")]
    if min_vol is not None or max_vol is not None:
        if min_vol is not None and max_vol is not None and min_vol > max_vol:
            raise InvalidRecordError(f"--min-vol {min_vol:g} is above --max-vol {max_vol:g}")
        limits[_parameter_of(fields, "scaffold_vol_pct", "--min-vol/--max-vol")] = (
            min_vol,
            max_vol,
        )
    if max_milling_h is not None:
        limits[_parameter_of(fields, "milling_h", "--max-milling")] = (None, max_milling_h)
    return limits
