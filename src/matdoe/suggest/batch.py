"""Batches: several recipes chosen together so that they do not pile up on one spot.

``q-logei`` (default for gp-ei): sequential greedy q-LogEI over Monte-Carlo fantasies. The
recipes already fixed (pending ones and those chosen earlier in the batch) are uncertain: draw
``N_FANTASIES`` joint samples of the latent objective at them from the GP posterior. Given one
sample, the objective at a candidate is Gaussian (the GP conditioned on the sample), and its
improvement over the sample's incumbent max(best, max of the sample) has the closed-form EI. The
batch acquisition of a candidate is the log of the average of these EIs over the samples (a
Rao-Blackwellised Monte-Carlo estimate of the increase of q-EI, Wilson et al. 2018, computed in
log space as LogEI, Ament et al. 2023). A candidate next to a fixed recipe gains little: in most
samples the fixed recipe already sets the incumbent there.

A further recipe must beat the fantasised batch by more than what one measurement can resolve
(``RESOLUTION`` times the std of a new measurement), so a batch spreads instead of filling the
model's flat top with recipes whose predictions differ by far less than the noise.

``kriging-believer`` (the earlier method, and the batch rule of gp-ucb): after each pick the GP
is conditioned on a fantasised observation equal to its own mean there (hyperparameters kept), so
the uncertainty near the pick shrinks; pending recipes are fantasised the same way first.

How the two compare in closed loop at batch 4 is measured in ``benchmarks/doe.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import linalg, special

from matdoe.suggest.acquisition import log_expected_improvement, upper_confidence_bound
from matdoe.surrogate import GPSurrogate

__all__ = ["N_FANTASIES", "batch_log_ei", "believer_acquisition"]

#: Monte-Carlo samples of the fixed recipes' latent objective in q-LogEI.
N_FANTASIES = 64
#: A further recipe of a batch (or one next to a pending recipe) is worth making when it may beat
#: the fantasised batch by more than RESOLUTION times the std of a new measurement: a gain a lab
#: cannot resolve with one measurement does not justify an experiment. This keeps a batch from
#: filling the flat top of the model with recipes whose predictions differ by far less than the
#: noise. The first pick of a batch is plain LogEI.
RESOLUTION = 1.0

Encoder = Callable[[np.ndarray], np.ndarray]
Acquisition = Callable[[np.ndarray], np.ndarray]


def believer_acquisition(
    model: GPSurrogate, enc: Encoder, enc_model: Encoder, best: float, kind: str
) -> Callable[[np.ndarray], Acquisition]:
    """``make(fixed)``: LogEI or UCB of the GP conditioned on believer fantasies at ``fixed``.

    ``fixed`` holds raw points of the model space; the returned acquisition takes raw points of
    the proposal space (``enc`` encodes those, ``enc_model`` the model space's).
    """

    def make(fixed: np.ndarray) -> Acquisition:
        gp, incumbent = model, best
        if len(fixed):
            gp = model.fantasize(enc_model(fixed))
            incumbent = max(
                best, float(gp.predict_encoded(enc_model(fixed), return_std=False).max())
            )

        def acquisition(raw: np.ndarray) -> np.ndarray:
            mean, std = gp.predict_encoded(enc(raw))
            if kind == "ucb":
                return upper_confidence_bound(mean, std)
            return log_expected_improvement(mean, std, incumbent)

        return acquisition

    return make


def batch_log_ei(
    model: GPSurrogate,
    enc: Encoder,
    enc_model: Encoder,
    best: float,
    rng: np.random.Generator,
    n_samples: int = N_FANTASIES,
    resolution: float = 0.0,
) -> Callable[[np.ndarray], Acquisition]:
    """``make(fixed)``: the sequential greedy q-LogEI of a candidate given the ``fixed`` recipes.

    ``resolution`` (objective units): a candidate counts as improving on a fantasy only by more
    than this (see :data:`RESOLUTION`); 0 gives plain q-LogEI.
    """

    def make(fixed: np.ndarray) -> Acquisition:
        if not len(fixed):

            def plain(raw: np.ndarray) -> np.ndarray:
                mean, std = model.predict_encoded(enc(raw))
                return log_expected_improvement(mean, std, best)

            return plain
        zf = enc_model(fixed)
        mu_f, _ = model.predict_encoded(zf)
        vf = model.fixed_factor(zf)
        cov = model.posterior_cov_encoded(zf, zf)
        cov[np.diag_indices_from(cov)] += 1e-9 * max(1.0, float(np.mean(np.diag(cov))))
        chol = linalg.cholesky(cov, lower=True)
        eps = rng.standard_normal((len(fixed), n_samples))
        dev = chol @ eps  # samples of f(fixed) - mean
        incumbent = np.maximum(best, (mu_f[:, None] + dev).max(axis=0)) + resolution  # (S,)
        solved = linalg.cho_solve((chol, True), dev)  # Σ_FF^-1 (f - mu), (|F|, S)

        def acquisition(raw: np.ndarray) -> np.ndarray:
            mean, std, cross = model.joint_predict_encoded(enc(raw), zf, vf)  # cross: (|F|, m)
            w = linalg.cho_solve((chol, True), cross)
            var = np.maximum(std**2 - (cross * w).sum(0), 1e-12)
            cond_mean = mean[:, None] + cross.T @ solved  # (m, S)
            log_ei = log_expected_improvement(cond_mean, np.sqrt(var)[:, None], incumbent[None, :])
            return special.logsumexp(log_ei, axis=1) - math.log(n_samples)

        return acquisition

    return make
