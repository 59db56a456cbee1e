"""Before a fit: crop to a frequency window, trim the leads' inductance, test Kramers–Kronig.

**Inductive points.** Above about 1 MHz the leads' inductance (of order 0.1–1 µH) makes −Im Z
negative. No element of a pellet's circuit (resistors, capacitive arcs, a blocking electrode)
gives −Im Z < 0, so those points cannot be fitted without an inductor. By default the run of
inductive points at the high-frequency end is trimmed and counted; ``keep_inductive=True``
keeps them and the fit adds a series inductor L0 instead.

**Kramers–Kronig.** A spectrum of a linear, causal, stable system obeys the Kramers–Kronig
relations; drift during the sweep (a pellet still heating) or a non-linear response breaks
them. The test is lin-KK (Schönleber et al., Electrochim. Acta 131 (2014) 20), as in
impedance.py:
a chain of RC elements with fixed time constants is fitted to the spectrum, and its residuals,
relative to |Z|, show which points no causal system reproduces. A residual whose rms exceeds
:data:`KK_WARNING_RMS` (2 %: twice the 1 % noise of a good analyser on a pellet) is warned
about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matdoe.eis.spectrum import MIN_POINTS, Spectrum
from matdoe.errors import InvalidRecordError

__all__ = [
    "KK_WARNING_RMS",
    "Cleaned",
    "KramersKronig",
    "clean_spectrum",
    "kramers_kronig",
]

#: rms of the lin-KK residuals (relative to |Z|) above which a spectrum is warned about.
KK_WARNING_RMS = 0.02


@dataclass(frozen=True)
class Cleaned:
    """A spectrum ready for fitting and what was taken out of it.

    Attributes:
        spectrum: The points kept, from the highest frequency to the lowest.
        trimmed_inductive: Points trimmed at the high-frequency end for −Im Z < 0.
        cropped: Points outside ``fmin``–``fmax``.
        keep_inductive: Whether inductive points were kept (the fit then adds L0).
    """

    spectrum: Spectrum
    trimmed_inductive: int
    cropped: int
    keep_inductive: bool

    @property
    def inductive(self) -> bool:
        """Whether the kept spectrum still has inductive points (only with keep_inductive)."""
        return bool(np.any(self.spectrum.z_imag_ohm > 0))


def clean_spectrum(
    spectrum: Spectrum,
    *,
    keep_inductive: bool = False,
    fmin_hz: float | None = None,
    fmax_hz: float | None = None,
) -> Cleaned:
    """Crop to ``fmin_hz``–``fmax_hz`` and trim the inductive high-frequency points.

    Only the contiguous run of points with −Im Z < 0 from the highest frequency down is
    trimmed: that is the leads' inductance. A single negative point further down (noise where
    the arc meets the real axis) carries the intercept and stays.

    Raises:
        InvalidRecordError: ``fmin_hz`` not below ``fmax_hz``, or fewer than
            :data:`~matdoe.eis.spectrum.MIN_POINTS` points left.
    """
    name = spectrum.source or "spectrum"
    ordered = spectrum.descending()
    f = ordered.frequency_hz
    if fmin_hz is not None and fmax_hz is not None and not fmin_hz < fmax_hz:
        raise InvalidRecordError(f"--fmin {fmin_hz:g} Hz must be below --fmax {fmax_hz:g} Hz")
    window = np.ones(f.size, dtype=bool)
    if fmin_hz is not None:
        window &= f >= fmin_hz * (1 - 1e-9)
    if fmax_hz is not None:
        window &= f <= fmax_hz * (1 + 1e-9)
    cropped = int(np.sum(~window))
    kept = ordered.select(
        window, f"cropped {cropped} points outside the window" if cropped else None
    )
    trimmed = 0
    if not keep_inductive:
        inductive = kept.z_imag_ohm > 0
        while trimmed < inductive.size and inductive[trimmed]:
            trimmed += 1
        if trimmed:
            keep = np.arange(len(kept)) >= trimmed
            kept = kept.select(
                keep,
                f"trimmed {trimmed} inductive points (-Im Z < 0) above "
                f"{kept.frequency_hz[trimmed]:.3g} Hz",
            )
    if len(kept) < MIN_POINTS:
        why = []
        if cropped:
            why.append(f"{cropped} outside the frequency window")
        if trimmed:
            why.append(f"{trimmed} inductive")
        raise InvalidRecordError(
            f"{name}: only {len(kept)} points left after removing {' and '.join(why)}; need "
            f"{MIN_POINTS}; widen --fmin/--fmax"
            + (" or fit the inductance with --keep-inductive" if trimmed else "")
        )
    return Cleaned(kept, trimmed, cropped, keep_inductive)


@dataclass(frozen=True)
class KramersKronig:
    """The lin-KK validity test of one spectrum.

    Attributes:
        n_rc: Number of RC elements lin-KK settled on.
        residual_rms: rms over points of the residuals of Re and Im, relative to |Z|.
        residual_max: Largest residual, relative to |Z|.
        valid: ``residual_rms <= KK_WARNING_RMS``.
    """

    n_rc: int
    residual_rms: float
    residual_max: float

    @property
    def valid(self) -> bool:
        """Whether the residual is within :data:`KK_WARNING_RMS`."""
        return self.residual_rms <= KK_WARNING_RMS

    def describe(self) -> str:
        """One line: ``Kramers–Kronig residual 0.9 % rms (ok, threshold 2 %)``."""
        verdict = (
            "ok"
            if self.valid
            else "WARNING: above the threshold; the spectrum may have drifted during the sweep"
        )
        return (
            f"Kramers–Kronig (lin-KK, {self.n_rc} RC): residual {self.residual_rms:.1%} rms, "
            f"max {self.residual_max:.1%} ({verdict}, threshold {KK_WARNING_RMS:.0%})"
        ).replace("%", " %")


def kramers_kronig(spectrum: Spectrum, *, c: float = 0.85, max_rc: int = 50) -> KramersKronig:
    """The lin-KK test of Schönleber et al. (2014) on a spectrum.

    The model is R + jωL + 1/(jωC) + Σ R_k/(1 + jωτ_k) with M time constants τ_k spread
    logarithmically from 1/ω_max to 1/ω_min, fitted by *linear* least squares (each point
    weighted by 1/|Z|) to Re and Im together; the capacitor takes a blocking spur, the
    inductor the leads. M grows from 1 until the measure of over-fitting
    μ = 1 − Σ|R_k < 0| / Σ|R_k ≥ 0| falls below ``c`` (0.85, the authors' choice).

    This is the algorithm of impedance.py's ``linKK`` (``fit_type="complex"``,
    ``add_cap=True``), written here because impedance.py 1.7's own function fails on numpy 2
    (it builds its circuit by evaluating the text of numpy floats).

    >>> from matdoe.eis.spectrum import synthetic_spectrum
    >>> kramers_kronig(synthetic_spectrum(100.0, noise_rel=0.0)).residual_rms < 0.005
    True
    """
    f = spectrum.frequency_hz
    z = spectrum.impedance_ohm
    scale = float(np.median(np.abs(z)))  # relative residuals; keeps huge values finite
    zs = z / scale
    omega = 2 * np.pi * f
    weight = 1.0 / np.abs(zs)
    tau_min, tau_max = 1.0 / omega.max(), 1.0 / omega.min()
    best = None
    for m in range(1, max_rc + 1):
        tau = np.logspace(np.log10(tau_min), np.log10(tau_max), m) if m > 1 else np.array([tau_min])
        columns = [
            np.ones_like(omega, dtype=complex),
            1j * omega * tau_min,  # inductance, scaled so the columns are of order one
            1.0 / (1j * omega * tau_max),  # series capacitance (its inverse, scaled)
            *(1.0 / (1.0 + 1j * omega * t) for t in tau),
        ]
        design = np.column_stack(columns)
        a = np.vstack([(design.real.T * weight).T, (design.imag.T * weight).T])
        b = np.concatenate([zs.real * weight, zs.imag * weight])
        x, *_ = np.linalg.lstsq(a, b, rcond=None)
        r_k = x[3:]
        positive = float(np.sum(np.abs(r_k[r_k >= 0])))
        negative = float(np.sum(np.abs(r_k[r_k < 0])))
        mu = 1.0 - negative / positive if positive > 0 else 1.0
        best = (m, design @ x)
        if mu <= c:
            break
    assert best is not None
    m, z_fit = best
    residual = (zs - z_fit) / np.abs(zs)
    values = np.concatenate([residual.real, residual.imag])
    rms = float(np.sqrt(np.mean(values**2)))
    return KramersKronig(int(m), rms, float(np.max(np.abs(values))))
