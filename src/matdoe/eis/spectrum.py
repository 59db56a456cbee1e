"""The impedance spectrum as a value, and simulated spectra with a known truth.

>>> s = synthetic_spectrum(100.0, noise_rel=0.0)
>>> len(s), s.fmt
(61, 'simulated')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.errors import InvalidRecordError

__all__ = [
    "MIN_POINTS",
    "Spectrum",
    "simulate",
    "synthetic_spectrum",
]

MIN_POINTS = 10
"""Fewest points a spectrum may have: the one-arc-and-spur circuit has 6 parameters."""


def _float_array(values: ArrayLike) -> NDArray[np.float64]:
    array = np.array(values, dtype=float).reshape(-1)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Spectrum:
    """An impedance spectrum.

    Attributes:
        frequency_hz: Frequencies (Hz), in file order.
        z_real_ohm: Re Z (ohm).
        z_imag_ohm: Im Z (ohm), signed: negative for capacitive arcs.
        source: File name (not a full path) or ``"synthetic"``.
        columns: What was read from the file, e.g.
            ``"freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm (sign flipped)"``.
        sha256: SHA-256 of the raw file bytes (``""`` for synthetic spectra).
        temperature_k: The temperature (K) from a temperature column of the file, when it has
            one (its median; the column must not vary by more than 2 K), else None.
        fmt: The file format it was read as (``"csv"``, ``"biologic"``, ...), or
            ``"simulated"``.
        notes: What was done while reading, e.g. rows dropped for a frequency of 0 Hz.
    """

    frequency_hz: NDArray[np.float64]
    z_real_ohm: NDArray[np.float64]
    z_imag_ohm: NDArray[np.float64]
    source: str
    columns: str
    sha256: str
    temperature_k: float | None = None
    fmt: str = "csv"
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("frequency_hz", "z_real_ohm", "z_imag_ohm"):
            object.__setattr__(self, name, _float_array(getattr(self, name)))
        object.__setattr__(self, "notes", tuple(self.notes))
        n = self.frequency_hz.size
        if self.z_real_ohm.size != n or self.z_imag_ohm.size != n:
            raise InvalidRecordError(
                f"{self.source}: frequency, Re Z and Im Z have different lengths "
                f"({n}, {self.z_real_ohm.size}, {self.z_imag_ohm.size})"
            )

    @property
    def impedance_ohm(self) -> NDArray[np.complex128]:
        """Complex impedance Z = Re Z + j Im Z (ohm)."""
        return self.z_real_ohm + 1j * self.z_imag_ohm

    def __len__(self) -> int:
        return int(self.frequency_hz.size)

    def select(self, keep: NDArray[np.bool_], note: str | None = None) -> Spectrum:
        """The spectrum with only the points where ``keep`` is True (and a note on why)."""
        return Spectrum(
            self.frequency_hz[keep],
            self.z_real_ohm[keep],
            self.z_imag_ohm[keep],
            self.source,
            self.columns,
            self.sha256,
            self.temperature_k,
            self.fmt,
            (*self.notes, note) if note else self.notes,
        )

    def descending(self) -> Spectrum:
        """The same points ordered from the highest frequency to the lowest."""
        order = np.argsort(-self.frequency_hz, kind="stable")
        return Spectrum(
            self.frequency_hz[order],
            self.z_real_ohm[order],
            self.z_imag_ohm[order],
            self.source,
            self.columns,
            self.sha256,
            self.temperature_k,
            self.fmt,
            self.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (lists of floats), for storing in the database."""
        return {
            "frequency_hz": self.frequency_hz.tolist(),
            "z_real_ohm": self.z_real_ohm.tolist(),
            "z_imag_ohm": self.z_imag_ohm.tolist(),
            "source": self.source,
            "columns": self.columns,
            "sha256": self.sha256,
            "temperature_k": self.temperature_k,
            "fmt": self.fmt,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Spectrum:
        """Rebuild a spectrum from :meth:`to_dict` output.

        Raises:
            InvalidRecordError: A key is missing or the values are not a valid spectrum.
        """
        required = ("frequency_hz", "z_real_ohm", "z_imag_ohm")
        missing = [k for k in required if k not in d]
        if missing:
            raise InvalidRecordError(
                f"spectrum record lacks {', '.join(missing)}; expected the keys of "
                "Spectrum.to_dict()"
            )
        try:
            spectrum = cls(
                frequency_hz=d["frequency_hz"],
                z_real_ohm=d["z_real_ohm"],
                z_imag_ohm=d["z_imag_ohm"],
                source=str(d.get("source", "")),
                columns=str(d.get("columns", "")),
                sha256=str(d.get("sha256", "")),
                temperature_k=None if d.get("temperature_k") is None else float(d["temperature_k"]),
                fmt=str(d.get("fmt", "csv")),
                notes=tuple(str(n) for n in d.get("notes", ())),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InvalidRecordError):
                raise
            raise InvalidRecordError(f"spectrum record has non-numeric values: {exc}") from exc
        check_values(spectrum.source or "spectrum record", spectrum)
        return spectrum


#: Largest |Z| and frequency taken as a measurement: far beyond any instrument (an insulator
#: pellet is below 1e14 ohm; analysers reach 1e8 Hz); anything larger is a unit or column slip.
MAX_IMPEDANCE_OHM = 1e18
MAX_FREQUENCY_HZ = 1e12


def check_values(name: str, spectrum: Spectrum) -> None:
    """Refuse a spectrum that cannot be a measurement (too few points, absurd magnitudes).

    Non-finite values and non-positive frequencies are dropped when a file is read (see
    :func:`matdoe.eis.reading.read_spectrum`); a spectrum built in code must not have them.

    Raises:
        InvalidRecordError: With the first offending point.
    """
    f, re_z, im_z = spectrum.frequency_hz, spectrum.z_real_ohm, spectrum.z_imag_ohm
    for label, values in (("frequency", f), ("Re Z", re_z), ("Im Z", im_z)):
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidRecordError(
                f"{name}: {label} of data point {i + 1} is {values[i]}; remove that row"
            )
    if f.size < MIN_POINTS:
        raise InvalidRecordError(
            f"{name}: only {f.size} data points, need at least {MIN_POINTS} to fit a circuit"
        )
    if (f <= 0).any():
        i = int(np.flatnonzero(f <= 0)[0])
        raise InvalidRecordError(
            f"{name}: frequency of data point {i + 1} is {f[i]} Hz; frequencies must be positive"
        )
    largest = float(max(np.max(np.abs(re_z)), np.max(np.abs(im_z))))
    if largest > MAX_IMPEDANCE_OHM:
        raise InvalidRecordError(
            f"{name}: |Z| reaches {largest:.3g} ohm, beyond any measurement "
            f"({MAX_IMPEDANCE_OHM:.0e} ohm); check the columns and their units (ohm, kOhm)"
        )
    if float(np.max(f)) > MAX_FREQUENCY_HZ:
        raise InvalidRecordError(
            f"{name}: a frequency of {float(np.max(f)):.3g} Hz is beyond any analyser; "
            "check the frequency column and its unit (Hz, kHz)"
        )


def simulate(
    notation: str,
    parameters: ArrayLike,
    *,
    frequency_hz: ArrayLike | None = None,
    noise_rel: float = 0.01,
    random_state: int | None = 0,
    source: str = "synthetic",
) -> Spectrum:
    """A simulated spectrum of any circuit (not a measurement), with proportional noise.

    Args:
        notation: Circuit in impedance.py notation, e.g. ``"R0-p(R1,CPE1)-W2"``.
        parameters: Its parameters in order (see :func:`matdoe.eis.circuits.parse`).
        frequency_hz: Frequencies (Hz); default 61 points, 10 per decade, 1 MHz to 1 Hz.
        noise_rel: Gaussian noise on Re and Im, each with std ``noise_rel * |Z|``.
        random_state: Seed for the noise; ``None`` for a fresh seed.
        source: The name the spectrum carries.

    Returns:
        A spectrum with ``fmt="simulated"`` and the truth in ``columns``.

    >>> s = simulate("R0-p(R1,CPE1)", [5.0, 50.0, 1e-8, 0.9], noise_rel=0.0)
    >>> round(float(s.z_real_ohm[-1]), 2)
    55.0
    """
    from matdoe.eis.circuits import parse

    circuit = parse(notation)
    f = np.logspace(6, 0, 61) if frequency_hz is None else np.asarray(frequency_hz, dtype=float)
    values = np.asarray(parameters, dtype=float)
    z = circuit.impedance(f, values)
    if noise_rel > 0:
        rng = np.random.default_rng(random_state)
        scale = noise_rel * np.abs(z)
        z = z + scale * rng.normal(size=f.size) + 1j * scale * rng.normal(size=f.size)
    truth = ", ".join(f"{n}={v:.4g}" for n, v in zip(circuit.parameter_names, values, strict=True))
    return Spectrum(
        f,
        z.real,
        z.imag,
        source=source,
        columns=f"simulated {circuit.notation}: {truth}, noise {noise_rel:.3g}",
        sha256="",
        fmt="simulated",
    )


def synthetic_spectrum(
    resistance_ohm: float,
    *,
    r0_ohm: float | None = None,
    cpe_q: float = 1e-7,
    cpe_alpha: float = 0.9,
    electrode_q: float = 2e-5,
    electrode_alpha: float = 0.85,
    frequency_hz: ArrayLike | None = None,
    noise_rel: float = 0.01,
    random_state: int | None = 0,
) -> Spectrum:
    """A simulated spectrum of ``R0-p(R1,CPE1)-CPE2`` (not a measurement).

    The defaults place the arc of a 30–110 ohm pellet (this system at 30–60 °C) inside the
    1 MHz–1 Hz window of the paper; the electrode CPE is a µF-scale blocking interface.

    Args:
        resistance_ohm: Total ionic resistance R0 + R1 (ohm): what a fit returns.
        r0_ohm: High-frequency series resistance (ohm); ``None`` gives 10 % of the total.
        cpe_q: Q of the arc's CPE (S·s^alpha).
        cpe_alpha: Exponent of the arc's CPE (1 = ideal capacitor).
        electrode_q: Q of the electrode CPE (S·s^alpha).
        electrode_alpha: Exponent of the electrode CPE.
        frequency_hz: Frequencies (Hz); default 61 points, 10 per decade, 1 MHz down to 1 Hz.
        noise_rel: Gaussian noise on Re and Im, each with std ``noise_rel * |Z|``.
        random_state: Seed for the noise; ``None`` for a fresh seed.

    Returns:
        A spectrum with ``source="synthetic"`` and the true parameters in ``columns``.

    Raises:
        InvalidRecordError: Non-positive resistance, or r0_ohm not below the total.

    >>> s = synthetic_spectrum(100.0, noise_rel=0.0)
    >>> len(s), round(float(s.z_real_ohm[0]), 1)
    (61, 11.8)
    """
    if not (math.isfinite(resistance_ohm) and resistance_ohm > 0):
        raise InvalidRecordError(f"resistance_ohm must be positive, got {resistance_ohm!r}")
    r0 = 0.1 * resistance_ohm if r0_ohm is None else float(r0_ohm)
    if not 0 <= r0 < resistance_ohm:
        raise InvalidRecordError(
            f"r0_ohm={r0_ohm!r} must be >= 0 and below resistance_ohm={resistance_ohm!r}"
        )
    r1 = resistance_ohm - r0
    spectrum = simulate(
        "R0-p(R1,CPE1)-CPE2",
        [r0, r1, cpe_q, cpe_alpha, electrode_q, electrode_alpha],
        frequency_hz=frequency_hz,
        noise_rel=noise_rel,
        random_state=random_state,
    )
    truth = (
        f"simulated R0={r0:.4g} ohm, R1={r1:.4g} ohm, CPE1=({cpe_q:.3g}, {cpe_alpha:.3g}), "
        f"CPE2=({electrode_q:.3g}, {electrode_alpha:.3g}), noise {noise_rel:.3g}"
    )
    return Spectrum(
        spectrum.frequency_hz,
        spectrum.z_real_ohm,
        spectrum.z_imag_ohm,
        source="synthetic",
        columns=truth,
        sha256="",
        fmt="simulated",
    )
