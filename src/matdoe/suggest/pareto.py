"""Pareto fronts and hypervolumes (maximisation form), and the exact two-objective EHVI.

Every function here works on objectives to be *maximised*; a minimised objective enters with its
sign flipped (:func:`to_maximise`).

Example:
    >>> points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [1.5, 1.5]])
    >>> pareto_mask(points, [True, True]).tolist()
    [True, True, True, False]
    >>> float(hypervolume_2d(points, np.array([0.0, 0.0])))
    6.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "hypervolume",
    "hypervolume_2d",
    "log_ehvi_2d",
    "pareto_mask",
    "staircase",
    "to_maximise",
]


def to_maximise(values: Any, maximize: Sequence[bool]) -> np.ndarray:
    """Values ``(n, k)`` with minimised objectives negated, so every column is maximised."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    signs = np.where(np.asarray(maximize, dtype=bool), 1.0, -1.0)
    return values * signs[None, :]


def pareto_mask(values: Any, maximize: Sequence[bool] | None = None) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` ``(n, k)``.

    A row is dominated when another is at least as good in every objective and better in one.
    Duplicates of a non-dominated row are all kept.

    >>> pareto_mask(np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 2.0]]), [True, True]).tolist()
    [True, True, True]
    """
    v = np.atleast_2d(np.asarray(values, dtype=float))
    if maximize is not None:
        v = to_maximise(v, maximize)
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=bool)
    ge = (v[:, None, :] >= v[None, :, :]).all(axis=2)  # ge[i, j]: i at least as good as j
    gt = (v[:, None, :] > v[None, :, :]).any(axis=2)
    dominated = (ge & gt).any(axis=0)
    return np.asarray(~dominated)


def staircase(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The region a 2-D front (maximised) leaves open above ``ref``, as vertical strips.

    Returns ``(a, b, h)``: strip k spans objective 1 from ``a[k]`` to ``b[k]`` (the last one to
    +inf) and the front covers objective 2 up to ``h[k]`` there. A new point ``y`` adds
    ``sum_k (min(y1, b_k) - a_k)+ * (y2 - h_k)+`` of hypervolume.
    """
    ref = np.asarray(ref, dtype=float)
    pts = np.asarray(front, dtype=float).reshape(-1, 2)
    pts = pts[(pts > ref[None, :]).all(axis=1)]
    if len(pts):
        pts = pts[pareto_mask(pts)]
        pts = pts[np.lexsort((pts[:, 1], -pts[:, 0]))]  # objective 1 descending
        _, first = np.unique(pts[:, 0], return_index=True)
        pts = pts[np.sort(first)] if len(first) < len(pts) else pts
        pts = pts[np.argsort(-pts[:, 0], kind="stable")]
    # Strips from the right: [p1, inf) open to ref2, [p_{i+1}, p_i) covered to p_i's objective 2.
    edges = (
        np.concatenate([[math.inf], pts[:, 0], [ref[0]]])
        if len(pts)
        else np.array([math.inf, ref[0]])
    )
    heights = np.concatenate([[ref[1]], pts[:, 1]]) if len(pts) else np.array([ref[1]])
    b = edges[:-1]
    a = edges[1:]
    return a, b, heights


def hypervolume_2d(front: Any, ref: Any) -> float:
    """Area dominated by a 2-D front (maximised) above the reference point ``ref``."""
    ref = np.asarray(ref, dtype=float)
    pts = np.asarray(front, dtype=float).reshape(-1, 2)
    pts = pts[(pts > ref[None, :]).all(axis=1)]
    if not len(pts):
        return 0.0
    pts = pts[pareto_mask(pts)]
    pts = pts[np.argsort(-pts[:, 0], kind="stable")]
    area, height = 0.0, ref[1]
    for x, y in pts:
        if y > height:
            area += (x - ref[0]) * (y - height)
            height = y
    return float(area)


def hypervolume(front: Any, ref: Any) -> float:
    """Hypervolume dominated by a front (maximised) above ``ref``; any number of objectives.

    Exact, by slicing along the last objective (fine for the small fronts of a campaign).

    >>> float(hypervolume(np.array([[1.0, 1.0, 1.0]]), np.zeros(3)))
    1.0
    """
    ref = np.asarray(ref, dtype=float)
    pts = np.atleast_2d(np.asarray(front, dtype=float))
    if pts.size == 0:
        return 0.0
    pts = pts[(pts > ref[None, :]).all(axis=1)]
    if not len(pts):
        return 0.0
    if pts.shape[1] == 1:
        return float(pts[:, 0].max() - ref[0])
    if pts.shape[1] == 2:
        return hypervolume_2d(pts, ref)
    pts = pts[pareto_mask(pts)]
    levels = np.sort(np.unique(pts[:, -1]))[::-1]
    total = 0.0
    for i, level in enumerate(levels):
        below = levels[i + 1] if i + 1 < len(levels) else ref[-1]
        layer = pts[pts[:, -1] >= level][:, :-1]
        total += hypervolume(layer, ref[:-1]) * (level - below)
    return float(total)


def _log_ei(mean: np.ndarray, std: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    from matdoe.suggest.acquisition import log_expected_improvement

    return log_expected_improvement(mean, std, threshold)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    x = np.minimum(x, -1e-300)
    return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_ehvi_2d(mean: Any, std: Any, front: Any, ref: Any) -> np.ndarray:
    """log of the expected hypervolume improvement of independent Gaussian objectives (2-D).

    Exact: over the strips of :func:`staircase`, EHVI = sum_k [EI1(a_k) - EI1(b_k)] * EI2(h_k),
    with EIj(t) = E[(Yj - t)+] the expected improvement of objective j over t (a standard
    deviation of 0 is a known value, e.g. a recipe's milling time). Computed in log space
    (LogEI, Ament et al. 2023), so candidates far behind the front still compare.

    Args:
        mean: Posterior means ``(m, 2)`` (maximised objectives).
        std: Posterior standard deviations ``(m, 2)`` (0 for a known objective).
        front: The current front ``(p, 2)`` (maximised; dominated points are ignored).
        ref: Reference point ``(2,)``, below every point that counts.

    Returns:
        ``(m,)`` log EHVI (natural log of objective-1 units times objective-2 units).

    Example:
        >>> round(float(np.exp(log_ehvi_2d([[2.0, 2.0]], [[0.0, 0.0]], [[1.0, 1.0]], [0, 0])[0])), 6)
        3.0
    """
    mean = np.atleast_2d(np.asarray(mean, dtype=float))
    std = np.maximum(np.atleast_2d(np.asarray(std, dtype=float)), 0.0)
    a, b, h = staircase(np.asarray(front, dtype=float), np.asarray(ref, dtype=float))
    # Known values: EI(t) = (mu - t)+ exactly; keep a tiny std so log EI stays finite and ordered.
    s1 = np.maximum(std[:, 0:1], 1e-9)
    s2 = np.maximum(std[:, 1:2], 1e-9)
    m1, m2 = mean[:, 0:1], mean[:, 1:2]
    log_a = _log_ei(m1, s1, a[None, :])
    finite_b = np.isfinite(b)
    log_b = np.full_like(log_a, -np.inf)
    if finite_b.any():
        log_b[:, finite_b] = _log_ei(m1, s1, b[None, finite_b])
    # log(EI1(a) - EI1(b)), a < b so EI1(a) >= EI1(b)
    width = log_a + _log1mexp(np.minimum(log_b - log_a, -1e-12))
    width = np.where(np.isneginf(log_b), log_a, width)
    log_h = _log_ei(m2, s2, h[None, :])
    return np.asarray(special.logsumexp(width + log_h, axis=1))
