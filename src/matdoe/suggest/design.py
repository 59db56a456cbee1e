"""Space-filling designs: greedy MaxPro picks for the start of a campaign."""

from __future__ import annotations

import numpy as np

from matdoe.space import SearchSpace
from matdoe.suggest.optimiser import SHRINK, pool, unique_rows, valid_mask

__all__ = ["space_filling"]


def _projection_factors(space: SearchSpace, cand: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Sum over coordinates of log((Δu)² + eps) (numeric) or log(1 | 0.05) (categorical)."""
    out = np.zeros(len(cand))
    for j, p in enumerate(space.parameters):
        out += p.projection_log_factor(cand[:, j], float(point[j]))
    return out


def space_filling(
    space: SearchSpace,
    n: int,
    rng: np.random.Generator,
    existing: np.ndarray,
    exclude: set[bytes],
    *,
    model_space: SearchSpace | None = None,
    pool_raw: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy MaxPro picks: indices into ``pool_raw``, or raw points when ``pool_raw`` is None.

    The MaxPro criterion (Joseph, Gul & Ba 2015) minimises sum_j 1 / prod_k d_k(x, x_j)², so a new
    point differs from every earlier one in *each* coordinate: the projections on vol% or time
    are spread like a Latin hypercube and categories are used in turn, instead of the corners that
    plain maximin distance prefers. The first point of an empty design is random (the centre of
    the ranges would bias a campaign towards central optima); a fresh pool avoids the outer 10 %
    of the numeric ranges.

    Args:
        space: The proposal space; the pool holds raw points of it.
        n: Number of picks.
        rng: Random generator.
        existing: Raw points of ``model_space`` already made or pending (spread away from them).
        exclude: Grid keys (of ``model_space``) that must not be picked.
        model_space: The space the data live in (:meth:`SearchSpace.covering`; default: ``space``).
        pool_raw: Candidate raw points to choose among (default: a Sobol pool on the grid).
    """
    model_space = model_space or space
    cand = pool_raw if pool_raw is not None else pool(space, 1024, rng, shrink=SHRINK)
    cand_model = model_space.translate_raw(cand, space)
    idx_ok = np.flatnonzero(valid_mask(space, cand, exclude, model_space, cand_model))
    idx_ok = idx_ok[unique_rows(model_space, cand_model[idx_ok])]
    picks: list[int] = []
    if len(idx_ok):
        sub = cand_model[idx_ok]
        # log of sum_j 1/prod_k f_k, accumulated stably as a log-sum-exp.
        log_score = np.full(len(sub), -np.inf)
        for point in existing:
            log_score = np.logaddexp(log_score, -_projection_factors(model_space, sub, point))
        for _ in range(min(n, len(idx_ok))):
            if np.isneginf(log_score).all():
                i = int(rng.integers(len(sub)))
            else:
                i = int(np.argmin(log_score))
            picks.append(int(idx_ok[i]))
            log_score = np.logaddexp(log_score, -_projection_factors(model_space, sub, sub[i]))
            log_score[i] = np.inf
    if pool_raw is not None:
        return np.array(picks, dtype=int)
    return cand[picks] if picks else np.empty((0, len(space.parameters)))
