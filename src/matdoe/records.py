"""Validated records: what users type on the command line or put in an import file.

Each record is a pydantic model. Quantities are stored in the unit their field name states
(``temperature_k`` in K, ``thickness_cm`` in cm, ``milling_h`` in h, ``sigma_s_cm`` in S/cm) and
also accept a string with any unit of the same dimension ("60 C", "320 um", "90 min",
"1.4 mS/cm"), converted on the way in.

The JSON Schemas in ``schemas/`` are generated from these models (``python -m matdoe.records
schemas/``) and a test fails when they drift apart.

Pydantic's ``ValidationError`` is translated here, once, into :class:`InvalidRecordError` with a
message that names the row and the field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from matdoe import units
from matdoe.errors import InvalidRecordError

__all__ = [
    "BundleRecord",
    "CampaignRecord",
    "MaterialRecord",
    "MeasurementRecord",
    "PelletRecord",
    "SampleRecord",
    "SpaceRecord",
    "canonical_value",
    "default_maximize",
    "label_difference",
    "label_key",
    "parse_record",
    "write_schemas",
]

DOI = "10.1039/d5ta09128d"


def _unit_text(kind: str, unit: str, shown: str) -> Any:
    """Validator and JSON Schema of a float field whose name carries its unit.

    A bare number is in the unit of the field's name (``temperature_k`` in K); text with a
    unit ("60 C") is converted. Absolute temperatures below 0 K, infinities and NaN are refused.
    """

    def convert(value: Any, info: ValidationInfo) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        return units.parse(value, kind, bare_unit=unit, name=f"field {info.field_name!r}")

    schema: dict[str, Any] = {
        "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}],
        "description": (f"in {shown}; or text with a unit, e.g. {units.KINDS[kind].spellings()}"),
    }
    return (BeforeValidator(convert), WithJsonSchema(schema))


_POS = Annotated[float, Field(gt=0)]
_NONNEG = Annotated[float, Field(ge=0)]
_T, _T_SCHEMA = _unit_text("temperature", "kelvin", "K")
_R, _R_SCHEMA = _unit_text("resistance", "ohm", "ohm")
_L, _L_SCHEMA = _unit_text("length", "cm", "cm")
_A, _A_SCHEMA = _unit_text("area", "cm**2", "cm²")
_S, _S_SCHEMA = _unit_text("conductivity", "S/cm", "S/cm")
_M, _M_SCHEMA = _unit_text("mass", "mg", "mg")
_H, _H_SCHEMA = _unit_text("time", "hour", "h")
_P, _P_SCHEMA = _unit_text("pressure", "MPa", "MPa")
_D, _D_SCHEMA = _unit_text("density", "g/cm**3", "g/cm³")
_BET, _BET_SCHEMA = _unit_text("specific_area", "m**2/g", "m²/g")


def _temperature_difference(value: Any) -> Any:
    """A temperature *uncertainty* in K: 0.5, "0.5 K" or "0.5 C" (a difference of 1 °C is 1 K)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        for suffix in ("°C", "degC", "C", "K"):
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
                break
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"cannot read {value!r} as a temperature difference (e.g. 0.5 K)"
            ) from None
    return value


TemperatureK = Annotated[_POS | None, _T, _T_SCHEMA]
TemperatureStdK = Annotated[
    _NONNEG | None,
    BeforeValidator(_temperature_difference),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}],
            "description": "standard uncertainty of the temperature in K, e.g. 0.5 or '0.5 K'",
        }
    ),
]
ResistanceOhm = Annotated[_POS | None, _R, _R_SCHEMA]
ResistanceStdOhm = Annotated[_NONNEG | None, _R, _R_SCHEMA]
LengthCm = Annotated[_POS | None, _L, _L_SCHEMA]
AreaCm2 = Annotated[_POS | None, _A, _A_SCHEMA]
SigmaSCm = Annotated[_POS | None, _S, _S_SCHEMA]
SigmaStdSCm = Annotated[_NONNEG | None, _S, _S_SCHEMA]
MassMg = Annotated[_NONNEG | None, _M, _M_SCHEMA]
BatchMg = Annotated[_POS | None, _M, _M_SCHEMA]
TimeH = Annotated[_NONNEG | None, _H, _H_SCHEMA]
PressureMPa = Annotated[_POS | None, _P, _P_SCHEMA]
DensityGcm3 = Annotated[_POS | None, _D, _D_SCHEMA]
BetM2g = Annotated[_NONNEG | None, _BET, _BET_SCHEMA]
# Integer columns are 32-bit on PostgreSQL: refuse what the database would refuse.
Int32 = Annotated[int, Field(ge=0, le=2**31 - 1)]
Id32 = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _blank_is_none(value: Any) -> Any:
    # An empty optional text is no text, stored as NULL: a CSV export cannot tell "" from an
    # empty cell, so keeping "" would not survive export → import.
    return None if isinstance(value, str) and not value.strip() else value


# Control characters: a NUL is refused by PostgreSQL (so a SQLite backup would not restore
# there), an ESC sequence would drive the terminal that prints `sample list`. Free text keeps
# tabs and line breaks; names and labels are one line.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAK = re.compile(r"[\t\r\n]")


def _free_text(value: Any) -> Any:
    if isinstance(value, str):
        bad = _CONTROL.search(value)
        if bad:
            raise ValueError(
                f"holds the control character {bad.group()!r} at position {bad.start() + 1}; "
                "remove it"
            )
    return value


def _one_line(value: Any) -> Any:
    _free_text(value)
    if isinstance(value, str):
        bad = _LINE_BREAK.search(value)
        if bad:
            raise ValueError(f"must be one line, without {bad.group()!r}")
    return value


_BLANK = BeforeValidator(_blank_is_none)
_TEXT = AfterValidator(_free_text)
_LINE = AfterValidator(_one_line)
Text = Annotated[Annotated[str, Field(max_length=10_000), _TEXT] | None, _BLANK]
Str40 = Annotated[Annotated[str, Field(max_length=40), _LINE] | None, _BLANK]
Str60 = Annotated[Annotated[str, Field(max_length=60), _LINE] | None, _BLANK]
Str64 = Annotated[Annotated[str, Field(max_length=64), _LINE] | None, _BLANK]
Str120 = Annotated[Annotated[str, Field(max_length=120), _LINE] | None, _BLANK]
Str255 = Annotated[Annotated[str, Field(max_length=255), _LINE] | None, _BLANK]
NonNegative = _NONNEG | None


def _visible(value: Any, info: ValidationInfo) -> Any:
    """Refuse invisible format characters in a new name or label (a zero-width space, a soft
    hyphen, a byte-order mark): "S1" with one looks like "S1" on every screen and is another
    label. A name stored before this rule still loads, so that it can be shown and renamed."""
    if isinstance(value, str) and not value.isascii() and not _stored(info):
        for i, char in enumerate(value):
            if unicodedata.category(char) == "Cf":
                raise ValueError(
                    f"holds the invisible character U+{ord(char):04X} "
                    f"({unicodedata.name(char, 'a format character').lower()}) at position "
                    f"{i + 1}; type the name again without it"
                )
    return value


Name = Annotated[str, Field(min_length=1, max_length=120), _LINE, AfterValidator(_visible)]

# Dashes that look like the hyphen-minus a keyboard types (a word processor's en dash, the
# minus sign); NFKC already maps the full-width and small hyphens.
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58]")


def label_key(text: str) -> str:
    """A sample label as uniqueness compares it: without case, character width, look-alike
    dashes, invisible characters (a zero-width space, a soft hyphen) or repeated spaces; two
    labels with the same key are one batch typed twice.

    >>> label_key("S1") == label_key("s1") == label_key("\uff331")  # full-width S
    True
    >>> label_key("NB\u2013001  a"), label_key("NB-001\u200b")  # en dash, zero-width space
    ('nb-001 a', 'nb-001')
    """
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKC", text).casefold()
        folded = _DASHES.sub("-", unicodedata.normalize("NFKC", folded))
        folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(folded.split())


def label_difference(label: str, other: str) -> str:
    """How two labels of the same :func:`label_key` differ, in words.

    >>> label_difference("s1", "S1"), label_difference("S\u20131", "S-1")
    ('only in case', 'only in case or look-alike characters (width, dashes, spaces, invisible ones)')
    """
    if label.casefold() == other.casefold():
        return "only in case"
    return "only in case or look-alike characters (width, dashes, spaces, invisible ones)"


#: Deepest nesting of lists and objects inside a JSON field (``extra``, ``details``).
MAX_JSON_DEPTH = 8
#: Most items (values of objects and lists, counted recursively) of one JSON field.
MAX_JSON_ITEMS = 1000


def _check_json(
    value: Any, where: str = "", depth: int = 0, count: list[int] | None = None
) -> None:
    """Refuse what a JSON column must not hold: NaN/inf, control characters, deep nesting."""
    count = [0] if count is None else count
    count[0] += 1
    if count[0] > MAX_JSON_ITEMS:
        raise ValueError(f"holds more than {MAX_JSON_ITEMS} values; keep it small")
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"is nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where or 'a value'} is {value}; only finite numbers can be stored")
    elif isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError(f"{where or 'a value'} = {value} is too large an integer")
    elif isinstance(value, str):
        _free_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"has a non-text key {key!r}")
            _one_line(key)
            _check_json(item, f"{where}.{key}".lstrip("."), depth + 1, count)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]", depth + 1, count)
    else:
        raise ValueError(f"{where or 'a value'} of type {type(value).__name__} is not JSON")


def _json_object(value: Any) -> Any:
    if value is not None:
        _check_json(value)
    return value


JsonObject = Annotated[dict[str, Any] | None, AfterValidator(_json_object)]


#: Validation context of a record read back from the database: rules added after it was
#: stored (a day's range, a solid's density, a value's unit) do not apply, so an older database
#: stays readable; a change to such a record is checked in full.
STORED = {"stored": True}


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


def _lab_date(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """A day something was made or measured: not in the future, not before 1900."""
    if value is None or _stored(info):
        return value
    if value > dt.date.today() + dt.timedelta(days=1):
        raise ValueError(f"{value.isoformat()} lies in the future")
    if value.year < 1900:
        raise ValueError(f"{value.isoformat()} is before 1900; check the year")
    return value


LabDate = Annotated[dt.date | None, AfterValidator(_lab_date)]
Source = Literal["measured", "paper", "simulated"]


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, validate_default=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _no_yes_no_numbers(cls, data: Any) -> Any:
        """A JSON true/false is refused for a number or text field (pydantic would read 1/0)."""
        if isinstance(data, dict):
            for key, value in data.items():
                field = cls.model_fields.get(key) if isinstance(key, str) else None
                if isinstance(value, bool) and field is not None and "bool" not in str(field):
                    raise ValueError(
                        f"field {key!r} takes a number or text, not {json.dumps(value)} (a YAML "
                        "file reads an unquoted yes, no, on or off as true or false: put the "
                        "text in quotes)"
                    )
        return data

    def dump(self) -> dict[str, Any]:
        """JSON-able dict without unset optional fields (None, no measurements) for compact files.

        An empty ``extra``/``details`` object is kept: dropping it would read back as None.
        """
        return {k: v for k, v in self.model_dump(mode="json").items() if v is not None and v != []}


#: The densities a solid host or scaffold can have, g/cm³ (a value outside is a unit slip:
#: 2.2 kg/m³ for 2.2 g/cm³).
SOLID_DENSITY_G_CM3 = (0.1, 25.0)


class MaterialRecord(_Record):
    """A raw material: a host salt (Na2B12H12), a scaffold oxide (a silica), or other."""

    model_config = ConfigDict(title="material")

    name: Name = Field(description="unique name, e.g. 'SiO2-A200'")
    formula: str = Field(min_length=1, max_length=120, description="chemical formula as typed")
    kind: Literal["host", "scaffold", "other"]
    product: Text = None
    supplier: Text = None
    lot: Text = None
    density_g_cm3: DensityGcm3 = None
    density_source: Text = None
    density_method: Literal["measured", "crystallographic", "reference"] | None = Field(
        default=None,
        description=(
            "measured (pycnometry of this lot), crystallographic (Z*M/(N_A*V) from "
            "cell_volume_a3 and cell_formula_units) or reference (handbook, datasheet)"
        ),
    )
    cell_volume_a3: float | None = Field(
        default=None, gt=0, description="unit-cell volume in cubic angstrom (crystallographic)"
    )
    cell_formula_units: int | None = Field(
        default=None, ge=1, le=1000, description="Z, formula units per cell (crystallographic)"
    )
    bet_m2_g: BetM2g = None
    pore_volume: float | None = Field(default=None, ge=0)
    pore_volume_unit: Text = None
    morphology: Text = None
    transition_k: TemperatureK = Field(
        default=None,
        description="temperature of the host's order-disorder (superionic) phase transition, K "
        "(or text with a unit, e.g. '108 C'); a descriptor of related hosts",
    )
    transition_source: Text = None
    citation: Text = None
    notes: Text = None

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str) -> str:
        from matdoe.chem import check_formula

        return check_formula(value)

    @model_validator(mode="after")
    def _density_has_source(self, info: ValidationInfo) -> MaterialRecord:
        cell = (self.cell_volume_a3, self.cell_formula_units)
        if self.density_method == "crystallographic" or any(v is not None for v in cell):
            if None in cell:
                raise ValueError(
                    "a crystallographic density needs both cell_volume_a3 and cell_formula_units"
                )
            from matdoe.chem import crystal_density_g_cm3

            derived = crystal_density_g_cm3(self.formula, *cell)  # type: ignore[arg-type]
            if self.density_g_cm3 is None:
                self.density_g_cm3 = round(derived, 4)
            elif abs(self.density_g_cm3 - derived) > 0.005 * derived:
                raise ValueError(
                    f"density_g_cm3={self.density_g_cm3:g} disagrees with the cell: "
                    f"Z*M/(N_A*V) = {derived:.4f} g/cm3 for {self.formula}, "
                    f"Z = {cell[1]}, V = {cell[0]:g} A^3"
                )
            if self.density_method is None:
                self.density_method = "crystallographic"
            elif self.density_method != "crystallographic":
                raise ValueError(
                    f"density_method={self.density_method!r} with a unit cell; a density from "
                    "a cell is 'crystallographic' (drop the cell for a measured value)"
                )
        if self.transition_k is not None and not self.transition_source:
            raise ValueError(
                "transition_k needs a transition_source (the paper or measurement it comes from)"
            )
        if self.density_g_cm3 is not None and not self.density_source:
            raise ValueError(
                "density_g_cm3 needs a density_source (a handbook, a datasheet, a structure "
                "paper, or how you measured it)"
            )
        if self.density_g_cm3 is None and (self.density_source or self.density_method):
            raise ValueError("density_source/density_method given without density_g_cm3")
        low, high = SOLID_DENSITY_G_CM3
        if (
            self.density_g_cm3 is not None
            and not low <= self.density_g_cm3 <= high
            and not _stored(info)
        ):
            raise ValueError(
                f"density_g_cm3={self.density_g_cm3:g} g/cm³ is no solid's density (they lie in "
                f"{low:g}-{high:g} g/cm³; osmium, the densest element, is 22.6): check the unit"
            )
        return self


class PelletRecord(_Record):
    """The pressed pellet whose geometry turns a resistance into a conductivity."""

    model_config = ConfigDict(title="pellet")

    name: Str60 = None
    thickness_cm: LengthCm = None
    area_cm2: AreaCm2 = None
    pressure_mpa: PressureMPa = None
    mass_mg: BatchMg = None
    notes: Text = None


MeasurementKind = Literal[
    "eis", "dc_polarisation", "lsv", "ccd", "symmetric_cycling", "full_cell_cycling", "other"
]


#: The quantities a value of each non-impedance kind may be (units.KINDS names, "fraction" for
#: a number in [0, 1] with unit "1"); the cycling kinds and "other" take any unit (areal
#: capacities, area-specific resistances, efficiencies ...), but one must be given.
VALUE_KINDS: dict[str, tuple[str, ...]] = {
    "dc_polarisation": ("fraction", "conductivity"),
    "lsv": ("voltage",),
    "ccd": ("current_density",),
}
_FRACTION_UNITS = {"1", "-", "dimensionless"}
_EXAMPLE_UNITS = {
    "fraction": "'1' (a transference number, 0-1)",
    "conductivity": "'S/cm'",
    "voltage": "'V vs Na+/Na'",
    "current_density": "'mA/cm2'",
}


def _check_value_unit(kind: str, value: float, unit: str | None) -> None:
    """Refuse a value without a unit, or in a unit its kind of measurement cannot have."""
    allowed = VALUE_KINDS.get(kind)
    if not unit:
        example = _EXAMPLE_UNITS[allowed[0]] if allowed else "'%'"
        raise ValueError(
            f"a measurement of kind '{kind}' needs the unit of its value (e.g. {example})"
        )
    if allowed is None:
        return
    text = unit.strip()
    for quantity in allowed:
        if quantity == "fraction":
            if text not in _FRACTION_UNITS:
                continue
            if not 0 <= value <= 1:
                raise ValueError(f"a transference number lies in 0-1, not {value:g}")
            return
        # a voltage may name its reference: "V vs Na+/Na", "V (vs Na/Na+)"
        base = re.split(r"\s*\(|\s+vs\.?\s+", text, maxsplit=1)[0]
        try:
            units.parse(f"1 {base}", quantity)
        except InvalidRecordError:
            continue
        if quantity != "voltage" and value <= 0:
            raise ValueError(f"a '{kind}' value in {text} must be positive, not {value:g}")
        return
    shown = ", ".join(_EXAMPLE_UNITS[q] for q in allowed)
    raise ValueError(f"a '{kind}' value cannot be in {text!r}; its units: {shown}")


#: The plausibility field (:data:`matdoe.plausibility.BOUNDS`) of a value of each kind whose
#: value has one quantity, and that quantity.
VALUE_FIELDS: dict[str, tuple[str, str]] = {
    "lsv": ("voltage", "potential_v"),
    "ccd": ("current_density", "current_density_ma_cm2"),
}


def canonical_value(kind: str, value: float | None, unit: str | None) -> tuple[str, float] | None:
    """(field, value) in the canonical unit of a value of kind ``lsv`` (V) or ``ccd`` (mA/cm²),
    for the plausibility guards; None for other kinds or a unit that does not convert.

    >>> canonical_value("lsv", 3900, "mV vs Na+/Na"), canonical_value("other", 1, "eV")
    (('potential_v', 3.9), None)
    """
    spec = VALUE_FIELDS.get(kind)
    if spec is None or value is None or not unit:
        return None
    quantity, field = spec
    base = re.split(r"\s*\(|\s+vs\.?\s+", unit.strip(), maxsplit=1)[0]
    try:
        return field, units.parse(f"{value!r} {base}", quantity)
    except InvalidRecordError:
        return None


class MeasurementRecord(_Record):
    """One measurement: an impedance run at one temperature, or another property.

    For ``kind='eis'`` give either ``sigma_s_cm`` or ``resistance_ohm`` with the pellet's
    ``thickness_cm`` and ``area_cm2`` (taken from the sample's pellet when omitted); matdoe then
    computes sigma = L/(R·A). Other kinds keep their number in ``value`` with its ``unit``.
    """

    model_config = ConfigDict(title="measurement")

    kind: MeasurementKind = "eis"
    temperature_k: TemperatureK = None
    temperature_std_k: TemperatureStdK = None
    direction: Literal["heating", "cooling"] | None = None
    run: Int32 | None = None
    resistance_ohm: ResistanceOhm = None
    resistance_std_ohm: ResistanceStdOhm = None
    thickness_cm: LengthCm = None
    area_cm2: AreaCm2 = None
    sigma_s_cm: SigmaSCm = None
    sigma_std_s_cm: SigmaStdSCm = None
    value: float | None = None
    unit: Str40 = None
    details: JsonObject = None
    source: Source = "measured"
    citation: Text = None
    raw_file: Str255 = None
    raw_sha256: Str64 = None
    measured_on: LabDate = None
    notes: Text = None

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError(f"value must be a finite number, got {value}")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> MeasurementRecord:
        if self.kind == "eis":
            if self.temperature_k is None:
                raise ValueError("an impedance measurement needs temperature_k (e.g. '60 C')")
            if self.sigma_s_cm is None and self.resistance_ohm is None:
                raise ValueError(
                    "give sigma_s_cm, or resistance_ohm with thickness_cm and area_cm2"
                )
            given = [f for f in ("value", "unit") if getattr(self, f) is not None]
            if given and not _stored(info):
                # It would be stored beside the conductivity and used by nothing.
                raise ValueError(
                    f"an impedance measurement keeps its number in sigma_s_cm or "
                    f"resistance_ohm, not in {given[0]}; value and unit are for the other "
                    "kinds (lsv, ccd, ...): leave them out (on an edit, clear them with --set "
                    "value= --set unit=)"
                )
        else:
            if self.value is None:
                raise ValueError(f"a '{self.kind}' measurement needs a value (with its unit)")
            carried = [f for f in ("sigma_s_cm", "resistance_ohm") if getattr(self, f) is not None]
            if carried and not _stored(info):
                raise ValueError(
                    f"a '{self.kind}' measurement keeps its number in value/unit, not in "
                    f"{carried[0]}; record a conductivity as kind 'eis'"
                )
            if not _stored(info):
                _check_value_unit(self.kind, self.value, self.unit)
        if self.source == "paper" and not self.citation:
            raise ValueError(f"a value from a paper needs its citation (DOI {DOI} and where)")
        return self


class SampleRecord(_Record):
    """One batch: host salt milled with a scaffold, with the full recipe and its measurements."""

    model_config = ConfigDict(title="sample")

    label: Name = Field(description="unique, human label of the batch, e.g. 'NB-SiO2-35-A200-4h'")
    host: Name = Field(description="material name of the host salt, e.g. 'Na2B12H12'")
    scaffold: Str120 = None
    scaffold_vol_pct: float | None = Field(
        default=0.0,
        ge=0,
        le=100,
        description="nominal vol% of scaffold (0-100); null only where a source does not state it",
    )
    host_mg: MassMg = None
    scaffold_mg: MassMg = None
    batch_mg: BatchMg = None
    milling_h: TimeH = None
    milling_rpm: float | None = Field(default=None, gt=0, le=100_000)
    ball_to_powder: float | None = Field(default=None, gt=0, le=100_000)
    mill_on_min: float | None = Field(default=None, ge=0)
    mill_off_min: float | None = Field(default=None, ge=0)
    mill: Text = None
    jar_material: Str60 = None
    ball_material: Str60 = None
    ball_diameter_mm: float | None = Field(default=None, gt=0)
    atmosphere: Str60 = None
    drying: Text = None
    made_on: LabDate = None
    operator: Str120 = None
    status: Literal["planned", "made", "discarded"] = "made"
    source: Source = "measured"
    citation: Text = None
    suggestion_id: Id32 | None = None
    notes: Text = None
    extra: JsonObject = None
    pellet: PelletRecord | None = None
    measurements: list[MeasurementRecord] = Field(default_factory=list)

    @field_validator("scaffold_vol_pct", mode="before")
    @classmethod
    def _vol(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().removesuffix("%").removesuffix("vol").strip()
            text = text.removesuffix("vol%").strip()
            return text
        return value

    def dump(self) -> dict[str, Any]:
        """As :meth:`_Record.dump`, but a scaffold's vol% that is not stated stays (as null).

        Left out, an import would read it as missing, not as "not stated".
        """
        out = super().dump()
        if self.scaffold is not None and self.scaffold_vol_pct is None:
            out["scaffold_vol_pct"] = None
        return out

    @model_validator(mode="after")
    def _consistent(self) -> SampleRecord:
        if self.scaffold is None and (self.scaffold_vol_pct or 0) > 0:
            raise ValueError(f"scaffold_vol_pct={self.scaffold_vol_pct} needs a scaffold material")
        if self.source == "paper" and not self.citation:
            raise ValueError(f"a sample from a paper needs its citation (DOI {DOI} and where)")
        return self


# The tables of a whole-database export, parents before children (foreign keys hold at every
# insert); matdoe.db.bundle reads this order from here.
TableName = Literal[
    "material",
    "campaign",
    "suggestion",
    "sample",
    "pellet",
    "raw_file",
    "measurement",
    "spectrum",
    "fit",
    "revision",
]


class TableManifest(_Record):
    """What an export holds of one table, so that a damaged backup is refused before restoring."""

    model_config = ConfigDict(title="table manifest")

    rows: int = Field(ge=0, description="number of rows")
    sha256: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="SHA-256 of the CSV file (folder layout) or of the rows as canonical JSON, "
        "one line per row (single-file layout; see matdoe.db.bundle)",
    )


class BundleRecord(_Record):
    """A whole database as ``matdoe export`` writes it: every row of every table, ids included.

    ``matdoe import`` reads it back into an empty database (see ``matdoe.db.bundle``).
    """

    model_config = ConfigDict(title="bundle")

    format: Literal["matdoe-bundle"] = "matdoe-bundle"
    version: Literal[1, 2] = 2
    matdoe: str | None = Field(default=None, description="version of matdoe that wrote it")
    tables: dict[TableName, list[dict[str, Any]]] = Field(
        default_factory=dict, description="rows of each table, by id"
    )
    manifest: dict[TableName, TableManifest] = Field(
        default_factory=dict,
        description="row count and SHA-256 of each table, checked by `matdoe import` before it "
        "writes anything (version 2)",
    )


class _SpaceItem(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


#: Sample fields a numeric parameter may set (units in the names), besides ``extra.KEY``.
NUMERIC_SAMPLE_FIELDS = (
    "scaffold_vol_pct",
    "milling_h",
    "milling_rpm",
    "ball_to_powder",
    "mill_on_min",
    "mill_off_min",
    "ball_diameter_mm",
    "batch_mg",
)
#: Sample fields a categorical parameter may set, besides ``extra.KEY``; host and scaffold are
#: materials of the catalogue.
CATEGORICAL_SAMPLE_FIELDS = ("host", "scaffold", "atmosphere", "jar_material", "ball_material")
MATERIAL_FIELDS = ("host", "scaffold")
#: Names of the first version's space file that are not sample fields.
LEGACY_FIELDS = {"silica": "scaffold", "vol_pct": "scaffold_vol_pct"}
#: What a material-catalogue descriptor of a host or scaffold can be (see matdoe.campaign).
CatalogueDescriptor = Literal[
    "bet_m2_g",
    "density_g_cm3",
    "mesoporous",
    "molar_mass_g_mol",
    "cation_radius_a",
    "transition_k",
]
#: Sample fields a campaign may fix for every batch (``recipe:``).
RECIPE_FIELDS = (
    *MATERIAL_FIELDS,
    *NUMERIC_SAMPLE_FIELDS,
    "atmosphere",
    "jar_material",
    "ball_material",
    "mill",
    "drying",
    "extra",
)
_EXTRA_FIELD = re.compile(r"^extra\.[A-Za-z_][A-Za-z0-9_]{0,59}$")
#: Objectives that are measured (and modelled); any other objective name is a numeric
#: parameter whose value is a cost or a benefit of the recipe itself.
MEASURED_OBJECTIVES = ("log10_sigma", "ea_ev")

_FIELD_HELP = (
    "the sample field this parameter sets: "
    + ", ".join(CATEGORICAL_SAMPLE_FIELDS + NUMERIC_SAMPLE_FIELDS)
    + ", or extra.KEY (a key of the sample's extra object); default: the parameter's own name "
    "when it is a sample field (silica: scaffold, vol_pct: scaffold_vol_pct)"
)


#: What a space file's ``field`` may be, for editors reading the JSON Schema (the record's
#: own check gives the clearer error).
_FIELD_PATTERN = (
    "^("
    + "|".join(CATEGORICAL_SAMPLE_FIELDS + NUMERIC_SAMPLE_FIELDS)
    + r"|extra\.[A-Za-z_][A-Za-z0-9_]{0,59})$"
)


def _field_of(name: str, field: str | None) -> str:
    if field is None:
        field = LEGACY_FIELDS.get(name, name)
    if not (
        field in CATEGORICAL_SAMPLE_FIELDS
        or field in NUMERIC_SAMPLE_FIELDS
        or _EXTRA_FIELD.match(field)
    ):
        shown = "its field" if field == name else f"field {field!r}"
        raise ValueError(
            f"parameter {name!r}: {shown} is not a sample field; give field: one of "
            f"{', '.join(CATEGORICAL_SAMPLE_FIELDS + NUMERIC_SAMPLE_FIELDS)}, or extra.KEY"
        )
    return field


class CategoricalSpec(_SpaceItem):
    type: Literal["categorical"]
    name: Name
    field: str | None = Field(
        default=None, description=_FIELD_HELP, json_schema_extra={"pattern": _FIELD_PATTERN}
    )
    choices: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(min_length=1)
    descriptors: dict[str, dict[str, float]] | None = Field(
        default=None, description="numeric descriptors of every choice, {choice: {name: value}}"
    )
    catalogue_descriptors: list[CatalogueDescriptor] | None = Field(
        default=None,
        min_length=1,
        description="host or scaffold only: descriptors read from the material catalogue "
        "(bet_m2_g, density_g_cm3, mesoporous from the morphology, molar_mass_g_mol and "
        "cation_radius_a from the formula, transition_k), so a related material is placed "
        "among the known ones",
    )
    add_new: bool = Field(
        default=True,
        description="host or scaffold with descriptors: also offer catalogued materials of the "
        "same kind and formula as a listed choice, described the same way",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CategoricalSpec:
        self.field = _field_of(self.name, self.field)
        if self.field in NUMERIC_SAMPLE_FIELDS:
            raise ValueError(
                f"parameter {self.name!r}: field {self.field!r} is a number; use type: float or int"
            )
        if self.catalogue_descriptors is not None:
            if self.descriptors is not None:
                raise ValueError(
                    f"parameter {self.name!r}: give descriptors or catalogue_descriptors, not both"
                )
            if self.field not in MATERIAL_FIELDS:
                raise ValueError(
                    f"parameter {self.name!r}: catalogue_descriptors need field host or scaffold"
                )
            if len(set(self.catalogue_descriptors)) != len(self.catalogue_descriptors):
                raise ValueError(f"parameter {self.name!r}: a catalogue descriptor is repeated")
        return self


class NumericSpec(_SpaceItem):
    type: Literal["float", "int"]
    name: Name
    field: str | None = Field(
        default=None, description=_FIELD_HELP, json_schema_extra={"pattern": _FIELD_PATTERN}
    )
    low: float
    high: float
    step: float | None = Field(default=None, gt=0)
    log: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> NumericSpec:
        self.field = _field_of(self.name, self.field)
        if self.field in CATEGORICAL_SAMPLE_FIELDS:
            raise ValueError(
                f"parameter {self.name!r}: field {self.field!r} is not a number; use type: "
                "categorical"
            )
        if self.low > self.high:
            raise ValueError(
                f"parameter {self.name!r}: low {self.low:g} is above high {self.high:g}"
            )
        return self


class LinearConstraintSpec(_SpaceItem):
    type: Literal["linear"]
    coefficients: dict[str, float]
    rhs: float
    kind: Literal["<=", ">=", "=="] = "<="


class ForbiddenSpec(_SpaceItem):
    type: Literal["forbidden"]
    combination: dict[str, Any]


class ConditionSpec(_SpaceItem):
    name: Name
    low: float
    high: float
    default: float | None = None
    transform: Literal["inverse_temperature"] | None = None


def default_maximize(objective: str) -> bool:
    """Whether an objective is maximised when a space file does not say: only conductivity.

    Example:
        >>> default_maximize("log10_sigma"), default_maximize("ea_ev"), default_maximize("milling_h")
        (True, False, False)
    """
    return objective == "log10_sigma"


class ObjectiveSpec(_SpaceItem):
    """One objective: a measured property, or a recipe parameter that costs (or pays)."""

    name: Name = Field(
        description="log10_sigma (log10 of the conductivity in S/cm at temperature_c), ea_ev "
        "(activation energy of the stored Arrhenius fits, eV) or the name of a numeric "
        "parameter whose value is itself the objective (e.g. milling_h as a cost)"
    )
    maximize: bool | None = Field(
        default=None,
        description="default: true for log10_sigma, false for ea_ev and for a recipe parameter "
        "(a cost)",
    )
    temperature_c: float | None = Field(
        default=None,
        gt=-273.15,
        le=2000,
        description="log10_sigma only: the temperature (degC) at which sigma is optimised; "
        "default: the temperature condition's default",
    )


class SpaceRecord(_SpaceItem):
    """A campaign's search space, as in ``data/spaces/*.yaml`` and the campaign table.

    Each parameter sets one field of a sample (``field``); ``recipe`` holds the fields every
    batch of the campaign shares (e.g. the host when it is not a parameter), so that a suggestion
    becomes a sample and its masses can be weighed; ``objectives`` lists what is optimised.
    """

    model_config = ConfigDict(title="space")

    description: Text = None
    recipe: dict[str, Any] = Field(
        default_factory=dict,
        description="sample fields shared by every batch of the campaign, e.g. {host: "
        "Na2B12H12, milling_rpm: 400}; values as in a sample file (units allowed)",
    )
    parameters: list[Annotated[CategoricalSpec | NumericSpec, Field(discriminator="type")]] = Field(
        min_length=1
    )
    constraints: list[
        Annotated[LinearConstraintSpec | ForbiddenSpec, Field(discriminator="type")]
    ] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(default_factory=list)
    objective: ObjectiveSpec | None = Field(
        default=None, description="one objective (the first layout); or use objectives"
    )
    objectives: list[ObjectiveSpec] | None = Field(
        default=None, min_length=1, description="what the campaign optimises; several: a Pareto set"
    )

    @model_validator(mode="after")
    def _consistent(self) -> SpaceRecord:
        fields: dict[str, str] = {}
        for p in self.parameters:
            assert p.field is not None
            if p.field in fields:
                raise ValueError(
                    f"parameters {fields[p.field]!r} and {p.name!r} both set the sample field "
                    f"{p.field!r}"
                )
            fields[p.field] = p.name
        self.recipe = _recipe(self.recipe, fields)
        if self.objective is not None and self.objectives is not None:
            raise ValueError("give objective or objectives, not both")
        objectives = self.objectives or [self.objective or ObjectiveSpec(name="log10_sigma")]
        numeric = {p.name for p in self.parameters if isinstance(p, NumericSpec)}
        seen: set[str] = set()
        for o in objectives:
            if o.name in seen:
                raise ValueError(f"objective {o.name!r} is listed twice")
            seen.add(o.name)
            if o.name not in MEASURED_OBJECTIVES and o.name not in numeric:
                raise ValueError(
                    f"objective {o.name!r} is neither measured (log10_sigma, ea_ev) nor a "
                    f"numeric parameter of this space ({', '.join(sorted(numeric)) or 'none'})"
                )
            if o.temperature_c is not None and o.name != "log10_sigma":
                raise ValueError(f"objective {o.name!r}: only log10_sigma has a temperature_c")
            if o.maximize is None:
                o.maximize = default_maximize(o.name)
        self.objectives = objectives
        self.objective = None
        return self


def _recipe(recipe: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """The campaign's fixed sample fields, checked and converted as a sample's are."""
    unknown = sorted(set(recipe) - set(RECIPE_FIELDS))
    if unknown:
        raise ValueError(
            f"recipe: {unknown[0]!r} is not a sample field a campaign can fix (one of "
            f"{', '.join(RECIPE_FIELDS)})"
        )
    both = sorted(k for k in recipe if k in fields)
    if both:
        raise ValueError(
            f"recipe: {both[0]!r} is also parameter {fields[both[0]]!r}; fix it or vary it"
        )
    extra = recipe.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise ValueError("recipe: extra must be an object of KEY: value")
    for key in extra or {}:
        if f"extra.{key}" in fields:
            raise ValueError(f"recipe: extra.{key} is also parameter {fields[f'extra.{key}']!r}")
    data = {"label": "campaign-recipe", "host": recipe.get("host") or "-", **recipe}
    try:
        checked = SampleRecord.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"recipe: {_describe(exc.errors()[0])}") from None
    values = checked.model_dump(mode="json")
    for key, given in recipe.items():
        # A sample file's NaN cell is an empty one; a NaN the space file states is no value.
        if isinstance(given, float) and math.isnan(given) and values.get(key) is None:
            raise ValueError(f"recipe: {key} {given!r} is not a finite number")
    return {k: values[k] for k in recipe if values.get(k) is not None}


class CampaignRecord(_Record):
    """A campaign as `matdoe campaign list|show` reports it (and as it is exported)."""

    model_config = ConfigDict(title="campaign")

    name: Name
    status: Literal["open", "archived"] = "open"
    space: SpaceRecord
    notes: Text = None


R = TypeVar("R", bound=BaseModel)


def _shown_value(value: Any) -> str:
    """A value as a person typed it: dates in ISO form, numpy numbers as plain ones, long text cut."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + f"... ({len(text)} characters)"


def _describe(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if error.get("type") == "extra_forbidden":
        return f"unknown field {loc!r} (check the column name against the schema)"
    if error.get("type") == "missing":
        return f"field {loc!r} is required"
    given = error.get("input")
    text = _shown_value(given)
    shown = "" if isinstance(given, dict | list) or given is None else f" (got {text})"
    if shown and (repr(given) in message or text in message):
        shown = ""  # the message names the value already
    if error.get("type") == "string_type" and isinstance(
        given, bool | int | float | dt.date | dt.time
    ):
        # YAML reads an unquoted 001 as 1, 2024-05-01 as a date and yes as true.
        shown += "; a YAML file reads unquoted 001, 2024-05-01 or yes as a number, date or "
        shown += "true: put the text in quotes"
    if loc and not message.startswith(("field ", loc.split(".")[-1])):
        return f"field {loc!r}: {message}{shown}"
    return f"{message}{shown}"


def parse_record(model: type[R], data: Mapping[str, Any], *, where: str = "") -> R:
    """Validate ``data`` as ``model``; on failure raise one line naming where and which field.

    >>> parse_record(PelletRecord, {"thickness_cm": "320 um"}).thickness_cm
    0.032
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        more = exc.error_count() - 1
        tail = f" (+{more} more problem{'s' if more > 1 else ''})" if more else ""
        prefix = f"{where}: " if where else ""
        raise InvalidRecordError(f"{prefix}{_describe(first)}{tail}") from None


SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "material": MaterialRecord,
    "sample": SampleRecord,
    "measurement": MeasurementRecord,
    "pellet": PelletRecord,
    "bundle": BundleRecord,
    "space": SpaceRecord,
    "campaign": CampaignRecord,
}


def schema_documents() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every importable/exportable record, keyed by file stem."""
    docs: dict[str, dict[str, Any]] = {}
    for name, model in SCHEMA_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"matdoe/{name}.schema.json"
        docs[name] = schema
    return docs


def write_schemas(folder: Path) -> list[Path]:
    """Write ``<name>.schema.json`` files into ``folder``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schema_documents().items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    import sys

    for written_path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(written_path)
