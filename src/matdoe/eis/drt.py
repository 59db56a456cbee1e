"""Distribution of relaxation times (DRT): how many processes a spectrum holds.

The spectrum is written as a series resistance, a series capacitance (the blocking
electrode's spur) and a continuous chain of RC elements,

    Z(ω) = R∞ + 1/(jωC) + Σ_k γ_k Δln τ / (1 + jωτ_k),

on a grid of time constants τ (10 per decade, a decade beyond the measured window on each side),
and γ ≥ 0 is found by non-negative least squares with a second-difference (Tikhonov) penalty,
each point weighted by 1/|Z|. Every separated process is a peak of γ(τ) at τ = RC, whose area
is its resistance. A CPE arc gives a broadened peak; a CPE spur, which a capacitor describes
only roughly, leaves a rising tail at the longest τ, outside the window.

This is the view ``--drt`` plots, so the circuit that ``--circuit auto`` chose can be checked by
eye; the peaks also seed the starting points of the two-arc fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matdoe.eis.spectrum import Spectrum

__all__ = ["DRT", "DRTPeak", "distribution_of_relaxation_times"]

#: Tikhonov weight on the second difference of γ, in units of the |Z|-weighted residual.
REGULARIZATION = 0.2
#: A peak counts when its prominence is at least this fraction of the tallest in the window.
PEAK_FRACTION = 0.1


@dataclass(frozen=True)
class DRTPeak:
    """One process of the spectrum.

    Attributes:
        tau_s: Time constant at the maximum (s).
        frequency_hz: 1/(2πτ) (Hz), where the process shows in the spectrum.
        resistance_ohm: Area of the peak (ohm).
    """

    tau_s: float
    frequency_hz: float
    resistance_ohm: float


@dataclass(frozen=True, eq=False)
class DRT:
    """A distribution of relaxation times.

    Attributes:
        tau_s: The grid of time constants (s), ascending.
        gamma_ohm: γ(τ) (ohm per unit ln τ).
        r_inf_ohm: The series resistance R∞ (ohm).
        peaks: Processes inside the measured window, high frequency first.
        window_s: The measured window as time constants 1/(2π f) (s): (shortest, longest).
    """

    tau_s: NDArray[np.float64]
    gamma_ohm: NDArray[np.float64]
    r_inf_ohm: float
    peaks: tuple[DRTPeak, ...]
    window_s: tuple[float, float]

    def describe(self) -> str:
        """One line: ``DRT: 2 processes, at 1.2e+05 Hz (R ≈ 12 ohm) and 310 Hz (R ≈ 80 ohm)``."""
        if not self.peaks:
            return "DRT: no process inside the frequency window"
        parts = [f"{p.frequency_hz:.3g} Hz (R ≈ {p.resistance_ohm:.3g} ohm)" for p in self.peaks]
        noun = "process" if len(parts) == 1 else "processes"
        return f"DRT: {len(parts)} {noun}, at " + ", ".join(parts)


def distribution_of_relaxation_times(
    spectrum: Spectrum, *, regularization: float = REGULARIZATION
) -> DRT:
    """The DRT of a spectrum (see the module docstring).

    >>> from matdoe.eis.spectrum import simulate
    >>> s = simulate("R0-p(R1,C1)-p(R2,C2)", [5, 50, 1e-7, 200, 1e-5], noise_rel=0)
    >>> [(round(p.frequency_hz, -1), round(p.resistance_ohm)) for p in
    ...  distribution_of_relaxation_times(s).peaks]  # true: 31.8 kHz, 50 ohm; 80 Hz, 200 ohm
    [(31620.0, 50), (80.0, 204)]
    """
    from scipy.optimize import nnls

    f = spectrum.frequency_hz
    z = spectrum.impedance_ohm
    scale = float(np.median(np.abs(z)))
    zs = z / scale
    omega = 2.0 * np.pi * f
    shortest, longest = 1.0 / (2 * np.pi * f.max()), 1.0 / (2 * np.pi * f.min())
    decades = np.log10(longest / shortest) + 2.0
    n_tau = int(np.ceil(decades * 10)) + 1
    tau = np.logspace(np.log10(shortest) - 1, np.log10(longest) + 1, n_tau)
    d_ln_tau = float(np.log(tau[1] / tau[0]))
    kernel = 1.0 / (1.0 + 1j * np.outer(omega, tau)) * d_ln_tau
    # The electrode: a capacitor and a CPE with the exponent of the low-frequency slope, so
    # that a blocking spur is not mistaken for a chain of slow processes.
    omega_low = float(omega.min())
    alpha = _spur_exponent(omega, -zs.imag)
    columns = [np.ones_like(omega, dtype=complex), omega_low / (1j * omega)]
    if alpha is not None:
        columns.append((1j * omega / omega_low) ** (-alpha))
    n_extra = len(columns)
    design = np.column_stack([*columns, kernel])
    weight = 1.0 / np.abs(zs)
    a = np.vstack([(design.real.T * weight).T, (design.imag.T * weight).T])
    b = np.concatenate([zs.real * weight, zs.imag * weight])
    second = np.zeros((n_tau - 2, n_tau + n_extra))
    for k in range(n_tau - 2):
        second[k, n_extra + k : n_extra + k + 3] = [1.0, -2.0, 1.0]
    a_full = np.vstack([a, regularization * second])
    b_full = np.concatenate([b, np.zeros(n_tau - 2)])
    x, _ = nnls(a_full, b_full, maxiter=50 * (n_tau + n_extra))
    gamma = x[n_extra:] * scale
    peaks = _peaks(tau, gamma, d_ln_tau, shortest, longest)
    return DRT(tau, gamma, float(x[0] * scale), peaks, (shortest, longest))


def _spur_exponent(omega: NDArray[np.float64], neg_im: NDArray[np.float64]) -> float | None:
    """The exponent of a capacitive spur from the slope of log(−Im Z) at the lowest frequencies."""
    order = np.argsort(omega)
    low = order[:5]
    if np.any(neg_im[low] <= 0):
        return None
    slope = float(np.polyfit(np.log(omega[low]), np.log(neg_im[low]), 1)[0])
    if not -1.05 <= slope <= -0.3:
        return None
    return min(-slope, 1.0)


def _peaks(
    tau: NDArray[np.float64],
    gamma: NDArray[np.float64],
    d_ln_tau: float,
    shortest: float,
    longest: float,
) -> tuple[DRTPeak, ...]:
    from scipy.signal import find_peaks

    inside = (tau >= shortest) & (tau <= longest)
    if not inside.any() or gamma[inside].max() <= 0:
        return ()
    # A process is a peak that stands out from its neighbours by a tenth of the tallest one:
    # the ripples of a regularised CPE arc do not.
    index, _ = find_peaks(gamma, prominence=PEAK_FRACTION * float(gamma[inside].max()))
    out = []
    for k in index:
        if not inside[k]:
            continue
        lo = k
        while lo > 0 and gamma[lo - 1] <= gamma[lo]:
            lo -= 1
        hi = k
        while hi < tau.size - 1 and gamma[hi + 1] <= gamma[hi]:
            hi += 1
        area = float(np.sum(gamma[lo : hi + 1]) * d_ln_tau)
        out.append(DRTPeak(float(tau[k]), float(1 / (2 * np.pi * tau[k])), area))
    return tuple(out)
