"""Parameters and conditions of a search space; each kind owns its behaviour.

A parameter knows how to turn a table column into its *raw* representation (the value for a
numeric parameter, the choice's index for a categorical) and back, how to put raw values on its
grid (:meth:`snap`), whether they lie inside its bounds (:meth:`inside`), how to encode them as
model features (:meth:`encode`), which single-coordinate moves a local search may try
(:meth:`neighbours`), how to spread samples over it (:meth:`sample`), which Optuna distribution
describes it, and how to widen or narrow itself. :class:`~matdoe.space.SearchSpace` and the
optimisers only call these methods, so no caller switches on a parameter's type.

Example:
    >>> vol = Float("vol_pct", 5, 60, step=0.5)
    >>> vol.snap(np.array([35.2, 61.0])).tolist()
    [35.0, 60.0]
    >>> Int("n_balls", 1, 10, step=3).snap(np.array([5.2, 10.0])).tolist()
    [4.0, 10.0]
    >>> isinstance(Int("n", 0, 3), Float)
    False
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ZERO_CELSIUS_K",
    "Categorical",
    "Condition",
    "Float",
    "Int",
    "Parameter",
    "celsius_to_inverse_kilo_kelvin",
]

ZERO_CELSIUS_K = 273.15
# Relative tolerance for "on the bound" checks.
_REL_TOL = 1e-9
#: Multiples of the smallest step tried by a local search in each numeric coordinate.
MOVES = (1, 2, 4, 8, 16, 32, 64)


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


def numeric_values(s: pd.Series, name: str) -> np.ndarray:
    """A column as finite floats, or one error naming the first bad row."""
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


class Parameter(ABC):
    """What every parameter kind can do (see the module docstring)."""

    name: str
    #: True for parameters with an order and a distance (they may enter linear constraints).
    numeric: ClassVar[bool]

    # -- table <-> raw
    @abstractmethod
    def to_raw(self, column: pd.Series) -> np.ndarray:
        """A table column (validated) as raw floats."""

    @abstractmethod
    def from_raw(self, raw: np.ndarray) -> Any:
        """Raw floats back to a table column (categories as strings, integers as int)."""

    @abstractmethod
    def check(self, column: pd.Series, *, bounds: bool = True) -> None:
        """Raise naming the row when a value is missing, unknown or (with ``bounds``) outside."""

    @abstractmethod
    def raw_value(self, value: Any) -> float:
        """One value (a choice or a number) as a raw float."""

    @abstractmethod
    def value(self, raw: float) -> Any:
        """One raw float as a plain Python value (str, int or float)."""

    # -- grid and bounds
    @abstractmethod
    def snap(self, raw: np.ndarray) -> np.ndarray:
        """Raw values on the grid and inside the bounds."""

    @abstractmethod
    def inside(self, raw: np.ndarray) -> np.ndarray:
        """Boolean mask of raw values inside the bounds (and among the choices)."""

    @abstractmethod
    def grid_key(self, snapped: np.ndarray) -> np.ndarray:
        """Integer keys of snapped raw values: equal keys are the same grid point."""

    @abstractmethod
    def grid_values(self) -> np.ndarray:
        """Every raw value of the grid (raises for a continuous parameter)."""

    @abstractmethod
    def n_grid_points(self) -> float:
        """Number of grid points (``inf`` for a continuous parameter)."""

    @abstractmethod
    def sample(self, u: np.ndarray) -> np.ndarray:
        """Raw values from uniform numbers in [0, 1), spread evenly over the grid."""

    @abstractmethod
    def neighbours(self, raw: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Single-coordinate moves of a local search: (moved raw values, which rows moved)."""

    # -- modelling
    @abstractmethod
    def feature_names(self, *, one_hot: bool) -> list[str]:
        """Names of the encoded features."""

    @abstractmethod
    def encode(self, raw: np.ndarray, *, one_hot: bool) -> list[np.ndarray]:
        """Encoded feature columns (in [0, 1] over the parameter's range)."""

    @abstractmethod
    def design_coords(self, raw: np.ndarray) -> list[np.ndarray]:
        """Coordinates for space-filling distances (numeric: [0, 1]; choices: one-hot/√2)."""

    @abstractmethod
    def projection_log_factor(self, raw: np.ndarray, value: float) -> np.ndarray:
        """log of the MaxPro factor of each raw value against one other value."""

    # -- Optuna
    @abstractmethod
    def optuna_distribution(self) -> Any:
        """The Optuna distribution of this parameter."""

    # -- editing
    @abstractmethod
    def covering(self, column: pd.Series) -> Parameter:
        """This parameter widened so that the values of ``column`` lie inside it."""

    @abstractmethod
    def restrict(self, limit: Any) -> Parameter:
        """This parameter narrowed for proposals (a list of choices, or ``(low, high)``)."""

    @abstractmethod
    def translate(self, raw: np.ndarray, source: Parameter) -> np.ndarray:
        """Raw values of ``source`` (a narrowed or widened copy of this one) in this one's raw."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""


@dataclass(frozen=True)
class _Numeric(Parameter):
    """Shared behaviour of :class:`Float` and :class:`Int` (a value on an optional grid)."""

    name: str
    low: float
    high: float
    step: float | None = None
    log: bool = False

    numeric: ClassVar[bool] = True
    _kind: ClassVar[str] = "float"

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

    @property
    def grid_high(self) -> float:
        """Largest value on the grid (``high`` itself when there is no step or it fits)."""
        if self.step is None:
            return self.high
        k = math.floor((self.high - self.low) / self.step + 1e-9)
        return self.low + k * self.step

    # -- unit scale
    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Map values to [0, 1] over [low, high] (log scale when ``log``; outside: beyond)."""
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

    # -- table <-> raw
    def to_raw(self, column: pd.Series) -> np.ndarray:
        return np.asarray(column, dtype=float)

    def from_raw(self, raw: np.ndarray) -> Any:
        # Round away binary noise of low + k * step (35.00000000001 -> 35.0).
        return np.round(np.asarray(raw, dtype=float), 10)

    def raw_value(self, value: Any) -> float:
        return float(value)

    def value(self, raw: float) -> Any:
        return float(round(float(raw), 10))

    def check(self, column: pd.Series, *, bounds: bool = True) -> None:
        values = numeric_values(column, self.name)
        if not bounds:
            return
        outside = ~self.inside(values)
        if outside.any():
            i = int(np.argmax(outside))
            raise InvalidRecordError(
                f"column {self.name!r}, row {column.index[i]!r}: value {values[i]:g} outside "
                f"[{self.low:g}, {self.high:g}]; widen the space or fix the record"
            )

    # -- grid and bounds
    def snap(self, raw: np.ndarray) -> np.ndarray:
        values = np.clip(np.asarray(raw, dtype=float), self.low, self.high)
        if self.step is None:
            return values
        k = np.round((values - self.low) / self.step)
        return np.clip(self.low + k * self.step, self.low, self.grid_high)

    def inside(self, raw: np.ndarray) -> np.ndarray:
        tol = _REL_TOL * max(1.0, self.high - self.low)
        raw = np.asarray(raw, dtype=float)
        return (raw >= self.low - tol) & (raw <= self.high + tol)

    def grid_key(self, snapped: np.ndarray) -> np.ndarray:
        if self.step is not None:
            return np.round((snapped - self.low) / self.step)
        return np.round(self.to_unit(snapped) * 1e9)

    def grid_values(self) -> np.ndarray:
        if self.step is None:
            raise InvalidRecordError(f"parameter {self.name!r} has no step, so no finite grid")
        return self.low + self.step * np.arange(round((self.grid_high - self.low) / self.step) + 1)

    def n_grid_points(self) -> float:
        if self.step is None:
            return math.inf
        return float(round((self.grid_high - self.low) / self.step) + 1)

    def sample(self, u: np.ndarray) -> np.ndarray:
        if self.step is None:
            return self.from_unit(u)
        n_steps = round((self.grid_high - self.low) / self.step) + 1
        k = np.minimum(np.floor(u * n_steps), n_steps - 1)
        return self.low + k * self.step

    def neighbours(self, raw: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        everyone = np.ones(len(raw), dtype=bool)
        step = self.search_step()
        for mult in MOVES:
            for sign in (-1.0, 1.0):
                if self.log:
                    yield self.from_unit(self.to_unit(raw) + sign * mult / 1000.0), everyone
                else:
                    yield raw + sign * mult * step, everyone

    # -- modelling
    def feature_names(self, *, one_hot: bool) -> list[str]:
        return [self.name]

    def encode(self, raw: np.ndarray, *, one_hot: bool) -> list[np.ndarray]:
        return [self.to_unit(raw)]

    def design_coords(self, raw: np.ndarray) -> list[np.ndarray]:
        return [self.to_unit(raw)]

    def projection_log_factor(self, raw: np.ndarray, value: float) -> np.ndarray:
        du = self.to_unit(raw) - self.to_unit(np.asarray([value]))[0]
        return np.log(du * du + 1e-3)

    # -- Optuna
    def optuna_distribution(self) -> Any:
        from optuna.distributions import FloatDistribution

        return FloatDistribution(self.low, self.grid_high, step=self.step, log=self.log)

    # -- editing
    def _replace(self, low: float, high: float) -> _Numeric:
        return type(self)(self.name, low, high, step=self.step, log=self.log)

    def covering(self, column: pd.Series) -> _Numeric:
        values = np.asarray(column, dtype=float)
        values = values[np.isfinite(values)]
        if not len(values) or self.inside(values).all():
            return self
        low, high = min(self.low, float(values.min())), max(self.high, float(values.max()))
        if self.step is not None:
            # Widen by whole steps so that the grid of the proposals stays the same.
            low = self.low - math.ceil((self.low - low) / self.step - 1e-9) * self.step
            high = (
                self.grid_high + math.ceil((high - self.grid_high) / self.step - 1e-9) * self.step
            )
        if self.log and low <= 0:
            raise InvalidRecordError(
                f"parameter {self.name!r} is on a log scale, but the data hold {low:g} <= 0"
            )
        return self._replace(low, high)

    def restrict(self, limit: Any) -> _Numeric:
        try:
            low, high = limit
        except (TypeError, ValueError):
            raise InvalidRecordError(
                f"parameter {self.name!r}: a numeric limit is (low, high), got {limit!r}"
            ) from None
        low = self.low if low is None else max(self.low, float(low))
        high = self.high if high is None else min(self.high, float(high))
        if self.step is not None:
            # Stay on this parameter's grid: round the limits inwards to grid points.
            low = self.low + math.ceil((low - self.low) / self.step - 1e-9) * self.step
            high = self.low + math.floor((high - self.low) / self.step + 1e-9) * self.step
        if low > high + _REL_TOL * max(1.0, abs(high)):
            raise InvalidRecordError(
                f"parameter {self.name!r}: the limits {limit!r} leave nothing of "
                f"[{self.low:g}, {self.high:g}]"
            )
        return self._replace(low, max(low, high))

    def translate(self, raw: np.ndarray, source: Parameter) -> np.ndarray:
        return np.asarray(raw, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self._kind,
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "step": self.step,
            "log": self.log,
        }


@dataclass(frozen=True)
class Float(_Numeric):
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

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.log and self.step is not None:
            raise InvalidRecordError(
                f"parameter {self.name!r}: log=True and a step cannot be combined; drop one"
            )


@dataclass(frozen=True)
class Int(_Numeric):
    """An integer parameter in ``[low, high]`` on a grid of ``step`` (default 1).

    Example:
        >>> Int("n_balls", 1, 10, step=3).snap(np.array([5.2, 10.0])).tolist()
        [4.0, 10.0]
    """

    step: float | None = 1
    _kind: ClassVar[str] = "int"

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

    def from_raw(self, raw: np.ndarray) -> Any:
        return np.round(np.asarray(raw, dtype=float)).astype(np.int64)

    def value(self, raw: float) -> Any:
        return int(np.rint(raw))

    def neighbours(self, raw: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        everyone = np.ones(len(raw), dtype=bool)
        step = self.search_step()
        for mult in MOVES:
            for sign in (-1.0, 1.0):
                yield raw + sign * mult * step, everyone

    def optuna_distribution(self) -> Any:
        from optuna.distributions import IntDistribution

        return IntDistribution(
            int(self.low), int(self.grid_high), step=int(self.step or 1), log=self.log
        )

    def covering(self, column: pd.Series) -> _Numeric:
        values = np.asarray(column, dtype=float)
        values = values[np.isfinite(values)]
        if not len(values) or self.inside(values).all():
            return self
        lowest = float(math.floor(min(self.low, float(values.min()))))
        highest = float(math.ceil(max(self.high, float(values.max()))))
        step = self.step or 1
        low = self.low - math.ceil((self.low - lowest) / step) * step
        high = self.grid_high + math.ceil((highest - self.grid_high) / step) * step
        return self._replace(low, high)


@dataclass(frozen=True)
class Categorical(Parameter):
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

    numeric: ClassVar[bool] = False

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

    def index(self, choice: Any) -> int:
        """Position of ``choice`` among the choices."""
        try:
            return self.choices.index(str(choice))
        except ValueError:
            raise InvalidRecordError(
                f"parameter {self.name!r}: unknown category {choice!r}; known {list(self.choices)}"
            ) from None

    # -- table <-> raw
    def to_raw(self, column: pd.Series) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(self.choices)}
        return np.array([lookup[str(v)] for v in column], dtype=float)

    def from_raw(self, raw: np.ndarray) -> Any:
        import pandas as pd

        return pd.array([self.choices[int(i)] for i in raw], dtype="str")

    def raw_value(self, value: Any) -> float:
        return float(self.index(value))

    def value(self, raw: float) -> Any:
        return self.choices[int(raw)]

    def check(self, column: pd.Series, *, bounds: bool = True) -> None:
        bad = column.isna()
        if bad.any():
            raise InvalidRecordError(
                f"column {self.name!r}, row {column.index[bad.argmax()]!r}: missing value"
            )
        unknown = ~column.astype(str).isin(set(self.choices))
        if unknown.any():
            row = column.index[unknown.argmax()]
            raise InvalidRecordError(
                f"column {self.name!r}, row {row!r}: unknown category {column[row]!r}; known "
                f"{list(self.choices)} (add it with space.with_choices({self.name!r}, ...))"
            )

    # -- grid and bounds
    def snap(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(np.round(raw), 0, len(self.choices) - 1)

    def inside(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=float)
        return (raw >= 0) & (raw <= len(self.choices) - 1) & (raw == np.round(raw))

    def grid_key(self, snapped: np.ndarray) -> np.ndarray:
        return np.asarray(snapped, dtype=float)

    def grid_values(self) -> np.ndarray:
        return np.arange(len(self.choices), dtype=float)

    def n_grid_points(self) -> float:
        return float(len(self.choices))

    def sample(self, u: np.ndarray) -> np.ndarray:
        return np.minimum(np.floor(u * len(self.choices)), len(self.choices) - 1)

    def neighbours(self, raw: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for c in range(len(self.choices)):
            yield np.full(len(raw), float(c)), raw != c

    # -- modelling
    def _descriptor_table(self) -> np.ndarray:
        assert self.descriptors
        table = np.array(
            [[self.descriptors[c][d] for d in self.descriptor_names] for c in self.choices]
        )
        lo, hi = table.min(axis=0), table.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        return np.where(hi > lo, (table - lo) / span, 0.5)

    def feature_names(self, *, one_hot: bool) -> list[str]:
        names = [f"{self.name}.{d}" for d in self.descriptor_names]
        if one_hot or not self.descriptors:
            names += [f"{self.name}={c}" for c in self.choices]
        return names

    def encode(self, raw: np.ndarray, *, one_hot: bool) -> list[np.ndarray]:
        """Descriptors min-max scaled over the choices; one-hot when asked or without them."""
        idx = np.asarray(raw).astype(int)
        cols: list[np.ndarray] = []
        if self.descriptors:
            cols += list(self._descriptor_table()[idx].T)
        if one_hot or not self.descriptors:
            cols += list(np.eye(len(self.choices))[idx].T)
        return cols

    def design_coords(self, raw: np.ndarray) -> list[np.ndarray]:
        return list((np.eye(len(self.choices))[np.asarray(raw).astype(int)] / math.sqrt(2.0)).T)

    def projection_log_factor(self, raw: np.ndarray, value: float) -> np.ndarray:
        return np.where(raw == value, math.log(0.05), 0.0)

    # -- Optuna
    def optuna_distribution(self) -> Any:
        from optuna.distributions import CategoricalDistribution

        return CategoricalDistribution(list(self.choices))

    # -- editing
    def covering(self, column: pd.Series) -> Categorical:
        seen = [str(v) for v in dict.fromkeys(column.dropna().astype(str))]
        new = [c for c in seen if c not in self.choices]
        if not new:
            return self
        if self.descriptors:
            raise InvalidRecordError(
                f"column {self.name!r}: unknown category {new[0]!r}; known {list(self.choices)} "
                f"(add it with its descriptors {list(self.descriptor_names)}: "
                f"space.with_choices({self.name!r}, ...))"
            )
        return Categorical(self.name, self.choices + tuple(new))

    def restrict(self, limit: Any) -> Categorical:
        if isinstance(limit, str) or not isinstance(limit, Sequence | set | frozenset | tuple):
            raise InvalidRecordError(
                f"parameter {self.name!r}: a categorical limit is a list of choices, got {limit!r}"
            )
        names = [str(c) for c in dict.fromkeys(limit)]
        for c in names:
            self.index(c)
        if not names:
            raise InvalidRecordError(f"parameter {self.name!r}: keep at least one choice")
        desc = {c: self.descriptors[c] for c in self.choices} if self.descriptors else None
        # Keep this parameter's order, so narrowed and full raw values compare easily.
        ordered = [c for c in self.choices if c in names]
        return Categorical(
            self.name, tuple(ordered), descriptors=desc and {c: desc[c] for c in ordered}
        )

    def translate(self, raw: np.ndarray, source: Parameter) -> np.ndarray:
        assert isinstance(source, Categorical)
        if source.choices == self.choices:
            return np.asarray(raw, dtype=float)
        mapping = np.array([self.index(c) for c in source.choices], dtype=float)
        return mapping[np.asarray(raw).astype(int)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "categorical",
            "name": self.name,
            "choices": list(self.choices),
        }
        if self.descriptors is not None:
            out["descriptors"] = {c: dict(v) for c, v in self.descriptors.items()}
        return out


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

    @property
    def feature_name(self) -> str:
        """Name of the encoded feature."""
        return f"{self.name}(1000/T)" if self.transform == "inverse_temperature" else self.name

    def to_unit(self, values: Any) -> np.ndarray:
        """Map condition values to [0, 1] over ``[low, high]`` after the transform."""
        values = np.asarray(values, dtype=float)
        if self.transform == "inverse_temperature":
            # 1000/T decreases with T: map the hottest point to 0 and the coldest to 1.
            t, lo, hi = (celsius_to_inverse_kilo_kelvin(v) for v in (values, self.high, self.low))
        else:
            t, lo, hi = values, self.low, self.high
        return np.asarray((t - lo) / max(float(hi - lo), 1e-12))

    def inside(self, values: Any) -> np.ndarray:
        """Boolean mask of values inside ``[low, high]``."""
        values = np.asarray(values, dtype=float)
        tol = _REL_TOL * max(1.0, abs(self.high - self.low))
        return (values >= self.low - tol) & (values <= self.high + tol)

    def check(self, column: pd.Series, *, bounds: bool = True) -> None:
        """Raise naming the row when a value is not finite or (with ``bounds``) outside."""
        values = numeric_values(column, self.name)
        if self.transform == "inverse_temperature" and (values <= -ZERO_CELSIUS_K).any():
            i = int(np.argmax(values <= -ZERO_CELSIUS_K))
            raise InvalidRecordError(
                f"condition column {self.name!r}, row {column.index[i]!r}: {values[i]:g} °C is "
                "at or below absolute zero"
            )
        if not bounds:
            return
        outside = ~self.inside(values)
        if outside.any():
            i = int(np.argmax(outside))
            raise InvalidRecordError(
                f"condition column {self.name!r}, row {column.index[i]!r}: value {values[i]:g} "
                f"outside [{self.low:g}, {self.high:g}]; widen the condition range"
            )

    def covering(self, values: Any) -> Condition:
        """This condition widened to the finite ``values`` (the default is kept)."""
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        if not len(values) or self.inside(values).all():
            return self
        return Condition(
            self.name,
            min(self.low, float(values.min())),
            max(self.high, float(values.max())),
            default=self.default,
            transform=self.transform,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "default": self.default,
            "transform": self.transform,
        }
