"""Maximising an acquisition function over the grid of a mixed space.

Global stage, then a local one. Global (default ``"sobol"``): the categorical combinations are
enumerated when there are at most 64 of them (else sampled), with a scrambled Sobol set of 2,048
points over the numeric parameters on the step grid, evaluated in one vectorised call. The
alternative global stage ``"optuna"`` runs an inner Optuna study (multivariate TPE after random
start-up trials) over the same mixed space, asked and evaluated in batches of 64. Local: the best
8 starts (plus any seeds given) are refined by a greedy multi-scale
coordinate search on the grid (each parameter's :meth:`~matdoe.space.Parameter.neighbours`: moves
of 1, 2, 4, ..., 64 steps of a numeric parameter, every other choice of a categorical) until no
move improves. How the two global stages compare is measured in ``benchmarks/doe.py`` (see
benchmarks/RESULTS.md).

Acquisitions take raw points of the *proposal* space; "already made" is decided on the grid of the
*model* space (the space widened to the data, :meth:`~matdoe.space.SearchSpace.covering`), so a
restricted space still recognises a made recipe.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from matdoe.errors import InvalidRecordError
from matdoe.space import SearchSpace

__all__ = ["optimize_acquisition", "pool", "unique_rows", "valid_mask"]

N_SAMPLES = 2048
N_STARTS = 8
MAX_ENUMERATED_COMBOS = 64
#: Fraction of each numeric range kept clear by a fresh space-filling pool (each side).
SHRINK = 0.1

Acquisition = Callable[[np.ndarray], np.ndarray]


def unique_rows(model_space: SearchSpace, raw_model: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each grid key."""
    seen: set[bytes] = set()
    out = []
    for i, k in enumerate(model_space.grid_keys(raw_model)):
        if k not in seen:
            seen.add(k)
            out.append(i)
    return np.array(out, dtype=int)


def valid_mask(
    space: SearchSpace,
    raw: np.ndarray,
    exclude: set[bytes] | frozenset[bytes],
    model_space: SearchSpace | None = None,
    raw_model: np.ndarray | None = None,
) -> np.ndarray:
    """Feasible in ``space`` and not excluded (keys on the grid of ``model_space``)."""
    if not len(raw):
        return np.zeros(0, dtype=bool)
    ok = space.feasible_raw(raw)
    if model_space is None:
        model_space, raw_model = space, raw
    elif raw_model is None:
        raw_model = model_space.translate_raw(raw, space)
    keys = model_space.grid_keys(raw_model)
    return ok & np.array([k not in exclude for k in keys], dtype=bool)


def _combos(space: SearchSpace) -> tuple[list[int], np.ndarray | None]:
    cats = [j for j, p in enumerate(space.parameters) if not p.numeric]
    sizes = [int(space.parameters[j].n_grid_points()) for j in cats]
    n_combos = math.prod(sizes) if cats else 1
    if not cats or n_combos > MAX_ENUMERATED_COMBOS:
        return cats, None
    grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
    return cats, np.column_stack([g.ravel() for g in grids]).astype(float)


def pool(
    space: SearchSpace, n: int, rng: np.random.Generator, *, shrink: float = 0.0
) -> np.ndarray:
    """Sobol raw points on the grid; categoricals enumerated when few combinations."""
    cats, combos = _combos(space)
    if combos is not None:
        per = max(32, n // len(combos))
        base = space.sample_raw(per, rng)
        raw = np.repeat(base, len(combos), axis=0)
        raw[:, cats] = np.tile(combos, (per, 1))
        # Different numeric points per combination: shift each combination's block randomly.
        raw = _numeric_resample(space, raw, rng, cats)
    else:
        raw = space.sample_raw(n, rng)
    if shrink:
        for j, p in enumerate(space.parameters):
            if p.numeric:
                raw[:, j] = p.from_unit(shrink + (1 - 2 * shrink) * p.to_unit(raw[:, j]))  # type: ignore[attr-defined]
    return space.snap_raw(raw)


def _numeric_resample(
    space: SearchSpace, raw: np.ndarray, rng: np.random.Generator, cats: list[int]
) -> np.ndarray:
    """Cranley-Patterson rotation of the numeric columns per categorical combination."""
    nums = [j for j, p in enumerate(space.parameters) if p.numeric]
    if not nums:
        return raw
    _, combo_id = np.unique(raw[:, cats], axis=0, return_inverse=True)
    combo_id = combo_id.ravel()
    shifts = rng.random((int(combo_id.max()) + 1, len(nums)))
    for k, j in enumerate(nums):
        p = space.parameters[j]
        u = (p.to_unit(raw[:, j]) + shifts[combo_id, k]) % 1.0  # type: ignore[attr-defined]
        raw[:, j] = p.from_unit(u)  # type: ignore[attr-defined]
    return raw


def optimize_acquisition(
    acquisition: Acquisition,
    space: SearchSpace,
    rng: np.random.Generator,
    *,
    exclude: set[bytes] | frozenset[bytes] = frozenset(),
    seeds: np.ndarray | None = None,
    n_samples: int = N_SAMPLES,
    n_starts: int = N_STARTS,
    max_iter: int = 100,
    method: str = "sobol",
    model_space: SearchSpace | None = None,
) -> tuple[np.ndarray | None, float, int]:
    """Maximise an acquisition function over the grid of a mixed space.

    Args:
        acquisition: Maps raw points ``(m, n_parameters)`` of ``space`` to values (higher is
            better).
        space: The (proposal) search space.
        rng: Random generator (Sobol scrambling, Optuna's seed).
        exclude: Grid keys (:meth:`SearchSpace.grid_keys` of ``model_space``) not to return.
        seeds: Extra raw starting points, in ``space``'s raw (an excluded one is dropped like
            any other point: the recipes already made are no seeds).
        n_samples: Evaluations of the global stage.
        n_starts: Number of local searches.
        max_iter: Iteration cap per local search.
        method: ``"sobol"`` or ``"optuna"`` (global stage, see the module docstring).
        model_space: The space whose grid keys ``exclude`` holds (default: ``space``).

    Returns:
        (best raw point or None when every point is excluded, its value, number of evaluations).
    """
    model_space = model_space or space
    if method == "sobol":
        raw = pool(space, n_samples, rng)
        vals = None
    elif method == "optuna":
        raw, vals = optuna_global(acquisition, space, rng, n_samples, set(exclude), model_space)
    else:
        raise InvalidRecordError(
            f"unknown acquisition optimiser {method!r}; use 'sobol' or 'optuna'"
        )
    n_eval = 0 if vals is None else len(vals)
    if seeds is not None and len(seeds):
        seeds = space.snap_raw(seeds)
        raw = np.vstack([raw, seeds])
        if vals is not None:
            vals = np.concatenate([vals, acquisition(seeds)])
            n_eval += len(seeds)
    raw_model = model_space.translate_raw(raw, space)
    keep = unique_rows(model_space, raw_model)
    raw, raw_model = raw[keep], raw_model[keep]
    ok = valid_mask(space, raw, exclude, model_space, raw_model)
    raw = raw[ok]
    if not len(raw):
        return None, -math.inf, n_eval
    if vals is None:
        vals = acquisition(raw)
        n_eval = len(raw)
    else:
        vals = vals[keep][ok]
    order = np.argsort(-vals, kind="stable")[:n_starts]
    cur, cur_val, n_local = local_search(
        acquisition,
        space,
        raw[order].copy(),
        vals[order].copy(),
        set(exclude),
        max_iter,
        model_space,
    )
    best = int(np.argmax(cur_val))
    return cur[best], float(cur_val[best]), n_eval + n_local


def local_search(
    acquisition: Acquisition,
    space: SearchSpace,
    cur: np.ndarray,
    cur_val: np.ndarray,
    exclude: set[bytes],
    max_iter: int,
    model_space: SearchSpace | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Greedy multi-scale coordinate ascent on the grid from each row of ``cur``."""
    n_eval = 0
    active = np.ones(len(cur), dtype=bool)
    for _ in range(max_iter):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        pts, owner = space.neighbours_raw(cur[idx])
        ok = valid_mask(space, pts, exclude, model_space)
        pts, owner = pts[ok], owner[ok]
        if not len(pts):
            break
        v = acquisition(pts)
        n_eval += len(pts)
        for local, i in enumerate(idx):
            mine = np.flatnonzero(owner == local)
            if not len(mine):
                active[i] = False
                continue
            b = mine[int(np.argmax(v[mine]))]
            if v[b] > cur_val[i] + 1e-12:
                cur[i], cur_val[i] = pts[b], v[b]
            else:
                active[i] = False
    return cur, cur_val, n_eval


def optuna_distributions(space: SearchSpace) -> dict[str, Any]:
    """Optuna distributions of the space's parameters."""
    return {p.name: p.optuna_distribution() for p in space.parameters}


def optuna_global(
    acquisition: Acquisition,
    space: SearchSpace,
    rng: np.random.Generator,
    n_trials: int,
    exclude: set[bytes],
    model_space: SearchSpace | None = None,
    batch: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Global stage of :func:`optimize_acquisition` with an inner Optuna (TPE) study."""
    import optuna
    from optuna.trial import TrialState

    dists = optuna_distributions(space)
    seed = int(rng.integers(2**31 - 1))
    n_startup = max(10, n_trials // 10)
    sampler = optuna.samplers.TPESampler(
        seed=seed, multivariate=True, n_startup_trials=n_startup, constant_liar=True
    )
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    raws: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    try:
        study = optuna.create_study(direction="maximize", sampler=sampler)
        done = 0
        while done < n_trials:
            k = min(batch, n_trials - done)
            trials = [study.ask(dists) for _ in range(k)]  # type: ignore[arg-type]
            raw = space.snap_raw(np.vstack([space.raw_row(t.params) for t in trials]))
            ok = valid_mask(space, raw, exclude, model_space)
            v = np.full(k, -np.inf)
            if ok.any():
                v[ok] = acquisition(raw[ok])
            for t, value, good in zip(trials, v, ok, strict=True):
                if good and np.isfinite(value):
                    study.tell(t, float(value))
                else:
                    study.tell(t, state=TrialState.FAIL)
            raws.append(raw)
            vals.append(v)
            done += k
    finally:
        optuna.logging.set_verbosity(verbosity)
    return np.vstack(raws), np.concatenate(vals)
