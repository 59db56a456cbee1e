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

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from matdoe import units
from matdoe.errors import InvalidRecordError

__all__ = [
    "BundleRecord",
    "MaterialRecord",
    "MeasurementRecord",
    "PelletRecord",
    "SampleRecord",
    "SpaceRecord",
    "parse_record",
    "write_schemas",
]

DOI = "10.1039/d5ta09128d"


def _unit_text(kind: str, unit_text: str) -> Any:
    """Validator and JSON Schema of a float field in a canonical unit that accepts text too."""

    def convert(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        return units.parse(value, kind)

    schema: dict[str, Any] = {
        "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}],
        "description": f"in {unit_text}; or text with a unit, e.g. '{units.KINDS[kind].example}'",
    }
    return (BeforeValidator(convert), WithJsonSchema(schema))


_POS = Annotated[float, Field(gt=0)]
_NONNEG = Annotated[float, Field(ge=0)]
_T, _T_SCHEMA = _unit_text("temperature", "K")
_R, _R_SCHEMA = _unit_text("resistance", "ohm")
_L, _L_SCHEMA = _unit_text("length", "cm")
_A, _A_SCHEMA = _unit_text("area", "cm²")
_S, _S_SCHEMA = _unit_text("conductivity", "S/cm")
_M, _M_SCHEMA = _unit_text("mass", "mg")
_H, _H_SCHEMA = _unit_text("time", "h")
_P, _P_SCHEMA = _unit_text("pressure", "MPa")
_D, _D_SCHEMA = _unit_text("density", "g/cm³")

TemperatureK = Annotated[_POS | None, _T, _T_SCHEMA]
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


def _blank_is_none(value: Any) -> Any:
    # An empty optional text is no text, stored as NULL: a CSV export cannot tell "" from an
    # empty cell, so keeping "" would not survive export → import.
    return None if isinstance(value, str) and not value.strip() else value


_BLANK = BeforeValidator(_blank_is_none)
Text = Annotated[Annotated[str, Field(max_length=10_000)] | None, _BLANK]
Str40 = Annotated[Annotated[str, Field(max_length=40)] | None, _BLANK]
Str60 = Annotated[Annotated[str, Field(max_length=60)] | None, _BLANK]
Str64 = Annotated[Annotated[str, Field(max_length=64)] | None, _BLANK]
Str120 = Annotated[Annotated[str, Field(max_length=120)] | None, _BLANK]
Str255 = Annotated[Annotated[str, Field(max_length=255)] | None, _BLANK]
NonNegative = _NONNEG | None
Name = Annotated[str, Field(min_length=1, max_length=120)]
Source = Literal["measured", "paper", "simulated"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)

    def dump(self) -> dict[str, Any]:
        """JSON-able dict without unset optional fields (None, no measurements) for compact files.

        An empty ``extra``/``details`` object is kept: dropping it would read back as None.
        """
        return {k: v for k, v in self.model_dump(mode="json").items() if v is not None and v != []}


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
    bet_m2_g: NonNegative = None
    pore_volume: float | None = Field(default=None, ge=0)
    pore_volume_unit: Text = None
    morphology: Text = None
    citation: Text = None
    notes: Text = None

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str) -> str:
        from matdoe.chem import check_formula

        return check_formula(value)

    @model_validator(mode="after")
    def _density_has_source(self) -> MaterialRecord:
        if self.density_g_cm3 is not None and not self.density_source:
            raise ValueError(
                "density_g_cm3 needs a density_source (a handbook, a datasheet, or 'measured')"
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


class MeasurementRecord(_Record):
    """One measurement: an impedance run at one temperature, or another property.

    For ``kind='eis'`` give either ``sigma_s_cm`` or ``resistance_ohm`` with the pellet's
    ``thickness_cm`` and ``area_cm2`` (taken from the sample's pellet when omitted); matdoe then
    computes sigma = L/(R·A). Other kinds keep their number in ``value`` with its ``unit``.
    """

    model_config = ConfigDict(title="measurement")

    kind: MeasurementKind = "eis"
    temperature_k: TemperatureK = None
    direction: Literal["heating", "cooling"] | None = None
    run: int | None = Field(default=None, ge=0)
    resistance_ohm: ResistanceOhm = None
    resistance_std_ohm: ResistanceStdOhm = None
    thickness_cm: LengthCm = None
    area_cm2: AreaCm2 = None
    sigma_s_cm: SigmaSCm = None
    sigma_std_s_cm: SigmaStdSCm = None
    value: float | None = None
    unit: Str40 = None
    details: dict[str, Any] | None = None
    source: Source = "measured"
    citation: Text = None
    raw_file: Str255 = None
    raw_sha256: Str64 = None
    measured_on: dt.date | None = None
    notes: Text = None

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError(f"value must be a finite number, got {value}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MeasurementRecord:
        if self.kind == "eis":
            if self.temperature_k is None:
                raise ValueError("an impedance measurement needs temperature_k (e.g. '60 C')")
            if self.sigma_s_cm is None and self.resistance_ohm is None:
                raise ValueError(
                    "give sigma_s_cm, or resistance_ohm with thickness_cm and area_cm2"
                )
        elif self.value is None:
            raise ValueError(f"a '{self.kind}' measurement needs a value (with its unit)")
        if self.source == "paper" and not self.citation:
            raise ValueError(f"a value from a paper needs its citation (DOI {DOI} and where)")
        return self


class SampleRecord(_Record):
    """One batch: host salt milled with a scaffold, with the full recipe and its measurements."""

    model_config = ConfigDict(title="sample")

    label: Name = Field(description="unique, human label of the batch, e.g. 'NB-SiO2-35-A200-4h'")
    host: Name = Field(description="material name of the host salt, e.g. 'Na2B12H12'")
    scaffold: Str120 = None
    scaffold_vol_pct: float = Field(
        default=0.0, ge=0, le=100, description="nominal vol% of scaffold (0-100)"
    )
    host_mg: MassMg = None
    scaffold_mg: MassMg = None
    batch_mg: BatchMg = None
    milling_h: TimeH = None
    milling_rpm: float | None = Field(default=None, gt=0)
    ball_to_powder: float | None = Field(default=None, gt=0)
    mill_on_min: float | None = Field(default=None, ge=0)
    mill_off_min: float | None = Field(default=None, ge=0)
    mill: Text = None
    jar_material: Str60 = None
    ball_material: Str60 = None
    ball_diameter_mm: float | None = Field(default=None, gt=0)
    atmosphere: Str60 = None
    drying: Text = None
    made_on: dt.date | None = None
    operator: Str120 = None
    status: Literal["planned", "made", "discarded"] = "made"
    source: Source = "measured"
    citation: Text = None
    suggestion_id: int | None = Field(default=None, ge=1)
    notes: Text = None
    extra: dict[str, Any] | None = None
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

    @model_validator(mode="after")
    def _consistent(self) -> SampleRecord:
        if self.scaffold is None and self.scaffold_vol_pct > 0:
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
    model_config = ConfigDict(extra="forbid")


class CategoricalSpec(_SpaceItem):
    type: Literal["categorical"]
    name: Name
    choices: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    descriptors: dict[str, dict[str, float]] | None = None


class NumericSpec(_SpaceItem):
    type: Literal["float", "int"]
    name: Name
    low: float
    high: float
    step: float | None = Field(default=None, gt=0)
    log: bool = False


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


class ObjectiveSpec(_SpaceItem):
    name: Name
    maximize: bool = True


class SpaceRecord(_SpaceItem):
    """A campaign's search space, as in ``data/spaces/*.yaml`` and the campaign table."""

    model_config = ConfigDict(title="space")

    parameters: list[Annotated[CategoricalSpec | NumericSpec, Field(discriminator="type")]] = Field(
        min_length=1
    )
    constraints: list[
        Annotated[LinearConstraintSpec | ForbiddenSpec, Field(discriminator="type")]
    ] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(default_factory=list)
    objective: ObjectiveSpec | None = None


R = TypeVar("R", bound=BaseModel)


def _describe(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if error.get("type") == "extra_forbidden":
        return f"unknown field {loc!r} (check the column name against the schema)"
    if error.get("type") == "missing":
        return f"field {loc!r} is required"
    given = error.get("input")
    shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
    if loc and not message.startswith(loc.split(".")[-1]):
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
