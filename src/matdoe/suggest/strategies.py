"""The strategies behind :func:`matdoe.suggest.suggest`: GP (LogEI or UCB), Optuna, random.

Each takes a :class:`~matdoe.suggest.problem.Problem` and returns :class:`Picks`: the chosen raw
points (of the proposal space), their positions among the candidates, and per-pick columns that
say what the strategy knows about them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matdoe.errors import InvalidRecordError, MissingDependencyError
from matdoe.suggest.acquisition import UCB_BETA, log_expected_improvement, upper_confidence_bound
from matdoe.suggest.batch import RESOLUTION, batch_log_ei, believer_acquisition
from matdoe.suggest.design import space_filling
from matdoe.suggest.optimiser import (
    optimize_acquisition,
    optuna_distributions,
    unique_rows,
    valid_mask,
)
from matdoe.suggest.problem import Problem
from matdoe.surrogate import GPSurrogate, fit_surrogate

__all__ = [
    "BATCH_ACQUISITION",
    "INNER_OPTIMIZER",
    "MIN_MODEL_POINTS",
    "N_INITIAL",
    "Picks",
    "suggest_gp",
    "suggest_optuna",
    "suggest_random",
]

#: Distinct recipes collected by the space-filling start before the model takes over.
N_INITIAL = 5
#: Fewer distinct measured recipes than this: space-filling only (no model).
MIN_MODEL_POINTS = 3
#: Global stage of the acquisition optimiser (see :mod:`matdoe.suggest.optimiser`).
INNER_OPTIMIZER = "sobol"
#: How a gp-ei batch is built: "q-logei" (sequential greedy q-LogEI over Monte-Carlo fantasies
#: of the pending and already chosen recipes) or "kriging-believer" (the earlier method).
BATCH_ACQUISITION = "q-logei"

REASON_START = "space-filling start"
REASON_IMPROVE = "improvement"
REASON_EXPLORE = "exploration"


@dataclass
class Picks:
    """The raw points a strategy chose, where they sit among the candidates, what it knows."""

    rows: list[np.ndarray] = field(default_factory=list)
    index: list[int] = field(default_factory=list)
    columns: dict[str, list[Any]] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    def add(self, row: np.ndarray, index: int | None = None, **values: Any) -> None:
        self.rows.append(np.asarray(row, dtype=float))
        if index is not None:
            self.index.append(int(index))
        for k, v in values.items():
            self.columns.setdefault(k, []).append(v)

    def raw(self, width: int) -> np.ndarray:
        return np.vstack(self.rows) if self.rows else np.empty((0, width))


# ---------------------------------------------------------------------------- random
def suggest_random(problem: Problem) -> Picks:
    """Uniform on the grid (or among the candidates), without repeats."""
    space, rng = problem.space, problem.rng()
    picks = Picks(model={"kernel": None, "design": "random"})
    if problem.candidates_raw is not None:
        cand = problem.candidates_raw
        ok = np.flatnonzero(valid_mask(space, cand, problem.exclude, problem.model_space))
        ok = ok[unique_rows(problem.model_space, problem.to_model(cand[ok]))]
        for i in rng.permutation(ok)[: problem.n]:
            picks.add(cand[i], int(i), reason="random")
        problem.check_left(len(picks.rows))
        return picks
    seen = set(problem.exclude)
    for _ in range(50):
        raw = space.snap_raw(space.sample_raw(max(64, 4 * problem.n), rng, method="random"))
        for row, key, ok in zip(raw, problem.keys(raw), space.feasible_raw(raw), strict=True):
            if ok and key not in seen and len(picks.rows) < problem.n:
                seen.add(key)
                picks.add(row, reason="random")
        if len(picks.rows) == problem.n:
            break
    problem.check_left(len(picks.rows))
    return picks


# ---------------------------------------------------------------------------- GP strategies
def fit_model(problem: Problem) -> GPSurrogate:
    """The surrogate of the observations, as every command fits it (:func:`fit_surrogate`)."""
    return fit_surrogate(
        problem.observations, problem.space, objective=problem.objective, sign=problem.sign
    )


def space_filling_start(
    problem: Problem,
    picks: Picks,
    n_fill: int,
    rng: np.random.Generator,
    seen: set[bytes],
    **columns: Any,
) -> list[np.ndarray]:
    """Add ``n_fill`` space-filling picks (away from made and pending recipes) to ``picks``.

    ``seen`` gains their grid keys; ``columns`` are stored with each pick (e.g. its reason).
    Returns the picks in the model space's raw, for the fantasies of the model part.
    """
    chosen_model: list[np.ndarray] = []
    if not n_fill:
        return chosen_model
    cand = problem.candidates_raw
    existing = np.vstack([problem.obs_raw, problem.pending_raw])
    found = space_filling(
        problem.space, n_fill, rng, existing, seen, model_space=problem.model_space, pool_raw=cand
    )
    rows = cand[found] if cand is not None else found
    for k, row in enumerate(rows):
        picks.add(row, int(found[k]) if cand is not None else None, **columns)
        seen.add(problem.keys(row[None, :])[0])
        chosen_model.append(problem.to_model(row[None, :])[0])
    return chosen_model


def suggest_gp(problem: Problem) -> Picks:
    """GP-based batch: space-filling start, then LogEI (q-LogEI batches) or UCB (believer)."""
    space, model_space = problem.space, problem.model_space
    rng = problem.rng()
    obs_keys = set(model_space.grid_keys(problem.obs_raw))
    n_obs = len(obs_keys)
    n_pend = len(set(model_space.grid_keys(problem.pending_raw)) - obs_keys)
    use_model = n_obs >= MIN_MODEL_POINTS
    n = problem.n
    n_fill = n if not use_model else min(n, max(0, N_INITIAL - n_obs - n_pend))
    cand = problem.candidates_raw
    target = problem.target[None, :]

    def enc_model(raw_model: np.ndarray) -> np.ndarray:
        return model_space.encode_raw(
            raw_model, np.repeat(target, len(raw_model), axis=0), one_hot=True
        )

    def enc(raw: np.ndarray) -> np.ndarray:
        return enc_model(problem.to_model(raw))

    model: GPSurrogate | None = None
    picks = Picks(
        model={
            "kernel": None,
            "n_observations": len(problem.observations),
            "design": "space-filling (greedy MaxPro)",
        }
    )
    if use_model:
        model = fit_model(problem)
        picks.model = {**model.summary(), "n_observations": len(problem.observations)}

    seen = set(problem.exclude)
    # 1) space-filling part
    chosen_model = space_filling_start(problem, picks, n_fill, rng, seen, reason=REASON_START)
    acq_values: list[float] = [math.nan] * len(picks.rows)
    best = math.nan
    # 2) model part
    if model is not None and n > len(picks.rows):
        observed_means = model.predict_encoded(enc_model(problem.obs_raw), return_std=False)
        best = float(observed_means.max())
        fixed = np.vstack(
            [problem.pending_raw, *([np.vstack(chosen_model)] if chosen_model else [])]
        )
        if problem.strategy == "gp-ucb":
            make = believer_acquisition(model, enc, enc_model, best, "ucb")
        elif BATCH_ACQUISITION == "kriging-believer":
            make = believer_acquisition(model, enc, enc_model, best, "logei")
        else:
            resolution = RESOLUTION * float(model.new_measurement_std(1)[0])
            make = batch_log_ei(model, enc, enc_model, best, rng, resolution=resolution)
        while len(picks.rows) < n:
            acquisition = make(fixed)
            if cand is not None:
                ok = np.flatnonzero(valid_mask(space, cand, seen, model_space))
                if not len(ok):
                    break
                vals = acquisition(cand[ok])
                i = int(ok[int(np.argmax(vals))])
                row, val, index = cand[i], float(np.max(vals)), i
            else:
                found_row, val, _ = optimize_acquisition(
                    acquisition,
                    space,
                    rng,
                    exclude=seen,
                    method=INNER_OPTIMIZER,
                    model_space=model_space,
                )
                if found_row is None:
                    break
                row, index = found_row, None
            picks.add(row, index)
            acq_values.append(val)
            seen.add(problem.keys(row[None, :])[0])
            fixed = np.vstack([fixed, problem.to_model(row[None, :])])
    problem.check_left(len(picks.rows))
    rows = picks.raw(len(space.parameters))
    if model is not None:
        mean, std = model.predict_encoded(enc(rows))
        noise = model.new_measurement_std(len(rows))
        ei = np.exp(log_expected_improvement(mean, std, best))
        n_start = picks.columns.get("reason", []).count(REASON_START)
        reasons = [REASON_START] * n_start + [
            REASON_IMPROVE if m >= best else REASON_EXPLORE for m in mean[n_start:]
        ]
        ei[:n_start] = np.nan
        picks.columns = {
            "predicted_mean": list(problem.sign * mean),
            "predicted_std": list(std),
            "predictive_std": list(np.sqrt(std**2 + noise**2)),
            "acquisition": acq_values,
            "expected_improvement": list(ei),
            "reason": reasons,
        }
        picks.model["incumbent"] = problem.sign * best
        picks.model["acquisition"] = (
            f"UCB(beta={UCB_BETA:g}), batch by believer fantasies"
            if problem.strategy == "gp-ucb"
            else (
                "logEI (kriging believer)"
                if BATCH_ACQUISITION == "kriging-believer"
                else "q-logEI (sequential greedy over Monte-Carlo fantasies)"
            )
        )
    else:
        picks.columns = {"reason": [REASON_START] * len(picks.rows)}
    return picks


# ---------------------------------------------------------------------------- Optuna
def suggest_optuna(problem: Problem) -> Picks:
    """Optuna's TPESampler / GPSampler through ask-and-tell (see :func:`matdoe.suggest.suggest`)."""
    import optuna
    from optuna.trial import TrialState, create_trial

    space, model_space = problem.space, problem.model_space
    rng = problem.rng()
    seed = int(rng.integers(2**31 - 1))
    if problem.strategy == "optuna-gp":
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            raise MissingDependencyError(
                "strategy 'optuna-gp' needs torch; install it with pip install 'matdoe[gp]'"
            ) from exc
        sampler: Any = optuna.samplers.GPSampler(seed=seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    dists = optuna_distributions(space)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    picks = Picks()
    used = 0
    try:
        study = optuna.create_study(
            direction="maximize" if problem.maximize else "minimize", sampler=sampler
        )
        obs = problem.observations
        target = problem.target
        if len(obs):
            cond = model_space.condition_values(obs, len(obs))
            at_target = (
                np.all(np.abs(cond - target) <= 1e-6 * np.maximum(1.0, np.abs(target)), axis=1)
                if model_space.conditions
                else np.ones(len(obs), dtype=bool)
            )
            values = obs[problem.objective].to_numpy(dtype=float)
            for row, value, ok in zip(problem.obs_raw, values, at_target, strict=True):
                params = _optuna_params(problem, row)
                if ok and params is not None:
                    study.add_trial(create_trial(params=params, distributions=dists, value=value))
                    used += 1
        for row in problem.pending_raw:
            params = _optuna_params(problem, row)
            if params is not None:
                study.add_trial(
                    create_trial(state=TrialState.RUNNING, params=params, distributions=dists)
                )
        seen = set(problem.exclude)
        cand = problem.candidates_raw
        cand_coords = (
            model_space.design_coords(problem.to_model(cand)) if cand is not None else None
        )
        for _ in range(problem.n):
            row = None
            index = None
            for _attempt in range(50):
                trial = study.ask(dists)  # type: ignore[arg-type]
                proposal = space.snap_raw(space.raw_row(trial.params)[None, :])
                if cand is not None:
                    ok = np.flatnonzero(valid_mask(space, cand, seen, model_space))
                    if not len(ok):
                        study.tell(trial, state=TrialState.FAIL)
                        break
                    assert cand_coords is not None
                    point = model_space.design_coords(problem.to_model(proposal))
                    dist = ((cand_coords[ok] - point) ** 2).sum(1)
                    index = int(ok[int(np.argmin(dist))])
                    row = cand[index]
                    break
                if valid_mask(space, proposal, seen, model_space)[0]:
                    row = proposal[0]
                    break
                study.tell(trial, state=TrialState.FAIL)
            if row is None and cand is None:
                fallback = suggest_random(
                    Problem(**{**problem.__dict__, "n": 1, "exclude": frozenset(seen)})
                )
                row = fallback.rows[0]
            if row is None:
                break
            picks.add(row, index, reason=f"Optuna {type(sampler).__name__}")
            seen.add(problem.keys(row[None, :])[0])
    finally:
        optuna.logging.set_verbosity(verbosity)
    problem.check_left(len(picks.rows))
    picks.model = {
        "kernel": None,
        "sampler": type(sampler).__name__,
        "n_observations": len(problem.observations),
        "n_trials_used": used,
        "conditions": "only observations at the target conditions inside the proposal space "
        "are used",
    }
    return picks


def _optuna_params(problem: Problem, row_model: np.ndarray) -> dict[str, Any] | None:
    """A model-space raw point as Optuna params of the proposal space (None: outside it)."""
    values = problem.model_space.row_values(row_model)
    try:
        prop = problem.space.raw_row(values)
    except InvalidRecordError:  # a choice outside the proposals
        return None
    prop = problem.space.snap_raw(prop[None, :])
    if not problem.space.feasible_raw(prop)[0]:
        return None
    return problem.space.row_values(prop[0])


__all__ += ["fit_model", "upper_confidence_bound"]
