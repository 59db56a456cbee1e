"""The CLI in-process (typer's CliRunner) on SQLite and PostgreSQL.

Refused input: exit code 1 (2 for usage errors), one line on stderr naming the value, no traceback,
and the database exactly as before. The "Done when" of the foundation issue as one story.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).with_name("data")


def assert_refused(result: Any, *needles: str, code: int = 1) -> None:
    """Exit ``code``, one line on stderr holding every needle, nothing on stdout, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    if code == 1:
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


ADD = ["sample", "add", "--host", "Na2B12H12", "--scaffold", "A200", "--milling", "4h"]
MEASURE = ["measure", "add", "S-1"]


@pytest.mark.parametrize(
    ("args", "needles", "code"),
    [
        ([*ADD, "--label", "N-1", "--vol", "-5"], ["scaffold_vol_pct", "-5"], 1),
        ([*ADD, "--label", "N-1", "--vol", "100.5"], ["scaffold_vol_pct", "100.5"], 1),
        ([*ADD, "--label", "N-1", "--vol", "abc"], ["'--vol'"], 2),
        (
            [
                "sample",
                "add",
                "--label",
                "N-1",
                "--host",
                "Na2B12H12",
                "--scaffold",
                "A999",
                "--vol",
                "30",
            ],
            ["unknown material 'A999'", "matdoe material add"],
            1,
        ),
        ([*ADD, "--label", "N-1", "--vol", "30", "--milling", "4 parsecs"], ["'4 parsecs'"], 1),
        ([*ADD, "--label", "S-1", "--vol", "30"], ["'S-1' already exists"], 1),
        ([*ADD, "--label", "N-1", "--vol", "30", "--made-on", "24/11/2026"], ["'24/11/2026'"], 1),
        ([*ADD, "--label", "N-1", "--vol", "30", "--thickness", "0um"], ["'0um'"], 1),
        ([*ADD, "--label", "N-1", "--vol", "30", "--bogus", "1"], ["--bogus"], 2),
        (
            [*MEASURE, "--temperature", "60 mS", "--sigma", "1e-3S/cm"],
            ["'60 mS'", "temperature"],
            1,
        ),
        (
            [*MEASURE, "--temperature", "-300C", "--sigma", "1e-3S/cm"],
            ["'-300C'", "absolute zero"],
            1,
        ),
        ([*MEASURE, "--temperature", "0K", "--sigma", "1e-3S/cm"], ["'0K'", "absolute zero"], 1),
        ([*MEASURE, "--temperature", "60C", "--resistance", "0ohm"], ["'0ohm'"], 1),
        ([*MEASURE, "--temperature", "60C", "--resistance", "-850ohm"], ["'-850ohm'"], 1),
        (
            [*MEASURE, "--temperature", "60C", "--resistance", "850"],
            ["'850'", "no unit", "'850ohm'"],
            1,
        ),
        (
            [*MEASURE, "--temperature", "30", "--resistance", "850ohm"],
            ["'30'", "no unit", "'30C'"],
            1,
        ),
        ([*MEASURE, "-t", "60C", "-r", "850ohm", "--thickness", "320"], ["'320'", "'320um'"], 1),
        ([*MEASURE, "-t", "60C", "-r", "850ohm", "--thickness", "-1mm"], ["'-1mm'"], 1),
        ([*MEASURE, "-t", "60C", "-r", "850ohm", "--thickness", "0 um"], ["'0 um'"], 1),
        ([*MEASURE, "-t", "60C", "--sigma", "1.4 mS/cm", "--area", "0cm2"], ["'0cm2'"], 1),
        ([*MEASURE, "-t", "60C", "--sigma", "-1e-3S/cm"], ["sigma_s_cm", "greater than 0"], 1),
        ([*MEASURE, "-t", "60C"], ["give --sigma, or --resistance"], 1),
        ([*MEASURE, "-t", "60C", "--sigma", "1e-3S/cm", "--direction", "up"], ["'up'"], 1),
        (
            ["measure", "add", "NOPE", "-t", "60C", "--sigma", "1e-3S/cm"],
            ["unknown sample 'NOPE'"],
            1,
        ),
        (["measure", "add", "S-1", "-t"], ["-t"], 2),
        (
            ["material", "add", "SiO2-A200", "--formula", "SiO2", "--kind", "scaffold"],
            ["'SiO2-A200' already exists"],
            1,
        ),
        (["material", "add", "X", "--formula", "Xq2O", "--kind", "scaffold"], ["Xq2O"], 1),
        (["material", "add", "X", "--formula", "SiO2", "--kind", "rock"], ["'rock'"], 1),
        (["sample", "show", "NOPE"], ["unknown sample 'NOPE'"], 1),
        (["sample", "edit", "S-1", "--set", "scaffold_vol_pct=120"], ["'120'"], 1),
        (["sample", "edit", "S-1", "--set", "colour=blue"], ["no field 'colour'"], 1),
        (["sample", "edit", "S-1", "--set", "nonsense"], ["'nonsense'"], 1),
        (["sample", "list", "--silica", "A999"], ["unknown material 'A999'"], 1),
        (["sample", "list", "--since", "yesterday"], ["'yesterday'"], 1),
        (["sample", "list", "--milling-min", "4 kg"], ["'4 kg'"], 1),
        (["sample", "list", "--format", "xml"], ["'xml'"], 2),
    ],
)
def test_refused_command_leaves_the_database_unchanged(
    lab: Any, dump: Any, args: list[str], needles: list[str], code: int
) -> None:
    before = dump()
    result = lab(*args)
    assert_refused(result, *needles, code=code)
    assert dump() == before


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("samples_row3_bad.csv", ["row 4", "scaffold_vol_pct", "'120'"]),
        ("samples_row3_bad_unit.csv", ["row 4", "'60 mS'"]),
        ("samples_row3_unknown_material.csv", ["unknown material 'SiO2-A999'"]),
        ("samples_wrong_columns.csv", ["unknown column 'name'"]),
        ("samples_ragged.csv", ["line 3", "truncated"]),
        ("samples_truncated.json", ["malformed JSON"]),
        ("samples_malformed.yaml", ["malformed YAML", "line 4"]),
        ("samples_duplicate_label.json", ["'D-1' appears twice"]),
        ("samples_empty.csv", ["no rows"]),
        ("samples_not_utf8.csv", ["not a UTF-8 text file"]),
        ("no_such_file.csv", ["no such file"]),
    ],
)
def test_refused_import_imports_nothing(lab: Any, dump: Any, name: str, needles: list[str]) -> None:
    before = dump()
    result = lab("sample", "import", str(DATA / name))
    assert_refused(result, *needles)
    assert dump() == before


def test_import_of_an_existing_label_imports_nothing(lab: Any, dump: Any, tmp_path: Path) -> None:
    path = tmp_path / "again.csv"
    path.write_text(
        "label,host,scaffold,scaffold_vol_pct\nNEW-1,Na2B12H12,A200,10\nS-1,Na2B12H12,A200,20\n",
        "utf-8",
    )
    before = dump()
    assert_refused(lab("sample", "import", str(path)), "'S-1' already exists")
    assert dump() == before


def test_good_imports_land_completely(lab: Any) -> None:
    for name in ("samples_good.csv", "samples_good.json", "samples_good.yaml"):
        result = lab("sample", "import", str(DATA / name))
        assert result.exit_code == 0, result.stderr
    listed = json.loads(lab("sample", "list", "--format", "json").stdout)
    conductivities = {
        row["label"]: sum(m.get("kind", "eis") == "eis" for m in row["measurements"])
        for row in listed
    }
    assert conductivities == {
        "S-1": 0,
        "T-35-A200-4h": 3,
        "T-20-A200-2h": 1,
        "J-30-A200": 2,
        "J-pristine": 0,
        "Y-40-A200": 1,  # the lsv measurement is not a conductivity
        "Y-Ünïcode-β": 0,
    }
    shown = json.loads(lab("sample", "show", "T-35-A200-4h", "--format", "json").stdout)[0]
    for measurement in shown["measurements"]:
        expected = 0.032 / (measurement["resistance_ohm"] * 0.785)
        assert measurement["sigma_s_cm"] == pytest.approx(expected, rel=1e-12)


def test_debug_variable_shows_the_traceback(lab: Any) -> None:
    from matdoe.errors import InvalidRecordError

    result = lab(*MEASURE, "-t", "60 mS", "--sigma", "1e-3S/cm", env={"MATDOE_DEBUG": "1"})
    assert result.exit_code == 1
    assert isinstance(result.exception, InvalidRecordError)
    assert "'60 mS'" in str(result.exception)


def test_uninitialised_database_says_run_init(new_database: Any) -> None:
    from conftest import Cli

    url = new_database(migrated=False)
    result = Cli(url)("sample", "list")
    assert_refused(result, "matdoe init")


def test_done_when_of_the_foundation_issue(cli: Any, new_database: Any, tmp_path: Path) -> None:
    """Record a silica, a sample and three measurements; show, edit, export and re-import."""
    from conftest import Cli

    steps = [
        [
            *["material", "add", "Na2B12H12", "--formula", "Na2B12H12", "--kind", "host"],
            *("--density", "1.16 g/cm3", "--density-source", "crystal structure"),
        ],
        [
            *[
                "material",
                "add",
                "SiO2-A200",
                "--formula",
                "SiO2",
                "--kind",
                "scaffold",
                "--bet",
                "191.2m2/g",
            ],
            *("--density", "2.2 g/cm3", "--density-source", "handbook"),
            *("--product", "Aerosil 200", "--morphology", "fumed"),
        ],
        [
            *[
                "sample",
                "add",
                "--label",
                "NB-35-A200-4h",
                "--host",
                "Na2B12H12",
                "--silica",
                "A200",
                "--vol",
                "35",
            ],
            *[
                "--milling",
                "4h",
                "--thickness",
                "320um",
                "--area",
                "0.785cm2",
                "--made-on",
                "2026-11-24",
            ],
        ],
    ]
    resistances = {"30C": "2.5kohm", "45C": "1.2kohm", "60C": "850ohm"}
    for temperature, resistance in resistances.items():
        steps.append(["measure", "add", "NB-35-A200-4h", "-t", temperature, "-r", resistance])
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.stderr)

    shown = cli("sample", "show", "NB-35-A200-4h")
    assert shown.exit_code == 0, shown.stderr
    assert "SiO2-A200 (SiO2)" in shown.stdout
    assert "Conductivity" in shown.stdout
    assert "Arrhenius" in shown.stdout
    record = json.loads(cli("sample", "show", "NB-35-A200-4h", "--format", "json").stdout)[0]
    sigmas = {round(m["temperature_k"], 2): m["sigma_s_cm"] for m in record["measurements"]}
    for temperature_k, ohm in ((303.15, 2500.0), (318.15, 1200.0), (333.15, 850.0)):
        expected = 0.032 / (ohm * 0.785)
        assert sigmas[temperature_k] == pytest.approx(expected, rel=1e-12)
        assert f"{expected:.3g}" in shown.stdout
    assert "History" not in shown.stdout

    edited = cli("sample", "edit", "NB-35-A200-4h", "--set", "milling_h=6h", "--set", "notes=re")
    assert edited.exit_code == 0, edited.stderr
    shown = cli("sample", "show", "NB-35-A200-4h")
    history = shown.stdout.split("History", 1)[1]
    assert "milling_h: 4.0 → 6.0" in history
    assert "notes: None → 're'" in history
    assert "created" in history

    for layout in ("lab.json", "lab-csv"):
        first, second = tmp_path / f"1-{layout}", tmp_path / f"2-{layout}"
        assert cli("export", str(first)).exit_code == 0
        target = Cli(new_database())
        restored = target("import", str(first))
        assert restored.exit_code == 0, restored.stderr
        assert target("export", str(second)).exit_code == 0
        if first.is_dir():
            names = sorted(p.name for p in first.iterdir())
            assert names == sorted(p.name for p in second.iterdir())
            for name in names:
                assert (first / name).read_bytes() == (second / name).read_bytes(), name
        else:
            assert first.read_bytes() == second.read_bytes()
        again = target("sample", "show", "NB-35-A200-4h")
        assert again.stdout == shown.stdout


@pytest.mark.parametrize(
    "label",
    [
        "'; DROP TABLE sample; --",
        "$(rm -rf /)",
        "`touch /tmp/matdoe-pwned`; echo",
        'Robert"); DELETE FROM measurement; --',
        "%_* wildcard",
    ],
)
def test_sql_and_shell_syntax_are_plain_data(lab: Any, dump: Any, label: str) -> None:
    result = lab(*ADD, "--label", label, "--vol", "30")
    assert result.exit_code == 0, result.stderr
    result = lab("measure", "add", label, "-t", "60C", "--sigma", "1e-3S/cm")
    assert result.exit_code == 0, result.stderr
    shown = lab("sample", "show", label)
    assert shown.exit_code == 0 and f"Sample {label}" in shown.stdout
    listed = json.loads(lab("sample", "list", "--format", "json").stdout)
    assert [row["label"] for row in listed] == ["S-1", label]
    before = dump()
    refused = lab("sample", "list", "--silica", label)
    assert_refused(refused, "unknown material")
    assert lab("sample", "show", "%").exit_code == 1  # no LIKE matching
    material = lab("material", "add", label, "--formula", "SiO2", "--kind", "scaffold")
    assert material.exit_code == 0
    assert lab("sample", "list", "--silica", label).exit_code == 0
    after = dump()
    assert after["sample"] == before["sample"]
    assert after["measurement"] == before["measurement"]
    assert not Path("/tmp/matdoe-pwned").exists()


def test_password_in_the_url_is_never_printed(tmp_path: Path) -> None:
    from conftest import Cli

    secret = "s3cret-horse-battery"
    unreachable = f"postgresql+psycopg://lab:{secret}@127.0.0.1:1/matdoe"
    for result in (
        Cli(unreachable)("sample", "list"),
        Cli(unreachable)("init"),
    ):
        assert_refused(result, "lab:***@127.0.0.1:1")
        assert secret not in result.stderr


def test_database_url_from_the_environment(db_url: str, make_sample: Any) -> None:
    from typer.testing import CliRunner

    from matdoe.cli import app

    make_sample("S-env")
    result = CliRunner().invoke(
        app, ["sample", "list", "--format", "csv"], env={"MATDOE_DB": db_url}
    )
    assert result.exit_code == 0, result.stderr
    assert "S-env" in result.stdout


@pytest.mark.parametrize("backend", ["postgres"])  # password authentication: PostgreSQL only
def test_wrong_postgres_password_is_one_masked_line(backend: str, db_url: str) -> None:
    import uuid

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from conftest import Cli

    role = f"matdoe_pw_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD 'right-horse'")
        url = make_url(db_url).set(username=role, password="wrong-battery")
        text = url.render_as_string(hide_password=False)
        result = Cli(text)("sample", "list")
        if result.exit_code == 0 and os.environ.get("MATDOE_REQUIRE_POSTGRES") != "1":
            # A developer's own server may trust everyone; the clusters of .ci/run and
            # tests/pg.py check passwords, so there (PostgreSQL required) this is a failure.
            pytest.skip("this PostgreSQL server does not check passwords (trust authentication)")
        assert_refused(result, "cannot log in", f"{role}:***@")
        assert "wrong-battery" not in result.stderr
        good = Cli(url.set(password="right-horse").render_as_string(hide_password=False))
        assert good("sample", "list").exit_code in (0, 1)  # logged in (may lack privileges)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()
