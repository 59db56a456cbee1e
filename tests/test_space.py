"""Tests of matdoe.space: parameters, constraints, conditions, validation, encoding, round-trips."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from matdoe.errors import InvalidRecordError
from matdoe.simulate import default_space
from matdoe.space import (
    Categorical,
    Condition,
    Float,
    Forbidden,
    Int,
    LinearConstraint,
    SearchSpace,
)


@pytest.fixture
def space() -> SearchSpace:
    return default_space()


def _obs(**overrides: object) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "silica": ["SiO2-A200", "SiO2-A380"],
            "vol_pct": [35.0, 20.0],
            "milling_h": [4.0, 2.0],
            "temperature_c": [30.0, 60.0],
            "log10_sigma": [-3.3, -3.5],
        }
    )
    for k, v in overrides.items():
        df[k] = v
    return df


def test_default_space_matches_the_campaign(space: SearchSpace) -> None:
    assert space.parameter_names == ("silica", "vol_pct", "milling_h")
    assert space.condition_names == ("temperature_c",)
    silica = space["silica"]
    assert isinstance(silica, Categorical)
    assert silica.choices == ("SiO2-A90", "SiO2-A200", "SiO2-A300", "SiO2-A380", "SiO2-SBA15")
    assert silica.descriptors is not None
    assert silica.descriptors["SiO2-A200"] == {"bet_m2_g": 191.2, "mesoporous": 0.0}
    assert silica.descriptors["SiO2-SBA15"]["mesoporous"] == 1.0
    vol = space["vol_pct"]
    assert isinstance(vol, Float) and (vol.low, vol.high, vol.step) == (5.0, 60.0, 0.5)
    cond = space["temperature_c"]
    assert isinstance(cond, Condition) and cond.default == 30.0
    assert cond.transform == "inverse_temperature"
    assert space.objective == "log10_sigma" and space.maximize


def test_dict_and_yaml_round_trip(space: SearchSpace, tmp_path) -> None:
    full = SearchSpace(
        [*space.parameters, Int("n_balls", 2, 20, step=2)],
        constraints=[
            LinearConstraint({"vol_pct": 1.0, "milling_h": 2.0}, 70, "<="),
            Forbidden({"silica": "SiO2-SBA15", "vol_pct": [50, 60]}),
        ],
        conditions=space.conditions,
        objective="log10_sigma",
    )
    d = full.to_dict()
    assert SearchSpace.from_dict(json.loads(json.dumps(d))) == full
    path = tmp_path / "space.yaml"
    full.to_yaml(path)
    assert SearchSpace.from_yaml(path) == full
    assert SearchSpace.from_yaml(path).to_dict() == d


def test_from_dict_names_the_bad_entry() -> None:
    with pytest.raises(InvalidRecordError, match=r"parameters\[0\]"):
        SearchSpace.from_dict({"parameters": [{"type": "banana", "name": "x"}]})
    with pytest.raises(InvalidRecordError, match="missing key"):
        SearchSpace.from_dict({"parameters": [{"type": "float", "name": "x", "low": 0}]})


def test_from_frame_infers_types() -> None:
    df = pd.DataFrame(
        {
            "silica": ["b", "a", "b"],
            "vol_pct": [10.0, 20.5, 30.0],
            "n": [1, 3, 2],
            "temperature_c": [30.0, 60.0, 30.0],
            "y": [1.0, 2.0, 3.0],
            "y_std": [0.1, 0.1, 0.1],
        }
    )
    space = SearchSpace.from_frame(df, objective="y")
    assert space.parameter_names == ("silica", "vol_pct", "n")
    assert space["silica"].choices == ("a", "b")  # type: ignore[union-attr]
    vol = space["vol_pct"]
    assert isinstance(vol, Float) and (vol.low, vol.high) == (10.0, 30.0)
    assert isinstance(space["n"], Int)
    assert space.condition_names == ("temperature_c",)
    space.validate(df, objective="y")


@pytest.mark.parametrize(
    ("column", "value", "pattern"),
    [
        ("vol_pct", np.nan, "'vol_pct', row 1"),
        ("vol_pct", np.inf, "'vol_pct', row 1"),
        ("log10_sigma", np.nan, "'log10_sigma', row 1"),
        ("log10_sigma", -np.inf, "'log10_sigma', row 1"),
        ("vol_pct", 75.0, r"'vol_pct', row 1: value 75 outside \[5, 60\]"),
        ("milling_h", 0.1, "'milling_h', row 1"),
        ("silica", "SiO2-A999", "unknown category 'SiO2-A999'"),
        ("temperature_c", 400.0, "'temperature_c', row 1"),
    ],
)
def test_validate_names_column_and_row(
    space: SearchSpace, column: str, value: object, pattern: str
) -> None:
    df = _obs()
    df[column] = df[column].astype(object)
    df.loc[1, column] = value
    with pytest.raises(InvalidRecordError, match=pattern):
        space.validate(df, objective="log10_sigma")


def test_validate_missing_columns(space: SearchSpace) -> None:
    with pytest.raises(InvalidRecordError, match="missing objective column 'log10_sigma'"):
        space.validate(_obs().drop(columns="log10_sigma"), objective="log10_sigma")
    with pytest.raises(InvalidRecordError, match="missing parameter column"):
        space.validate(_obs().drop(columns="vol_pct"))
    space.validate(_obs(), objective="log10_sigma")  # the good table passes


def test_snap_and_grid_keys(space: SearchSpace) -> None:
    df = pd.DataFrame(
        {"silica": ["SiO2-A90"] * 2, "vol_pct": [35.2, 34.9], "milling_h": [4.1, 3.9]}
    )
    snapped = space.snap(df)
    assert snapped["vol_pct"].tolist() == [35.0, 35.0]
    assert snapped["milling_h"].tolist() == [4.0, 4.0]
    keys = space.grid_keys(space.to_raw(df))
    assert keys[0] == keys[1]


def test_constraints_and_forbidden() -> None:
    space = SearchSpace(
        [
            Categorical("c", ["a", "b"]),
            Float("x_pct", 0, 100, step=1),
            Float("y_pct", 0, 100, step=1),
        ],
        constraints=[
            LinearConstraint({"x_pct": 1, "y_pct": 1}, 100, "=="),
            Forbidden({"c": "b", "x_pct": [0, 20]}),
        ],
    )
    df = pd.DataFrame(
        {"c": ["a", "b", "b", "a"], "x_pct": [30, 10, 30, 30], "y_pct": [70, 90, 70, 60]}
    )
    assert space.feasible(df).tolist() == [True, False, True, False]
    repaired = space.snap_raw(space.to_raw(df))
    assert np.allclose(repaired[:, 1] + repaired[:, 2], 100)
    with pytest.raises(InvalidRecordError, match="categorical"):
        SearchSpace([Categorical("c", ["a"])], constraints=[LinearConstraint({"c": 1}, 1)])
    with pytest.raises(InvalidRecordError, match="unknown parameter 'z'"):
        SearchSpace([Float("x", 0, 1)], constraints=[Forbidden({"z": 1})])


def test_with_choices_adds_a_silica_with_descriptors(space: SearchSpace) -> None:
    new = space.with_choices(
        "silica", ["SiO2-X"], {"SiO2-X": {"bet_m2_g": 120.0, "mesoporous": 0.0}}
    )
    assert new["silica"].choices[-1] == "SiO2-X"  # type: ignore[union-attr]
    assert space["silica"].choices[-1] == "SiO2-SBA15"  # type: ignore[union-attr]
    with pytest.raises(InvalidRecordError, match="needs descriptors"):
        space.with_choices("silica", ["SiO2-Y"])
    # Encoded through descriptors: between A90 (70 m²/g) and A200 (191 m²/g) on the BET axis.
    recipes = pd.DataFrame(
        {"silica": ["SiO2-A90", "SiO2-X", "SiO2-A200"], "vol_pct": 35.0, "milling_h": 4.0}
    )
    bet = new.encode(recipes)[:, 0]
    assert bet[0] < bet[1] < bet[2]


def test_encoding_unit_cube_and_inverse_temperature(space: SearchSpace) -> None:
    df = _obs()
    z = space.encode(df)
    assert z.shape == (2, len(space.feature_names()))
    assert ((z >= 0) & (z <= 1)).all()
    # 1000/T: the hotter measurement has the smaller feature value.
    assert z[1, -1] < z[0, -1]
    z30 = space.encode(df, conditions={"temperature_c": 30})
    assert z30[0, -1] == pytest.approx(z30[1, -1])
    one_hot = space.encode(df, one_hot=True)
    assert one_hot.shape[1] == z.shape[1] + 5


def test_bad_parameter_definitions() -> None:
    with pytest.raises(InvalidRecordError, match="low <= high"):
        Float("x", 2, 1)
    with pytest.raises(InvalidRecordError, match="log=True needs low > 0"):
        Float("x", 0, 1, log=True)
    with pytest.raises(InvalidRecordError, match="integer"):
        Int("n", 0.5, 3)
    with pytest.raises(InvalidRecordError, match="duplicate"):
        Categorical("c", ["a", "a"])
    with pytest.raises(InvalidRecordError, match="descriptors missing"):
        Categorical("c", ["a", "b"], descriptors={"a": {"x": 1.0}})
    with pytest.raises(InvalidRecordError, match="duplicate parameter"):
        SearchSpace([Float("x", 0, 1), Float("x", 0, 2)])


def test_parameters_own_their_behaviour_and_int_is_not_a_float() -> None:
    from matdoe.space import Parameter

    vol = Float("vol_pct", 5, 60, step=0.5)
    n = Int("n_balls", 1, 9, step=2)
    silica = Categorical("silica", ["A", "B", "C"])
    assert not isinstance(n, Float) and isinstance(n, Parameter) and isinstance(vol, Parameter)
    assert n.to_dict()["type"] == "int" and vol.to_dict()["type"] == "float"
    # grid, bounds, neighbours, Optuna distribution: asked of the parameter, never switched on
    assert n.snap(np.array([4.2, 100.0])).tolist() == [5.0, 9.0]
    assert n.grid_values().tolist() == [1, 3, 5, 7, 9]
    assert silica.inside(np.array([0.0, 2.0, 3.0, 0.5])).tolist() == [True, True, False, False]
    moves = [col.tolist() for col, _ in vol.neighbours(np.array([35.0]))][:2]
    assert moves == [[34.5], [35.5]]
    assert type(n.optuna_distribution()).__name__ == "IntDistribution"
    assert type(vol.optuna_distribution()).__name__ == "FloatDistribution"
    assert type(silica.optuna_distribution()).__name__ == "CategoricalDistribution"
    assert silica.value(silica.raw_value("B")) == "B"


def test_restrict_narrows_proposals_on_the_grid_and_keeps_the_domain(space: SearchSpace) -> None:
    narrow = space.restrict({"silica": ["SiO2-A380", "SiO2-A200"], "vol_pct": (30.2, 40.9)})
    assert narrow["silica"].choices == ("SiO2-A200", "SiO2-A380")  # the domain's order
    assert (narrow["vol_pct"].low, narrow["vol_pct"].high) == (30.5, 40.5)  # on the 0.5 grid
    assert narrow.domain == space and narrow.restrict({"milling_h": (None, 8)}).domain == space
    raw = narrow.to_raw(
        pd.DataFrame({"silica": ["SiO2-A380"], "vol_pct": [35.0], "milling_h": [4]})
    )
    assert space.translate_raw(raw, narrow)[0, 0] == space["silica"].index("SiO2-A380")
    with pytest.raises(InvalidRecordError, match="leave nothing"):
        space.restrict({"milling_h": (None, 0.1)})
    with pytest.raises(InvalidRecordError, match="unknown category"):
        space.restrict({"silica": ["SiO2-Z"]})


def test_covering_widens_to_the_data_by_whole_steps(space: SearchSpace) -> None:
    data = pd.DataFrame(
        {
            "silica": ["SiO2-A200"],
            "vol_pct": [35.0],
            "milling_h": [24.1],
            "temperature_c": [120.0],
        }
    )
    wide = space.covering(data)
    assert wide["milling_h"].high == 24.25 and wide["milling_h"].low == 0.5
    assert wide["temperature_c"].high == 120.0
    assert wide.covering(data) == wide
    with pytest.raises(InvalidRecordError, match="unknown category 'SiO2-Q'"):
        space.covering(data.assign(silica="SiO2-Q"))  # descriptors unknown: cannot place it
    plain = SearchSpace([Categorical("c", ["a"]), Float("x", 0, 1)])
    assert plain.covering(pd.DataFrame({"c": ["b"], "x": [0.5]}))["c"].choices == ("a", "b")


def test_a_step_as_large_as_the_range_keeps_both_ends_despite_rounding() -> None:
    # 0.3 - 0.1 = 0.19999999999999998 < 0.2: the grid still holds both ends
    assert Float("x", 0.1, 0.3, step=0.2).grid_values().tolist() == pytest.approx([0.1, 0.3])
    assert Float("x", 0.1, 0.9, step=0.2).restrict((0.3, 0.5)).grid_values().tolist() == (
        pytest.approx([0.3, 0.5])
    )
