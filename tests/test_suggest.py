"""Tests of matdoe.suggest: grid, bounds, no repeats, determinism, pools, conditions, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matdoe.errors import InvalidRecordError
from matdoe.simulate import DigitalTwin, default_space
from matdoe.space import Categorical, Float, Forbidden, LinearConstraint, SearchSpace
from matdoe.suggest import (
    N_INITIAL,
    log_expected_improvement,
    optimize_acquisition,
    suggest,
)
from matdoe.surrogate import GPSurrogate

PARAMS = ["silica", "vol_pct", "milling_h"]
MODEL_COLUMNS = [
    "predicted_mean",
    "predicted_std",
    "predictive_std",
    "acquisition",
    "expected_improvement",
]
#: Columns each strategy fills: the model's for GP strategies, only the reason otherwise.
OUT_COLUMNS = {
    "gp-ei": [*MODEL_COLUMNS, "reason", "distance_to_made"],
    "gp-ucb": [*MODEL_COLUMNS, "reason", "distance_to_made"],
    "optuna-tpe": ["reason", "distance_to_made"],
    "optuna-gp": ["reason", "distance_to_made"],
    "random": ["reason", "distance_to_made"],
}


@pytest.fixture(scope="module")
def space() -> SearchSpace:
    return default_space()


@pytest.fixture(scope="module")
def twin() -> DigitalTwin:
    return DigitalTwin()


def _observations(space: SearchSpace, twin: DigitalTwin, n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(n, rng, method="random")))
    return twin.measure(recipes, (30.0,), random_state=seed).reset_index(drop=True)


def _assert_on_grid(space: SearchSpace, batch: pd.DataFrame) -> None:
    space.validate(batch[PARAMS])
    snapped = space.snap(batch[PARAMS])
    pd.testing.assert_frame_equal(snapped, batch[PARAMS], check_dtype=False)
    assert batch["silica"].isin(space["silica"].choices).all()  # type: ignore[union-attr]


def _keys(space: SearchSpace, df: pd.DataFrame) -> list[bytes]:
    return space.grid_keys(space.to_raw(df[PARAMS]))


@pytest.mark.parametrize(
    "strategy",
    ["gp-ei", "gp-ucb", "optuna-tpe", pytest.param("optuna-gp", marks=pytest.mark.slow), "random"],
)
def test_batch_inside_bounds_on_grid_without_repeats(
    space: SearchSpace, twin: DigitalTwin, strategy: str
) -> None:
    obs = _observations(space, twin, 12)
    pending = pd.DataFrame({"silica": ["SiO2-A200"], "vol_pct": [35.0], "milling_h": [4.0]})
    batch = suggest(obs, space, n=4, pending=pending, strategy=strategy, random_state=1)
    assert len(batch) == 4
    assert list(batch.columns) == [*PARAMS, "temperature_c", *OUT_COLUMNS[strategy]]
    _assert_on_grid(space, batch)
    keys = _keys(space, batch)
    assert len(set(keys)) == 4
    assert not set(keys) & set(_keys(space, obs))
    assert not set(keys) & set(_keys(space, pending))
    assert batch.attrs["strategy"] == strategy
    assert isinstance(batch.attrs["model"], dict)
    if strategy.startswith("gp"):
        assert np.isfinite(batch[MODEL_COLUMNS].to_numpy()).all()
        assert set(batch["reason"]) <= {"improvement", "exploration"}
        assert (batch["predictive_std"] > batch["predicted_std"]).all()
        model = batch.attrs["model"]
        for key in ("kernel", "lengthscales", "noise", "n_observations", "incumbent"):
            assert key in model
        assert (batch["expected_improvement"] >= 0).all()


@pytest.mark.parametrize("strategy", ["gp-ei", "optuna-tpe", "random"])
def test_deterministic_for_random_state(
    space: SearchSpace, twin: DigitalTwin, strategy: str
) -> None:
    obs = _observations(space, twin, 10)
    a = suggest(obs, space, n=3, strategy=strategy, random_state=3)
    b = suggest(obs, space, n=3, strategy=strategy, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    c = suggest(obs, space, n=3, strategy="random", random_state=4)
    if strategy == "random":
        assert not a.equals(c)


@pytest.mark.parametrize("n_obs", [0, 1, 2])
def test_space_filling_start(space: SearchSpace, twin: DigitalTwin, n_obs: int) -> None:
    obs = _observations(space, twin, n_obs) if n_obs else None
    batch = suggest(obs, space, n=N_INITIAL, random_state=0)
    assert len(batch) == N_INITIAL
    _assert_on_grid(space, batch)
    assert batch["silica"].nunique() >= 4  # categoricals spread
    assert batch["vol_pct"].nunique() == N_INITIAL
    assert (batch["reason"] == "space-filling start").all()
    assert "expected_improvement" not in batch.columns  # no model yet: no model columns
    if obs is not None:
        assert not set(_keys(space, batch)) & set(_keys(space, obs))
    again = suggest(obs, space, n=N_INITIAL, random_state=0)
    pd.testing.assert_frame_equal(batch, again)


def test_pool_mode_returns_candidate_indices(space: SearchSpace, twin: DigitalTwin) -> None:
    obs = _observations(space, twin, 15)
    rng = np.random.default_rng(9)
    pool = space.from_raw(space.snap_raw(space.sample_raw(40, rng, method="random")))
    pool.index = [f"cand-{i}" for i in range(40)]
    pool = pd.concat([pool, obs[PARAMS].iloc[:3].set_axis(["made-0", "made-1", "made-2"])])
    for strategy in ("gp-ei", "optuna-tpe", "random"):
        batch = suggest(obs, space, n=3, candidates=pool, strategy=strategy, random_state=0)
        assert len(batch) == 3
        assert set(batch.index) <= {f"cand-{i}" for i in range(40)}
        pd.testing.assert_frame_equal(
            batch[PARAMS], pool.loc[batch.index, PARAMS], check_dtype=False
        )
    with pytest.raises(InvalidRecordError, match="candidates is empty"):
        suggest(obs, space, candidates=pool.iloc[:0])
    with pytest.raises(InvalidRecordError, match="already measured"):
        suggest(obs, space, candidates=obs[PARAMS].iloc[:2])


def test_optuna_strategies_snap_off_grid_observations(
    space: SearchSpace, twin: DigitalTwin
) -> None:
    obs = _observations(space, twin, 12)
    obs["vol_pct"] = obs["vol_pct"] + 0.13  # off the 0.5 grid
    obs["milling_h"] = (obs["milling_h"] + 0.07).clip(upper=12.0)
    for strategy in ("optuna-tpe", "optuna-gp"):
        batch = suggest(obs, space, n=2, strategy=strategy, random_state=0)
        _assert_on_grid(space, batch)
        assert batch.attrs["model"]["n_trials_used"] == 12


def test_optuna_uses_only_rows_at_the_target_condition(
    space: SearchSpace, twin: DigitalTwin
) -> None:
    obs = _observations(space, twin, 6)
    hot = obs.assign(temperature_c=60.0)
    batch = suggest(pd.concat([obs, hot]), space, n=1, strategy="optuna-tpe", random_state=0)
    assert batch.attrs["model"]["n_trials_used"] == 6


def test_conditions_model_from_30_to_60_suggests_at_30(
    space: SearchSpace, twin: DigitalTwin
) -> None:
    rng = np.random.default_rng(2)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(25, rng, method="random")))
    obs = twin.measure(recipes, (40.0, 60.0), random_state=2)
    batch = suggest(obs, space, n=2, conditions={"temperature_c": 30.0}, random_state=0)
    assert (batch["temperature_c"] == 30.0).all()
    assert batch.attrs["conditions"] == {"temperature_c": 30.0}
    hot = suggest(obs, space, n=1, conditions={"temperature_c": 60.0}, random_state=0)
    # The same recipe is predicted lower at 30 °C than at 60 °C (Ea of 0.4-0.6 eV: 0.6-0.9
    # decade on the twin).
    same = suggest(
        obs, space, n=1, candidates=hot[PARAMS], conditions={"temperature_c": 30.0}, random_state=0
    )
    assert same["predicted_mean"].iloc[0] < hot["predicted_mean"].iloc[0] - 0.3
    with pytest.raises(InvalidRecordError, match="unknown condition"):
        suggest(obs, space, conditions={"pressure_mpa": 1.0})


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda df: df.drop(columns="log10_sigma"), "missing objective column 'log10_sigma'"),
        (lambda df: df.assign(log10_sigma=[np.nan, *df["log10_sigma"][1:]]), "'log10_sigma'"),
        (lambda df: df.assign(vol_pct=[np.inf, *df["vol_pct"][1:]]), "'vol_pct', row 0"),
        (lambda df: df.assign(silica=["SiO2-Q", *df["silica"][1:]]), "unknown category"),
    ],
)
def test_bad_observations(space: SearchSpace, twin: DigitalTwin, mutate, pattern: str) -> None:
    obs = _observations(space, twin, 5)
    with pytest.raises(InvalidRecordError, match=pattern):
        suggest(mutate(obs), space)


def test_bad_arguments(space: SearchSpace) -> None:
    with pytest.raises(InvalidRecordError, match="unknown strategy"):
        suggest(None, space, strategy="magic")
    with pytest.raises(InvalidRecordError, match="positive integer"):
        suggest(None, space, n=0)


def test_minimise_and_constraints() -> None:
    space = SearchSpace(
        [Categorical("c", ["a", "b"]), Float("x", 0, 10, step=0.5), Float("y", 0, 10, step=0.5)],
        constraints=[
            LinearConstraint({"x": 1, "y": 1}, 12, "<="),
            Forbidden({"c": "b", "x": [0, 5]}),
        ],
    )
    rng = np.random.default_rng(0)
    raw = space.snap_raw(space.sample_raw(40, rng, method="random"))
    raw = raw[space.feasible_raw(raw)]
    obs = space.from_raw(raw)
    obs["loss"] = (obs["x"] - 4) ** 2 + (obs["y"] - 3) ** 2 + np.where(obs["c"] == "b", 3, 0)
    for strategy in ("gp-ei", "gp-ucb", "random", "optuna-tpe"):
        batch = suggest(obs, space, "loss", n=4, maximize=False, strategy=strategy)
        assert space.feasible(batch).all()
        assert (space.snap(batch)[["x", "y"]].to_numpy() == batch[["x", "y"]].to_numpy()).all()
    # Minimising a loss is maximising its negative: the same recipes, the mean's sign flipped.
    low = suggest(obs, space, "loss", n=2, maximize=False, random_state=0)
    high = suggest(obs.assign(loss=-obs["loss"]), space, "loss", n=2, random_state=0)
    pd.testing.assert_frame_equal(low[["c", "x", "y"]], high[["c", "x", "y"]])
    assert np.allclose(low["predicted_mean"], -high["predicted_mean"])
    assert low.attrs["model"]["incumbent"] < obs["loss"].median()


def test_log_expected_improvement_is_stable_and_exact() -> None:
    from scipy import stats

    mean = np.array([-1.0, 0.0, 0.5, 2.0])
    std = np.array([0.5, 1.0, 2.0, 0.1])
    z = (mean - 0.3) / std
    exact = std * (stats.norm.pdf(z) + z * stats.norm.cdf(z))
    assert np.allclose(np.exp(log_expected_improvement(mean, std, 0.3)), exact, rtol=1e-9)
    far = log_expected_improvement(np.array([-50.0, -500.0, -1e8]), 1.0, 0.0)
    assert np.isfinite(far).all() and np.all(np.diff(far) < 0)
    # Asymptotic series: log h(z) = -z²/2 - log(2π)/2 - 2 log|z| + log(1 - 3/z² + 15/z⁴ - ...).
    z = -50.0
    series = -0.5 * z**2 - 0.5 * math.log(2 * math.pi) - 2 * math.log(-z)
    series += math.log(1 - 3 / z**2 + 15 / z**4)
    assert far[0] == pytest.approx(series, abs=1e-6)


def test_acquisition_optimiser_beats_random_search(space: SearchSpace, twin: DigitalTwin) -> None:
    obs = _observations(space, twin, 25, seed=4)
    gp = GPSurrogate(space, one_hot=True, random_state=0).fit(
        obs[[*PARAMS, "temperature_c"]], obs["log10_sigma"], 0.05
    )
    incumbent = float(obs["log10_sigma"].max())

    def acquisition(raw: np.ndarray) -> np.ndarray:
        z = space.encode_raw(raw, np.full((len(raw), 1), 30.0), one_hot=True)
        mean, std = gp.predict_encoded(z)
        return log_expected_improvement(mean, std, incumbent)

    wins = 0
    for seed in range(3):
        _, best, n_eval = optimize_acquisition(acquisition, space, np.random.default_rng(seed))
        rng = np.random.default_rng(100 + seed)
        raw = space.snap_raw(space.sample_raw(n_eval, rng, method="random"))
        random_best = float(acquisition(raw).max())
        assert best >= random_best - 1e-9
        wins += best > random_best + 1e-6
    assert wins >= 2


def test_optuna_inner_optimiser_beats_random_search_and_bad_method(
    space: SearchSpace, twin: DigitalTwin
) -> None:
    obs = _observations(space, twin, 15, seed=6)
    gp = GPSurrogate(space, one_hot=True, random_state=0).fit(
        obs[[*PARAMS, "temperature_c"]], obs["log10_sigma"], 0.05
    )
    incumbent = float(obs["log10_sigma"].max())

    def acquisition(raw: np.ndarray) -> np.ndarray:
        z = space.encode_raw(raw, np.full((len(raw), 1), 30.0), one_hot=True)
        mean, std = gp.predict_encoded(z)
        return log_expected_improvement(mean, std, incumbent)

    exclude = set(space.grid_keys(space.to_raw(obs[PARAMS])))
    found, best, n_eval = optimize_acquisition(
        acquisition,
        space,
        np.random.default_rng(0),
        method="optuna",
        n_samples=64,
        exclude=exclude,
    )
    assert found is not None and space.grid_keys(found[None, :])[0] not in exclude
    assert best == pytest.approx(float(acquisition(found[None, :])[0]))
    raw = space.snap_raw(space.sample_raw(n_eval, np.random.default_rng(1), method="random"))
    assert best >= float(acquisition(raw).max()) - 1e-9
    with pytest.raises(InvalidRecordError, match="unknown acquisition optimiser"):
        optimize_acquisition(acquisition, space, np.random.default_rng(0), method="magic")


def test_space_filling_start_is_not_pinned_to_the_centre(space: SearchSpace) -> None:
    firsts = {
        tuple(suggest(None, space, n=1, random_state=seed)[PARAMS].iloc[0]) for seed in range(6)
    }
    assert len(firsts) >= 5  # a random first point, not always the centre of the ranges


def test_gp_ei_finds_a_good_recipe_on_the_twin(space: SearchSpace, twin: DigitalTwin) -> None:
    """A short closed loop: 20 experiments, batch 4, get within 0.25 decade of the optimum."""
    _, optimum = twin.optimum(30.0)
    obs = None
    for step in range(5):
        batch = suggest(obs, space, n=4, random_state=step)
        new = twin.measure(batch[PARAMS], (30.0,), random_state=step)
        obs = new if obs is None else pd.concat([obs, new], ignore_index=True)
    assert obs is not None
    truth = twin.log10_sigma(obs["silica"].to_numpy(object), obs["vol_pct"], obs["milling_h"], 30)
    assert truth.max() > optimum - 0.25


def test_observations_outside_the_ranges_inform_the_model(
    space: SearchSpace, twin: DigitalTwin
) -> None:
    """A range limits proposals, not data: 24 h milling and 120 °C are used, never proposed."""
    obs = _observations(space, twin, 10)
    outside = twin.measure(
        pd.DataFrame({"silica": ["SiO2-A200"], "vol_pct": [35.0], "milling_h": [24.0]}),
        (30.0, 120.0),
        random_state=1,
    )
    both = pd.concat([obs, outside], ignore_index=True)
    batch = suggest(both, space, n=3, random_state=0)
    _assert_on_grid(space, batch)
    assert batch.attrs["model"]["n_observations"] == len(both)
    without = suggest(obs, space, n=3, random_state=0)
    assert not np.allclose(batch["predicted_mean"], without["predicted_mean"])


def test_restricted_space_proposes_inside_and_learns_from_everything(
    space: SearchSpace, twin: DigitalTwin
) -> None:
    obs = _observations(space, twin, 14)
    narrow = space.restrict({"silica": ["SiO2-A200", "SiO2-A380"], "milling_h": (None, 8)})
    pending = pd.DataFrame({"silica": ["SiO2-A90"], "vol_pct": [40.0], "milling_h": [10.75]})
    for strategy in ("gp-ei", "gp-ucb", "optuna-tpe", "random"):
        batch = suggest(obs, narrow, n=4, pending=pending, strategy=strategy, random_state=0)
        assert set(batch["silica"]) <= {"SiO2-A200", "SiO2-A380"}
        assert (batch["milling_h"] <= 8).all()
        assert len(set(_keys(space, batch))) == 4
    # The model is the full domain's: the same prediction as without the restriction.
    full = suggest(obs, space, n=1, random_state=0)
    narrow_one = suggest(obs, narrow, n=1, random_state=0)
    assert full.attrs["model"]["lengthscales"] == narrow_one.attrs["model"]["lengthscales"]


def test_a_batch_of_four_is_spread(space: SearchSpace, twin: DigitalTwin) -> None:
    """q-LogEI with the resolution rule: no two recipes of a batch a grid step apart."""
    obs = _observations(space, twin, 200, seed=3)
    batch = suggest(obs, space, n=4, random_state=0)
    coords = space.design_coords(space.to_raw(batch[PARAMS]))
    dist = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(-1))
    dist[np.diag_indices_from(dist)] = np.inf
    assert dist.min() > 0.05  # a 0.5 vol% step is 0.009
    assert "q-logEI" in batch.attrs["model"]["acquisition"]
    assert (batch["distance_to_made"] > 0).all()
