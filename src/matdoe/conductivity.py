"""Ionic conductivity from measured resistance, and Arrhenius fits of sigma(T).

Conductivity of a pellet between blocking electrodes is ``sigma = L / (R * A)`` with the
thickness ``L`` (cm), the electrolyte resistance ``R`` (ohm, from the impedance spectrum, see
:mod:`matdoe.eis`) and the electrode area ``A`` (cm²). Its standard uncertainty is propagated to
first order from the uncertainties of R, L and A (relative errors added in quadrature).

Arrhenius fits come in two forms, both weighted linear least squares against 1/T:

* ``"sigma"`` (**the default**): ``sigma = A * exp(-Ea / kT)``, A in S/cm. The Na2B12H12/SiO2
  paper (DOI 10.1039/d5ta09128d) states no equation, but its own numbers follow this form:
  Ea = 0.38 eV gives sigma(60 °C)/sigma(30 °C) = 3.71 here and 3.37 in the other form, and most
  closo-borate papers plot log sigma against 1000/T. An Ea compared with a published one must be
  fitted in the published form.
* ``"sigma_t"``: ``sigma * T = A * exp(-Ea / kT)``, A in S·K/cm, the form that follows from the
  Nernst–Einstein relation for thermally activated hopping (the mobility carries a 1/T). Over
  30–60 °C its Ea is larger by about k·T (≈ 0.027 eV).

Every :class:`ArrheniusFit` carries its ``form`` and every place that shows an Ea shows the form.

**Uncertainties.** Each point is weighted by the variance of its logarithm from what varies
from one temperature to the next: the resistance (and the temperature, when its uncertainty is
given: d ln sigma / dT = Ea/(kT²)). The pellet's thickness and area are the same at every
temperature, so their errors shift all points together: they move the prefactor, not the slope,
and enter as ``common_rel_std`` on the prefactor only. Treating them as independent per point
would roughly double the standard error of Ea.

>>> t, sigma = [303.15, 313.15, 323.15, 333.15], [4.2e-4, 6.3e-4, 9.5e-4, 1.4e-3]
>>> round(fit_arrhenius(t, sigma).ea_ev, 3)
0.35
>>> round(fit_arrhenius(t, sigma, form="sigma_t").ea_ev, 3)
0.377
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.errors import InsufficientDataError, InvalidRecordError

__all__ = [
    "BOLTZMANN_EV_K",
    "DEFAULT_AREA_REL_STD",
    "DEFAULT_FORM",
    "DEFAULT_RESISTANCE_REL_STD",
    "DEFAULT_THICKNESS_STD_CM",
    "EV_TO_KJ_MOL",
    "FORMS",
    "FORM_EQUATIONS",
    "R2_UNDEFINED",
    "ArrheniusFit",
    "BreakTest",
    "Conductivity",
    "RunSummary",
    "aggregate_runs",
    "conductivity_from_resistance",
    "find_segment_break",
    "fit_arrhenius",
]

BOLTZMANN_EV_K = 8.617333262e-5
"""Boltzmann constant in eV/K (CODATA 2018, exact)."""

EV_TO_KJ_MOL = 96.48533212
"""1 eV per particle in kJ/mol (e·N_A/1000)."""

FORMS = ("sigma", "sigma_t")
DEFAULT_FORM = "sigma"
"""The form the paper's numbers follow (see the module docstring)."""
FORM_EQUATIONS = {
    "sigma": "sigma = A·exp(-Ea/kT)",
    "sigma_t": "sigma·T = A·exp(-Ea/kT)",
}
#: A fit with a lower R² than this is stored with a warning.
MIN_R2 = 0.95
#: ln(y) values that all lie within this of each other have no spread: rounding, not data (a
#: relative difference of 1e-9 in sigma is far below any measurement's resolution).
FLAT_LN_SPREAD = 1e-9
#: Why a flat series has no R²: what every place that shows R² prints instead of a number.
R2_UNDEFINED = "n/a (no spread: the points all lie at one level, so R² is undefined)"
#: Two straight segments are "clearly better" than one when BIC drops by more than this (very
#: strong evidence on the Kass–Raftery scale).
BREAK_DELTA_BIC = 10.0

# A digital outside micrometer reads to 1 µm, but the pellet is only 200–400 µm thick and is
# measured between the pressing rods, so faces that are not quite flat and parallel dominate:
# repeated readings on one pellet scatter by about 10 µm.
DEFAULT_THICKNESS_STD_CM = 0.001
# Used when the resistance comes without a fit interval (typed in, read off a Nyquist plot):
# choosing the intercept of arc and spur by eye moves R by a few per cent.
DEFAULT_RESISTANCE_REL_STD = 0.02
# The electrode area comes from the rod diameter (A = 0.785 cm² for 10.0 mm): a 25 µm
# tolerance on the diameter gives 0.5 % in area.
DEFAULT_AREA_REL_STD = 0.005

# Temperatures closer than this are the same temperature when counting distinct ones (K).
_DISTINCT_T_K = 0.01


@dataclass(frozen=True)
class Conductivity:
    """A conductivity with its standard uncertainty.

    Attributes:
        sigma_s_cm: Conductivity (S/cm).
        sigma_std_s_cm: Standard uncertainty (one standard deviation) of ``sigma_s_cm`` (S/cm).
    """

    sigma_s_cm: float
    sigma_std_s_cm: float

    def to_dict(self) -> dict[str, float]:
        """Return a JSON-able dict."""
        return asdict(self)


def _positive(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(number) or number <= 0:
        raise InvalidRecordError(f"{name} must be a positive finite number, got {value!r}")
    return number


def _non_negative(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(number) or number < 0:
        raise InvalidRecordError(f"{name} must be zero or a positive number, got {value!r}")
    return number


def conductivity_from_resistance(
    resistance_ohm: float,
    thickness_cm: float,
    area_cm2: float,
    *,
    resistance_std_ohm: float | None = None,
    thickness_std_cm: float | None = None,
    area_std_cm2: float | None = None,
) -> Conductivity:
    """Conductivity of a pellet, ``sigma = L / (R * A)``, with propagated uncertainty.

    The relative standard uncertainties of R, L and A are added in quadrature (first-order
    propagation for a product of independent quantities).

    Args:
        resistance_ohm: Electrolyte resistance R (ohm).
        thickness_cm: Pellet thickness L (cm).
        area_cm2: Electrode area A (cm²).
        resistance_std_ohm: Standard uncertainty of R (ohm); ``None`` uses
            :data:`DEFAULT_RESISTANCE_REL_STD` times R.
        thickness_std_cm: Standard uncertainty of L (cm); ``None`` uses
            :data:`DEFAULT_THICKNESS_STD_CM`.
        area_std_cm2: Standard uncertainty of A (cm²); ``None`` uses
            :data:`DEFAULT_AREA_REL_STD` times A.

    Returns:
        The conductivity and its standard uncertainty (S/cm).

    Raises:
        InvalidRecordError: A value is not positive and finite, or an uncertainty is negative.

    >>> c = conductivity_from_resistance(29.1, 0.032, 0.785)
    >>> round(c.sigma_s_cm, 6), round(c.sigma_std_s_cm, 6)
    (0.001401, 5.2e-05)
    """
    r = _positive(resistance_ohm, "resistance_ohm")
    length = _positive(thickness_cm, "thickness_cm")
    area = _positive(area_cm2, "area_cm2")
    r_std = (
        DEFAULT_RESISTANCE_REL_STD * r
        if resistance_std_ohm is None
        else _non_negative(resistance_std_ohm, "resistance_std_ohm")
    )
    length_std = (
        DEFAULT_THICKNESS_STD_CM
        if thickness_std_cm is None
        else _non_negative(thickness_std_cm, "thickness_std_cm")
    )
    area_std = (
        DEFAULT_AREA_REL_STD * area
        if area_std_cm2 is None
        else _non_negative(area_std_cm2, "area_std_cm2")
    )
    sigma = length / (r * area)
    # hypot, not sqrt of squares: an absurd input (1e-300 cm) must give a refusal later, not an
    # OverflowError here.
    rel = math.hypot(r_std / r, length_std / length, area_std / area)
    return Conductivity(sigma_s_cm=sigma, sigma_std_s_cm=sigma * rel)


@dataclass(frozen=True)
class RunSummary:
    """Conductivity at one temperature, summarised over heating and cooling runs.

    Attributes:
        temperature_k: Mean temperature of the grouped runs (K).
        sigma_mean_s_cm: Mean conductivity over the runs (S/cm).
        sigma_std_s_cm: Sample standard deviation over the runs (S/cm); for a single run its
            own propagated uncertainty if known, else 0.
        n_runs: Number of runs in the group.
    """

    temperature_k: float
    sigma_mean_s_cm: float
    sigma_std_s_cm: float
    n_runs: int

    def to_dict(self) -> dict[str, float | int]:
        """Return a JSON-able dict."""
        return asdict(self)


def _as_1d(values: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{name} must be numbers, got {values!r}") from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise InvalidRecordError(f"{name} must be a 1-D sequence, got shape {array.shape}")
    return array


def _check_positive_array(array: NDArray[np.float64], name: str, unit: str) -> None:
    bad = ~np.isfinite(array) | (array <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(
            f"{name}[{i}] = {array[i]!r} {unit} is not a positive finite number; "
            "remove or correct that measurement"
        )


def _validated(
    temperature_k: ArrayLike, sigma_s_cm: ArrayLike, sigma_std_s_cm: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    t = _as_1d(temperature_k, "temperature_k")
    s = _as_1d(sigma_s_cm, "sigma_s_cm")
    if t.shape != s.shape:
        raise InvalidRecordError(
            f"temperature_k has {t.size} values but sigma_s_cm has {s.size}; give one per run"
        )
    _check_positive_array(t, "temperature_k", "K")
    _check_positive_array(s, "sigma_s_cm", "S/cm")
    if sigma_std_s_cm is None:
        return t, s, None
    std = _as_1d(sigma_std_s_cm, "sigma_std_s_cm")
    if std.shape != s.shape:
        raise InvalidRecordError(
            f"sigma_std_s_cm has {std.size} values but sigma_s_cm has {s.size}; give one per run"
        )
    bad = ~np.isfinite(std) | (std < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(
            f"sigma_std_s_cm[{i}] = {std[i]!r} S/cm is not zero or a positive number"
        )
    return t, s, std


def aggregate_runs(
    temperature_k: ArrayLike,
    sigma_s_cm: ArrayLike,
    *,
    sigma_std_s_cm: ArrayLike | None = None,
    tolerance_k: float = 1.0,
) -> list[RunSummary]:
    """Group runs at the same temperature (heating and cooling) into mean ± sample std.

    Runs are sorted by temperature; a group starts at its lowest temperature and takes every run
    within ``tolerance_k`` of it, so no group spans more than ``tolerance_k``.

    Args:
        temperature_k: Temperature of each run (K).
        sigma_s_cm: Conductivity of each run (S/cm).
        sigma_std_s_cm: Optional propagated uncertainty of each run (S/cm); used only for
            temperatures measured once.
        tolerance_k: Largest temperature difference (K) treated as the same set point.

    Returns:
        One :class:`RunSummary` per temperature, sorted by temperature.

    Raises:
        InvalidRecordError: Non-positive or non-finite values, or mismatched lengths.

    >>> [(round(r.temperature_k, 2), r.n_runs) for r in aggregate_runs(
    ...     [333.1, 303.2, 333.2, 303.1], [1.4e-3, 5e-4, 1.5e-3, 5.2e-4])]
    [(303.15, 2), (333.15, 2)]
    """
    t, s, std = _validated(temperature_k, sigma_s_cm, sigma_std_s_cm)
    tol = _non_negative(tolerance_k, "tolerance_k")
    order = np.argsort(t, kind="stable")
    groups: list[list[int]] = []
    for i in order:
        if groups and t[i] - t[groups[-1][0]] <= tol:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    summaries = []
    for members in groups:
        idx = np.asarray(members)
        if idx.size > 1:
            spread = float(np.std(s[idx], ddof=1))
        else:
            spread = float(std[idx[0]]) if std is not None else 0.0
        summaries.append(
            RunSummary(
                temperature_k=float(np.mean(t[idx])),
                sigma_mean_s_cm=float(np.mean(s[idx])),
                sigma_std_s_cm=spread,
                n_runs=int(idx.size),
            )
        )
    return summaries


@dataclass(frozen=True)
class ArrheniusFit:
    """An Arrhenius fit of conductivity against temperature.

    Attributes:
        form: ``"sigma_t"`` (sigma·T = A·exp(-Ea/kT)) or ``"sigma"`` (sigma = A·exp(-Ea/kT)).
        ea_ev: Activation energy (eV).
        ea_std_ev: Standard error of ``ea_ev`` (eV), from the parameter covariance.
        log10_prefactor: log10 of A, with A in S·K/cm (form "sigma_t") or S/cm (form "sigma").
        log10_prefactor_std: Standard error of ``log10_prefactor``.
        r2: Coefficient of determination of the (weighted) linear fit of ln(y) vs 1/T; None
            when the points have no spread to explain (every ln(y) equal, see
            :data:`R2_UNDEFINED`).
        n_points: Number of measurements used.
        temperature_min_k: Lowest measured temperature (K).
        temperature_max_k: Highest measured temperature (K).
        covariance: Covariance of (intercept, slope) of ln(y) = intercept + slope / T, with
            slope in K; used for prediction uncertainty. Includes ``common_rel_std``.
        weighted: Whether per-point uncertainties weighted the fit.
        common_rel_std: Relative standard uncertainty shared by every point (the pellet's
            thickness and area), added to the prefactor's variance only.
        warnings: Why the fit may not describe the data (a low R² with residuals beyond the
            noise, two segments that fit clearly better, as at a phase transition); empty when
            there is nothing to say.
    """

    form: str
    ea_ev: float
    ea_std_ev: float
    log10_prefactor: float
    log10_prefactor_std: float
    r2: float | None
    n_points: int
    temperature_min_k: float
    temperature_max_k: float
    covariance: tuple[tuple[float, float], tuple[float, float]] = field(
        default=((0.0, 0.0), (0.0, 0.0))
    )
    weighted: bool = False
    common_rel_std: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def equation(self) -> str:
        """The form as an equation, e.g. ``'sigma = A·exp(-Ea/kT)'``."""
        return FORM_EQUATIONS[self.form]

    @property
    def ea_kj_mol(self) -> float:
        """Activation energy (kJ/mol)."""
        return self.ea_ev * EV_TO_KJ_MOL

    @property
    def ea_std_kj_mol(self) -> float:
        """Standard error of the activation energy (kJ/mol)."""
        return self.ea_std_ev * EV_TO_KJ_MOL

    @overload
    def sigma_at(self, temperature_k: float) -> float: ...
    @overload
    def sigma_at(self, temperature_k: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def sigma_at(self, temperature_k: float | NDArray[np.float64]) -> float | NDArray[np.float64]:
        """Conductivity (S/cm) the fit predicts at ``temperature_k`` (K).

        >>> fit = ArrheniusFit("sigma", 0.38, 0.0, 2.0, 0.0, 1.0, 4, 303.15, 333.15)
        >>> f"{fit.sigma_at(333.15):.2e}"
        '1.78e-04'
        """
        t = np.asarray(temperature_k, dtype=float)
        ln_y = self.log10_prefactor * math.log(10) - self.ea_ev / (BOLTZMANN_EV_K * t)
        sigma = np.exp(ln_y) / t if self.form == "sigma_t" else np.exp(ln_y)
        return float(sigma) if sigma.ndim == 0 else sigma

    @overload
    def log10_sigma_std_at(self, temperature_k: float) -> float: ...
    @overload
    def log10_sigma_std_at(self, temperature_k: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def log10_sigma_std_at(
        self, temperature_k: float | NDArray[np.float64]
    ) -> float | NDArray[np.float64]:
        """Standard error of the predicted log10 sigma at ``temperature_k`` (K).

        This is the uncertainty of the fitted line (from the parameter covariance), not the
        scatter of a new measurement; it grows away from the measured temperature range.
        """
        t = np.asarray(temperature_k, dtype=float)
        x = 1.0 / t
        (caa, cab), (_, cbb) = self.covariance
        var = caa + 2.0 * cab * x + cbb * x * x
        std = np.sqrt(np.clip(var, 0.0, None)) / math.log(10)
        return float(std) if std.ndim == 0 else std

    def is_extrapolated(self, temperature_k: float) -> bool:
        """Whether ``temperature_k`` (K) lies outside the measured range."""
        return bool(
            temperature_k < self.temperature_min_k - 1e-6
            or temperature_k > self.temperature_max_k + 1e-6
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (with ``ea_kj_mol`` added for readers)."""
        d = asdict(self)
        d["covariance"] = [list(row) for row in self.covariance]
        d["warnings"] = list(self.warnings)
        d["equation"] = self.equation
        d["ea_kj_mol"] = self.ea_kj_mol
        d["ea_std_kj_mol"] = self.ea_std_kj_mol
        return d


@dataclass(frozen=True)
class BreakTest:
    """One straight line against two in ln(sigma) vs 1/T (a phase transition between them).

    Attributes:
        break_k: Temperature (K) halfway between the two segments.
        delta_bic: BIC of one line minus BIC of two (positive: two fit better).
        ea_low_ev: Ea of the segment below the break (eV, same form as the fit).
        ea_high_ev: Ea of the segment above it.
    """

    break_k: float
    delta_bic: float
    ea_low_ev: float
    ea_high_ev: float

    @property
    def clearly_better(self) -> bool:
        """Whether two segments are clearly better than one (ΔBIC above the threshold)."""
        return self.delta_bic > BREAK_DELTA_BIC


def _line(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float]:
    """(slope, residual sum of squares) of an unweighted straight line."""
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(np.sum((y - (intercept + slope * x)) ** 2))


def find_segment_break(
    temperature_k: ArrayLike, sigma_s_cm: ArrayLike, *, form: str = DEFAULT_FORM
) -> BreakTest | None:
    """Is ln(y) vs 1/T better described by two straight segments than by one?

    Every split between consecutive distinct temperatures that leaves three or more distinct
    temperatures on each side is tried (the segments are independent: a phase transition moves
    both the level and the slope); the best split is compared with one line by BIC (one line: 2
    parameters, two segments: 4 plus the break). Needs six distinct temperatures.

    Returns:
        The best split, or None with fewer than six distinct temperatures.

    >>> t = np.array([300, 320, 340, 360, 380, 400, 420, 440.0])
    >>> lnA = np.where(t < 370, -0.7 / (BOLTZMANN_EV_K * t), 6 - 0.5 / (BOLTZMANN_EV_K * t))
    >>> test = find_segment_break(t, np.exp(lnA))
    >>> round(test.break_k), test.clearly_better
    (370, True)
    """
    t, s, _ = _validated(temperature_k, sigma_s_cm, None)
    order = np.argsort(t)
    t, s = t[order], s[order]
    x = 1.0 / t
    y = np.log(s * t) if form == "sigma_t" else np.log(s)
    distinct = np.unique(np.round(t / _DISTINCT_T_K))
    if distinct.size < 6:
        return None
    n = t.size
    floor = n * 1e-12  # exact data: keep the logarithms finite
    _, rss_one = _line(x, y)
    bic_one = n * math.log(max(rss_one, floor) / n) + 2 * math.log(n)
    best: BreakTest | None = None
    keys = np.round(t / _DISTINCT_T_K)
    for k in range(3, distinct.size - 2):
        low = keys < distinct[k]
        slope_low, rss_low = _line(x[low], y[low])
        slope_high, rss_high = _line(x[~low], y[~low])
        bic_two = n * math.log(max(rss_low + rss_high, floor) / n) + 5 * math.log(n)
        candidate = BreakTest(
            break_k=float(0.5 * (t[low].max() + t[~low].min())),
            delta_bic=float(bic_one - bic_two),
            ea_low_ev=-slope_low * BOLTZMANN_EV_K,
            ea_high_ev=-slope_high * BOLTZMANN_EV_K,
        )
        if best is None or candidate.delta_bic > best.delta_bic:
            best = candidate
    return best


def fit_arrhenius(
    temperature_k: ArrayLike,
    sigma_s_cm: ArrayLike,
    *,
    sigma_std_s_cm: ArrayLike | None = None,
    form: str = DEFAULT_FORM,
    common_rel_std: float = 0.0,
    temperature_std_k: ArrayLike | None = None,
) -> ArrheniusFit:
    """Fit an Arrhenius law to conductivities measured at several temperatures.

    Weighted linear least squares of ln(sigma) (form "sigma") or ln(sigma·T) (form "sigma_t")
    against 1/T. With ``sigma_std_s_cm`` each point is weighted by 1/(sigma_std/sigma)², the
    variance of its logarithm; with ``temperature_std_k`` the temperature's share,
    (d ln y/dT · T_std)², is added (two passes, the second with the first pass's Ea). The
    covariance is scaled by the reduced chi-square when the scatter exceeds the stated
    uncertainties (never shrunk below them); without uncertainties it comes from the residual
    scatter alone. ``common_rel_std`` (the pellet geometry, shared by every point) is added to
    the prefactor's variance.

    Args:
        temperature_k: Temperature of each measurement (K); replicates are allowed.
        sigma_s_cm: Conductivity of each measurement (S/cm).
        sigma_std_s_cm: Optional standard uncertainty of each conductivity (S/cm), all > 0,
            from what varies between points (the resistance), not from the geometry.
        form: ``"sigma"`` (default, see the module docstring) or ``"sigma_t"``.
        common_rel_std: Relative standard uncertainty common to all points (geometry).
        temperature_std_k: Optional standard uncertainty of each temperature (K).

    Returns:
        The fit, with Ea and log10 prefactor and their standard errors, and warnings when R²
        is below :data:`MIN_R2` or two segments fit clearly better (:func:`find_segment_break`).
        A low R² is not warned about when the residuals are at the noise level: a weighted fit
        whose chi-square is what the stated uncertainties lead one to expect, or points with no
        spread at all (R² is then None: it is undefined, see :data:`R2_UNDEFINED`).

    Raises:
        InvalidRecordError: NaN, inf or non-positive values, mismatched lengths, an unknown
            form, or a zero uncertainty.
        InsufficientDataError: Fewer than 3 distinct temperatures.

    >>> t = [303.15, 313.15, 323.15, 333.15]
    >>> fit = fit_arrhenius(t, [0.1 * math.exp(-0.45 / (BOLTZMANN_EV_K * x)) for x in t])
    >>> round(fit.ea_ev, 6), round(fit.log10_prefactor, 6), fit.form
    (0.45, -1.0, 'sigma')
    """
    if form not in FORMS:
        raise InvalidRecordError(f"form={form!r} is not an Arrhenius form; use one of {FORMS}")
    t, s, std = _validated(temperature_k, sigma_s_cm, sigma_std_s_cm)
    common = _non_negative(common_rel_std, "common_rel_std")
    t_std = None
    if temperature_std_k is not None:
        t_std = _as_1d(temperature_std_k, "temperature_std_k")
        if t_std.shape != t.shape or not np.all(np.isfinite(t_std)) or (t_std < 0).any():
            raise InvalidRecordError(
                "temperature_std_k needs one finite, non-negative value (K) per temperature"
            )
    distinct = np.unique(np.round(t / _DISTINCT_T_K))
    if distinct.size < 3:
        raise InsufficientDataError(
            "need measurements at 3 or more temperatures for an Arrhenius fit, "
            f"got {distinct.size}; add one with `matdoe measure add`"
        )
    if std is not None and (std <= 0).any():
        i = int(np.flatnonzero(std <= 0)[0])
        raise InvalidRecordError(
            f"sigma_std_s_cm[{i}] = {std[i]!r} S/cm: a weighted fit needs every uncertainty "
            "> 0; pass sigma_std_s_cm=None for an unweighted fit"
        )
    x = 1.0 / t
    y = np.log(s * t) if form == "sigma_t" else np.log(s)
    n = t.size
    design = np.column_stack([np.ones(n), x])
    var_log = (std / s) ** 2 if std is not None else None
    slope = 0.0
    for _pass in range(2 if t_std is not None else 1):
        var = var_log
        if t_std is not None:
            # d ln(y)/dT = -slope/T² (+ 1/T for sigma·T); slope from the previous pass.
            if _pass == 0:
                slope = float(np.polyfit(x, y, 1)[0])
            dlny_dt = -slope / t**2 + (1.0 / t if form == "sigma_t" else 0.0)
            t_var = (dlny_dt * t_std) ** 2
            var = t_var if var is None else var + t_var
        w = np.ones(n) if var is None or not np.all(var > 0) else 1.0 / var
        normal = design.T @ (w[:, None] * design)
        try:
            normal_inv = np.linalg.inv(normal)
        except np.linalg.LinAlgError as exc:  # pragma: no cover - excluded by distinct-T check
            raise InsufficientDataError(
                "temperatures are too close together to fit a slope"
            ) from exc
        beta = normal_inv @ (design.T @ (w * y))
        slope = float(beta[1])
    weighted = var is not None and bool(np.all(var > 0))
    resid = y - design @ beta
    dof = n - 2
    chi2 = float(np.sum(w * resid**2))
    # Stated uncertainties are a floor: extra scatter inflates the errors, less never shrinks them.
    scale = (
        (chi2 / dof if dof > 0 else 0.0) if not weighted else max(1.0, chi2 / dof if dof else 1.0)
    )
    cov = normal_inv * scale
    cov[0, 0] += math.log1p(common) ** 2 if common else 0.0
    y_mean = float(np.sum(w * y) / np.sum(w))
    r2: float | None = None
    if float(np.ptp(y)) <= FLAT_LN_SPREAD:
        # No spread: the level is the mean and the slope zero; the solver's leftovers (Ea of
        # 1e-15 eV, R² of -11222 as rounding over rounding) are not results.
        beta = np.array([y_mean, 0.0])
        slope = 0.0
    else:
        r2 = 1.0 - chi2 / float(np.sum(w * (y - y_mean) ** 2))
    intercept = float(beta[0])
    ln10 = math.log(10)
    # Residuals within the stated uncertainties: chi²/dof below 1 + 3·sqrt(2/dof), about three
    # standard deviations of its distribution; a low R² then means there is little slope to
    # see, not that one line misses the points.
    at_noise = weighted and dof > 0 and chi2 / dof <= 1.0 + 3.0 * math.sqrt(2.0 / dof)
    warnings = []
    if r2 is not None and r2 < MIN_R2 and not at_noise:
        warnings.append(
            f"R² = {r2:.3f} is below {MIN_R2}: one Arrhenius line does not describe these points"
        )
    split = find_segment_break(t, s, form=form)
    if split is not None and split.clearly_better:
        warnings.append(
            f"two straight segments fit clearly better than one (ΔBIC = {split.delta_bic:.0f}), "
            f"with a break near {split.break_k - 273.15:.0f} °C (Ea {split.ea_low_ev:.2f} eV "
            f"below, {split.ea_high_ev:.2f} eV above): a phase transition? Fit each range "
            "separately"
        )
    return ArrheniusFit(
        form=form,
        ea_ev=-slope * BOLTZMANN_EV_K if slope else 0.0,
        ea_std_ev=math.sqrt(cov[1, 1]) * BOLTZMANN_EV_K,
        log10_prefactor=intercept / ln10,
        log10_prefactor_std=math.sqrt(cov[0, 0]) / ln10,
        r2=r2,
        n_points=int(n),
        temperature_min_k=float(t.min()),
        temperature_max_k=float(t.max()),
        covariance=(
            (float(cov[0, 0]), float(cov[0, 1])),
            (float(cov[1, 0]), float(cov[1, 1])),
        ),
        weighted=weighted,
        common_rel_std=common,
        warnings=tuple(warnings),
    )
