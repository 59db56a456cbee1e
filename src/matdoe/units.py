"""Quantities with units at the edges, one canonical unit inside.

Users type "60 C", "-20 °C", "333.15 K", "1.4 mS/cm", "1.4 mS cm-1", "320 um", "0.785 cm2",
"1.2 kOhm" or "4 h". Inside matdoe every quantity is a plain float in one canonical unit, and the
variable names say which (``temperature_k``, ``sigma_s_cm``, ``thickness_cm``, ``area_cm2``,
``milling_h``, ``ea_ev``).

**One rule for bare numbers.** A number without a unit is refused for every quantity that has a
unit, because it is a guess: "30" as a temperature was read as 30 K by one command and 30 °C by
another. The only exception is a value whose *name* carries the unit: a column ``temperature_c``
or ``thickness_um``, a field ``temperature_k``; the caller says so with ``bare_unit``.

**One language for units.** The text after the number is rewritten by :func:`unit_expression`
into a pint expression (the steps are listed there: Ω → ohm, µ → u, "cm2"/"cm-1"/"cm⁻¹" →
powers, spaces and "·" → products, Ohm in any case, C/°C/degC → degree Celsius for temperatures),
and pint reads that expression. Building pint's registry costs about a third of a second, so the
expressions people type most are converted by a small table first; the table only ever gives
pint's own answer (a property test compares the two on generated spellings), and whatever it does
not know goes to pint.

>>> parse("60 C", "temperature")
333.15
>>> round(parse("320 um", "length"), 6)
0.032
>>> parse("1.2 kOhm", "resistance")
1200.0
>>> parse(4, "time", bare_unit="hour")
4.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from matdoe.errors import InvalidRecordError

__all__ = [
    "KINDS",
    "Kind",
    "format_quantity",
    "parse",
    "parse_optional",
    "unit_expression",
]


@dataclass(frozen=True)
class Kind:
    """A physical quantity: its canonical unit (pint), spellings to show, and its sign.

    Attributes:
        name: Key of :data:`KINDS`.
        canonical: The canonical unit as pint writes it.
        examples: Accepted spellings shown in error messages.
        positive: Only values above zero make sense (for temperatures: above 0 K).
    """

    name: str
    canonical: str
    examples: tuple[str, ...]
    positive: bool = False

    @property
    def example(self) -> str:
        """The first example spelling."""
        return self.examples[0]

    def spellings(self) -> str:
        """The examples as shown in messages: ``'30C', '303.15K' or '-20°C'``."""
        quoted = [f"'{e}'" for e in self.examples]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("temperature", "kelvin", ("30C", "303.15K", "-20°C"), positive=True),
        Kind("conductivity", "siemens / centimeter", ("1.4mS/cm", "1.4e-3 S/cm", "0.14 S/m")),
        Kind("length", "centimeter", ("320um", "0.32mm", "0.032cm"), positive=True),
        Kind("area", "centimeter ** 2", ("0.785cm2", "78.5mm2"), positive=True),
        Kind("resistance", "ohm", ("850ohm", "1.2kOhm", "1.2kΩ"), positive=True),
        Kind("time", "hour", ("4h", "90min", "1.5d")),
        Kind("energy", "electron_volt", ("0.38eV", "380meV")),
        Kind("mass", "milligram", ("500mg", "0.5g")),
        Kind("density", "gram / centimeter ** 3", ("2.2g/cm3", "2200kg/m3"), positive=True),
        Kind("pressure", "megapascal", ("187MPa", "1.87kbar")),
        Kind("voltage", "volt", ("3.9V", "10mV")),
        Kind("current_density", "milliampere / centimeter ** 2", ("0.3mA/cm2", "300uA/cm2")),
        Kind("specific_capacity", "milliampere * hour / gram", ("171mAh/g",)),
        Kind("specific_area", "meter ** 2 / gram", ("191m2/g", "191 m²/g")),
        Kind("frequency", "hertz", ("10Hz", "100kHz", "1MHz"), positive=True),
    )
}

# ------------------------------------------------------------------------------- the language
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_SUPERSCRIPTS = str.maketrans({"⁻": "-", "⁺": "+", "¹": "1", "²": "2", "³": "3", "⁴": "4"})
# A unit word (letters, maybe with a leading °) followed by an integer power written "2", "-1",
# "^2", "^-1" or "**-1".
_POWER = re.compile(r"(°?[A-Za-z_]+)(?:\*\*|\^)?([-+]?\d+)")
_OHM = re.compile(r"ohm", re.IGNORECASE)
_CELSIUS = {"c", "°c", "degc", "celsius", "degree_celsius", "deg_c", "ºc"}
_FAHRENHEIT = {"f", "°f", "degf", "fahrenheit", "ºf"}
_KELVIN = {"k", "kelvin"}


def unit_expression(unit: str, kind: str | None = None) -> str:
    """The pint expression for the unit text a person typed (matdoe's unit language).

    Steps, in order: the ohm signs Ω/Ω become ``ohm`` in any case (``kOhm``, ``MOHM``), µ/μ
    become ``u``; superscripts become digits (``cm⁻¹`` → ``cm-1``); "·", "×" and spaces between
    units mean a product; an integer right after a unit, or after ``^`` or ``**``, is its power
    (``cm2``, ``cm-1``, ``cm^-1``); for temperatures ``C``/``°C``/``degC``/``deg C`` are degrees
    Celsius (pint would read ``C`` as the coulomb) and ``F``/``°F`` degrees Fahrenheit.

    Args:
        unit: The text after the number, e.g. ``"mS cm-1"``.
        kind: The quantity, when known (only temperatures treat C and F specially).

    Returns:
        An expression pint reads, e.g. ``"mS*cm**-1"``.

    >>> unit_expression("mS cm-1")
    'mS*cm**-1'
    >>> unit_expression("S·cm⁻¹")
    'S*cm**-1'
    >>> unit_expression("kΩ"), unit_expression("MOhm"), unit_expression("g/cm3")
    ('kohm', 'Mohm', 'g/cm**3')
    >>> unit_expression("deg C", "temperature")
    'degC'
    """
    text = unit.strip().replace("Ω", "ohm").replace("Ω", "ohm").replace("µ", "u").replace("μ", "u")
    text = _OHM.sub("ohm", text).translate(_SUPERSCRIPTS)
    if kind == "temperature":
        squeezed = re.sub(r"\s+", "", text).lower().replace("deg.", "deg")
        if squeezed in _CELSIUS:
            return "degC"
        if squeezed in _FAHRENHEIT:
            return "degF"
        if squeezed in _KELVIN:
            return "kelvin"
    # Operators bind their neighbours: no spaces around them; "·", "×" and "⋅" are products.
    text = re.sub(r"\s*(\*\*|[/*·×⋅^])\s*", r"\1", text)
    text = re.sub(r"[·×⋅]", "*", text)
    # What is left between two units is a space: a product ("mS cm-1").
    text = re.sub(r"\s+", "*", text)
    # A signed integer after a unit word (directly, or after ^ or **) is its power.
    return _POWER.sub(r"\1**\2", text)


# ------------------------------------------------------------------------------- the fast table
# Base symbols the fast path knows: symbol -> (factor to SI, dimension exponents over
# (m, kg, s, A, K)). Prefixes are allowed only where they are in _PREFIXED.
_BASE: dict[str, tuple[float, tuple[int, int, int, int, int]]] = {
    "m": (1.0, (1, 0, 0, 0, 0)),
    "g": (1e-3, (0, 1, 0, 0, 0)),
    "s": (1.0, (0, 0, 1, 0, 0)),
    "min": (60.0, (0, 0, 1, 0, 0)),
    "h": (3600.0, (0, 0, 1, 0, 0)),
    "hr": (3600.0, (0, 0, 1, 0, 0)),
    "hour": (3600.0, (0, 0, 1, 0, 0)),
    "hours": (3600.0, (0, 0, 1, 0, 0)),
    "d": (86400.0, (0, 0, 1, 0, 0)),
    "day": (86400.0, (0, 0, 1, 0, 0)),
    "days": (86400.0, (0, 0, 1, 0, 0)),
    "ohm": (1.0, (2, 1, -3, -2, 0)),
    "S": (1.0, (-2, -1, 3, 2, 0)),
    "A": (1.0, (0, 0, 0, 1, 0)),
    "V": (1.0, (2, 1, -3, -1, 0)),
    "Pa": (1.0, (-1, 1, -2, 0, 0)),
    "bar": (1e5, (-1, 1, -2, 0, 0)),
    "eV": (1.602176634e-19, (2, 1, -2, 0, 0)),
    "L": (1e-3, (3, 0, 0, 0, 0)),
    "Ah": (3600.0, (0, 0, 1, 1, 0)),
}
_PREFIXES = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "c": 1e-2, "k": 1e3, "M": 1e6, "G": 1e9}
_PREFIXED = {"m", "g", "s", "ohm", "S", "A", "V", "Pa", "eV", "L", "Ah"}
_KIND_SI: dict[str, tuple[float, tuple[int, int, int, int, int]]] = {
    # canonical unit of each kind, in SI, and its dimension
    "conductivity": (100.0, (-3, -1, 3, 2, 0)),
    "length": (1e-2, (1, 0, 0, 0, 0)),
    "area": (1e-4, (2, 0, 0, 0, 0)),
    "resistance": (1.0, (2, 1, -3, -2, 0)),
    "time": (3600.0, (0, 0, 1, 0, 0)),
    "energy": (1.602176634e-19, (2, 1, -2, 0, 0)),
    "mass": (1e-6, (0, 1, 0, 0, 0)),
    "density": (1e3, (-3, 1, 0, 0, 0)),
    "pressure": (1e6, (-1, 1, -2, 0, 0)),
    "voltage": (1.0, (2, 1, -3, -1, 0)),
    "current_density": (10.0, (-2, 0, 0, 1, 0)),
    "specific_capacity": (3600.0, (0, -1, 1, 1, 0)),
    "specific_area": (1e3, (2, -1, 0, 0, 0)),
}
_FAST_TOKEN = re.compile(r"^([A-Za-z]+)(?:\*\*([-+]?\d+))?$")
_TEMPERATURE_FAST = {"degC": (1.0, 273.15), "kelvin": (1.0, 0.0), "K": (1.0, 0.0)}


def _symbol(token: str) -> tuple[float, tuple[int, ...]] | None:
    if token in _BASE:
        return _BASE[token]
    if len(token) > 1 and token[0] in _PREFIXES and token[1:] in _PREFIXED:
        factor, dims = _BASE[token[1:]]
        return _PREFIXES[token[0]] * factor, dims
    return None


@cache
def _fast_factor(expression: str, kind: str) -> tuple[float, float] | None:
    """(factor, offset) to the canonical unit, or None when the table does not know it."""
    if kind == "temperature":
        return _TEMPERATURE_FAST.get(expression)
    target = _KIND_SI.get(kind)
    if target is None or not expression:
        return None
    factor = 1.0
    dims = [0, 0, 0, 0, 0]
    # A product/quotient of simple factors, left to right as pint reads it ("a/b*c" = a*c/b is
    # NOT how pint reads it: pint gives (a/b)*c, the same thing; "a/b/c" = a/(b*c)).
    for i, part in enumerate(re.split(r"([*/])", expression)):
        if i % 2 == 1:
            continue
        sign = -1 if i > 0 and re.split(r"([*/])", expression)[i - 1] == "/" else 1
        match = _FAST_TOKEN.match(part)
        if match is None:
            return None
        found = _symbol(match.group(1))
        if found is None:
            return None
        power = sign * int(match.group(2) or 1)
        factor *= found[0] ** power
        for d in range(5):
            dims[d] += found[1][d] * power
    if tuple(dims) != target[1]:
        return None  # a wrong dimension: pint words the refusal
    return factor / target[0], 0.0


@cache
def _registry() -> Any:
    import pint

    ureg: Any = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    return ureg


def _pint_convert(number: float, expression: str, kind: str) -> float:
    """Convert with pint; raises pint's errors."""
    ureg = _registry()
    quantity = ureg.Quantity(number, expression)
    return float(quantity.to(KINDS[kind].canonical).magnitude)


def _refuse_bare(label: str, value: Any, spec: Kind) -> InvalidRecordError:
    return InvalidRecordError(
        f"{label}: {value!r} has no unit; write it with one, e.g. {spec.spellings()}"
    )


def parse(
    value: Any,
    kind: str,
    *,
    name: str | None = None,
    bare_unit: str | None = None,
    use_table: bool = True,
) -> float:
    """Turn a user's quantity into a float in the canonical unit of ``kind``.

    Args:
        value: Text with a number and a unit ("60 C", "1.4 mS cm-1"), or a number.
        kind: A key of :data:`KINDS` ("temperature", "length", "conductivity", ...).
        name: What the value is, for the error message (defaults to the kind).
        bare_unit: The unit a number without unit is in, because the value's name carries it
            (a column ``temperature_c`` gives "degC", a field ``thickness_cm`` "centimeter").
            Without it a bare number is refused.
        use_table: Convert common units without pint (the same answers; False forces pint,
            which the tests use to compare the two).

    Returns:
        The value in the canonical unit (K, S/cm, cm, cm², ohm, h, eV, mg, g/cm³, MPa, V,
        mA/cm², mAh/g, m²/g).

    Raises:
        InvalidRecordError: no unit (and no ``bare_unit``), unreadable text, an unknown unit,
            the wrong dimension, a value that is not finite (before or after conversion), a
            temperature at or below 0 K, or a non-positive value where only positive ones make
            sense.

    >>> parse("1.4 mS/cm", "conductivity")
    0.0014
    >>> parse("60", "temperature", bare_unit="degC")
    333.15
    >>> parse("60", "temperature")
    Traceback (most recent call last):
    ...
    matdoe.errors.InvalidRecordError: temperature: '60' has no unit; write it with one, e.g. '30C', '303.15K' or '-20°C'
    """
    spec = KINDS[kind]
    label = name or kind
    if isinstance(value, bool) or value is None:
        raise InvalidRecordError(f"{label}: expected a quantity like {spec.spellings()}")
    if isinstance(value, int | float):
        number = float(value)
        unit = ""
    else:
        text = str(value).strip()
        match = _NUMBER_UNIT.match(text)
        if not text or match is None:
            raise InvalidRecordError(
                f"{label}: cannot read {text!r} as a quantity; write it like {spec.spellings()}"
            )
        number = float(match.group(1))
        unit = match.group(2)
    if not math.isfinite(number):
        raise InvalidRecordError(f"{label}: {value!r} is not a finite number")
    if not unit:
        if bare_unit is None:
            raise _refuse_bare(label, value, spec)
        unit = bare_unit
    expression = unit_expression(unit, kind)
    fast = _fast_factor(expression, kind) if use_table else None
    if fast is not None:
        result = number * fast[0] + fast[1]
    else:
        try:
            result = _pint_convert(number, expression, kind)
        except Exception as exc:  # pint raises several unrelated types for bad units
            raise InvalidRecordError(
                f"{label}: {value!r} is not a {kind.replace('_', ' ')}; write it like "
                f"{spec.spellings()}"
            ) from exc
    if not math.isfinite(result):
        raise InvalidRecordError(f"{label}: {value!r} is too large to be a {kind}")
    if kind == "temperature" and result <= 0:
        raise InvalidRecordError(f"{label}: {value!r} is at or below absolute zero (0 K)")
    if spec.positive and result <= 0:
        raise InvalidRecordError(f"{label}: must be positive, got {value!r}")
    return result


def parse_optional(
    value: Any, kind: str, *, name: str | None = None, bare_unit: str | None = None
) -> float | None:
    """Like :func:`parse`, but ``None``, NaN and empty strings give ``None``.

    >>> parse_optional("", "mass") is None
    True
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return parse(value, kind, name=name, bare_unit=bare_unit)


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
    quantity = ureg.Quantity(value, KINDS[kind].canonical).to(unit_expression(unit, kind))
    shown = {"degC": "°C", "kelvin": "K"}.get(unit, unit)
    return f"{float(quantity.magnitude):.{digits}g} {shown}"
