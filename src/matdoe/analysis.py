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


def describe_fit(fit: Any) -> str:
    """One line for a stored Arrhenius fit, with its form: what every command prints for Ea.

    ``Ea = 0.380 ± 0.012 eV (sigma = A·exp(-Ea/kT), 4 points, R² = 0.9991)``, followed by the
    fit's warnings (low R², two segments) on the same line.
    """
    from matdoe.conductivity import FORM_EQUATIONS
    from matdoe.db.store import fit_form, fit_warnings

    text = (
        f"Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV ({FORM_EQUATIONS[fit_form(fit)]}, "
        f"{fit.n_points} points, R² = {fit.r2:.4f})"
    )
    warnings = fit_warnings(fit)
    return text + "".join(f"; WARNING: {w}" for w in warnings)


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
    fixed_k = units.parse(temperature, "temperature", name="--temperature") if temperature else None
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
        result.lines.append(f"Arrhenius: {describe_fit(fit)}")
    else:
        result.lines.append("Arrhenius fit needs conductivities at 3 or more temperatures")
    return result


def _series(session: Session, label: str) -> tuple[Any, Any]:
    from matdoe.db.store import arrhenius_inputs, conductivity_rows, find_sample

    sample = find_sample(session, label)
    return sample, arrhenius_inputs(conductivity_rows(session, sample))


def arrhenius_summary(session: Session, label: str, *, form: str | None = None) -> dict[str, Any]:
    """Fit, store and summarise the Arrhenius law of a sample's conductivities.

    Returns plain numbers with units in their keys (``ea_ev``, ``ea_std_ev``, ...), and the
    form both as its name and as an equation.
    """
    from matdoe.conductivity import DEFAULT_FORM, EV_TO_KJ_MOL, FORM_EQUATIONS
    from matdoe.db.store import fit_warnings, refresh_fits

    form = form or DEFAULT_FORM
    sample, inputs = _series(session, label)
    distinct = len({round(t, 1) for t in inputs.temperature_k})
    if distinct < 3:
        raise InsufficientDataError(
            f"need conductivities at 3 or more temperatures for an Arrhenius fit, sample "
            f"{label!r} has {distinct}; add one with `matdoe measure add {label} --temperature ...`"
        )
    row = refresh_fits(session, sample, form=form)
    assert row is not None and row.details is not None
    details = row.details
    t_min, t_max = details["temperature_min_k"], details["temperature_max_k"]
    ea, ea_std = float(row.ea_ev or 0.0), float(row.ea_std_ev or 0.0)
    return {
        "sample": label,
        "form": form,
        "equation": FORM_EQUATIONS[form],
        "ea_ev": ea,
        "ea_std_ev": ea_std,
        "ea_kj_mol": ea * EV_TO_KJ_MOL,
        "ea_std_kj_mol": ea_std * EV_TO_KJ_MOL,
        "log10_prefactor": row.log10_prefactor,
        "log10_prefactor_std": details["log10_prefactor_std"],
        "prefactor_unit": "S*K/cm" if form == "sigma_t" else "S/cm",
        "r2": row.r2,
        "n_points": row.n_points,
        "temperature_min_c": t_min - 273.15,
        "temperature_max_c": t_max - 273.15,
        "sigma_25c_s_cm": row.sigma_25c_s_cm,
        "sigma_30c_s_cm": row.sigma_30c_s_cm,
        "extrapolated_25c": not t_min - 1e-6 <= 298.15 <= t_max + 1e-6,
        "extrapolated_30c": not t_min - 1e-6 <= 303.15 <= t_max + 1e-6,
        "weighted": bool(details.get("weighted")),
        "geometry_rel_std": details.get("common_rel_std", 0.0),
        "warnings": fit_warnings(row),
        "computed_by": f"matdoe {row.package_version}",
    }


def arrhenius_figure(session: Session, label: str, *, form: str | None = None) -> Figure:
    """The Arrhenius plot of a sample: measurements with error bars and the fitted line.

    The line is the fit that is stored (the same error model, see
    :func:`matdoe.db.store.arrhenius_inputs`).
    """
    from matdoe.conductivity import DEFAULT_FORM, fit_arrhenius
    from matdoe.plots import plot_arrhenius

    form = form or DEFAULT_FORM
    _sample, inputs = _series(session, label)
    if not inputs.temperature_k:
        raise InsufficientDataError(f"sample {label!r} has no conductivity to plot")
    fit = None
    if len({round(t, 1) for t in inputs.temperature_k}) >= 3:
        fit = fit_arrhenius(
            inputs.temperature_k,
            inputs.sigma_s_cm,
            sigma_std_s_cm=inputs.sigma_std_s_cm,
            form=form,
            common_rel_std=inputs.common_rel_std,
            temperature_std_k=inputs.temperature_std_k,
        )
    stds = inputs.sigma_std_s_cm or [0.0] * len(inputs.sigma_s_cm)
    return plot_arrhenius(
        inputs.temperature_k, inputs.sigma_s_cm, sigma_std_s_cm=stds, fit=fit, label=label
    )
