"""Figures for conductivity and impedance data, returned as matplotlib ``Figure`` objects.

Every ``plot_*`` function builds a :class:`matplotlib.figure.Figure` directly (no pyplot, so no
global state and no GUI backend): the CLI saves it with ``fig.savefig("x.png")``, a notebook
displays it. Pass ``ax=`` to draw into an existing axes, e.g. several samples in one Arrhenius
plot; the function then returns ``ax.figure``.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.conductivity import ArrheniusFit
from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from matdoe.eis import Spectrum, SpectrumFit

__all__ = ["plot_arrhenius", "plot_nyquist"]

_FIGSIZE = (5.5, 4.2)
_ZERO_CELSIUS_K = 273.15


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
    return figure, new_ax


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
    return "σT fit" if form == "sigma_t" else "σ fit"


def plot_nyquist(
    spectrum: Spectrum,
    fit: SpectrumFit | None = None,
    *,
    ax: Axes | None = None,
    zoom: bool = True,
) -> Figure:
    """Nyquist plot: -Im Z against Re Z (ohm), equal aspect, with the fitted curve and R marked.

    Args:
        spectrum: The measured (or simulated) spectrum.
        fit: Optional circuit fit: drawn as a line, and its resistance R marked on the real
            axis with its 95 % interval in the legend.
        ax: Axes to draw into; a new figure when ``None``.
        zoom: With a fit, limit the view to about 1.6 R so that the arc is visible next to the
            much larger electrode spur; ``False`` shows every point.

    Returns:
        The figure (``ax.figure`` when ``ax`` was given).
    """
    figure, ax = _axes(ax)
    re_z = spectrum.z_real_ohm
    neg_im = -spectrum.z_imag_ohm
    data_label = spectrum.source or "data"
    ax.plot(re_z, neg_im, "o", ms=4, mfc="none", label=data_label)
    if fit is not None:
        f = spectrum.frequency_hz
        f_line = np.logspace(np.log10(f.min()), np.log10(f.max()), 400)
        z_line = fit.impedance_at(f_line)
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
    ax.set_aspect("equal", adjustable="datalim" if fit is None or not zoom else "box")
    ax.set_xlabel("Re Z (Ω)")
    ax.set_ylabel("−Im Z (Ω)")
    _style(ax)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return figure
