"""Fit equivalent circuits to a spectrum, choose among them, and read the resistance for sigma.

**Fitting.** Complex non-linear least squares, each point weighted by 1/|Z| (noise proportional
to |Z|, as analysers specify it), in log-parameters (they span 14 orders of magnitude: Q ~ 1e-9,
R ~ 1e3) on the spectrum divided by its median |Z| (so 1e-3 and 1e12 ohm fit alike). Every
circuit is started from several points built from the data: the distribution of relaxation
times (its peaks give each arc's R and time constant), the arc's apex and the high-frequency
intercept, and two CPE exponents; the best end point is kept.

**Choosing** (``circuit="auto"``, the default). Every circuit of the pellet family
(:data:`matdoe.eis.circuits.FAMILY`) is fitted and the one with the lowest Bayesian information
criterion BIC = n·ln(RSS/n) + k·ln(n) (n = 2 × points, k = parameters) is chosen among those
that describe the spectrum (rms misfit at most 10 % of |Z|) with a determined resistance (95 %
interval narrower than the value). BIC rather than AIC: its penalty grows with the number of
points, so an extra arc must earn its parameters; the runner-up is reported with its ΔBIC.
A series resistance that goes to zero is a result (the arc starts at the origin, a circuit
without R0 describes it), not a failure.

**Which resistance** (``resistance="total"``, the default): the *total ionic* resistance, the sum
of every resistance before the electrode element (R0 and the electrolyte arcs). That is what
sigma = L/(R·A) of the paper and of a battery cell means, and it is far better determined than
its parts: when an arc is only partly inside the window, R0 and R1 trade off while their sum,
the low-frequency end of the arc, stays fixed. ``resistance="bulk"`` takes only the bulk
process: R0 plus any arc whose capacitance reads as bulk (pF). An arc counts as the electrode's
(charge transfer, not summed) when it is the last element and its capacitance reads as an
electrode's (µF). The uncertainty comes from the full parameter covariance, so the trade-off is
accounted for.

**Capacitances.** Each arc's effective capacitance, from its CPE by Brug's formula (Brug et al.,
J. Electroanal. Chem. 176 (1984) 275): C = (R^(1−α) Q)^(1/α) for R‖CPE, and
C = Q^(1/α) R_s^((1−α)/α) for a blocking CPE in series with the resistance R_s. The reading
follows Irvine, Sinclair and West (Adv. Mater. 2 (1990) 132): bulk ~pF (below 100 pF), grain
boundary or interphase ~nF (100 pF–100 nF), electrode interface ~µF (above 100 nF). For
comparison, a pellet's geometric capacitance is εr·ε0·A/L (:func:`geometric_capacitance_f`,
εr = 10 assumed), about 20 pF for 320 µm × 0.785 cm².
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.eis.circuits import FAMILY, Circuit, FamilyMember, element_kind, family_member, parse
from matdoe.eis.spectrum import Spectrum, check_values
from matdoe.errors import FitError, InvalidRecordError

__all__ = [
    "BULK_MAX_F",
    "DEFAULT_CIRCUIT",
    "ELECTRODE_MIN_F",
    "EPSILON_R",
    "RESISTANCE_KINDS",
    "Capacitance",
    "SpectrumFit",
    "capacitance_reading",
    "fit_spectrum",
    "geometric_capacitance_f",
]

DEFAULT_CIRCUIT = "auto"
RESISTANCE_KINDS = ("total", "bulk")
#: Capacitances (F) below this read as bulk, above :data:`ELECTRODE_MIN_F` as electrode.
BULK_MAX_F = 1e-10
ELECTRODE_MIN_F = 1e-7
#: Relative permittivity assumed for the geometric capacitance (closo-borate pellets ~10).
EPSILON_R = 10.0
EPSILON_0_F_CM = 8.8541878128e-14

# A fit whose rms relative misfit exceeds this does not describe the spectrum.
_MAX_RELATIVE_RMSE = 0.10
_ALPHA_LOW = 0.3
_RULED_OUT_DELTA_BIC = 6.0
_INDUCTOR_CANDIDATES = 3
_R_FLOOR = 1e-7  # resistances in units of the median |Z|: below this a resistor has vanished
_R_CEILING = 5.0  # ... and above this many times the largest |Z| it is not seen


def geometric_capacitance_f(
    thickness_cm: float, area_cm2: float, epsilon_r: float = EPSILON_R
) -> float:
    """The pellet's geometric capacitance εr·ε0·A/L (F).

    >>> round(geometric_capacitance_f(0.032, 0.785) * 1e12, 1)
    21.7
    """
    return epsilon_r * EPSILON_0_F_CM * area_cm2 / thickness_cm


def capacitance_reading(capacitance_f: float) -> str:
    """What a capacitance of that size usually is (Irvine et al. 1990).

    >>> capacitance_reading(2e-11), capacitance_reading(3e-9), capacitance_reading(5e-6)
    ('bulk (~pF)', 'grain boundary or interphase (~nF)', 'electrode interface (~µF)')
    """
    if capacitance_f < BULK_MAX_F:
        return "bulk (~pF)"
    if capacitance_f < ELECTRODE_MIN_F:
        return "grain boundary or interphase (~nF)"
    return "electrode interface (~µF)"


def _format_farad(value: float) -> str:
    for factor, prefix in ((1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m")):
        if value < factor * 1000:
            return f"{value / factor:.3g} {prefix}F"
    return f"{value:.3g} F"


@dataclass(frozen=True)
class Capacitance:
    """The effective capacitance of one element of a fitted circuit.

    Attributes:
        element: The capacitive element (``CPE1``, ``C2``).
        role: ``"arc 1"``, ``"arc 2"`` (with a note when its apex lies above the window),
            ``"electrode (arc 2)"`` or ``"electrode"``.
        capacitance_f: Effective capacitance (F), by Brug's formula for a CPE.
        reading: :func:`capacitance_reading` of it.
    """

    element: str
    role: str
    capacitance_f: float
    reading: str

    def describe(self) -> str:
        """``arc 1 (CPE1): C = 23.4 pF, bulk (~pF)``; a role's note joins the element's brackets.

        >>> Capacitance("CPE2", "electrode (arc 2)", 4e-7, "electrode interface (~µF)").describe()
        'electrode (CPE2; arc 2): C = 400 nF, electrode interface (~µF)'
        """
        role, _, note = self.role.partition(" (")
        inside = f"{self.element}; {note.removesuffix(')')}" if note else self.element
        return f"{role} ({inside}): C = {_format_farad(self.capacitance_f)}, {self.reading}"


@dataclass(frozen=True)
class SpectrumFit:
    """An equivalent-circuit fit of one spectrum.

    Attributes:
        circuit: The circuit in impedance.py notation, e.g. ``"R0-p(R1,CPE1)-CPE2"``.
        resistance_ohm: The resistance sigma uses (ohm): the sum of ``resistance_terms``.
        resistance_std_ohm: Its standard error from the parameter covariance (ohm).
        resistance_ci95_ohm: Its 95 % confidence interval (ohm), Student t.
        parameters: Fitted parameters by name (``R0``, ``CPE1_0``, ``CPE1_1``...); units ohm
            for R, S·s^α for CPE _0, 1 for CPE _1, F for C, H for L, ohm·s^-1/2 for W.
        parameter_std: Standard errors of the parameters, same keys.
        relative_rmse: rms over points of |Z_fit − Z| / |Z|.
        name: The family name of the circuit (``"arc-spur"``), or ``"custom"``.
        resistance_kind: ``"total"`` or ``"bulk"`` (see the module docstring).
        resistance_terms: The resistors summed, e.g. ``("R0", "R1")``.
        n_points: Points fitted.
        bic: Bayesian information criterion of the fit.
        runner_up: The next best circuit by BIC (``circuit="auto"`` only).
        delta_bic: Its BIC minus the chosen one's.
        capacitances: Effective capacitances of the arcs and the electrode element.
        warnings: Doubts about the result (an electrode-like "electrolyte" arc, ...).
    """

    circuit: str
    resistance_ohm: float
    resistance_std_ohm: float
    resistance_ci95_ohm: tuple[float, float]
    parameters: dict[str, float]
    parameter_std: dict[str, float]
    relative_rmse: float
    name: str = "custom"
    resistance_kind: str = "total"
    resistance_terms: tuple[str, ...] = ()
    n_points: int = 0
    bic: float = math.nan
    runner_up: str | None = None
    delta_bic: float | None = None
    capacitances: tuple[Capacitance, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def resistances_ohm(self) -> dict[str, float]:
        """The resistors of the circuit by name (R0, R1, R2, ...), ohm."""
        return {k: v for k, v in self.parameters.items() if element_kind(k.split("_")[0]) == "R"}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return {
            "circuit": self.circuit,
            "name": self.name,
            "resistance_ohm": self.resistance_ohm,
            "resistance_std_ohm": self.resistance_std_ohm,
            "resistance_ci95_ohm": list(self.resistance_ci95_ohm),
            "resistance_kind": self.resistance_kind,
            "resistance_terms": list(self.resistance_terms),
            "parameters": dict(self.parameters),
            "parameter_std": dict(self.parameter_std),
            "relative_rmse": self.relative_rmse,
            "n_points": self.n_points,
            "bic": self.bic,
            "runner_up": self.runner_up,
            "delta_bic": self.delta_bic,
            "capacitances": [
                {
                    "element": c.element,
                    "role": c.role,
                    "capacitance_f": c.capacitance_f,
                    "reading": c.reading,
                }
                for c in self.capacitances
            ],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SpectrumFit:
        """Rebuild a fit from :meth:`to_dict` output."""
        return cls(
            circuit=str(d["circuit"]),
            resistance_ohm=float(d["resistance_ohm"]),
            resistance_std_ohm=float(d["resistance_std_ohm"]),
            resistance_ci95_ohm=(
                float(d["resistance_ci95_ohm"][0]),
                float(d["resistance_ci95_ohm"][1]),
            ),
            parameters={str(k): float(v) for k, v in d["parameters"].items()},
            parameter_std={str(k): float(v) for k, v in d.get("parameter_std", {}).items()},
            relative_rmse=float(d.get("relative_rmse", math.nan)),
            name=str(d.get("name", "custom")),
            resistance_kind=str(d.get("resistance_kind", "total")),
            resistance_terms=tuple(d.get("resistance_terms", ())),
            n_points=int(d.get("n_points", 0)),
            bic=float(d.get("bic", math.nan)),
            runner_up=d.get("runner_up"),
            delta_bic=None if d.get("delta_bic") is None else float(d["delta_bic"]),
            capacitances=tuple(
                Capacitance(c["element"], c["role"], float(c["capacitance_f"]), c["reading"])
                for c in d.get("capacitances", ())
            ),
            warnings=tuple(d.get("warnings", ())),
        )

    def impedance_at(self, frequency_hz: ArrayLike) -> NDArray[np.complex128]:
        """Fitted complex impedance (ohm) at ``frequency_hz`` (Hz), e.g. for plots."""
        circuit = parse(self.circuit)
        return circuit.impedance(
            frequency_hz, [self.parameters[n] for n in circuit.parameter_names]
        )

    def describe(self) -> str:
        """``arc-spur R0-p(R1,CPE1)-CPE2`` and, for an automatic choice, the runner-up."""
        text = self.circuit if self.name == "custom" else f"{self.name} {self.circuit}"
        if self.runner_up is not None and self.delta_bic is not None:
            text += f" (chosen by BIC; runner-up {self.runner_up}, ΔBIC = {self.delta_bic:.1f})"
        return text


# --- one circuit -----------------------------------------------------------------------------


@dataclass
class _Result:
    member: FamilyMember
    circuit: Circuit
    params: NDArray[np.float64]  # scaled units
    active: NDArray[np.bool_]  # parameters at a bound (held fixed for the covariance)
    rss: float
    n_residuals: int
    relative_rmse: float
    problem: str | None = None
    fit: SpectrumFit | None = None
    bic: float = math.inf


def _bounds(circuit: Circuit, largest: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bounds of the log-parameters; ``largest`` is the largest |Z| measured (scaled)."""
    low, high = [], []
    for name in circuit.parameter_names:
        if circuit.is_exponent(name):
            low.append(math.log(_ALPHA_LOW))
            high.append(0.0)
        elif element_kind(name.split("_")[0]) == "R":
            # A resistance far above every |Z| measured does not show in the data.
            low.append(math.log(_R_FLOOR))
            high.append(math.log(_R_CEILING * largest))
        else:
            low.append(-np.inf)
            high.append(np.inf)
    return np.array(low), np.array(high)


def _residual_function(circuit: Circuit, f: NDArray[np.float64], z: NDArray[np.complex128]) -> Any:
    weight = np.abs(z)
    data = np.concatenate([z.real / weight, z.imag / weight])

    def residual(log_p: NDArray[np.float64]) -> NDArray[np.float64]:
        model = circuit.impedance(f, np.exp(log_p))
        return np.concatenate([model.real / weight, model.imag / weight]) - data

    return residual


def _jacobian_function(circuit: Circuit, f: NDArray[np.float64], z: NDArray[np.complex128]) -> Any:
    weight = np.abs(z)[:, None]

    def jacobian(log_p: NDArray[np.float64]) -> NDArray[np.float64]:
        p = np.exp(log_p)
        _, d = circuit.impedance_and_jacobian(f, p)
        d = d * p  # d/d ln p
        return np.vstack([d.real / weight, d.imag / weight])

    return jacobian


def _fit_circuit(
    member: FamilyMember,
    f: NDArray[np.float64],
    z: NDArray[np.complex128],
    starts: Sequence[NDArray[np.float64]],
) -> _Result | None:
    from scipy.optimize import least_squares

    circuit = parse(member.notation)
    residual = _residual_function(circuit, f, z)
    jacobian = _jacobian_function(circuit, f, z)
    low, high = _bounds(circuit, float(np.max(np.abs(z))))

    def solve(x0: NDArray[np.float64], tolerance: float) -> Any:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = least_squares(
                    residual,
                    x0,
                    jac=jacobian,
                    bounds=(low, high),
                    method="trf",
                    xtol=tolerance,
                    ftol=tolerance,
                    gtol=tolerance,
                    max_nfev=50 * x0.size,
                )
        except (ValueError, np.linalg.LinAlgError):
            return None
        if not np.all(np.isfinite(result.x)) or not np.isfinite(result.cost):
            return None
        return result

    best = None
    # Every start runs to a loose tolerance; the best one is then polished.
    for start in starts:
        x0 = np.clip(np.log(np.maximum(start, 1e-300)), low + 1e-9, high - 1e-9)
        result = solve(x0, 1e-6)
        if result is not None and (best is None or result.cost < best.cost):
            best = result
    if best is None:
        return None
    polished = solve(np.clip(best.x, low + 1e-12, high - 1e-12), 1e-12)
    if polished is not None and polished.cost <= best.cost:
        best = polished
    with np.errstate(all="ignore"):
        params = np.exp(best.x)
    if not np.all(np.isfinite(params) & (params > 0)):
        return None  # a parameter ran off to 0 or infinity: no usable fit of this circuit
    r = residual(best.x)
    n_points = f.size
    relative_rmse = float(np.sqrt(np.sum(r**2) / n_points))
    active = (best.x <= low + 1e-6) | (best.x >= high - 1e-6)
    return _Result(member, circuit, params, active, float(r @ r), r.size, relative_rmse)


def _covariance(
    result: _Result, f: NDArray[np.float64], z: NDArray[np.complex128]
) -> NDArray[np.float64] | None:
    """Covariance of the parameters (scaled units) from the Jacobian at the solution.

    s² (JᵀJ)⁻¹ in log-parameters (central differences), mapped to the parameters; those at a
    bound (a CPE exponent at 1, a vanished R0) are held fixed.
    """
    x = np.log(result.params)
    free = np.flatnonzero(~result.active)
    k = result.params.size
    cov = np.zeros((k, k))
    if free.size == 0:
        return cov
    with np.errstate(all="ignore"):
        jac = _jacobian_function(result.circuit, f, z)(x)[:, free]
    dof = result.n_residuals - free.size
    if dof <= 0 or not np.all(np.isfinite(jac)):
        return None
    s2 = result.rss / dof
    normal = jac.T @ jac
    try:
        inverse = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(inverse)):
        return None
    p = result.params[free]
    cov[np.ix_(free, free)] = inverse * s2 * np.outer(p, p)
    return cov


# --- starting points -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Features:
    r_hf: float  # high-frequency intercept (scaled)
    r_low: float  # Re Z where the arcs end (scaled)
    arcs: tuple[tuple[float, float], ...]  # (R, tau) of processes, high frequency first
    spur_q: float
    spur_alpha: float
    warburg: float
    inductance: float


def _features(f: NDArray[np.float64], z: NDArray[np.complex128], drt: Any) -> _Features:
    omega = 2 * np.pi * f
    re_z, s = z.real, -z.imag
    r_hf = max(float(np.min(re_z[: max(3, f.size // 10)])), 1e-4)
    # Where the arcs end: the minimum of -Im Z below the largest arc, else the last point.
    arcs = [(p.resistance_ohm, p.tau_s) for p in drt.peaks]
    apex = int(np.argmax(s))
    junction = apex + int(np.argmin(s[apex:])) if apex < s.size - 1 else s.size - 1
    r_low = float(re_z[junction]) if junction > 0 else float(re_z[-1])
    if not arcs:
        arcs = [(max(r_low - r_hf, 0.1 * r_low), 1.0 / omega[min(apex, omega.size - 1)])]
    tail = slice(-4, None)
    s_tail = np.clip(s[tail], 1e-12, None)
    slope = np.polyfit(np.log(omega[tail]), np.log(s_tail), 1)[0]
    alpha = float(np.clip(-slope, 0.5, 1.0))
    q = math.sin(alpha * math.pi / 2) / (float(omega[-1]) ** alpha * float(s_tail[-1]))
    warburg = float(s_tail[-1]) * math.sqrt(float(omega[-1]))
    inductance = max(float(-s[0]), 1e-3 * r_hf) / float(omega[0])
    return _Features(r_hf, max(r_low, 2 * r_hf), tuple(arcs), q, alpha, warburg, inductance)


def _arc_sets(features: _Features, n_arcs: int) -> list[list[tuple[float, float]]]:
    """Candidate (R, tau) for the arcs: from the DRT peaks, and split around the largest."""
    peaks = sorted(features.arcs, key=lambda a: a[1])
    total = max(features.r_low - features.r_hf, 0.05 * features.r_low)
    out: list[list[tuple[float, float]]] = []
    if n_arcs == 1:
        biggest = max(peaks, key=lambda a: a[0])
        out.append([(total, biggest[1])])
        if abs(biggest[0] - total) > 0.2 * total:
            out.append([biggest])
    elif n_arcs == 2:
        if len(peaks) >= 2:
            two = sorted(sorted(peaks, key=lambda a: -a[0])[:2], key=lambda a: a[1])
            out.append(two)
        _r, tau = max(peaks, key=lambda a: a[0])
        for ratio in (10.0, 100.0):
            out.append(
                [(0.5 * total, tau / math.sqrt(ratio)), (0.5 * total, tau * math.sqrt(ratio))]
            )
    return out


def _starts(
    member: FamilyMember, features: _Features, guess: Mapping[str, float]
) -> list[NDArray[np.float64]]:
    circuit = parse(member.notation)
    out = []
    for arcs in _arc_sets(features, len(member.arcs)) or [[]]:
        for alpha in (0.9, 0.7):
            values: dict[str, float] = {}
            for element in circuit.elements:
                kind = element_kind(element)
                if element == "R0":
                    values["R0"] = max(features.r_hf, 1e-3 * features.r_low)
                elif element == "L0":
                    values["L0"] = features.inductance
                elif element == member.electrode:
                    if kind == "CPE":
                        values[f"{element}_0"] = features.spur_q
                        values[f"{element}_1"] = features.spur_alpha
                    elif kind == "W":
                        values[element] = features.warburg
                    else:
                        values[element] = features.spur_q
            for (r_name, c_name), (r, tau) in zip(member.arcs, arcs, strict=False):
                r = max(r, 1e-3 * features.r_low)
                values[r_name] = r
                if element_kind(c_name) == "CPE":
                    values[f"{c_name}_0"] = tau**alpha / r
                    values[f"{c_name}_1"] = alpha
                else:
                    values[c_name] = tau / r
            if member.electrode is None and not member.arcs and "R0" in values:
                values["R0"] = features.r_low
            for name in circuit.parameter_names:
                values.setdefault(name, 1.0)
            values.update({k: v for k, v in guess.items() if k in values})
            out.append(np.array([values[n] for n in circuit.parameter_names]))
        if not member.arcs:
            break
    return out


# --- the fit ---------------------------------------------------------------------------------


def _scale_back(circuit: Circuit, params: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Parameters fitted on Z/scale back in ohm, F, S·s^α, H."""
    out = params.copy()
    for i, name in enumerate(circuit.parameter_names):
        kind = element_kind(name.split("_")[0])
        if kind in ("R", "L", "W"):
            out[i] = params[i] * scale
        elif kind == "C" or (kind == "CPE" and name.endswith("_0")):
            out[i] = params[i] / scale
    return out


def _capacitances(
    member: FamilyMember, p: Mapping[str, float], f_max_hz: float
) -> tuple[list[Capacitance], list[str], list[str]]:
    """Each arc's and the electrode's capacitance; the electrolyte's arcs; the arcs above the window.

    The electrolyte ends where the electrode begins. An arc whose apex lies above the highest
    frequency measured shows in the data only as a series resistance (its semicircle is not in
    the window): it is the electrolyte's, as R0 is, whatever its capacitance; a circuit that
    draws R0 as such an arc must give the same resistance as one with R0. Of the arcs in the
    window, the first is always the electrolyte's (with a warning when its capacitance
    disagrees); a later one whose capacitance reads as an electrode's (charge transfer, an
    interface) and is at least the largest of the electrolyte arcs' before it is the
    electrode's, and so is everything after it. Capacitances grow from bulk to grain boundary to
    electrode: an arc with less capacitance than an earlier electrolyte arc is not the electrode
    (a tiny spurious first arc must not end the electrolyte before its main arc).
    """
    out = []
    above: list[str] = []
    for index, (r_name, c_name) in enumerate(member.arcs, start=1):
        r = p[r_name]
        if element_kind(c_name) == "CPE":
            q, alpha = p[f"{c_name}_0"], p[f"{c_name}_1"]
            c = (r ** (1 - alpha) * q) ** (1 / alpha)
            tau = (r * q) ** (1 / alpha)
        else:
            c = p[c_name]
            tau = r * c
        role = f"arc {index}"
        if 2 * math.pi * float(tau) * f_max_hz < 1:  # apex frequency 1/(2 pi tau) above f_max
            above.append(r_name)
            role += " (apex above the window: a series resistance)"
        out.append(Capacitance(c_name, role, c, capacitance_reading(c)))
    electrolyte: list[str] = []
    in_window = 0
    largest = 0.0
    for index, (r_name, _c) in enumerate(member.arcs):
        if r_name in above:
            electrolyte.append(r_name)
            continue
        c = out[index].capacitance_f
        if in_window and c >= ELECTRODE_MIN_F and c >= largest:
            for later in range(index, len(member.arcs)):
                cap = out[later]
                out[later] = Capacitance(
                    cap.element, f"electrode (arc {later + 1})", cap.capacitance_f, cap.reading
                )
            break
        electrolyte.append(r_name)
        in_window += 1
        largest = max(largest, c)
    if member.electrode is not None and element_kind(member.electrode) in ("CPE", "C"):
        series = p.get("R0", 0.0) + sum(p[r] for r, _ in member.arcs)
        if element_kind(member.electrode) == "CPE":
            q, alpha = p[f"{member.electrode}_0"], p[f"{member.electrode}_1"]
            c = q ** (1 / alpha) * series ** ((1 - alpha) / alpha)
        else:
            c = p[member.electrode]
        out.append(Capacitance(member.electrode, "electrode", c, capacitance_reading(c)))
    return out, electrolyte, above


def _finish(
    result: _Result,
    f: NDArray[np.float64],
    z: NDArray[np.complex128],
    scale: float,
    resistance: str,
) -> None:
    """Judge one fitted circuit: its resistance, interval, capacitances; or why not."""
    from scipy import stats

    member, circuit = result.member, result.circuit
    names = circuit.parameter_names
    if result.relative_rmse > _MAX_RELATIVE_RMSE:
        result.problem = f"rms misfit {result.relative_rmse:.0%} of |Z|".replace("%", " %")
        return
    for name, value, at_bound in zip(names, result.params, result.active, strict=True):
        if element_kind(name.split("_")[0]) == "R" and at_bound:
            where = "zero" if value < 10 * _R_FLOOR else "infinity"
            result.problem = (
                f"{name} went to {where} (the circuit has more elements than the data show)"
            )
            return
    cov_scaled = _covariance(result, f, z)
    if cov_scaled is None:
        result.problem = "its parameters cannot all be determined from this spectrum"
        return
    p = _scale_back(circuit, result.params, scale)
    factors = _scale_back(circuit, np.ones_like(result.params), scale)
    cov = cov_scaled * np.outer(factors, factors)
    p, cov = _order_arcs(member, circuit, p, cov)
    by_name = dict(zip(names, p, strict=True))
    capacitances, electrolyte, above = _capacitances(member, by_name, float(np.max(f)))
    terms = (["R0"] if "R0" in by_name else []) + electrolyte
    if resistance == "bulk":
        # An arc above the window is a series resistance, as R0 is: the bulk arc of a fast
        # conductor lies above 1 MHz.
        bulk_arcs = [
            r
            for (r, _c), cap in zip(member.arcs, capacitances, strict=False)
            if cap.capacitance_f < BULK_MAX_F or r in above
        ]
        terms = (["R0"] if "R0" in by_name else []) + bulk_arcs
        if not terms:
            result.problem = "no bulk process: no series R0 and no arc with a bulk (pF) capacitance"
            return
    pick = np.array([n in terms for n in names], dtype=float)
    value = float(pick @ p)
    variance = float(pick @ cov @ pick)
    std = math.sqrt(variance) if variance > 0 else 0.0
    dof = result.n_residuals - int(np.sum(~result.active))
    half = float(stats.t.ppf(0.975, max(dof, 1))) * std
    if not math.isfinite(half) or half >= value:
        result.problem = f"R = {value:.4g} ohm is undetermined (95 % interval ± {half:.3g} ohm)"
        return
    warn = []
    for cap in capacitances:
        if cap.role.startswith("arc") and cap.capacitance_f >= ELECTRODE_MIN_F:
            r_name = member.arcs[int(cap.role.split()[1]) - 1][0]
            if r_name in terms:
                warn.append(
                    f"{cap.role} ({r_name}) has an electrode-like capacitance "
                    f"({_format_farad(cap.capacitance_f)}); it may be the electrode interface, "
                    "not the electrolyte: check the DRT (--drt), or the bulk may lie above the "
                    "window (then R0 is the electrolyte: --resistance bulk)"
                )
    std_all = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    n = result.n_residuals
    k = result.params.size  # a parameter that ended at a bound was still chosen by the fit
    result.bic = n * math.log(max(result.rss, 1e-300) / n) + k * math.log(n)
    result.fit = SpectrumFit(
        circuit=circuit.notation,
        resistance_ohm=value,
        resistance_std_ohm=std,
        resistance_ci95_ohm=(value - half, value + half),
        parameters={n_: float(v) for n_, v in zip(names, p, strict=True)},
        parameter_std={n_: float(v) for n_, v in zip(names, std_all, strict=True)},
        relative_rmse=result.relative_rmse,
        name=member.name,
        resistance_kind=resistance,
        resistance_terms=tuple(terms),
        n_points=int(f.size),
        bic=result.bic,
        capacitances=tuple(capacitances),
        warnings=tuple(warn),
    )


def _order_arcs(
    member: FamilyMember, circuit: Circuit, p: NDArray[np.float64], cov: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Number the arcs from high to low frequency (arcs in series may come out swapped)."""
    if len(member.arcs) < 2:
        return p, cov
    names = list(circuit.parameter_names)
    slots = []
    for r_name, c_name in member.arcs:
        if element_kind(c_name) == "CPE":
            cols = [names.index(r_name), names.index(f"{c_name}_0"), names.index(f"{c_name}_1")]
        else:
            cols = [names.index(r_name), names.index(c_name)]
        slots.append(cols)
    if len({len(c) for c in slots}) != 1:
        return p, cov  # arcs of different kinds: keep them as given

    def tau(cols: list[int]) -> float:
        r, q = p[cols[0]], p[cols[1]]
        alpha = p[cols[2]] if len(cols) == 3 else 1.0
        return float((r * q) ** (1 / alpha))

    order = sorted(range(len(slots)), key=lambda i: tau(slots[i]))
    permutation = list(range(len(names)))
    for target, source in enumerate(order):
        for a, b in zip(slots[target], slots[source], strict=True):
            permutation[a] = b
    return p[permutation], cov[np.ix_(permutation, permutation)]


def _parse_guess(guess: Mapping[str, Any] | None) -> dict[str, float]:
    from matdoe import units

    out: dict[str, float] = {}
    for key, raw in (guess or {}).items():
        name = key.strip()
        try:
            kind = element_kind(name.split("_")[0])
        except InvalidRecordError:
            raise InvalidRecordError(
                f"--guess {name}: not a parameter; name one as in the circuit, e.g. R1=2000, "
                "CPE1_0=1e-8, CPE1_1=0.9"
            ) from None
        if kind == "R":
            value = units.parse(raw, "resistance", name=f"--guess {name}", bare_unit="ohm")
        else:
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise InvalidRecordError(
                    f"--guess {name}={raw!r}: give a number in the element's unit "
                    "(F for C, S·s^α for CPE_0, 1 for CPE_1, H for L)"
                ) from None
        if not (math.isfinite(value) and value > 0) or (name.endswith("_1") and value > 1):
            limit = "in (0, 1]" if name.endswith("_1") else "positive"
            raise InvalidRecordError(f"--guess {name} = {raw!r} must be {limit}")
        out[name] = value
    return out


def fit_spectrum(
    spectrum: Spectrum,
    circuit: str = DEFAULT_CIRCUIT,
    *,
    initial_guess: Sequence[float] | None = None,
    guess: Mapping[str, Any] | None = None,
    resistance: str = "total",
    inductor: bool | None = False,
    drt: Any = None,
) -> SpectrumFit:
    """Fit a circuit (or choose one from the pellet family) and return the resistance for sigma.

    Args:
        spectrum: The spectrum (cleaned: see :func:`matdoe.eis.cleaning.clean_spectrum`).
        circuit: ``"auto"`` (default: choose from :data:`~matdoe.eis.circuits.FAMILY` by BIC),
            a family name (``"arc-spur"``), or a circuit in impedance.py notation.
        initial_guess: Start values for every parameter in order (one circuit only).
        guess: Start values of some parameters by name, e.g. ``{"R1": 2000}`` (R in ohm,
            or with a unit: ``"2kOhm"``); used by every circuit that has them.
        resistance: ``"total"`` (default) or ``"bulk"`` (see the module docstring).
        inductor: Add a series inductor L0 for the leads (True: the spectrum kept its
            inductive points), none (False), or (None, what ``measure eis`` does) refit the
            three best circuits with L0 and let BIC decide: the leads' inductance bends the
            highest frequencies even where -Im Z stays positive.
        drt: The spectrum's :class:`~matdoe.eis.drt.DRT`, if already computed.

    Returns:
        The fit; for ``"auto"`` the chosen circuit, with the runner-up.

    Raises:
        FitError: No circuit describes the spectrum (the message names the spectrum once,
            says why and what to try).
        InvalidRecordError: Malformed circuit, guess or resistance kind.
    """
    from matdoe.eis.drt import distribution_of_relaxation_times

    name = spectrum.source or "spectrum"
    if resistance not in RESISTANCE_KINDS:
        raise InvalidRecordError(
            f"unknown resistance {resistance!r}; use total (every resistance before the "
            "electrode element) or bulk"
        )
    check_values(name, spectrum)
    ordered = spectrum.descending()
    f = ordered.frequency_hz
    z_ohm = ordered.impedance_ohm
    scale = float(np.median(np.abs(z_ohm)))
    if not scale > 0:
        raise FitError(f"{name}: |Z| is zero; check the cell contacts")
    z = z_ohm / scale
    if np.max(-z.imag) < 0.05 * np.max(np.abs(z)):
        raise FitError(
            f"{name}: no capacitive arc (-Im Z never exceeds 5 % of |Z|); the spectrum looks like "
            "a plain resistor or a short circuit, check the cell contacts"
        )
    text = circuit.replace(" ", "")
    members = list(FAMILY) if text == "auto" else [family_member(text)]
    if inductor:
        members = [m if m.notation.startswith("L0-") else m.with_inductor() for m in members]
    guesses = _parse_guess(guess)
    for key in guesses:
        if not any(key in parse(m.notation).parameter_names for m in members):
            raise InvalidRecordError(
                f"--guess {key}: no such parameter in {members[0].notation if len(members) == 1 else 'the family'}"
                f" (parameters: {', '.join(parse(members[0].notation).parameter_names)})"
            )
    if initial_guess is not None:
        if len(members) != 1:
            raise InvalidRecordError("initial_guess needs one circuit, not circuit='auto'")
        names = parse(members[0].notation).parameter_names
        values = [float(x) for x in initial_guess]
        if len(values) != len(names):
            raise InvalidRecordError(
                f"initial_guess has {len(values)} values but {members[0].notation} has "
                f"{len(names)} parameters ({', '.join(names)})"
            )
        for param, value in zip(names, values, strict=True):
            is_alpha = parse(members[0].notation).is_exponent(param)
            if not (math.isfinite(value) and value > 0) or (is_alpha and value > 1):
                limit = "in (0, 1]" if is_alpha else "positive"
                raise InvalidRecordError(f"initial_guess: {param} = {value!r} must be {limit}")
    scaled_spectrum = Spectrum(f, z.real, z.imag, name, "", "")
    view = drt if drt is not None else distribution_of_relaxation_times(scaled_spectrum)
    if drt is not None:
        view = _scaled_drt(drt, scale)
    features = _features(f, z, view)
    results: list[_Result] = []
    for member in members:
        if initial_guess is not None:
            unit_factors = _scale_back(parse(member.notation), np.ones(len(values)), scale)
            starts = [np.asarray(values) / unit_factors]
        else:
            scaled_guess = {}
            factors = dict(
                zip(
                    parse(member.notation).parameter_names,
                    _scale_back(
                        parse(member.notation), np.ones(parse(member.notation).n_parameters), scale
                    ),
                    strict=True,
                )
            )
            for key, value in guesses.items():
                if key in factors:
                    scaled_guess[key] = value / factors[key]
            starts = _starts(member, features, scaled_guess)
        result = _fit_circuit(member, f, z, starts)
        if result is None:
            continue
        _finish(result, f, z, scale, resistance)
        results.append(result)
    if inductor is None:
        # The leads' inductance bends the highest frequencies even where -Im Z stays positive:
        # the best few circuits are refitted with a series L0, started from their solution.
        ranked = sorted(results, key=lambda r: (r.fit is None, r.bic, r.relative_rmse))
        for result in ranked[:_INDUCTOR_CANDIDATES]:
            member = result.member.with_inductor()
            starts = [
                np.concatenate([[lead], result.params])
                for lead in (features.inductance, 1e-3 * features.inductance)
            ]
            refit = _fit_circuit(member, f, z, starts)
            if refit is not None:
                _finish(refit, f, z, scale, resistance)
                results.append(refit)
    if len(members) == 1 and results and "R0 went to zero" in (results[0].problem or ""):
        # R0 -> 0 is a result: the arc starts at the origin; fit the circuit without R0.
        origin = [m for m in FAMILY if m.name == f"{members[0].name.removesuffix('+L')}-origin"]
        if origin:
            member = origin[0].with_inductor() if members[0].name.endswith("+L") else origin[0]
            result = _fit_circuit(member, f, z, _starts(member, features, {}))
            if result is not None:
                _finish(result, f, z, scale, resistance)
                results.append(result)
    good = sorted((r for r in results if r.fit is not None), key=lambda r: r.bic)
    if not good:
        raise FitError(_failure(name, text, results, resistance))
    chosen = good[0]
    assert chosen.fit is not None
    if len(good) > 1 and text == "auto":
        second = good[1]
        return _replace(
            _model_averaged(name, good, f.size),
            runner_up=f"{second.member.name} {second.circuit.notation}",
            delta_bic=second.bic - chosen.bic,
        )
    return chosen.fit


def _model_averaged(name: str, good: list[_Result], n_points: int) -> SpectrumFit:
    """The best circuit's fit with its interval widened by the rivals, or refused.

    Refused (:class:`FitError`) when the widening alone brings the interval's lower bound to
    zero or below: circuits the data do not rule out then disagree so much on R that no single
    value can be given.
    """
    fit = good[0].fit
    assert fit is not None
    averaged = _with_model_uncertainty(fit, good, n_points)
    if averaged.resistance_ci95_ohm[0] <= 0 < fit.resistance_ci95_ohm[0]:
        raise FitError(_disagreement(name, good))
    return averaged


def _disagreement(name: str, good: list[_Result]) -> str:
    """Why no resistance is given when circuits the data do not rule out disagree on it."""
    best = good[0]
    assert best.fit is not None
    rivals = [r for r in good[1:] if r.bic - best.bic < _RULED_OUT_DELTA_BIC]
    other = max(rivals, key=lambda r: abs(r.fit.resistance_ohm - best.fit.resistance_ohm))  # type: ignore[union-attr]
    assert other.fit is not None
    return (
        f"{name}: circuits {best.member.name} (R = {best.fit.resistance_ohm:.4g} ohm) and "
        f"{other.member.name} (R = {other.fit.resistance_ohm:.4g} ohm) describe the spectrum "
        f"about equally well (ΔBIC = {other.bic - best.bic:.1f}) and disagree on R; look at "
        "the plot and the DRT (--plot, --drt) and name one with --circuit, or crop with "
        "--fmin/--fmax"
    )


def _with_model_uncertainty(fit: SpectrumFit, good: list[_Result], n_points: int) -> SpectrumFit:
    """Widen the interval by the spread of R among circuits the data do not rule out.

    Each circuit within ΔBIC < 6 of the best (beyond that the evidence against it is strong,
    Kass & Raftery, J. Am. Stat. Assoc. 90 (1995) 773) gets the weight exp(−ΔBIC/2), its
    approximate posterior probability; the variance adds Σ w_i (R_i − R)² to the chosen
    circuit's own, so that when two circuits describe the spectrum about equally well and
    disagree on R, the interval says so.
    """
    from scipy import stats

    best = good[0].bic
    spread = 0.0
    total = 0.0
    for result in good:
        assert result.fit is not None
        if result.bic - best >= _RULED_OUT_DELTA_BIC:
            continue
        weight = math.exp(-(result.bic - best) / 2)
        total += weight
        spread += weight * (result.fit.resistance_ohm - fit.resistance_ohm) ** 2
    extra = spread / total
    if extra <= 0:
        return fit
    std = math.sqrt(fit.resistance_std_ohm**2 + extra)
    _low, high = fit.resistance_ci95_ohm
    t = (
        (high - fit.resistance_ohm) / fit.resistance_std_ohm
        if fit.resistance_std_ohm
        else float(stats.norm.ppf(0.975))
    )
    half = t * std
    return _replace(
        fit,
        resistance_std_ohm=std,
        resistance_ci95_ohm=(fit.resistance_ohm - half, fit.resistance_ohm + half),
    )


def _scaled_drt(drt: Any, scale: float) -> Any:
    from matdoe.eis.drt import DRT, DRTPeak

    return DRT(
        drt.tau_s,
        drt.gamma_ohm / scale,
        drt.r_inf_ohm / scale,
        tuple(DRTPeak(p.tau_s, p.frequency_hz, p.resistance_ohm / scale) for p in drt.peaks),
        drt.window_s,
    )


def _replace(fit: SpectrumFit, **changes: Any) -> SpectrumFit:
    from dataclasses import replace

    return replace(fit, **changes)


def _failure(name: str, circuit: str, results: list[_Result], resistance: str) -> str:
    """One line: the spectrum, why no circuit was taken, and what to try next."""
    if not results:
        why = "no fit converged"
    else:
        best = min(results, key=lambda r: r.relative_rmse)
        why = f"best {best.member.name} {best.circuit.notation}: {best.problem}"
    if circuit == "auto":
        what = "no circuit of the pellet family describes the spectrum"
        hint = (
            "check the data (the Kramers–Kronig line, the plot), crop it with --fmin/--fmax, "
            "or give a circuit with --circuit and a start with --guess R1=..."
        )
    else:
        what = f"circuit {circuit} does not fit"
        hint = "try --circuit auto, another circuit, a start with --guess R1=..., or crop with --fmin/--fmax"
    if resistance == "bulk" and any("no bulk process" in (r.problem or "") for r in results):
        hint = "use --resistance total, or measure to higher frequency to resolve the bulk arc"
    return f"{name}: {what} ({why}); {hint}"
