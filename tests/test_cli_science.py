"""From impedance files to stored conductivities and Arrhenius fits, through the CLI.

Uses the simulated example spectra shipped in data/examples/eis (four plain CSV files and one
BioLogic .mpt file, made by matdoe.eis.synthetic_spectrum with Ea = 0.38 eV).
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
