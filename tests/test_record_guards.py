"""Values a new user typed that were stored as something else (an adversarial try, issue 10).

Each case failed before: a scaffold without its vol% became 0 vol%, a JSON ``true`` became
1 vol%, weighed masses were dropped or replaced by derived ones, and a corrected pellet
thickness left every conductivity computed from the old one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_trust import refused

ADD = ["sample", "add", "--label", "W-1", "--host", "Na2B12H12", "--silica", "A200"]
ADD += ["--vol", "35", "--milling", "4h"]


NOT_STATED = {"label": "J0", "host": "Na2B12H12", "scaffold": "SiO2-A200", "scaffold_vol_pct": None}


def _import_json(cli: Any, path: Path, rows: list[dict[str, Any]]) -> Any:
    """Write ``rows`` as a JSON file at ``path`` and `sample import` it."""
    path.write_text(json.dumps(rows))
    return cli("sample", "import", str(path))


def _sample(dump: Any, label: str) -> dict[str, Any]:
    return next(s for s in dump()["sample"] if s["label"] == label)


# --------------------------------------------------------------------------- imports
def test_an_import_row_with_a_scaffold_but_no_vol_pct_is_refused(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("label,host,scaffold,milling_h\nB1,Na2B12H12,SiO2-A200,4\n")
    before = dump()
    refused(cli("sample", "import", str(path)), "scaffold_vol_pct")
    assert dump() == before


def test_an_explicit_blank_vol_pct_is_kept_as_not_stated(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    result = _import_json(cli, tmp_path / "rows.json", [NOT_STATED])
    assert result.exit_code == 0, result.output
    assert _sample(dump, "J0")["scaffold_vol_pct"] is None


@pytest.mark.parametrize("label", ["001", "2024-05-01", "yes"])
def test_an_unquoted_yaml_label_read_as_a_number_or_date_says_to_quote_it(
    cli: Any, materials: Any, dump: Any, tmp_path: Path, label: str
) -> None:
    path = tmp_path / "rows.yaml"
    path.write_text(
        f"- label: {label}\n  host: Na2B12H12\n  scaffold: SiO2-A200\n"
        "  scaffold_vol_pct: 35\n  milling_h: 4 h\n"
    )
    before = dump()
    refused(cli("sample", "import", str(path)), "field 'label'", "put the text in quotes")
    assert dump() == before
    path.write_text(path.read_text().replace(f"label: {label}", f"label: '{label}'"))
    assert cli("sample", "import", str(path)).exit_code == 0
    assert _sample(dump, label)["scaffold_vol_pct"] == 35


@pytest.mark.parametrize("value", [True, False])
def test_a_json_yes_no_value_is_no_number(
    cli: Any, materials: Any, dump: Any, tmp_path: Path, value: bool
) -> None:
    row = {"label": "J1", "host": "Na2B12H12", "scaffold": "SiO2-A200", "milling_h": "4 h"}
    before = dump()
    result = _import_json(cli, tmp_path / "rows.json", [{**row, "scaffold_vol_pct": value}])
    refused(result, "scaffold_vol_pct", json.dumps(value))
    assert dump() == before


# --------------------------------------------------------------------------- weighed masses
@pytest.mark.parametrize(
    ("masses", "needle"),
    [
        (["--host-mass", "300mg"], "scaffold_mg is not given"),
        (["--scaffold-mass", "200mg"], "host_mg is not given"),
        (["--host-mass", "300mg", "--scaffold-mass", "200mg", "--batch", "900mg"], "add up to 500"),
        # 300 mg salt + 10 g silica is about 95 vol% silica, not 35
        (["--host-mass", "300mg", "--scaffold-mass", "10g"], "94.6 vol%"),
    ],
)
def test_weighed_masses_are_refused_when_incomplete_or_contradictory(
    cli: Any, materials: Any, dump: Any, masses: list[str], needle: str
) -> None:
    before = dump()
    refused(cli(*ADD, *masses), needle)
    assert dump() == before


def test_weighed_masses_are_stored_as_typed(cli: Any, materials: Any, dump: Any) -> None:
    result = cli(*ADD, "--host-mass", "250mg", "--scaffold-mass", "240mg")
    assert result.exit_code == 0, result.output
    sample = _sample(dump, "W-1")
    assert (sample["host_mg"], sample["scaffold_mg"], sample["batch_mg"]) == pytest.approx(
        (250, 240, 490)
    )
    assert sample["masses_source"] == "weighed"


def test_contradictory_masses_can_be_forced_and_the_history_says_so(
    cli: Any, materials: Any, dump: Any
) -> None:
    result = cli(*ADD, "--host-mass", "300mg", "--scaffold-mass", "10g", "--force")
    assert result.exit_code == 0, result.output
    sample = _sample(dump, "W-1")
    assert (sample["host_mg"], sample["scaffold_mg"]) == pytest.approx((300, 10_000))
    notes = [r["note"] or "" for r in dump()["revision"] if r["table_name"] == "sample"]
    assert any("94.6 vol%" in note for note in notes)


def test_one_mass_of_a_derived_pair_cannot_be_edited_alone(lab: Any, dump: Any) -> None:
    before = dump()
    refused(lab("sample", "edit", "S-1", "--set", "host_mg=300mg"), "together")
    assert dump() == before
    result = lab("sample", "edit", "S-1", "--set", "host_mg=250mg", "--set", "scaffold_mg=240mg")
    assert result.exit_code == 0, result.output
    sample = _sample(dump, "S-1")
    assert (sample["host_mg"], sample["scaffold_mg"], sample["batch_mg"]) == (250, 240, 490)
    assert sample["masses_source"] == "weighed"


def test_a_new_vol_pct_recomputes_derived_masses_without_a_mass_complaint(
    lab: Any, dump: Any
) -> None:
    old = _sample(dump, "S-1")
    result = lab("sample", "edit", "S-1", "--set", "scaffold_vol_pct=45")
    assert result.exit_code == 0, result.output
    new = _sample(dump, "S-1")
    assert new["masses_source"] == "derived"
    assert new["scaffold_mg"] > old["scaffold_mg"]


# --------------------------------------------------------------------------- pellet geometry
def test_a_corrected_pellet_thickness_recomputes_the_conductivities_that_used_it(
    lab: Any, dump: Any
) -> None:
    assert lab("measure", "add", "S-1", "-t", "30C", "-r", "1450ohm").exit_code == 0
    own = lab("measure", "add", "S-1", "-t", "60C", "-r", "300ohm", "--thickness", "500um")
    assert own.exit_code == 0, own.output
    before = {m["temperature_k"]: m for m in dump()["measurement"]}
    result = lab("sample", "edit", "S-1", "--set", "pellet.thickness_cm=640um")
    assert result.exit_code == 0, result.output
    after = {m["temperature_k"]: m for m in dump()["measurement"]}
    t30, t60 = sorted(after)
    # L/(R·A): twice the thickness, twice the conductivity
    assert after[t30]["sigma_s_cm"] == pytest.approx(2 * before[t30]["sigma_s_cm"], rel=1e-9)
    assert after[t30]["thickness_cm"] == pytest.approx(0.064)
    # a measurement with its own thickness keeps it
    assert after[t60]["sigma_s_cm"] == before[t60]["sigma_s_cm"]
    assert after[t60]["thickness_cm"] == pytest.approx(0.05)


# --------------------------------------------------------------------------- materials
SPACE = """\
description: a campaign that names a new silica
recipe: {host: Na2B12H12, batch_mg: 500}
parameters:
  - {type: categorical, name: silica, field: scaffold, choices: [SiO2-NEW, SiO2-A200]}
  - {type: float, name: vol_pct, field: scaffold_vol_pct, low: 5.0, high: 60.0, step: 0.5}
  - {type: float, name: milling_h, field: milling_h, low: 0.5, high: 12.0, step: 0.25}
conditions:
  - {name: temperature_c, low: 20.0, high: 100.0, default: 30.0, transform: inverse_temperature}
objectives:
  - {name: log10_sigma, maximize: true, temperature_c: 30.0}
"""
NEW_SILICA = ["material", "add", "SiO2-NEW", "--formula", "SiO2", "--kind", "scaffold"]
NEW_SILICA += ["--density", "2.2g/cm3", "--density-method", "reference", "--density-source", "x"]


def test_a_material_a_campaign_names_cannot_be_deleted(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    assert cli(*NEW_SILICA).exit_code == 0
    space = tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    created = cli("campaign", "create", "newc", "--space", str(space))
    assert created.exit_code == 0, created.output
    before = dump()
    refused(cli("material", "delete", "SiO2-NEW", "--yes"), "'newc'")
    refused(cli("material", "edit", "SiO2-NEW", "--set", "name=SiO2-NEW2", "--yes"), "'newc'")
    assert dump() == before


def test_the_kind_of_a_used_material_stays(lab: Any, dump: Any) -> None:
    before = dump()
    refused(
        lab("material", "edit", "SiO2-A200", "--set", "kind=host", "--yes"), "cannot become kind"
    )
    assert dump() == before


@pytest.mark.parametrize(("host", "silica"), [("SiO2-A200", "A200"), ("Na2B12H12", "Na2B12H12")])
def test_a_sample_uses_a_host_as_host_and_a_scaffold_as_scaffold(
    cli: Any, materials: Any, dump: Any, host: str, silica: str
) -> None:
    before = dump()
    args = ["sample", "add", "--label", "K-1", "--host", host, "--silica", silica]
    refused(cli(*args, "--vol", "35", "--milling", "4h"), "not a")
    assert dump() == before


def test_a_name_that_differs_only_in_case_is_refused(cli: Any, materials: Any, dump: Any) -> None:
    before = dump()
    args = ["material", "add", "sio2-a200", "--formula", "SiO2", "--kind", "scaffold"]
    refused(cli(*args, "--density", "2.2g/cm3", "--density-source", "x"), "only in case")
    assert dump() == before


# --------------------------------------------------------------------------- other measurements
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--kind", "lsv", "--value", "3.9"], "needs the unit"),
        (["--kind", "lsv", "--value", "3.9", "--unit", "furlongs"], "cannot be in 'furlongs'"),
        (["--kind", "lsv", "--value", "3.9", "--unit", "mA/cm2"], "cannot be in 'mA/cm2'"),
        (["--kind", "dc_polarisation", "--value", "1.5", "--unit", "1"], "0-1"),
        (["--kind", "ccd", "--value", "-1", "--unit", "mA/cm2"], "positive"),
        (["--kind", "lsv", "--value", "4", "--unit", "V", "-t", "30C", "--sigma", "1mS/cm"], "eis"),
    ],
)
def test_a_value_of_another_kind_needs_a_unit_that_kind_can_have(
    lab: Any, dump: Any, args: list[str], needle: str
) -> None:
    before = dump()
    refused(lab("measure", "add", "S-1", *args), needle)
    assert dump() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--kind", "lsv", "--value", "3.9", "--unit", "V vs Na+/Na"],
        ["--kind", "dc_polarisation", "--value", "0.97", "--unit", "1"],
        ["--kind", "ccd", "--value", "0.3", "--unit", "mA/cm2"],
        ["--kind", "symmetric_cycling", "--value", "150", "--unit", "h"],
        ["--kind", "full_cell_cycling", "--value", "98.7", "--unit", "%"],
        ["--kind", "other", "--value", "0.38", "--unit", "eV"],
    ],
)
def test_the_papers_kinds_of_value_are_accepted(lab: Any, dump: Any, args: list[str]) -> None:
    result = lab("measure", "add", "S-1", *args)
    assert result.exit_code == 0, result.output
    stored = dump()["measurement"][-1]
    assert (stored["value"], stored["unit"]) == (float(args[3]), args[5])


# --------------------------------------------------------------------------- what is shown
def test_a_conductivity_without_its_uncertainty_is_not_shown_as_exact(lab: Any) -> None:
    result = lab("measure", "add", "S-1", "-t", "40C", "--sigma", "1.4mS/cm")
    assert result.exit_code == 0, result.output
    assert "± 0 " not in result.output
    assert "uncertainty not given" in result.output


@pytest.mark.parametrize(("day", "needle"), [("3026-01-01", "future"), ("1800-01-01", "1900")])
def test_a_day_in_the_future_or_long_ago_is_refused(
    cli: Any, materials: Any, dump: Any, day: str, needle: str
) -> None:
    before = dump()
    line = refused(cli(*ADD, "--made-on", day), needle)
    assert "datetime" not in line
    assert dump() == before


def test_a_long_value_is_not_echoed_whole(cli: Any, materials: Any) -> None:
    args = ["sample", "add", "--label", "x" * 5000, "--host", "Na2B12H12", "--silica", "A200"]
    line = refused(cli(*args, "--vol", "35", "--milling", "4h"), "120 characters")
    assert len(line) < 400


# --------------------------------------------------------------------------- filters, provenance
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--vol-min", "nan"], "--vol-min"),
        (["--vol-min", "50", "--vol-max", "10"], "above --vol-max"),
        (["--milling-min", "4h", "--milling-max", "1h"], "above --milling-max"),
        (["--source", "bogus"], "measured, paper or simulated"),
        (["--silica", ""], "--silica is empty"),  # listed every sample
    ],
)
def test_a_filter_that_can_match_nothing_by_mistake_is_refused(
    lab: Any, args: list[str], needle: str
) -> None:
    refused(lab("sample", "list", *args), needle)


def test_a_detail_given_twice_is_refused(lab: Any, dump: Any) -> None:
    before = dump()
    args = ["-t", "30C", "--sigma", "1mS/cm", "--detail", "a=1", "--detail", "a=2"]
    refused(lab("measure", "add", "S-1", *args), "twice")
    assert dump() == before


def test_the_raw_file_of_a_measurement_cannot_be_edited(lab: Any, dump: Any) -> None:
    assert lab("measure", "add", "S-1", "-t", "30C", "--sigma", "1mS/cm").exit_code == 0
    number = dump()["measurement"][-1]["id"]
    before = dump()
    args = ["measure", "edit", str(number), "--set", "raw_file=/etc/passwd", "--yes"]
    refused(lab(*args), "raw_file")
    assert dump() == before


@pytest.mark.parametrize("density", ["2.2kg/m3", "200g/cm3"])
def test_a_density_no_solid_has_is_refused(
    cli: Any, materials: Any, dump: Any, density: str
) -> None:
    before = dump()
    args = ["material", "add", "SiO2-X", "--formula", "SiO2", "--kind", "scaffold"]
    refused(cli(*args, "--density", density, "--density-source", "x"), "no solid's density")
    refused(
        cli("material", "edit", "SiO2-A200", "--set", f"density_g_cm3={density}", "--yes"),
        "no solid's density",
    )
    assert dump() == before


def test_a_batch_of_a_hundred_kilograms_needs_force(cli: Any, materials: Any, dump: Any) -> None:
    before = dump()
    refused(cli(*ADD, "--batch", "100000g"), "1 mg–1 kg")
    assert dump() == before


# --------------------------------------------------------------------------- a review's findings
def test_records_stored_before_a_new_rule_stay_readable(lab: Any, session_factory: Any) -> None:
    """A density, a day and a unit the new rules refuse, written by an older matdoe."""
    from sqlalchemy import text

    assert (
        lab("measure", "add", "S-1", "--kind", "lsv", "--value", "3.9", "--unit", "V").exit_code
        == 0
    )
    with session_factory.begin() as session:
        session.execute(text("UPDATE material SET density_g_cm3 = 0.05 WHERE name = 'SiO2-A200'"))
        session.execute(text("UPDATE sample SET made_on = '2030-01-01'"))
        session.execute(text("UPDATE measurement SET unit = NULL WHERE kind = 'lsv'"))
    for args in (
        ["material", "list"],
        ["material", "show", "SiO2-A200"],
        ["sample", "show", "S-1"],
    ):
        result = lab(*args)
        assert result.exit_code == 0, (args, result.output)
    # a change is checked in full, and can mend the old value in the same edit
    refused(lab("sample", "edit", "S-1", "--set", "notes=x"), "future")
    mended = lab("sample", "edit", "S-1", "--set", "notes=x", "--set", "made_on=2025-01-01")
    assert mended.exit_code == 0, mended.output


def test_a_not_stated_vol_pct_survives_a_json_round_trip(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    assert _import_json(cli, tmp_path / "rows.json", [NOT_STATED]).exit_code == 0
    exported = cli("sample", "show", "J0", "-f", "json")
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)
    data = data if isinstance(data, list) else [data]
    result = _import_json(cli, tmp_path / "again.json", [{**d, "label": "J0-copy"} for d in data])
    assert result.exit_code == 0, result.output
    assert _sample(dump, "J0-copy")["scaffold_vol_pct"] is None


def test_edits_keep_weighed_masses_consistent(cli: Any, materials: Any, dump: Any) -> None:
    assert cli(*ADD, "--host-mass", "260mg", "--scaffold-mass", "230mg").exit_code == 0
    before = dump()
    refused(cli("sample", "edit", "W-1", "--set", "batch_mg=700mg"), "add up to 490")
    refused(
        cli("sample", "edit", "W-1", "--set", "scaffold=", "--set", "scaffold_vol_pct=0"),
        "no scaffold",
    )
    assert dump() == before


MASSES = ("scaffold_id", "scaffold_vol_pct", "host_mg", "scaffold_mg", "batch_mg", "masses_source")


@pytest.mark.parametrize("spelling", ["none", "None", "-", ""])
def test_sample_edit_takes_no_scaffold_as_sample_add_does(
    lab: Any, dump: Any, spelling: str
) -> None:
    """`--set scaffold=none` was "unknown material 'none'" (and `scaffold=` a vol% complaint)."""
    for celsius, r in ((30, "1450ohm"), (45, "600ohm"), (60, "290ohm")):
        assert lab("measure", "add", "S-1", "-t", f"{celsius}C", "-r", r).exit_code == 0
    before = dump()
    result = lab("sample", "edit", "S-1", "--set", f"scaffold={spelling}", "--reason", "no silica")
    assert result.exit_code == 0, result.output
    # the meaning `sample add --scaffold none` gives it: 0 vol%, the whole batch is salt
    salt_only = ["--label", "N-1", "--host", "Na2B12H12", "--scaffold", "none", "--batch", "500mg"]
    made = lab("sample", "add", *salt_only, "--milling", "4h")
    assert made.exit_code == 0, made.output
    edited, reference = _sample(dump, "S-1"), _sample(dump, "N-1")
    assert [edited[k] for k in MASSES] == [reference[k] for k in MASSES]
    assert [edited[k] for k in MASSES] == [None, 0.0, 500.0, None, 500.0, "derived"]
    # the conductivities and their fit do not depend on the scaffold: unchanged
    assert dump()["measurement"] == before["measurement"]
    assert "scaffold          none" in lab("sample", "show", "S-1").stdout


@pytest.mark.parametrize(
    ("changes", "needles"),
    [
        # as `sample add --scaffold none --vol 35`: a vol% needs a scaffold
        (["scaffold=none", "scaffold_vol_pct=35"], ["scaffold_vol_pct=35 needs a scaffold"]),
        (["scaffold=", "scaffold_vol_pct=12.5%"], ["scaffold_vol_pct=12.5% needs a scaffold"]),
    ],
)
def test_sample_edit_to_no_scaffold_refuses_a_vol_pct_as_sample_add_does(
    lab: Any, dump: Any, changes: list[str], needles: list[str]
) -> None:
    before = dump()
    args = [item for change in changes for item in ("--set", change)]
    refused(lab("sample", "edit", "S-1", *args), *needles)
    assert dump() == before
    zero = lab("sample", "edit", "S-1", "--set", "scaffold=none", "--set", "scaffold_vol_pct=0")
    assert zero.exit_code == 0, zero.output


def test_weighed_silica_goes_with_its_scaffold(cli: Any, materials: Any, dump: Any) -> None:
    """Weighed masses hold the silica: it is cleared in the same edit, not guessed away."""
    assert cli(*ADD, "--host-mass", "260mg", "--scaffold-mass", "230mg").exit_code == 0
    before = dump()
    line = refused(cli("sample", "edit", "W-1", "--set", "scaffold=none"), "230 mg", "scaffold_mg=")
    assert "unknown material" not in line
    assert dump() == before
    cleared = cli("sample", "edit", "W-1", "--set", "scaffold=none", "--set", "scaffold_mg=")
    assert cleared.exit_code == 0, cleared.output
    sample = _sample(dump, "W-1")
    assert [sample[k] for k in MASSES] == [None, 0.0, 260.0, None, 260.0, "weighed"]


def test_an_import_checks_the_roles_of_its_materials(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    row = {"label": "R1", "host": "SiO2-A200", "scaffold": "Na2B12H12", "scaffold_vol_pct": 35}
    before = dump()
    result = _import_json(cli, tmp_path / "rows.json", [row])
    refused(result, "is a scaffold material, not a host salt")
    assert dump() == before


def test_a_name_that_differs_only_in_hyphens_is_refused(cli: Any, materials: Any) -> None:
    args = ["material", "add", "SiO2A200", "--formula", "SiO2", "--kind", "scaffold"]
    refused(cli(*args, "--density", "2.2g/cm3", "--density-source", "x"), "hyphens")


# --------------------------------------------------------------------------- milling programme
@pytest.mark.parametrize(
    ("option", "value", "needles"),
    [
        ("--off-min", "1e9", ["mill_off_min = 1e+09 min", "0–1440 min"]),
        ("--on-min", "1e9", ["mill_on_min = 1e+09 min", "1 s–1440 min"]),
        ("--on-min", "0", ["mill_on_min = 0 min", "1 s–1440 min"]),
        ("--rpm", "99999", ["milling_rpm = 99999 rpm is outside 10–5000 rpm"]),
        ("--bpr", "0.007", ["ball_to_powder = 0.007 is outside 1–1000"]),  # 1:140 upside down
    ],
)
def test_sample_add_refuses_a_milling_programme_no_mill_runs(
    cli: Any, materials: Any, dump: Any, option: str, value: str, needles: list[str]
) -> None:
    before = dump()
    refused(cli(*ADD, option, value), "--force", *needles)
    assert dump() == before


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ("mill_on_min=1e9", "mill_on_min = 1e+09 min"),
        ("mill_off_min=1441", "mill_off_min = 1441 min"),
        ("ball_diameter_mm=5000", "ball_diameter_mm = 5000 mm is outside 0.05–50 mm"),
        ("ball_diameter_mm=0.001", "ball_diameter_mm = 0.001 mm"),
    ],
)
def test_sample_edit_refuses_a_milling_programme_no_mill_runs(
    lab: Any, dump: Any, change: str, needle: str
) -> None:
    before = dump()
    refused(lab("sample", "edit", "S-1", "--set", change), needle)
    assert dump() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("mill_on_min", 1e9), ("mill_off_min", 1e9), ("ball_diameter_mm", 5000)],
)
@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_sample_import_refuses_a_milling_programme_no_mill_runs(
    cli: Any, materials: Any, dump: Any, tmp_path: Path, field: str, value: float, suffix: str
) -> None:
    row = {"label": "M-1", "host": "Na2B12H12", "scaffold": "SiO2-A200", "scaffold_vol_pct": 35}
    row[field] = value
    path = tmp_path / f"rows{suffix}"
    if suffix == ".csv":
        path.write_text(",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n")
    else:
        path.write_text(json.dumps([row]))
    before = dump()
    refused(cli("sample", "import", str(path)), f"{field} = ", "--force")
    assert dump() == before


def test_a_long_milling_step_can_be_forced_and_the_history_says_so(
    cli: Any, materials: Any, dump: Any
) -> None:
    assert cli(*ADD, "--on-min", "1440", "--off-min", "0").exit_code == 0  # the limits: stored
    result = cli("sample", "edit", "W-1", "--set", "mill_on_min=2880", "--force")
    assert result.exit_code == 0, result.output
    assert _sample(dump, "W-1")["mill_on_min"] == 2880
    notes = [r["note"] or "" for r in dump()["revision"] if r["table_name"] == "sample"]
    assert any("mill_on_min = 2880 min" in note for note in notes)


# --------------------------------------------------------------------------- an adversarial user
def _csv_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


HEADER = "label,host,scaffold,scaffold_vol_pct,milling_h"


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        # a measurement pasted twice would count twice in the Arrhenius fit
        (
            ["D-1,Na2B12H12,SiO2-A200,35,4,30,1e-4", "D-1,Na2B12H12,SiO2-A200,35,4,30,1e-4"],
            "row 3: repeats an earlier measurement of sample 'D-1' exactly",
        ),
        (
            ["D-1,Na2B12H12,SiO2-A200,35,4,,", "D-1,Na2B12H12,SiO2-A200,35,4,,"],
            "row 3: repeats sample 'D-1' of row 2 and adds no measurement",
        ),
    ],
)
def test_a_row_repeated_in_one_import_file_is_refused(
    cli: Any, materials: Any, dump: Any, tmp_path: Path, rows: list[str], needle: str
) -> None:
    path = _csv_file(tmp_path, f"{HEADER},temperature_c,sigma_s_cm\n" + "\n".join(rows) + "\n")
    before = dump()
    refused(cli("sample", "import", path), needle)
    assert dump() == before


def test_repeated_runs_told_apart_by_their_run_number_are_imported(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    rows = [f"D-1,Na2B12H12,SiO2-A200,35,4,30,1e-4,{run}" for run in (1, 2)]
    path = _csv_file(tmp_path, f"{HEADER},temperature_c,sigma_s_cm,run\n" + "\n".join(rows))
    result = cli("sample", "import", path)
    assert result.exit_code == 0, result.output
    assert len(dump()["measurement"]) == 2


def test_a_json_measurement_repeated_within_its_sample_is_refused(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    point = {"temperature_k": "30 C", "sigma_s_cm": "1 mS/cm"}
    row = {"label": "D-2", "host": "Na2B12H12", "scaffold": "SiO2-A200", "scaffold_vol_pct": 35}
    before = dump()
    result = _import_json(cli, tmp_path / "rows.json", [{**row, "measurements": [point, point]}])
    refused(result, "measurement 2", "exactly")
    assert dump() == before


@pytest.mark.parametrize(
    ("label", "notes"),
    [("#5", None), ("B-9", "weighed at 21 °C\rre-weighed")],
)
@pytest.mark.parametrize("how", [("sample", "list"), ("sample", "show", "LABEL")])
def test_what_sample_list_writes_as_csv_imports_back_whole(
    cli: Any,
    materials: Any,
    new_database: Any,
    tmp_path: Path,
    label: str,
    notes: str | None,
    how: tuple[str, ...],
) -> None:
    """A label starting with '#' was read back as a comment (the sample silently dropped), a
    lone carriage return in the notes made the file unreadable."""
    from conftest import HOST, SILICA, Cli

    extra = ["--notes", notes] if notes else []
    assert cli(*ADD[:3], label, *ADD[4:], *extra).exit_code == 0
    written = cli(*(label if part == "LABEL" else part for part in how), "-f", "csv")
    assert written.exit_code == 0, written.output
    path = tmp_path / "out.csv"
    path.write_text(written.stdout, encoding="utf-8")
    other = Cli(new_database())
    for material in (HOST, SILICA):
        args = ["material", "add", material["name"], "--formula", material["formula"]]
        args += ["--kind", material["kind"], "--density", f"{material['density_g_cm3']}g/cm3"]
        assert other(*args, "--density-source", "x").exit_code == 0
    result = other("sample", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 1 samples" in result.stderr
    shown = other("sample", "show", label, "-f", "json")
    assert json.loads(shown.stdout)[0].get("notes") == notes


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--temperature-std", "5"], "--temperature-std: '5' has no unit"),
        (["--temperature-std", "60K"], "temperature_std_k = 60 K is outside 0–50 K"),
        (["--value", "5"], "keeps its number in sigma_s_cm or resistance_ohm, not in value"),
        (["--unit", "V"], "not in unit"),
    ],
)
def test_a_conductivity_refuses_what_it_would_store_wrongly(
    lab: Any, dump: Any, args: list[str], needle: str
) -> None:
    before = dump()
    refused(lab("measure", "add", "S-1", "-t", "30C", "-r", "1450ohm", *args), needle)
    assert dump() == before


def test_a_value_cannot_be_slipped_into_a_conductivity_by_an_edit(lab: Any, dump: Any) -> None:
    assert lab("measure", "add", "S-1", "-t", "30C", "-r", "1450ohm").exit_code == 0
    number = dump()["measurement"][-1]["id"]
    before = dump()
    refused(lab("measure", "edit", str(number), "--set", "value=5", "--yes"), "not in value")
    assert dump() == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--kind", "lsv", "--value", "3900", "--unit", "V"], "value = 3900 V is outside ±20 V"),
        (["--kind", "ccd", "--value", "1e300", "--unit", "mA/cm2"], "1e-4–1000 mA/cm²"),
    ],
)
def test_a_value_no_electrolyte_has_needs_force(
    lab: Any, dump: Any, args: list[str], needle: str
) -> None:
    before = dump()
    refused(lab("measure", "add", "S-1", *args), needle, "--force")
    assert dump() == before
    assert lab("measure", "add", "S-1", *args, "--force").exit_code == 0


def test_a_potential_in_millivolts_is_converted_before_it_is_judged(lab: Any, dump: Any) -> None:
    args = ["--kind", "lsv", "--value", "3900", "--unit", "mV vs Na+/Na"]
    result = lab("measure", "add", "S-1", *args)
    assert result.exit_code == 0, result.output
    assert dump()["measurement"][-1]["unit"] == "mV vs Na+/Na"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ("pellet.pressure_mpa=30000", "pressure_mpa = 30000 MPa is outside 1 MPa–10 GPa"),
        ("pellet.pressure_mpa=0.001", "pressure_mpa = 0.001 MPa"),
        ("pellet.mass_mg=0.045", "a pressed pellet is at least 20 % dense"),  # 45 mg as g
        ("pellet.mass_mg=1e300", "2.6e+300 %"),  # not a number of 300 digits
    ],
)
def test_a_pellet_no_press_makes_needs_force(lab: Any, dump: Any, change: str, needle: str) -> None:
    before = dump()
    line = refused(lab("sample", "edit", "S-1", "--set", change), needle)
    assert len(line) < 400
    assert dump() == before


def test_sample_edit_sets_extra_as_an_import_file_does(lab: Any, dump: Any) -> None:
    result = lab("sample", "edit", "S-1", "--set", 'extra={"jar": "J2", "fill_pct": 30}')
    assert result.exit_code == 0, result.output
    assert _sample(dump, "S-1")["extra"] == {"jar": "J2", "fill_pct": 30}
    before = dump()
    refused(lab("sample", "edit", "S-1", "--set", "extra={bad"), "--set extra", "malformed JSON")
    assert dump() == before


@pytest.mark.parametrize(
    ("db", "code", "needle"),
    [
        ("", 2, "'--db': is empty"),  # an unset shell variable: not the default database
        ("sqlite:///", 1, "names no file"),  # in memory: "created", and nothing kept
        ("sqlite://", 1, "names no file"),
        ("sqlite:///:memory:", 1, "names no file"),
    ],
)
def test_init_refuses_a_database_it_cannot_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, code: int, needle: str
) -> None:
    from typer.testing import CliRunner

    from matdoe.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--db", db, "init"])
    assert result.exit_code == code, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["measure", "edit", "99999999999", "--set", "notes=x", "--yes"], "unknown measurement"),
        (["measure", "delete", "99999999999", "--yes"], "unknown measurement 99999999999"),
        ([*ADD, "--from-suggestion", "99999999999"], "unknown suggestion 99999999999"),
        (["suggestion", "abandon", "99999999999999999999"], "unknown suggestion"),
        (["suggestion", "abandon", "99999999999"], "unknown suggestion 99999999999"),
        (
            ["tell", "99999999999", "-l", "Z9", "-t", "30C", "--sigma", "1mS/cm"],
            "unknown suggestion 99999999999",
        ),
    ],
)
def test_an_id_beyond_32_bits_is_unknown_on_every_database(
    lab: Any, dump: Any, args: list[str], needle: str
) -> None:
    """PostgreSQL answered "database error: integer out of range" where SQLite found nothing."""
    before = dump()
    refused(lab(*args), needle)
    assert dump() == before


@pytest.mark.parametrize("target", ["lab.csv", "lab.yaml", "lab.xlsx"])
def test_export_refuses_a_file_name_it_would_turn_into_a_folder(
    lab: Any, tmp_path: Path, target: str
) -> None:
    """`matdoe export lab.csv` wrote a folder named lab.csv, of one CSV file per table."""
    refused(lab("export", str(tmp_path / target)), "promises one file", "lab.json")
    assert not (tmp_path / target).exists()
    assert lab("export", str(tmp_path / "lab-backup")).exit_code == 0
    assert (tmp_path / "lab-backup" / "sample.csv").is_file()


def test_import_of_a_sample_table_points_to_sample_import(lab: Any, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("label,host\nX-1,Na2B12H12\n", encoding="utf-8")
    refused(lab("import", str(path)), "not a matdoe export", "`matdoe sample import`")


def test_an_unnamed_column_is_named_by_its_position(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    """A spreadsheet's trailing separator was "unknown column ''"."""
    path = _csv_file(tmp_path, f"{HEADER},\nU-1,Na2B12H12,SiO2-A200,35,4,\n")
    before = dump()
    refused(cli("sample", "import", path), "column 6 has no name", "trailing separator")
    assert dump() == before


def test_a_measurement_added_twice_is_refused_and_a_second_run_round_trips(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    assert cli(*ADD, "--thickness", "320um", "--area", "0.785cm2").exit_code == 0
    reading = ["measure", "add", "W-1", "--temperature", "30C", "--resistance", "1450ohm"]
    assert cli(*reading).exit_code == 0
    before = dump()
    refused(cli(*reading), "repeats measurement", "--run 2")  # the shell's history, run twice
    assert dump() == before
    assert cli(*reading, "--run", "2").exit_code == 0
    # Its export is read back by `sample import` (which refuses a row repeated exactly).
    shown = cli("sample", "show", "W-1", "-f", "csv")
    assert shown.exit_code == 0
    path = tmp_path / "w2.csv"
    path.write_text(shown.stdout.replace("\nW-1,", "\nW-2,"))  # the same batch, relabelled
    result = cli("sample", "import", str(path))
    assert result.exit_code == 0, result.output
    assert len([m for m in dump()["measurement"] if m["run"] == 2]) == 2
