"""The search space of a design-of-experiments campaign.

A :class:`SearchSpace` holds the recipe *parameters* a lab chooses (a :class:`Categorical` such as
the silica, a :class:`Float` such as ``vol_pct`` with a step, an :class:`Int`), optional
*constraints* between them (:class:`LinearConstraint`, :class:`Forbidden`), and fixed
*conditions* of a measurement that are not chosen but under which the objective is observed and
predicted (:class:`Condition`, e.g. ``temperature_c``).

The space also knows how to

* check an observations table (:meth:`SearchSpace.validate`),
* put recipes on the step grid (:meth:`SearchSpace.snap`) and test constraints
  (:meth:`SearchSpace.feasible`),
* encode recipes as numbers in the unit cube for a surrogate model (:meth:`SearchSpace.encode`):
  categoricals through their descriptors (e.g. the silica's BET area and a mesoporous flag), one-hot
  when asked or when a categorical has no descriptors, continuous parameters scaled to [0, 1]
  (logarithmically for ``log=True``), a temperature condition as 1000/T (K).

Spaces round-trip through plain dictionaries (:meth:`SearchSpace.to_dict`,
:meth:`SearchSpace.from_dict`), which is what a campaign stores in the database, and load from YAML
(:meth:`SearchSpace.from_yaml`).

Example:
    >>> space = SearchSpace([Categorical("silica", ["A", "B"]), Float("vol_pct", 5, 60, step=0.5)])
    >>> space.parameter_names
    ('silica', 'vol_pct')
    >>> SearchSpace.from_dict(space.to_dict()) == space
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Categorical",
    "Condition",
    "Float",
    "Forbidden",
    "Int",
    "LinearConstraint",
    "SearchSpace",
    "celsius_to_inverse_kilo_kelvin",
]

ZERO_CELSIUS_K = 273.15
# Relative tolerance for "on the bound" and "satisfies an equality" checks.
_REL_TOL = 1e-9


def celsius_to_inverse_kilo_kelvin(temperature_c: Any) -> Any:
    """Convert a temperature in °C to 1000/T with T in kelvin (the Arrhenius abscissa).

    Args:
        temperature_c: Temperature(s) in °C (scalar or array).

    Returns:
        1000/T in 1/kK, same shape as the input.

    Example:
        >>> round(float(celsius_to_inverse_kilo_kelvin(26.85)), 6)
        3.333333
    """
    return 1000.0 / (np.asarray(temperature_c, dtype=float) + ZERO_CELSIUS_K)


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidRecordError(f"a parameter name must be a non-empty string, got {name!r}")


def _finite_bounds(what: str, low: Any, high: Any) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise InvalidRecordError(f"{what}: need finite low <= high, got low={low}, high={high}")
    return low, high


@dataclass(frozen=True)
class Float:
    """A continuous parameter in ``[low, high]``, optionally on a grid of ``step``.

    Args:
        name: Column name in observation tables (units in the name, e.g. ``vol_pct``).
        low: Lower bound (inclusive), in the parameter's unit.
        high: Upper bound (inclusive), in the parameter's unit.
        step: Grid spacing in the parameter's unit (values are ``low + k * step``), or None for a
            truly continuous parameter.
        log: Scale logarithmically for sampling and modelling (``low > 0``; no ``step``).

    Example:
        >>> Float("vol_pct", 5, 60, step=0.5).grid_high
        60.0
    """

    name: str
    low: float
    high: float
    step: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name)
        low, high = _finite_bounds(f"parameter {self.name!r}", self.low, self.high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if self.step is not None:
            step = float(self.step)
            if not step > 0 or not math.isfinite(step):
                raise InvalidRecordError(
                    f"parameter {self.name!r}: step must be positive, got {self.step!r}"
                )
            object.__setattr__(self, "step", step)
        if self.log and low <= 0:
            raise InvalidRecordError(f"parameter {self.name!r}: log=True needs low > 0, got {low}")
        if self.log and self.step is not None and type(self) is Float:
            raise InvalidRecordError(
                f"parameter {self.name!r}: log=True and a step cannot be combined; drop one"
            )

    @property
    def grid_high(self) -> float:
        """Largest value on the grid (``high`` itself when there is no step or it fits)."""
        if self.step is None:
            return self.high
        k = math.floor((self.high - self.low) / self.step + 1e-9)
        return self.low + k * self.step

    def snap(self, values: np.ndarray) -> np.ndarray:
        """Round values to the nearest grid point inside the bounds."""
        values = np.clip(np.asarray(values, dtype=float), self.low, self.high)
        if self.step is None:
            return values
        k = np.round((values - self.low) / self.step)
        return np.clip(self.low + k * self.step, self.low, self.grid_high)

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Map values to [0, 1] (log scale when ``log``)."""
        values = np.asarray(values, dtype=float)
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return (np.log(np.maximum(values, 1e-300)) - lo) / max(hi - lo, 1e-12)
        return (values - self.low) / max(self.high - self.low, 1e-12)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_unit` (not snapped)."""
        unit = np.asarray(unit, dtype=float)
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + unit * (hi - lo))
        return self.low + unit * (self.high - self.low)

    def search_step(self) -> float:
        """Smallest move of a local search, in the parameter's unit."""
        if self.step is not None:
            return self.step
        return (self.high - self.low) / 1000.0 or 1.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "type": "int" if isinstance(self, Int) else "float",
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "step": self.step,
            "log": self.log,
        }


@dataclass(frozen=True)
class Int(Float):
    """An integer parameter in ``[low, high]`` on a grid of ``step`` (default 1).

    Example:
        >>> Int("n_balls", 1, 10, step=3).snap(np.array([5.2, 10.0])).tolist()
        [4.0, 10.0]
    """

    step: float | None = 1

    def __post_init__(self) -> None:
        for attr in ("low", "high", "step"):
            value = getattr(self, attr)
            if value is None or float(value) != round(float(value)):
                raise InvalidRecordError(
                    f"integer parameter {self.name!r}: {attr} must be an integer, got {value!r}"
                )
        if self.log and self.step != 1:
            raise InvalidRecordError(
                f"integer parameter {self.name!r}: log=True needs step=1, got {self.step}"
            )
        super().__post_init__()


@dataclass(frozen=True)
class Categorical:
    """A categorical parameter, optionally described by numeric descriptors per choice.

    Descriptors let a surrogate treat a choice as a point in a descriptor space (e.g. a silica
    through its BET area in m²/g and a mesoporous flag), so a new choice with known descriptors is
    not a stranger to the model. Every choice needs the same descriptor keys.

    Args:
        name: Column name in observation tables.
        choices: The allowed values (strings).
        descriptors: ``{choice: {descriptor: value}}`` or None.

    Example:
        >>> c = Categorical("silica", ["A", "B"], descriptors={"A": {"bet": 1}, "B": {"bet": 2}})
        >>> c.descriptor_names
        ('bet',)
    """

    name: str
    choices: tuple[str, ...]
    descriptors: Mapping[str, Mapping[str, float]] | None = field(default=None, compare=True)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if isinstance(self.choices, str):
            raise InvalidRecordError(
                f"parameter {self.name!r}: choices must be a list of strings, not one string"
            )
        choices = tuple(str(c) for c in self.choices)
        if not choices:
            raise InvalidRecordError(f"parameter {self.name!r}: needs at least one choice")
        if len(set(choices)) != len(choices):
            raise InvalidRecordError(f"parameter {self.name!r}: duplicate choices in {choices}")
        object.__setattr__(self, "choices", choices)
        if self.descriptors is not None:
            desc = {
                str(k): {str(d): float(v) for d, v in dv.items()}
                for k, dv in self.descriptors.items()
            }
            missing = [c for c in choices if c not in desc]
            if missing:
                raise InvalidRecordError(
                    f"parameter {self.name!r}: descriptors missing for choice(s) {missing}; give "
                    "descriptors for every choice or none"
                )
            keys = sorted(desc[choices[0]])
            for c in choices:
                if sorted(desc[c]) != keys:
                    raise InvalidRecordError(
                        f"parameter {self.name!r}: choice {c!r} has descriptors {sorted(desc[c])}, "
                        f"expected {keys}"
                    )
                bad = [d for d, v in desc[c].items() if not math.isfinite(v)]
                if bad:
                    raise InvalidRecordError(
                        f"parameter {self.name!r}: choice {c!r} has a non-finite descriptor {bad}"
                    )
            # Keep only the listed choices, in order; a frozen mapping of plain dicts.
            object.__setattr__(
                self, "descriptors", {c: dict(sorted(desc[c].items())) for c in choices}
            )

    def __hash__(self) -> int:
        return hash((self.name, self.choices))

    @property
    def descriptor_names(self) -> tuple[str, ...]:
        """Names of the descriptors (empty when there are none)."""
        if not self.descriptors:
            return ()
        return tuple(next(iter(self.descriptors.values())).keys())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        out: dict[str, Any] = {
            "type": "categorical",
            "name": self.name,
            "choices": list(self.choices),
        }
        if self.descriptors is not None:
            out["descriptors"] = {c: dict(v) for c, v in self.descriptors.items()}
        return out


Parameter = Float | Int | Categorical


@dataclass(frozen=True)
class Condition:
    """A measurement condition: observed, not chosen; suggestions are made at a fixed value.

    Args:
        name: Column name (e.g. ``temperature_c``).
        low: Lowest value the model should cover, in the column's unit.
        high: Highest value the model should cover.
        default: Value at which to predict and optimise when the caller gives none.
        transform: ``"inverse_temperature"`` to model the column (in °C) as 1000/T (K), so one
            Arrhenius-like model covers sigma(T); or None for a linear scale.

    Example:
        >>> Condition("temperature_c", 20, 100, default=30, transform="inverse_temperature").default
        30.0
    """

    name: str
    low: float
    high: float
    default: float | None = None
    transform: Literal["inverse_temperature"] | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        low, high = _finite_bounds(f"condition {self.name!r}", self.low, self.high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if self.default is not None:
            default = float(self.default)
            if not low <= default <= high:
                raise InvalidRecordError(
                    f"condition {self.name!r}: default {default} outside [{low}, {high}]"
                )
            object.__setattr__(self, "default", default)
        if self.transform not in (None, "inverse_temperature"):
            raise InvalidRecordError(
                f"condition {self.name!r}: unknown transform {self.transform!r}; use "
                "'inverse_temperature' or None"
            )
        if self.transform == "inverse_temperature" and low <= -ZERO_CELSIUS_K:
            raise InvalidRecordError(
                f"condition {self.name!r}: temperatures in °C must be above -273.15, got {low}"
            )

    def to_unit(self, values: Any) -> np.ndarray:
        """Map condition values to [0, 1] over ``[low, high]`` after the transform."""
        values = np.asarray(values, dtype=float)
        if self.transform == "inverse_temperature":
            # 1000/T decreases with T: map the hottest point to 0 and the coldest to 1.
            t, lo, hi = (celsius_to_inverse_kilo_kelvin(v) for v in (values, self.high, self.low))
        else:
            t, lo, hi = values, self.low, self.high
        return np.asarray((t - lo) / max(float(hi - lo), 1e-12))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "default": self.default,
            "transform": self.transform,
        }


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(coefficients[name] * value) <kind> rhs`` over numeric parameters.

    Example:
        >>> LinearConstraint({"a_pct": 1, "b_pct": 1}, 100, "==").kind
        '=='
    """

    coefficients: Mapping[str, float]
    rhs: float
    kind: Literal["<=", ">=", "=="] = "<="

    def __post_init__(self) -> None:
        if not self.coefficients:
            raise InvalidRecordError("a linear constraint needs at least one coefficient")
        object.__setattr__(
            self, "coefficients", {str(k): float(v) for k, v in self.coefficients.items()}
        )
        object.__setattr__(self, "rhs", float(self.rhs))
        if self.kind not in ("<=", ">=", "=="):
            raise InvalidRecordError(
                f"linear constraint kind must be '<=', '>=' or '==', got {self.kind!r}"
            )

    def __hash__(self) -> int:
        return hash((tuple(self.coefficients.items()), self.rhs, self.kind))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "type": "linear",
            "coefficients": dict(self.coefficients),
            "rhs": self.rhs,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Forbidden:
    """A forbidden combination: a recipe matching *every* entry is infeasible.

    An entry's value is a choice (categorical) or a number (numeric, equality on the grid), a list
    of choices, or a ``[low, high]`` pair for a numeric parameter (closed interval).

    Example:
        >>> Forbidden({"silica": "SiO2-SBA15", "vol_pct": [50, 60]}).combination["vol_pct"]
        (50.0, 60.0)
    """

    combination: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not self.combination:
            raise InvalidRecordError("a forbidden combination needs at least one entry")
        combo: dict[str, Any] = {}
        for k, v in self.combination.items():
            if isinstance(v, list | tuple):
                if all(isinstance(x, int | float) and not isinstance(x, bool) for x in v):
                    if len(v) != 2:
                        raise InvalidRecordError(
                            f"forbidden entry {k!r}: a numeric range is [low, high], got {v!r}"
                        )
                    combo[str(k)] = (float(v[0]), float(v[1]))
                else:
                    combo[str(k)] = tuple(str(x) for x in v)
            else:
                combo[str(k)] = v
        object.__setattr__(self, "combination", combo)

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, str(v)) for k, v in self.combination.items())))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "type": "forbidden",
            "combination": {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.combination.items()
            },
        }


Constraint = LinearConstraint | Forbidden


class SearchSpace:
    """Parameters, constraints and conditions of a campaign.

    Args:
        parameters: The chosen recipe variables.
        constraints: Linear constraints and forbidden combinations among parameters.
        conditions: Measurement conditions (not chosen), e.g. temperature.
        objective: Name of the objective column (metadata carried by YAML/dict; optional).
        maximize: Whether the objective is maximised (metadata).
    """

    def __init__(
        self,
        parameters: Iterable[Parameter],
        constraints: Iterable[Constraint] = (),
        conditions: Iterable[Condition] = (),
        *,
        objective: str | None = None,
        maximize: bool = True,
    ) -> None:
        self.parameters: tuple[Parameter, ...] = tuple(parameters)
        self.constraints: tuple[Constraint, ...] = tuple(constraints)
        self.conditions: tuple[Condition, ...] = tuple(conditions)
        self.objective = objective
        self.maximize = bool(maximize)
        if not self.parameters:
            raise InvalidRecordError("a search space needs at least one parameter")
        names = [p.name for p in self.parameters] + [c.name for c in self.conditions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidRecordError(f"duplicate parameter/condition names {dupes}")
        for p in self.parameters:
            if not isinstance(p, Float | Categorical):
                raise InvalidRecordError(f"not a parameter: {p!r}; use Categorical, Float or Int")
        self._index = {p.name: i for i, p in enumerate(self.parameters)}
        for con in self.constraints:
            self._check_constraint(con)

    # ----------------------------------------------------------------------------- basics
    def _check_constraint(self, con: Constraint) -> None:
        if isinstance(con, LinearConstraint):
            for name in con.coefficients:
                p = self._param(name, "linear constraint")
                if isinstance(p, Categorical):
                    raise InvalidRecordError(
                        f"linear constraint uses categorical parameter {name!r}; only numeric "
                        "parameters can enter a linear constraint"
                    )
        elif isinstance(con, Forbidden):
            for name, value in con.combination.items():
                p = self._param(name, "forbidden combination")
                if isinstance(p, Categorical):
                    values = value if isinstance(value, tuple) else (value,)
                    unknown = [v for v in values if str(v) not in p.choices]
                    if unknown:
                        raise InvalidRecordError(
                            f"forbidden combination: {unknown} not among the choices of {name!r} "
                            f"{list(p.choices)}"
                        )
        else:
            raise InvalidRecordError(
                f"not a constraint: {con!r}; use LinearConstraint or Forbidden"
            )

    def _param(self, name: str, where: str = "space") -> Parameter:
        if name not in self._index:
            raise InvalidRecordError(
                f"{where}: unknown parameter {name!r}; the space has {list(self.parameter_names)}"
            )
        return self.parameters[self._index[name]]

    def __getitem__(self, name: str) -> Parameter | Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        return self._param(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(p.name for p in self.parameters))

    def __repr__(self) -> str:
        return (
            f"SearchSpace(parameters={list(self.parameters)!r}, "
            f"constraints={list(self.constraints)!r}, conditions={list(self.conditions)!r})"
        )

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the chosen parameters, in order."""
        return tuple(p.name for p in self.parameters)

    @property
    def condition_names(self) -> tuple[str, ...]:
        """Names of the measurement conditions, in order."""
        return tuple(c.name for c in self.conditions)

    @property
    def categoricals(self) -> tuple[Categorical, ...]:
        """The categorical parameters."""
        return tuple(p for p in self.parameters if isinstance(p, Categorical))

    def n_grid_points(self) -> float:
        """Number of grid points (``inf`` when a Float has no step), ignoring constraints.

        Example:
            >>> s = SearchSpace([Float("x", 0, 1, step=0.25), Categorical("c", ["a", "b"])])
            >>> s.n_grid_points()
            10.0
        """
        total = 1.0
        for p in self.parameters:
            if isinstance(p, Categorical):
                total *= len(p.choices)
            elif p.step is None:
                return math.inf
            else:
                total *= round((p.grid_high - p.low) / p.step) + 1
        return total

    # ----------------------------------------------------------------------------- editing
    def with_choices(
        self,
        name: str,
        choices: Sequence[str],
        descriptors: Mapping[str, Mapping[str, float]] | None = None,
    ) -> SearchSpace:
        """Return a copy where categorical ``name`` also offers ``choices``.

        Existing choices are kept; new ones are appended. When the categorical has descriptors,
        each new choice needs them (e.g. a new silica from the material catalogue with its
        ``bet_m2_g`` and ``mesoporous``), so the model places it among the known ones.

        Example:
            >>> s = SearchSpace([Categorical("c", ["a"], descriptors={"a": {"x": 1.0}})])
            >>> s.with_choices("c", ["b"], {"b": {"x": 2.0}})["c"].choices
            ('a', 'b')
        """
        p = self._param(name, "with_choices")
        if not isinstance(p, Categorical):
            raise InvalidRecordError(f"with_choices: parameter {name!r} is not categorical")
        new = [str(c) for c in choices if str(c) not in p.choices]
        desc = None
        if p.descriptors is not None:
            desc = {c: dict(v) for c, v in p.descriptors.items()}
            given = dict(descriptors or {})
            for c in new:
                if c not in given:
                    raise InvalidRecordError(
                        f"with_choices: new choice {c!r} of {name!r} needs descriptors "
                        f"{list(p.descriptor_names)}"
                    )
                desc[c] = dict(given[c])
        elif descriptors:
            raise InvalidRecordError(
                f"with_choices: {name!r} has no descriptors; add choices without descriptors"
            )
        q = Categorical(p.name, p.choices + tuple(new), descriptors=desc)
        params = [q if x.name == name else x for x in self.parameters]
        return SearchSpace(
            params,
            self.constraints,
            self.conditions,
            objective=self.objective,
            maximize=self.maximize,
        )

    # ----------------------------------------------------------------------------- (de)serialise
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary that :meth:`from_dict` turns back into an equal space."""
        out: dict[str, Any] = {
            "parameters": [p.to_dict() for p in self.parameters],
            "constraints": [c.to_dict() for c in self.constraints],
            "conditions": [c.to_dict() for c in self.conditions],
        }
        if self.objective is not None:
            out["objective"] = {"name": self.objective, "maximize": self.maximize}
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SearchSpace:
        """Build a space from :meth:`to_dict` output or the YAML layout.

        Raises:
            InvalidRecordError: naming the entry that is malformed.
        """
        if not isinstance(d, Mapping) or "parameters" not in d:
            raise InvalidRecordError("a search-space dictionary needs a 'parameters' list")
        params: list[Parameter] = []
        for i, pd_ in enumerate(d["parameters"] or []):
            kind = str(pd_.get("type", "")).lower()
            try:
                if kind == "categorical":
                    params.append(
                        Categorical(pd_["name"], pd_["choices"], descriptors=pd_.get("descriptors"))
                    )
                elif kind in ("float", "int"):
                    klass = Int if kind == "int" else Float
                    kwargs = {"log": bool(pd_.get("log", False))}
                    if pd_.get("step") is not None or kind == "float":
                        kwargs["step"] = pd_.get("step")
                    params.append(klass(pd_["name"], pd_["low"], pd_["high"], **kwargs))
                else:
                    raise InvalidRecordError(
                        f"parameters[{i}]: type must be 'categorical', 'float' or 'int', "
                        f"got {pd_.get('type')!r}"
                    )
            except KeyError as exc:
                raise InvalidRecordError(f"parameters[{i}]: missing key {exc}") from exc
        constraints: list[Constraint] = []
        for i, cd in enumerate(d.get("constraints") or []):
            kind = str(cd.get("type", "")).lower()
            try:
                if kind == "linear":
                    constraints.append(
                        LinearConstraint(cd["coefficients"], cd["rhs"], cd.get("kind", "<="))
                    )
                elif kind == "forbidden":
                    constraints.append(Forbidden(cd["combination"]))
                else:
                    raise InvalidRecordError(
                        f"constraints[{i}]: type must be 'linear' or 'forbidden', "
                        f"got {cd.get('type')!r}"
                    )
            except KeyError as exc:
                raise InvalidRecordError(f"constraints[{i}]: missing key {exc}") from exc
        conditions: list[Condition] = []
        for i, cd in enumerate(d.get("conditions") or []):
            try:
                conditions.append(
                    Condition(
                        cd["name"],
                        cd["low"],
                        cd["high"],
                        default=cd.get("default"),
                        transform=cd.get("transform"),
                    )
                )
            except KeyError as exc:
                raise InvalidRecordError(f"conditions[{i}]: missing key {exc}") from exc
        objective = d.get("objective")
        name, maximize = None, True
        if isinstance(objective, Mapping):
            name, maximize = objective.get("name"), bool(objective.get("maximize", True))
        elif isinstance(objective, str):
            name = objective
        return cls(params, constraints, conditions, objective=name, maximize=maximize)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SearchSpace:
        """Load a space from a YAML file with the :meth:`to_dict` layout."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise InvalidRecordError(f"search-space file {str(path)!r} not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InvalidRecordError(
                f"search-space file {path.name!r} is not valid YAML: {exc}"
            ) from exc
        return cls.from_dict(data)

    def to_yaml(self, path: str | Path) -> None:
        """Write the space as YAML (the :meth:`to_dict` layout)."""
        import yaml

        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        objective: str | None = None,
        conditions: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
    ) -> SearchSpace:
        """Infer a space from a table of recipes.

        Numeric columns become ``Float(min, max)`` (``Int`` for integer dtypes), other columns
        ``Categorical`` of their sorted distinct values (no descriptors). The objective column and
        ``<objective>_std`` are skipped, as are ``exclude``. Columns in ``conditions`` (default:
        ``temperature_c`` when present) become :class:`Condition` s; ``temperature_c`` gets the
        1000/T transform and, as default, its smallest observed value.

        Example:
            >>> import pandas as pd
            >>> df = pd.DataFrame({"c": ["b", "a"], "x": [0.5, 2.0], "y": [1.0, 2.0]})
            >>> SearchSpace.from_frame(df, objective="y").to_dict()["parameters"][1]["high"]
            2.0
        """
        import pandas as pd

        skip = set(exclude)
        if objective is not None:
            skip |= {objective, f"{objective}_std"}
        if conditions is None:
            conditions = [c for c in ("temperature_c",) if c in df.columns]
        params: list[Parameter] = []
        conds: list[Condition] = []
        for col in df.columns:
            if col in skip:
                continue
            s = df[col]
            if col in conditions:
                values = pd.to_numeric(s, errors="coerce")
                lo, hi = float(values.min()), float(values.max())
                if col == "temperature_c":
                    conds.append(
                        Condition(str(col), lo, hi, default=lo, transform="inverse_temperature")
                    )
                else:
                    conds.append(Condition(str(col), lo, hi, default=lo))
            elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
                choices = tuple(sorted(s.dropna().astype(str).unique()))
                params.append(Categorical(str(col), choices))
            elif pd.api.types.is_integer_dtype(s):
                params.append(Int(str(col), int(s.min()), int(s.max())))
            else:
                params.append(Float(str(col), float(s.min()), float(s.max())))
        missing = [c for c in conditions if c not in df.columns]
        if missing:
            raise InvalidRecordError(f"from_frame: condition column(s) {missing} not in the table")
        return cls(params, (), conds, objective=objective)

    # ----------------------------------------------------------------------------- validation
    def validate(self, df: pd.DataFrame, *, objective: str | None = None) -> None:
        """Check an observations (or recipes) table against the space.

        Args:
            df: One row per measurement: parameter columns, optionally condition columns and the
                objective column (and ``<objective>_std``).
            objective: Name of the objective column that must be present and finite, or None for
                a table of recipes only.

        Raises:
            InvalidRecordError: naming the column (and row) at fault: a missing column, NaN or
                infinite values, a parameter or condition outside the space, an unknown category.
        """
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise InvalidRecordError(f"expected a pandas DataFrame, got {type(df).__name__}")
        missing = [n for n in self.parameter_names if n not in df.columns]
        if missing:
            raise InvalidRecordError(
                f"missing parameter column(s) {missing}; the table has {list(df.columns)}"
            )
        if objective is not None and objective not in df.columns:
            raise InvalidRecordError(
                f"missing objective column {objective!r}; the table has {list(df.columns)}"
            )
        for p in self.parameters:
            s = df[p.name]
            if isinstance(p, Categorical):
                bad = s.isna()
                if bad.any():
                    raise InvalidRecordError(
                        f"column {p.name!r}, row {s.index[bad.argmax()]!r}: missing value"
                    )
                known = set(p.choices)
                unknown = ~s.astype(str).isin(known)
                if unknown.any():
                    row = s.index[unknown.argmax()]
                    raise InvalidRecordError(
                        f"column {p.name!r}, row {row!r}: unknown category {s[row]!r}; known "
                        f"{list(p.choices)} (add it with space.with_choices({p.name!r}, ...))"
                    )
            else:
                values = self._numeric(s, p.name)
                tol = _REL_TOL * max(1.0, abs(p.high - p.low))
                outside = (values < p.low - tol) | (values > p.high + tol)
                if outside.any():
                    i = int(np.argmax(outside))
                    raise InvalidRecordError(
                        f"column {p.name!r}, row {s.index[i]!r}: value {values[i]:g} outside "
                        f"[{p.low:g}, {p.high:g}]; widen the space or fix the record"
                    )
        for c in self.conditions:
            if c.name not in df.columns:
                continue
            values = self._numeric(df[c.name], c.name)
            tol = _REL_TOL * max(1.0, abs(c.high - c.low))
            outside = (values < c.low - tol) | (values > c.high + tol)
            if outside.any():
                i = int(np.argmax(outside))
                raise InvalidRecordError(
                    f"condition column {c.name!r}, row {df.index[i]!r}: value {values[i]:g} "
                    f"outside [{c.low:g}, {c.high:g}]; widen the condition range"
                )
        if objective is not None:
            self._numeric(df[objective], objective)
            std_col = f"{objective}_std"
            if std_col in df.columns:
                std = self._numeric(df[std_col], std_col)
                if (std < 0).any():
                    i = int(np.argmax(std < 0))
                    raise InvalidRecordError(
                        f"column {std_col!r}, row {df.index[i]!r}: negative standard deviation"
                    )

    @staticmethod
    def _numeric(s: pd.Series, name: str) -> np.ndarray:
        import pandas as pd

        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidRecordError(
                f"column {name!r}, row {s.index[i]!r}: value {s.iloc[i]!r} is not a finite "
                "number; fix or drop the row"
            )
        return values

    # ----------------------------------------------------------------------------- raw arrays
    # "Raw" arrays hold one column per parameter: the category index for a categorical, the value
    # for a numeric parameter. They are what the optimisers move around.
    def to_raw(self, df: pd.DataFrame) -> np.ndarray:
        """Recipes (validated) as a raw float array ``(n, n_parameters)``."""
        out = np.empty((len(df), len(self.parameters)))
        for j, p in enumerate(self.parameters):
            if isinstance(p, Categorical):
                lookup = {c: i for i, c in enumerate(p.choices)}
                out[:, j] = [lookup[str(v)] for v in df[p.name]]
            else:
                out[:, j] = np.asarray(df[p.name], dtype=float)
        return out

    def from_raw(self, raw: np.ndarray, index: Any = None) -> pd.DataFrame:
        """Raw array back to a recipes DataFrame (categoricals as strings, Int as int)."""
        import pandas as pd

        cols: dict[str, Any] = {}
        for j, p in enumerate(self.parameters):
            if isinstance(p, Categorical):
                cols[p.name] = pd.array([p.choices[int(i)] for i in raw[:, j]], dtype="str")
            elif isinstance(p, Int):
                cols[p.name] = np.round(raw[:, j]).astype(np.int64)
            else:
                # Round away binary noise of low + k * step (35.00000000001 -> 35.0).
                cols[p.name] = np.round(raw[:, j], 10)
        return pd.DataFrame(cols, index=index)

    def snap_raw(self, raw: np.ndarray) -> np.ndarray:
        """Put raw points on the grid and inside bounds; repair equality constraints."""
        raw = np.array(raw, dtype=float, copy=True)
        for j, p in enumerate(self.parameters):
            if isinstance(p, Categorical):
                raw[:, j] = np.clip(np.round(raw[:, j]), 0, len(p.choices) - 1)
            else:
                raw[:, j] = p.snap(raw[:, j])
        for con in self.constraints:
            if isinstance(con, LinearConstraint) and con.kind == "==":
                # Solve for the last parameter of the constraint, then snap it.
                names = list(con.coefficients)
                dep = names[-1]
                j = self._index[dep]
                p = self.parameters[j]
                assert not isinstance(p, Categorical)
                rest = np.zeros(len(raw))
                for name in names[:-1]:
                    rest += con.coefficients[name] * raw[:, self._index[name]]
                raw[:, j] = p.snap((con.rhs - rest) / con.coefficients[dep])
        return raw

    def snap(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return the recipes on the step grid (index kept); other columns are dropped.

        Example:
            >>> import pandas as pd
            >>> s = SearchSpace([Float("vol_pct", 5, 60, step=0.5)])
            >>> s.snap(pd.DataFrame({"vol_pct": [35.2, 61.0]}))["vol_pct"].tolist()
            [35.0, 60.0]
        """
        self.validate_columns(df)
        return self.from_raw(self.snap_raw(self.to_raw(df)), index=df.index)

    def validate_columns(self, df: pd.DataFrame) -> None:
        """Raise if parameter columns are missing or categories unknown (no bounds check)."""
        missing = [n for n in self.parameter_names if n not in df.columns]
        if missing:
            raise InvalidRecordError(f"missing parameter column(s) {missing}")
        for p in self.categoricals:
            unknown = ~df[p.name].astype(str).isin(set(p.choices))
            if unknown.any():
                row = df.index[int(np.argmax(unknown.to_numpy()))]
                raise InvalidRecordError(
                    f"column {p.name!r}, row {row!r}: unknown category {df[p.name][row]!r}; "
                    f"known {list(p.choices)}"
                )

    def feasible_raw(self, raw: np.ndarray) -> np.ndarray:
        """Boolean mask of raw points that satisfy all constraints (bounds included)."""
        ok = np.ones(len(raw), dtype=bool)
        for j, p in enumerate(self.parameters):
            if not isinstance(p, Categorical):
                tol = _REL_TOL * max(1.0, p.high - p.low)
                ok &= (raw[:, j] >= p.low - tol) & (raw[:, j] <= p.high + tol)
        for con in self.constraints:
            if isinstance(con, LinearConstraint):
                lhs = sum(c * raw[:, self._index[n]] for n, c in con.coefficients.items())
                tol = 1e-6 * max(1.0, abs(con.rhs))
                if con.kind == "<=":
                    ok &= lhs <= con.rhs + tol
                elif con.kind == ">=":
                    ok &= lhs >= con.rhs - tol
                else:
                    ok &= np.abs(lhs - con.rhs) <= tol
            else:
                hit = np.ones(len(raw), dtype=bool)
                for name, value in con.combination.items():
                    j = self._index[name]
                    p = self.parameters[j]
                    col = raw[:, j]
                    if isinstance(p, Categorical):
                        values = value if isinstance(value, tuple) else (value,)
                        idx = [p.choices.index(str(v)) for v in values]
                        hit &= np.isin(np.round(col), idx)
                    elif isinstance(value, tuple):
                        hit &= (col >= value[0] - 1e-9) & (col <= value[1] + 1e-9)
                    else:
                        hit &= np.abs(col - float(value)) <= 1e-9 * max(1.0, abs(float(value)))
                ok &= ~hit
        return ok

    def feasible(self, df: pd.DataFrame) -> np.ndarray:
        """Boolean mask: which recipes satisfy bounds and constraints."""
        self.validate_columns(df)
        return self.feasible_raw(self.to_raw(df))

    def grid_keys(self, raw: np.ndarray) -> list[bytes]:
        """Hashable keys of raw points after snapping: equal keys = the same recipe on the grid."""
        snapped = self.snap_raw(raw)
        keys = np.empty_like(snapped)
        for j, p in enumerate(self.parameters):
            if isinstance(p, Categorical):
                keys[:, j] = snapped[:, j]
            elif p.step is not None:
                keys[:, j] = np.round((snapped[:, j] - p.low) / p.step)
            else:
                keys[:, j] = np.round(p.to_unit(snapped[:, j]) * 1e9)
        keys = keys.astype(np.int64)
        return [row.tobytes() for row in keys]

    # ----------------------------------------------------------------------------- sampling
    def sample_raw(self, n: int, rng: np.random.Generator, *, method: str = "sobol") -> np.ndarray:
        """Draw ``n`` raw points spread over the space (not snapped, not constraint-checked).

        ``method`` is ``"sobol"`` (scrambled Sobol, categoricals spread evenly) or ``"random"``.
        """
        from scipy.stats import qmc

        d = len(self.parameters)
        if n <= 0:
            return np.empty((0, d))
        if method == "sobol":
            m = max(1, math.ceil(math.log2(max(n, 2))))
            u = qmc.Sobol(d, scramble=True, rng=rng).random_base2(m)[:n]
        else:
            u = rng.random((n, d))
        raw = np.empty((n, d))
        for j, p in enumerate(self.parameters):
            if isinstance(p, Categorical):
                raw[:, j] = np.minimum(np.floor(u[:, j] * len(p.choices)), len(p.choices) - 1)
            elif p.step is not None:
                n_steps = round((p.grid_high - p.low) / p.step) + 1
                k = np.minimum(np.floor(u[:, j] * n_steps), n_steps - 1)
                raw[:, j] = p.low + k * p.step
            else:
                raw[:, j] = p.from_unit(u[:, j])
        return raw

    # ----------------------------------------------------------------------------- encoding
    def feature_names(self, *, one_hot: bool = False) -> tuple[str, ...]:
        """Names of the encoded features (see :meth:`encode`)."""
        names: list[str] = []
        for p in self.parameters:
            if isinstance(p, Categorical):
                names += [f"{p.name}.{d}" for d in p.descriptor_names]
                if one_hot or not p.descriptors:
                    names += [f"{p.name}={c}" for c in p.choices]
            else:
                names.append(p.name)
        for c in self.conditions:
            names.append(f"{c.name}(1000/T)" if c.transform == "inverse_temperature" else c.name)
        return tuple(names)

    def encode_raw(
        self, raw: np.ndarray, conditions: np.ndarray | None = None, *, one_hot: bool = False
    ) -> np.ndarray:
        """Encode raw points (plus condition values, one column per condition) as features.

        Categoricals map to their descriptors, min-max scaled over the choices to [0, 1] (one-hot
        columns appended when ``one_hot`` or when there are no descriptors); numeric parameters to
        [0, 1] (log scale when ``log``); conditions to [0, 1] after their transform.
        """
        cols: list[np.ndarray] = []
        for j, p in enumerate(self.parameters):
            if isinstance(p, Categorical):
                idx = raw[:, j].astype(int)
                if p.descriptors:
                    table = np.array(
                        [[p.descriptors[c][d] for d in p.descriptor_names] for c in p.choices]
                    )
                    lo, hi = table.min(axis=0), table.max(axis=0)
                    span = np.where(hi > lo, hi - lo, 1.0)
                    scaled = np.where(hi > lo, (table - lo) / span, 0.5)
                    cols += list(scaled[idx].T)
                if one_hot or not p.descriptors:
                    cols += list(np.eye(len(p.choices))[idx].T)
            else:
                cols.append(p.to_unit(raw[:, j]))
        if self.conditions:
            if conditions is None:
                raise InvalidRecordError(
                    f"values for condition(s) {list(self.condition_names)} are needed"
                )
            for k, c in enumerate(self.conditions):
                cols.append(c.to_unit(conditions[:, k]))
        return np.column_stack(cols) if cols else np.empty((len(raw), 0))

    def condition_values(
        self, df: pd.DataFrame | None, n: int, overrides: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """Condition values ``(n, n_conditions)`` from ``overrides``, the table, or defaults.

        Raises:
            InvalidRecordError: when a condition has no value from any of the three sources.
        """
        overrides = dict(overrides or {})
        unknown = [k for k in overrides if k not in self.condition_names]
        if unknown:
            raise InvalidRecordError(
                f"unknown condition(s) {unknown}; the space has {list(self.condition_names)}"
            )
        out = np.empty((n, len(self.conditions)))
        for k, c in enumerate(self.conditions):
            if c.name in overrides:
                value = float(overrides[c.name])
                if not math.isfinite(value):
                    raise InvalidRecordError(f"condition {c.name!r}: value {value} not finite")
                out[:, k] = value
            elif df is not None and c.name in df.columns:
                out[:, k] = np.asarray(df[c.name], dtype=float)
            elif c.default is not None:
                out[:, k] = c.default
            else:
                raise InvalidRecordError(
                    f"no value for condition {c.name!r}: add a {c.name!r} column, pass "
                    f"conditions={{{c.name!r}: ...}}, or give the condition a default"
                )
        return out

    def encode(
        self,
        df: pd.DataFrame,
        *,
        conditions: Mapping[str, float] | None = None,
        one_hot: bool = False,
    ) -> np.ndarray:
        """Encode a recipes table as features (see :meth:`encode_raw`).

        Condition values come from ``conditions`` if given, else the table's columns, else the
        conditions' defaults.
        """
        self.validate_columns(df)
        raw = self.to_raw(df)
        cond = self.condition_values(df, len(df), conditions) if self.conditions else None
        return self.encode_raw(raw, cond, one_hot=one_hot)

    def replace_parameter(self, parameter: Parameter) -> SearchSpace:
        """Return a copy with the parameter of the same name replaced."""
        self._param(parameter.name, "replace_parameter")
        params = [parameter if p.name == parameter.name else p for p in self.parameters]
        return SearchSpace(
            params,
            self.constraints,
            self.conditions,
            objective=self.objective,
            maximize=self.maximize,
        )
