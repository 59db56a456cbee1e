"""Test problems of the closed-loop design-of-experiments benchmark (``benchmarks/doe.py``).

Every problem is a :class:`~matdoe.space.SearchSpace` on a step grid with a categorical
parameter, a noiseless objective to MAXIMISE and Gaussian measurement noise. The optimum is the
best value on the feasible grid (found by enumerating it), so "within 0.05 of the optimum" is
exact.

``twin``
    The digital twin of Na2B12H12/SiO2 nanocomposites (:class:`matdoe.simulate.DigitalTwin`,
    SIMULATED): the default campaign's space (5 silicas with BET/mesoporous descriptors, vol% SiO2
    5-60 in 0.5 steps, milling 0.5-12 h in 0.25 h steps: 26,085 recipes), objective log10 sigma
    (S/cm) at 30 °C, noise std 0.05 log10 units (known to the strategies through
    ``log10_sigma_std``, as the twin's ``measure`` reports it).
``branin-cat``
    Branin with a categorical tilt: ``c`` in {a, b, c, d}, ``x1`` in [-5, 10], ``x2`` in [0, 15],
    steps 0.25 (14,884 points). ``y = -(branin(x1, x2) + t_c * x1) / 80 - o_c`` with tilts
    t = (0, 0.3, -0.15, 0.1) and offsets o = (0.05, 0, 0.07, 0.15). Branin's three equal minima
    (x1 = -pi, pi, 3 pi) are separated by the tilt, so each category prefers its own basin: the
    optimum is category b at (-3.25, 12.5); the best of category a is 0.062 below, of c (near
    x1 = 3 pi) 0.064 below, of d 0.158 below. No descriptors: the categories are plain labels
    (one-hot for the GP). Noise std 0.05, not reported to the strategies.
``ackley-cat``
    Ackley with categorical centres: ``c`` in {p, q, r, s, t}, ``x1..x3`` in [0, 1], steps 0.025
    (344,605 points). ``y = -ackley(2 * (x - m_c)) / 50 - o_c`` with category centres m_c
    (rows of ``_ACKLEY_CENTRES``) and offsets o = (0, 0.06, 0.1, 0.15, 0.3). Ackley
    (a = 20, b = 0.2, c = 2 pi) is multimodal (local minima about 0.5 apart in x) with a sharp
    global cone; the optimum is category p at its centre (0.3, 0.65, 0.45). No descriptors.
    Noise std 0.05, not reported to the strategies.

The synthetic objectives are scaled so that, as on the twin (0.98 %), about 1 % of the grid lies
within 0.05 of the optimum (branin-cat 1.0 %, ackley-cat 0.93 %; the benchmark's report prints
the exact fractions), and a second category comes close (0.06 below), like SiO2-A300 on the twin.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from matdoe.space import Categorical, Float, SearchSpace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PROBLEMS", "Problem", "get_problem"]

PROBLEMS = ("twin", "branin-cat", "ackley-cat")
#: The problems of other shapes of the peer comparison (benchmarks/peers.py), beside the twin.
OTHER_SHAPES = ("pool-friedman5", "pool-hartmann3-cat", "hartmann6", "needle-easom")


@dataclass(frozen=True, eq=False)
class Problem:
    """A benchmark problem: a space, a noiseless objective on raw points, and its noise.

    Attributes:
        name: Short name (``twin``, ``branin-cat``, ``ackley-cat``).
        space: The search space the strategies explore.
        truth: Noiseless objective of raw points ``(m, n_parameters)`` (higher is better).
        noise_std: Standard deviation of a measurement, objective units.
        objective: Objective column name.
        conditions: Target conditions passed to ``suggest`` (e.g. ``{"temperature_c": 30}``).
        report_std: Whether observations carry ``<objective>_std`` (the known noise).
        pool: For a pool problem, the only makeable recipes (raw points); None: the whole space.
        known_optimum: The optimum of a continuous problem (no grid to enumerate).
        tolerance: "Reached the target": within this of the optimum (objective units).
        budget: Experiments per campaign.
    """

    name: str
    space: SearchSpace
    truth: Callable[[np.ndarray], np.ndarray]
    noise_std: float
    objective: str = "y"
    conditions: Mapping[str, float] = field(default_factory=dict)
    report_std: bool = False
    pool: np.ndarray | None = None
    known_optimum: float | None = None
    tolerance: float = 0.05
    budget: int = 30

    @functools.cached_property
    def grid(self) -> np.ndarray:
        """Every feasible raw point of the step grid."""
        return self.space.grid()

    @functools.cached_property
    def grid_values(self) -> np.ndarray:
        """Noiseless objective on :attr:`grid`."""
        return self.truth(self.grid)

    @property
    def optimum(self) -> float:
        """Best noiseless value on the pool, else the known optimum, else on the grid."""
        if self.pool is not None:
            return float(self.truth(self.pool).max())
        if self.known_optimum is not None:
            return self.known_optimum
        return float(self.grid_values.max())

    def top_fraction(self, raw: np.ndarray, fraction: float = 0.05) -> float:
        """Share of the pool's best ``fraction`` of recipes that ``raw`` contains."""
        assert self.pool is not None
        values = self.truth(self.pool)
        k = max(1, round(fraction * len(values)))
        top = set(self.space.grid_keys(self.pool[np.argsort(-values)[:k]]))
        return len(top & set(self.space.grid_keys(raw))) / k

    def candidates(self) -> pd.DataFrame:
        """The pool as a recipes table (index 0..n-1)."""
        assert self.pool is not None
        return self.space.from_raw(self.pool)

    def fraction_within(self, tolerance: float) -> float:
        """Fraction of the grid (or pool) within ``tolerance`` of the optimum (NaN: continuous)."""
        if self.pool is not None:
            values = self.truth(self.pool)
        elif self.known_optimum is not None:
            return math.nan
        else:
            values = self.grid_values
        return float((values >= self.optimum - tolerance - 1e-12).mean())

    def noise(self, raw: np.ndarray, seed: int, replicate: np.ndarray) -> np.ndarray:
        """Measurement noise, the same for the same recipe, seed and replicate number.

        Common random numbers: two strategies that make the same recipe in the same seed see the
        same measurement, so their comparison is not blurred by independent noise.
        """
        keys = np.array(
            [np.frombuffer(k, dtype=np.int64) for k in self.space.grid_keys(raw)], dtype=np.int64
        )
        out = np.empty(len(raw))
        for i, (key, rep) in enumerate(zip(keys, replicate, strict=True)):
            rng = np.random.default_rng([seed, int(rep), *(int(k) for k in key)])
            out[i] = rng.normal(0.0, self.noise_std)
        return out

    def observations(self, raw: np.ndarray, measured: np.ndarray) -> pd.DataFrame:
        """The table a strategy sees: parameter columns, conditions, objective (and its std)."""
        df = self.space.from_raw(raw)
        for name, value in self.conditions.items():
            df[name] = float(value)
        df[self.objective] = measured
        if self.report_std:
            df[f"{self.objective}_std"] = self.noise_std
        return df


# ---------------------------------------------------------------------------- twin
def twin_problem(twin: Any = None, name: str = "twin", **extra: Any) -> Problem:
    """A digital twin (default: :class:`matdoe.simulate.DigitalTwin`) at 30 °C as a problem.

    ``extra`` goes to :class:`Problem` (e.g. ``tolerance``, ``budget``).
    """
    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    twin = DigitalTwin() if twin is None else twin
    silica = space["silica"]
    assert isinstance(silica, Categorical)
    names = np.array(silica.choices, dtype=object)

    def truth(raw: np.ndarray) -> np.ndarray:
        return np.atleast_1d(
            twin.log10_sigma(names[raw[:, 0].astype(int)], raw[:, 1], raw[:, 2], 30.0)
        )

    return Problem(
        name,
        space,
        truth,
        noise_std=twin.noise_log10,
        objective="log10_sigma",
        conditions={"temperature_c": 30.0},
        report_std=True,
        **extra,
    )


# ---------------------------------------------------------------------------- branin-cat
_BRANIN_TILT = np.array([0.0, 0.3, -0.15, 0.1])
_BRANIN_OFFSET = np.array([0.05, 0.0, 0.07, 0.15])


def branin(x1: Any, x2: Any) -> Any:
    """The Branin-Hoo function (minimum 0.397887 at (-pi, 12.275), (pi, 2.275), (3 pi, 2.475)).

    Example:
        >>> round(float(branin(-math.pi, 12.275)), 6)
        0.397887
    """
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * np.cos(x1) + 10


def _branin_cat() -> Problem:
    space = SearchSpace(
        [
            Categorical("c", ["a", "b", "c", "d"]),
            Float("x1", -5.0, 10.0, step=0.25),
            Float("x2", 0.0, 15.0, step=0.25),
        ]
    )

    def truth(raw: np.ndarray) -> np.ndarray:
        c = raw[:, 0].astype(int)
        x1, x2 = raw[:, 1], raw[:, 2]
        return -(branin(x1, x2) + _BRANIN_TILT[c] * x1) / 80.0 - _BRANIN_OFFSET[c]

    return Problem("branin-cat", space, truth, noise_std=0.05)


# ---------------------------------------------------------------------------- ackley-cat
_ACKLEY_CENTRES = np.array(
    [
        [0.30, 0.65, 0.45],
        [0.70, 0.30, 0.60],
        [0.45, 0.40, 0.25],
        [0.60, 0.75, 0.70],
        [0.25, 0.25, 0.75],
    ]
)
_ACKLEY_OFFSET = np.array([0.0, 0.06, 0.1, 0.15, 0.3])


def ackley(z: np.ndarray) -> np.ndarray:
    """Ackley's function of the rows of ``z`` (a = 20, b = 0.2, c = 2 pi; minimum 0 at 0).

    Example:
        >>> round(float(ackley(np.zeros((1, 3)))[0]), 12)
        0.0
    """
    z = np.atleast_2d(z)
    d = z.shape[1]
    r = np.sqrt((z**2).sum(1) / d)
    cos = np.cos(2 * math.pi * z).sum(1) / d
    return -20 * np.exp(-0.2 * r) - np.exp(cos) + 20 + math.e


def _ackley_cat() -> Problem:
    space = SearchSpace(
        [
            Categorical("c", ["p", "q", "r", "s", "t"]),
            Float("x1", 0.0, 1.0, step=0.025),
            Float("x2", 0.0, 1.0, step=0.025),
            Float("x3", 0.0, 1.0, step=0.025),
        ]
    )

    def truth(raw: np.ndarray) -> np.ndarray:
        c = raw[:, 0].astype(int)
        return -ackley(2.0 * (raw[:, 1:] - _ACKLEY_CENTRES[c])) / 50.0 - _ACKLEY_OFFSET[c]

    return Problem("ackley-cat", space, truth, noise_std=0.05)


# ---------------------------------------------------------------------------- other shapes
# Hartmann functions (Dixon & Szegö 1978; constants as tabulated by Surjanovic & Bingham's
# Virtual Library of Simulation Experiments): -H, to maximise.
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann(x: np.ndarray, a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The Hartmann function of the rows of ``x`` in [0, 1]^d (negative; minimum -3.86 / -3.32).

    Example:
        >>> round(float(hartmann(np.array([[0.20169, 0.150011, 0.476874, 0.275332, 0.311652,
        ...     0.6573]]), _H6_A, _H6_P)[0]), 4)
        -3.3224
    """
    x = np.atleast_2d(x)
    inner = ((x[:, None, :] - p[None, :, :]) ** 2 * a[None, :, :]).sum(-1)
    return -(np.exp(-inner) * _H_ALPHA).sum(-1)


def friedman1(x: np.ndarray) -> np.ndarray:
    """Friedman's (1991) test function #1 of the first five columns of ``x`` in [0, 1].

    Example:
        >>> round(float(friedman1(np.full((1, 5), 0.5))[0]), 4)
        14.5711
    """
    x = np.atleast_2d(x)
    return (
        10 * np.sin(np.pi * x[:, 0] * x[:, 1])
        + 20 * (x[:, 2] - 0.5) ** 2
        + 10 * x[:, 3]
        + 5 * x[:, 4]
    )


def easom(x1: Any, x2: Any) -> Any:
    """Easom's function (one narrow minimum of -1 at (pi, pi), flat elsewhere).

    Example:
        >>> float(easom(math.pi, math.pi))
        -1.0
    """
    return -np.cos(x1) * np.cos(x2) * np.exp(-((x1 - math.pi) ** 2) - (x2 - math.pi) ** 2)


def _unit_space(d: int, step: float | None) -> SearchSpace:
    return SearchSpace([Float(f"x{i + 1}", 0.0, 1.0, step=step) for i in range(d)])


def _pool_friedman() -> Problem:
    space = _unit_space(5, 0.01)
    rng = np.random.default_rng(2024)
    pool = space.snap_raw(rng.random((400, 5)))
    return Problem(
        "pool-friedman5",
        space,
        lambda raw: friedman1(raw) / 10.0,
        noise_std=0.1,
        pool=pool,
        tolerance=0.05,
    )


def _pool_hartmann3() -> Problem:
    space = SearchSpace(
        [
            Categorical("c", ["a", "b", "c"]),
            *_unit_space(3, 0.01).parameters,
        ]
    )
    rng = np.random.default_rng(2025)
    pool = space.snap_raw(np.column_stack([rng.integers(0, 3, 240), rng.random((240, 3))]))
    offsets = np.array([0.0, 0.3, 0.6])

    def truth(raw: np.ndarray) -> np.ndarray:
        return -hartmann(raw[:, 1:], _H3_A, _H3_P) - offsets[raw[:, 0].astype(int)]

    return Problem("pool-hartmann3-cat", space, truth, noise_std=0.1, pool=pool, tolerance=0.1)


def _hartmann6() -> Problem:
    return Problem(
        "hartmann6",
        _unit_space(6, None),
        lambda raw: -hartmann(raw, _H6_A, _H6_P),
        noise_std=0.05,
        known_optimum=3.322368,
        tolerance=0.15,
    )


def _needle() -> Problem:
    space = SearchSpace([Float("x1", -10.0, 10.0), Float("x2", -10.0, 10.0)])
    return Problem(
        "needle-easom",
        space,
        lambda raw: -easom(raw[:, 0], raw[:, 1]),
        noise_std=0.02,
        known_optimum=1.0,
        tolerance=0.1,
    )


_FACTORIES: dict[str, Callable[[], Problem]] = {
    "pool-friedman5": _pool_friedman,
    "pool-hartmann3-cat": _pool_hartmann3,
    "hartmann6": _hartmann6,
    "needle-easom": _needle,
    "twin": twin_problem,
    "branin-cat": _branin_cat,
    "ackley-cat": _ackley_cat,
}


@functools.cache
def get_problem(name: str) -> Problem:
    """The problem called ``name`` (one of :data:`PROBLEMS`), built once per process."""
    if name not in _FACTORIES:
        raise KeyError(f"unknown problem {name!r}; choose one of {list(_FACTORIES)}")
    return _FACTORIES[name]()
