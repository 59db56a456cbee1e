"""Constraints between parameters: linear (in)equalities and forbidden combinations.

Example:
    >>> LinearConstraint({"a_pct": 1, "b_pct": 1}, 100, "==").kind
    '=='
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from matdoe.errors import InvalidRecordError

__all__ = ["Constraint", "Forbidden", "LinearConstraint"]


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
