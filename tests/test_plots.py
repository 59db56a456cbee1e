"""Tests for matdoe.plots: figures with labelled axes that save to PNG."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from matdoe.conductivity import BOLTZMANN_EV_K, fit_arrhenius
from matdoe.eis import fit_spectrum, synthetic_spectrum
from matdoe.errors import InvalidRecordError
from matdoe.plots import plot_arrhenius, plot_nyquist

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
T_K = np.array([303.15, 313.15, 323.15, 333.15])


def sigma_of(t, ea=0.38, log10_a=2.3):
    return 10**log10_a * np.exp(-ea / (BOLTZMANN_EV_K * t)) / t


def secondary_axes(ax):
    return [child for child in ax.child_axes if getattr(child, "_matdoe_celsius", False)]


def test_arrhenius_plot_has_units_log_scale_and_fit_label(tmp_path):
    sigma = sigma_of(T_K) * np.array([1.02, 0.97, 1.01, 1.0])
    fit = fit_arrhenius(T_K, sigma)
    fig = plot_arrhenius(T_K, sigma, sigma_std_s_cm=0.03 * sigma, fit=fit, label="S-35A200")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert "1000/T" in ax.get_xlabel() and "K" in ax.get_xlabel()
    assert "S cm" in ax.get_ylabel()
    (top,) = secondary_axes(ax)
    assert "°C" in top.get_xlabel()
    # the plotted points are at 1000/T
    xs = np.concatenate([line.get_xdata() for line in ax.get_lines() if line.get_marker() == "o"])
    np.testing.assert_allclose(np.sort(xs), np.sort(1000 / T_K))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(f"Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV" in text for text in legend)
    path = tmp_path / "arrhenius.png"
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_top_axis_converts_between_inverse_kelvin_and_celsius():
    fig = plot_arrhenius(T_K, sigma_of(T_K))
    (top,) = secondary_axes(fig.axes[0])
    forward, inverse = top._functions
    np.testing.assert_allclose(forward(np.array([1000 / 333.15])), [60.0])
    np.testing.assert_allclose(inverse(np.array([30.0])), [1000 / 303.15])
    assert np.isinf(forward(np.array([0.0]))).all()  # no warning at the axis edge


def test_several_samples_share_one_axes(tmp_path):
    fig = plot_arrhenius(T_K, sigma_of(T_K), label="A")
    ax = fig.axes[0]
    again = plot_arrhenius(T_K, sigma_of(T_K, ea=0.5, log10_a=4), label="B", ax=ax)
    assert again is fig
    assert len(secondary_axes(ax)) == 1
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"A", "B"}
    fig.savefig(tmp_path / "two.png", dpi=50)


def test_arrhenius_plot_rejects_bad_input():
    with pytest.raises(InvalidRecordError, match="one per point"):
        plot_arrhenius(T_K, [1e-3, 2e-3])
    with pytest.raises(InvalidRecordError, match="sigma_s_cm"):
        plot_arrhenius(T_K, [1e-3, 2e-3, np.nan, 4e-3])


def test_nyquist_plot_with_fit(tmp_path):
    spectrum = synthetic_spectrum(100.0, random_state=0)
    fit = fit_spectrum(spectrum)
    fig = plot_nyquist(spectrum, fit)
    ax = fig.axes[0]
    assert "Re Z" in ax.get_xlabel() and "Ω" in ax.get_xlabel()
    assert "Im Z" in ax.get_ylabel() and "Ω" in ax.get_ylabel()
    assert ax.get_aspect() == 1.0
    # -Im Z is plotted, so the arc is above the real axis
    data = ax.get_lines()[0]
    np.testing.assert_allclose(data.get_ydata(), -spectrum.z_imag_ohm)
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert f"R = {fit.resistance_ohm:.4g} Ω" in legend
    low, high = ax.get_xlim()
    assert low <= fit.resistance_ohm <= high
    path = tmp_path / "nyquist.png"
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_nyquist_plot_without_fit_into_given_axes():
    base = Figure()
    ax = base.add_subplot()
    fig = plot_nyquist(synthetic_spectrum(50.0), ax=ax)
    assert fig is base
    assert ax.get_xlabel() == "Re Z (Ω)"


def test_importing_plots_does_not_import_pyplot():
    code = "import sys, matdoe.plots; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
