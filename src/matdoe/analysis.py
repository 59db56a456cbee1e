"""From raw measurements to stored results: impedance spectra and Arrhenius fits of a sample.

Glue between the science modules (:mod:`matdoe.eis`, :mod:`matdoe.conductivity`,
:mod:`matdoe.plots`) and the database (:mod:`matdoe.db.store`). Files are read and fitted before
anything is written, so a bad file leaves the database untouched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from matdoe import units
from matdoe.errors import InsufficientDataError, InvalidRecordError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from matdoe.eis import DRT, Cleaned, KramersKronig, Spectrum, SpectrumFit


def describe_fit(fit: Any) -> str:
    """One line for a stored Arrhenius fit, with its form: what every command prints for Ea.

    ``Ea = 0.380 ± 0.012 eV (sigma = A·exp(-Ea/kT), 4 points, R² = 0.9991)``, followed by the
    fit's warnings (low R², two segments) on the same line. Points with no spread have no R²:
    ``R² n/a, no spread``.
    """
    from matdoe.conductivity import FORM_EQUATIONS
    from matdoe.db.store import fit_form, fit_warnings

    r2 = "R² n/a, no spread" if fit.r2 is None else f"R² = {fit.r2:.4f}"
    text = (
        f"Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV ({FORM_EQUATIONS[fit_form(fit)]}, "
        f"{fit.n_points} points, {r2})"
    )
    warnings = fit_warnings(fit)
    return text + "".join(f"; WARNING: {w}" for w in warnings)


#: File name endings read when a folder is given to ``measure eis``.
SPECTRUM_SUFFIXES = (".csv", ".tsv", ".txt", ".mpt", ".mpr", ".dta", ".z", ".par")


@dataclass(frozen=True)
class SpectrumOptions:
    """How spectra are read, cleaned and fitted (the options of ``measure eis`` and ``refit``)."""

    fmt: str = "auto"
    circuit: str = "auto"
    guess: dict[str, str] = field(default_factory=dict)
    resistance: str = "total"
    keep_inductive: bool = False
    fmin_hz: float | None = None
    fmax_hz: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, stored with the fit so that a refit knows what was done."""
        return {
            "fmt": self.fmt,
            "circuit": self.circuit,
            "guess": dict(self.guess),
            "resistance": self.resistance,
            "keep_inductive": self.keep_inductive,
            "fmin_hz": self.fmin_hz,
            "fmax_hz": self.fmax_hz,
        }


@dataclass(frozen=True)
class FittedSpectrum:
    """One spectrum file: what was read, cleaned and fitted, or why the fit failed.

    ``fit`` is None and ``error`` says why (one line naming the file) when the fit failed; the
    spectrum is still there, so that its plot can show the data.
    """

    path: Path
    spectrum: Spectrum
    temperature_k: float
    options: SpectrumOptions
    cleaned: Cleaned | None = None
    fit: SpectrumFit | None = None
    kk: KramersKronig | None = None
    kk_note: str | None = None
    drt: DRT | None = None
    error: str | None = None


def expand_spectrum_files(items: Sequence[Path | str]) -> list[Path]:
    """Files, folders (their spectrum files) and glob patterns, in natural order, once each.

    Raises:
        InvalidRecordError: Nothing given, a path that does not exist, a pattern or folder
            that matches no spectrum file.
    """
    import glob

    if not items:
        raise InvalidRecordError("give at least one spectrum file, folder or pattern")
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                (
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in SPECTRUM_SUFFIXES
                ),
                key=lambda p: _natural(p.name),
            )
            if not found:
                raise InvalidRecordError(
                    f"{path}: no spectrum files in the folder (looked for "
                    f"{', '.join(SPECTRUM_SUFFIXES)})"
                )
            out += found
        elif path.exists():
            out.append(path)
        elif any(c in str(item) for c in "*?["):
            matches = sorted(
                (Path(m) for m in glob.glob(str(item)) if Path(m).is_file()),
                key=lambda p: _natural(p.name),
            )
            if not matches:
                raise InvalidRecordError(f"{item}: no file matches the pattern")
            out += matches
        else:
            raise InvalidRecordError(f"{path}: no such file")
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _natural(name: str) -> tuple[Any, ...]:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def _temperature_of(path: Path, spectrum: Spectrum, fixed_k: float | None, force: bool) -> float:
    from matdoe.eis import temperature_from_filename
    from matdoe.plausibility import enforce, problems

    # The flag wins, then a temperature column of the file, then the file name.
    temperature_k = fixed_k or spectrum.temperature_k or temperature_from_filename(path.name)
    if temperature_k is None:
        raise InvalidRecordError(
            f"{path.name}: no temperature in the file (a T/°C column) or its name "
            "(e.g. S1_60C.csv); give it with --temperature 60C"
        )
    enforce(problems({"temperature_k": temperature_k}), force=force, where=path.name)
    return temperature_k


def analyse_spectrum(
    spectrum: Spectrum, options: SpectrumOptions
) -> tuple[Cleaned, KramersKronig | None, str | None, DRT, SpectrumFit]:
    """Clean, test, and fit one spectrum (raises FitError/InvalidRecordError naming it)."""
    from matdoe.eis import (
        clean_spectrum,
        distribution_of_relaxation_times,
        fit_spectrum,
        kramers_kronig,
    )
    from matdoe.errors import MissingDependencyError

    cleaned = clean_spectrum(
        spectrum,
        keep_inductive=options.keep_inductive,
        fmin_hz=options.fmin_hz,
        fmax_hz=options.fmax_hz,
    )
    kk: KramersKronig | None = None
    kk_note = None
    try:
        kk = kramers_kronig(cleaned.spectrum)
    except MissingDependencyError as exc:
        kk_note = f"Kramers–Kronig test not run: {exc}"
    drt = distribution_of_relaxation_times(cleaned.spectrum)
    # Inductive points kept: the circuit needs L0; else the best circuits are also tried with
    # it (the leads' inductance bends the points next to the trimmed ones).
    inductor: bool | None = True if options.keep_inductive and cleaned.inductive else None
    fit = fit_spectrum(
        cleaned.spectrum,
        options.circuit,
        guess=options.guess,
        resistance=options.resistance,
        inductor=inductor,
        drt=drt,
    )
    return cleaned, kk, kk_note, drt, fit


def fit_spectra(
    files: Sequence[Path | str],
    *,
    temperature: str | None = None,
    options: SpectrumOptions | None = None,
    circuit: str | None = None,
    force: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> list[FittedSpectrum]:
    """Read, clean and fit every file; a failed fit is kept with its reason (see ``error``).

    Reading errors, a missing temperature and an implausible one are raised at once (bad
    input); a fit that fails is not raised here, so that the caller can still plot the data.
    """
    from matdoe.errors import FitError

    options = options or SpectrumOptions(circuit=circuit or "auto")
    paths = expand_spectrum_files(files)
    fixed_k = units.parse(temperature, "temperature", name="--temperature") if temperature else None
    from matdoe.eis import read_spectrum

    out = []
    for path in paths:
        spectrum = read_spectrum(path, fmt=options.fmt)
        temperature_k = _temperature_of(path, spectrum, fixed_k, force)
        try:
            cleaned, kk, kk_note, drt, fit = analyse_spectrum(spectrum, options)
        except (FitError, InvalidRecordError) as exc:
            out.append(FittedSpectrum(path, spectrum, temperature_k, options, error=str(exc)))
        else:
            out.append(
                FittedSpectrum(
                    path, spectrum, temperature_k, options, cleaned, fit, kk, kk_note, drt
                )
            )
        if progress is not None:
            progress(path)
    return out


def failure_message(fitted: Sequence[FittedSpectrum]) -> str | None:
    """One line for the failed files (each named once), or None when every fit worked."""
    failed = [f.error for f in fitted if f.error]
    if not failed:
        return None
    head = "" if len(failed) == 1 else f"{len(failed)} of {len(fitted)} spectra failed: "
    return head + " | ".join(failed) + "; nothing was stored"


def _farad(value: float) -> str:
    for factor, prefix in ((1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m")):
        if value < factor * 1000:
            return f"{value / factor:.3g} {prefix}F"
    return f"{value:.3g} F"


def describe_spectrum(
    item: FittedSpectrum, *, thickness_cm: float | None = None, area_cm2: float | None = None
) -> list[str]:
    """The lines ``measure eis`` prints for one file (before its conductivity)."""
    from matdoe.eis import EPSILON_R, geometric_capacitance_f

    spectrum = item.spectrum
    lines = [f"{item.path.name}: read {len(spectrum)} points as {spectrum.columns}"]
    notes = list(spectrum.notes)
    if item.cleaned is not None:
        notes += [n for n in item.cleaned.spectrum.notes if n not in notes]
    lines += [f"  {n}" for n in notes]
    if item.kk is not None:
        lines.append(f"  {item.kk.describe()}")
    elif item.kk_note:
        lines.append(f"  {item.kk_note}")
    if item.drt is not None:
        lines.append(f"  {item.drt.describe()}")
    fit = item.fit
    if fit is None:
        return lines
    lines.append(f"  circuit: {fit.describe()}")
    parts = ", ".join(f"{k} = {v:.4g} ohm" for k, v in fit.resistances_ohm.items())
    low, high = fit.resistance_ci95_ohm
    which = " + ".join(fit.resistance_terms)
    kind = "total ionic" if fit.resistance_kind == "total" else "bulk"
    lines.append(
        f"  {parts}; {kind} R = {which} = {fit.resistance_ohm:.4g} ohm "
        f"(95 % CI {low:.4g}–{high:.4g})"
    )
    caps = [c.describe() for c in fit.capacitances]
    if thickness_cm and area_cm2:
        geometric = geometric_capacitance_f(thickness_cm, area_cm2)
        caps.append(f"geometric εr·ε0·A/L = {_farad(geometric)} (εr = {EPSILON_R:g} assumed)")
    if caps:
        lines.append("  capacitances: " + "; ".join(caps))
    lines += [f"  WARNING: {w}" for w in fit.warnings]
    return lines


@dataclass
class StoredSpectra:
    """What `measure eis` stored: lines to print, and the updated fit if any."""

    lines: list[str] = field(default_factory=list)
    ea_ev: float | None = None
    measurement_ids: list[int] = field(default_factory=list)


def _details(item: FittedSpectrum) -> dict[str, Any]:
    fit = item.fit
    assert fit is not None
    details: dict[str, Any] = {
        "format": item.spectrum.fmt,
        "circuit": fit.circuit,
        "circuit_name": fit.name,
        "runner_up": fit.runner_up,
        "delta_bic": fit.delta_bic,
        "resistance_kind": fit.resistance_kind,
        "resistance_terms": list(fit.resistance_terms),
        "relative_rmse": fit.relative_rmse,
        "resistance_ci95_ohm": list(fit.resistance_ci95_ohm),
        "capacitances_f": {c.element: c.capacitance_f for c in fit.capacitances},
    }
    for name, value in fit.resistances_ohm.items():
        details[f"{name.lower()}_ohm"] = value
    if item.kk is not None:
        details["kk_residual_rms"] = item.kk.residual_rms
    if item.cleaned is not None:
        details["trimmed_inductive"] = item.cleaned.trimmed_inductive
        details["cropped"] = item.cleaned.cropped
    if fit.warnings:
        details["fit_warnings"] = list(fit.warnings)
    return details


def store_spectra(
    session: Session,
    label: str,
    fitted: Sequence[FittedSpectrum],
    *,
    thickness: str | None = None,
    area: str | None = None,
    direction: str | None = None,
    force: bool = False,
    allow_duplicate: bool = False,
) -> StoredSpectra:
    """Store one measurement per fitted spectrum (R ± std, sigma ± std, spectrum, fit, raw file).

    Raises:
        FitError: A spectrum has no fit (nothing is stored: check before with
            :func:`failure_message`).
    """
    from matdoe.db.models import Spectrum as SpectrumRow
    from matdoe.db.store import add_measurement, find_sample, refresh_fits, store_raw_file
    from matdoe.errors import FitError
    from matdoe.records import MeasurementRecord, parse_record

    message = failure_message(fitted)
    if message is not None:
        raise FitError(message)
    sample = find_sample(session, label)
    result = StoredSpectra()
    for item in fitted:
        assert item.fit is not None
        raw = item.path.read_bytes()
        record = parse_record(
            MeasurementRecord,
            {
                "kind": "eis",
                "temperature_k": item.temperature_k,
                "resistance_ohm": item.fit.resistance_ohm,
                "resistance_std_ohm": item.fit.resistance_std_ohm,
                "thickness_cm": units.parse_optional(thickness, "length", name="--thickness"),
                "area_cm2": units.parse_optional(area, "area", name="--area"),
                "direction": direction,
                "raw_file": item.path.name,
                "raw_sha256": item.spectrum.sha256,
                "details": _details(item),
            },
            where=item.path.name,
        )
        measurement = add_measurement(
            session,
            sample,
            record,
            where=item.path.name,
            force=force,
            allow_duplicate=allow_duplicate,
        )
        store_raw_file(session, item.path.name, raw)
        measurement.spectrum = SpectrumRow(
            data=item.spectrum.to_dict(),
            fit={**item.fit.to_dict(), "options": item.options.to_dict()},
        )
        result.measurement_ids.append(measurement.id)
        result.lines += describe_spectrum(
            item, thickness_cm=measurement.thickness_cm, area_cm2=measurement.area_cm2
        )
        result.lines.append(
            f"  measurement {measurement.id}: T = {item.temperature_k - 273.15:.1f} °C, "
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


def plot_paths(
    target: Path, fitted: Sequence[FittedSpectrum], *, bode: bool, drt: bool
) -> dict[str, Path]:
    """Where each figure goes: a ``.png`` path (one file, or an overview plus one per file
    beside it), else a folder with ``<file>_nyquist.png`` (``_bode``, ``_drt``) per file."""
    out: dict[str, Path] = {}
    single = target.suffix.lower() == ".png"
    for item in fitted:
        stem = item.path.stem
        if single and len(fitted) == 1:
            base = target.with_suffix("")
            out[f"{stem}:nyquist"] = target
        elif single:
            base = target.parent / f"{target.stem}_{stem}"
            out[f"{stem}:nyquist"] = base.with_name(base.name + ".png")
        else:
            base = target / stem
            out[f"{stem}:nyquist"] = base.with_name(base.name + "_nyquist.png")
        if bode:
            out[f"{stem}:bode"] = base.with_name(base.name + "_bode.png")
        if drt:
            out[f"{stem}:drt"] = base.with_name(base.name + "_drt.png")
    if len(fitted) > 1:
        out[":overview"] = target if single else target / "all_nyquist.png"
    return out


def write_spectrum_plots(
    target: Path, fitted: Sequence[FittedSpectrum], *, bode: bool = False, drt: bool = False
) -> list[Path]:
    """A Nyquist plot (with residuals) for every file, fitted or not; Bode and DRT if asked.

    Raises:
        InvalidRecordError: A figure cannot be written (the folder cannot be made, no
            permission): one line naming the path.
    """
    from matdoe.plots import plot_bode, plot_drt, plot_nyquist_many, plot_spectrum_fit

    paths = plot_paths(target, fitted, bode=bode, drt=drt)
    figures = []
    for item in fitted:
        stem = item.path.stem
        reason = item.error
        title = f"{item.path.name}, {item.temperature_k - 273.15:.1f} °C"
        figures.append(
            (
                paths[f"{stem}:nyquist"],
                plot_spectrum_fit(item.spectrum, item.fit, reason=reason, title=title),
            )
        )
        if bode:
            figures.append((paths[f"{stem}:bode"], plot_bode(item.spectrum, item.fit, title=title)))
        if drt and item.drt is not None:
            figures.append((paths[f"{stem}:drt"], plot_drt(item.drt, title=title)))
    if ":overview" in paths:
        figures.append(
            (
                paths[":overview"],
                plot_nyquist_many([(f.spectrum, f.fit, f.temperature_k) for f in fitted]),
            )
        )
    written = []
    for path, figure in figures:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            figure.savefig(path, dpi=150, bbox_inches="tight")
        except OSError as exc:
            raise InvalidRecordError(
                f"cannot write the plot {path} ({exc.strerror or exc}); nothing was stored"
            ) from None
        written.append(path)
    return written


def refit_measurement(
    session: Session,
    measurement_id: int,
    options: SpectrumOptions,
    *,
    force: bool = False,
    note: str | None = None,
) -> tuple[FittedSpectrum, list[str]]:
    """Refit a stored measurement from its raw file; R, sigma and the fits follow, with history.

    Raises:
        NotFoundError: No such measurement, or it has no raw file stored.
        FitError: The new fit fails (nothing changes).
    """
    from matdoe.db.models import Spectrum as SpectrumRow
    from matdoe.db.store import (
        find_measurement,
        find_raw_file,
        fits_for,
        update_measurement,
    )
    from matdoe.eis import read_spectrum_bytes
    from matdoe.errors import FitError

    measurement = find_measurement(session, measurement_id)
    if measurement.kind != "eis":
        raise InvalidRecordError(
            f"measurement {measurement_id} is a {measurement.kind} measurement, not a spectrum"
        )
    raw = find_raw_file(session, measurement)
    spectrum = read_spectrum_bytes(raw.name, raw.content, fmt=options.fmt)
    cleaned, kk, kk_note, drt, fit = analyse_spectrum(spectrum, options)
    item = FittedSpectrum(
        Path(raw.name),
        spectrum,
        float(measurement.temperature_k or 0.0),
        options,
        cleaned,
        fit,
        kk,
        kk_note,
        drt,
    )
    before_r = measurement.resistance_ohm
    before_circuit = (measurement.details or {}).get("circuit")
    if (
        before_r is not None
        and math.isclose(before_r, fit.resistance_ohm, rel_tol=1e-12)
        and (before_circuit == fit.circuit)
    ):
        raise FitError(
            f"measurement {measurement_id}: the refit gives the same circuit and R "
            f"({fit.circuit}, {fit.resistance_ohm:.4g} ohm); nothing changed"
        )
    details = {**(measurement.details or {}), **_details(item)}
    for key in [
        k for k in details if k.startswith("r") and k.endswith("_ohm") and k[1:-4].isdigit()
    ]:
        if key[:-4].upper() not in fit.resistances_ohm:
            details.pop(key)  # resistors of the old circuit that the new one does not have
    why = note or f"refit with {fit.describe()}"
    update_measurement(
        session,
        measurement_id,
        {
            "resistance_ohm": fit.resistance_ohm,
            "resistance_std_ohm": fit.resistance_std_ohm,
            "details": details,
        },
        force=force,
        note=why,
    )
    if measurement.spectrum is None:
        measurement.spectrum = SpectrumRow(data=spectrum.to_dict(), fit=None)
    measurement.spectrum.fit = {**fit.to_dict(), "options": options.to_dict()}
    session.flush()
    lines = describe_spectrum(
        item, thickness_cm=measurement.thickness_cm, area_cm2=measurement.area_cm2
    )
    lines.append(
        f"  measurement {measurement_id}: R {before_r:.4g} -> {fit.resistance_ohm:.4g} ohm, "
        f"sigma = {measurement.sigma_s_cm:.3g} ± {measurement.sigma_std_s_cm or 0:.2g} S/cm"
    )
    lines += [f"Arrhenius: {describe_fit(f)}" for f in fits_for(session, measurement.sample)]
    return item, lines


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
    from matdoe.conductivity import DEFAULT_FORM
    from matdoe.plots import plot_arrhenius

    form = form or DEFAULT_FORM
    _sample, inputs = _series(session, label)
    if not inputs.temperature_k:
        raise InsufficientDataError(f"sample {label!r} has no conductivity to plot")
    fit = None
    if len({round(t, 1) for t in inputs.temperature_k}) >= 3:
        fit = inputs.fit(form)
    stds = inputs.sigma_std_s_cm or [0.0] * len(inputs.sigma_s_cm)
    return plot_arrhenius(
        inputs.temperature_k, inputs.sigma_s_cm, sigma_std_s_cm=stds, fit=fit, label=label
    )
