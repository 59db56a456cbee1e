"""Gaussian-process surrogate of an objective such as log10 sigma over a :class:`SearchSpace`.

:class:`GPSurrogate` follows scikit-learn conventions (``__init__`` stores arguments, ``fit``
returns ``self``, learned state ends in ``_``, ``predict(X, return_std=True)``, ``random_state``)
but takes recipe tables (DataFrames with the space's parameter and condition columns) and encodes
them itself through :meth:`SearchSpace.encode_raw`: categoricals through their descriptors (e.g.
silica -> BET area, mesoporous flag; one-hot added when ``one_hot=True``), numeric parameters to
[0, 1] (log scale for ``log=True``), a temperature condition as 1000/T.

Model (all on standardised outputs, y' = (y - level) / std, and unit-cube inputs):

* prior mean: a constant level, the value the model expects where it has no data. By default the
  average of the distinct recipes' means; :func:`make_surrogate` uses a pessimistic level
  instead, the 10th percentile on the objective's worse side (``prior_mean_quantile``). A
  campaign makes recipes because they looked good, so the average of what was made overstates
  what an untried region holds, and an acquisition reading that average at the far corners of the
  space spends late experiments there instead of refining the best region (De Ath, Fieldsend &
  Everson 2020, "What do you mean? The role of the mean function in Bayesian optimisation",
  found a constant equal to the worst value observed the best choice from five inputs up). A
  low percentile rather than the worst value keeps one failed batch from setting the level.
  Measured in closed loop in benchmarks/RESULTS_engine.md;

* kernel: ``s² · Matérn-5/2(ARD, all features)`` plus, when the space has categoricals, a second
  ``s_shared² · Matérn-5/2(ARD, numeric features only)`` with the same lengthscales, shared by all
  categories (as BoTorch's MixedSingleTaskGP adds a sum to the product kernel), so a vol% or
  milling-time trend learned with one silica carries over to the others; plus, when a condition
  varies in the data, a linear kernel ``c² · t·t'`` on the condition features, so a common
  Arrhenius slope in 1000/T is cheap to learn while recipe-dependent slopes come through the
  Matérn part;
* input warping (``input_warping=True``; off by default, on in :func:`make_surrogate`):
  each numeric parameter's unit-cube value x is replaced by the Kumaraswamy CDF
  ``1 - (1 - x^a)^b`` with a, b learned with the other hyperparameters (LogNormal(0, 0.5)
  priors, bounded to [0.1, 10]; BoTorch's ``Warp`` uses the wider LogNormal(0, 0.75**0.5), which
  on few data squeezed whole stretches of milling time into one warped value), so a response that is
  steep at one end of a range (short milling times) and flat at the other is modelled with one
  stationary kernel; conditions (1000/T) and categorical features are not warped. Each warped
  input costs two hyperparameters, so the warping is learned only from 5 distinct points per
  warping hyperparameter on (20 for two numeric inputs, 60 for six): on fewer, 12 extra
  hyperparameters fitted to a handful of recipes of a 6-input problem cost more than they gave
  (benchmarks/RESULTS_engine.md);
* noise, two kinds: per measurement, the known measurement variance (``y_std``, e.g.
  ``log10_sigma_std``) plus a learned white-noise floor (heteroscedastic alpha); and per batch
  (when the rows name their sample, ``batch=``), a learned batch-to-batch offset τ² shared by
  every measurement of one sample (a kernel term τ²·[same sample]): two batches of one recipe
  differ more than two runs on one pellet. A new measurement of a new batch has the latent
  variance plus both (:meth:`GPSurrogate.new_measurement_std`);
* calibration (``calibrate=True``, on in :func:`make_surrogate`): the latent std is widened by
  the factor that makes the block leave-one-recipe-out errors of the training data honest (see
  ``_recipe_out_inflation``), never narrowed;
* hyperparameters: maximum a posteriori with L-BFGS-B and analytic gradients, ``n_restarts``
  extra starts drawn from the priors (short runs, the best continued to convergence). Priors
  (normal on the log of each hyperparameter): lengthscales LogNormal(ln 0.5, 1) in the unit cube,
  bounded to [0.01, 100] (the longer, dimension-scaled prior of Hvarfner et al. 2024 that BoTorch
  uses by default was tried and found too smooth for the few-data, peaked responses of milling
  recipes); signal variances LogNormal(0, 1.5); noise floor LogNormal(ln 3e-3, 1.5) of the output
  variance, or LogNormal(ln 1e-4, 1.5) when the measurement std is known, bounded to
  [1e-6, 2]; batch scatter LogNormal(ln 3e-3, 1.5), same bounds; linear variance
  LogNormal(0, 2);
* replicates (identical encoded rows of one batch) are aggregated into one point with the mean
  and the variance of the mean, and their spread enters the likelihood of the noise floor, so a
  table with many replicates costs no more than its distinct recipes.

Large data: hyperparameters are fitted on at most ``max_fit_points`` (default 300) distinct
points drawn at random; the posterior uses at most ``max_exact_points`` (default 1000) distinct
points: the best quarter by objective plus a random draw of the rest. Below these thresholds the GP
is exact. Timings are in benchmarks/RESULTS.md.

:func:`make_surrogate` is the one place the model's settings live, :func:`fit_surrogate` the one
fitting sequence (over the space widened to the data), :func:`cross_validate` the leave-recipe-out
validation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import linalg, optimize
from threadpoolctl import threadpool_limits

from matdoe.errors import InsufficientDataError, InvalidRecordError, NotFittedError
from matdoe.space import SearchSpace

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PESSIMISTIC_QUANTILE",
    "CVReport",
    "GPSurrogate",
    "cross_validate",
    "fit_surrogate",
    "log_predictive_density",
    "make_surrogate",
    "recipe_groups",
]

_SQRT5 = math.sqrt(5.0)
_LOG_2PI = math.log(2 * math.pi)
_JITTER = 1e-8
_LS_BOUNDS = (math.log(0.01), math.log(100.0))
_SIGNAL_BOUNDS = (math.log(1e-2), math.log(1e2))
_NOISE_BOUNDS = (math.log(1e-6), math.log(2.0))
_LINEAR_BOUNDS = (math.log(1e-4), math.log(1e2))
_SIGNAL_PRIOR = (0.0, 1.5)
# Noise-floor variance (standardised units): without known measurement noise the floor is the
# whole noise (median 3e-3 of the output variance); with it, the floor is a small extra (1e-4).
_NOISE_PRIOR = (math.log(3e-3), 1.5)
_NOISE_PRIOR_KNOWN = (math.log(1e-4), 1.5)
_LINEAR_PRIOR = (0.0, 2.0)
# Batch-to-batch scatter τ² (standardised units): a batch's offset, shared by all measurements of
# that sample (every temperature, heating and cooling); median 3e-3 of the output variance.
_BATCH_PRIOR = (math.log(3e-3), 1.5)
# Kumaraswamy input warping: concentrations a, b with LogNormal(0, 0.5) priors (95 % within
# [0.38, 2.7]; the wider prior of BoTorch's Warp let a = 3.7 flatten 0.5-6 h of milling time on the
# demo data, and did worse in closed loop: benchmarks/RESULTS.md), bounded to [0.1, 10]; inputs are
# squeezed into [eps, 1 - eps] first.
_WARP_PRIOR = (0.0, 0.5)
_WARP_BOUNDS = (math.log(0.1), math.log(10.0))
_WARP_EPS = 1e-6
# Learn the warping only from this many distinct points per warping hyperparameter on.
_MIN_POINTS_PER_WARP_PARAMETER = 5
# Leave-recipe-out calibration of the latent std (see GPSurrogate._recipe_out_inflation).
_MIN_CALIBRATION_RECIPES = 5
_CALIBRATION_FOLDS = 5
_CALIBRATION_ITER = 15
_MAX_INFLATION = 3.0
_Z95 = 1.959964


# Log lengthscale in the unit cube: median 0.5, 95 % within [0.07, 3.6] (a median scaled with
# the number of parameters was measured and not kept: benchmarks/RESULTS_engine.md).
_LS_PRIOR = (math.log(0.5), 1.0)


def _matern52(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matérn-5/2 correlation and the factor G with dk/dlog(l) = G · (Δz/l)²."""
    sr = _SQRT5 * r
    e = np.exp(-sr)
    return (1.0 + sr + sr * sr / 3.0) * e, (5.0 / 3.0) * (1.0 + sr) * e


def _sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d2, 0.0)


@dataclass(frozen=True)
class _Data:
    """Aggregated training data on standardised outputs."""

    z: np.ndarray  # (g, d) encoded distinct inputs
    t: np.ndarray  # (g, c) condition features for the linear kernel (centred), c may be 0
    y: np.ndarray  # (g,) standardised group means
    fixed_var: np.ndarray  # (g,) known variance of each mean (standardised units)
    floor_weight: np.ndarray  # (g,) 1/k: the noise floor's weight on each mean
    ss: np.ndarray  # (g,) within-group sum of squares (standardised)
    dof: np.ndarray  # (g,) k - 1
    within_var: np.ndarray  # (g,) mean known variance inside the group
    batch: np.ndarray  # (g,) batch code of each point (-1: a batch of its own)

    def take(self, idx: np.ndarray) -> _Data:
        return _Data(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class _Structure:
    """Which kernel terms are present and the layout of the hyperparameter vector.

    theta = [log lengthscales (d), log s², log noise floor, (log s²_shared), (log c²_linear),
             (log τ² batch scatter), (log a, log b of each warped column)]
    """

    d: int
    shared_cols: np.ndarray  # numeric (non-categorical) feature columns of the shared term
    linear: bool
    known_noise: bool = False
    warp_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    batch: bool = False

    @property
    def i_batch(self) -> int:
        return self.d + 2 + int(self.shared) + int(self.linear)

    @property
    def i_warp(self) -> int:
        return self.d + 2 + int(self.shared) + int(self.linear) + int(self.batch)

    @property
    def shared(self) -> bool:
        return len(self.shared_cols) > 0

    @property
    def i_shared(self) -> int:
        return self.d + 2

    @property
    def i_linear(self) -> int:
        return self.d + 2 + int(self.shared)

    def priors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(prior mean, prior sd, lower bound, upper bound) of each log-hyperparameter."""
        rows = [(*_LS_PRIOR, *_LS_BOUNDS)] * self.d
        noise_prior = _NOISE_PRIOR_KNOWN if self.known_noise else _NOISE_PRIOR
        rows += [(*_SIGNAL_PRIOR, *_SIGNAL_BOUNDS), (*noise_prior, *_NOISE_BOUNDS)]
        if self.shared:
            rows.append((*_SIGNAL_PRIOR, *_SIGNAL_BOUNDS))
        if self.linear:
            rows.append((*_LINEAR_PRIOR, *_LINEAR_BOUNDS))
        if self.batch:
            rows.append((*_BATCH_PRIOR, *_NOISE_BOUNDS))
        rows += [(*_WARP_PRIOR, *_WARP_BOUNDS)] * (2 * len(self.warp_cols))
        arr = np.array(rows, dtype=float)
        return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def _warp(
    z: np.ndarray, theta: np.ndarray, st: _Structure, grad: bool = False
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Kumaraswamy CDF warping of the numeric parameter columns: w = 1 - (1 - x^a)^b.

    Returns the warped copy of ``z`` and, with ``grad``, dw/dlog a and dw/dlog b of the warped
    columns (``(n, n_warp)`` each).
    """
    cols = st.warp_cols
    if not len(cols):
        return z, None, None
    k = len(cols)
    a = np.exp(theta[st.i_warp : st.i_warp + k])
    b = np.exp(theta[st.i_warp + k : st.i_warp + 2 * k])
    x = _WARP_EPS + (1 - 2 * _WARP_EPS) * np.clip(z[:, cols], 0.0, 1.0)
    xa = x**a
    one_m = 1.0 - xa
    one_m_b = one_m**b
    out = z.copy()
    out[:, cols] = 1.0 - one_m_b
    if not grad:
        return out, None, None
    d_loga = a * b * one_m_b / one_m * xa * np.log(x)
    d_logb = -b * one_m_b * np.log(one_m)
    return out, d_loga, d_logb


def _kernel_terms(
    theta: np.ndarray, za: np.ndarray, zb: np.ndarray, st: _Structure, *, warped: bool = False
) -> tuple[np.ndarray, list[tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]:
    """Kernel matrix and, per Matérn term, (variance, M, G, scaled za, columns).

    ``warped``: the inputs are already warped (else :func:`_warp` is applied here).
    """
    if len(st.warp_cols) and not warped:
        za = _warp(za, theta, st)[0]
        zb = _warp(zb, theta, st)[0]
    ls = np.exp(theta[: st.d])
    terms = []
    cols_all = np.arange(st.d)
    specs = [(math.exp(theta[st.d]), cols_all)]
    if st.shared:
        specs.append((math.exp(theta[st.i_shared]), st.shared_cols))
    k = np.zeros((len(za), len(zb)))
    for var, cols in specs:
        a = za[:, cols] / ls[cols]
        b = zb[:, cols] / ls[cols]
        m, g = _matern52(np.sqrt(_sqdist(a, b)))
        k += var * m
        terms.append((var, m, g, a, cols))
    return k, terms  # type: ignore[return-value]


def _same_batch(batch: np.ndarray) -> np.ndarray:
    """1 where two points are measurements of the same sample (batch codes >= 0), else 0."""
    return ((batch[:, None] == batch[None, :]) & (batch[:, None] >= 0)).astype(float)


def _neg_log_posterior(theta: np.ndarray, data: _Data, st: _Structure) -> tuple[float, Any]:
    """Negative log marginal likelihood plus negative log prior, and its gradient."""
    d = st.d
    nz = math.exp(theta[d + 1])
    zw, dz_a, dz_b = _warp(data.z, theta, st, grad=True)
    k, terms = _kernel_terms(theta, zw, zw, st, warped=True)
    if st.linear:
        slin = math.exp(theta[st.i_linear])
        k = k + slin * (data.t @ data.t.T)
    if st.batch:
        tau2 = math.exp(theta[st.i_batch])
        same = _same_batch(data.batch)
        k = k + tau2 * same
    n = len(data.y)
    k[np.diag_indices(n)] += nz * data.floor_weight + data.fixed_var + _JITTER
    try:
        chol = linalg.cho_factor(k, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = linalg.cho_solve(chol, data.y, check_finite=False)
    kinv = linalg.cho_solve(chol, np.eye(n), check_finite=False)
    nll = 0.5 * data.y @ alpha + np.log(np.diag(chol[0])).sum() + 0.5 * n * _LOG_2PI
    w = np.outer(alpha, alpha) - kinv
    grad = np.zeros_like(theta)
    for i_term, (var, m, g, zs, cols) in enumerate(terms):
        # dK/dlog l_k = var · G · (Δz_k / l_k)²; sum over i, j via row sums (W∘G symmetric).
        wg = w * (var * g)
        rs = wg.sum(1)
        grad[cols] += -0.5 * (2.0 * (zs * zs * rs[:, None]).sum(0) - 2.0 * (zs * (wg @ zs)).sum(0))
        if dz_a is not None and dz_b is not None:
            # dK/dθ = -var·G·Δzs·Δ(dz/dθ)/l for a warp parameter θ of column c.
            nw = len(st.warp_cols)
            for p_w, c in enumerate(st.warp_cols):
                pos = np.flatnonzero(cols == c)
                if not len(pos):
                    continue
                u = zs[:, pos[0]]
                inv_l = math.exp(-theta[c])
                au = wg @ u
                for off, dv in ((0, dz_a[:, p_w]), (nw, dz_b[:, p_w])):
                    grad[st.i_warp + off + p_w] += inv_l * ((rs * u * dv).sum() - au @ dv)
        i_var = d if i_term == 0 else st.i_shared
        grad[i_var] = -0.5 * var * (w * m).sum()
    grad[d + 1] = -0.5 * (np.diag(w) * nz * data.floor_weight).sum()
    if st.linear:
        grad[st.i_linear] = -0.5 * slin * np.einsum("ic,ij,jc->", data.t, w, data.t)
    if st.batch:
        grad[st.i_batch] = -0.5 * tau2 * (w * same).sum()
    # Replicate spread: likelihood of the within-group deviations (noise floor + known variance).
    rep = data.dof > 0
    if rep.any():
        v = nz + data.within_var[rep]
        nll += 0.5 * (data.ss[rep] / v + data.dof[rep] * np.log(v)).sum()
        grad[d + 1] += 0.5 * (-data.ss[rep] * nz / v**2 + data.dof[rep] * nz / v).sum()
    # Priors (normal on the log-parameters).
    mu, sd, _, _ = st.priors()
    nll += 0.5 * (((theta - mu) / sd) ** 2).sum()
    grad += (theta - mu) / sd**2
    return float(nll), grad


def _held_out(
    theta: np.ndarray, train: _Data, test: _Data, st: _Structure
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residuals, latent variances and noise variances of ``test`` under a GP on ``train``.

    Standardised units; the test points are new batches (no batch covariance with training).
    """
    nz = math.exp(theta[st.d + 1])
    k_tr, _ = _kernel_terms(theta, train.z, train.z, st)
    k_te, _ = _kernel_terms(theta, test.z, train.z, st)
    prior = math.exp(theta[st.d]) + (math.exp(theta[st.i_shared]) if st.shared else 0.0)
    prior_te = np.full(len(test.y), prior)
    if st.linear:
        slin = math.exp(theta[st.i_linear])
        k_tr = k_tr + slin * (train.t @ train.t.T)
        k_te = k_te + slin * (test.t @ train.t.T)
        prior_te = prior_te + slin * (test.t * test.t).sum(1)
    if st.batch:
        k_tr = k_tr + math.exp(theta[st.i_batch]) * _same_batch(train.batch)
    k_tr[np.diag_indices_from(k_tr)] += nz * train.floor_weight + train.fixed_var + _JITTER
    chol = linalg.cho_factor(k_tr, lower=True, check_finite=False)
    mean = k_te @ linalg.cho_solve(chol, train.y, check_finite=False)
    v = linalg.solve_triangular(chol[0], k_te.T, lower=True, check_finite=False)
    latent = np.maximum(prior_te - (v * v).sum(0), 1e-12)
    noise = nz * test.floor_weight + test.fixed_var
    if st.batch:
        noise = noise + math.exp(theta[st.i_batch])
    return test.y - mean, latent, noise


class GPSurrogate:
    """Gaussian process on an objective (e.g. log10 sigma) over a search space.

    Args:
        space: The search space whose parameters (and conditions) are the model inputs.
        objective: Name of the objective column (used by :meth:`fit_frame` and reports).
        one_hot: Add one-hot columns for categoricals with descriptors (always used for those
            without descriptors).
        n_restarts: Extra random starts of the hyperparameter optimiser (drawn from the priors).
        max_fit_points: Distinct points used to fit hyperparameters (a random subset above).
        max_exact_points: Distinct points kept in the posterior (best quarter + random above).
        input_warping: Learn a Kumaraswamy CDF warping of each numeric parameter (see the module
            docstring); the learned concentrations are in ``warping_``.
        calibrate: Widen the latent std by the leave-recipe-out factor ``std_inflation_`` (see
            :meth:`_recipe_out_inflation`) so that intervals at untried recipes are honest.
        prior_mean_quantile: The constant prior mean (the level far from the data, ``y_mean_``)
            is this quantile of the distinct recipes' means (0.1: a pessimistic level when
            higher is better, 0.9 when lower is better); None for their average.
        random_state: Seed for restarts and subsets.

    Example:
        >>> import pandas as pd
        >>> from matdoe.space import Float
        >>> space = SearchSpace([Float("x", 0, 1)])
        >>> X = pd.DataFrame({"x": [0.0, 0.25, 0.5, 0.75, 1.0]})
        >>> gp = GPSurrogate(space, random_state=0).fit(X, [0.0, 0.7, 1.0, 0.7, 0.0])
        >>> mean, std = gp.predict(pd.DataFrame({"x": [0.5]}), return_std=True)
        >>> bool(abs(mean[0] - 1.0) < 0.1)
        True
    """

    def __init__(
        self,
        space: SearchSpace,
        *,
        objective: str = "log10_sigma",
        one_hot: bool = False,
        n_restarts: int = 2,
        max_fit_points: int = 300,
        max_exact_points: int = 1000,
        input_warping: bool = False,
        calibrate: bool = False,
        prior_mean_quantile: float | None = None,
        random_state: int | None = None,
    ) -> None:
        self.space = space
        self.objective = objective
        self.one_hot = one_hot
        self.n_restarts = n_restarts
        self.max_fit_points = max_fit_points
        self.max_exact_points = max_exact_points
        self.input_warping = input_warping
        self.calibrate = calibrate
        self.prior_mean_quantile = prior_mean_quantile
        self.random_state = random_state

    # ------------------------------------------------------------------ sklearn-style params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (scikit-learn convention)."""
        return {
            "space": self.space,
            "objective": self.objective,
            "one_hot": self.one_hot,
            "n_restarts": self.n_restarts,
            "max_fit_points": self.max_fit_points,
            "max_exact_points": self.max_exact_points,
            "input_warping": self.input_warping,
            "calibrate": self.calibrate,
            "prior_mean_quantile": self.prior_mean_quantile,
            "random_state": self.random_state,
        }

    def set_params(self, **params: Any) -> GPSurrogate:
        """Set constructor arguments; returns self."""
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                raise InvalidRecordError(f"unknown parameter {k!r}; valid: {sorted(valid)}")
            setattr(self, k, v)
        return self

    # ------------------------------------------------------------------ encoding
    def _encode(
        self, X: pd.DataFrame, conditions: Mapping[str, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encoded features and the raw condition values of a recipes table."""
        import pandas as pd

        if not isinstance(X, pd.DataFrame):
            raise InvalidRecordError(f"X must be a DataFrame of recipes, got {type(X).__name__}")
        # The model's inputs are scaled over its space: a value outside would be extrapolated
        # through the input warping's clipped ends. fit_surrogate widens the space first.
        self.space.validate(X)
        raw = self.space.to_raw(X)
        cond = (
            self.space.condition_values(X, len(X), conditions)
            if self.space.conditions
            else np.empty((len(X), 0))
        )
        return self.space.encode_raw(raw, cond, one_hot=self.one_hot), cond

    def _cond_columns(self) -> np.ndarray:
        """Positions of the condition features among the encoded columns."""
        n_feat = len(self.space.feature_names(one_hot=self.one_hot))
        return np.arange(n_feat - len(self.space.conditions), n_feat)

    # ------------------------------------------------------------------ fit
    def fit(self, X: pd.DataFrame, y: Any, y_std: Any = None, batch: Any = None) -> GPSurrogate:
        """Fit hyperparameters (MAP) and the posterior.

        Args:
            X: Recipes with the space's parameter columns (condition columns, when the space has
                conditions; missing ones take the condition's default).
            y: Objective values, one per row, in objective units (e.g. log10 S/cm).
            y_std: Known measurement standard deviations in objective units (scalar or per row),
                or None.
            batch: The batch (sample) of each row, any hashable labels; measurements of one
                sample share a learned batch-to-batch offset (``batch_scatter_``). Default: the
                ``sample`` column of ``X`` when it has one, else every row is its own batch (the
                scatter then cannot be told from the noise and is part of ``noise_std_``).

        Returns:
            self.

        Raises:
            InvalidRecordError: bad shapes, non-finite values, recipes outside the space.
            InsufficientDataError: no rows.
        """
        z, _ = self._encode(X)
        if batch is None and "sample" in X.columns:
            batch = X["sample"].to_numpy()
        return self.fit_encoded(z, y, y_std, batch=batch)

    def fit_encoded(
        self, z: np.ndarray, y: Any, y_std: Any = None, batch: Any = None
    ) -> GPSurrogate:
        """Like :meth:`fit` on already encoded features (see :meth:`SearchSpace.encode_raw`)."""
        y = np.asarray(y, dtype=float).ravel()
        n = len(y)
        if n == 0:
            raise InsufficientDataError("cannot fit a GP on 0 observations; measure a recipe first")
        if z.shape[0] != n:
            raise InvalidRecordError(f"X has {z.shape[0]} rows but y has {n} values")
        if not np.isfinite(y).all():
            i = int(np.argmax(~np.isfinite(y)))
            raise InvalidRecordError(f"objective value at position {i} is not finite: {y[i]!r}")
        if y_std is None:
            s = np.zeros(n)
        else:
            s = np.broadcast_to(np.asarray(y_std, dtype=float), (n,)).copy()
            if not (np.isfinite(s).all() and (s >= 0).all()):
                i = int(np.argmax(~(np.isfinite(s) & (s >= 0))))
                raise InvalidRecordError(
                    f"measurement std at position {i} must be finite and >= 0, got {s[i]!r}"
                )
        rng = np.random.default_rng(self.random_state)
        if batch is None:
            codes = np.full(n, -1, dtype=np.int64)
        else:
            labels = np.asarray(batch, dtype=object).ravel()
            if len(labels) != n:
                raise InvalidRecordError(f"batch has {len(labels)} labels for {n} values")
            _, codes = np.unique(labels.astype(str), return_inverse=True)
            codes = codes.ravel().astype(np.int64)
        # Aggregate replicates (identical encoded rows of one batch, e.g. heating and cooling
        # runs of one pellet at one temperature).
        keys, first, inverse, counts = np.unique(
            np.column_stack([np.round(z, 10), codes]),
            axis=0,
            return_index=True,
            return_inverse=True,
            return_counts=True,
        )
        inverse = inverse.ravel()
        g = len(keys)
        sums = np.bincount(inverse, weights=y, minlength=g)
        means = sums / counts
        ss = np.bincount(inverse, weights=(y - means[inverse]) ** 2, minlength=g)
        var_sum = np.bincount(inverse, weights=s**2, minlength=g)
        q = self.prior_mean_quantile
        if q is not None and not (isinstance(q, int | float) and 0.0 <= q <= 1.0):
            raise InvalidRecordError(
                f"prior_mean_quantile must lie in [0, 1] or be None, got {q!r}"
            )
        self.y_mean_ = float(means.mean() if q is None else np.quantile(means, q))
        spread = float(means.std()) if g > 1 else 0.0
        self.y_scale_ = spread if spread > 1e-9 else (float(y.std()) or 1.0)
        if self.y_scale_ < 1e-9:
            self.y_scale_ = 1.0
        sc2 = self.y_scale_**2
        zg = z[first]
        cond_cols = self._cond_columns()
        varying = [c for c in cond_cols if np.ptp(zg[:, c]) > 1e-9] if g > 1 else []
        self._linear_cols = np.array(varying, dtype=int)
        self._t_center = zg[:, self._linear_cols].mean(0) if varying else np.zeros(0)
        data = _Data(
            z=zg,
            t=zg[:, self._linear_cols] - self._t_center,
            y=(means - self.y_mean_) / self.y_scale_,
            fixed_var=var_sum / counts**2 / sc2,
            floor_weight=1.0 / counts,
            ss=ss / sc2,
            dof=(counts - 1).astype(float),
            within_var=var_sum / counts / sc2,
            batch=codes[first],
        )
        d = z.shape[1]
        # A second Matérn term on the numeric features only, shared by all categories, lets what
        # is learned about vol% or time with one silica carry over to the others.
        kinds = self.space.feature_kinds(one_hot=self.one_hot)
        numeric = np.array([i for i, k in enumerate(kinds) if k != "categorical"], dtype=int)
        shared = numeric if self.space.categoricals and 0 < len(numeric) < d else np.zeros(0, int)
        n_params = len(self.space.parameters) - len(self.space.categoricals)
        warp_cols = (
            np.array([c for c in numeric if c not in set(cond_cols)], dtype=int)
            if self.input_warping and n_params
            else np.zeros(0, dtype=int)
        )
        if g < _MIN_POINTS_PER_WARP_PARAMETER * 2 * len(warp_cols):
            warp_cols = np.zeros(0, dtype=int)  # too few recipes to pay for two per input
        st = _Structure(
            d=d,
            shared_cols=shared,
            linear=bool(varying),
            known_noise=bool((s > 0).any()),
            warp_cols=warp_cols,
            batch=bool(batch is not None and len(np.unique(codes)) < g),
        )
        # Hyperparameters on a subset when the data are large.
        fit_data = data
        if g > self.max_fit_points:
            fit_data = data.take(np.sort(rng.choice(g, self.max_fit_points, replace=False)))
        # Many small BLAS calls: threads cost more than they give (5x slower measured on 2 cores).
        with threadpool_limits(1):
            self.theta_ = self._optimise(fit_data, st, rng)
        # Posterior set.
        if g > self.max_exact_points:
            n_top = self.max_exact_points // 4
            order = np.argsort(-data.y)
            top, rest = order[:n_top], order[n_top:]
            pick = rng.choice(rest, self.max_exact_points - n_top, replace=False)
            data = data.take(np.sort(np.concatenate([top, pick])))
        self._data = data
        self._st = st
        self._factorise()
        with threadpool_limits(1):
            self.std_inflation_ = (
                self._recipe_out_inflation(fit_data, rng) if self.calibrate else 1.0
            )
        names = self.space.feature_names(one_hot=self.one_hot)
        self.feature_names_ = tuple(names)
        self.lengthscales_ = {
            n: float(v) for n, v in zip(names, np.exp(self.theta_[:d]), strict=True)
        }
        self.outputscale_ = float(math.sqrt(math.exp(self.theta_[d])) * self.y_scale_)
        self.noise_std_ = float(math.sqrt(math.exp(self.theta_[d + 1])) * self.y_scale_)
        self.shared_outputscale_ = (
            float(math.sqrt(math.exp(self.theta_[st.i_shared])) * self.y_scale_)
            if st.shared
            else 0.0
        )
        self.linear_scale_ = (
            float(math.sqrt(math.exp(self.theta_[st.i_linear])) * self.y_scale_)
            if st.linear
            else 0.0
        )
        self.batch_scatter_ = (
            float(math.sqrt(math.exp(self.theta_[st.i_batch])) * self.y_scale_) if st.batch else 0.0
        )
        k = len(st.warp_cols)
        self.warping_ = {
            names[c]: (
                float(math.exp(self.theta_[st.i_warp + i])),
                float(math.exp(self.theta_[st.i_warp + k + i])),
            )
            for i, c in enumerate(st.warp_cols)
        }
        self.n_observations_ = n
        self.known_noise_var_ = float(np.mean(s**2)) if n else 0.0
        self.n_distinct_ = g
        self.log_marginal_likelihood_ = -float(_neg_log_posterior(self.theta_, fit_data, st)[0])
        return self

    def _optimise(self, data: _Data, st: _Structure, rng: np.random.Generator) -> np.ndarray:
        mu, sd, lo, hi = st.priors()
        # Start at a moderate lengthscale (0.5 in the unit cube) and from prior draws.
        first = mu.copy()
        first[: st.d] = math.log(0.5)
        starts = [np.clip(first, lo, hi)]
        for _ in range(max(0, self.n_restarts)):
            starts.append(np.clip(mu + sd * rng.standard_normal(len(mu)) * 0.7, lo, hi))
        box = list(zip(lo, hi, strict=True))

        def run(x0: np.ndarray, maxiter: int) -> tuple[float, np.ndarray]:
            res = optimize.minimize(
                _neg_log_posterior,
                x0,
                args=(data, st),
                jac=True,
                method="L-BFGS-B",
                bounds=box,
                options={"maxiter": maxiter},
            )
            return float(res.fun), np.asarray(res.x)

        # Short runs from every start, then the best one to convergence.
        best_val, best_theta = min((run(x0, 25) for x0 in starts), key=lambda r: r[0])
        val, theta = run(best_theta, 200)
        return theta if val <= best_val else best_theta

    def _recipe_out_inflation(self, data: _Data, rng: np.random.Generator) -> float:
        """Factor (>= 1) on the latent std that makes held-out recipes' errors honest.

        Maximum-a-posteriori hyperparameters from a few recipes are too sure of themselves far
        from the data. So the model is cross-validated on its own training data, holding out whole
        recipes (every temperature and batch of one recipe together) in ``_CALIBRATION_FOLDS``
        folds; each fold refits the hyperparameters briefly, warm-started from the full fit. The
        factor c solves, over every held-out measurement, both mean(z²) = 1 and 95 % of |z| below
        1.96, with z = r / sqrt(c²·v_latent + v_noise) (1 when the errors are already no larger
        than predicted; at most ``_MAX_INFLATION``). Needs ``_MIN_CALIBRATION_RECIPES`` recipes,
        else 1.
        """
        st = self._st
        recipe_cols = np.setdiff1d(np.arange(st.d), self._cond_columns())
        _, groups = np.unique(np.round(data.z[:, recipe_cols], 10), axis=0, return_inverse=True)
        groups = groups.ravel()
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        if n_groups < _MIN_CALIBRATION_RECIPES:
            return 1.0
        k = min(_CALIBRATION_FOLDS, n_groups)
        fold = rng.permutation(np.arange(n_groups) % k)[groups]
        resid, latent, noise = [], [], []
        for f in range(k):
            test = fold == f
            train = data.take(np.flatnonzero(~test))
            theta = self._refit(self.theta_, train, st)
            r, v_f, v_n = _held_out(theta, train, data.take(np.flatnonzero(test)), st)
            resid.append(r)
            latent.append(v_f)
            noise.append(v_n)
        r, v_f, v_n = (np.concatenate(a) for a in (resid, latent, noise))

        def excess(c2: float) -> float:
            # Both honest on average (mean z² = 1) and in the tail (95 % inside ±1.96).
            z2 = r**2 / (c2 * v_f + v_n)
            return max(float(np.mean(z2)) - 1.0, float(np.mean(z2 > _Z95**2)) - 0.05)

        if excess(1.0) <= 0:
            return 1.0
        top = _MAX_INFLATION**2
        if excess(top) > 0:
            return _MAX_INFLATION
        # excess() steps down (a tail fraction): bisect for the smallest factor that is honest.
        lo, hi = 1.0, top
        for _ in range(30):
            mid = math.sqrt(lo * hi)
            lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
        return math.sqrt(hi)

    def _refit(self, theta: np.ndarray, data: _Data, st: _Structure) -> np.ndarray:
        """A short L-BFGS-B run from ``theta`` on ``data`` (the calibration folds)."""
        _, _, lo, hi = st.priors()
        res = optimize.minimize(
            _neg_log_posterior,
            theta,
            args=(data, st),
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(lo, hi, strict=True)),
            options={"maxiter": _CALIBRATION_ITER},
        )
        return np.asarray(res.x)

    def _factorise(self) -> None:
        data, st = self._data, self._st
        self._nz = math.exp(self.theta_[st.d + 1])
        k = self._kernel(data.z, data.z)
        if st.batch:
            k += math.exp(self.theta_[st.i_batch]) * _same_batch(data.batch)
        k[np.diag_indices(len(k))] += self._nz * data.floor_weight + data.fixed_var + _JITTER
        self._chol = linalg.cho_factor(k, lower=True, check_finite=False)
        self._alpha = linalg.cho_solve(self._chol, data.y, check_finite=False)
        self._kinv = linalg.cho_solve(self._chol, np.eye(len(k)), check_finite=False)

    def _kernel(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        k, _ = _kernel_terms(self.theta_, a, b, self._st)
        if self._st.linear:
            ta = a[:, self._linear_cols] - self._t_center
            tb = b[:, self._linear_cols] - self._t_center
            k = k + math.exp(self.theta_[self._st.i_linear]) * (ta @ tb.T)
        return k

    def _prior_var(self, z: np.ndarray) -> np.ndarray:
        st = self._st
        var = math.exp(self.theta_[st.d]) + (
            math.exp(self.theta_[st.i_shared]) if st.shared else 0.0
        )
        out = np.full(len(z), var)
        if st.linear:
            t = z[:, self._linear_cols] - self._t_center
            out += math.exp(self.theta_[st.i_linear]) * (t * t).sum(1)
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise NotFittedError("this GPSurrogate is not fitted yet; call fit(X, y) first")

    # ------------------------------------------------------------------ predict
    def _whiten(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Standardised latent mean, variance and L⁻¹k(X, z) at encoded inputs (one chunk)."""
        ks = self._kernel(z, self._data.z)
        v = linalg.solve_triangular(self._chol[0], ks.T, lower=True, check_finite=False)
        var = self._prior_var(z) - (v * v).sum(0)
        return ks @ self._alpha, var, v

    def predict_encoded(self, z: np.ndarray, return_std: bool = True) -> Any:
        """Posterior mean (and std of the latent function) at encoded inputs, objective units."""
        self._check_fitted()
        out_mean = np.empty(len(z))
        out_std = np.empty(len(z))
        chunk = 4096
        for i in range(0, len(z), chunk):
            zc = z[i : i + chunk]
            if return_std:
                m, var, _ = self._whiten(zc)
                out_std[i : i + chunk] = np.sqrt(np.maximum(var, 1e-12))
            else:
                m = self._kernel(zc, self._data.z) @ self._alpha
            out_mean[i : i + chunk] = m
        mean = out_mean * self.y_scale_ + self.y_mean_
        if not return_std:
            return mean
        return mean, out_std * self.y_scale_ * self.std_inflation_

    def posterior_cov_encoded(self, za: np.ndarray, zb: np.ndarray) -> np.ndarray:
        """Posterior covariance of the latent objective between encoded inputs (objective units²)."""
        self._check_fitted()
        va = self._whiten(za)[2]
        vb = self._whiten(zb)[2]
        prior = self._kernel(za, zb)
        return (prior - va.T @ vb) * (self.y_scale_ * self.std_inflation_) ** 2

    def joint_predict_encoded(
        self, z: np.ndarray, zf: np.ndarray, vf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, std at ``z`` and the posterior covariance with fixed points ``zf`` in one pass.

        ``vf`` is ``fixed_factor(zf)`` (computed once per fixed set). Objective units.
        """
        m, var, v = self._whiten(z)
        scale = self.y_scale_ * self.std_inflation_
        cross = (self._kernel(zf, z) - vf.T @ v) * scale**2
        mean = m * self.y_scale_ + self.y_mean_
        return mean, np.sqrt(np.maximum(var, 1e-12)) * scale, cross

    def fixed_factor(self, zf: np.ndarray) -> np.ndarray:
        """L⁻¹k(X, zf) of fixed points, for :meth:`joint_predict_encoded`."""
        return self._whiten(zf)[2]

    def new_measurement_std(self, n: int = 1) -> np.ndarray:
        """Std a new measurement adds to the latent std (objective units), ``(n,)``.

        The learned noise floor, the batch-to-batch scatter (a new batch has an offset of its
        own) and the typical known measurement variance of the training data.
        """
        self._check_fitted()
        var = self.noise_std_**2 + self.batch_scatter_**2 + self.known_noise_var_
        return np.full(n, math.sqrt(var))

    def predict(
        self,
        X: pd.DataFrame,
        return_std: bool = False,
        *,
        conditions: Mapping[str, float] | None = None,
        include_noise: bool = False,
    ) -> Any:
        """Predict the objective for recipes.

        Args:
            X: Recipes (parameter columns; condition columns optional).
            return_std: Also return the standard deviation.
            conditions: Condition values overriding the table's (e.g. ``{"temperature_c": 30}``).
            include_noise: Return the std of a new measurement of a new batch (latent std, noise
                and batch-to-batch scatter, :meth:`new_measurement_std`) instead of the std of the
                recipe's mean.

        Returns:
            mean, or (mean, std), arrays in objective units.

        Raises:
            NotFittedError: before :meth:`fit`.
        """
        self._check_fitted()
        z, _ = self._encode(X, conditions)
        if not return_std:
            return self.predict_encoded(z, return_std=False)
        mean, std = self.predict_encoded(z)
        if include_noise:
            std = np.sqrt(std**2 + self.new_measurement_std(len(std)) ** 2)
        return mean, std

    def fantasize(self, z: np.ndarray, y: np.ndarray | None = None) -> GPSurrogate:
        """A copy conditioned on extra points (hyperparameters kept).

        Args:
            z: Encoded inputs of the extra points.
            y: Their objective values (objective units); None for the posterior mean ("kriging
                believer": the mean is unchanged, the uncertainty near the points shrinks).
        """
        self._check_fitted()
        if y is None:
            y = self.predict_encoded(z, return_std=False)
        new = object.__new__(GPSurrogate)
        new.__dict__.update(self.__dict__)
        add = len(z)
        base = self._data
        new._data = _Data(
            z=np.vstack([base.z, z]),
            t=np.vstack([base.t, z[:, self._linear_cols] - self._t_center]),
            y=np.concatenate([base.y, (np.asarray(y, float) - self.y_mean_) / self.y_scale_]),
            fixed_var=np.concatenate([base.fixed_var, np.zeros(add)]),
            floor_weight=np.concatenate([base.floor_weight, np.ones(add)]),
            ss=np.concatenate([base.ss, np.zeros(add)]),
            dof=np.concatenate([base.dof, np.zeros(add)]),
            within_var=np.concatenate([base.within_var, np.zeros(add)]),
            batch=np.concatenate([base.batch, np.full(add, -1, dtype=np.int64)]),
        )
        new._factorise()
        return new

    def summary(self) -> dict[str, Any]:
        """A small JSON-able description of the fitted model."""
        self._check_fitted()
        return {
            "kernel": "Matern52-ARD(all)"
            + (" + Matern52-ARD(numeric, shared by categories)" if self._st.shared else "")
            + (" + linear(conditions)" if self._st.linear else "")
            + (" + batch-to-batch offsets" if self._st.batch else "")
            + " + noise"
            + (" (Kumaraswamy-warped numeric inputs)" if len(self._st.warp_cols) else ""),
            "lengthscales": {k: round(v, 6) for k, v in self.lengthscales_.items()},
            "outputscale": round(self.outputscale_, 6),
            "noise": round(self.noise_std_, 6),
            "batch_scatter": round(self.batch_scatter_, 6),
            "std_inflation": round(self.std_inflation_, 4),
            "shared_outputscale": round(self.shared_outputscale_, 6),
            "linear_scale": round(self.linear_scale_, 6),
            "warping": {k: [round(a, 4), round(b, 4)] for k, (a, b) in self.warping_.items()},
            "prior_mean": round(self.y_mean_, 6),
            "n_observations": int(self.n_observations_),
            "n_distinct": int(self.n_distinct_),
        }


# ---------------------------------------------------------------------------- cross-validation
def log_predictive_density(y: Any, mean: Any, std: Any) -> np.ndarray:
    """Log density of y under N(mean, std²), elementwise.

    Example:
        >>> round(float(log_predictive_density(0.0, 0.0, 1.0)), 4)
        -0.9189
    """
    y, mean, std = (np.asarray(a, dtype=float) for a in (y, mean, std))
    return -0.5 * _LOG_2PI - np.log(std) - 0.5 * ((y - mean) / std) ** 2


#: Below this 95 % coverage of held-out measurements, a report warns that intervals are too narrow.
MIN_COVERAGE = 0.85
#: Fewer distinct held-out recipes than this: too few to judge the model.
MIN_RECIPES = 10


@dataclass(frozen=True)
class CVReport:
    """Cross-validation of a surrogate on held-out recipes (objective units).

    Attributes:
        rmse: Root-mean-square error of the held-out means.
        mae: Mean absolute error.
        r2: Coefficient of determination of the held-out means.
        coverage95: Fraction of held-out measurements inside mean ± 1.96·std, where std is the
            std of a new measurement of a new batch (the model's uncertainty, the measurement
            noise and the batch-to-batch scatter). Well calibrated: ≈ 0.95.
        mean_log_predictive_density: Mean log N(y; mean, std²) of held-out values (higher is
            better).
        n_splits: Number of folds.
        n_groups: Number of held-out groups (distinct recipes).
        predictions: One row per observation: y, mean, std (new measurement), mean_std (the
            mean's std), fold, group (index of the input).
        what: What was held out and what the interval is, in words.
        warnings: Plain-words warnings (too few recipes to judge, intervals too narrow).
    """

    rmse: float
    mae: float
    r2: float
    coverage95: float
    mean_log_predictive_density: float
    n_splits: int
    predictions: pd.DataFrame = field(repr=False)
    n_groups: int = 0
    what: str = ""
    warnings: tuple[str, ...] = ()

    def calibration(self, levels: Any = None) -> pd.DataFrame:
        """Observed coverage of central intervals at each nominal level (a calibration curve).

        Example:
            >>> import pandas as pd
            >>> p = pd.DataFrame({"y": [0.0, 3.0], "mean": [0.0, 0.0], "std": [1.0, 1.0]})
            >>> r = CVReport(0, 0, 0, 0.5, 0, 2, p)
            >>> r.calibration([0.5, 0.999])["observed"].tolist()
            [0.5, 1.0]
        """
        import pandas as pd
        from scipy import stats

        levels = np.asarray(
            levels if levels is not None else [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99], dtype=float
        )
        p = self.predictions
        z = np.abs(p["y"] - p["mean"]).to_numpy() / p["std"].to_numpy()
        half = stats.norm.ppf(0.5 + levels / 2)
        observed = [(z <= h).mean() for h in half]
        return pd.DataFrame({"nominal": levels, "observed": observed})


def recipe_groups(space: SearchSpace, X: pd.DataFrame) -> np.ndarray:
    """Group index per row: rows with the same recipe on the grid (any condition) share one."""
    keys = space.grid_keys(space.to_raw(X))
    _, groups = np.unique(np.array(keys, dtype=object).astype(bytes), return_inverse=True)
    return groups.ravel()


def cross_validate(
    surrogate: GPSurrogate,
    X: pd.DataFrame,
    y: Any,
    *,
    y_std: Any = None,
    n_splits: int = 5,
    random_state: int | None = 0,
    batch: Any = None,
    groups: Any = None,
) -> CVReport:
    """Leave-recipe-out K-fold cross-validation.

    Every measurement of a recipe (all its temperatures, all its batches) is held out together,
    so the model is scored on recipes it has never seen, as a lab uses it. (Holding out single
    measurements while other temperatures of the same recipe stay in training looks far better
    and says little.)

    Args:
        surrogate: An (unfitted) :class:`GPSurrogate`; a fresh copy is fitted per fold.
        X: Recipes (parameter and condition columns; a ``sample`` column gives the batches).
        y: Objective values.
        y_std: Known measurement standard deviations (scalar or per row) or None.
        n_splits: Number of folds (at most the number of distinct recipes).
        random_state: Seed for the fold assignment.
        batch: Batch labels per row (default: ``X["sample"]`` when present).
        groups: Group labels per row held out together (default: the recipe,
            :func:`recipe_groups`).

    Raises:
        InsufficientDataError: fewer than 3 distinct recipes.
    """
    import pandas as pd

    y = np.asarray(y, dtype=float).ravel()
    n = len(y)
    s = np.zeros(n) if y_std is None else np.broadcast_to(np.asarray(y_std, float), (n,)).copy()
    if batch is None and "sample" in X.columns:
        batch = X["sample"].to_numpy()
    b = None if batch is None else np.asarray(batch, dtype=object).ravel()
    z, _ = surrogate._encode(X)
    if groups is None:
        groups = recipe_groups(surrogate.space, X)
    else:
        _, groups = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    groups = np.asarray(groups).ravel()
    n_groups = int(groups.max()) + 1 if n else 0
    if n_groups < 3:
        raise InsufficientDataError(
            f"cross-validation needs 3 or more distinct recipes, got {n_groups}"
        )
    k = min(n_splits, n_groups)
    rng = np.random.default_rng(random_state)
    fold_of_group = rng.permutation(np.arange(n_groups) % k)
    fold = fold_of_group[groups]
    mean = np.empty(n)
    std = np.empty(n)
    mean_std = np.empty(n)
    for f in range(k):
        test = fold == f
        model = GPSurrogate(**surrogate.get_params())
        model.fit_encoded(
            z[~test],
            y[~test],
            s[~test] if y_std is not None else None,
            batch=None if b is None else b[~test],
        )
        m, sd = model.predict_encoded(z[test])
        mean[test] = m
        mean_std[test] = sd
        # A held-out measurement: the model's uncertainty, a new batch's offset, the noise floor
        # and the measurement's own known std.
        std[test] = np.sqrt(sd**2 + model.noise_std_**2 + model.batch_scatter_**2 + s[test] ** 2)
    resid = y - mean
    ss_tot = float(((y - y.mean()) ** 2).sum())
    preds = pd.DataFrame(
        {"y": y, "mean": mean, "std": std, "mean_std": mean_std, "fold": fold, "group": groups},
        index=X.index,
    )
    coverage = float((np.abs(resid) <= 1.96 * std).mean())
    warnings: list[str] = []
    if n_groups < MIN_RECIPES:
        warnings.append(
            f"only {n_groups} distinct recipes: too few to judge the model; these figures can "
            "change a lot with the next batches"
        )
    if coverage < MIN_COVERAGE:
        warnings.append(
            f"the model is overconfident: only {coverage:.0%} of held-out measurements fell "
            "inside their 95 % intervals (about 95 % should); read its intervals as too narrow"
        )
    return CVReport(
        rmse=float(np.sqrt((resid**2).mean())),
        mae=float(np.abs(resid).mean()),
        r2=float(1 - (resid**2).sum() / ss_tot) if ss_tot > 0 else float("nan"),
        coverage95=coverage,
        mean_log_predictive_density=float(log_predictive_density(y, mean, std).mean()),
        n_splits=k,
        predictions=preds,
        n_groups=n_groups,
        what=(
            f"{k} folds, every measurement of a recipe held out together; intervals are where a "
            "new batch's measurement falls"
        ),
        warnings=tuple(warnings),
    )


#: The quantile of the recipes' means, on the objective's worse side, that sets the prior mean of
#: the campaign surrogate (see the module docstring; benchmarks/RESULTS_engine.md measures 0.1,
#: 0.25, 0.5, the worst value and the average).
PESSIMISTIC_QUANTILE = 0.1


def make_surrogate(
    space: SearchSpace,
    *,
    objective: str = "log10_sigma",
    maximize: bool = True,
    random_state: int | None = 0,
) -> GPSurrogate:
    """The surrogate every command uses (``model fit|predict|report``, ``suggest``, the demo).

    One place for the model's settings, so that a prediction printed by ``matdoe model predict``
    and the one shown next to a suggestion are the same number: descriptors *and* one-hot columns
    for categoricals, learned Kumaraswamy warping of the numeric inputs, calibrated intervals, a
    pessimistic prior mean (the :data:`PESSIMISTIC_QUANTILE` of the recipes made, on the
    objective's worse side), and a fixed seed for the hyperparameter restarts (the model depends
    on the data, not on the suggestion's seed).

    Args:
        space: The model's space (a campaign space widened to its data,
            :meth:`SearchSpace.covering`).
        objective: Objective column name.
        maximize: Whether higher values of the modelled quantity are better (sets which side
            of the data the prior mean is taken from).
        random_state: Seed of the hyperparameter restarts.
    """
    return GPSurrogate(
        space,
        objective=objective,
        one_hot=True,
        input_warping=True,
        calibrate=True,
        prior_mean_quantile=PESSIMISTIC_QUANTILE if maximize else 1.0 - PESSIMISTIC_QUANTILE,
        random_state=random_state,
    )


def fit_surrogate(
    observations: pd.DataFrame,
    space: SearchSpace,
    *,
    objective: str = "log10_sigma",
    sign: float = 1.0,
    maximize: bool = True,
) -> GPSurrogate:
    """Fit the surrogate of :func:`make_surrogate` on an observations table.

    The one fitting sequence of matdoe: ``model fit|predict|report``, :func:`matdoe.suggest.suggest`,
    the demo and the notebooks all come here. The model is built over the space's domain widened to
    the data (:meth:`SearchSpace.covering`), so a measurement outside the campaign's ranges
    informs it.

    Args:
        observations: One row per measurement: parameter columns, condition columns, the
            objective, optionally ``<objective>_std`` and ``sample`` (the batch).
        space: The campaign's (or a restricted) space.
        objective: Objective column.
        sign: +1, or -1 to model the negated objective (minimisation).
        maximize: Whether higher values of the modelled quantity (``sign`` × objective) are
            better. A campaign that minimises may model the objective itself
            (``maximize=False``) or its negation (``sign=-1``): the two models agree.

    Returns:
        The fitted :class:`GPSurrogate`; its ``space`` is the widened model space.
    """
    model_space = space.covering(observations)
    model_space.validate(observations, objective=objective, bounds=False)
    y = sign * observations[objective].to_numpy(dtype=float)
    std_col = f"{objective}_std"
    y_std = observations[std_col].to_numpy(dtype=float) if std_col in observations else None
    model = make_surrogate(model_space, objective=objective, maximize=maximize)
    return model.fit(observations, y, y_std)
