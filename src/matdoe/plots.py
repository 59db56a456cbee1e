"""Figures for conductivity data, impedance spectra, surrogate models and DoE campaigns.

Every ``plot_*`` function builds a :class:`matplotlib.figure.Figure` directly (no pyplot, so no
global state and no GUI backend): the CLI saves it with ``fig.savefig("x.png")``, a notebook
displays it. Pass ``ax=`` (where offered) to draw into an existing axes, e.g. several samples in
one Arrhenius plot; the function then returns ``ax.figure``.

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies); maps use viridis (mean) and cividis (uncertainty). Each silica keeps its colour
across figures: colours follow the natural order of the names (A90, A200, A300, A380, SBA15).
Conductivity is drawn on log axes (or as log10 σ) because it spans decades.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.conductivity import ArrheniusFit
from matdoe.errors import InsufficientDataError, InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from matdoe.eis import DRT, Spectrum, SpectrumFit
    from matdoe.space import SearchSpace
    from matdoe.surrogate import GPSurrogate

__all__ = [
    "plot_arrhenius",
    "plot_arrhenius_samples",
    "plot_bode",
    "plot_calibration",
    "plot_conductivity_overview",
    "plot_drt",
    "plot_importance",
    "plot_map",
    "plot_nyquist",
    "plot_nyquist_many",
    "plot_pareto",
    "plot_parity",
    "plot_regret",
    "plot_response",
    "plot_spectrum_fit",
    "plot_suggestion_maps",
]

_FIGSIZE = (5.5, 4.2)
_ZERO_CELSIUS_K = 273.15
#: Okabe & Ito (2008) colour-blind-safe palette, the most distinct colours first.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: faint on white)
)
_Z95 = 1.959963984540054
# Axis labels of the usual model inputs; other names are shown as they are.
_LABELS = {
    "vol_pct": "SiO₂ content (vol%)",
    "milling_h": "milling time (h)",
    "temperature_c": "temperature (°C)",
    "silica": "silica",
}
_FEATURE_LABELS = {
    "silica.bet_m2_g": "silica BET area",
    "silica.mesoporous": "silica mesoporous (0/1)",
    "vol_pct": "SiO₂ content (vol%)",
    "milling_h": "milling time (h)",
    "temperature_c(1000/T)": "temperature (as 1000/T)",
}
_SOURCE_STYLE = {
    # source -> (marker, filled, legend text)
    "measured": ("o", True, "measured"),
    "paper": ("s", True, "reported in the paper"),
    "simulated": ("^", False, "SIMULATED (digital twin)"),
}


def _axes(ax: Axes | None, figsize: tuple[float, float] = _FIGSIZE) -> tuple[Figure, Axes]:
    """Return (figure, axes): the given axes and its figure, or a new styled figure."""
    if ax is not None:
        figure = ax.get_figure(root=True)
        if figure is None:  # pragma: no cover - an axes always belongs to a figure
            raise InvalidRecordError(
                "ax is not attached to a figure; create it with fig.add_subplot"
            )
        return figure, ax
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    new_ax = figure.add_subplot()
    new_ax.set_prop_cycle(color=list(OKABE_ITO))
    return figure, new_ax


def _natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that puts A90 before A200 (numbers compared as numbers)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _colours(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per name, by natural order (so a silica keeps its colour)."""
    ordered = sorted(dict.fromkeys(names), key=_natural_key)
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(ordered)}


def _label(name: str) -> str:
    return _LABELS.get(name, name)


def _short(name: str) -> str:
    """SiO2-A200 -> A200: the prefix is the same for every choice and crowds legends."""
    return name.removeprefix("SiO2-")


def _power_of_ten(value: float, _position: Any = None) -> str:
    """Tick label for a log10 value: 10^-3.5 -> "3.2×10⁻⁴" (mathtext).

    >>> print(_power_of_ten(-3.5), _power_of_ten(-4.0))
    $3.2\\times10^{-4}$ $10^{-4}$
    """
    exponent = math.floor(value + 1e-9)
    mantissa = 10.0 ** (value - exponent)
    if round(mantissa, 1) >= 10.0:
        exponent, mantissa = exponent + 1, mantissa / 10.0
    if abs(mantissa - 1.0) < 0.05:
        return f"$10^{{{exponent}}}$"
    return f"${mantissa:.1f}\\times10^{{{exponent}}}$"


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidRecordError(f"{what} lacks column(s) {missing}; it has {list(frame.columns)}")


def _condition_text(conditions: Mapping[str, float]) -> str:
    parts = []
    for name, value in conditions.items():
        parts.append(f"{value:g} °C" if name == "temperature_c" else f"{name} = {value:g}")
    return ", ".join(parts)


def _style(ax: Axes) -> None:
    """The shared look: inward ticks on all sides, light grid, readable font sizes."""
    ax.tick_params(direction="in", which="both", labelsize=9)
    ax.grid(True, which="major", alpha=0.3, linewidth=0.6)
    ax.xaxis.label.set_fontsize(10)
    ax.yaxis.label.set_fontsize(10)


def _inverse_kk_to_celsius(values: ArrayLike) -> NDArray[np.float64]:
    """1000/T (1/K) -> °C, safe at x <= 0 (matplotlib probes the axis limits)."""
    x = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(x > 0, 1000.0 / np.where(x > 0, x, 1.0) - _ZERO_CELSIUS_K, np.inf)
    return result


def _celsius_to_inverse_kk(values: ArrayLike) -> NDArray[np.float64]:
    """°C -> 1000/T (1/K), safe at or below absolute zero."""
    t = np.asarray(values, dtype=float) + _ZERO_CELSIUS_K
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(t > 0, 1000.0 / np.where(t > 0, t, 1.0), np.inf)
    return result


def _has_celsius_axis(ax: Axes) -> bool:
    return any(getattr(child, "_matdoe_celsius", False) for child in ax.child_axes)


def plot_arrhenius(
    temperature_k: ArrayLike,
    sigma_s_cm: ArrayLike,
    *,
    sigma_std_s_cm: ArrayLike | None = None,
    fit: ArrheniusFit | None = None,
    label: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Arrhenius plot: conductivity (log scale, S/cm) against 1000/T (1/K), °C on the top axis.

    Args:
        temperature_k: Temperatures (K).
        sigma_s_cm: Conductivities (S/cm).
        sigma_std_s_cm: Optional standard uncertainties (S/cm), drawn as error bars.
        fit: Optional Arrhenius fit, drawn as a line over the measured range, with
            "Ea = x ± y eV" in the legend.
        label: Legend label for the data (e.g. the sample label).
        ax: Axes to draw into; a new figure when ``None``.

    Returns:
        The figure (``ax.figure`` when ``ax`` was given).

    Raises:
        InvalidRecordError: Lengths differ or values are not positive and finite.
    """
    t = np.asarray(temperature_k, dtype=float).reshape(-1)
    sigma = np.asarray(sigma_s_cm, dtype=float).reshape(-1)
    if t.shape != sigma.shape:
        raise InvalidRecordError(
            f"temperature_k has {t.size} values but sigma_s_cm has {sigma.size}; give one per point"
        )
    for name, values in (("temperature_k", t), ("sigma_s_cm", sigma)):
        if not (np.isfinite(values) & (values > 0)).all():
            raise InvalidRecordError(f"{name} must be positive and finite to plot, got {values}")
    std = None if sigma_std_s_cm is None else np.asarray(sigma_std_s_cm, dtype=float).reshape(-1)
    if std is not None and std.shape != sigma.shape:
        raise InvalidRecordError(
            f"sigma_std_s_cm has {std.size} values but sigma_s_cm has {sigma.size}"
        )

    figure, ax = _axes(ax)
    x = 1000.0 / t
    if std is not None:
        # Asymmetric on a log axis: never draw a bar below zero conductivity.
        lower = np.minimum(std, 0.999 * sigma)
        container = ax.errorbar(
            x, sigma, yerr=np.vstack([lower, std]), fmt="o", ms=5, capsize=3, label=label
        )
        color = container.lines[0].get_color()
    else:
        (line,) = ax.plot(x, sigma, "o", ms=5, label=label)
        color = line.get_color()

    if fit is not None:
        t_line = np.linspace(fit.temperature_min_k, fit.temperature_max_k, 100)
        fit_label = f"Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV ({_form_text(fit.form)})"
        if label:
            fit_label = f"{label}: {fit_label}"
        ax.plot(1000.0 / t_line, fit.sigma_at(t_line), "-", color=color, lw=1.5, label=fit_label)

    ax.set_yscale("log")
    ax.set_xlabel("1000/T (K⁻¹)")
    ax.set_ylabel("σ (S cm⁻¹)")
    if not _has_celsius_axis(ax):
        top = ax.secondary_xaxis("top", functions=(_inverse_kk_to_celsius, _celsius_to_inverse_kk))
        top.set_xlabel("T (°C)")
        top.tick_params(direction="in", labelsize=9)
        top._matdoe_celsius = True  # type: ignore[attr-defined]
    _style(ax)
    if label or fit is not None:
        ax.legend(fontsize=8, frameon=False)
    return figure


def _form_text(form: str) -> str:
    return "σT = A·exp(−Ea/kT)" if form == "sigma_t" else "σ = A·exp(−Ea/kT)"


def _label_decades(ax: Axes, spectrum: Spectrum) -> None:
    """Mark the data point nearest each decade of frequency (1 Hz, 10 Hz, ... 1 MHz)."""
    f = spectrum.frequency_hz
    if f.size == 0:
        return
    names = {
        0: "1 Hz",
        1: "10 Hz",
        2: "100 Hz",
        3: "1 kHz",
        4: "10 kHz",
        5: "100 kHz",
        6: "1 MHz",
        7: "10 MHz",
    }
    log_f = np.log10(f)
    for decade in range(math.ceil(log_f.min() - 0.05), math.floor(log_f.max() + 0.05) + 1):
        i = int(np.argmin(np.abs(log_f - decade)))
        if abs(log_f[i] - decade) > 0.15:
            continue
        label = names.get(decade, f"1e{decade} Hz")
        x, y = float(spectrum.z_real_ohm[i]), float(-spectrum.z_imag_ohm[i])
        ax.plot([x], [y], marker="o", ms=5, mfc="C1", mec="C1", ls="none", zorder=3)
        ax.annotate(
            label, (x, y), textcoords="offset points", xytext=(4, 5), fontsize=7, color="0.25"
        )


def _fit_line(spectrum: Spectrum, fit: SpectrumFit) -> NDArray[np.complex128]:
    """The fitted impedance over the whole measured frequency range, 400 points."""
    f = spectrum.frequency_hz
    f_line = np.logspace(np.log10(f.min()), np.log10(f.max()), 400)
    return fit.impedance_at(f_line)


def plot_nyquist(
    spectrum: Spectrum,
    fit: SpectrumFit | None = None,
    *,
    ax: Axes | None = None,
    zoom: bool = True,
    reason: str | None = None,
    decades: bool = True,
) -> Figure:
    """Nyquist plot: -Im Z against Re Z (ohm), equal aspect, with the fitted curve and R marked.

    Args:
        spectrum: The measured (or simulated) spectrum.
        fit: Optional circuit fit: drawn as a line over the whole measured frequency range, and
            its resistance R marked on the real axis with its 95 % interval in the legend.
        ax: Axes to draw into; a new figure when ``None``.
        zoom: With a fit, limit the view to about 1.6 R so that the arc is visible next to the
            much larger electrode spur; ``False`` shows every point.
        reason: Why there is no fit (written on the plot, which then shows the data only).
        decades: Mark and label the points nearest 1 Hz, 10 Hz, ... 1 MHz.

    Returns:
        The figure (``ax.figure`` when ``ax`` was given).
    """
    figure, ax = _axes(ax)
    re_z = spectrum.z_real_ohm
    neg_im = -spectrum.z_imag_ohm
    data_label = spectrum.source or "data"
    ax.plot(re_z, neg_im, "o", ms=4, mfc="none", label=data_label)
    if decades:
        _label_decades(ax, spectrum)
    if fit is not None:
        z_line = _fit_line(spectrum, fit)
        ax.plot(z_line.real, -z_line.imag, "-", color="0.2", lw=1.2, label=f"fit {fit.circuit}")
        low, high = fit.resistance_ci95_ohm
        ax.plot(
            [fit.resistance_ohm],
            [0.0],
            marker="v",
            ms=9,
            color="C3",
            ls="none",
            label=f"R = {fit.resistance_ohm:.4g} Ω (95 %: {low:.4g}–{high:.4g})",
        )
        ax.axvline(fit.resistance_ohm, color="C3", lw=0.8, ls=":")
        if zoom:
            span = 1.6 * fit.resistance_ohm
            ax.set_xlim(min(0.0, float(re_z.min())), span)
            # a little below zero, so the R marker on the real axis is not cut in half
            ax.set_ylim(min(-0.05 * span, float(neg_im.min())), span * 0.75)
    elif reason:
        ax.text(
            0.02,
            0.98,
            "NO FIT: " + _wrap(reason, 70),
            transform=ax.transAxes,
            fontsize=7,
            color="C3",
            va="top",
            bbox={"facecolor": "white", "edgecolor": "C3", "alpha": 0.9, "boxstyle": "round"},
            zorder=5,
        )
    ax.set_aspect("equal", adjustable="datalim" if fit is None or not zoom else "box")
    ax.set_xlabel("Re Z (Ω)")
    ax.set_ylabel("−Im Z (Ω)")
    _style(ax)
    ax.legend(
        fontsize=8, frameon=False, loc="lower right" if reason and fit is None else "upper left"
    )
    return figure


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def plot_spectrum_fit(
    spectrum: Spectrum,
    fit: SpectrumFit | None = None,
    *,
    reason: str | None = None,
    title: str | None = None,
) -> Figure:
    """The report of one spectrum: Nyquist plot (decades labelled) above a residual panel.

    Without a fit (``reason`` says why) the Nyquist plot shows the data and the reason, and the
    residual panel is left out. The residuals are (Z_fit − Z)/|Z| of Re and Im, in %, against
    frequency: a good fit leaves noise, a missing process leaves a wave.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 6.4 if fit is not None else 4.8), layout="constrained")
    if fit is not None:
        top, bottom = figure.subplots(2, 1, height_ratios=[3, 1])
    else:
        top, bottom = figure.add_subplot(), None
    top.set_prop_cycle(color=list(OKABE_ITO))
    plot_nyquist(spectrum, fit, ax=top, reason=reason)
    if title:
        top.set_title(title, fontsize=9)
    if fit is not None and bottom is not None:
        z = spectrum.impedance_ohm
        z_fit = fit.impedance_at(spectrum.frequency_hz)
        weight = np.abs(z)
        bottom.semilogx(
            spectrum.frequency_hz,
            100 * (z_fit.real - z.real) / weight,
            "o",
            ms=3,
            color=OKABE_ITO[0],
            label="Re",
        )
        bottom.semilogx(
            spectrum.frequency_hz,
            100 * (z_fit.imag - z.imag) / weight,
            "s",
            ms=3,
            mfc="none",
            color=OKABE_ITO[1],
            label="Im",
        )
        bottom.axhline(0.0, color="0.5", lw=0.8)
        bottom.set_xlabel("frequency (Hz)")
        bottom.set_ylabel("residual (% of |Z|)")
        bottom.legend(fontsize=7, frameon=False, ncols=2, loc="upper right")
        _style(bottom)
    return figure


def plot_bode(
    spectrum: Spectrum, fit: SpectrumFit | None = None, *, title: str | None = None
) -> Figure:
    """Bode plot: |Z| (ohm, log) and the phase (degrees) against frequency, with the fit."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 5.2), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    f = spectrum.frequency_hz
    z = spectrum.impedance_ohm
    top.loglog(f, np.abs(z), "o", ms=4, mfc="none", color=OKABE_ITO[0], label="data")
    bottom.semilogx(f, -np.degrees(np.angle(z)), "o", ms=4, mfc="none", color=OKABE_ITO[0])
    if fit is not None:
        f_line = np.logspace(np.log10(f.min()), np.log10(f.max()), 400)
        z_line = fit.impedance_at(f_line)
        top.loglog(f_line, np.abs(z_line), "-", color="0.2", lw=1.2, label=f"fit {fit.circuit}")
        bottom.semilogx(f_line, -np.degrees(np.angle(z_line)), "-", color="0.2", lw=1.2)
    top.set_ylabel("|Z| (Ω)")
    bottom.set_ylabel("−phase (°)")
    bottom.set_xlabel("frequency (Hz)")
    top.legend(fontsize=8, frameon=False)
    if title:
        top.set_title(title, fontsize=9)
    _style(top)
    _style(bottom)
    return figure


def plot_drt(drt: DRT, *, title: str | None = None) -> Figure:
    """The distribution of relaxation times γ(τ) against frequency 1/(2πτ), peaks marked."""
    figure, ax = _axes(None)
    frequency = 1.0 / (2 * np.pi * drt.tau_s)
    ax.semilogx(frequency, drt.gamma_ohm, "-", color=OKABE_ITO[0], lw=1.4)
    low_f, high_f = 1 / (2 * np.pi * drt.window_s[1]), 1 / (2 * np.pi * drt.window_s[0])
    ax.axvspan(low_f, high_f, color="0.93", zorder=0, label="measured window")
    for peak in drt.peaks:
        ax.axvline(peak.frequency_hz, color="C3", lw=0.8, ls=":")
        ax.annotate(
            f"{peak.frequency_hz:.3g} Hz\nR ≈ {peak.resistance_ohm:.3g} Ω",
            (
                peak.frequency_hz,
                float(np.interp(np.log(peak.tau_s), np.log(drt.tau_s), drt.gamma_ohm)),
            ),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=7,
        )
    ax.invert_xaxis()  # high frequency on the left, as in the Nyquist plot's direction
    ax.set_xlabel("frequency 1/(2πτ) (Hz)")
    ax.set_ylabel("γ (Ω per unit ln τ)")
    ax.legend(fontsize=8, frameon=False, loc="upper right", title=drt.describe().split(",")[0])
    if title:
        ax.set_title(title, fontsize=9)
    _style(ax)
    return figure


def plot_nyquist_many(
    items: Sequence[tuple[Spectrum, SpectrumFit | None, float]],
    *,
    ax: Axes | None = None,
) -> Figure:
    """Several impedance spectra (e.g. one sample at several temperatures) in one Nyquist plot.

    Args:
        items: ``(spectrum, fit or None, temperature_k)`` per spectrum; drawn in order of
            temperature and labelled in °C with the fitted resistance R (ohm).
        ax: Axes to draw into; a new figure when ``None``.

    Returns:
        The figure. With fits, the view is limited to 1.6 × the largest R so that every arc is
        visible next to the electrode spurs; equal aspect (Ω on both axes).

    Raises:
        InvalidRecordError: ``items`` is empty.
    """
    if not items:
        raise InvalidRecordError("plot_nyquist_many needs at least one (spectrum, fit, T) item")
    figure, ax = _axes(ax)
    ordered = sorted(items, key=lambda item: float(item[2]))
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(ordered))]
    largest_r = 0.0
    for (spectrum, fit, temperature_k), colour in zip(ordered, colours, strict=True):
        label = f"{float(temperature_k) - _ZERO_CELSIUS_K:.0f} °C"
        if fit is not None:
            label += f", R = {fit.resistance_ohm:.4g} Ω"
            largest_r = max(largest_r, fit.resistance_ohm)
        ax.plot(
            spectrum.z_real_ohm,
            -spectrum.z_imag_ohm,
            "o",
            ms=3.5,
            mfc="none",
            color=colour,
            label=label,
        )
        if fit is not None:
            z_line = _fit_line(spectrum, fit)
            ax.plot(z_line.real, -z_line.imag, "-", color=colour, lw=1.1)
            ax.plot([fit.resistance_ohm], [0.0], "v", ms=7, color=colour, ls="none")
    if largest_r > 0:
        span = 1.6 * largest_r
        low_re = min(0.0, *(float(item[0].z_real_ohm.min()) for item in ordered))
        ax.set_xlim(low_re, span)
        ax.set_ylim(-0.05 * span, 0.75 * span)
        ax.set_aspect("equal", adjustable="box")
    else:
        ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("Re Z (Ω)")
    ax.set_ylabel("−Im Z (Ω)")
    _style(ax)
    ax.legend(fontsize=8, frameon=False, loc="upper left", title="lines: circuit fits; ▼ R")
    return figure


# ---------------------------------------------------------------------------- data overview
def _source_style(source: str) -> tuple[str, bool, str]:
    return _SOURCE_STYLE.get(source, ("D", True, source))


def _sigma_error(log10_sigma: NDArray[np.float64], std: NDArray[np.float64]) -> NDArray[Any]:
    """Asymmetric σ error bars (S/cm) from the std of log10 σ; zero where unknown."""
    std = np.nan_to_num(std, nan=0.0)
    sigma = 10.0**log10_sigma
    return np.vstack([sigma - 10.0 ** (log10_sigma - std), 10.0 ** (log10_sigma + std) - sigma])


def plot_conductivity_overview(
    observations: pd.DataFrame,
    *,
    temperature_c: float = 30.0,
    tolerance_c: float = 1.0,
) -> Figure:
    """Conductivity against vol% SiO2, milling time and silica type, at one temperature.

    Three panels sharing a log σ axis. Colour = silica (black: no silica), marker = source
    (filled circle measured, filled square reported in the paper, open triangle SIMULATED).

    Args:
        observations: One row per conductivity, as from :func:`matdoe.campaign.observations`
            (``include_incomplete=True`` keeps rows without silica or milling time): columns
            ``silica``, ``vol_pct``, ``milling_h``, ``temperature_c``, ``log10_sigma``,
            optionally ``log10_sigma_std`` (error bars) and ``source``.
        temperature_c: Temperature to show (°C).
        tolerance_c: Rows within this many °C of ``temperature_c`` are shown.

    Returns:
        The figure (10.5 × 3.8 in).

    Raises:
        InvalidRecordError: Missing columns.
        InsufficientDataError: No row at that temperature (the message lists the temperatures
            that have data).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    _require_columns(
        observations,
        ["silica", "vol_pct", "milling_h", "temperature_c", "log10_sigma"],
        "observations",
    )
    near = (observations["temperature_c"] - temperature_c).abs() <= tolerance_c
    rows = observations[near]
    if rows.empty:
        have = sorted({round(float(t), 1) for t in observations["temperature_c"]})
        raise InsufficientDataError(
            f"no conductivity within {tolerance_c:g} °C of {temperature_c:g} °C; "
            f"temperatures with data (°C): {have}"
        )
    silica = rows["silica"].fillna("none").astype(str)
    colours = _colours([s for s in silica.unique() if s != "none"])
    if (silica == "none").any():
        colours["none"] = "#000000"
    sources = rows["source"].astype(str) if "source" in rows else None
    std = (
        rows["log10_sigma_std"].to_numpy(float)
        if "log10_sigma_std" in rows
        else np.zeros(len(rows))
    )
    y = rows["log10_sigma"].to_numpy(float)
    order = sorted(colours, key=lambda s: (s == "none", _natural_key(s)))
    positions = {name: i for i, name in enumerate(order)}

    figure = Figure(figsize=(10.5, 3.8), layout="constrained")
    axes = figure.subplots(1, 3, sharey=True)
    panels: list[tuple[Axes, Any, str]] = [
        (axes[0], rows["vol_pct"].to_numpy(float), _label("vol_pct")),
        (axes[1], rows["milling_h"].to_numpy(float), _label("milling_h")),
        (axes[2], np.array([positions[s] for s in silica], float), "silica"),
    ]
    rng = np.random.default_rng(0)  # fixed jitter: the same picture every run
    jitter = rng.uniform(-0.12, 0.12, len(rows))
    for ax, x, xlabel in panels:
        x = x + jitter if xlabel == "silica" else x
        for name in order:
            for source in sources.unique() if sources is not None else ["measured"]:
                mask = (silica == name).to_numpy().copy()
                if sources is not None:
                    mask &= (sources == source).to_numpy()
                mask &= np.isfinite(x)
                if not mask.any():
                    continue
                marker, filled, _ = _source_style(source)
                ax.errorbar(
                    x[mask],
                    10.0 ** y[mask],
                    yerr=_sigma_error(y[mask], std[mask]),
                    fmt=marker,
                    ms=5.5,
                    color=colours[name],
                    mfc=colours[name] if filled else "white",
                    mew=1.1,
                    elinewidth=0.8,
                    capsize=0,
                    alpha=0.9,
                )
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        _style(ax)
    names = [_short(s) if s != "none" else "no SiO₂" for s in order]
    axes[2].set_xticks(range(len(order)), names, rotation=30)
    axes[2].set_xlim(-0.6, len(order) - 0.4)
    axes[0].set_ylabel(f"σ at {temperature_c:g} °C (S cm⁻¹)")
    dropped = int(rows["milling_h"].isna().sum())
    if dropped:
        axes[1].text(
            0.02,
            0.02,
            f"{dropped} point(s) without milling time not shown",
            transform=axes[1].transAxes,
            fontsize=7,
            color="0.4",
        )
    handles = [
        Line2D([], [], marker="o", ls="none", color=colours[n], label=text)
        for n, text in zip(order, names, strict=True)
    ]
    shown_sources = sources.unique() if sources is not None else []
    for source in shown_sources:
        marker, filled, text = _source_style(source)
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                ls="none",
                color="0.3",
                mfc="0.3" if filled else "white",
                label=text,
            )
        )
    figure.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    title = f"Ionic conductivity at {temperature_c:g} °C ({len(rows)} values)"
    if sources is not None and (sources == "simulated").any():
        title += " — open triangles are SIMULATED"
    figure.suptitle(title, fontsize=10)
    return figure


def plot_arrhenius_samples(
    observations: pd.DataFrame,
    samples: Sequence[str],
    *,
    form: str = "sigma",
    ax: Axes | None = None,
) -> Figure:
    """Arrhenius plots of several samples in one axes, with fitted lines and Ea in the legend.

    Args:
        observations: One row per conductivity with columns ``sample``, ``temperature_c``,
            ``sigma_s_cm`` and optionally ``log10_sigma_std`` and ``source`` (as from
            :func:`matdoe.campaign.observations`). Samples whose source is ``simulated`` are
            labelled "(SIMULATED)".
        samples: Sample labels to draw, in legend order.
        form: Arrhenius form of the fit, ``"sigma"`` (default) or ``"sigma_t"`` (see
            :func:`matdoe.conductivity.fit_arrhenius`); samples with fewer than 3 temperatures
            are drawn without a line.
        ax: Axes to draw into; a new figure when ``None``.

    Returns:
        The figure: log σ (S cm⁻¹) against 1000/T (K⁻¹), °C on the top axis.

    Raises:
        InvalidRecordError: Missing columns, or a label not in ``observations``.
    """
    from matdoe.conductivity import fit_arrhenius

    _require_columns(observations, ["sample", "temperature_c", "sigma_s_cm"], "observations")
    unknown = [s for s in samples if s not in set(observations["sample"])]
    if unknown:
        raise InvalidRecordError(f"no conductivity for sample(s) {unknown} in the table")
    if not samples:
        raise InvalidRecordError("give at least one sample label to plot")
    figure, ax = _axes(ax, figsize=(6.0, 4.4))
    shown_labels: list[str] = []
    for label in samples:
        rows = observations[observations["sample"] == label]
        t = rows["temperature_c"].to_numpy(float) + _ZERO_CELSIUS_K
        sigma = rows["sigma_s_cm"].to_numpy(float)
        std = None
        if "log10_sigma_std" in rows and rows["log10_sigma_std"].notna().all():
            log_std = rows["log10_sigma_std"].to_numpy(float)
            if (log_std > 0).all():
                std = sigma * math.log(10.0) * log_std
        fit = None
        if len(np.unique(np.round(t, 1))) >= 3:
            fit = fit_arrhenius(t, sigma, sigma_std_s_cm=std, form=form)
        shown = label
        if "source" in rows and (rows["source"] == "simulated").any():
            shown += " (SIMULATED)"
        plot_arrhenius(t, sigma, sigma_std_s_cm=std, fit=fit, label=shown, ax=ax)
        shown_labels.append(shown)
    # One legend entry per sample: its points and fitted line together, Ea in the text.
    handles, texts = ax.get_legend_handles_labels()
    entries = []
    for shown in shown_labels:
        mine = [(h, t) for h, t in zip(handles, texts, strict=True) if t.split(": Ea")[0] == shown]
        entries.append((tuple(h for h, _ in mine), max((t for _, t in mine), key=len)))
    ax.legend([h for h, _ in entries], [t for _, t in entries], fontsize=7.5, frameon=False)
    return figure


# ---------------------------------------------------------------------------- surrogate models
def _parity_stats(predictions: pd.DataFrame) -> tuple[float, float]:
    resid = predictions["y"].to_numpy(float) - predictions["mean"].to_numpy(float)
    std = predictions["std"].to_numpy(float)
    rmse = float(np.sqrt(np.mean(resid**2)))
    coverage = float(np.mean(np.abs(resid) <= _Z95 * std))
    return rmse, coverage


def plot_parity(
    predictions: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Cross-validation parity plot: held-out prediction against measurement, log10 σ.

    Args:
        predictions: :attr:`matdoe.surrogate.CVReport.predictions`: columns ``y`` (measured),
            ``mean`` and ``std`` (predicted, log10 S/cm; ``std`` of a new measurement).
        ax: Axes to draw into; a new figure when ``None``.
        title: Figure title; by default the RMSE (log10 units) and the coverage of the 95 %
            intervals (well calibrated: about 95 %).

    Returns:
        The figure: error bars are 95 % intervals (± 1.96 std); the line is y = x.

    Raises:
        InvalidRecordError: Missing columns or no rows.
    """
    _require_columns(predictions, ["y", "mean", "std"], "predictions")
    if predictions.empty:
        raise InvalidRecordError("predictions is empty; cross-validate on 3 or more recipes")
    figure, ax = _axes(ax, figsize=(4.8, 4.6))
    y = predictions["y"].to_numpy(float)
    mean = predictions["mean"].to_numpy(float)
    std = predictions["std"].to_numpy(float)
    rmse, coverage = _parity_stats(predictions)
    inside = np.abs(y - mean) <= _Z95 * std
    for mask, colour, text in (
        (inside, OKABE_ITO[0], "interval covers the measurement"),
        (~inside, OKABE_ITO[3], "interval misses it"),
    ):
        if mask.any():
            ax.errorbar(
                y[mask],
                mean[mask],
                yerr=_Z95 * std[mask],
                fmt="o",
                ms=4,
                color=colour,
                elinewidth=0.8,
                capsize=2,
                alpha=0.85,
                label=f"{text} ({int(mask.sum())})",
            )
    low = float(min(y.min(), (mean - _Z95 * std).min()))
    high = float(max(y.max(), (mean + _Z95 * std).max()))
    pad = 0.05 * (high - low or 1.0)
    lims = (low - pad, high + pad)
    ax.plot(lims, lims, "-", color="0.3", lw=1.0, label="1:1")
    ax.set_xlim(lims)
    ax.set_ylim(lims)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("measured log10 σ (S cm⁻¹)")
    ax.set_ylabel("predicted log10 σ (S cm⁻¹), held out")
    ax.set_title(
        title
        if title is not None
        else f"Cross-validation: RMSE {rmse:.3f} decades, 95 % coverage {coverage:.0%}",
        fontsize=10,
    )
    ax.legend(
        fontsize=8,
        frameon=False,
        loc="upper left",
        title="error bars: 95 % interval",
        title_fontsize=8,
    )
    _style(ax)
    return figure


def plot_calibration(
    predictions: pd.DataFrame,
    *,
    ax: Axes | None = None,
    levels: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99),
) -> Figure:
    """Calibration of the held-out intervals: observed against nominal coverage.

    Args:
        predictions: :attr:`matdoe.surrogate.CVReport.predictions` (columns ``y``, ``mean``,
            ``std`` of a new measurement).
        ax: Axes to draw into; a new figure when ``None``.
        levels: Nominal coverages of central intervals.

    Returns:
        The figure: points on the diagonal mean honest intervals; below it, too narrow
        (overconfident); above it, too wide.
    """
    from scipy import stats

    _require_columns(predictions, ["y", "mean", "std"], "predictions")
    if predictions.empty:
        raise InvalidRecordError("predictions is empty; cross-validate on 3 or more recipes")
    figure, ax = _axes(ax, figsize=(4.4, 4.2))
    z = np.abs(predictions["y"] - predictions["mean"]).to_numpy(float) / predictions[
        "std"
    ].to_numpy(float)
    nominal = np.asarray(levels, dtype=float)
    observed = np.array([(z <= stats.norm.ppf(0.5 + q / 2)).mean() for q in nominal])
    ax.fill_between([0, 1], [0, 0], [0, 1], color=OKABE_ITO[3], alpha=0.07, lw=0)
    ax.plot([0, 1], [0, 1], "-", color="0.3", lw=1.0, label="honest intervals")
    ax.plot(nominal, observed, "o-", color=OKABE_ITO[4], label="held-out recipes")
    ax.text(0.62, 0.12, "below the line:\nintervals too narrow", fontsize=8, color="0.35")
    ax.set_xlim(0.4, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("nominal coverage of the interval")
    ax.set_ylabel("held-out measurements inside it")
    ax.set_title(f"Calibration on {len(z)} held-out measurements", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    _style(ax)
    return figure


def _numeric_parameters(space: SearchSpace) -> list[Any]:
    return [p for p in space.parameters if p.numeric]


def _hue_parameter(space: SearchSpace) -> Any:
    cats = [p for p in space.parameters if not p.numeric]
    return cats[0] if cats else None


def _near_conditions(
    observations: pd.DataFrame, conditions: Mapping[str, float], tolerance: float = 1.0
) -> pd.DataFrame:
    keep = np.ones(len(observations), dtype=bool)
    for name, value in conditions.items():
        if name in observations:
            keep &= (observations[name].to_numpy(float) - value).__abs__() <= tolerance
    return observations[keep]


def _fixed_values(
    space: SearchSpace,
    conditions: Mapping[str, float],
    fixed: Mapping[str, Any] | None,
    observations: pd.DataFrame | None,
    objective: str,
) -> dict[str, Any]:
    """Values of every parameter: ``fixed``, else the best observed recipe, else mid-range."""
    values: dict[str, Any] = {}
    best = None
    if observations is not None and objective in observations and len(observations):
        near = _near_conditions(observations, conditions)
        pool = near if len(near) else observations
        best = pool.loc[pool[objective].idxmax()]
    for p in space.parameters:
        if fixed is not None and p.name in fixed:
            values[p.name] = fixed[p.name]
        elif best is not None and p.name in best.index and best[p.name] == best[p.name]:
            values[p.name] = best[p.name]
        elif not p.numeric:
            values[p.name] = p.value(0.0)
        else:
            values[p.name] = p.value(p.snap(p.sample(np.array([0.5])))[0])
    return values


def _held_text(numeric: Mapping[str, Any], values: Mapping[str, Any], vary: str) -> str:
    """ "milling time 4 h" for the numeric inputs held fixed (all but ``vary``)."""
    return ", ".join(
        f"{_label(n).split(' (')[0]} {values[n]:g}{' h' if n == 'milling_h' else ''}"
        f"{' vol%' if n == 'vol_pct' else ''}"
        for n in numeric
        if n != vary
    )


def plot_response(
    model: GPSurrogate,
    space: SearchSpace,
    *,
    vary: str,
    conditions: dict[str, float],
    fixed: dict[str, Any] | None = None,
    observations: pd.DataFrame | None = None,
    choices: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Predicted conductivity along one recipe parameter: one panel per silica, two bands.

    Each panel shows the predicted σ (line), the 95 % band of the recipe's mean (dark) and the
    95 % interval where a new batch's measurement falls (light: adds measurement noise and
    batch-to-batch scatter). The values held fixed are written in the x-axis label; the legend
    sits below the panels, outside the data.

    Args:
        model: A fitted :class:`matdoe.surrogate.GPSurrogate` of log10 σ.
        space: Its search space.
        vary: The numeric parameter on the x axis, e.g. ``"vol_pct"`` or ``"milling_h"``.
        conditions: Condition values of the prediction, e.g. ``{"temperature_c": 30}``.
        fixed: Values of the other parameters; by default the best observed recipe at the
            condition (the middle of each range when there are no observations).
        observations: Optional observation table (parameter, condition and objective columns):
            rows within 1 °C of the condition are drawn as points, filled when their other
            numeric parameters lie within 10 % of the range of the fixed values, open otherwise.
        choices: Silicas (choices of the categorical parameter) to draw; all by default.
        ax: Draw every silica into these axes instead (distinct colours and line styles, the
            band of the mean only, legend to the right).

    Returns:
        The figure: σ (S cm⁻¹, log axis) = 10^mean.

    Raises:
        InvalidRecordError: ``vary`` is not a numeric parameter of the space, or a name in
            ``choices`` is not a choice of it.
    """
    import pandas as pd
    from matplotlib.figure import Figure

    numeric = {p.name: p for p in _numeric_parameters(space)}
    if vary not in numeric:
        raise InvalidRecordError(
            f"vary={vary!r} is not a numeric parameter of the space; choose one of "
            f"{sorted(numeric)}"
        )
    objective = getattr(model, "objective", "log10_sigma")
    values = _fixed_values(space, conditions, fixed, observations, objective)
    hue = _hue_parameter(space)
    param = numeric[vary]
    grid = np.linspace(param.low, param.high, 200)
    all_choices = list(hue.choices) if hue is not None else []
    colours = _colours(all_choices)
    if choices is not None:
        unknown = [c for c in choices if c not in all_choices]
        if unknown:
            raise InvalidRecordError(f"choices {unknown} are not in the space; use {all_choices}")
    drawn: list[Any] = list(choices) if choices is not None else all_choices or [None]
    near = None
    if observations is not None and len(observations):
        near = _near_conditions(observations, conditions)
    held = _held_text(numeric, values, vary)
    single = ax is not None or len(drawn) == 1
    if ax is not None:
        figure: Any = ax.get_figure()
        axes = [ax] * len(drawn)
    elif single:
        figure, one = _axes(None, figsize=(6.0, 4.4))
        axes = [one]
    else:
        ncols = min(3, len(drawn))
        nrows = math.ceil(len(drawn) / ncols)
        figure = Figure(figsize=(3.6 * ncols, 2.9 * nrows + 0.8), layout="constrained")
        grid_axes = figure.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        axes = list(grid_axes.ravel())
        for extra in axes[len(drawn) :]:
            extra.set_visible(False)
    styles = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
    for k, choice in enumerate(drawn):
        here = axes[k]
        frame = pd.DataFrame({name: [value] * len(grid) for name, value in values.items()})
        frame[vary] = grid
        if hue is not None:
            frame[hue.name] = choice
        mean, std = model.predict(frame, return_std=True, conditions=conditions)
        _, new = model.predict(frame, return_std=True, conditions=conditions, include_noise=True)
        colour = colours.get(choice, OKABE_ITO[0]) if choice is not None else OKABE_ITO[0]
        label = _short(choice) if choice is not None else "prediction"
        style = styles[k % len(styles)] if ax is not None else "-"
        here.plot(grid, 10.0**mean, linestyle=style, color=colour, lw=1.8, label=label)
        here.fill_between(
            grid, 10.0 ** (mean - _Z95 * std), 10.0 ** (mean + _Z95 * std),
            color=colour, alpha=0.28, lw=0,
            label="95 % band of the mean" if k == 0 else None,
        )  # fmt: skip
        if ax is None:
            here.fill_between(
                grid, 10.0 ** (mean - _Z95 * new), 10.0 ** (mean + _Z95 * new),
                color=colour, alpha=0.10, lw=0,
                label="95 %: a new batch's measurement" if k == 0 else None,
            )  # fmt: skip
        if near is not None and objective in near:
            rows = near if choice is None else near[near[hue.name] == choice]
            close = np.ones(len(rows), dtype=bool)
            for name, p in numeric.items():
                if name != vary and name in rows:
                    close &= np.abs(rows[name].to_numpy(float) - float(values[name])) <= 0.1 * (
                        p.high - p.low
                    )
            ys = 10.0 ** rows[objective].to_numpy(float)
            xs = rows[vary].to_numpy(float)
            here.plot(xs[close], ys[close], "o", ms=5.5, color=colour, mec="k", mew=0.6, zorder=4)
            here.plot(
                xs[~close], ys[~close], "o", ms=5, color=colour, mfc="white", mew=1.0, zorder=4
            )
        here.set_yscale("log")
        if ax is None and not single:
            here.set_title(label, fontsize=9.5, color=colour)
        _style(here)
    xlabel = _label(vary) + (
        f"\n(held fixed: {held}; {_condition_text(conditions)})" if held else ""
    )
    ylabel = f"predicted σ at {_condition_text(conditions)} (S cm⁻¹)"
    if ax is not None or single:
        target = axes[0]
        target.set_xlabel(xlabel)
        target.set_ylabel(ylabel)
        target.set_title(f"GP prediction; {held}" if held else "GP prediction", fontsize=9.5)
    else:
        for here in axes[: len(drawn)]:
            here.tick_params(labelsize=8)
        figure.supxlabel(xlabel, fontsize=9.5)
        figure.supylabel(ylabel, fontsize=9.5)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    texts: list[str] = []
    if ax is not None or single:
        h, t = axes[0].get_legend_handles_labels()
        handles += h
        texts += t
    else:
        handles += [Patch(color="0.35", alpha=0.5), Patch(color="0.35", alpha=0.15)]
        texts += ["95 % band of the mean", "95 %: a new batch's measurement"]
    if near is not None and len(near):
        handles += [
            Line2D([], [], marker="o", ls="none", color="0.4", mec="k", mew=0.6),
            Line2D([], [], marker="o", ls="none", color="0.4", mfc="white"),
        ]
        texts += ["data, held inputs near these", "data, held inputs elsewhere"]
    if ax is not None or single:
        axes[0].legend(
            handles, texts, fontsize=7.5, frameon=False,
            loc="upper left", bbox_to_anchor=(1.01, 1.0),
        )  # fmt: skip
    else:
        figure.legend(
            handles, texts, fontsize=8, frameon=False, loc="outside upper center",
            ncols=min(4, len(texts)),
        )  # fmt: skip
    return figure


def _label_offsets(
    ax: Axes,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> list[tuple[float, float]]:
    """Offsets (points) for the numbers of stars so that no number sits on another star or number.

    Stars of a batch can lie a grid step apart; a fixed offset puts their numbers on top of each
    other. Each number takes, of eight places around its star, the one farthest (in the axes'
    0-1 frame, about 5.6 x 4.4 in) from every star and every number placed before it.
    """
    ux = (x - xlim[0]) / ((xlim[1] - xlim[0]) or 1.0)
    uy = (y - ylim[0]) / ((ylim[1] - ylim[0]) or 1.0)
    radius = 11.0  # points
    # Points to axes fraction for a ~4 x 3 inch axes (288 x 216 points).
    to_ax = np.array([1 / 288.0, 1 / 216.0])
    angles = np.deg2rad([45, 135, -45, -135, 90, -90, 0, 180])
    places = [(radius * math.cos(a), radius * math.sin(a)) for a in angles]
    taken = [np.array([a, b]) for a, b in zip(ux, uy, strict=True)]
    out: list[tuple[float, float]] = []
    for a, b in zip(ux, uy, strict=True):
        best, best_d = places[0], -1.0
        for dx, dy in places:
            spot = np.array([a, b]) + np.array([dx, dy]) * to_ax
            inside = 0.0 <= spot[0] <= 1.0 and 0.0 <= spot[1] <= 1.0
            d = min(float(np.hypot(*(spot - t) / to_ax)) for t in taken)
            if inside and d > best_d + 1e-9:
                best, best_d = (dx, dy), d
        out.append(best)
        taken.append(np.array([a, b]) + np.array(best) * to_ax)
    return out


def plot_map(
    model: GPSurrogate,
    space: SearchSpace,
    *,
    x: str = "vol_pct",
    y: str = "milling_h",
    silica: str,
    conditions: dict[str, float],
    what: str = "mean",
    suggestions: pd.DataFrame | None = None,
    observations: pd.DataFrame | None = None,
    fixed: dict[str, Any] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Map of the model over two numeric parameters for one silica: predicted σ or uncertainty.

    Args:
        model: A fitted :class:`matdoe.surrogate.GPSurrogate` of log10 σ.
        space: Its search space.
        x: Numeric parameter on the x axis.
        y: Numeric parameter on the y axis.
        silica: The choice of the space's categorical parameter to map.
        conditions: Condition values, e.g. ``{"temperature_c": 30}``.
        what: ``"mean"``: predicted σ (S cm⁻¹, log colour scale); ``"std"``: posterior standard
            deviation of log10 σ (decades; 0.3 is a factor of 2).
        suggestions: Optional table of suggested recipes (as from :func:`matdoe.suggest.suggest`):
            those of this silica are drawn as numbered stars (numbers = row position + 1), those
            of other silicas as open grey stars.
        observations: Optional observations: recipes of this silica measured within 1 °C of the
            condition are drawn as white dots.
        fixed: Values of any other parameters (default: best observed, else mid-range).
        ax: Axes to draw into; a new figure when ``None``.

    Returns:
        The figure, with a colour bar.

    Raises:
        InvalidRecordError: Unknown ``what``, ``x``/``y`` not numeric parameters, or ``silica``
            not a choice of the space.
    """
    import pandas as pd
    from matplotlib.patheffects import withStroke

    if what not in ("mean", "std"):
        raise InvalidRecordError(f"what={what!r}; use 'mean' (predicted σ) or 'std' (uncertainty)")
    numeric = {p.name: p for p in _numeric_parameters(space)}
    for name in (x, y):
        if name not in numeric:
            raise InvalidRecordError(
                f"{name!r} is not a numeric parameter of the space; choose from {sorted(numeric)}"
            )
    hue = _hue_parameter(space)
    if hue is not None and silica not in hue.choices:
        raise InvalidRecordError(f"silica={silica!r} is not a choice; choose from {hue.choices}")
    objective = getattr(model, "objective", "log10_sigma")
    values = _fixed_values(space, conditions, fixed, observations, objective)
    px, py = numeric[x], numeric[y]
    gx = np.linspace(px.low, px.high, 90)
    gy = np.linspace(py.low, py.high, 90)
    mx, my = np.meshgrid(gx, gy)
    frame = pd.DataFrame({name: [value] * mx.size for name, value in values.items()})
    frame[x] = mx.ravel()
    frame[y] = my.ravel()
    if hue is not None:
        frame[hue.name] = silica
    mean, std = model.predict(frame, return_std=True, conditions=conditions)
    figure, ax = _axes(ax, figsize=(5.6, 4.4))
    if what == "mean":
        # log10 σ on a linear colour scale = σ on a log scale; ticks are labelled in S/cm
        z = mean.reshape(mx.shape)
        filled = ax.contourf(mx, my, z, levels=16, cmap="viridis")
        bar_label = f"predicted σ at {_condition_text(conditions)} (S cm⁻¹)"
        text = "predicted σ"
    else:
        z = std.reshape(mx.shape)
        filled = ax.contourf(mx, my, z, levels=15, cmap="cividis")
        bar_label = "uncertainty: std of log10 σ (decades)"
        text = "uncertainty"
    bar = figure.colorbar(filled, ax=ax)
    if what == "mean":
        from matplotlib.ticker import FuncFormatter

        bar.ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    bar.set_label(bar_label, fontsize=9)
    bar.ax.tick_params(labelsize=8)
    if observations is not None and len(observations):
        near = _near_conditions(observations, conditions)
        if hue is not None and hue.name in near:
            near = near[near[hue.name] == silica]
        if len(near):
            ax.plot(
                near[x],
                near[y],
                "o",
                ms=5,
                color="white",
                mec="k",
                mew=0.8,
                label="measured",
            )
    if suggestions is not None and len(suggestions):
        mine = (
            (suggestions[hue.name] == silica).to_numpy()
            if hue is not None and hue.name in suggestions
            else np.ones(len(suggestions), dtype=bool)
        )
        sx = suggestions[x].to_numpy(float)
        sy = suggestions[y].to_numpy(float)
        if mine.any():
            ax.plot(
                sx[mine],
                sy[mine],
                "*",
                ms=15,
                clip_on=False,
                zorder=5,
                color=OKABE_ITO[1],
                mec="k",
                mew=0.8,
                label="suggested",
            )
            offsets = _label_offsets(ax, sx[mine], sy[mine], (px.low, px.high), (py.low, py.high))
            for number, offset in zip(np.flatnonzero(mine), offsets, strict=True):
                ax.annotate(
                    str(number + 1),
                    (sx[number], sy[number]),
                    xytext=offset,
                    textcoords="offset points",
                    ha="center",
                    va="center",
                    fontsize=9,
                    fontweight="bold",
                    color="black",
                    path_effects=[withStroke(linewidth=2.5, foreground="white")],
                )
        if (~mine).any():
            ax.plot(
                sx[~mine],
                sy[~mine],
                "*",
                ms=11,
                clip_on=False,
                zorder=5,
                color="none",
                mec="0.6",
                mew=1.0,
                label="suggested, other silica",
            )
    ax.set_xlim(px.low, px.high)
    ax.set_ylim(py.low, py.high)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    others = [n for n in numeric if n not in (x, y)]
    extra = "".join(f", {n} = {values[n]:g}" for n in others)
    ax.set_title(f"{_short(silica)}: {text} at {_condition_text(conditions)}{extra}", fontsize=9.5)
    if ax.get_legend_handles_labels()[0]:
        # below the axes: inside, it would hide part of the map
        ax.legend(
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncols=3,
            frameon=False,
            handletextpad=0.2,
            columnspacing=0.8,
        )
    ax.tick_params(direction="out", labelsize=9)
    return figure


def plot_suggestion_maps(
    model: GPSurrogate,
    space: SearchSpace,
    suggestions: pd.DataFrame,
    *,
    conditions: dict[str, float],
    observations: pd.DataFrame | None = None,
    x: str = "vol_pct",
    y: str = "milling_h",
) -> Figure:
    """Mean and uncertainty maps side by side for every silica that has a suggestion.

    Args:
        model: A fitted surrogate of log10 σ.
        space: Its search space (with a categorical parameter, e.g. silica).
        suggestions: Suggested recipes (numbered by row position + 1 in the maps).
        conditions: Condition values, e.g. ``{"temperature_c": 30}``.
        observations: Optional observations, drawn as white dots.
        x: Numeric parameter on the x axes.
        y: Numeric parameter on the y axes.

    Returns:
        A figure with one row per silica: predicted σ (left), its uncertainty (right).

    Raises:
        InvalidRecordError: The space has no categorical parameter or ``suggestions`` is empty.
    """
    from matplotlib.figure import Figure

    hue = _hue_parameter(space)
    if hue is None:
        raise InvalidRecordError("plot_suggestion_maps needs a categorical parameter (silica)")
    if suggestions.empty:
        raise InvalidRecordError("suggestions is empty; nothing to show")
    chosen = sorted(dict.fromkeys(suggestions[hue.name]), key=_natural_key)
    figure = Figure(figsize=(11.0, 4.2 * len(chosen)), layout="constrained")
    axes = figure.subplots(len(chosen), 2, squeeze=False)
    for row, choice in zip(axes, chosen, strict=True):
        for ax, what in zip(row, ("mean", "std"), strict=True):
            plot_map(
                model,
                space,
                x=x,
                y=y,
                silica=choice,
                conditions=conditions,
                what=what,
                suggestions=suggestions,
                observations=observations,
                ax=ax,
            )
    return figure


def plot_importance(model: GPSurrogate, *, ax: Axes | None = None) -> Figure:
    """Which inputs matter: the GP's ARD lengthscales, shortest (most important) on top.

    A lengthscale is the distance (in the unit-scaled input, where 1 spans the whole range) over
    which the prediction changes appreciably. Much longer than 1 means the prediction is nearly
    flat along that input.

    Args:
        model: A fitted :class:`matdoe.surrogate.GPSurrogate` (its ``lengthscales_``).
        ax: Axes to draw into; a new figure when ``None``.

    Returns:
        The figure: horizontal bars on a log axis, a dashed line at 1 (the whole range).

    Raises:
        NotFittedError: The model is not fitted.
    """
    from matdoe.errors import NotFittedError

    scales = getattr(model, "lengthscales_", None)
    if scales is None:
        raise NotFittedError("plot_importance needs a fitted model; call fit(X, y) first")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    items = sorted(scales.items(), key=lambda kv: kv[1], reverse=True)
    figure, ax = _axes(ax, figsize=(5.8, 0.42 * len(items) + 1.7))
    names = [_FEATURE_LABELS.get(k, k) for k, _ in items]
    values = np.array([v for _, v in items], dtype=float)
    positions = np.arange(len(items))
    # dots on a log axis (bars from an arbitrary left edge would suggest a zero that is not there)
    ax.plot(values, positions, "o", ms=8, color=OKABE_ITO[0])
    ax.set_yticks(positions, names)
    ax.axvline(1.0, color="0.3", ls="--", lw=0.9)
    ax.set_xscale("log")
    low = min(float(values.min()), 1.0) / 2.0
    ax.set_xlim(low, max(float(values.max()), 1.0) * 2.0)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("lengthscale (fraction of the input's range)\nshorter = more important")
    ax.set_title("Which inputs matter (GP ARD lengthscales)", fontsize=10)
    ax.annotate(
        "1 = whole range",
        (1.0, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        fontsize=7.5,
        color="0.3",
    )
    _style(ax)
    return figure


# ---------------------------------------------------------------------------- campaigns
def plot_regret(
    curves: pd.DataFrame,
    *,
    ax: Axes | None = None,
    floor: float = 1e-3,
) -> Figure:
    """Simple regret against the number of experiments: median and quartiles per strategy.

    Args:
        curves: One row per strategy, seed and experiment: columns ``strategy``, ``seed``,
            ``experiment`` and ``regret`` (optimum − best found, log10 units), as from
            :func:`matdoe.loop.run_closed_loop`.
        ax: Axes to draw into; a new figure when ``None``.
        floor: Regret values below this are drawn at it (a log axis cannot show 0).

    Returns:
        The figure: log regret axis, median line and interquartile band over seeds.

    Raises:
        InvalidRecordError: Missing columns or no rows.
    """
    _require_columns(curves, ["strategy", "seed", "experiment", "regret"], "curves")
    if curves.empty:
        raise InvalidRecordError("curves is empty; run at least one closed loop")
    figure, ax = _axes(ax, figsize=(5.6, 4.0))
    strategies = list(dict.fromkeys(curves["strategy"]))
    for i, strategy in enumerate(strategies):
        rows = curves[curves["strategy"] == strategy]
        table = rows.pivot_table(index="experiment", columns="seed", values="regret")
        values = np.maximum(table.to_numpy(float), floor)
        x = table.index.to_numpy(float)
        q25, median, q75 = np.nanpercentile(values, [25, 50, 75], axis=1)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.step(
            x,
            median,
            where="post",
            color=colour,
            lw=1.7,
            label=f"{strategy} (median of {table.shape[1]} seeds)",
        )
        ax.fill_between(x, q25, q75, step="post", color=colour, alpha=0.18, lw=0)
    ax.set_yscale("log")
    ax.set_xlabel("experiments made")
    ax.set_ylabel("regret: best possible − best made\n(log10 σ, decades)")
    ax.set_title("Closed loop on the SIMULATED digital twin (bands: quartiles)", fontsize=9.5)
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return figure


_OBJECTIVE_LABELS = {
    "log10_sigma": "log10 σ (S cm⁻¹)",
    "ea_ev": "activation energy Ea (eV)",
    "milling_h": "milling time (h)",
}


def plot_pareto(
    table: pd.DataFrame,
    objectives: Sequence[tuple[str, bool]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The batches of a campaign in its first two objectives, the Pareto front highlighted.

    Args:
        table: One row per batch with the objective columns and ``on_front`` (as from
            :func:`matdoe.campaign.objective_table`); rows without both values are not drawn.
        objectives: ``(name, maximize)`` of each objective; the first two are drawn.
        title: Figure title (e.g. the campaign's name).
        ax: Axes to draw into.

    Returns:
        The figure: every batch as a grey point, the front as a step line through its points
        (labelled with the batch), arrows on the axes pointing to "better".

    Raises:
        InvalidRecordError: fewer than two objectives, or no batch with both values.
    """
    if len(objectives) < 2:
        raise InvalidRecordError("a Pareto front needs two or more objectives")
    (x_name, x_max), (y_name, y_max) = objectives[0], objectives[1]
    rows = table.dropna(subset=[x_name, y_name])
    if not len(rows):
        raise InsufficientDataError(
            f"no batch has both {x_name} and {y_name} yet; measure some to see the front"
        )
    figure, axes = _axes(ax, figsize=(5.8, 4.4))
    axes.scatter(rows[x_name], rows[y_name], s=22, color="#999999", label="batches", zorder=2)
    front = rows[rows["on_front"].astype(bool)]
    order = front.sort_values(x_name, ascending=not x_max)
    xs, ys = order[x_name].to_numpy(float), order[y_name].to_numpy(float)
    axes.step(xs, ys, where="post", color=OKABE_ITO[0], lw=1.4, zorder=3)
    axes.scatter(xs, ys, s=36, color=OKABE_ITO[0], label="Pareto front", zorder=4)
    if "sample" in order.columns and len(order) <= 12:
        for x, y, label in zip(xs, ys, order["sample"], strict=True):
            axes.annotate(str(label), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    better = "→ better" if x_max else "← better"
    axes.set_xlabel(f"{_OBJECTIVE_LABELS.get(x_name, x_name)}   ({better})")
    better = "↑ better" if y_max else "↓ better"
    axes.set_ylabel(f"{_OBJECTIVE_LABELS.get(y_name, y_name)}   ({better})")
    if title:
        axes.set_title(title)
    if len(objectives) > 2:
        axes.text(
            0.01,
            0.01,
            "front over all " + ", ".join(n for n, _ in objectives) + "; first two drawn",
            transform=axes.transAxes,
            fontsize=7,
        )
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return figure
