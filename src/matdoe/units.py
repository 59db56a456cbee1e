"""Quantities with units at the edges, one canonical unit inside.

Users type "60 C", "333.15 K", "1.4 mS/cm", "320 um", "0.785 cm2" or "4 h". Inside matdoe every
quantity is a plain float in one canonical unit, and the variable names say which
(``temperature_k``, ``sigma_s_cm``, ``thickness_cm``, ``area_cm2``, ``milling_h``, ``ea_ev``).

pint does the conversions; it is imported on first use so that importing this module stays cheap.

>>> parse("60 C", "temperature")
333.15
>>> round(parse("320 um", "length"), 6)
0.032
>>> parse(4, "time")
4.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from matdoe.errors import InvalidRecordError

__all__ = ["KINDS", "Kind", "format_quantity", "parse", "parse_optional"]


@dataclass(frozen=True)
class Kind:
    """A physical quantity: its canonical unit, the pint dimensionality, and an example."""

    name: str
    canonical: str
    example: str
    positive: bool = False


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("temperature", "kelvin", "60 C or 333.15 K", positive=True),
        Kind("conductivity", "siemens / centimeter", "1.4 mS/cm"),
        Kind("length", "centimeter", "320 um", positive=True),
        Kind("area", "centimeter ** 2", "0.785 cm2", positive=True),
        Kind("resistance", "ohm", "850 ohm or 1.2 kohm", positive=True),
        Kind("time", "hour", "4 h or 90 min"),
        Kind("energy", "electron_volt", "0.38 eV"),
        Kind("mass", "milligram", "500 mg"),
        Kind("density", "gram / centimeter ** 3", "2.2 g/cm3", positive=True),
        Kind("pressure", "megapascal", "187 MPa"),
        Kind("voltage", "volt", "3.9 V"),
        Kind("current_density", "milliampere / centimeter ** 2", "0.3 mA/cm2"),
        Kind("specific_capacity", "milliampere * hour / gram", "171 mAh/g"),
    )
}

# Temperature words pint would misread ("C" is the coulomb to pint).
_TEMPERATURE_UNITS = {
    "c": "degC",
    "°c": "degC",
    "degc": "degC",
    "celsius": "degC",
    "k": "kelvin",
    "kelvin": "kelvin",
    "f": "degF",
    "°f": "degF",
    "degf": "degF",
}
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
# "cm2" -> "cm**2", "mm^2" -> "mm**2"; pint does not read a bare trailing exponent.
_BARE_EXPONENT = re.compile(r"([A-Za-zµμΩ])\^?([23])\b")


# The units people type most, converted without pint: building pint's registry costs about half
# a second, more than the rest of `matdoe sample add`. Anything else goes through pint.
# kind -> unit text (after _unit_text) -> (factor, offset): canonical = value * factor + offset.
_FAST: dict[str, dict[str, tuple[float, float]]] = {
    "temperature": {"degC": (1.0, 273.15), "kelvin": (1.0, 0.0)},
    "length": {
        "nm": (1e-7, 0.0),
        "um": (1e-4, 0.0),
        "mm": (0.1, 0.0),
        "cm": (1.0, 0.0),
        "m": (100.0, 0.0),
    },
    "area": {"mm**2": (0.01, 0.0), "cm**2": (1.0, 0.0), "m**2": (1e4, 0.0)},
    "resistance": {"ohm": (1.0, 0.0), "kohm": (1e3, 0.0), "Mohm": (1e6, 0.0), "mohm": (1e-3, 0.0)},
    "conductivity": {
        "S/cm": (1.0, 0.0),
        "mS/cm": (1e-3, 0.0),
        "uS/cm": (1e-6, 0.0),
        "S/m": (0.01, 0.0),
        "mS/m": (1e-5, 0.0),
    },
    "time": {
        "h": (1.0, 0.0),
        "hr": (1.0, 0.0),
        "hour": (1.0, 0.0),
        "hours": (1.0, 0.0),
        "min": (1 / 60, 0.0),
        "s": (1 / 3600, 0.0),
        "d": (24.0, 0.0),
    },
    "mass": {"ug": (1e-3, 0.0), "mg": (1.0, 0.0), "g": (1e3, 0.0), "kg": (1e6, 0.0)},
    "density": {"g/cm**3": (1.0, 0.0), "g/mL": (1.0, 0.0), "kg/m**3": (1e-3, 0.0)},
    "pressure": {"kPa": (1e-3, 0.0), "MPa": (1.0, 0.0), "GPa": (1e3, 0.0), "bar": (0.1, 0.0)},
    "energy": {"eV": (1.0, 0.0), "meV": (1e-3, 0.0)},
    "voltage": {"V": (1.0, 0.0), "mV": (1e-3, 0.0)},
    "current_density": {"mA/cm**2": (1.0, 0.0), "uA/cm**2": (1e-3, 0.0), "A/cm**2": (1e3, 0.0)},
}


@cache
def _registry() -> Any:
    import pint

    ureg: Any = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    return ureg


def _unit_text(unit: str) -> str:
    unit = unit.strip().replace("Ω", "ohm").replace("μ", "u").replace("µ", "u")
    unit = unit.replace("²", "**2").replace("³", "**3")
    return _BARE_EXPONENT.sub(r"\1**\2", unit)


def parse(
    value: Any, kind: str, *, name: str | None = None, default_unit: str | None = None
) -> float:
    """Turn a user's quantity into a float in the canonical unit of ``kind``.

    Args:
        value: A string with a number and a unit ("60 C"), or a bare number. A bare number is
            read in ``default_unit`` when given, else in the canonical unit.
        kind: A key of :data:`KINDS` ("temperature", "length", "conductivity", ...).
        name: What the value is, for the error message (defaults to the kind).
        default_unit: Unit for bare numbers, e.g. "degC" for a temperature typed as "60".

    Returns:
        The value in the canonical unit (K, S/cm, cm, cm², ohm, h, eV, mg, MPa, V, mA/cm²).

    Raises:
        InvalidRecordError: unparseable text, an unknown unit, the wrong dimension, a value
            that is not finite, or a non-positive value where only positive ones make sense.

    >>> parse("1.4 mS/cm", "conductivity")
    0.0014
    >>> parse("60", "temperature", default_unit="degC")
    333.15
    """
    spec = KINDS[kind]
    label = name or kind
    if isinstance(value, bool):
        raise InvalidRecordError(
            f"{label}: expected a quantity like '{spec.example}', got {value!r}"
        )
    if isinstance(value, int | float):
        number, unit = float(value), default_unit or spec.canonical
    else:
        text = str(value).strip()
        match = _NUMBER_UNIT.match(text)
        if not text or match is None:
            raise InvalidRecordError(
                f"{label}: cannot read {text!r} as a quantity; write it like '{spec.example}'"
            )
        number = float(match.group(1))
        unit = match.group(2) or default_unit or spec.canonical
    if not math.isfinite(number):
        raise InvalidRecordError(f"{label}: {value!r} is not a finite number")
    if unit == spec.canonical:
        # Already canonical: skip pint (imports of 100,000 rows go through here).
        if spec.positive and number <= 0:
            what = "at or below absolute zero (0 K)" if kind == "temperature" else "not positive"
            raise InvalidRecordError(f"{label}: {value!r} is {what}")
        return number
    if kind == "temperature":
        unit = _TEMPERATURE_UNITS.get(unit.strip().lower(), unit)
    unit = _unit_text(unit)
    fast = _FAST.get(kind, {}).get(unit)
    if fast is not None:
        result = number * fast[0] + fast[1]
        if kind == "temperature" and result <= 0:
            raise InvalidRecordError(f"{label}: {value!r} is at or below absolute zero (0 K)")
        if spec.positive and result <= 0:
            raise InvalidRecordError(f"{label}: must be positive, got {value!r}")
        return result
    ureg = _registry()
    try:
        quantity = ureg.Quantity(number, unit)
        result = float(quantity.to(spec.canonical).magnitude)
    except Exception as exc:  # pint raises several unrelated types for bad units
        raise InvalidRecordError(
            f"{label}: {value!r} is not a {kind.replace('_', ' ')}; write it like '{spec.example}'"
        ) from exc
    if kind == "temperature" and result <= 0:
        raise InvalidRecordError(f"{label}: {value!r} is at or below absolute zero (0 K)")
    if spec.positive and result <= 0:
        raise InvalidRecordError(f"{label}: must be positive, got {value!r}")
    return result


def parse_optional(
    value: Any, kind: str, *, name: str | None = None, default_unit: str | None = None
) -> float | None:
    """Like :func:`parse`, but ``None`` and empty strings give ``None``.

    >>> parse_optional("", "mass") is None
    True
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return parse(value, kind, name=name, default_unit=default_unit)


def format_quantity(value: float | None, kind: str, unit: str, digits: int = 3) -> str:
    """Format a canonical value in a display unit.

    >>> format_quantity(333.15, "temperature", "degC")
    '60 °C'
    >>> format_quantity(0.0014, "conductivity", "mS/cm")
    '1.4 mS/cm'
    """
    if value is None:
        return "—"
    ureg = _registry()
    quantity = ureg.Quantity(value, KINDS[kind].canonical).to(_unit_text(unit))
    shown = {"degC": "°C", "kelvin": "K"}.get(unit, unit)
    return f"{float(quantity.magnitude):.{digits}g} {shown}"
