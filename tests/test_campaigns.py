"""Campaigns as records: many in one database, each from a space file, chosen with --campaign.

The acceptance scenario of issue 14 runs here through the CLI only: a new user writes a space
file for Li2B12H12/Al2O3 with milling speed, creates the campaign, records batches and gets
suggestions without touching code. The materials below are test fixtures (their densities and
BET areas are made up for the test and say so), not measurements.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPACES = ROOT / "data" / "spaces"

LAB_MATERIALS = """\
materials:
  - name: Li2B12H12-lot1
    formula: Li2B12H12
    kind: host
    density_g_cm3: 1.05
    density_method: measured
    density_source: test fixture value (made up for matdoe's tests), not a measurement
  - name: Al2O3-F
    formula: Al2O3
    kind: scaffold
    density_g_cm3: 3.6
    density_method: measured
    density_source: test fixture value (made up for matdoe's tests), not a measurement
    bet_m2_g: 100
    morphology: fumed
"""

LI_SPACE = """\
description: Li2B12H12 with fumed alumina, milling speed varied
recipe:
  host: Li2B12H12-lot1
  scaffold: Al2O3-F
  ball_to_powder: 40
  batch_mg: 300
  atmosphere: Ar
parameters:
  - {type: float, name: alumina_vol_pct, field: scaffold_vol_pct, low: 10, high: 50, step: 1}
  - {type: float, name: milling_h, low: 1, high: 10, step: 0.5}
  - {type: int, name: rpm, field: milling_rpm, low: 200, high: 600, step: 50}
  - {type: float, name: drying_c, field: extra.drying_c, low: 100, high: 200, step: 10}
conditions:
  - {name: temperature_c, low: 20, high: 100, default: 30, transform: inverse_temperature}
objectives:
  - {name: log10_sigma, maximize: true, temperature_c: 30}
"""


def _batches_csv(path: Path) -> Path:
    """Six batches of the Li campaign with two resistances each (fixture values)."""
    header = (
        "label,host,scaffold,scaffold_vol_pct,milling_h,milling_rpm,ball_to_powder,batch_mg,"
        "atmosphere,extra,source,notes,pellet_thickness_um,pellet_area_cm2,temperature_c,"
        "resistance_ohm"
    )
    lines = [header]
    recipes = [(20, 2, 300, 120), (30, 4, 400, 150), (40, 6, 500, 180), (15, 8, 250, 110),
               (45, 3, 550, 160), (25, 5, 350, 140)]  # fmt: skip
    for i, (vol, hours, rpm, drying) in enumerate(recipes, start=1):
        extra = json.dumps({"drying_c": drying}).replace('"', '""')
        for temperature, resistance in ((30, 400.0 + 37 * i), (60, 90.0 + 11 * i)):
            lines.append(
                f'LA-{i},Li2B12H12-lot1,Al2O3-F,{vol},{hours},{rpm},40,300,Ar,"{extra}",'
                f"simulated,test fixture values,320,0.785,{temperature},{resistance}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def li_lab(cli: Any, tmp_path: Path) -> Any:
    """A database with the default campaign and the Li2B12H12/Al2O3 campaign `li-al`."""
    assert cli("init").exit_code == 0
    (tmp_path / "materials.yaml").write_text(LAB_MATERIALS, encoding="utf-8")
    result = cli("material", "import", str(tmp_path / "materials.yaml"))
    assert result.exit_code == 0, result.output
    (tmp_path / "li.yaml").write_text(LI_SPACE, encoding="utf-8")
    result = cli("campaign", "create", "li-al", "--space", str(tmp_path / "li.yaml"))
    assert result.exit_code == 0, result.output
    result = cli("sample", "import", str(_batches_csv(tmp_path / "batches.csv")))
    assert result.exit_code == 0, result.output
    return cli


def test_a_new_user_runs_a_li2b12h12_alumina_campaign_with_milling_speed(li_lab: Any) -> None:
    result = li_lab("suggest", "--campaign", "li-al", "-n", "3", "-f", "json")
    assert result.exit_code == 0, result.output
    assert "from 12 observations" in result.stderr  # the six batches, two temperatures each
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    for row in rows:
        assert 200 <= row["rpm"] <= 600 and row["rpm"] % 50 == 0
        assert 10 <= row["alumina_vol_pct"] <= 50 and 100 <= row["drying_c"] <= 200
        assert row["host_mg"] + row["scaffold_mg"] == pytest.approx(300, abs=0.2)
        volume_host, volume_alumina = row["host_mg"] / 1.05, row["scaffold_mg"] / 3.6
        share = 100 * volume_alumina / (volume_host + volume_alumina)
        assert share == pytest.approx(row["alumina_vol_pct"], abs=0.1)
        assert row["balls_g"] == pytest.approx(40 * 300 / 1000)
        assert math.isfinite(row["sigma_s_cm"])
    first = rows[0]
    made = li_lab("sample", "add", "--from-suggestion", str(first["id"]), "--label", "LA-7")
    assert made.exit_code == 0, made.output
    record = json.loads(li_lab("sample", "show", "LA-7", "-f", "json").stdout)[0]
    assert (record["host"], record["scaffold"]) == ("Li2B12H12-lot1", "Al2O3-F")
    assert record["milling_rpm"] == first["rpm"] and record["ball_to_powder"] == 40
    assert record["scaffold_vol_pct"] == first["alumina_vol_pct"]
    assert record["extra"] == {"drying_c": first["drying_c"]}
    listed = json.loads(li_lab("suggestion", "list", "-c", "li-al", "-f", "json").stdout)
    assert {r["id"]: r["status"] for r in listed}[first["id"]] == "made"


def test_the_default_campaign_learns_nothing_from_another_campaign_s_batches(
    li_lab: Any, tmp_path: Path
) -> None:
    result = li_lab("model", "fit", "--campaign", "li-al", "--plots", str(tmp_path / "p"))
    assert result.exit_code == 0, result.output
    assert "12" in result.output
    assert (tmp_path / "p" / "response.png").is_file()
    predicted = li_lab(
        "model", "predict", "-c", "li-al", "--set", "alumina_vol_pct=30", "--set",
        "milling_h=4h", "--set", "rpm=400", "--set", "drying_c=150", "-f", "json",
    )  # fmt: skip
    assert predicted.exit_code == 0, predicted.output
    row = json.loads(predicted.stdout)[0]
    assert row["rpm"] == 400 and row["n_observations"] == 12
    assert 1e-12 < row["sigma_s_cm"] < 10
    missing = li_lab("model", "predict", "-c", "li-al", "--set", "rpm=400")
    assert missing.exit_code == 1 and "missing: alumina_vol_pct, milling_h, drying_c" in (
        missing.stderr
    )
    report = li_lab("model", "report", "-c", "li-al", "--folds", "3")
    assert report.exit_code == 0, report.output
    assert "RMSE" in report.output
    result = li_lab("model", "fit", "--campaign", "default")
    assert result.exit_code == 1
    assert "campaign 'default' has 0 (12 of batches outside its recipe)" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["suggest", "--dry-run"],
        ["model", "fit"],
        ["model", "report"],
        ["model", "predict", "--set", "milling_h=2h"],
        ["suggestion", "list"],
        ["ask"],
    ],
)
def test_with_two_open_campaigns_a_command_needs_one_named(
    li_lab: Any, dump: Any, args: list[str]
) -> None:
    before = dump()
    result = li_lab(*args)
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert "2 campaigns are open (default, li-al)" in line and "--campaign" in line, line
    assert len(line.splitlines()) == 1
    assert dump() == before


def test_ask_and_tell_take_the_campaign(li_lab: Any) -> None:
    asked = li_lab("ask", "-c", "li-al", "-n", "1", "-f", "json")
    assert asked.exit_code == 0, asked.output
    row = json.loads(asked.stdout)[0]
    assert "rpm" in row and "silica" not in row
    wrong = li_lab(
        "tell", str(row["id"]), "-c", "default", "--label", "LA-8", "-t", "30C", "--sigma",
        "1e-4S/cm",
    )  # fmt: skip
    assert wrong.exit_code == 1 and "belongs to campaign 'li-al'" in wrong.stderr
    # The suggestion names its campaign: tell needs no --campaign with two open ones.
    told = li_lab(
        "tell", str(row["id"]), "--label", "LA-8", "-t", "30C", "--sigma",
        "1e-4S/cm",
    )  # fmt: skip
    assert told.exit_code == 0, told.output
    record = json.loads(li_lab("sample", "show", "LA-8", "-f", "json").stdout)[0]
    assert record["host"] == "Li2B12H12-lot1" and record["milling_rpm"] == row["rpm"]


def test_abandon_refuses_another_campaign_s_suggestion(li_lab: Any, dump: Any) -> None:
    asked = li_lab("suggest", "-c", "li-al", "-n", "1", "-f", "json")
    suggestion = json.loads(asked.stdout)[0]["id"]
    before = dump()
    result = li_lab("suggestion", "abandon", str(suggestion), "-c", "default")
    assert result.exit_code == 1 and "belongs to campaign 'li-al'" in result.stderr
    assert dump() == before
    assert li_lab("suggestion", "abandon", str(suggestion), "-c", "li-al").exit_code == 0
    listed = json.loads(li_lab("suggestion", "list", "-c", "li-al", "-f", "json").stdout)
    assert [r["status"] for r in listed] == ["abandoned"]


def test_list_show_edit_with_history_and_archive(li_lab: Any, dump: Any) -> None:
    rows = json.loads(li_lab("campaign", "list", "-f", "json").stdout)
    assert [(r["name"], r["status"]) for r in rows] == [("default", "open"), ("li-al", "open")]
    assert rows[1]["parameters"] == "alumina_vol_pct, milling_h, rpm, drying_c"

    edited = li_lab(
        "campaign", "edit", "li-al", "--set", "rpm=:800", "--reason", "the new mill goes faster"
    )
    assert edited.exit_code == 0, edited.output
    shown = json.loads(li_lab("campaign", "show", "li-al", "-f", "json").stdout)[0]
    rpm = next(p for p in shown["space"]["parameters"] if p["name"] == "rpm")
    assert (rpm["low"], rpm["high"]) == (200, 800)
    text = li_lab("campaign", "show", "li-al").stdout
    assert "parameters.rpm.high: 600.0 → 800.0" in text
    assert "the new mill goes faster" in text
    assert "Best batches" in text and "LA-" in text  # one objective: the best batches

    before = dump()
    for args, needle in (
        (["--set", "nosuch=1:2"], "no such parameter"),
        (["--set", "rpm=900:800"], "above"),
        ([], "nothing to change"),
    ):
        result = li_lab("campaign", "edit", "li-al", *args)
        assert result.exit_code == 1 and needle in result.stderr, (args, result.output)
        assert dump() == before

    assert li_lab("campaign", "archive", "li-al").exit_code == 0
    rows = json.loads(li_lab("campaign", "list", "-f", "json").stdout)
    assert [r["status"] for r in rows] == ["open", "archived"]
    refused = li_lab("suggest", "-c", "li-al", "--dry-run")
    assert refused.exit_code == 1 and "archived" in refused.stderr
    # Only one campaign is open now: it is the default of every command.
    assert li_lab("suggestion", "list").exit_code == 0
    assert li_lab("campaign", "archive", "li-al", "--undo").exit_code == 0
    assert li_lab("suggest", "-c", "li-al", "--dry-run").exit_code == 0


def test_create_refuses_a_duplicate_an_unknown_material_and_a_bad_file(
    li_lab: Any, dump: Any, tmp_path: Path
) -> None:
    before = dump()
    space = tmp_path / "li.yaml"
    result = li_lab("campaign", "create", "li-al", "--space", str(space))
    assert result.exit_code == 1 and "already exists" in result.stderr
    (tmp_path / "mgo.yaml").write_text(LI_SPACE.replace("Al2O3-F", "Al2O3-nowhere"), "utf-8")
    result = li_lab("campaign", "create", "li-x", "--space", str(tmp_path / "mgo.yaml"))
    assert result.exit_code == 1 and "'Al2O3-nowhere' is not in the material catalogue" in (
        result.stderr
    )
    (tmp_path / "bad.yaml").write_text(LI_SPACE.replace("field: milling_rpm", "field: rpm"))
    result = li_lab("campaign", "create", "li-y", "--space", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 1 and "not a sample field" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump() == before


def test_set_and_only_narrow_any_parameter_and_the_shorthands_remain(cli: Any) -> None:
    assert cli("init", "--example").exit_code == 0
    result = cli(
        "suggest", "-n", "4", "--dry-run", "-f", "json", "--set", "milling_h=1:2",
        "--only", "silica=A200,A380", "--strategy", "random",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["silica"] for r in rows} <= {"SiO2-A200", "SiO2-A380"}
    assert all(1 <= r["milling_h"] <= 2 for r in rows)
    short = cli(
        "suggest", "-n", "4", "--dry-run", "-f", "json", "--silica", "A300",
        "--max-milling", "90min", "--strategy", "random",
    )  # fmt: skip
    assert short.exit_code == 0, short.output
    rows = json.loads(short.stdout)
    assert {r["silica"] for r in rows} == {"SiO2-A300"}
    assert all(r["milling_h"] <= 1.5 for r in rows)
    for args, needle in (
        (["--set", "rpm=1:2"], "no parameter 'rpm'"),
        (["--set", "silica=1:2"], "categorical"),
        (["--only", "vol_pct=1,2"], "is a number"),
        (["--silica", "A200", "--only", "silica=A380"], "limited twice"),
    ):
        result = cli("suggest", "--dry-run", *args)
        assert result.exit_code == 1 and needle in result.stderr, (args, result.output)


def test_only_catalogued_scaffolds_are_proposed(cli: Any, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    result = cli("suggest", "--dry-run")
    assert result.exit_code == 1
    assert "no scaffold of parameter 'silica'" in result.stderr
    assert "matdoe material add" in result.stderr
    (tmp_path / "m.csv").write_text(
        (ROOT / "data" / "examples" / "import" / "materials.csv").read_text(), "utf-8"
    )
    assert cli("material", "import", str(tmp_path / "m.csv")).exit_code == 0
    result = cli("suggest", "-n", "5", "--dry-run", "-f", "json", "--strategy", "random")
    assert result.exit_code == 0, result.output
    assert {r["silica"] for r in json.loads(result.stdout)} == {"SiO2-A200"}


def _record_two_objective_batches(cli: Any) -> None:
    """Batches of the paper's system at several milling times, conductivities at 30-60 °C."""
    batches = [(2.0, -4.4), (4.0, -3.9), (8.0, -3.6), (3.0, -4.6), (6.0, -3.95)]
    for i, (hours, log_sigma) in enumerate(batches, start=1):
        args = ["sample", "add", "--label", f"P-{i}", "--host", "Na2B12H12"]
        args += ["--scaffold", "SiO2-A200", "--vol", "30", "--milling", f"{hours}h"]
        assert cli(*args).exit_code == 0
        for temperature, shift in ((30, 0.0), (45, 0.45), (60, 0.85)):
            sigma = 10 ** (log_sigma + shift)
            added = cli(
                "measure", "add", f"P-{i}", "-t", f"{temperature}C", "--sigma", f"{sigma:.4g}S/cm"
            )
            assert added.exit_code == 0, added.output


@pytest.fixture
def pareto_lab(cli: Any) -> Any:
    assert cli("init", "--example").exit_code == 0
    result = cli(
        "campaign", "create", "pareto", "--space", str(SPACES / "na2b12h12_sio2_pareto.yaml")
    )
    assert result.exit_code == 0, result.output
    assert cli("campaign", "archive", "default").exit_code == 0
    _record_two_objective_batches(cli)
    return cli


def test_a_two_objective_campaign_prints_and_plots_its_pareto_front(
    pareto_lab: Any, tmp_path: Path
) -> None:
    shown = pareto_lab("campaign", "show", "--source", "measured", "-f", "json")
    front = {r["sample"] for r in json.loads(shown.stdout)[0]["front"]}
    # Maximise sigma at 30 °C, minimise hours: P-3 (best sigma), P-2 (good, 4 h) and P-1
    # (fastest) are on the front; P-4 (3 h, worse than P-1) and P-5 (6 h, worse than P-2) not.
    assert front == {"P-1", "P-2", "P-3"}
    text = pareto_lab("campaign", "show", "--plots", str(tmp_path / "figs"))
    assert text.exit_code == 0, text.output
    assert "Pareto front (measured)" in text.stdout
    assert (tmp_path / "figs" / "pareto.png").stat().st_size > 1000
    report = pareto_lab("model", "report", "--folds", "2", "--plots", str(tmp_path / "rep"))
    assert report.exit_code == 0, report.output
    assert "Pareto front of pareto" in report.stdout
    assert "P-4" not in report.stdout.split("Pareto front of pareto")[1]  # dominated by P-1
    assert (tmp_path / "rep" / "pareto.png").exists()
    plain = pareto_lab("model", "report", "--folds", "2")
    assert plain.exit_code == 0 and "saved" not in plain.stderr


def test_a_two_objective_campaign_gets_a_pareto_batch(pareto_lab: Any) -> None:
    result = pareto_lab("suggest", "-n", "2", "-f", "json", "--seed", "3")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    assert all("expected_hypervolume_improvement" in r for r in rows)
    assert all(r["milling_h"] >= 0.5 for r in rows)


def test_a_single_objective_campaign_has_no_front_to_plot(li_lab: Any, tmp_path: Path) -> None:
    result = li_lab("campaign", "show", "li-al", "--plots", str(tmp_path / "f"))
    assert result.exit_code == 1 and "one objective" in result.stderr


def test_activation_energy_is_an_objective_from_the_stored_fits(cli: Any, tmp_path: Path) -> None:
    from matdoe.campaign import objective_table
    from matdoe.db import make_engine, session_factory

    assert cli("init", "--example").exit_code == 0
    space = (SPACES / "na2b12h12_sio2_pareto.yaml").read_text(encoding="utf-8")
    space = space.replace(
        "  - {name: milling_h, maximize: false}", "  - {name: ea_ev, maximize: false}"
    )
    (tmp_path / "ea.yaml").write_text(space, encoding="utf-8")
    assert cli("campaign", "create", "ea", "--space", str(tmp_path / "ea.yaml")).exit_code == 0
    assert cli("campaign", "archive", "default").exit_code == 0
    _record_two_objective_batches(cli)
    engine = make_engine(cli.url)
    try:
        with session_factory(engine).begin() as session:
            table = objective_table(session, "ea", sources=("measured",))
    finally:
        engine.dispose()
    table = table.set_index("sample")
    # Each batch has log10 sigma rising 0.85 from 30 to 60 °C: Ea = 0.85 ln10 k / (1/303.15 -
    # 1/333.15) for sigma T = A exp(-Ea/kT) plus the T term, about 0.6 eV; all five alike.
    assert table.loc[[f"P-{i}" for i in range(1, 6)], "ea_ev"].between(0.5, 0.7).all()
    assert table.loc["P-3", "log10_sigma"] == pytest.approx(-3.6, abs=0.01)
    shown = json.loads(cli("campaign", "show", "-f", "json").stdout)[0]
    assert shown["front"], "a front of sigma vs Ea"


def test_ask_shows_the_campaign_s_own_parameters_in_its_table(li_lab: Any) -> None:
    result = li_lab("ask", "-c", "li-al", "-n", "1")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    assert header[:5] == ["id", "alumina_vol_pct", "milling_h", "rpm", "drying_c"]
    assert "silica" not in header and "host_mg" in header


def test_init_adds_no_default_campaign_to_a_database_with_its_own(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "materials.yaml").write_text(LAB_MATERIALS, encoding="utf-8")
    assert cli("material", "import", str(tmp_path / "materials.yaml")).exit_code == 0
    (tmp_path / "li.yaml").write_text(LI_SPACE, encoding="utf-8")
    assert cli("campaign", "create", "li-al", "--space", str(tmp_path / "li.yaml")).exit_code == 0
    assert cli("init").exit_code == 0
    rows = json.loads(cli("campaign", "list", "-f", "json").stdout)
    assert [r["name"] for r in rows] == ["li-al"]
    # The only open campaign is every command's default.
    result = cli("suggest", "-n", "1", "--dry-run", "-f", "json")
    assert result.exit_code == 0 and "rpm" in json.loads(result.stdout)[0]


def test_the_data_api_takes_the_campaign(li_lab: Any) -> None:
    import matdoe
    from matdoe.errors import InvalidRecordError

    with matdoe.open(li_lab.url) as lab:
        assert len(lab.observations(campaign="li-al")) == 12
        assert lab.training_data(campaign="li-al").space.parameter_names == (
            "alumina_vol_pct", "milling_h", "rpm", "drying_c",
        )  # fmt: skip
        batch = lab.suggest(2, campaign="li-al", strategy="random")
        assert list(batch["host_mg"] + batch["scaffold_mg"]) == pytest.approx([300, 300], abs=0.2)
        assert batch["rpm"].between(200, 600).all()
        with pytest.raises(InvalidRecordError, match="choose one with --campaign"):
            lab.model()
        assert lab.suggestions(campaign="li-al").empty  # a dry run stores nothing


def test_edit_changes_choices_and_a_new_space_but_not_parameters_under_pending_suggestions(
    cli: Any, dump: Any, tmp_path: Path
) -> None:
    assert cli("init", "--example").exit_code == 0
    result = cli("campaign", "edit", "default", "--choices", "silica=A200,A380")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("campaign", "show", "-f", "json").stdout)[0]
    silica = next(p for p in shown["space"]["parameters"] if p["name"] == "silica")
    assert silica["choices"] == ["SiO2-A200", "SiO2-A380"]
    assert set(silica["descriptors"]) == {"SiO2-A200", "SiO2-A380"}
    assert cli("suggest", "-n", "1").exit_code == 0  # one pending suggestion
    (tmp_path / "rpm.yaml").write_text(
        (SPACES / "na2b12h12_oxides_rpm.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert (
        cli("material", "import", str(ROOT / "data/materials/related_systems.yaml")).exit_code == 0
    )
    before = dump()
    result = cli("campaign", "edit", "default", "--space", str(tmp_path / "rpm.yaml"))
    assert result.exit_code == 1 and "1 pending suggestions" in result.stderr
    assert dump() == before
    assert cli("suggestion", "abandon", "1").exit_code == 0
    result = cli("campaign", "edit", "default", "--space", str(tmp_path / "rpm.yaml"))
    assert result.exit_code == 0, result.output
    rows = json.loads(cli("campaign", "list", "-f", "json").stdout)
    assert rows[0]["parameters"] == "oxide, vol_pct, milling_h, milling_rpm"


def test_show_lists_the_choices_the_catalogue_adds_and_suggest_stays_inside_them(
    cli: Any,
) -> None:
    assert cli("init", "--example").exit_code == 0
    related = ROOT / "data" / "materials" / "related_systems.yaml"
    assert cli("material", "import", str(related)).exit_code == 0
    space = SPACES / "libh4_sio2_rpm.yaml"
    assert cli("campaign", "create", "libh4", "--space", str(space)).exit_code == 0
    shown = cli("campaign", "show", "libh4")
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.stdout.splitlines() if x.startswith("silica"))
    listed, _, joined = line.partition("+ from the catalogue:")
    listed_choices = set(re.findall(r"SiO2-\w+", listed))
    offered = set(re.findall(r"SiO2-\w+", joined))
    assert "SiO2-A200" in listed_choices and "SiO2-A90" not in listed_choices
    assert "SiO2-A90" in offered  # a fumed silica of the paper's catalogue joins the choices
    result = cli("suggest", "-c", "libh4", "-n", "6", "--dry-run", "-f", "json")
    assert result.exit_code == 0, result.output
    proposed = {r["silica"] for r in json.loads(result.stdout)}
    assert proposed <= listed_choices | offered
