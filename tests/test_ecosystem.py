"""Fits the ecosystem (issue 15): strict outputs that round-trip, imports spreadsheets write,
the CLI's conventions, and the data API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matdoe.simulate import DigitalTwin


def strict_json(text: str) -> Any:
    """Parse as a strict JSON reader would (JavaScript's refuses NaN and Infinity)."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def measured(lab: Any) -> Any:
    """S-1 at four temperatures, and a second sample without measurements."""
    for celsius, ohm in ((30, 110.0), (40, 68.0), (50, 44.0), (60, 29.0)):
        assert lab("measure", "add", "S-1", "-t", f"{celsius}C", "-r", f"{ohm}ohm").exit_code == 0
    args = ["sample", "add", "--label", "S-2", "--host", "Na2B12H12", "--silica", "A200"]
    assert lab(*args, "--vol", "30", "--milling", "2h", "--notes", "no pellet yet").exit_code == 0
    return lab


# --------------------------------------------------------------------------- strict outputs
def test_json_outputs_are_standard_json_with_numbers(measured: Any) -> None:
    random = measured("suggest", "--strategy", "random", "-n", "2", "--dry-run", "-f", "json")
    assert random.exit_code == 0, random.output
    for row in strict_json(random.stdout):
        assert isinstance(row["vol_pct"], float)
    fit = strict_json(measured("analyze", "arrhenius", "S-1", "-f", "json").stdout)[0]
    assert isinstance(fit["ea_ev"], float) and isinstance(fit["ea_std_ev"], float)
    assert "±" not in json.dumps(fit)
    for args in (("sample", "list"), ("measure", "list"), ("sample", "show", "S-1")):
        strict_json(measured(*args, "-f", "json").stdout)


def test_csv_outputs_are_flat(measured: Any) -> None:
    shown = measured("sample", "show", "S-1", "-f", "csv").stdout
    assert "{'" not in shown and "OrderedDict" not in shown  # no Python reprs
    assert shown.splitlines()[0].startswith("label,host,scaffold,scaffold_vol_pct")
    assert len(shown.splitlines()) == 1 + 4  # header and one row per measurement


def copy_catalogue(source: Any, target: Any, tmp_path: Path) -> None:
    catalogue = tmp_path / "materials.csv"
    catalogue.write_text(source("material", "list", "-f", "csv").stdout, encoding="utf-8")
    assert target("material", "import", str(catalogue)).exit_code == 0


@pytest.mark.parametrize(
    ("command", "fmt"),
    [(("sample", "list"), "csv"), (("sample", "list"), "json"), (("measure", "list"), "csv")],
)
def test_a_list_exported_to_a_file_imports_back_unchanged(
    measured: Any, new_database: Any, tmp_path: Path, command: tuple[str, ...], fmt: str
) -> None:
    from conftest import Cli

    exported = tmp_path / f"export.{fmt}"
    exported.write_text(measured(*command, "-f", fmt).stdout, encoding="utf-8")
    target = Cli(new_database())
    copy_catalogue(measured, target, tmp_path)
    imported = target("sample", "import", str(exported))
    assert imported.exit_code == 0, imported.output
    for fmt_back in ("csv", "json"):
        assert target(*command, "-f", fmt_back).stdout == measured(*command, "-f", fmt_back).stdout
    if command[0] == "sample":
        assert target("sample", "list").stdout == measured("sample", "list").stdout


# --------------------------------------------------------------------------- imports
def test_unit_named_columns_and_a_decimal_comma_are_read(
    cli: Any, materials: Any, tmp_path: Path
) -> None:
    path = tmp_path / "from_excel.csv"
    path.write_text(
        "label;host;scaffold;scaffold_vol_pct;milling_h;pellet_thickness_um;pellet_area_cm2;"
        "temperature_c;resistance_kohm\n"
        "X-1;Na2B12H12;SiO2-A200;35,5;4;320;0,785;30;0,11\n"
        "X-1;Na2B12H12;SiO2-A200;35,5;4;320;0,785;60;0,029\n",
        encoding="utf-8",
    )
    result = cli("sample", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "decimal commas read as decimal points" in result.stderr
    record = json.loads(cli("sample", "show", "X-1", "-f", "json").stdout)[0]
    assert record["scaffold_vol_pct"] == 35.5
    assert record["pellet"]["thickness_cm"] == pytest.approx(0.032)
    temperatures = sorted(m["temperature_k"] for m in record["measurements"])
    assert temperatures == pytest.approx([303.15, 333.15])
    resistances = sorted(m["resistance_ohm"] for m in record["measurements"])
    assert resistances == pytest.approx([29.0, 110.0])


def test_every_bad_row_is_reported_at_once_and_nothing_is_imported(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "label,host,scaffold,scaffold_vol_pct,temperature_k,sigma_s_cm\n"
        "B-1,Na2B12H12,SiO2-A200,35,303.15,5e-4\n"
        "B-2,Na2B12H12,SiO2-A200,135,303.15,5e-4\n"  # vol% > 100
        "B-3,Na2B12H12,SiO2-A999,35,303.15,5e-4\n"  # unknown silica
        "B-4,Na2B12H12,SiO2-A200,35,30,5e-4\n"  # 30 K
        "B-5,Na2B12H12,SiO2-A200,35,303.15,lots\n",  # not a number
        encoding="utf-8",
    )
    before = dump()
    result = cli("sample", "import", str(path))
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "4 problems" in line
    for needle in ("row 3", "A999", "temperature_k = 30 K", "row 6"):
        assert needle in line, needle
    assert dump() == before


def test_a_unit_named_column_with_a_unit_in_its_cells_is_refused(
    cli: Any, materials: Any, tmp_path: Path
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "label,host,scaffold,scaffold_vol_pct,temperature_c,sigma_s_cm\n"
        "T-1,Na2B12H12,SiO2-A200,35,303 K,5e-4\n",
        encoding="utf-8",
    )
    result = cli("sample", "import", str(path))
    assert result.exit_code == 1 and "its name gives the unit" in result.stderr


@pytest.mark.parametrize("name", ["samples.csv", "samples.json", "materials.csv"])
def test_the_example_import_files_import(cli: Any, name: str) -> None:
    examples = Path(__file__).resolve().parents[1] / "data" / "examples" / "import"
    assert cli("material", "import", str(examples / "materials.csv")).exit_code == 0
    if name.startswith("samples"):
        result = cli("sample", "import", str(examples / name))
        assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- CLI conventions
def test_db_may_follow_the_command_and_quiet_and_verbose_work(measured: Any) -> None:
    from typer.testing import CliRunner

    from matdoe.cli import app

    runner = CliRunner()
    after = runner.invoke(app, ["sample", "list", "-f", "csv", "--db", measured.url])
    assert after.exit_code == 0, after.output
    assert after.stdout == measured("sample", "list", "-f", "csv").stdout
    quiet = runner.invoke(app, ["-q", "--db", measured.url, "measure", "add", "S-2", "-t", "30C",
                                "--sigma", "1e-4S/cm"])  # fmt: skip
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = runner.invoke(app, ["sample", "list", "-v", "--db", measured.url])
    assert "database: " in loud.stderr


def test_help_documents_exit_codes_and_offers_completion() -> None:
    from typer.testing import CliRunner

    from matdoe.cli import app

    shown = CliRunner().invoke(app, ["--help"])
    assert "Exit codes: 0 done; 1 refused" in shown.stdout
    assert "--install-completion" in shown.stdout


def test_model_fit_writes_plots_only_where_asked(
    measured: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    add = ["sample", "add", "--host", "Na2B12H12", "--silica", "A200"]
    twin = DigitalTwin()
    for k, (vol, hours) in enumerate(((20, 1), (35, 4), (50, 8))):
        label = f"M-{k}"
        assert (
            measured(*add, "--label", label, "--vol", str(vol), "--milling", f"{hours}h").exit_code
            == 0
        )
        for celsius in (30, 60):
            sigma = 10 ** twin.log10_sigma("SiO2-A200", vol, hours, celsius)
            measured("measure", "add", label, "-t", f"{celsius}C", "--sigma", f"{sigma}S/cm")
    assert measured("model", "fit").exit_code == 0
    assert list(work.iterdir()) == []
    assert measured("model", "fit", "--plots", str(work / "figs")).exit_code == 0
    assert (work / "figs" / "response.png").is_file()


# --------------------------------------------------------------------------- data API
def test_the_data_api_suggests_what_the_cli_suggests(measured: Any) -> None:
    import matdoe

    cli_rows = strict_json(
        measured("suggest", "-n", "2", "--strategy", "random", "--seed", "3", "--dry-run",
                 "-f", "json").stdout
    )  # fmt: skip
    with matdoe.open(measured.url) as lab:
        batch = lab.suggest(2, strategy="random", random_state=3)
        assert lab.suggestions().empty  # a dry run stores nothing
        stored = lab.suggest(1, strategy="random", random_state=4, store=True)
        assert lab.suggestions()["id"].tolist() == stored["id"].tolist()
    assert batch["vol_pct"].tolist() == [r["vol_pct"] for r in cli_rows]
    assert batch["silica"].tolist() == [r["silica"] for r in cli_rows]
    assert {"host_mg", "scaffold_mg", "balls_g", "reason"} <= set(batch.columns)
