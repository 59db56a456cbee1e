"""Tests for matdoe.conductivity: sigma = L/(RA), run aggregation, Arrhenius fits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matdoe.conductivity import (
    BOLTZMANN_EV_K,
    DEFAULT_AREA_REL_STD,
    DEFAULT_RESISTANCE_REL_STD,
    DEFAULT_THICKNESS_STD_CM,
    ArrheniusFit,
    aggregate_runs,
    conductivity_from_resistance,
    fit_arrhenius,
)
from matdoe.errors import InsufficientDataError, InvalidRecordError

T_PAPER_K = np.array([303.15, 313.15, 323.15, 333.15])


def arrhenius_sigma(temperature_k, ea_ev, log10_a, form):
    t = np.asarray(temperature_k, dtype=float)
    y = 10.0**log10_a * np.exp(-ea_ev / (BOLTZMANN_EV_K * t))
    return y / t if form == "sigma_t" else y


# --- sigma = L / (R A) -------------------------------------------------------------------------


def test_conductivity_of_the_papers_best_pellet():
    # 320 um pellet, 0.785 cm2 rods, 29.1 ohm -> 1.40e-3 S/cm
    c = conductivity_from_resistance(29.12, 0.032, 0.785)
    assert c.sigma_s_cm == pytest.approx(0.032 / (29.12 * 0.785), rel=1e-12)
    assert c.sigma_s_cm == pytest.approx(1.40e-3, rel=1e-3)


def test_default_uncertainties_are_the_stated_ones():
    r, length, area = 100.0, 0.03, 0.785
    c = conductivity_from_resistance(r, length, area)
    rel = math.sqrt(
        DEFAULT_RESISTANCE_REL_STD**2
        + (DEFAULT_THICKNESS_STD_CM / length) ** 2
        + DEFAULT_AREA_REL_STD**2
    )
    assert c.sigma_std_s_cm == pytest.approx(c.sigma_s_cm * rel, rel=1e-12)
    exact = conductivity_from_resistance(
        r, length, area, resistance_std_ohm=0, thickness_std_cm=0, area_std_cm2=0
    )
    assert exact.sigma_std_s_cm == 0.0


def test_propagated_uncertainty_matches_monte_carlo():
    rng = np.random.default_rng(1)
    r, r_std, length, length_std, area, area_std = 50.0, 1.5, 0.03, 0.0008, 0.785, 0.006
    c = conductivity_from_resistance(
        r,
        length,
        area,
        resistance_std_ohm=r_std,
        thickness_std_cm=length_std,
        area_std_cm2=area_std,
    )
    n = 200_000
    samples = rng.normal(length, length_std, n) / (
        rng.normal(r, r_std, n) * rng.normal(area, area_std, n)
    )
    assert c.sigma_s_cm == pytest.approx(np.mean(samples), rel=2e-3)
    # first-order propagation: agrees with the sampled spread to a few per cent at these
    # relative errors (3 %, 2.7 %, 0.8 %)
    assert c.sigma_std_s_cm == pytest.approx(np.std(samples), rel=0.03)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"resistance_ohm": 0.0}, "resistance_ohm"),
        ({"resistance_ohm": -5.0}, "resistance_ohm"),
        ({"thickness_cm": math.nan}, "thickness_cm"),
        ({"area_cm2": math.inf}, "area_cm2"),
        ({"resistance_std_ohm": -1.0}, "resistance_std_ohm"),
    ],
)
def test_bad_inputs_are_named(kwargs, name):
    args = {"resistance_ohm": 30.0, "thickness_cm": 0.03, "area_cm2": 0.785} | kwargs
    with pytest.raises(InvalidRecordError, match=name):
        conductivity_from_resistance(**args)


@given(
    r=st.floats(1e-2, 1e7),
    length=st.floats(1e-3, 1.0),
    area=st.floats(1e-2, 5.0),
    k=st.floats(0.1, 10.0),
)
def test_sigma_scales_inversely_with_resistance(r, length, area, k):
    a = conductivity_from_resistance(r, length, area)
    b = conductivity_from_resistance(k * r, length, area)
    assert a.sigma_s_cm * r * area / length == pytest.approx(1.0, rel=1e-12)
    assert b.sigma_s_cm * k == pytest.approx(a.sigma_s_cm, rel=1e-12)
    # relative uncertainty does not depend on R when R's is relative
    assert b.sigma_std_s_cm / b.sigma_s_cm == pytest.approx(a.sigma_std_s_cm / a.sigma_s_cm)


# --- aggregate_runs ----------------------------------------------------------------------------


def test_heating_and_cooling_runs_are_grouped():
    t = [303.2, 313.1, 333.0, 333.4, 313.3, 303.0, 323.15]
    s = [5.0e-4, 7.0e-4, 1.4e-3, 1.5e-3, 7.4e-4, 5.2e-4, 1.0e-3]
    groups = aggregate_runs(t, s, sigma_std_s_cm=[1e-5] * 7)
    assert [g.n_runs for g in groups] == [2, 2, 1, 2]
    assert [round(g.temperature_k, 2) for g in groups] == [303.1, 313.2, 323.15, 333.2]
    assert groups[0].sigma_mean_s_cm == pytest.approx(5.1e-4)
    assert groups[0].sigma_std_s_cm == pytest.approx(np.std([5.0e-4, 5.2e-4], ddof=1))
    assert groups[2].sigma_std_s_cm == pytest.approx(1e-5)  # single run keeps its own std
    assert aggregate_runs([300.0], [1e-3])[0].sigma_std_s_cm == 0.0


def test_tolerance_splits_groups():
    assert len(aggregate_runs([300.0, 301.5], [1e-3, 1e-3], tolerance_k=1.0)) == 2
    assert len(aggregate_runs([300.0, 301.5], [1e-3, 1e-3], tolerance_k=2.0)) == 1


@given(
    st.lists(st.tuples(st.floats(200.0, 500.0), st.floats(1e-8, 1e-1)), min_size=1, max_size=30),
    st.floats(0.0, 5.0),
)
def test_aggregation_keeps_every_run(runs, tolerance):
    t, s = zip(*runs, strict=True)
    groups = aggregate_runs(t, s, tolerance_k=tolerance)
    assert sum(g.n_runs for g in groups) == len(runs)
    temps = [g.temperature_k for g in groups]
    assert temps == sorted(temps)
    for g in groups:
        assert min(s) * (1 - 1e-12) <= g.sigma_mean_s_cm <= max(s) * (1 + 1e-12)


def test_aggregate_rejects_nan():
    with pytest.raises(InvalidRecordError, match=r"sigma_s_cm\[1\]"):
        aggregate_runs([300, 310], [1e-3, math.nan])


# --- Arrhenius ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["sigma_t", "sigma"])
def test_noisy_arrhenius_recovers_ea_within_three_standard_errors(form):
    rng = np.random.default_rng(7)
    t = np.repeat(np.arange(293.15, 374.0, 10.0), 2)  # 20-100 C, heating and cooling
    truth = arrhenius_sigma(t, 0.45, 3.0, form)
    rel_noise = 0.03
    sigma = truth * np.exp(rng.normal(0.0, rel_noise, t.size))
    for weights in (None, rel_noise * sigma):
        fit = fit_arrhenius(t, sigma, sigma_std_s_cm=weights, form=form)
        assert fit.form == form
        assert 0 < fit.ea_std_ev < 0.02
        assert abs(fit.ea_ev - 0.45) < 3 * fit.ea_std_ev
        assert abs(fit.log10_prefactor - 3.0) < 3 * fit.log10_prefactor_std
        assert fit.r2 > 0.99
        assert fit.n_points == t.size
        assert (fit.temperature_min_k, fit.temperature_max_k) == (t.min(), t.max())


def test_ea_standard_error_is_calibrated():
    # Over many noisy data sets, |Ea - truth| < 2 std errors about 95 % of the time
    # (t distribution with 4 dof: 88 %).
    rng = np.random.default_rng(3)
    hits = 0
    trials = 400
    for _ in range(trials):
        sigma = arrhenius_sigma(T_PAPER_K, 0.45, 3.0, "sigma") * np.exp(rng.normal(0, 0.05, 4))
        fit = fit_arrhenius(T_PAPER_K, sigma)
        hits += abs(fit.ea_ev - 0.45) < 2 * fit.ea_std_ev
    # two dof: P(|t_2| < 2) = 0.816
    assert 0.75 < hits / trials < 0.88


def test_forms_differ_by_about_kt():
    sigma = arrhenius_sigma(T_PAPER_K, 0.38, 2.0, "sigma")
    fit_s = fit_arrhenius(T_PAPER_K, sigma, form="sigma")
    fit_st = fit_arrhenius(T_PAPER_K, sigma, form="sigma_t")
    assert fit_s.ea_ev == pytest.approx(0.38, abs=1e-9)
    k_t_mean = BOLTZMANN_EV_K * np.mean(T_PAPER_K)
    assert fit_st.ea_ev - fit_s.ea_ev == pytest.approx(k_t_mean, rel=0.01)


def test_paper_ratio_for_ea_038_ev():
    # Plain-sigma form: sigma(60 C) / sigma(30 C) = exp(Ea/k (1/303.15 - 1/333.15)) = 3.71.
    fit = ArrheniusFit("sigma", 0.38, 0.0, 2.0, 0.0, 1.0, 4, 303.15, 333.15)
    ratio = fit.sigma_at(333.15) / fit.sigma_at(303.15)
    assert ratio == pytest.approx(3.71, abs=0.01)
    # The sigma*T form with the same Ea gives a smaller sigma ratio (times 303.15/333.15).
    fit_t = ArrheniusFit("sigma_t", 0.38, 0.0, 2.0, 0.0, 1.0, 4, 303.15, 333.15)
    assert fit_t.sigma_at(333.15) / fit_t.sigma_at(303.15) == pytest.approx(3.37, abs=0.01)


@settings(max_examples=50, deadline=None)
@given(
    ea=st.floats(0.1, 1.2),
    log10_a=st.floats(-2.0, 6.0),
    t0=st.floats(250.0, 400.0),
    span=st.floats(20.0, 150.0),
    form=st.sampled_from(["sigma", "sigma_t"]),
)
def test_exact_data_is_reproduced(ea, log10_a, t0, span, form):
    t = np.linspace(t0, t0 + span, 5)
    sigma = arrhenius_sigma(t, ea, log10_a, form)
    fit = fit_arrhenius(t, sigma, form=form)
    assert fit.ea_ev == pytest.approx(ea, rel=1e-6)
    assert fit.log10_prefactor == pytest.approx(log10_a, abs=1e-5)
    np.testing.assert_allclose(fit.sigma_at(t), sigma, rtol=1e-6)
    assert isinstance(fit.sigma_at(float(t[0])), float)


def test_prediction_uncertainty_grows_outside_the_measured_range():
    rng = np.random.default_rng(11)
    sigma = arrhenius_sigma(T_PAPER_K, 0.4, 2.5, "sigma") * np.exp(rng.normal(0, 0.05, 4))
    fit = fit_arrhenius(T_PAPER_K, sigma)
    inside = fit.log10_sigma_std_at(318.15)
    assert 0 < inside < fit.log10_sigma_std_at(273.15)
    assert fit.log10_sigma_std_at(np.array([300.0, 400.0])).shape == (2,)
    assert not fit.is_extrapolated(318.15)
    assert fit.is_extrapolated(298.15)
    assert fit.is_extrapolated(373.15)
    assert not fit.is_extrapolated(303.15)


def test_prediction_std_matches_monte_carlo_over_noise():
    rng = np.random.default_rng(5)
    t = np.linspace(293.15, 373.15, 9)
    rel = 0.04
    truth = arrhenius_sigma(t, 0.45, 3.0, "sigma")
    predictions = []
    for _ in range(300):
        sigma = truth * np.exp(rng.normal(0, rel, t.size))
        fit = fit_arrhenius(t, sigma, sigma_std_s_cm=rel * sigma)
        predictions.append(math.log10(fit.sigma_at(273.15)))
    # With known weights, the stated std is the covariance one (chi2 < dof keeps the floor).
    fit = fit_arrhenius(t, truth, sigma_std_s_cm=rel * truth)
    assert np.std(predictions) == pytest.approx(fit.log10_sigma_std_at(273.15), rel=0.15)


def test_to_dict_is_json_able():
    fit = fit_arrhenius(T_PAPER_K, arrhenius_sigma(T_PAPER_K, 0.38, 2.0, "sigma"))
    d = json.loads(json.dumps(fit.to_dict()))
    assert d["form"] == "sigma"
    assert d["ea_kj_mol"] == pytest.approx(0.38 * 96.485, rel=1e-4)
    assert fit.ea_std_kj_mol == pytest.approx(fit.ea_std_ev * 96.485, rel=1e-4)


def test_two_temperatures_are_not_enough():
    with pytest.raises(InsufficientDataError, match=r"3 or more temperatures.*got 2"):
        fit_arrhenius([303.15, 303.15, 333.15], [5e-4, 5.1e-4, 1.4e-3])


@pytest.mark.parametrize("bad", [math.nan, math.inf, 0.0, -1e-3])
def test_bad_sigma_is_rejected(bad):
    with pytest.raises(InvalidRecordError, match=r"sigma_s_cm\[2\]"):
        fit_arrhenius(T_PAPER_K, [5e-4, 7e-4, bad, 1.4e-3])


def test_bad_form_and_zero_weights_are_rejected():
    sigma = arrhenius_sigma(T_PAPER_K, 0.38, 2.0, "sigma_t")
    with pytest.raises(InvalidRecordError, match="form"):
        fit_arrhenius(T_PAPER_K, sigma, form="vtf")
    with pytest.raises(InvalidRecordError, match="sigma_std_s_cm=None"):
        fit_arrhenius(T_PAPER_K, sigma, sigma_std_s_cm=[1e-5, 0.0, 1e-5, 1e-5])
    with pytest.raises(InvalidRecordError, match="3 values"):
        fit_arrhenius(T_PAPER_K[:3], sigma)


@pytest.mark.parametrize("rel_std", [None, 0.02])
def test_a_flat_series_has_no_r2_and_no_bad_fit_warning(rel_std):
    """Ten equal conductivities gave R² = -11222 (rounding over rounding) and a warning."""
    t = np.arange(293.15, 384.0, 10.0)
    sigma = np.full(t.size, 1.4e-3)
    fit = fit_arrhenius(t, sigma, sigma_std_s_cm=None if rel_std is None else rel_std * sigma)
    assert fit.r2 is None
    assert fit.warnings == ()
    assert fit.ea_ev == pytest.approx(0.0, abs=1e-9)
    assert json.loads(json.dumps(fit.to_dict()))["r2"] is None


def test_scatter_within_the_stated_uncertainties_is_no_bad_fit():
    """A nearly flat series: R² is low, but the line passes within the points' error bars."""
    rng = np.random.default_rng(5)
    t = np.arange(293.15, 384.0, 10.0)
    sigma = arrhenius_sigma(t, 0.01, -3.0, "sigma") * np.exp(rng.normal(0.0, 0.02, t.size))
    weighted = fit_arrhenius(t, sigma, sigma_std_s_cm=0.02 * sigma)
    assert weighted.r2 is not None and weighted.r2 < 0.95
    assert weighted.warnings == ()
    # without stated uncertainties the scatter is not known to be noise: still warned about
    assert "below 0.95" in fit_arrhenius(t, sigma).warnings[0]
    # and scatter well beyond the stated uncertainties is
    assert "below 0.95" in fit_arrhenius(t, sigma, sigma_std_s_cm=0.002 * sigma).warnings[0]
