"""The next experiments: Bayesian optimisation over a :class:`~matdoe.space.SearchSpace`.

:func:`suggest` is the one entry point. Strategies:

``"gp-ei"`` (default)
    The campaign's surrogate (:func:`matdoe.surrogate.make_surrogate`, the same model that
    ``matdoe model fit|predict|report`` fits) on the observations; acquisition = log expected
    improvement (LogEI, Ament et al., NeurIPS 2023) over the incumbent, the best posterior mean
    at the observed recipes under the target conditions. A batch is built by sequential greedy
    q-LogEI over Monte-Carlo fantasies of the pending and already chosen recipes
    (:mod:`matdoe.suggest.batch`).
``"gp-ucb"``
    The same GP; acquisition = mean + sqrt(beta)·std with ``beta = UCB_BETA`` (4, i.e. 2 std);
    batches by believer fantasies.
``"optuna-tpe"`` / ``"optuna-gp"``
    Optuna's TPESampler / GPSampler through ask-and-tell, for comparison.
``"random"``
    Uniform on the grid.
``"gp-ehvi"`` / ``"gp-parego"`` (several ``objectives``)
    One surrogate per measured objective; expected hypervolume improvement (two objectives) or
    random augmented-Chebyshev scalarisations with LogEI (any number), see
    :mod:`matdoe.suggest.multi`. ``"gp-ei"`` with several objectives means
    :data:`~matdoe.suggest.problem.MULTI_OBJECTIVE_DEFAULT`.

The package: :mod:`~matdoe.suggest.problem` (the checked request), :mod:`~.acquisition`,
:mod:`~.optimiser` (maximising an acquisition over the mixed grid), :mod:`~.design` (the
space-filling start), :mod:`~.batch`, :mod:`~.strategies`.

Few data: with fewer than 3 distinct measured recipes the batch is space-filling (greedy MaxPro);
up to ``N_INITIAL`` (5) distinct recipes (measured + pending) are collected this way before the
model takes over. No recipe already measured, pending or picked (compared on the step grid) is
suggested again; constraints and forbidden combinations are respected. Measured figures of all
these choices are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from matdoe.errors import InvalidRecordError
from matdoe.space import SearchSpace
from matdoe.suggest.acquisition import UCB_BETA, log_expected_improvement
from matdoe.suggest.multi import suggest_multi
from matdoe.suggest.optimiser import optimize_acquisition
from matdoe.suggest.pareto import hypervolume, pareto_mask
from matdoe.suggest.problem import MULTI_OBJECTIVE_DEFAULT, STRATEGIES, Objective, Problem
from matdoe.suggest.strategies import (
    MIN_MODEL_POINTS,
    N_INITIAL,
    suggest_gp,
    suggest_optuna,
    suggest_random,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MIN_MODEL_POINTS",
    "MULTI_OBJECTIVE_DEFAULT",
    "N_INITIAL",
    "STRATEGIES",
    "UCB_BETA",
    "Objective",
    "hypervolume",
    "log_expected_improvement",
    "optimize_acquisition",
    "pareto_mask",
    "suggest",
]


def suggest(
    observations: pd.DataFrame | None,
    space: SearchSpace,
    objective: str = "log10_sigma",
    n: int = 1,
    maximize: bool = True,
    pending: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    conditions: Mapping[str, float] | None = None,
    strategy: str = "gp-ei",
    random_state: int | None = 0,
    objectives: Sequence[Objective] | None = None,
) -> pd.DataFrame:
    """Suggest the next ``n`` recipes to make.

    Args:
        observations: One row per measurement: the space's parameter columns, the objective
            column, optionally condition columns (e.g. ``temperature_c``; missing -> the
            condition's default), ``<objective>_std`` (measurement std, objective units) and
            ``sample`` (the batch a measurement was made on: measurements of one sample share
            its batch-to-batch offset; without it every row is its own batch). May be None or
            empty (then a space-filling start). Recipes and conditions outside the space's
            ranges are used by the model: a range limits the proposals, not the data.
        space: The search space of the proposals; a space narrowed with
            :meth:`SearchSpace.restrict` proposes inside its limits while the model is built over
            its domain.
        objective: Objective column (e.g. ``log10_sigma``).
        n: Number of suggestions (batch size).
        maximize: Maximise (True) or minimise the objective.
        pending: Recipes suggested but not measured yet (parameter columns): modelled as
            fantasies, never suggested again; they may lie outside the space.
        candidates: If given, choose only among these rows (their index is kept in the output).
            Fewer than ``n`` rows are returned when fewer unused candidates remain.
        conditions: Condition values at which to predict and optimise, e.g.
            ``{"temperature_c": 30}``; default: each condition's default.
        strategy: One of ``"gp-ei"``, ``"gp-ucb"``, ``"optuna-tpe"``, ``"optuna-gp"``,
            ``"random"``; with several ``objectives`` also ``"gp-ehvi"`` (expected hypervolume
            improvement, what ``"gp-ei"`` means there) or ``"gp-parego"`` (random Chebyshev
            scalarisations with LogEI), see :mod:`matdoe.suggest.multi`.
        random_state: Seed; the same inputs and seed give the same suggestions.
        objectives: Two or more :class:`Objective` s to optimise together (a Pareto set):
            measured ones with their own observations (None: ``observations``), recipe ones
            (:meth:`Objective.recipe`, e.g. milling time as a cost). ``objective`` and
            ``maximize`` are then not used; ``conditions`` are the targets of every measured
            objective that has those conditions.

    Returns:
        One row per suggestion: the parameter columns, the condition columns (target values),
        then the columns the strategy can fill. Every strategy: ``reason`` (why the recipe was
        chosen: ``space-filling start``, ``improvement`` when its predicted mean beats the
        incumbent, ``exploration`` when only its uncertainty makes it worth trying, or the
        sampler's name) and ``distance_to_made`` (distance to the nearest measured or pending
        recipe: numeric parameters scaled to [0, 1] over the model's ranges, another category
        counts 1). GP strategies once the model is fitted also give ``predicted_mean`` and
        ``predicted_std`` (posterior of the recipe's mean objective at the target conditions,
        objective units), ``predictive_std`` (std of a new measurement of a new batch: adds
        the measurement noise and the batch-to-batch scatter), ``acquisition`` (q-LogEI in natural
        log of objective units for gp-ei, mean + 2·std for gp-ucb; NaN for space-filling picks)
        and ``expected_improvement`` (objective units; NaN for space-filling picks).
        ``attrs["strategy"]`` and ``attrs["model"]`` (JSON-able summary: kernel,
        lengthscales, noise, n_observations, incumbent) describe how it was made.
        With several objectives: ``predicted_<name>`` and ``predicted_<name>_std`` of each
        measured objective (``predicted_mean``/``predicted_std``/``predictive_std`` repeat the
        first), ``acquisition`` (log EHVI, or the LogEI of the pick's scalarisation),
        ``expected_hypervolume_improvement`` (gp-ehvi), and ``reason`` ``extends the front``
        when the predicted means would join the current Pareto front.

    Optuna strategies: the observations measured at the target conditions (within 1e-6) and
    inside the proposal space are added as completed trials with their parameters snapped to the
    step grid (Optuna's samplers have no notion of a condition); pending recipes are added as
    RUNNING trials; the batch is ``n`` asks left RUNNING. Proposals that repeat a recipe or
    violate a constraint are marked FAIL and asked again (up to 50 times, then a random unused
    grid point). With ``candidates``, each proposal is replaced by the nearest unused candidate.
    ``optuna-gp`` needs torch: ``pip install 'matdoe[gp]'``.

    Raises:
        InvalidRecordError: unknown strategy; bad observations (missing objective column,
            NaN/inf, unknown categories); candidates outside the space; empty candidate frame.
        MissingDependencyError: ``optuna-gp`` without torch.
    """
    import pandas as pd

    problem = Problem.build(
        observations,
        space,
        objective=objective,
        n=n,
        maximize=maximize,
        pending=pending,
        candidates=candidates,
        conditions=conditions,
        strategy=strategy,
        random_state=random_state,
        objectives=objectives,
    )
    strategy = problem.strategy
    with threadpool_limits(1):
        if strategy == "random":
            picks = suggest_random(problem)
        elif problem.multi:
            picks = suggest_multi(problem)
        elif strategy in ("gp-ehvi", "gp-parego"):
            raise InvalidRecordError(
                f"strategy {strategy!r} needs two or more objectives (objectives=...)"
            )
        elif strategy.startswith("optuna"):
            picks = suggest_optuna(problem)
        else:
            picks = suggest_gp(problem)
    rows = picks.raw(len(space.parameters))
    index = (
        problem.candidates_index[np.array(picks.index, dtype=int)]
        if problem.candidates_raw is not None
        else pd.RangeIndex(len(rows))
    )
    out = space.from_raw(rows, index=index)
    for name, value in problem.target_dict.items():
        out[name] = value
    for name, values in picks.columns.items():
        out[name] = values if name == "reason" else np.asarray(values, dtype=float)
    out["distance_to_made"] = _distance_to_made(problem, rows)
    out.attrs["strategy"] = strategy
    out.attrs["model"] = picks.model
    out.attrs["conditions"] = dict(problem.target_dict)
    return out


def _distance_to_made(problem: Problem, rows: np.ndarray) -> np.ndarray:
    """Distance of each pick to the nearest observed or pending recipe (NaN when none)."""
    made = np.vstack([problem.obs_raw, problem.pending_raw])
    if not len(made) or not len(rows):
        return np.full(len(rows), np.nan)
    ms = problem.model_space
    a = ms.design_coords(problem.to_model(rows))
    b = ms.design_coords(made)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(d2.min(axis=1), 0.0))
