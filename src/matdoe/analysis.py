"""From raw measurements to stored results: impedance spectra and Arrhenius fits of a sample.

Glue between the science modules (:mod:`matdoe.eis`, :mod:`matdoe.conductivity`,
:mod:`matdoe.plots`) and the database (:mod:`matdoe.db.store`). Files are read and fitted before
anything is written, so a bad file leaves the database untouched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from matdoe import units
from matdoe.errors import InsufficientDataError, InvalidRecordError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from matdoe.eis import Spectrum, SpectrumFit

FORM_TEXT = {
    "sigma_t": "sigma·T = A·exp(-Ea/kT)",
    "sigma": "sigma = A·exp(-Ea/kT)",
}


@dataclass(frozen=True)
class FittedSpectrum:
    """One spectrum file with its equivalent-circuit fit and its temperature."""

    path: Path
    spectrum: Spectrum
    fit: SpectrumFit
    temperature_k: float


def fit_spectra(
    files: Sequence[Path],
    *,
    temperature: str | None = None,
    circuit: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> list[FittedSpectrum]:
    """Read and fit every file; the temperature comes from ``temperature`` or each file name."""
    from matdoe.eis import DEFAULT_CIRCUIT, fit_spectrum, read_spectrum, temperature_from_filename
    from matdoe.errors import FitError

    if not files:
        raise InvalidRecordError("give at least one spectrum file")
    fixed_k = (
        units.parse(temperature, "temperature", name="--temperature", default_unit="degC")
        if temperature
        else None
    )
    out = []
    for path in files:
        path = Path(path)
        if not path.exists():
            raise InvalidRecordError(f"{path}: no such file")
        spectrum = read_spectrum(path)
        # The flag wins, then a temperature column of the file, then the file name.
        temperature_k = fixed_k or spectrum.temperature_k or temperature_from_filename(path.name)
        if temperature_k is None:
            raise InvalidRecordError(
                f"{path.name}: no temperature in the file (a T/°C column) or its name "
                "(e.g. S1_60C.csv); give it with --temperature 60C"
            )
        try:
            fit = fit_spectrum(spectrum, circuit or DEFAULT_CIRCUIT)
        except FitError as exc:
            raise FitError(f"{path.name}: {exc}") from exc
        out.append(FittedSpectrum(path, spectrum, fit, temperature_k))
        if progress is not None:
            progress(path)
    return out


@dataclass
class StoredSpectra:
    """What `measure eis` stored: lines to print, and the updated fit if any."""

    lines: list[str] = field(default_factory=list)
    ea_ev: float | None = None


def store_spectra(
    session: Session,
    label: str,
    fitted: Sequence[FittedSpectrum],
    *,
    thickness: str | None = None,
    area: str | None = None,
    direction: str | None = None,
) -> StoredSpectra:
    """Store one measurement per fitted spectrum (R ± std, sigma ± std, spectrum and fit)."""
    from matdoe.db.models import Spectrum as SpectrumRow
    from matdoe.db.store import add_measurement, find_sample, refresh_fits
    from matdoe.records import MeasurementRecord, parse_record

    sample = find_sample(session, label)
    result = StoredSpectra()
    for item in fitted:
        raw = item.path.read_bytes()
        record = parse_record(
            MeasurementRecord,
            {
                "kind": "eis",
                "temperature_k": item.temperature_k,
                "resistance_ohm": item.fit.resistance_ohm,
                "resistance_std_ohm": item.fit.resistance_std_ohm,
                "thickness_cm": thickness,
                "area_cm2": area,
                "direction": direction,
                "raw_file": item.path.name,
                "raw_sha256": hashlib.sha256(raw).hexdigest(),
                "details": {
                    "circuit": item.fit.circuit,
                    "relative_rmse": item.fit.relative_rmse,
                    "resistance_ci95_ohm": list(item.fit.resistance_ci95_ohm),
                },
            },
            where=item.path.name,
        )
        measurement = add_measurement(session, sample, record, where=item.path.name)
        measurement.spectrum = SpectrumRow(data=item.spectrum.to_dict(), fit=item.fit.to_dict())
        low, high = item.fit.resistance_ci95_ohm
        result.lines.append(
            f"{item.path.name}: read {len(item.spectrum)} points ({item.spectrum.columns})"
        )
        result.lines.append(
            f"  T = {item.temperature_k - 273.15:.1f} °C, "
            f"R = {item.fit.resistance_ohm:.4g} ohm (95 % CI {low:.4g}–{high:.4g}), "
            f"sigma = {measurement.sigma_s_cm:.3g} ± {measurement.sigma_std_s_cm or 0:.2g} S/cm"
        )
    session.flush()
    fit = refresh_fits(session, sample)
    if fit is not None and fit.ea_ev is not None:
        result.ea_ev = fit.ea_ev
        result.lines.append(
            f"Arrhenius ({fit.method}): Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV "
            f"over {fit.n_points} points"
        )
    else:
        result.lines.append("Arrhenius fit needs conductivities at 3 or more temperatures")
    return result


def _series(session: Session, label: str) -> tuple[Any, list[float], list[float], list[float]]:
    from matdoe.db.store import conductivity_rows, find_sample

    sample = find_sample(session, label)
    rows = conductivity_rows(session, sample)
    temperatures = [float(m.temperature_k or 0.0) for m in rows]
    sigmas = [float(m.sigma_s_cm or 0.0) for m in rows]
    stds = [float(m.sigma_std_s_cm or 0.0) for m in rows]
    return sample, temperatures, sigmas, stds


def arrhenius_summary(session: Session, label: str, *, form: str = "sigma_t") -> dict[str, Any]:
    """Fit, store and summarise the Arrhenius law of a sample's conductivities."""
    from matdoe.conductivity import EV_TO_KJ_MOL
    from matdoe.db.store import refresh_fits

    sample, temperatures, _sigmas, _stds = _series(session, label)
    distinct = len({round(t, 1) for t in temperatures})
    if distinct < 3:
        raise InsufficientDataError(
            f"need conductivities at 3 or more temperatures for an Arrhenius fit, sample "
            f"{label!r} has {distinct}; add one with `matdoe measure add {label} --temperature ...`"
        )
    row = refresh_fits(session, sample, form=form)
    assert row is not None and row.details is not None
    details = row.details
    t_min, t_max = details["temperature_min_k"], details["temperature_max_k"]

    def at(celsius: float, value: float | None) -> str:
        kelvin = 273.15 + celsius
        flag = " (extrapolated)" if not t_min - 1e-6 <= kelvin <= t_max + 1e-6 else ""
        return f"{value:.3g} S/cm{flag}"

    unit = "S·K/cm" if form == "sigma_t" else "S/cm"
    return {
        "sample": label,
        "form": FORM_TEXT[form],
        "ea_ev": f"{row.ea_ev:.4f} ± {row.ea_std_ev:.4f}",
        "ea_kj_mol": f"{(row.ea_ev or 0) * EV_TO_KJ_MOL:.2f} ± "
        f"{(row.ea_std_ev or 0) * EV_TO_KJ_MOL:.2f}",
        "log10_prefactor": f"{row.log10_prefactor:.3f} ± {details['log10_prefactor_std']:.3f} "
        f"(A in {unit})",
        "r2": round(row.r2 or 0.0, 5),
        "n_points": row.n_points,
        "temperature_range_c": f"{t_min - 273.15:.1f} to {t_max - 273.15:.1f}",
        "sigma_25c": at(25.0, row.sigma_25c_s_cm),
        "sigma_30c": at(30.0, row.sigma_30c_s_cm),
        "weighted": bool(details.get("weighted")),
        "computed_by": f"matdoe {row.package_version}",
    }


def arrhenius_figure(session: Session, label: str, *, form: str = "sigma_t") -> Figure:
    """The Arrhenius plot of a sample: measurements with error bars and the fitted line."""
    from matdoe.conductivity import fit_arrhenius
    from matdoe.plots import plot_arrhenius

    _sample, temperatures, sigmas, stds = _series(session, label)
    if not temperatures:
        raise InsufficientDataError(f"sample {label!r} has no conductivity to plot")
    fit = None
    if len({round(t, 1) for t in temperatures}) >= 3:
        fit = fit_arrhenius(
            temperatures,
            sigmas,
            sigma_std_s_cm=stds if all(s > 0 for s in stds) else None,
            form=form,
        )
    return plot_arrhenius(temperatures, sigmas, sigma_std_s_cm=stds, fit=fit, label=label)
