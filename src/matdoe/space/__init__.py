"""The search space: parameters (each kind owns its behaviour), constraints, conditions.

``from matdoe.space import SearchSpace, Categorical, Float, Int`` is the public entry point;
:mod:`matdoe.space.parameters` holds the parameter kinds and conditions,
:mod:`matdoe.space.constraints` the constraints, :mod:`matdoe.space.searchspace` the space.
"""

from matdoe.space.constraints import Constraint, Forbidden, LinearConstraint
from matdoe.space.parameters import (
    ZERO_CELSIUS_K,
    Categorical,
    Condition,
    Float,
    Int,
    Parameter,
    celsius_to_inverse_kilo_kelvin,
)
from matdoe.space.searchspace import SearchSpace

__all__ = [
    "ZERO_CELSIUS_K",
    "Categorical",
    "Condition",
    "Constraint",
    "Float",
    "Forbidden",
    "Int",
    "LinearConstraint",
    "Parameter",
    "SearchSpace",
    "celsius_to_inverse_kilo_kelvin",
]
