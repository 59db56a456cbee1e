"""Tests of matdoe.surrogate: the GP recovers known functions with calibrated uncertainty."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from matdoe.errors import InsufficientDataError, InvalidRecordError, NotFittedError
from matdoe.simulate import DigitalTwin, default_space
from matdoe.space import Float, SearchSpace
from matdoe.surrogate import CVReport, GPSurrogate, cross_validate


def _smooth_data(n: int, seed: int, noise: float) -> tuple[SearchSpace, pd.DataFrame, np.ndarray]:
    space = SearchSpace([Float("a", 0, 1), Float("b", 0, 10)])
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.random(n), "b": 10 * rng.random(n)})
    truth = np.sin(3 * X["a"]) + 0.5 * np.cos(X["b"] / 2)
    return space, X, np.asarray(truth + rng.normal(0, noise, n))


def test_recovers_a_smooth_function_with_calibrated_intervals() -> None:
    space, X, y = _smooth_data(80, seed=0, noise=0.05)
    report = cross_validate(GPSurrogate(space, random_state=0), X, y, y_std=0.05, n_splits=5)
    assert isinstance(report, CVReport)
    # Stated bound: cross-validated RMSE under 0.08 for noise sd 0.05 and signal sd ~0.6.
    assert report.rmse < 0.08
    assert 0.85 <= report.coverage95 <= 0.99
    assert report.r2 > 0.95
    assert list(report.predictions.columns) == ["y", "mean", "std", "mean_std", "fold", "group"]
    assert len(report.predictions) == 80


def test_coverage_on_held_out_twin_data() -> None:
    space, twin = default_space(), DigitalTwin()
    rng = np.random.default_rng(3)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(150, rng, method="random")))
    obs = twin.measure(recipes, (30.0, 60.0), random_state=4)
    X = obs[["silica", "vol_pct", "milling_h", "temperature_c"]]
    report = cross_validate(
        GPSurrogate(space, random_state=0), X, obs["log10_sigma"], y_std=obs["log10_sigma_std"]
    )
    assert report.rmse < 0.15  # log10 units; twin spans about 3 decades
    assert 0.85 <= report.coverage95 <= 0.99


def test_conditions_model_trained_at_30_to_60_predicts_at_30() -> None:
    space, twin = default_space(), DigitalTwin()
    rng = np.random.default_rng(5)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(60, rng, method="random")))
    # Train only at 40, 50 and 60 °C; predict at 30 °C (extrapolation along 1000/T).
    obs = twin.measure(recipes, (40.0, 50.0, 60.0), random_state=6)
    gp = GPSurrogate(space, random_state=0).fit(
        obs[["silica", "vol_pct", "milling_h", "temperature_c"]], obs["log10_sigma"], 0.05
    )
    test = space.from_raw(space.snap_raw(space.sample_raw(100, rng, method="random")))
    mean, std = gp.predict(test, return_std=True, conditions={"temperature_c": 30.0})
    truth = twin.log10_sigma(
        test["silica"].to_numpy(object), test["vol_pct"], test["milling_h"], 30.0
    )
    assert np.sqrt(np.mean((mean - truth) ** 2)) < 0.25
    assert np.mean(np.abs(mean - truth) <= 1.96 * std) > 0.8
    best = {"silica": ["SiO2-A200"], "vol_pct": [35.0], "milling_h": [4.0]}
    m30 = gp.predict(pd.DataFrame(best), conditions={"temperature_c": 30.0})[0]
    m60 = gp.predict(pd.DataFrame(best), conditions={"temperature_c": 60.0})[0]
    assert m60 - m30 > 0.3  # conductivity rises with temperature (Ea > 0)


def test_replicates_are_aggregated_and_noise_learned() -> None:
    space = SearchSpace([Float("x", 0, 1)])
    rng = np.random.default_rng(0)
    x = np.repeat(np.linspace(0, 1, 8), 25)
    y = np.sin(4 * x) + rng.normal(0, 0.2, len(x))
    gp = GPSurrogate(space, random_state=0).fit(pd.DataFrame({"x": x}), y)
    assert gp.n_observations_ == 200 and gp.n_distinct_ == 8
    assert gp.noise_std_ == pytest.approx(0.2, rel=0.25)
    mean = gp.predict(pd.DataFrame({"x": [0.5]}))
    assert mean[0] == pytest.approx(np.sin(2.0), abs=0.1)


def test_summary_and_lengthscales_are_json_able() -> None:
    space, X, y = _smooth_data(30, seed=1, noise=0.05)
    gp = GPSurrogate(space, random_state=0).fit(X, y)
    assert set(gp.lengthscales_) == {"a", "b"}
    json.dumps(gp.summary())
    # "a" varies faster per unit-cube length than "b": shorter lengthscale.
    assert gp.lengthscales_["a"] < gp.lengthscales_["b"] * 3


def test_deterministic_for_random_state() -> None:
    space, X, y = _smooth_data(40, seed=2, noise=0.1)
    a = GPSurrogate(space, random_state=7).fit(X, y).predict(X, return_std=True)
    b = GPSurrogate(space, random_state=7).fit(X, y).predict(X, return_std=True)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_large_data_fit_uses_subsets() -> None:
    space = SearchSpace([Float("a", 0, 1), Float("b", 0, 1)])
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.random(3000), "b": rng.random(3000)})
    y = np.sin(3 * X["a"]) * np.cos(2 * X["b"]) + rng.normal(0, 0.05, 3000)
    gp = GPSurrogate(space, random_state=0).fit(X, y)
    assert len(gp._data.y) == gp.max_exact_points
    assert np.sqrt(np.mean((gp.predict(X[:200]) - (y[:200])) ** 2)) < 0.08


def test_errors() -> None:
    space, X, y = _smooth_data(10, seed=0, noise=0.1)
    with pytest.raises(NotFittedError, match="fit"):
        GPSurrogate(space).predict(X)
    with pytest.raises(InvalidRecordError, match="not finite"):
        GPSurrogate(space).fit(X, np.r_[y[:-1], np.nan])
    with pytest.raises(InvalidRecordError, match="rows"):
        GPSurrogate(space).fit(X, y[:5])
    with pytest.raises(InvalidRecordError, match="'a', row 0"):
        GPSurrogate(space).fit(X.assign(a=[5.0] + [0.5] * 9), y)
    with pytest.raises(InsufficientDataError):
        GPSurrogate(space).fit(X.iloc[:0], [])
    with pytest.raises(InsufficientDataError, match="3 or more"):
        cross_validate(GPSurrogate(space), X.iloc[:2], y[:2])


def test_input_warping_gradient_matches_finite_differences() -> None:
    from scipy import optimize

    from matdoe.surrogate import _neg_log_posterior

    space, twin = default_space(), DigitalTwin()
    rng = np.random.default_rng(0)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(20, rng, method="random")))
    obs = twin.measure(recipes, (30.0, 60.0), random_state=0)
    gp = GPSurrogate(space, one_hot=True, input_warping=True, random_state=0).fit(
        obs[["silica", "vol_pct", "milling_h", "temperature_c"]], obs["log10_sigma"], 0.05
    )
    assert set(gp.warping_) == {"vol_pct", "milling_h"}  # numeric parameters, not 1000/T
    theta = gp.theta_ + rng.normal(0.0, 0.3, len(gp.theta_))
    analytic = _neg_log_posterior(theta, gp._data, gp._st)[1]
    numeric = optimize.approx_fprime(
        theta, lambda t: _neg_log_posterior(t, gp._data, gp._st)[0], 1e-6
    )
    assert np.allclose(analytic, numeric, atol=1e-3, rtol=1e-3)
    json.dumps(gp.summary())


def test_input_warping_helps_a_response_steep_at_one_end() -> None:
    """sqrt-like rise at small x, flat beyond: warping learns a < 1 and predicts better."""
    space = SearchSpace([Float("x", 0, 1)])
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.random(25) ** 2})
    y = np.log(X["x"].to_numpy() + 0.01) + rng.normal(0, 0.02, 25)
    grid = pd.DataFrame({"x": np.linspace(0, 1, 201)})
    truth = np.log(grid["x"].to_numpy() + 0.01)
    errors = {}
    for warp in (False, True):
        gp = GPSurrogate(space, input_warping=warp, random_state=0).fit(X, y, 0.02)
        errors[warp] = float(np.sqrt(np.mean((gp.predict(grid) - truth) ** 2)))
    a, _ = gp.warping_["x"]
    assert a < 1.0
    assert errors[True] < errors[False]


def test_cross_validation_holds_out_whole_recipes_and_warns_in_plain_words(monkeypatch) -> None:
    import pandas as pd

    import matdoe.surrogate as surrogate
    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    recipes = pd.DataFrame(
        {
            "silica": ["SiO2-A200", "SiO2-A380", "SiO2-A90", "SiO2-A300", "SiO2-A200", "SiO2-A90"],
            "vol_pct": [10.0, 20.0, 30.0, 40.0, 50.0, 35.0],
            "milling_h": [1.0, 2.0, 4.0, 6.0, 8.0, 3.0],
        }
    )
    data = DigitalTwin().measure(recipes, (30.0, 45.0, 60.0), random_state=0)
    data["sample"] = np.tile([f"s{i}" for i in range(len(recipes))], 3)
    X = data[["sample", "silica", "vol_pct", "milling_h", "temperature_c"]]
    report = cross_validate(
        surrogate.make_surrogate(space), X, data["log10_sigma"], y_std=0.05, n_splits=3
    )
    # Every temperature of a recipe lands in the same fold.
    folds = report.predictions.groupby("group")["fold"].nunique()
    assert (folds == 1).all() and len(folds) == 6 == report.n_groups
    assert "held out together" in report.what and "new batch" in report.what
    assert any("only 6 distinct recipes" in w for w in report.warnings)
    monkeypatch.setattr(surrogate, "MIN_COVERAGE", 1.01)
    strict = cross_validate(
        surrogate.make_surrogate(space), X, data["log10_sigma"], y_std=0.05, n_splits=3
    )
    assert any("overconfident" in w and "too narrow" in w for w in strict.warnings)
    calibration = strict.calibration()
    assert list(calibration["nominal"]) == [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    assert calibration["observed"].is_monotonic_increasing


def test_batch_scatter_is_learned_from_samples_measured_at_several_temperatures() -> None:
    import pandas as pd

    from matdoe.simulate import DigitalTwin, default_space
    from matdoe.surrogate import make_surrogate

    space = default_space()
    rng = np.random.default_rng(4)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(40, rng, method="random")))
    twin = DigitalTwin(batch_scatter_log10=0.15)
    data = twin.measure(recipes, (30.0, 40.0, 50.0, 60.0), random_state=1)
    data["sample"] = np.tile([f"s{i}" for i in range(40)], 4)
    X = data[["sample", "silica", "vol_pct", "milling_h", "temperature_c"]]
    model = make_surrogate(space).fit(X, data["log10_sigma"], data["log10_sigma_std"])
    assert 0.06 < model.batch_scatter_ < 0.3
    assert "batch-to-batch" in model.summary()["kernel"]
    recipe = pd.DataFrame({"silica": ["SiO2-A200"], "vol_pct": [35.0], "milling_h": [4.0]})
    _, mean_std = model.predict(recipe, return_std=True, conditions={"temperature_c": 30})
    _, new_std = model.predict(
        recipe, return_std=True, conditions={"temperature_c": 30}, include_noise=True
    )
    expected = np.sqrt(mean_std**2 + model.batch_scatter_**2 + model.noise_std_**2 + 0.05**2)
    np.testing.assert_allclose(new_std, expected, rtol=1e-9)
    # Without sample labels the scatter cannot be told from noise: no batch term.
    plain = make_surrogate(space).fit(X.drop(columns="sample"), data["log10_sigma"], 0.05)
    assert plain.batch_scatter_ == 0.0


def _one_sided_data() -> tuple[SearchSpace, pd.DataFrame, np.ndarray]:
    """Recipes crowded at one end of a range, as a campaign that found a good region leaves them."""
    space = SearchSpace([Float("x", 0, 10)])
    x = np.linspace(0.0, 1.5, 13)
    return space, pd.DataFrame({"x": x}), np.r_[np.linspace(0.0, 2.0, 12), -1.0]


def test_far_from_the_data_the_campaign_model_expects_a_pessimistic_level() -> None:
    from matdoe.surrogate import PESSIMISTIC_QUANTILE, make_surrogate

    space, X, y = _one_sided_data()
    far = pd.DataFrame({"x": [10.0]})
    model = make_surrogate(space).fit(X, y)
    average = make_surrogate(space).set_params(prior_mean_quantile=None).fit(X, y)
    level = float(np.quantile(y, PESSIMISTIC_QUANTILE))
    assert model.y_mean_ == pytest.approx(level)
    assert model.summary()["prior_mean"] == pytest.approx(level, abs=1e-6)
    # Far from every recipe the prediction returns to that level, not to the average of what
    # was made (which a campaign lifts by making recipes near its best).
    assert model.predict(far)[0] == pytest.approx(level, abs=0.1)
    assert average.predict(far)[0] == pytest.approx(y.mean(), abs=0.1)
    # Near the data the level hardly matters.
    near = pd.DataFrame({"x": [0.6]})
    assert model.predict(near)[0] == pytest.approx(average.predict(near)[0], abs=0.1)


def test_a_minimised_objective_gets_the_same_model_either_way_round() -> None:
    from matdoe.surrogate import fit_surrogate

    space, X, y = _one_sided_data()
    obs = X.assign(ea_ev=y)
    grid = pd.DataFrame({"x": np.linspace(0, 10, 11)})
    as_is = fit_surrogate(obs, space, objective="ea_ev", maximize=False)
    negated = fit_surrogate(obs, space, objective="ea_ev", sign=-1.0)
    m1, s1 = as_is.predict(grid, return_std=True)
    m2, s2 = negated.predict(grid, return_std=True)
    np.testing.assert_allclose(m1, -m2, atol=1e-6)
    np.testing.assert_allclose(s1, s2, rtol=1e-6)
    # The pessimistic level of a minimised objective is a high value.
    assert as_is.y_mean_ == pytest.approx(float(np.quantile(y, 0.9)))


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "low"])
def test_a_prior_mean_quantile_outside_0_1_is_refused(bad: object) -> None:
    space, X, y = _one_sided_data()
    with pytest.raises(InvalidRecordError, match="prior_mean_quantile"):
        GPSurrogate(space, prior_mean_quantile=bad).fit(X, y)  # type: ignore[arg-type]
