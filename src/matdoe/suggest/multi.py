"""Several objectives at once: the Pareto set, by hypervolume or by random scalarisations.

Each measured objective gets the campaign's surrogate (:func:`matdoe.surrogate.fit_surrogate`)
on its own observations (a conductivity model over recipe and temperature, an activation-energy
model over the recipe alone); a recipe objective (milling time as a cost) is known exactly. The
current front is the set of non-dominated made recipes, valued by the models' posterior means
(as the single-objective incumbent is) and by their exact recipe values.

``gp-ehvi``
    Expected hypervolume improvement, exact for two independent Gaussian objectives (a known
    objective has no spread): over the vertical strips of the region the front leaves open,
    EHVI = sum_k [EI_1(a_k) - EI_1(b_k)] * EI_2(h_k), computed in log space
    (:func:`matdoe.suggest.pareto.log_ehvi_2d`). Reference point: in each objective the worst
    front value less a tenth of the front's span (a recipe objective: the worst value of its
    range less a tenth of the range).
``gp-parego``
    Random scalarisations with LogEI (ParEGO, Knowles 2006, with the models of every objective
    kept): for each pick a weight vector is drawn uniformly from the simplex, the objectives
    are scaled to [0, 1] between the reference point and the best front values, and combined by
    the augmented Chebyshev function ``min_k w_k u_k + 0.05 sum_k w_k u_k``; its distribution at
    a candidate is matched to a Gaussian (mean and std over 128 common random draws of the
    objectives) and LogEI is taken over the best front value of the same scalarisation. Any
    number of objectives.

A batch is built one pick at a time with believer fantasies (each model is conditioned on its
own mean at the pending and already chosen recipes, which also join the front), as gp-ucb does.
How the two compare on a two-objective twin is measured in ``benchmarks/multiobjective.py``
(benchmarks/RESULTS_multiobjective.md); ``gp-ei`` with several objectives means the better one
(:data:`matdoe.suggest.problem.MULTI_OBJECTIVE_DEFAULT`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from matdoe.suggest.acquisition import log_expected_improvement
from matdoe.suggest.optimiser import optimize_acquisition, valid_mask
from matdoe.suggest.pareto import log_ehvi_2d, pareto_mask
from matdoe.suggest.problem import Problem, ResolvedObjective
from matdoe.suggest.strategies import (
    MIN_MODEL_POINTS,
    N_INITIAL,
    Picks,
    space_filling_start,
)
from matdoe.surrogate import GPSurrogate, fit_surrogate

__all__ = ["CHEBYSHEV_RHO", "N_SCALARISATION_DRAWS", "REFERENCE_MARGIN", "suggest_multi"]

#: The reference point lies this fraction of the front's span behind its worst value.
REFERENCE_MARGIN = 0.1
#: Weight of the sum in the augmented Chebyshev scalarisation (Knowles 2006).
CHEBYSHEV_RHO = 0.05
#: Common random draws of the objectives for the moments of a scalarisation.
N_SCALARISATION_DRAWS = 128
REASON_START = "space-filling start"
REASON_FRONT = "extends the front"
REASON_EXPLORE = "exploration"


@dataclass
class _Model:
    """One objective as the acquisition sees it (maximisation form)."""

    objective: ResolvedObjective
    gp: GPSurrogate | None
    target: np.ndarray  # condition values of its model, (1, c)

    def encode(self, raw_model: np.ndarray) -> np.ndarray:
        assert self.gp is not None
        cond = np.repeat(self.target, len(raw_model), axis=0)
        return self.gp.space.encode_raw(raw_model, cond, one_hot=self.gp.one_hot)

    def predict(self, raw_model: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and std (maximisation form) at raw points of the model space."""
        if self.gp is None:
            column = self.objective.column
            assert column is not None
            values = self.objective.sign * raw_model[:, column]
            return values, np.zeros(len(raw_model))
        mean, std = self.gp.predict_encoded(self.encode(raw_model))
        return np.asarray(mean), np.asarray(std)

    def fantasize(self, raw_model: np.ndarray) -> _Model:
        if self.gp is None or not len(raw_model):
            return self
        return _Model(self.objective, self.gp.fantasize(self.encode(raw_model)), self.target)


def _fit(problem: Problem) -> list[_Model]:
    models = []
    target_of = dict(problem.target_dict)
    for objective in problem.objectives:
        if not objective.measured:
            models.append(_Model(objective, None, np.empty((1, 0))))
            continue
        assert objective.observations is not None
        space = problem.model_space.with_conditions(objective.conditions)
        gp = fit_surrogate(
            objective.observations, space, objective=objective.name, sign=objective.sign
        )
        target = np.array([[target_of[c] for c in objective.conditions]])
        models.append(_Model(objective, gp, target.reshape(1, len(objective.conditions))))
    return models


def _distinct(problem: Problem, objective: ResolvedObjective) -> int:
    table = objective.observations
    if table is None or not len(table):
        return 0
    return len(set(problem.model_space.grid_keys(problem.model_space.to_raw(table))))


def _bounds(problem: Problem, objective: ResolvedObjective) -> tuple[float, float]:
    """(worst, best) of a recipe objective over the proposal space (maximisation form)."""
    assert objective.column is not None
    parameter: Any = problem.space.parameters[objective.column]
    values = sorted((objective.sign * parameter.low, objective.sign * parameter.high))
    return values[0], values[1]


def _reference(problem: Problem, models: list[_Model], front: np.ndarray) -> np.ndarray:
    ref = np.empty(len(models))
    for k, model in enumerate(models):
        if not model.objective.measured:
            worst, best = _bounds(problem, model.objective)
            ref[k] = worst - REFERENCE_MARGIN * max(best - worst, 1e-9)
            continue
        values = front[:, k] if len(front) else np.zeros(1)
        span = float(values.max() - values.min())
        if span <= 0:
            assert model.gp is not None
            span = float(model.gp.y_scale_)
        ref[k] = float(values.min()) - REFERENCE_MARGIN * max(span, 1e-9)
    return ref


def _ideal(
    problem: Problem, models: list[_Model], front: np.ndarray, ref: np.ndarray
) -> np.ndarray:
    ideal = np.empty(len(models))
    for k, model in enumerate(models):
        if not model.objective.measured:
            ideal[k] = _bounds(problem, model.objective)[1]
        else:
            ideal[k] = float(front[:, k].max()) if len(front) else ref[k] + 1.0
        if ideal[k] <= ref[k]:
            ideal[k] = ref[k] + 1.0
    return ideal


def _values(models: list[_Model], raw_model: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    means, stds = zip(*(m.predict(raw_model) for m in models), strict=True)
    return np.column_stack(means), np.column_stack(stds)


def _front(points: np.ndarray) -> np.ndarray:
    if not len(points):
        return points
    return points[pareto_mask(points)]


def suggest_multi(problem: Problem) -> Picks:
    """The next batch for several objectives (``gp-ehvi`` or ``gp-parego``, see above)."""
    space, model_space = problem.space, problem.model_space
    rng = problem.rng()
    n = problem.n
    made_keys = set(model_space.grid_keys(problem.obs_raw))
    n_pend = len(set(model_space.grid_keys(problem.pending_raw)) - made_keys)
    measured = [o for o in problem.objectives if o.measured]
    use_model = all(_distinct(problem, o) >= MIN_MODEL_POINTS for o in measured)
    n_fill = n if not use_model else min(n, max(0, N_INITIAL - len(made_keys) - n_pend))
    cand = problem.candidates_raw
    picks = Picks(
        model={
            "kernel": None,
            "objectives": {o.name: ("max" if o.sign > 0 else "min") for o in problem.objectives},
            "design": "space-filling (greedy MaxPro)",
        }
    )
    seen = set(problem.exclude)
    chosen_model = space_filling_start(problem, picks, n_fill, rng, seen)
    n_start = len(picks.rows)
    acq_values: list[float] = [math.nan] * n_start
    gains: list[float] = [math.nan] * n_start
    models: list[_Model] = []
    front = np.empty((0, len(problem.objectives)))
    ref = np.zeros(len(problem.objectives))
    if use_model:
        models = _fit(problem)
        made_front, _ = _values(models, problem.obs_raw)
        front = _front(made_front)
        ref = _reference(problem, models, front)
        picks.model = {
            "objectives": {
                m.objective.name: {
                    "maximize": m.objective.sign > 0,
                    **(m.gp.summary() if m.gp is not None else {"recipe": True}),
                }
                for m in models
            },
            "n_observations": {
                o.name: len(o.observations) for o in measured if o.observations is not None
            },
            "reference_point": [float(problem.objectives[k].sign * r) for k, r in enumerate(ref)],
            "acquisition": (
                "EHVI (exact, two objectives), batch by believer fantasies"
                if problem.strategy == "gp-ehvi"
                else "random augmented-Chebyshev scalarisations with LogEI (ParEGO), batch by "
                "believer fantasies"
            ),
        }
    if models and n > len(picks.rows):
        fixed = np.vstack(
            [problem.pending_raw, *([np.vstack(chosen_model)] if chosen_model else [])]
        )
        draws = np.random.default_rng(rng.integers(2**31)).standard_normal(
            (N_SCALARISATION_DRAWS, len(models))
        )
        while len(picks.rows) < n:
            current = [m.fantasize(fixed) for m in models]
            believed = _values(current, fixed)[0] if len(fixed) else np.empty((0, len(models)))
            now = _front(np.vstack([front, believed])) if len(believed) else front
            if problem.strategy == "gp-ehvi":
                acquisition = _ehvi(problem, current, now, ref)
            else:
                acquisition = _parego(problem, current, now, ref, rng, draws)
            if cand is not None:
                ok = np.flatnonzero(valid_mask(space, cand, seen, model_space))
                if not len(ok):
                    break
                vals = acquisition(cand[ok])
                i = int(ok[int(np.argmax(vals))])
                row, val, index = cand[i], float(np.max(vals)), i
            else:
                found_row, val, _ = optimize_acquisition(
                    acquisition, space, rng, exclude=seen, model_space=model_space
                )
                if found_row is None:
                    break
                row, index = found_row, None
            picks.add(row, index)
            acq_values.append(val)
            gains.append(math.exp(val) if problem.strategy == "gp-ehvi" else math.nan)
            seen.add(problem.keys(row[None, :])[0])
            fixed = np.vstack([fixed, problem.to_model(row[None, :])])
    problem.check_left(len(picks.rows))
    rows = picks.raw(len(space.parameters))
    reasons = [REASON_START] * n_start
    if models:
        rows_model = problem.to_model(rows)
        mean, std = _values(models, rows_model)
        for k in range(n_start, len(rows)):
            joined = np.vstack([front, mean[k : k + 1]])
            reasons.append(REASON_FRONT if pareto_mask(joined)[-1] else REASON_EXPLORE)
        columns: dict[str, list[Any]] = {}
        primary = True
        for k, model in enumerate(models):
            if model.gp is None:
                continue
            name = model.objective.name
            sign = model.objective.sign
            columns[f"predicted_{name}"] = list(sign * mean[:, k])
            columns[f"predicted_{name}_std"] = list(std[:, k])
            if primary:
                noise = model.gp.new_measurement_std(len(rows))
                columns["predicted_mean"] = list(sign * mean[:, k])
                columns["predicted_std"] = list(std[:, k])
                columns["predictive_std"] = list(np.sqrt(std[:, k] ** 2 + noise**2))
                primary = False
        columns["acquisition"] = acq_values
        if problem.strategy == "gp-ehvi":
            columns["expected_hypervolume_improvement"] = gains
        columns["reason"] = reasons
        picks.columns = columns
    else:
        picks.columns = {"reason": reasons}
    return picks


def _ehvi(problem: Problem, models: list[_Model], front: np.ndarray, ref: np.ndarray) -> Any:
    def acquisition(raw: np.ndarray) -> np.ndarray:
        mean, std = _values(models, problem.to_model(raw))
        return log_ehvi_2d(mean, std, front, ref)

    return acquisition


def _parego(
    problem: Problem,
    models: list[_Model],
    front: np.ndarray,
    ref: np.ndarray,
    rng: np.random.Generator,
    draws: np.ndarray,
) -> Any:
    k = len(models)
    weights = rng.dirichlet(np.ones(k))
    ideal = _ideal(problem, models, front, ref)
    span = ideal - ref

    def scalarise(values: np.ndarray) -> np.ndarray:
        u = (values - ref) / span
        w = weights * u
        return w.min(axis=-1) + CHEBYSHEV_RHO * w.sum(axis=-1)

    best = float(scalarise(front).max()) if len(front) else 0.0

    def acquisition(raw: np.ndarray) -> np.ndarray:
        mean, std = _values(models, problem.to_model(raw))
        samples = mean[:, None, :] + std[:, None, :] * draws[None, :, :]  # (m, S, k)
        g = scalarise(samples)
        return log_expected_improvement(g.mean(axis=1), np.maximum(g.std(axis=1), 1e-9), best)

    return acquisition
