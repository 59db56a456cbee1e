"""Tests for matdoe.loop: closed design loops on the digital twin (SIMULATED data)."""

from __future__ import annotations

import numpy as np
import pytest

from matdoe.errors import InvalidRecordError
from matdoe.loop import run_closed_loop
from matdoe.simulate import DigitalTwin, default_space


def test_regret_is_optimum_minus_best_true_value_made():
    twin, space = DigitalTwin(), default_space()
    trace = run_closed_loop("random", twin=twin, space=space, budget=7, batch=3, seed=4)
    assert list(trace["experiment"]) == list(range(1, 8))  # last batch cut to fit the budget
    assert set(trace["strategy"]) == {"random"} and set(trace["seed"]) == {4}
    truth = twin.log10_sigma(
        trace["silica"].to_numpy(dtype=object),
        trace["vol_pct"].to_numpy(float),
        trace["milling_h"].to_numpy(float),
        30.0,
    )
    np.testing.assert_allclose(trace["best"], np.maximum.accumulate(truth))
    _, optimum = twin.optimum(30.0, space)
    np.testing.assert_allclose(trace["regret"], optimum - trace["best"])
    assert (trace["regret"] >= 0).all()
    assert not trace[["silica", "vol_pct", "milling_h"]].duplicated().any()


def test_same_seed_same_trace_and_model_strategy_runs():
    twin, space = DigitalTwin(), default_space()
    one = run_closed_loop("gp-ei", twin=twin, space=space, budget=8, batch=4, seed=1)
    two = run_closed_loop("gp-ei", twin=twin, space=space, budget=8, batch=4, seed=1)
    assert one.equals(two)
    assert one["regret"].is_monotonic_decreasing


def test_bad_budget_is_refused():
    with pytest.raises(InvalidRecordError, match="budget"):
        run_closed_loop(
            "random", twin=DigitalTwin(), space=default_space(), budget=0, batch=2, seed=0
        )
