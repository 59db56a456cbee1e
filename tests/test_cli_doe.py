"""The design-of-experiments commands: model fit|predict|report, suggest, suggestion list|abandon.

Data: the paper's catalogue and values plus simulated batches from the digital twin (labelled
simulated), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def lab(session_factory: Any) -> Any:
    """The paper's data plus 12 simulated batches measured at 30 and 60 °C."""
    import numpy as np
    import pandas as pd

    from matdoe.campaign import get_campaign
    from matdoe.db.store import add_samples
    from matdoe.paper import load_paper_data
    from matdoe.records import SampleRecord
    from matdoe.simulate import DigitalTwin

    rng = np.random.default_rng(3)
    silicas = ["SiO2-A90", "SiO2-A200", "SiO2-A300", "SiO2-A380", "SiO2-SBA15"]
    recipes = pd.DataFrame(
        {
            "silica": [silicas[i % 5] for i in range(12)],
            "vol_pct": rng.choice(np.arange(10, 55, 0.5), 12),
            "milling_h": rng.choice(np.arange(1, 10, 0.25), 12),
        }
    )
    measured = DigitalTwin().measure(recipes, (30.0, 60.0), random_state=5)
    records = []
    for index, recipe in recipes.iterrows():
        runs = measured.loc[[index]]
        records.append(
            SampleRecord.model_validate(
                {
                    "label": f"sim-{index}",
                    "host": "Na2B12H12",
                    "scaffold": recipe["silica"],
                    "scaffold_vol_pct": float(recipe["vol_pct"]),
                    "milling_h": float(recipe["milling_h"]),
                    "batch_mg": 500,
                    "source": "simulated",
                    "measurements": [
                        {
                            "temperature_k": float(r.temperature_c) + 273.15,
                            "sigma_s_cm": float(r.sigma_s_cm),
                            "source": "simulated",
                        }
                        for r in runs.itertuples()
                    ],
                }
            )
        )
    with session_factory.begin() as session:
        load_paper_data(session)
        get_campaign(session)
        add_samples(session, records)
    return session_factory


def _rows(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_suggest_stores_pending_recipes_with_masses_and_never_repeats(cli: Any, lab: Any) -> None:
    first = _rows(cli("suggest", "-n", "3", "--temperature", "30C", "--format", "json"))
    assert len(first) == 3
    for row in first:
        assert row["silica"].startswith("SiO2-")
        assert 5 <= row["vol_pct"] <= 60 and (row["vol_pct"] * 2) % 1 == 0
        assert 0.5 <= row["milling_h"] <= 12 and (row["milling_h"] * 4) % 1 == 0
        assert row["new_low95_s_cm"] < row["mean_low95_s_cm"] < row["sigma_s_cm"]
        assert row["sigma_s_cm"] < row["mean_high95_s_cm"] < row["new_high95_s_cm"]
        assert row["reason"] in {"space-filling start", "improvement", "exploration"}
        assert row["distance_to_made"] > 0
        assert row["host_mg"] + row["scaffold_mg"] == pytest.approx(500, abs=0.2)
        assert row["balls_g"] == pytest.approx(70.0)
    second = _rows(cli("suggest", "-n", "3", "--format", "json"))
    key = lambda r: (r["silica"], r["vol_pct"], r["milling_h"])  # noqa: E731
    assert not {key(r) for r in first} & {key(r) for r in second}, "pending recipes proposed again"
    listed = _rows(cli("suggestion", "list", "--format", "json"))
    assert [r["status"] for r in listed] == ["pending"] * 6
    assert listed[0]["predicted_log10_sigma"] is not None


def test_suggest_respects_filters(cli: Any, lab: Any) -> None:
    rows = _rows(
        cli(
            "suggest",
            "-n",
            "4",
            "--silica",
            "A200,A380",
            "--max-milling",
            "6h",
            "--min-vol",
            "30",
            "--max-vol",
            "40",
            "--format",
            "json",
            "--dry-run",
        )
    )
    assert {r["silica"] for r in rows} <= {"SiO2-A200", "SiO2-A380"}
    assert all(r["milling_h"] <= 6 and 30 <= r["vol_pct"] <= 40 for r in rows)
    assert _rows(cli("suggestion", "list", "--format", "json")) == []  # dry run stores nothing


def test_suggest_from_candidate_pool_returns_pool_rows(cli: Any, lab: Any, tmp_path: Path) -> None:
    pool = tmp_path / "pool.csv"
    pool.write_text(
        "silica,vol_pct,milling_h\nSiO2-A200,35,4\nSiO2-A380,30,2\nSiO2-A90,20,8\nSiO2-A300,45,6\n"
    )
    rows = _rows(cli("suggest", "-n", "2", "--candidates", str(pool), "--format", "json"))
    assert len(rows) == 2
    lines = pool.read_text().splitlines()[1:]
    for row in rows:
        silica, vol, milling = lines[row["candidate"] - 1].split(",")
        assert (row["silica"], row["vol_pct"], row["milling_h"]) == (
            silica,
            float(vol),
            float(milling),
        )


@pytest.mark.parametrize("strategy", ["gp-ucb", "optuna-tpe", "random"])
def test_other_strategies_run_from_the_cli(cli: Any, lab: Any, strategy: str) -> None:
    rows = _rows(cli("suggest", "-n", "2", "--strategy", strategy, "--format", "json"))
    assert len(rows) == 2
    stored = _rows(cli("suggestion", "list", "--format", "json"))
    assert {r["strategy"] for r in stored} == {strategy}


def test_made_suggestion_links_sample_and_shows_prediction_error(cli: Any, lab: Any) -> None:
    rows = _rows(cli("suggest", "-n", "2", "--format", "json"))
    chosen = rows[0]
    made = cli(
        "sample",
        "add",
        "--from-suggestion",
        str(chosen["id"]),
        "--label",
        "NB-100",
        "--host",
        "Na2B12H12",
        "--thickness",
        "320um",
        "--area",
        "0.785cm2",
    )
    assert made.exit_code == 0, made.output
    shown = cli("sample", "show", "NB-100", "--format", "json")
    record = json.loads(shown.stdout)[0]
    assert record["scaffold"] == chosen["silica"]
    assert record["scaffold_vol_pct"] == chosen["vol_pct"]
    assert record["milling_h"] == chosen["milling_h"]
    assert record["suggestion_id"] == chosen["id"]
    assert cli("measure", "add", "NB-100", "-t", "30C", "--resistance", "120ohm").exit_code == 0
    listed = {r["id"]: r for r in _rows(cli("suggestion", "list", "--format", "json"))}
    assert listed[chosen["id"]]["status"] == "made"
    assert listed[chosen["id"]]["samples"] == "NB-100"
    expected = 0.032 / (120 * 0.785)
    import math

    assert listed[chosen["id"]]["measured_log10_sigma"] == pytest.approx(math.log10(expected))
    again = cli(
        "sample",
        "add",
        "--from-suggestion",
        str(chosen["id"]),
        "--label",
        "NB-101",
        "--host",
        "Na2B12H12",
    )
    assert again.exit_code == 1 and "not pending" in again.stderr


def test_abandon(cli: Any, lab: Any) -> None:
    rows = _rows(cli("suggest", "-n", "2", "--format", "json"))
    assert cli("suggestion", "abandon", str(rows[1]["id"])).exit_code == 0
    statuses = [r["status"] for r in _rows(cli("suggestion", "list", "--format", "json"))]
    assert statuses == ["pending", "abandoned"]
    twice = cli("suggestion", "abandon", str(rows[1]["id"]))
    assert twice.exit_code == 1 and "already abandoned" in twice.stderr
    missing = cli("suggestion", "abandon", "999")
    assert missing.exit_code == 1 and "unknown suggestion 999" in missing.stderr


def test_model_fit_report_and_predict(cli: Any, lab: Any, tmp_path: Path) -> None:
    fitted = cli("model", "fit", "--report", "--plots", str(tmp_path), "--folds", "3")
    assert fitted.exit_code == 0, fitted.output
    assert "RMSE" in fitted.stdout and "coverage" in fitted.stdout
    for name in ("parity.png", "response.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    predicted = _rows(
        cli(
            "model",
            "predict",
            "--silica",
            "A200",
            "--vol",
            "35",
            "--milling",
            "4h",
            "--temperature",
            "30C",
            "--format",
            "json",
        )
    )[0]
    assert predicted["new_low95_s_cm"] < predicted["sigma_s_cm"] < predicted["new_high95_s_cm"]
    # The twin's value there is 5e-4 S/cm; the model saw nearby batches and the paper's value.
    assert -4.3 < predicted["log10_sigma"] < -2.3
    text = cli("model", "predict", "--silica", "A200", "--vol", "35", "--milling", "4h")
    assert "band of the mean" in text.stdout and "a new batch's measurement" in text.stdout
    assert (tmp_path / "calibration.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("suggest", "--strategy", "magic"), "choose one of"),
        (("suggest", "--silica", "A999"), "unknown scaffold material 'A999'"),
        (("suggest", "--max-milling", "60 mS"), "--max-milling"),
        (("suggest", "--temperature", "-300C"), "absolute zero"),
        (("model", "predict", "--silica", "A200", "--vol", "35", "--milling", "4 kg"), "--milling"),
        (("model", "predict", "--silica", "A200", "--vol", "135", "--milling", "4h"), "vol_pct"),
        (("suggestion", "abandon", "12345"), "unknown suggestion"),
    ],
)
def test_bad_doe_input_is_one_line_and_changes_nothing(
    cli: Any, lab: Any, dump: Any, args: tuple[str, ...], message: str
) -> None:
    before = dump()
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump() == before


def test_empty_or_malformed_candidate_file(cli: Any, lab: Any, dump: Any, tmp_path: Path) -> None:
    before = dump()
    empty = tmp_path / "empty.csv"
    empty.write_text("silica,vol_pct,milling_h\n")
    result = cli("suggest", "--candidates", str(empty))
    assert result.exit_code == 1 and "no rows" in result.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("silica,vol,milling_h\nSiO2-A200,35,4\n")
    result = cli("suggest", "--candidates", str(wrong))
    assert result.exit_code == 1 and "vol_pct" in result.stderr
    assert dump() == before


def test_model_needs_data(cli: Any, dump: Any) -> None:
    result = cli("model", "fit")
    assert result.exit_code == 1
    assert "at least 2 conductivities" in result.stderr


def test_model_predict_and_suggest_agree(cli: Any, lab: Any, tmp_path: Path) -> None:
    """One model: the prediction next to a suggestion is the one `model predict` prints."""
    suggested = _rows(cli("suggest", "-n", "2", "--dry-run", "--format", "json"))
    recipes = tmp_path / "recipes.csv"
    recipes.write_text(
        "silica,vol_pct,milling_h\n"
        + "".join(f"{r['silica']},{r['vol_pct']},{r['milling_h']}\n" for r in suggested)
    )
    predicted = _rows(
        cli("model", "predict", "--recipes", str(recipes), "-t", "30C", "--format", "json")
    )
    assert len(predicted) == len(suggested) == 2
    for s, p in zip(suggested, predicted, strict=True):
        for column in ("sigma_s_cm", "mean_low95_s_cm", "new_low95_s_cm", "new_high95_s_cm"):
            assert p[column] == pytest.approx(s[column], rel=1e-9), column


def test_readme_constrained_suggest_runs_after_pending_outside_the_limits(
    cli: Any, lab: Any
) -> None:
    """Pending suggestions outside --max-milling and --silica inform the model, not refuse it."""
    wide = _rows(cli("suggest", "-n", "4", "--min-vol", "5", "--format", "json"))
    assert wide
    rows = _rows(
        cli(
            "suggest", "-n", "4", "--silica", "A200,A380", "--max-milling", "8h",
            "--strategy", "gp-ucb", "--format", "json",
        )
    )  # fmt: skip
    assert len(rows) == 4
    assert {r["silica"] for r in rows} <= {"SiO2-A200", "SiO2-A380"}
    assert all(r["milling_h"] <= 8 for r in rows)
    assert all(r["sigma_s_cm"] > 0 and r["reason"] for r in rows)


def test_measurements_outside_the_campaign_ranges_inform_the_model(
    cli: Any, lab: Any, tmp_path: Path
) -> None:
    """A batch milled for 24 h and measured at 120 °C: suggest and model commands still run."""
    added = cli(
        "sample", "add", "--label", "long-mill", "--host", "Na2B12H12", "--silica", "A200",
        "--vol", "35", "--milling", "24h", "--thickness", "320um", "--area", "0.785cm2",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    for temperature, resistance in (("30C", "400ohm"), ("120C", "9ohm")):
        measured = cli("measure", "add", "long-mill", "-t", temperature, "-r", resistance)
        assert measured.exit_code == 0, measured.output
    assert cli("model", "fit", "--plots", str(tmp_path)).exit_code == 0
    assert cli("model", "report", "--folds", "3", "--plots", str(tmp_path)).exit_code == 0
    predicted = _rows(
        cli(
            "model", "predict", "--silica", "A200", "--vol", "35", "--milling", "24h",
            "--temperature", "120C", "--format", "json",
        )
    )  # fmt: skip
    assert predicted[0]["sigma_s_cm"] > 1e-4
    rows = _rows(cli("suggest", "-n", "2", "--dry-run", "--format", "json"))
    assert all(r["milling_h"] <= 12 for r in rows)
