"""Inputs of the design commands that were silently ignored or accepted and now are refused.

A recipes table's temperature column (honoured; unknown columns refused), prediction and
suggestion temperatures outside a conductivity measurement's range, batch masses that are not a
mass, and campaign ranges no sample could be recorded from. Every refusal is one line, exit 1,
and the database unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_cli import assert_refused
from test_cli_doe import lab  # noqa: F401  (the fixture: the paper's data and 12 twin batches)

TWIN = pytest.mark.usefixtures("lab")

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ("--silica", "A200", "--vol", "30", "--milling", "4h")


def _rows(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _csv(tmp_path: Path, text: str, name: str = "recipes.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ----------------------------------------------------------------- 1. the recipes table's columns
@pytest.mark.parametrize(
    ("header", "cells"),
    [
        ("temperature_c", ("80", "30")),
        ("temperature_k", ("353.15", "303.15")),
        ("temperature", ("80C", "303.15 K")),
    ],
)
@TWIN
def test_predict_recipes_honour_a_temperature_column(
    cli: Any, tmp_path: Path, header: str, cells: tuple[str, str]
) -> None:
    recipes = _csv(
        tmp_path,
        f"silica,vol_pct,milling_h,{header}\nA200,30,4,{cells[0]}\nA200,30,4,{cells[1]}\n",
    )
    rows = _rows(cli("model", "predict", "--recipes", recipes, "-f", "json"))
    assert [r["temperature_c"] for r in rows] == pytest.approx([80.0, 30.0])
    for row, temperature in zip(rows, ("80C", "30C"), strict=True):
        alone = _rows(cli("model", "predict", *RECIPE, "-t", temperature, "-f", "json"))[0]
        assert row["log10_sigma"] == pytest.approx(alone["log10_sigma"], rel=1e-9)
        assert row["new_high95_s_cm"] == pytest.approx(alone["new_high95_s_cm"], rel=1e-9)
    assert rows[0]["sigma_s_cm"] > 2 * rows[1]["sigma_s_cm"]  # 80 °C, not the default 30 °C


@pytest.mark.parametrize(
    ("text", "extra", "needles"),
    [
        (
            "bogus\n1",
            (),
            ["unknown column(s) 'bogus'", "silica, vol_pct, milling_h, temperature_c"],
        ),
        ("temperature\n80", (), ["temperature: '80' has no unit", "'30C'"]),
        ("temperature_c\n80", ("-t", "30C"), ["--temperature or by a column", "not both"]),
        ("temperature_c,temperature_k\n80,353", (), ["temperature is given twice"]),
        ("temperature_c\n", (), ["row 1: temperature_c is empty"]),
        ("temperature_c\n1000", (), ["row 1: temperature_c 1000", "outside 150–800 K"]),
    ],
)
@TWIN
def test_predict_recipes_refuse_what_they_would_ignore(
    cli: Any,
    dump: Any,
    tmp_path: Path,
    text: str,
    extra: tuple[str, ...],
    needles: list[str],
) -> None:
    header, values = text.split("\n")
    recipes = _csv(tmp_path, f"silica,vol_pct,milling_h,{header}\nA200,30,4,{values}\n")
    before = dump()
    assert_refused(cli("model", "predict", "--recipes", recipes, *extra), *needles)
    assert dump() == before


@TWIN
def test_a_candidate_pool_refuses_a_temperature_column(cli: Any, dump: Any, tmp_path: Path) -> None:
    """suggest's temperature is --temperature: a column would be ignored, so it is refused."""
    pool = _csv(tmp_path, "silica,vol_pct,milling_h,temperature_c\nA200,30,4,80\nA380,20,2,80\n")
    before = dump()
    result = cli("suggest", "-n", "1", "--candidates", pool)
    assert_refused(result, "unknown column(s) 'temperature_c'", "silica, vol_pct, milling_h")
    assert dump() == before


# ------------------------------------------------ 2. temperatures no measurement could check
@pytest.mark.parametrize(
    "args",
    [
        ("model", "predict", *RECIPE, "--temperature", "1000C"),
        ("model", "fit", "--temperature", "-200C"),
        ("suggest", "-n", "1", "--temperature", "600C"),
        ("suggest", "-n", "1", "--temperature", "100K"),
        ("ask", "-n", "1", "--temperature", "1000C"),
    ],
)
@TWIN
def test_prediction_and_suggestion_temperatures_stay_in_a_measurement_s_range(
    cli: Any, dump: Any, args: tuple[str, ...]
) -> None:
    before = dump()
    assert_refused(cli(*args), "--temperature", "outside 150–800 K", "conductivity measurement")
    assert dump() == before


@TWIN
def test_a_temperature_inside_the_range_is_still_predicted(cli: Any) -> None:
    row = _rows(cli("model", "predict", *RECIPE, "--temperature", "120C", "-f", "json"))[0]
    assert row["temperature_c"] == pytest.approx(120.0)


# ----------------------------------------------------------------- 3. the batch mass to weigh
@pytest.mark.parametrize(
    ("mass", "needle"),
    [
        ("-5", "-5 mg is outside 1 mg–1 kg"),
        ("0", "0 mg is outside 1 mg–1 kg"),
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("1e300", "1e+300 mg is outside 1 mg–1 kg"),
    ],
)
@TWIN
def test_suggest_refuses_a_batch_mass_that_is_no_batch(
    cli: Any, dump: Any, mass: str, needle: str
) -> None:
    before = dump()
    assert_refused(cli("suggest", "-n", "1", "--batch-mg", mass), "--batch-mg", needle)
    assert dump() == before  # no suggestion stored with "masses not computed"


@TWIN
def test_suggest_weighs_a_plausible_batch_mass(cli: Any) -> None:
    row = _rows(cli("suggest", "-n", "1", "--batch-mg", "250", "--dry-run", "-f", "json"))[0]
    assert row["host_mg"] + row["scaffold_mg"] == pytest.approx(250.0, abs=0.1)
    assert "masses_note" not in row


# ------------------------------------------------------- 4. campaign ranges and sample fields
PARETO = ROOT / "data" / "spaces" / "na2b12h12_sio2_pareto.yaml"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _space(tmp_path: Path, old: str, new: str) -> str:
    text = _read(PARETO)
    assert old in text
    path = tmp_path / "space.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


VOL = "{type: float, name: vol_pct, field: scaffold_vol_pct, low: 5.0, high: 60.0, step: 0.5}"


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (VOL, VOL.replace("60.0", "160"), ["'vol_pct': high 160", "scaffold_vol_pct", "<= 100"]),
        (VOL, VOL.replace("5.0", "-5"), ["'vol_pct': low -5", ">= 0"]),
        (VOL, VOL.replace("60.0", "5.0"), ["'vol_pct': low 5 is not below high 5"]),
        # a campaign that could only ever propose 5 vol%
        (VOL, VOL.replace("0.5}", "100}"), ["'vol_pct': step 100 is larger than the range 5-60"]),
        ("high: 12.0, step: 0.25", "high: 5000, step: 0.25", ["'milling_h': high 5000", "1000 h"]),
        ("temperature_c: 30.0}", "temperature_c: 1000}", ["temperature_c 1000", "150–800 K"]),
    ],
)
def test_campaign_create_refuses_ranges_no_sample_could_have(
    cli: Any, dump: Any, tmp_path: Path, old: str, new: str, needles: list[str]
) -> None:
    assert cli("init", "--example").exit_code == 0
    before = dump()
    result = cli("campaign", "create", "bad", "--space", _space(tmp_path, old, new))
    assert_refused(result, "space.yaml: ", *needles)
    assert dump() == before


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        ("batch_mg: 1e300", ["recipe: batch_mg = 1e+300 mg is outside 1 mg–1 kg"]),
        ("batch_mg: 0.001", ["recipe: batch_mg = 0.001 mg is outside 1 mg–1 kg"]),
        ("batch_mg: .nan", ["recipe: batch_mg nan", "not a finite number"]),
        ("batch_mg: -.inf", ["recipe", "batch_mg", "-inf", "not a finite number"]),
        ("milling_rpm: -400", ["recipe", "milling_rpm", "-400"]),
        ("milling_rpm: .nan", ["recipe", "milling_rpm", "nan"]),
        # every batch's 1e9-minute pause would be refused as implausible when recorded
        ("mill_off_min: 1e9", ["recipe: mill_off_min = 1e+09 min is outside 0–1440 min"]),
        ("ball_diameter_mm: 5000", ["recipe: ball_diameter_mm = 5000 mm", "0.05–50 mm"]),
    ],
)
def test_campaign_create_and_edit_refuse_a_shared_recipe_value_no_sample_could_have(
    cli: Any, dump: Any, tmp_path: Path, value: str, needles: list[str]
) -> None:
    """A batch_mg of 1e300, 0.001 or NaN was stored with the campaign (NaN as no batch mass)."""
    assert cli("init", "--example").exit_code == 0
    field = value.split(":")[0]
    old = next(line for line in _read(PARETO).splitlines() if line.strip().startswith(f"{field}:"))
    space = _space(tmp_path, old, f"  {value}")
    before = dump()
    assert_refused(cli("campaign", "create", "bad", "--space", space), "space.yaml: ", *needles)
    assert_refused(cli("campaign", "edit", "default", "--space", space), *needles)
    assert dump() == before


@pytest.mark.parametrize(
    ("setting", "needles"),
    [
        ("vol_pct=:200", ["'vol_pct': high 200", "scaffold_vol_pct", "<= 100"]),
        ("vol_pct=:5", ["'vol_pct': low 5 is not below high 5"]),
        ("milling_h=-1:", ["'milling_h': low -1", ">= 0"]),
        ("temperature_c=30:30", ["condition 'temperature_c': low 30 is not below high 30"]),
    ],
)
def test_campaign_edit_refuses_ranges_no_sample_could_have(
    cli: Any, dump: Any, setting: str, needles: list[str]
) -> None:
    assert cli("init", "--example").exit_code == 0
    before = dump()
    assert_refused(cli("campaign", "edit", "default", "--set", setting), *needles)
    assert dump() == before
    widened = cli("campaign", "edit", "default", "--set", "vol_pct=1:100")
    assert widened.exit_code == 0, widened.output


def test_a_campaign_stored_before_the_check_stays_usable_and_can_be_mended(
    cli: Any, session_factory: Any, tmp_path: Path
) -> None:
    from matdoe.campaign.definition import CampaignDefinition
    from matdoe.campaign.registry import _insert
    from matdoe.tables import read_structured

    assert cli("init", "--example").exit_code == 0
    data = read_structured(Path(_space(tmp_path, VOL, VOL.replace("60.0", "160"))))
    with session_factory.begin() as session:
        _insert(session, "old", CampaignDefinition.from_dict(data, stored=True), notes=None)
    assert cli("campaign", "show", "old").exit_code == 0
    assert_refused(cli("campaign", "edit", "old", "--set", "milling_h=1:8"), "high 160")
    mended = cli("campaign", "edit", "old", "--set", "vol_pct=:60", "--set", "milling_h=1:8")
    assert mended.exit_code == 0, mended.output


def test_campaign_choices_given_by_name_narrow_and_a_repeated_edit_changes_nothing(
    tmp_path: Path,
) -> None:
    """--choices silica=A200 used to say "updated" while other catalogued silicas still joined."""
    from typer.testing import CliRunner

    from matdoe.cli import app

    url = f"sqlite:///{(tmp_path / 'c.db').as_posix()}"
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--db", url, *args])

    assert run("init", "--example").exit_code == 0
    edited = run("campaign", "edit", "default", "--choices", "silica=A200")
    assert edited.exit_code == 0, edited.output
    shown = run("campaign", "show").stdout
    silica_line = next(line for line in shown.splitlines() if line.startswith("silica"))
    assert "SiO2-A200" in silica_line and "SiO2-A380" not in silica_line
    batch = run("suggest", "-n", "4", "--dry-run")
    assert batch.exit_code == 0, batch.output
    assert "SiO2-A380" not in batch.stdout and "SiO2-A200" in batch.stdout
    again = run("campaign", "edit", "default", "--choices", "silica=A200")
    assert again.exit_code == 1
    assert "nothing changed" in again.stderr
