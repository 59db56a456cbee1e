"""What a campaign is: its space file, read and checked once into a frozen value.

A space file (``data/spaces/*.yaml``, schema ``schemas/space.schema.json``) says which sample
field each parameter sets, which fields every batch of the campaign shares (``recipe``: e.g. the
host when it is not a parameter), the measurement conditions, the constraints, and one or more
objectives. :class:`CampaignDefinition` holds all of it; :attr:`CampaignDefinition.document` is
the normalised file, which the campaign table stores.

Example:
    >>> d = CampaignDefinition.from_dict({
    ...     "recipe": {"host": "LiBH4", "milling_rpm": 400},
    ...     "parameters": [{"type": "float", "name": "milling_h", "low": 1, "high": 8}],
    ...     "conditions": [{"name": "temperature_c", "low": 20, "high": 80, "default": 30,
    ...                     "transform": "inverse_temperature"}],
    ... })
    >>> d.host, d.fields["milling_h"], d.primary.name, d.target_temperature_c(d.primary)
    ('LiBH4', 'milling_h', 'log10_sigma', 30.0)
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    from matdoe.space import SearchSpace

__all__ = ["CampaignDefinition", "ObjectiveDefinition", "load_definition"]

#: The host the first version assumed for every suggestion (a space without a host field).
LEGACY_HOST = "Na2B12H12"
CONDUCTIVITY = "log10_sigma"
ACTIVATION_ENERGY = "ea_ev"
TEMPERATURE = "temperature_c"


@dataclass(frozen=True)
class ObjectiveDefinition:
    """One objective of a campaign.

    Attributes:
        name: ``log10_sigma`` (log10 S/cm at ``temperature_c``), ``ea_ev`` (eV, from the stored
            Arrhenius fits) or a numeric parameter whose value is the objective (a cost).
        maximize: Maximise (True) or minimise.
        temperature_c: For ``log10_sigma``: the temperature of the optimisation (°C), or None
            for the temperature condition's default.
    """

    name: str
    maximize: bool
    temperature_c: float | None = None

    @property
    def kind(self) -> str:
        """``conductivity``, ``activation_energy`` or ``recipe`` (no model needed)."""
        if self.name == CONDUCTIVITY:
            return "conductivity"
        if self.name == ACTIVATION_ENERGY:
            return "activation_energy"
        return "recipe"

    @property
    def modelled(self) -> bool:
        """Whether the objective is measured (and so modelled), not read off the recipe."""
        return self.kind != "recipe"

    def describe(self) -> str:
        """E.g. ``'log10_sigma (max) at 30 °C'``."""
        way = "max" if self.maximize else "min"
        at = f" at {self.temperature_c:g} °C" if self.temperature_c is not None else ""
        return f"{self.name} ({way}){at}"


@dataclass(frozen=True)
class CampaignDefinition:
    """A campaign's space file, checked (see the module docstring).

    Attributes:
        space: The search space (categoricals whose descriptors come from the catalogue have
            none here: :func:`matdoe.campaign.campaign_space` fills them in).
        fields: Parameter name → the sample field it sets (``host``, ``scaffold``,
            ``scaffold_vol_pct``, ``milling_h``, ..., or ``extra.KEY``).
        recipe: Sample fields every batch of the campaign shares (converted as in a sample
            file: ``milling_h`` in h, ``batch_mg`` in mg).
        objectives: What is optimised (the first is the primary one).
        catalogue: Parameter name → the catalogue descriptors that describe its materials.
        add_new: Parameter name → whether catalogued materials of a listed choice's formula join.
        description: The file's description.
        document: The normalised space file (what the campaign table stores).
    """

    space: SearchSpace
    fields: Mapping[str, str]
    recipe: Mapping[str, Any]
    objectives: tuple[ObjectiveDefinition, ...]
    catalogue: Mapping[str, tuple[str, ...]]
    add_new: Mapping[str, bool]
    description: str | None
    document: Mapping[str, Any]

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "space", stored: bool = False
    ) -> CampaignDefinition:
        """Check a space-file mapping (schema and meaning) and build the definition.

        A space of the first layout (no ``recipe``, no field names) keeps the meaning that
        version gave it: the host of every batch is Na2B12H12.

        Args:
            data: The space file's mapping.
            where: Names the file or campaign in messages.
            stored: A campaign's stored space, accepted when it was created: its ranges are not
                checked again against the sample fields (:meth:`check_ranges`), so a campaign
                stored before that check stays usable and an edit can mend it.

        Raises:
            InvalidRecordError: one line naming ``where`` and what is wrong.
        """
        from matdoe.records import SpaceRecord, parse_record
        from matdoe.space import SearchSpace

        if not isinstance(data, Mapping):
            raise InvalidRecordError(f"{where}: a space file holds a mapping (parameters: ...)")
        data = dict(data)
        legacy = "recipe" not in data and not any(
            isinstance(p, Mapping) and "field" in p for p in data.get("parameters") or []
        )
        record = parse_record(SpaceRecord, data, where=where)
        fields = {p.name: str(p.field) for p in record.parameters}
        recipe = dict(record.recipe)
        if "host" not in recipe and "host" not in fields.values():
            if not legacy:
                raise InvalidRecordError(
                    f"{where}: the campaign names no host salt; add recipe: {{host: NAME}} or "
                    "a parameter with field: host"
                )
            recipe = {"host": LEGACY_HOST, **recipe}
            record.recipe = recipe
        document = record.model_dump(mode="json", exclude_none=True)
        try:
            space = SearchSpace.from_dict(document)
        except InvalidRecordError as exc:
            raise InvalidRecordError(f"{where}: {exc}") from None
        objectives = tuple(
            ObjectiveDefinition(o.name, bool(o.maximize), o.temperature_c)
            for o in record.objectives or ()
        )
        definition = cls(
            space=space,
            fields=fields,
            recipe=recipe,
            objectives=objectives,
            catalogue={
                p.name: tuple(getattr(p, "catalogue_descriptors", None) or ())
                for p in record.parameters
                if getattr(p, "catalogue_descriptors", None)
            },
            add_new={p.name: bool(getattr(p, "add_new", False)) for p in record.parameters},
            description=record.description,
            document=document,
        )
        definition._check(where)
        if not stored:
            definition.check_ranges(where)
        return definition

    def check_ranges(self, where: str = "space") -> None:
        """Refuse a range that gives suggestions no sample can be recorded from.

        A numeric parameter needs low below high, inside what its sample field accepts
        (:class:`matdoe.records.SampleRecord`: a vol% within 0–100, a milling time from 0) and
        its plausible range (:mod:`matdoe.plausibility`: a milling time up to 1000 h); a value
        the recipe fixes for every batch needs the same (a batch of 1 mg–1 kg); a condition
        needs low below high; the temperatures sigma is optimised at must lie in the range of a
        conductivity measurement.

        Raises:
            InvalidRecordError: one line naming ``where``, the parameter or recipe field and the
                limit.
        """
        from matdoe.plausibility import BOUNDS, refuse_implausible

        # The recipe was read as a sample (SpaceRecord: the field's own limits); what a sample
        # add refuses as implausible is checked here.
        for field, value in self.recipe.items():
            bound = BOUNDS.get(field)
            if bound is not None and not bound.low <= value <= bound.high:
                raise InvalidRecordError(
                    f"{where}: recipe: {bound.describe(field, value)}; every batch of the "
                    "campaign would be refused as implausible when recorded"
                )
        for p in self.space.parameters:
            if not p.numeric:
                continue
            d = p.to_dict()
            if d["low"] >= d["high"]:
                raise InvalidRecordError(
                    f"{where}: parameter {p.name!r}: low {d['low']:g} is not below high "
                    f"{d['high']:g}; give a range (a value every batch shares belongs in recipe)"
                )
            step = d.get("step")
            span = d["high"] - d["low"]
            if step is not None and step > span * (1 + 1e-9):
                raise InvalidRecordError(
                    f"{where}: parameter {p.name!r}: step {step:g} is larger than the range "
                    f"{d['low']:g}-{d['high']:g}, so only {d['low']:g} could be proposed; give "
                    "a smaller step"
                )
            field = self.fields[p.name]
            limits = _field_limits(field)
            bound = BOUNDS.get(field)
            for end in ("low", "high"):
                value = d[end]
                if not all(_HOLDS[op](value, limit) for op, limit in limits):
                    accepted = " and ".join(f"{op} {limit:g}" for op, limit in limits)
                    raise InvalidRecordError(
                        f"{where}: parameter {p.name!r}: {end} {value:g} is outside what the "
                        f"sample field {field} accepts ({accepted}); a suggestion there could "
                        "not be recorded as a sample"
                    )
                if bound is not None and not bound.low <= value <= bound.high:
                    raise InvalidRecordError(
                        f"{where}: parameter {p.name!r}: {end} {value:g} is outside "
                        f"{bound.shown} {bound.why}; a suggestion there would be refused as "
                        "implausible when recorded"
                    )
        for condition in self.space.conditions:
            if condition.low >= condition.high:
                raise InvalidRecordError(
                    f"{where}: condition {condition.name!r}: low {condition.low:g} is not below "
                    f"high {condition.high:g}"
                )
        targets = {o.temperature_c for o in self.objectives if o.kind == "conductivity"}
        condition = self.temperature_condition()
        if condition is not None and condition.default is not None:
            targets.add(condition.default)
        for target in sorted(t for t in targets if t is not None):
            refuse_implausible(
                "temperature_k", target + 273.15, where=f"{where}: temperature_c {target:g}"
            )

    def _check(self, where: str) -> None:
        for objective in self.objectives:
            if objective.kind == "conductivity":
                condition = self.temperature_condition()
                if condition is None:
                    raise InvalidRecordError(
                        f"{where}: objective log10_sigma needs a condition temperature_c "
                        "(transform: inverse_temperature): conductivities are measured at "
                        "several temperatures"
                    )
                if objective.temperature_c is None and condition.default is None:
                    raise InvalidRecordError(
                        f"{where}: give objective log10_sigma a temperature_c, or the condition "
                        "temperature_c a default"
                    )
        if all(not o.modelled for o in self.objectives):
            raise InvalidRecordError(
                f"{where}: every objective is a recipe parameter; add a measured one "
                "(log10_sigma or ea_ev), or there is nothing to learn"
            )

    def to_dict(self) -> dict[str, Any]:
        """The normalised space file (a plain, JSON-able copy of :attr:`document`)."""
        import copy

        return copy.deepcopy(dict(self.document))

    # ------------------------------------------------------------------ questions
    @property
    def primary(self) -> ObjectiveDefinition:
        """The first objective."""
        return self.objectives[0]

    @property
    def modelled(self) -> tuple[ObjectiveDefinition, ...]:
        """The measured objectives (each gets a model)."""
        return tuple(o for o in self.objectives if o.modelled)

    @property
    def host(self) -> str | None:
        """The host every batch shares, or None when the host is a parameter."""
        value = self.recipe.get("host")
        return None if value is None else str(value)

    def parameter_for(self, field: str) -> str | None:
        """The parameter that sets sample field ``field``, or None."""
        for name, f in self.fields.items():
            if f == field:
                return name
        return None

    def temperature_condition(self) -> Any:
        """The ``temperature_c`` condition, or None."""
        for condition in self.space.conditions:
            if condition.name == TEMPERATURE:
                return condition
        return None

    def target_temperature_c(self, objective: ObjectiveDefinition | None = None) -> float:
        """The temperature (°C) at which the conductivity objective is optimised."""
        objective = objective or next(
            (o for o in self.objectives if o.kind == "conductivity"), None
        )
        if objective is not None and objective.temperature_c is not None:
            return float(objective.temperature_c)
        condition = self.temperature_condition()
        if condition is None or condition.default is None:
            raise InvalidRecordError("this campaign has no temperature to optimise sigma at")
        return float(condition.default)

    def objective(self, name: str) -> ObjectiveDefinition:
        """The objective called ``name``."""
        for objective in self.objectives:
            if objective.name == name:
                return objective
        raise InvalidRecordError(
            f"the campaign has no objective {name!r}; it has "
            f"{', '.join(o.name for o in self.objectives)}"
        )

    def describe_parameters(
        self, joined: Mapping[str, Sequence[str]] | None = None
    ) -> list[dict[str, Any]]:
        """One row per parameter: name, field, what it ranges over.

        Args:
            joined: Per categorical parameter, the choices the material catalogue adds to the
                listed ones (see :func:`matdoe.campaign.catalogue.campaign_space`).
        """
        rows = []
        for p in self.space.parameters:
            d = p.to_dict()
            if d["type"] == "categorical":
                values = ", ".join(d["choices"])
                extra = [c for c in (joined or {}).get(p.name, ()) if c not in d["choices"]]
                if extra:
                    values += f" + from the catalogue: {', '.join(extra)}"
                if p.name in self.catalogue:
                    values += f" (described by {', '.join(self.catalogue[p.name])})"
                elif d.get("descriptors"):
                    names = next(iter(d["descriptors"].values()))
                    values += f" (described by {', '.join(names)})"
            else:
                step = f" step {d['step']:g}" if d.get("step") else ""
                values = f"{d['low']:g} .. {d['high']:g}{step}" + (" (log)" if d["log"] else "")
            rows.append({"parameter": p.name, "field": self.fields[p.name], "values": values})
        return rows


def _field_limits(field: str) -> list[tuple[str, float]]:
    """The bounds :class:`matdoe.records.SampleRecord` puts on a numeric field, e.g.
    ``[(">=", 0.0), ("<=", 100.0)]`` for ``scaffold_vol_pct`` (an ``extra.KEY``: none).

    >>> _field_limits("scaffold_vol_pct"), _field_limits("batch_mg"), _field_limits("extra.x")
    ([('>=', 0.0), ('<=', 100.0)], [('>', 0.0)], [])
    """
    import typing

    import annotated_types as at
    from pydantic.fields import FieldInfo

    from matdoe.records import SampleRecord

    info = SampleRecord.model_fields.get(field)
    if info is None:
        return []
    found: list[tuple[str, float]] = []

    ops = ((at.Gt, ">", "gt"), (at.Ge, ">=", "ge"), (at.Lt, "<", "lt"), (at.Le, "<=", "le"))

    def walk(items: Sequence[Any]) -> None:
        for item in items:
            if isinstance(item, FieldInfo):
                walk(item.metadata)
            for kind, op, attr in ops:
                if isinstance(item, kind):
                    found.append((op, float(getattr(item, attr))))

    walk(info.metadata)
    # A unit-carrying field (batch_mg, milling_h) keeps its bound inside Annotated[float, ...].
    for arg in typing.get_args(info.annotation):
        walk(getattr(arg, "__metadata__", ()))
    return found


_HOLDS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def load_definition(path: Path) -> CampaignDefinition:
    """A space file (YAML or JSON) as a :class:`CampaignDefinition`.

    Raises:
        InvalidRecordError: the file is missing, unreadable, or not a valid space.
    """
    from matdoe.tables import read_structured

    data = read_structured(path)
    return CampaignDefinition.from_dict(data, where=path.name)
