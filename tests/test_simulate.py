"""The digital twin reproduces each fact stated in the paper (DOI 10.1039/d5ta09128d)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matdoe.errors import InvalidRecordError
from matdoe.simulate import DigitalTwin, default_space

FUMED = ["SiO2-A90", "SiO2-A200", "SiO2-A300", "SiO2-A380"]


@pytest.fixture(scope="module")
def twin() -> DigitalTwin:
    return DigitalTwin()


def test_milled_salt_alone(twin: DigitalTwin) -> None:
    assert 10 ** twin.log10_sigma("SiO2-A380", 0.0, 4.0, 60.0) == pytest.approx(1.9e-5, rel=1e-6)
    assert twin.ea_ev("SiO2-A380", 0.0, 4.0) == pytest.approx(0.58)


def test_a380_peaks_at_35_vol_pct_with_stated_value(twin: DigitalTwin) -> None:
    vol = np.arange(5.0, 60.01, 0.5)
    y = twin.log10_sigma("SiO2-A380", vol, 4.0, 60.0)
    assert vol[np.argmax(y)] == 35.0
    assert 10 ** y.max() == pytest.approx(1.4e-3, rel=1e-6)
    # Falls at higher silica content (percolation lost): 40 vol% below 35, 60 well below.
    assert twin.log10_sigma("SiO2-A380", 40.0, 4.0, 60.0) < y.max()
    assert twin.log10_sigma("SiO2-A380", 60.0, 4.0, 60.0) < y.max() - 1.0


def test_milling_time_peaks_at_4_h_then_decreases_slightly(twin: DigitalTwin) -> None:
    hours = np.arange(0.5, 12.01, 0.25)
    for silica in FUMED:
        y = twin.log10_sigma(silica, 35.0, hours, 60.0)
        assert hours[np.argmax(y)] == 4.0
        assert 0.0 < y.max() - y[-1] < 0.3  # "decreases slightly" after 4 h
        assert y.max() - y[0] > y.max() - y[-1]  # rising part is the stronger one


def test_silica_type_at_35_vol_pct_4_h(twin: DigitalTwin) -> None:
    y = {s: twin.log10_sigma(s, 35.0, 4.0, 60.0) for s in [*FUMED, "SiO2-SBA15"]}
    assert max(y, key=y.get) == "SiO2-A200"  # type: ignore[arg-type]
    fumed = [y[s] for s in FUMED]
    assert max(fumed) - min(fumed) < 0.35  # only a minor dependence on BET area
    assert y["SiO2-SBA15"] < min(fumed) - 0.3  # SBA-15 clearly lower


def test_best_composite_ea_and_room_temperature_value(twin: DigitalTwin) -> None:
    assert twin.ea_ev("SiO2-A200", 35.0, 4.0) == pytest.approx(0.38)
    s30 = 10 ** twin.log10_sigma("SiO2-A200", 35.0, 4.0, 30.0)
    s60 = 10 ** twin.log10_sigma("SiO2-A200", 35.0, 4.0, 60.0)
    assert s30 == pytest.approx(5e-4, rel=1e-6)
    # Arrhenius with Ea = 0.38 eV between 30 and 60 °C.
    expected = math.exp(0.38 / 8.617333262e-5 * (1 / 303.15 - 1 / 333.15))
    assert s60 / s30 == pytest.approx(expected, rel=1e-6)
    assert s60 / s30 == pytest.approx(3.7, abs=0.1)
    # > 2 orders of magnitude above milled Na2B12H12 at room temperature.
    salt30 = 10 ** twin.log10_sigma("SiO2-A200", 0.0, 4.0, 30.0)
    assert s30 / salt30 > 100


def test_optimum_on_the_default_grid(twin: DigitalTwin) -> None:
    recipe, value = twin.optimum(30.0)
    assert recipe == {"silica": "SiO2-A200", "vol_pct": 35.0, "milling_h": 4.0}
    assert value == pytest.approx(math.log10(5e-4))


def test_measure_is_noisy_labelled_and_reproducible(twin: DigitalTwin) -> None:
    recipes = pd.DataFrame({"silica": ["SiO2-A200"] * 200, "vol_pct": 35.0, "milling_h": 4.0})
    a = twin.measure(recipes, temperatures_c=(30.0, 60.0), random_state=1)
    b = twin.measure(recipes, temperatures_c=(30.0, 60.0), random_state=1)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 400
    assert set(a["source"]) == {"simulated"}
    assert {"silica", "vol_pct", "milling_h", "temperature_c", "log10_sigma", "sigma_s_cm"} <= set(
        a.columns
    )
    at30 = a[a["temperature_c"] == 30.0]["log10_sigma"]
    at60 = a[a["temperature_c"] == 60.0]["log10_sigma"]
    total = math.hypot(twin.noise_log10, twin.batch_scatter_log10)
    assert at30.std() == pytest.approx(total, rel=0.2)
    # One batch's two temperatures share its offset: their difference has only the noise.
    diff = at60.to_numpy() - at30.to_numpy()
    assert diff.std() == pytest.approx(math.sqrt(2) * twin.noise_log10, rel=0.2)
    assert at30.mean() == pytest.approx(math.log10(5e-4), abs=0.02)
    assert np.allclose(a["sigma_s_cm"], 10 ** a["log10_sigma"])


def test_unknown_silica_is_refused(twin: DigitalTwin) -> None:
    with pytest.raises(InvalidRecordError, match="unknown silica"):
        twin.log10_sigma("SiO2-Z", 35.0, 4.0, 30.0)


def test_default_space_is_loaded_from_the_yaml() -> None:
    space = default_space()
    assert space.parameter_names == ("silica", "vol_pct", "milling_h")


# ---------------------------------------------------------------------------- system B
_RECIPES = pd.DataFrame(
    {
        "silica": ["SiO2-A90", "SiO2-A200", "SiO2-SBA15", "SiO2-A380"],
        "vol_pct": [5.0, 35.0, 60.0, 22.5],
        "milling_h": [0.0, 4.0, 12.0, 1.25],
    }
)
#: System A's measurements of _RECIPES at 20, 30, 60 °C with seed 7, as the twin gave them before
#: system B existed (commit 947965e): adding B must not move a single value of A.
_SYSTEM_A_SEED_7 = [
    -7.039189861380637,
    -3.548187726822816,
    -6.511363200313275,
    -4.194127525340581,
    -6.63842165773841,
    -3.3141290084044703,
    -6.160957018243041,
    -3.995155900366548,
    -5.54563761251961,
    -2.7607510000154916,
    -5.318624748540287,
    -3.3231998321525182,
]


def test_system_a_is_unchanged_by_system_b(twin: DigitalTwin) -> None:
    from matdoe.simulate import SYSTEM_A_HOST

    assert DigitalTwin.for_host(SYSTEM_A_HOST) == twin
    assert twin.host == "Na2B12H12"
    measured = twin.measure(_RECIPES, (20.0, 30.0, 60.0), random_state=7)
    # rel 1e-12, not bit equality: a libm on another CPU may differ in the last bit.
    assert measured["log10_sigma"].tolist() == pytest.approx(_SYSTEM_A_SEED_7, rel=1e-12, abs=0)


def test_system_b_is_deterministic_per_seed_and_labelled() -> None:
    b = DigitalTwin.related()
    assert b.host == "NaCB11H12"
    first = b.measure(_RECIPES, (30.0, 60.0), random_state=3)
    pd.testing.assert_frame_equal(first, b.measure(_RECIPES, (30.0, 60.0), random_state=3))
    other = b.measure(_RECIPES, (30.0, 60.0), random_state=4)
    assert not np.allclose(first["log10_sigma"], other["log10_sigma"])
    assert set(first["source"]) == {"simulated"}


def test_systems_share_the_noise_of_a_seed(twin: DigitalTwin) -> None:
    # Same recipes, same seed: the two systems draw the same noise, so a benchmark that compares
    # them is not blurred by independent draws, and B cannot disturb A's stream.
    b = DigitalTwin.related()
    ma = twin.measure(_RECIPES, (30.0,), random_state=5)
    mb = b.measure(_RECIPES, (30.0,), random_state=5)
    truth_a = twin.log10_sigma(_RECIPES["silica"], _RECIPES["vol_pct"], _RECIPES["milling_h"], 30)
    truth_b = b.log10_sigma(_RECIPES["silica"], _RECIPES["vol_pct"], _RECIPES["milling_h"], 30)
    assert np.allclose(ma["log10_sigma"] - truth_a, mb["log10_sigma"] - truth_b, atol=1e-12)


def test_system_b_follows_its_stated_assumptions(twin: DigitalTwin) -> None:
    b = DigitalTwin.related()
    recipe, value = b.optimum(30.0)
    assert recipe == {"silica": "SiO2-A200", "vol_pct": 28.0, "milling_h": 2.5}
    assert 10**value == pytest.approx(1.5e-3, rel=1e-6)
    assert b.ea_ev("SiO2-A200", 28.0, 2.5) == pytest.approx(0.35)
    assert b.ea_ev("SiO2-A200", 0.0, 2.5) == pytest.approx(0.52)
    assert b.ea_ev("SiO2-A200", 28.0, 0.0) == pytest.approx(0.64)
    assert 10 ** b.log10_sigma("SiO2-A200", 0.0, 2.5, 60.0) == pytest.approx(6e-5, rel=1e-6)
    # The same scaffold effect as A: the same loss per |ln(BET/BET_A200)|**1.5.
    assert b._bet_coefficient == pytest.approx(twin._bet_coefficient, rel=1e-9)
    # A's optimum is not B's: copying it misses B's best by more than 0.1 decade.
    assert value - b.log10_sigma("SiO2-A200", 35.0, 4.0, 30.0) > 0.1


def test_unknown_host_is_refused() -> None:
    with pytest.raises(InvalidRecordError, match="LiBH4"):
        DigitalTwin.for_host("LiBH4")
