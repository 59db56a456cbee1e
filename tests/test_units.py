"""Unit parsing at the edges: known conversions, refusals, and round trips (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matdoe import units
from matdoe.errors import InvalidRecordError


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("60 C", "temperature", 333.15),
        ("60C", "temperature", 333.15),
        ("60 °C", "temperature", 333.15),
        ("60 degC", "temperature", 333.15),
        ("140 F", "temperature", 333.15),
        ("333.15 K", "temperature", 333.15),
        ("-20 °C", "temperature", 253.15),
        ("-20C", "temperature", 253.15),
        ("60 deg C", "temperature", 333.15),
        ("1.4 mS/cm", "conductivity", 1.4e-3),
        ("1.4e-3 S/cm", "conductivity", 1.4e-3),
        ("0.14 S/m", "conductivity", 1.4e-3),
        ("320 um", "length", 0.032),
        ("320 µm", "length", 0.032),
        ("0.32 mm", "length", 0.032),
        ("0.785 cm2", "area", 0.785),
        ("78.5 mm^2", "area", 0.785),
        ("78.5 mm²", "area", 0.785),
        ("850 Ω", "resistance", 850.0),
        ("1.2 kohm", "resistance", 1200.0),
        ("1.2kohm", "resistance", 1200.0),
        ("1.2 kOhm", "resistance", 1200.0),
        ("1.2 kΩ", "resistance", 1200.0),
        ("1.2 MOhm", "resistance", 1.2e6),
        ("1.4 mS cm-1", "conductivity", 1.4e-3),
        ("1.4 mS·cm⁻¹", "conductivity", 1.4e-3),
        ("1.4e-3 S·cm⁻¹", "conductivity", 1.4e-3),
        ("1.4 mS cm^-1", "conductivity", 1.4e-3),
        ("191.2 m2/g", "specific_area", 191.2),
        ("191.2 m² g⁻¹", "specific_area", 191.2),
        ("90 min", "time", 1.5),
        ("4 h", "time", 4.0),
        ("0.5 g", "mass", 500.0),
        ("2.2 g/cm3", "density", 2.2),
        ("0.38 eV", "energy", 0.38),
        ("0.187 GPa", "pressure", 187.0),
    ],
)
def test_parse_converts_to_the_canonical_unit(text: str, kind: str, expected: float) -> None:
    assert units.parse(text, kind) == pytest.approx(expected, rel=1e-12)


def test_bare_numbers_are_read_in_the_unit_the_name_carries() -> None:
    assert units.parse("60", "temperature", bare_unit="degC") == pytest.approx(333.15)
    assert units.parse(60, "temperature", bare_unit="degC") == pytest.approx(333.15)
    assert units.parse(303.15, "temperature", bare_unit="kelvin") == pytest.approx(303.15)
    assert units.parse(320, "length", bare_unit="um") == pytest.approx(0.032)
    assert units.parse(4, "time", bare_unit="hour") == 4.0


@pytest.mark.parametrize(
    ("value", "kind", "spelling"),
    [
        ("30", "temperature", "'30C'"),
        (30, "temperature", "'303.15K'"),
        ("320", "length", "'320um'"),
        ("1000", "resistance", "'850ohm'"),
        ("4", "time", "'4h'"),
        (2.2, "density", "'2.2g/cm3'"),
        ("1.4e-3", "conductivity", "'1.4mS/cm'"),
    ],
)
def test_a_bare_number_is_refused_with_the_spellings_to_use(
    value: object, kind: str, spelling: str
) -> None:
    with pytest.raises(InvalidRecordError) as info:
        units.parse(value, kind, name="--x")
    message = str(info.value)
    assert message.startswith(f"--x: {value!r} has no unit")
    assert spelling in message


@pytest.mark.parametrize(
    ("text", "kind", "needle"),
    [
        ("60 mS", "temperature", "'60 mS' is not a temperature"),
        ("1.4 mS/cm", "length", "is not a length"),
        ("3 parsecs per fortnight", "conductivity", "is not a conductivity"),
        ("sixty C", "temperature", "cannot read 'sixty C'"),
        ("", "temperature", "cannot read ''"),
        ("-300 C", "temperature", "absolute zero"),
        ("0 K", "temperature", "absolute zero"),
        ("-1 K", "temperature", "absolute zero"),
        ("0 ohm", "resistance", "positive"),
        ("-850 ohm", "resistance", "positive"),
        ("1e308 d", "time", "too large"),
        ("-320 um", "length", "positive"),
        ("0 cm2", "area", "positive"),
        ("1e400 K", "temperature", "not a finite number"),
    ],
)
def test_parse_refuses_with_a_message_naming_the_value(text: str, kind: str, needle: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        units.parse(text, kind, name="--x")
    message = str(info.value)
    assert needle in message
    assert message.startswith("--x: ")
    assert "\n" not in message


def test_booleans_are_not_quantities() -> None:
    with pytest.raises(InvalidRecordError, match="expected a quantity"):
        units.parse(True, "temperature")


@pytest.mark.parametrize("empty", [None, "", "   ", float("nan")])
def test_parse_optional_reads_empty_values_as_none(empty: object) -> None:
    assert units.parse_optional(empty, "mass") is None


def test_format_quantity_shows_display_units() -> None:
    assert units.format_quantity(333.15, "temperature", "degC") == "60 °C"
    assert units.format_quantity(1.4e-3, "conductivity", "mS/cm") == "1.4 mS/cm"
    assert units.format_quantity(None, "mass", "mg") == "—"


# (kind, unit as typed, canonical value of 1 typed unit, offset added after scaling)
UNIT_CASES = [
    ("temperature", "K", 1.0, 0.0),
    ("temperature", "C", 1.0, 273.15),
    ("temperature", "°C", 1.0, 273.15),
    ("temperature", "F", 5 / 9, 273.15 - 32 * 5 / 9),
    ("conductivity", "S/cm", 1.0, 0.0),
    ("conductivity", "mS/cm", 1e-3, 0.0),
    ("conductivity", "uS/cm", 1e-6, 0.0),
    ("conductivity", "S/m", 1e-2, 0.0),
    ("length", "um", 1e-4, 0.0),
    ("length", "mm", 0.1, 0.0),
    ("length", "cm", 1.0, 0.0),
    ("area", "cm2", 1.0, 0.0),
    ("area", "mm2", 1e-2, 0.0),
    ("resistance", "ohm", 1.0, 0.0),
    ("resistance", "kohm", 1e3, 0.0),
    ("resistance", "Mohm", 1e6, 0.0),
    ("time", "h", 1.0, 0.0),
    ("time", "min", 1 / 60, 0.0),
    ("mass", "mg", 1.0, 0.0),
    ("mass", "g", 1e3, 0.0),
]


@settings(max_examples=150, deadline=None)
@given(
    case=st.sampled_from(UNIT_CASES),
    magnitude=st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False),
    spaced=st.booleans(),
)
def test_parse_round_trips_random_quantities(
    case: tuple[str, str, float, float], magnitude: float, spaced: bool
) -> None:
    kind, unit, scale, offset = case
    if kind == "temperature":
        magnitude = min(magnitude, 5000.0)  # stay above absolute zero in every scale
    text = f"{magnitude!r}{' ' if spaced else ''}{unit}"
    expected = magnitude * scale + offset
    assert units.parse(text, kind) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    value=st.floats(min_value=1e-9, max_value=1e3, allow_nan=False),
    display=st.sampled_from(["S/cm", "mS/cm", "uS/cm"]),
)
def test_format_then_parse_gives_the_value_back_to_the_shown_digits(
    value: float, display: str
) -> None:
    shown = units.format_quantity(value, "conductivity", display, digits=6)
    assert units.parse(shown, "conductivity") == pytest.approx(value, rel=1e-5)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), kind=st.sampled_from(sorted(units.KINDS)))
def test_parse_gives_a_value_or_a_one_line_error_never_anything_else(text: str, kind: str) -> None:
    try:
        value = units.parse(text, kind)
    except InvalidRecordError as exc:
        assert "\n" not in str(exc)
    else:
        assert math.isfinite(value)
        if units.KINDS[kind].positive:
            assert value > 0


# The language: (prefix, symbol) pairs and separators people type, to generate spellings from.
_SYMBOLS = {
    "length": ["m", "cm", "mm", "um", "µm", "μm", "nm", "km", "in", "ft", "Mm", "dm"],
    "area": ["cm2", "mm2", "m2", "cm^2", "mm**2", "cm²", "um2", "in2"],
    "resistance": ["ohm", "Ohm", "OHM", "kohm", "kOhm", "kΩ", "Ω", "MΩ", "Mohm", "mohm", "Gohm"],
    "conductivity": [
        "S/cm",
        "mS/cm",
        "uS/cm",
        "µS/cm",
        "S/m",
        "mS/m",
        "S cm-1",
        "mS cm-1",
        "S·cm⁻¹",
        "mS cm^-1",
        "S*cm**-1",
        "mS / cm",
        "nS/cm",
        "kS/m",
        "S/mm",
        "mho/cm",
    ],
    "time": ["h", "hr", "hour", "hours", "min", "s", "ms", "d", "day", "days", "week", "ks", "mh"],
    "mass": ["mg", "g", "kg", "ug", "µg", "Mg", "ng", "lb", "cg"],
    "density": ["g/cm3", "g/cm^3", "g cm-3", "kg/m3", "g/mL", "g/L", "mg/mm3", "g·cm⁻³", "kg/L"],
    "pressure": ["MPa", "kPa", "GPa", "Pa", "bar", "kbar", "mbar", "psi", "atm"],
    "energy": ["eV", "meV", "keV", "J", "kJ", "kcal"],
    "voltage": ["V", "mV", "kV", "uV"],
    "current_density": ["mA/cm2", "uA/cm2", "A/cm2", "mA cm-2", "A/m2", "mA/mm2"],
    "specific_capacity": ["mAh/g", "Ah/kg", "mA*h/g", "Ah/g", "mAh g-1"],
    "specific_area": ["m2/g", "m²/g", "m2 g-1", "cm2/g", "m^2/g", "m**2/kg"],
    "temperature": ["K", "C", "°C", "degC", "deg C", "celsius", "kelvin", "F", "°F", "mK"],
}


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(sorted(_SYMBOLS)),
    data=st.data(),
    magnitude=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    space=st.sampled_from(["", " ", "  "]),
)
def test_the_fast_table_accepts_exactly_what_pint_accepts(
    kind: str, data: st.DataObject, magnitude: float, space: str
) -> None:
    """For every generated spelling, the table's answer is pint's answer (or both refuse)."""
    unit = data.draw(
        st.sampled_from(_SYMBOLS[kind] + _SYMBOLS[data.draw(st.sampled_from(sorted(_SYMBOLS)))])
    )
    text = f"{magnitude!r}{space}{unit}"
    outcomes = []
    for use_table in (True, False):
        try:
            outcomes.append(units.parse(text, kind, use_table=use_table))
        except InvalidRecordError as exc:
            outcomes.append(type(exc))
    fast, slow = outcomes
    if isinstance(slow, float):
        assert isinstance(fast, float), (text, kind, fast)
        assert fast == pytest.approx(slow, rel=1e-12, abs=1e-12), (text, kind)
    else:
        assert fast is slow, (text, kind, fast)


def test_every_unit_of_the_table_is_one_pint_knows() -> None:
    """Each base symbol of the table, alone and with each prefix it allows, is pint's unit."""
    from matdoe.units import _BASE, _PREFIXED, _PREFIXES, _fast_factor, _registry

    ureg = _registry()
    for symbol, (factor, _dims) in _BASE.items():
        names = [symbol] + ([p + symbol for p in _PREFIXES] if symbol in _PREFIXED else [])
        for name in names:
            quantity = ureg.Quantity(1.0, name).to_base_units()
            scale = _PREFIXES[name[0]] if name != symbol else 1.0
            # pint's base units are SI with the gram as kilogram: compare to SI.
            assert float(quantity.magnitude) == pytest.approx(scale * factor, rel=1e-12), name
    assert _fast_factor("furlong", "length") is None
