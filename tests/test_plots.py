"""Tests for matdoe.plots: figures with labelled axes that save to PNG."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from matdoe.conductivity import BOLTZMANN_EV_K, fit_arrhenius
from matdoe.eis import fit_spectrum, synthetic_spectrum
from matdoe.errors import InvalidRecordError
from matdoe.plots import _FEATURE_LABELS, plot_arrhenius, plot_nyquist

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
T_K = np.array([303.15, 313.15, 323.15, 333.15])


def sigma_of(t, ea=0.38, log10_a=2.3):
    """sigma = A·exp(-Ea/kT), the default Arrhenius form."""
    return 10**log10_a * np.exp(-ea / (BOLTZMANN_EV_K * t))


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


# ---------------------------------------------------------------------------- model and DoE plots
# A small simulated campaign (digital twin, SIMULATED) and a GP fitted on it, shared by the tests.
@pytest.fixture(scope="module")
def twin_data():
    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    rng = np.random.default_rng(0)
    recipes = space.from_raw(space.sample_raw(14, rng))
    recipes = pd.concat(
        [recipes, pd.DataFrame([{"silica": "SiO2-A200", "vol_pct": 35.0, "milling_h": 4.0}])],
        ignore_index=True,
    )
    table = DigitalTwin().measure(recipes, [30.0, 60.0], random_state=1).reset_index(drop=True)
    table["sample"] = [f"sim-{i % len(recipes)}" for i in range(len(table))]
    return space, table


@pytest.fixture(scope="module")
def fitted(twin_data):
    from matdoe.surrogate import GPSurrogate

    space, table = twin_data
    columns = [*space.parameter_names, *space.condition_names]
    model = GPSurrogate(space, random_state=0).fit(
        table[columns], table["log10_sigma"], table["log10_sigma_std"]
    )
    return space, table, model


def saves_png(fig, tmp_path, name):
    path = tmp_path / name
    fig.savefig(path, dpi=50)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_new_figures_use_the_colour_blind_safe_palette():
    from matdoe.plots import OKABE_ITO

    fig = plot_arrhenius(T_K, sigma_of(T_K), label="A")
    (line,) = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert line.get_color() == OKABE_ITO[0]


def test_parity_plot_shows_intervals_identity_and_scores(tmp_path):
    from matdoe.plots import plot_parity

    y = np.array([-5.0, -4.5, -4.0, -3.5, -3.0])
    mean = y + np.array([0.05, -0.1, 0.02, 0.4, 0.0])
    predictions = pd.DataFrame({"y": y, "mean": mean, "std": np.full(5, 0.1), "fold": 0})
    fig = plot_parity(predictions)
    ax = fig.axes[0]
    assert "measured log10 σ" in ax.get_xlabel() and "S cm" in ax.get_xlabel()
    assert "predicted log10 σ" in ax.get_ylabel()
    rmse = np.sqrt(np.mean((y - mean) ** 2))
    # 4 of 5 inside ±1.96·0.1 (the 0.4 miss is outside)
    assert f"RMSE {rmse:.3f}" in ax.get_title() and "coverage 80%" in ax.get_title()
    identity = [line for line in ax.get_lines() if line.get_label() == "1:1"]
    (one_to_one,) = identity
    np.testing.assert_allclose(one_to_one.get_xdata(), one_to_one.get_ydata())
    # error bars are ±1.96 std: the vertical segments of the errorbar collections
    segments = np.concatenate([c.get_segments() for c in ax.collections])
    half = np.array([abs(s[1][1] - s[0][1]) / 2 for s in segments])
    np.testing.assert_allclose(half, 1.959964 * 0.1, rtol=1e-5)
    assert plot_parity(predictions, title="mine").axes[0].get_title() == "mine"
    saves_png(fig, tmp_path, "parity.png")
    with pytest.raises(InvalidRecordError, match="lacks column"):
        plot_parity(predictions.drop(columns="std"))


def test_response_curves_per_silica_with_bands_at_best_recipe(fitted, tmp_path):
    from matdoe.plots import plot_response

    space, table, model = fitted
    conditions = {"temperature_c": 30.0}
    fig = plot_response(model, space, vary="vol_pct", conditions=conditions, observations=table)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["A90", "A200", "A300", "A380", "SBA15"]
    assert all(ax.get_yscale() == "log" for ax in panels)
    assert "vol%" in fig.get_supxlabel() and "30 °C" in fig.get_supxlabel()
    assert "S cm" in fig.get_supylabel() and "30 °C" in fig.get_supylabel()
    # the other numeric input defaults to the best observed recipe at 30 °C (A200, 35 %, 4 h)
    # and is written where the eye looks for the axis: in its label
    at30 = table[table["temperature_c"] == 30.0]
    best = at30.loc[at30["log10_sigma"].idxmax()]
    assert f"milling time {best['milling_h']:g} h" in fig.get_supxlabel()
    line = next(line for line in panels[1].get_lines() if line.get_linewidth() > 1.5)
    assert line.get_label() == "A200"
    x = line.get_xdata()[[0, 100]]
    frame = pd.DataFrame(
        {"silica": "SiO2-A200", "vol_pct": x, "milling_h": float(best["milling_h"])}
    )
    mean = model.predict(frame, conditions=conditions)
    np.testing.assert_allclose(line.get_ydata()[[0, 100]], 10**mean, rtol=1e-9)
    # two bands per panel: the mean's and a new batch's measurement's (wider)
    assert all(len(ax.collections) == 2 for ax in panels)
    inner, outer = (c.get_paths()[0].get_extents() for c in panels[1].collections)
    assert outer.height >= inner.height
    texts = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"95 % band of the mean", "95 %: a new batch's measurement"} <= texts
    saves_png(fig, tmp_path, "response.png")

    two = plot_response(
        model,
        space,
        vary="milling_h",
        conditions=conditions,
        fixed={"vol_pct": 20.0},
        choices=["SiO2-A200", "SiO2-SBA15"],
    )
    panels = [ax for ax in two.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["A200", "SBA15"]
    assert two.get_supxlabel().startswith("milling time (h)")
    assert "20 vol%" in two.get_supxlabel()
    one = plot_response(
        model, space, vary="milling_h", conditions=conditions, choices=["SiO2-A200"]
    )
    assert one.axes[0].get_xlabel().startswith("milling time (h)")
    assert "A200" in {t.get_text() for t in one.axes[0].get_legend().get_texts()}


def test_response_rejects_bad_parameters(fitted):
    from matdoe.plots import plot_response

    space, _, model = fitted
    with pytest.raises(InvalidRecordError, match="not a numeric parameter"):
        plot_response(model, space, vary="silica", conditions={"temperature_c": 30.0})
    with pytest.raises(InvalidRecordError, match="not in the space"):
        plot_response(
            model, space, vary="vol_pct", conditions={"temperature_c": 30.0}, choices=["SiO2-X"]
        )


def test_map_of_mean_and_uncertainty_marks_suggestions(fitted, tmp_path):
    from matdoe.plots import plot_map, plot_suggestion_maps

    space, table, model = fitted
    conditions = {"temperature_c": 30.0}
    suggestions = pd.DataFrame(
        {"silica": ["SiO2-A200", "SiO2-A380"], "vol_pct": [30.0, 40.0], "milling_h": [3.0, 5.0]}
    )
    fig = plot_map(
        model,
        space,
        silica="SiO2-A200",
        conditions=conditions,
        suggestions=suggestions,
        observations=table,
    )
    ax, bar = fig.axes
    assert "vol%" in ax.get_xlabel() and ax.get_ylabel() == "milling time (h)"
    assert "σ" in bar.get_ylabel() and "S cm" in bar.get_ylabel()
    assert "30 °C" in bar.get_ylabel()
    stars = {line.get_label(): line for line in ax.get_lines() if line.get_marker() == "*"}
    np.testing.assert_allclose(stars["suggested"].get_xdata(), [30.0])
    np.testing.assert_allclose(stars["suggested, other silica"].get_ydata(), [5.0])
    assert [t.get_text() for t in ax.texts] == ["1"]
    saves_png(fig, tmp_path, "map.png")

    std_fig = plot_map(model, space, silica="SiO2-SBA15", conditions=conditions, what="std")
    assert "decades" in std_fig.axes[1].get_ylabel()
    with pytest.raises(InvalidRecordError, match="what="):
        plot_map(model, space, silica="SiO2-A200", conditions=conditions, what="ei")
    with pytest.raises(InvalidRecordError, match="not a choice"):
        plot_map(model, space, silica="A200", conditions=conditions)

    grid = plot_suggestion_maps(model, space, suggestions, conditions=conditions)
    maps = [a for a in grid.axes if a.get_xlabel()]
    assert len(maps) == 4  # (A200, A380) x (mean, std)
    saves_png(grid, tmp_path, "maps.png")


def test_importance_orders_inputs_by_lengthscale(fitted, tmp_path):
    from matdoe.errors import NotFittedError
    from matdoe.plots import plot_importance
    from matdoe.surrogate import GPSurrogate

    space, _, model = fitted
    fig = plot_importance(model)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert "shorter = more important" in ax.get_xlabel()
    values = ax.get_lines()[0].get_xdata()
    assert sorted(model.lengthscales_.values(), reverse=True) == list(values)
    # the last (top) label is the input with the shortest lengthscale
    shortest = min(model.lengthscales_, key=model.lengthscales_.get)
    top = ax.get_yticklabels()[-1].get_text()
    assert top == _FEATURE_LABELS[shortest]
    saves_png(fig, tmp_path, "importance.png")
    with pytest.raises(NotFittedError):
        plot_importance(GPSurrogate(space))


def test_regret_plot_draws_median_per_strategy_on_log_axis(tmp_path):
    from matdoe.plots import plot_regret

    rows = []
    for strategy, scale in (("random", 1.0), ("gp-ei", 0.5)):
        for seed in range(3):
            for experiment in range(1, 5):
                rows.append(
                    {
                        "strategy": strategy,
                        "seed": seed,
                        "experiment": experiment,
                        "regret": scale * (seed + 1) / experiment if experiment < 4 else 0.0,
                    }
                )
    curves = pd.DataFrame(rows)
    fig = plot_regret(curves, floor=1e-3)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert "experiments" in ax.get_xlabel() and "decades" in ax.get_ylabel()
    lines = {line.get_label().split(" (")[0]: line for line in ax.get_lines()}
    assert set(lines) == {"random", "gp-ei"}
    # median over seeds (1, 2, 3) x scale / experiment; a regret of 0 is drawn at the floor
    np.testing.assert_allclose(lines["gp-ei"].get_ydata()[:3], [1.0, 0.5, 1 / 3])
    assert lines["gp-ei"].get_ydata()[3] == pytest.approx(1e-3)
    saves_png(fig, tmp_path, "regret.png")
    with pytest.raises(InvalidRecordError, match="lacks column"):
        plot_regret(curves.drop(columns="seed"))


def test_nyquist_many_labels_each_temperature(tmp_path):
    from matdoe.plots import plot_nyquist_many

    items = []
    for celsius, r in ((60, 100.0), (30, 400.0)):
        spectrum = synthetic_spectrum(r, random_state=0)
        items.append((spectrum, fit_spectrum(spectrum), celsius + 273.15))
    items.append((synthetic_spectrum(250.0, random_state=1), None, 313.15))
    fig = plot_nyquist_many(items)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0].startswith("30 °C, R = ") and texts[1] == "40 °C" and "60 °C" in texts[2]
    assert ax.get_xlabel() == "Re Z (Ω)" and "Im Z (Ω)" in ax.get_ylabel()
    assert ax.get_aspect() == 1.0
    assert ax.get_xlim()[1] == pytest.approx(1.6 * max(f.resistance_ohm for _, f, _ in items if f))
    saves_png(fig, tmp_path, "nyquist_many.png")
    with pytest.raises(InvalidRecordError, match="at least one"):
        plot_nyquist_many([])


def test_conductivity_overview_three_panels_marks_simulated(twin_data, tmp_path):
    from matdoe.errors import InsufficientDataError
    from matdoe.plots import plot_conductivity_overview

    _, table = twin_data
    paper = pd.DataFrame(
        [
            {
                "silica": None,
                "vol_pct": 0.0,
                "milling_h": None,
                "temperature_c": 60.0,
                "log10_sigma": np.log10(1.9e-5),
                "log10_sigma_std": None,
                "source": "paper",
            }
        ]
    )
    frame = pd.concat([table, paper], ignore_index=True)
    fig = plot_conductivity_overview(frame, temperature_c=60.0)
    axes = [ax for ax in fig.axes if ax.get_xlabel()]
    assert [ax.get_xlabel() for ax in axes] == ["SiO₂ content (vol%)", "milling time (h)", "silica"]
    assert all(ax.get_yscale() == "log" for ax in axes)
    assert "60 °C" in axes[0].get_ylabel() and "S cm" in axes[0].get_ylabel()
    assert "SIMULATED" in fig.get_suptitle()
    ticks = [t.get_text() for t in axes[2].get_xticklabels()]
    assert ticks == ["A90", "A200", "A300", "A380", "SBA15", "no SiO₂"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "SIMULATED (digital twin)" in legend and "reported in the paper" in legend
    saves_png(fig, tmp_path, "overview.png")
    with pytest.raises(InsufficientDataError, match=r"\[30.0, 60.0\]"):
        plot_conductivity_overview(frame, temperature_c=45.0)


def test_arrhenius_of_several_samples_one_entry_each_with_ea(twin_data, tmp_path):
    from matdoe.plots import plot_arrhenius_samples

    _, table = twin_data
    # two temperatures per sample in this table: no fit, points only
    fig = plot_arrhenius_samples(table, ["sim-0", "sim-1"])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["sim-0 (SIMULATED)", "sim-1 (SIMULATED)"]
    t_c = np.array([30.0, 40.0, 50.0, 60.0])
    rows = pd.DataFrame(
        {"sample": "S1", "temperature_c": t_c, "sigma_s_cm": sigma_of(t_c + 273.15)}
    )
    fig = plot_arrhenius_samples(rows, ["S1"])
    (text,) = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert text.startswith("S1: Ea = 0.380")
    saves_png(fig, tmp_path, "arrhenius_many.png")
    with pytest.raises(InvalidRecordError, match="S2"):
        plot_arrhenius_samples(rows, ["S2"])
