"""From impedance files to stored conductivities and Arrhenius fits, through the CLI.

Uses the simulated example spectra shipped in data/examples/eis (four plain CSV files, one
BioLogic .mpt file, and one file in each instrument layout in formats/, made by
matdoe.eis.synthetic_spectrum with Ea = 0.38 eV).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples" / "eis"
CSV_FILES = sorted(EXAMPLES.glob("*.csv"))
MPT_FILE = next(EXAMPLES.glob("*.mpt"))
FORMAT_FILES = sorted((EXAMPLES / "formats").iterdir())


@pytest.fixture
def sample(make_sample: Any) -> str:
    return make_sample("EIS-1", vol=35.0)


def _eis(cli: Any, *files: Path, extra: tuple[str, ...] = ()) -> Any:
    return cli(
        "measure",
        "eis",
        "EIS-1",
        *map(str, files),
        "--thickness",
        "320um",
        "--area",
        "0.785cm2",
        *extra,
    )


def test_folder_of_spectra_to_sigma_and_activation_energy(
    cli: Any, sample: str, tmp_path: Path
) -> None:
    result = _eis(
        cli,
        *CSV_FILES,
        extra=("--plot", str(tmp_path / "nyq.png"), "--arrhenius-plot", str(tmp_path / "arr.png")),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("95 % CI") == 4
    measurements = json.loads(cli("measure", "list", "EIS-1", "--format", "json").stdout)
    assert sorted(m["temperature_c"] for m in measurements) == [30.0, 40.0, 50.0, 60.0]
    for m in measurements:
        # sigma = L/(R·A) from the fitted resistance
        assert m["sigma_s_cm"] == pytest.approx(0.032 / (m["resistance_ohm"] * 0.785), rel=1e-9)
        assert m["raw_file"].endswith(".csv")
    at60 = next(m for m in measurements if m["temperature_c"] == 60.0)
    assert at60["sigma_s_cm"] == pytest.approx(1.4e-3, rel=0.05)
    summary = cli("analyze", "arrhenius", "EIS-1", "--format", "json")
    fit = json.loads(summary.stdout)[0]
    ea, err = fit["ea_ev"], fit["ea_std_ev"]
    # The files were simulated with Ea = 0.38 eV in the plain form, matdoe's default.
    assert fit["form"] == "sigma" and fit["equation"] == "sigma = A·exp(-Ea/kT)"
    assert abs(ea - 0.38) < max(3 * err, 0.01)
    assert fit["extrapolated_25c"] and not fit["extrapolated_30c"]
    for name in ("nyq.png", "arr.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_instrument_file_through_the_whole_command(cli: Any, sample: str) -> None:
    result = _eis(cli, MPT_FILE, extra=("--direction", "cooling"))
    assert result.exit_code == 0, result.output
    stored = json.loads(cli("measure", "list", "EIS-1", "--format", "json").stdout)
    assert len(stored) == 1
    assert stored[0]["direction"] == "cooling" and stored[0]["temperature_c"] == 50.0
    assert stored[0]["raw_file"] == MPT_FILE.name


def test_temperature_flag_overrides_file_name(cli: Any, sample: str, tmp_path: Path) -> None:
    plain = tmp_path / "spectrum.csv"
    shutil.copy(CSV_FILES[0], plain)
    missing = _eis(cli, plain)
    assert missing.exit_code == 1 and "--temperature" in missing.stderr
    given = _eis(cli, plain, extra=("--temperature", "35C"))
    assert given.exit_code == 0, given.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("freq,zreal,zimag\n1e6,10,-1\n1e5,11", ""),
        ("freq,zreal\n1e6,10\n1e5,11\n", "column"),
        ("\n".join(["f,re,im"] + [f"{10 ** (6 - i / 3):.3g},10,nan" for i in range(20)]), "NaN"),
        (
            "\n".join(
                ["f,re,im"] + [f"{10 ** (6 - i / 3):.3g},{100 + 0 * i},-0.0001" for i in range(20)]
            ),
            "",
        ),
    ],
    ids=["empty", "truncated", "missing-column", "nan", "no-semicircle"],
)
def test_bad_spectrum_files_store_nothing(
    cli: Any, sample: str, dump: Any, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad_30C.csv"
    bad.write_text(content)
    before = dump()
    # A good file first: the whole call must be refused, the good file not stored either.
    result = _eis(cli, CSV_FILES[0], bad)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "bad_30C.csv" in result.stderr
    assert message.lower() in result.stderr.lower()
    assert dump() == before


def test_arrhenius_needs_three_temperatures(cli: Any, sample: str, dump: Any) -> None:
    assert _eis(cli, *CSV_FILES[:2]).exit_code == 0
    before = dump()
    result = cli("analyze", "arrhenius", "EIS-1")
    assert result.exit_code == 1
    assert "3 or more temperatures" in result.stderr and "has 2" in result.stderr
    assert dump() == before


def test_fit_is_stored_and_follows_new_measurements(cli: Any, sample: str) -> None:
    for t, r in ((30, 100.0), (45, 50.0), (60, 28.0)):
        assert (
            cli(
                "measure",
                "add",
                "EIS-1",
                "-t",
                f"{t}C",
                "-r",
                f"{r}ohm",
                "--thickness",
                "320um",
                "--area",
                "0.785cm2",
            ).exit_code
            == 0
        )
    first = json.loads(cli("analyze", "arrhenius", "EIS-1", "--format", "json").stdout)[0]
    assert (
        cli(
            "measure",
            "add",
            "EIS-1",
            "-t",
            "75C",
            "-r",
            "10ohm",
            "--thickness",
            "320um",
            "--area",
            "0.785cm2",
        ).exit_code
        == 0
    )
    shown = cli("sample", "show", "EIS-1").stdout
    assert "4 points" in shown
    second = json.loads(cli("analyze", "arrhenius", "EIS-1", "--format", "json").stdout)[0]
    assert second["n_points"] == 4 and first["n_points"] == 3
    assert second["ea_ev"] != first["ea_ev"]


def test_other_characterisation_is_shown(cli: Any, sample: str) -> None:
    added = [
        ("dc_polarisation", "0.97", "1"),
        ("lsv", "3.9", "V vs Na+/Na"),
        ("ccd", "0.3", "mA/cm2"),
    ]
    for kind, value, unit in added:
        result = cli("measure", "add", "EIS-1", "--kind", kind, "--value", value, "--unit", unit)
        assert result.exit_code == 0, result.output
    cycling = cli(
        "measure",
        "add",
        "EIS-1",
        "--kind",
        "full_cell_cycling",
        "--value",
        "96.9",
        "--unit",
        "%",
        "-t",
        "25C",
        "--detail",
        "c_rate=C/20",
        "--detail",
        "cycles=50",
    )
    assert cycling.exit_code == 0, cycling.output
    shown = cli("sample", "show", "EIS-1").stdout
    assert "Other characterisation" in shown
    for kind, value, _unit in added:
        assert kind in shown and value in shown
    assert "C/20" in shown and "96.9" in shown
    missing = cli("measure", "add", "EIS-1", "--kind", "lsv")
    assert missing.exit_code == 1 and "needs a value" in missing.stderr


def test_temperature_from_a_column_of_the_file(cli: Any, sample: str, tmp_path: Path) -> None:
    """Flag > temperature column > file name; a column that drifts is refused."""
    lines = [ln for ln in CSV_FILES[0].read_text().splitlines() if not ln.startswith("#")]
    header, rows = lines[0], lines[1:]
    with_column = tmp_path / "spectrum_99C.csv"
    with_column.write_text("\n".join([f"{header},T/°C"] + [f"{r},41.0" for r in rows]) + "\n")
    result = _eis(cli, with_column)
    assert result.exit_code == 0, result.output
    assert "temperature column: 41.0 °C" in result.stdout
    stored = json.loads(cli("measure", "list", "EIS-1", "--format", "json").stdout)
    assert [m["temperature_c"] for m in stored] == [41.0]
    drifting = tmp_path / "drift.csv"
    drifting.write_text(
        "\n".join([f"{header},Temperature (K)"] + [f"{r},{300 + i}" for i, r in enumerate(rows)])
    )
    refused = _eis(cli, drifting)
    assert refused.exit_code == 1 and "varies by" in refused.stderr


# --- issue 11: instruments, cleaning, circuits, plots, raw files, refit --------------------------


def _measurements(cli: Any) -> list[dict[str, Any]]:
    return json.loads(cli("measure", "list", "EIS-1", "--format", "json").stdout)


def test_a_folder_of_every_instrument_format_in_one_call(
    cli: Any, sample: str, tmp_path: Path
) -> None:
    result = _eis(cli, EXAMPLES / "formats", extra=("--plot", str(tmp_path / "plots")))
    assert result.exit_code == 0, result.output
    for path in FORMAT_FILES:
        fmt = path.name.split("_")[1]
        assert f"{path.name}: read 61 points as {fmt} (detected from content)" in result.stdout
    assert "dropped 5 rows: 5 with f <= 0 Hz" in result.stdout  # Parstat's DC steps
    assert result.stdout.count("circuit: arc-spur") == len(FORMAT_FILES)
    assert "total ionic R = R0 + R1" in result.stdout and "geometric εr·ε0·A/L" in result.stdout
    stored = _measurements(cli)
    assert len(stored) == len(FORMAT_FILES)
    fit = json.loads(cli("analyze", "arrhenius", "EIS-1", "--format", "json").stdout)[0]
    assert abs(fit["ea_ev"] - 0.38) < max(3 * fit["ea_std_ev"], 0.01)
    pngs = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert len(pngs) == len(FORMAT_FILES) + 1 and "all_nyquist.png" in pngs


def test_globs_are_expanded_and_formats_can_be_named(cli: Any, sample: str) -> None:
    pattern = str(EXAMPLES / "formats" / "*gamry*")
    result = _eis(cli, Path(pattern), extra=("--format", "gamry"))
    assert result.exit_code == 0, result.output
    assert "gamry (as asked)" in result.stdout
    wrong = _eis(cli, Path(pattern), extra=("--format", "zplot", "--allow-duplicate"))
    assert wrong.exit_code == 1 and "try --format gamry" in wrong.stderr
    unknown = _eis(cli, Path(pattern), extra=("--format", "nova"))
    assert unknown.exit_code == 2


def test_a_bare_temperature_and_implausible_ones_are_refused(
    cli: Any, sample: str, dump: Any, tmp_path: Path
) -> None:
    before = dump()
    bare = _eis(cli, CSV_FILES[0], extra=("-t", "30"))
    assert bare.exit_code == 1 and "'30' has no unit" in bare.stderr and "30C" in bare.stderr
    huge = _eis(cli, CSV_FILES[0], extra=("-t", "1e308K"))
    assert huge.exit_code == 1 and "outside 150–800 K" in huge.stderr
    cold = tmp_path / "S1_0.001K.csv"
    shutil.copy(CSV_FILES[0], cold)
    refused = _eis(cli, cold)
    assert refused.exit_code == 1 and "S1_0.001K.csv" in refused.stderr
    assert "outside 150–800 K" in refused.stderr and "--force" in refused.stderr
    assert dump() == before


def test_negative_celsius_in_the_file_name(cli: Any, sample: str, tmp_path: Path) -> None:
    cold = tmp_path / "neg_-20C.csv"
    shutil.copy(CSV_FILES[0], cold)
    result = _eis(cli, cold)
    assert result.exit_code == 0, result.output
    assert [m["temperature_c"] for m in _measurements(cli)] == [-20.0]


def test_a_failed_fit_still_gets_its_plot_and_stores_nothing(
    cli: Any, sample: str, dump: Any, tmp_path: Path
) -> None:
    flat = tmp_path / "flat_30C.csv"
    flat.write_text(
        "f,re,im\n" + "\n".join(f"{10 ** (6 - i / 4):.4g},{100 + i % 2},-0.001" for i in range(24))
    )
    before = dump()
    result = _eis(cli, CSV_FILES[0], flat, extra=("--plot", str(tmp_path / "plots")))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.count("flat_30C.csv") == 1 and "no capacitive arc" in line
    assert "nothing was stored" in line
    assert dump() == before
    plots = {p.name for p in (tmp_path / "plots").iterdir()}
    assert {"flat_30C_nyquist.png", f"{CSV_FILES[0].stem}_nyquist.png"} <= plots


def test_a_bad_plot_path_stores_nothing(cli: Any, sample: str, dump: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the plot folder should go")
    before = dump()
    result = _eis(cli, *CSV_FILES, extra=("--plot", str(blocker / "plots")))
    assert result.exit_code == 1 and "is not a folder" in result.stderr  # found before fitting
    assert dump() == before


def test_a_spectrum_scaled_by_1e300_is_one_line(
    cli: Any, sample: str, dump: Any, tmp_path: Path
) -> None:
    rows = [ln for ln in CSV_FILES[0].read_text().splitlines() if ln and ln[0].isdigit()]
    scaled = [
        ",".join([r.split(",")[0]] + [f"{float(v) * 1e300:.6g}" for v in r.split(",")[1:]])
        for r in rows
    ]
    path = tmp_path / "huge_30C.csv"
    path.write_text("freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm\n" + "\n".join(scaled) + "\n")
    before = dump()
    result = _eis(cli, path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 2  # the progress label and one line
    assert "huge_30C.csv" in result.stderr and "beyond any measurement" in result.stderr
    assert dump() == before


def test_circuit_guess_resistance_and_window_options(cli: Any, sample: str) -> None:
    named = _eis(cli, CSV_FILES[0], extra=("--circuit", "arc-spur", "--guess", "R1=90"))
    assert named.exit_code == 0, named.output
    assert "circuit: arc-spur R0-p(R1,CPE1)-CPE2\n" in named.stdout  # no runner-up when named
    bad_guess = _eis(cli, CSV_FILES[1], extra=("--circuit", "arc-spur", "--guess", "Q1=3"))
    assert bad_guess.exit_code == 1 and "--guess Q1" in bad_guess.stderr
    windowed = _eis(cli, CSV_FILES[1], extra=("--fmin", "10Hz", "--fmax", "1MHz"))
    assert windowed.exit_code == 0, windowed.output
    assert "cropped 10 points outside the window" in windowed.stdout
    bare = _eis(cli, CSV_FILES[2], extra=("--fmin", "10"))
    assert bare.exit_code == 1 and "'10' has no unit" in bare.stderr
    bad = _eis(cli, CSV_FILES[2], extra=("--resistance", "ionic"))
    assert bad.exit_code == 2
    details = {m["raw_file"] for m in _measurements(cli)}
    assert details == {CSV_FILES[0].name, CSV_FILES[1].name}


def test_the_same_file_twice_is_refused_unless_allowed(cli: Any, sample: str) -> None:
    assert _eis(cli, CSV_FILES[0]).exit_code == 0
    again = _eis(cli, CSV_FILES[0])
    assert again.exit_code == 1 and "already measurement 1" in again.stderr
    assert _eis(cli, CSV_FILES[0], extra=("--allow-duplicate",)).exit_code == 0
    assert len(_measurements(cli)) == 2


def test_refit_from_the_stored_raw_file_keeps_history(cli: Any, sample: str) -> None:
    assert _eis(cli, *CSV_FILES).exit_code == 0
    before = _measurements(cli)[0]
    result = cli("measure", "refit", str(before["id"]), "--circuit", "two-arcs-spur")
    assert result.exit_code == 0, result.output
    assert "circuit: two-arcs-spur" in result.stdout and "Arrhenius: Ea" in result.stdout
    after = _measurements(cli)[0]
    assert after["resistance_ohm"] != before["resistance_ohm"]
    assert after["sigma_s_cm"] == pytest.approx(0.032 / (after["resistance_ohm"] * 0.785))
    shown = cli("sample", "show", "EIS-1").stdout
    assert "refit with two-arcs-spur" in shown
    same = cli("measure", "refit", str(before["id"]), "--circuit", "two-arcs-spur")
    assert same.exit_code == 1 and "nothing changed" in same.stderr
    back = cli("measure", "refit", str(before["id"]))
    assert back.exit_code == 0 and "circuit: arc-spur" in back.stdout
    assert _measurements(cli)[0]["resistance_ohm"] == pytest.approx(before["resistance_ohm"])


def test_refit_needs_a_stored_raw_file(cli: Any, sample: str) -> None:
    added = cli(
        "measure", "add", "EIS-1", "-t", "30C", "-r", "100ohm",
        "--thickness", "320um", "--area", "0.785cm2",
    )  # fmt: skip
    assert added.exit_code == 0
    result = cli("measure", "refit", "1")
    assert result.exit_code == 1 and "no stored raw file" in result.stderr
    assert cli("measure", "refit", "99").exit_code == 1


def test_raw_files_travel_with_export_and_import(cli: Any, sample: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from matdoe.cli import app

    assert _eis(cli, FORMAT_FILES[0], CSV_FILES[0]).exit_code == 0
    bundle = tmp_path / "lab.json"
    assert cli("export", str(bundle)).exit_code == 0
    document = json.loads(bundle.read_text())
    names = sorted(row["name"] for row in document["tables"]["raw_file"])
    assert names == sorted([FORMAT_FILES[0].name, CSV_FILES[0].name])
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", target, "init"]).exit_code == 0
    restored = runner.invoke(app, ["--db", target, "import", str(bundle)])
    assert restored.exit_code == 0, restored.output
    refit = runner.invoke(
        app, ["--db", target, "measure", "refit", "1", "--circuit", "two-arcs-spur"]
    )
    assert refit.exit_code == 0, refit.output
