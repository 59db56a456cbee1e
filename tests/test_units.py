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
        ("333.15", "temperature", 333.15),
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


def test_bare_numbers_use_the_default_unit_when_given() -> None:
    assert units.parse("60", "temperature", default_unit="degC") == pytest.approx(333.15)
    assert units.parse(60, "temperature", default_unit="degC") == pytest.approx(333.15)
    assert units.parse(4, "time") == 4.0


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
        ("-850", "resistance", "not positive"),
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


def test_fast_path_units_agree_with_pint() -> None:
    """The pint-free table of common units gives pint's numbers exactly."""
    import pint

    from matdoe.units import _FAST, KINDS

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for kind, table in _FAST.items():
        for unit, (factor, offset) in table.items():
            expected = float(ureg.Quantity(2.5, unit).to(KINDS[kind].canonical).magnitude)
            assert 2.5 * factor + offset == pytest.approx(expected, rel=1e-12), (kind, unit)
