"""Acquisition functions: log expected improvement, upper confidence bound.

Example:
    >>> round(float(np.exp(log_expected_improvement(0.0, 1.0, 0.0))), 6)  # φ(0)
    0.398942
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

__all__ = ["UCB_BETA", "log_expected_improvement", "upper_confidence_bound"]

#: UCB exploration weight: acquisition = mean + sqrt(UCB_BETA) * std.
UCB_BETA = 4.0


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x < 0, accurate on both sides of -ln 2."""
    x = np.minimum(x, -1e-300)
    return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_expected_improvement(mean: Any, std: Any, best: Any) -> np.ndarray:
    """log EI of maximisation, numerically stable far below the incumbent.

    EI = std · h(z) with z = (mean - best)/std and h(z) = φ(z) + z·Φ(z). For z > -1 log h is
    evaluated directly; below, through the scaled complementary error function (erfcx) as in
    Ament et al. (NeurIPS 2023), so the value stays finite and informative for z down to about
    -1e150.

    Args:
        mean: Posterior mean(s), objective units.
        std: Posterior std(s), objective units (> 0).
        best: Incumbent(s), objective units (broadcast against ``mean``).

    Returns:
        log EI (natural log of objective units).

    Example:
        >>> bool(np.isfinite(log_expected_improvement(-40.0, 1.0, 0.0)))
        True
    """
    mean, std, best = np.broadcast_arrays(
        np.asarray(mean, float), np.asarray(std, float), np.asarray(best, float)
    )
    std = np.maximum(std, 1e-12)
    z = (mean - best) / std
    out = np.empty_like(z)
    hi = z > -1.0
    zh = z[hi]
    out[hi] = np.log(
        np.maximum(np.exp(-0.5 * zh**2) / math.sqrt(2 * math.pi) + zh * special.ndtr(zh), 1e-300)
    )
    zl = z[~hi]
    very = zl < -1e6
    x = np.log(special.erfcx(-zl / math.sqrt(2.0)) * np.abs(zl)) + 0.5 * math.log(math.pi / 2)
    tail = np.where(very, -2.0 * np.log(np.abs(zl)), _log1mexp(np.where(very, -1.0, x)))
    out[~hi] = -0.5 * zl**2 - 0.5 * math.log(2 * math.pi) + tail
    return out + np.log(std)


def upper_confidence_bound(mean: Any, std: Any, beta: float = UCB_BETA) -> np.ndarray:
    """mean + sqrt(beta)·std.

    Example:
        >>> float(upper_confidence_bound(1.0, 0.5))
        2.0
    """
    return np.asarray(mean, float) + math.sqrt(beta) * np.asarray(std, float)
