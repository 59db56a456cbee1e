"""Numbers a scientist can trust (issue 10): every finding is a test that failed before.

Each refusal is one line on stderr, exit code 1, and an unchanged database; every value that is
accepted is right (its unit was stated, or its name carries it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matdoe.conductivity import BOLTZMANN_EV_K

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples" / "eis"
MEASURE = ["measure", "add", "S-1"]


def refused(result: Any, *needles: str) -> str:
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Traceback" not in result.output
    return lines[0]


# --------------------------------------------------------------------------- one unit rule
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        # the reported cases: a bare 30 was stored as 30 K, a bare 320 as 320 cm
        (["--temperature", "30", "--resistance", "1000ohm"], ["'30' has no unit", "'30C'"]),
        (["-t", "30C", "-r", "1000ohm", "--thickness", "320"], ["'320' has no unit", "'320um'"]),
        (["-t", "30C", "-r", "1000", "--thickness", "320um"], ["'1000' has no unit", "ohm"]),
        (["-t", "30C", "--sigma", "1.4e-3"], ["'1.4e-3' has no unit", "S/cm"]),
        (["-t", "30C", "-r", "1kohm", "--area", "0.785"], ["'0.785' has no unit", "cm2"]),
        (["-t", "1e308K", "--sigma", "1mS/cm"], ["outside 150–800 K", "--force"]),
        # a wrong unit is never a guess either
        (["-t", "30 mS", "--sigma", "1mS/cm"], ["'30 mS' is not a temperature"]),
    ],
)
def test_a_bare_or_wrong_number_is_refused_with_what_to_type(
    lab: Any, dump: Any, args: list[str], needles: list[str]
) -> None:
    before = dump()
    refused(lab(*MEASURE, *args), *needles)
    assert dump() == before


@pytest.mark.parametrize(
    ("resistance", "sigma"),
    [("1.2 kOhm", 0.032 / (1200 * 0.785)), ("1.2kΩ", 0.032 / (1200 * 0.785)), ("850 Ω", None)],
)
def test_spellings_pint_reads_are_accepted(lab: Any, resistance: str, sigma: float | None) -> None:
    result = lab(*MEASURE, "-t", "-20 °C", "-r", resistance)
    assert result.exit_code == 0, result.output
    listed = json.loads(lab("measure", "list", "S-1", "--format", "json").stdout)
    assert listed[-1]["temperature_c"] == pytest.approx(-20.0)
    if sigma is not None:
        assert listed[-1]["sigma_s_cm"] == pytest.approx(sigma, rel=1e-12)


def test_a_conductivity_in_s_per_cm_written_as_a_product_is_accepted(lab: Any) -> None:
    assert lab(*MEASURE, "-t", "60C", "--sigma", "1.4 mS cm-1").exit_code == 0
    assert lab(*MEASURE, "-t", "50C", "--sigma", "9.5e-4 S·cm⁻¹").exit_code == 0
    listed = json.loads(lab("measure", "list", "S-1", "--format", "json").stdout)
    assert [m["sigma_s_cm"] for m in listed] == pytest.approx([1.4e-3, 9.5e-4])


# --------------------------------------------------------------------------- plausibility
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-t", "30K", "--sigma", "1mS/cm"], "temperature_k = 30 K (-243.1 °C)"),
        (["-t", "900C", "--sigma", "1mS/cm"], "outside 150–800 K"),
        (["-t", "30C", "-r", "1kohm", "--thickness", "320cm"], "outside 10 µm–1 cm"),
        (["-t", "30C", "-r", "1kohm", "--thickness", "1e-300cm"], "outside 10 µm–1 cm"),
        (["-t", "30C", "-r", "1kohm", "--area", "100cm2"], "outside 0.01–10 cm²"),
        (["-t", "30C", "--sigma", "40S/cm"], "outside 1e-12–10 S/cm"),
        (["-t", "30C", "-r", "1e-320ohm"], "not a usable conductivity"),
        (["-t", "30C", "-r", "1e300ohm"], "outside 1e-12–10 S/cm"),
    ],
)
def test_implausible_values_are_refused_and_name_the_range(
    lab: Any, dump: Any, args: list[str], needle: str
) -> None:
    before = dump()
    refused(lab(*MEASURE, *args), needle)
    assert dump() == before


def test_force_stores_an_implausible_value_and_the_history_says_so(lab: Any, dump: Any) -> None:
    result = lab(*MEASURE, "-t", "120K", "--sigma", "1e-9S/cm", "--force")
    assert result.exit_code == 0, result.output
    revisions = [r for r in dump()["revision"] if r["table_name"] == "measurement"]
    assert "stored with --force" in revisions[-1]["note"]
    assert "150–800 K" in revisions[-1]["note"]
    shown = lab("sample", "show", "S-1").stdout
    assert "stored with --force" in shown.split("History", 1)[1]


def test_a_pellet_denser_than_its_composite_is_refused(cli: Any, materials: Any, dump: Any) -> None:
    before = dump()
    args = ["sample", "add", "--label", "P-1", "--host", "Na2B12H12", "--silica", "A200"]
    args += ["--vol", "35", "--milling", "4h", "--thickness", "100um", "--area", "0.785cm2"]
    result = cli(*args)  # no mass: no density check
    assert result.exit_code == 0, result.output
    from matdoe.db import make_engine, session_factory
    from matdoe.db.store import update_sample
    from matdoe.errors import ImplausibleValueError

    engine = make_engine(cli.url)
    try:
        factory = session_factory(engine)
        with (
            pytest.raises(ImplausibleValueError, match=r"of the theoretical"),
            factory.begin() as s,
        ):
            update_sample(s, "P-1", {"pellet.mass_mg": "45 mg"})  # 45 mg in 100 µm: 3.6x
        with factory.begin() as s:
            update_sample(s, "P-1", {"pellet.mass_mg": "10 mg"})  # 10 mg: 78 %
    finally:
        engine.dispose()
    assert before != dump()


def test_non_finite_numbers_are_refused_everywhere(cli: Any, dump: Any) -> None:
    before = dump()
    for args in (
        ["material", "add", "X", "--formula", "SiO2", "--kind", "scaffold", "--bet", "inf m2/g"],
        ["material", "add", "X", "--formula", "SiO2", "--kind", "scaffold", "--bet", "191"],
        ["material", "add", "X", "--formula", "SiO2", "--kind", "scaffold", "--density", "nan"],
    ):
        refused(cli(*args))
    assert dump() == before


def test_an_import_with_a_bare_kelvin_value_that_is_really_celsius_is_refused(
    cli: Any, materials: Any, dump: Any, tmp_path: Path
) -> None:
    """The column temperature_k carries its unit: 30 there is 30 K, which no pellet is."""
    path = tmp_path / "batches.csv"
    path.write_text(
        "label,host,scaffold,scaffold_vol_pct,milling_h,temperature_k,sigma_s_cm\n"
        "I-1,Na2B12H12,SiO2-A200,35,4,30,5e-4\n"
        "I-1,Na2B12H12,SiO2-A200,35,4,333.15,1.4e-3\n",
        encoding="utf-8",
    )
    before = dump()
    refused(cli("sample", "import", str(path)), "sample 'I-1'", "temperature_k = 30 K", "--force")
    assert dump() == before
    assert cli("sample", "import", str(path), "--force").exit_code == 0
    notes = [r["note"] for r in dump()["revision"] if r["record_key"] == "I-1"]
    assert any(n and "stored with --force" in n for n in notes)


# --------------------------------------------------------------------------- densities
def test_material_show_gives_the_salt_density_with_its_derivation(tmp_path: Path) -> None:
    from conftest import Cli

    url = f"sqlite:///{tmp_path / 'paper.db'}"
    cli = Cli(url)
    assert cli("init", "--example").exit_code == 0
    shown = cli("material", "show", "Na2B12H12").stdout
    assert "crystallographic" in shown and "537.3" in shown and "Verdal" in shown
    assert "rho = Z·M/(N_A·V) = 2 × 187.8" in shown and "1.1608 g/cm³" in shown
    # A measured value overrides it and says so; the old value stays in the history.
    edited = cli(
        "material", "edit", "Na2B12H12", "--set", "density_g_cm3=1.12g/cm3",
        "--set", "density_method=measured", "--set", "density_source=He pycnometry", "--yes",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    shown = cli("material", "show", "Na2B12H12").stdout
    assert "measured on this material" in shown
    assert "cell_volume_a3" not in [line.split()[0] for line in shown.splitlines() if line]
    assert "1.1608 → 1.12" in shown.split("History", 1)[1]


def test_a_crystallographic_density_must_agree_with_its_cell(cli: Any, dump: Any) -> None:
    before = dump()
    args = ["material", "add", "NaCl", "--formula", "NaCl", "--kind", "other"]
    args += ["--cell-volume", "179.4", "--cell-z", "4", "--density-source", "a = 5.640 A"]
    refused(cli(*args, "--density", "2.5g/cm3"), "disagrees with the cell", "2.16")
    assert dump() == before
    assert cli(*args).exit_code == 0  # the density is computed from the cell
    shown = cli("material", "show", "NaCl").stdout
    assert "2.164" in shown


def test_the_35_vol_recipe_uses_the_sourced_density(tmp_path: Path) -> None:
    from conftest import Cli
    from matdoe.chem import vol_pct_from_masses

    cli = Cli(f"sqlite:///{tmp_path / 'paper.db'}")
    assert cli("init", "--example").exit_code == 0
    args = ["sample", "add", "--label", "R-35", "--host", "Na2B12H12", "--silica", "A200"]
    assert cli(*args, "--vol", "35", "--milling", "4h").exit_code == 0
    record = json.loads(cli("sample", "show", "R-35", "--format", "json").stdout)[0]
    vol = vol_pct_from_masses(
        record["host_mg"], record["scaffold_mg"], host_density_g_cm3=1.1608,
        scaffold_density_g_cm3=2.2,
    )  # fmt: skip
    assert vol == pytest.approx(35.0, abs=1e-9)
    assert record["scaffold_mg"] == pytest.approx(252.5, abs=0.1)


def test_material_delete_is_refused_while_samples_use_it(lab: Any, dump: Any) -> None:
    before = dump()
    refused(lab("material", "delete", "SiO2-A200", "--yes"), "used by 1 sample")
    assert dump() == before
    assert (
        lab("material", "add", "Al2O3-X", "--formula", "Al2O3", "--kind", "scaffold").exit_code == 0
    )
    assert lab("material", "delete", "Al2O3-X", "--yes").exit_code == 0
    kinds = [r["action"] for r in dump()["revision"] if r["record_key"] == "Al2O3-X"]
    assert kinds == ["insert", "delete"]


def test_changing_a_record_without_a_terminal_needs_yes(lab: Any, dump: Any) -> None:
    before = dump()
    refused(lab("material", "delete", "SiO2-A200"), "--yes")
    assert dump() == before


# --------------------------------------------------------------------------- Arrhenius
def paper_like(temperatures_c: tuple[float, ...] = (30, 40, 50, 60)) -> list[tuple[float, float]]:
    """sigma = A·exp(-0.38 eV/kT) through 5e-4 S/cm at 30 °C, as the paper's numbers are."""
    out = []
    for c in temperatures_c:
        t = c + 273.15
        out.append((c, 5e-4 * math.exp(-0.38 / BOLTZMANN_EV_K * (1 / t - 1 / 303.15))))
    return out


def test_a_paper_like_series_gives_0_38_ev_by_default_with_its_form_printed(lab: Any) -> None:
    for celsius, sigma in paper_like():
        result = lab(*MEASURE, "-t", f"{celsius}C", "--sigma", f"{sigma!r} S/cm")
        assert result.exit_code == 0, result.output
    assert "Ea = 0.380 ± 0.000 eV (sigma = A·exp(-Ea/kT)" in result.stderr
    table = lab("analyze", "arrhenius", "S-1").stdout
    assert "0.3800" in table and "sigma = A·exp(-Ea/kT)" in table
    shown = lab("sample", "show", "S-1").stdout
    assert "Ea = 0.380" in shown and "sigma = A·exp(-Ea/kT)" in shown
    data = json.loads(lab("analyze", "arrhenius", "S-1", "--format", "json").stdout)[0]
    assert data["form"] == "sigma" and data["ea_ev"] == pytest.approx(0.38, abs=1e-9)
    ratio = paper_like((60,))[0][1] / paper_like((30,))[0][1]
    assert ratio == pytest.approx(3.71, abs=0.01)  # the paper's sigma(60 °C)/sigma(30 °C)


def test_the_other_form_is_labelled_and_kept_beside_the_default(lab: Any) -> None:
    for celsius, sigma in paper_like():
        lab(*MEASURE, "-t", f"{celsius}C", "--sigma", f"{sigma!r} S/cm")
    other = json.loads(
        lab("analyze", "arrhenius", "S-1", "--form", "sigma_t", "--format", "json").stdout
    )[0]
    assert other["equation"] == "sigma·T = A·exp(-Ea/kT)"
    assert other["ea_ev"] == pytest.approx(0.407, abs=0.002)  # the 0.407
    shown = lab("sample", "show", "S-1").stdout
    assert "sigma = A·exp(-Ea/kT)" in shown and "sigma·T = A·exp(-Ea/kT)" in shown


def test_geometry_errors_move_the_prefactor_not_the_slope(
    session_factory: Any, make_sample: Any
) -> None:
    """One pellet at four temperatures: L and A are common, so Ea's error comes from R alone."""
    from matdoe.db.store import add_measurement, find_sample, refresh_fits
    from matdoe.records import MeasurementRecord

    make_sample("G-1", pellet={"thickness_cm": "320 um", "area_cm2": "0.785 cm2"})
    rng = np.random.default_rng(7)
    with session_factory.begin() as session:
        sample = find_sample(session, "G-1")
        for celsius, sigma in paper_like():
            r = 0.032 / (sigma * 0.785) * math.exp(rng.normal(0, 0.02))
            record = {"temperature_k": f"{celsius} C", "resistance_ohm": r}
            add_measurement(session, sample, MeasurementRecord.model_validate(record))
        fit = refresh_fits(session, sample)
        assert fit is not None and fit.details is not None
        # independent R errors of 2 %: the Ea error is what R alone gives, ...
        x = 1 / (np.array([30, 40, 50, 60.0]) + 273.15)
        slope_std = 0.02 / math.sqrt(((x - x.mean()) ** 2).sum())
        assert fit.ea_std_ev >= slope_std * BOLTZMANN_EV_K * 0.999
        assert fit.ea_std_ev < 1.6 * slope_std * BOLTZMANN_EV_K  # not doubled by L and A
        # ... and L (10 µm of 320) and A (0.5 %) sit on the prefactor.
        assert fit.details["common_rel_std"] == pytest.approx(math.hypot(10 / 320, 0.005))


def test_the_ea_error_is_calibrated_when_only_the_resistance_scatters() -> None:
    from matdoe.conductivity import fit_arrhenius

    rng = np.random.default_rng(11)
    t = np.array([30, 40, 50, 60, 70.0]) + 273.15
    truth = 5e-4 * np.exp(-0.38 / BOLTZMANN_EV_K * (1 / t - 1 / 303.15))
    errors, stds = [], []
    for _ in range(400):
        sigma = truth * np.exp(rng.normal(0, 0.02, t.size))
        fit = fit_arrhenius(t, sigma, sigma_std_s_cm=0.02 * sigma, common_rel_std=0.03)
        errors.append(fit.ea_ev - 0.38)
        stds.append(fit.ea_std_ev)
    # The stated errors cover the real scatter without being inflated by the geometry: counted
    # per point (the old way) they would be 1.9 times too large. Stated errors are a floor (the
    # scatter may raise them, never lower them), hence somewhat conservative with 3 dof.
    coverage = np.mean(np.abs(errors) <= 1.96 * np.asarray(stds))
    assert 0.93 <= coverage <= 0.995
    assert np.mean(stds) < 1.35 * np.std(errors)


def test_a_temperature_uncertainty_widens_the_ea_error() -> None:
    from matdoe.conductivity import fit_arrhenius

    t = np.array([30, 40, 50, 60.0]) + 273.15
    sigma = 5e-4 * np.exp(-0.38 / BOLTZMANN_EV_K * (1 / t - 1 / 303.15))
    plain = fit_arrhenius(t, sigma, sigma_std_s_cm=0.02 * sigma)
    with_t = fit_arrhenius(t, sigma, sigma_std_s_cm=0.02 * sigma, temperature_std_k=[1.0] * 4)
    assert with_t.ea_ev == pytest.approx(plain.ea_ev)
    assert with_t.ea_std_ev > 1.5 * plain.ea_std_ev


def test_a_phase_transition_is_flagged_and_sample_show_repeats_it(lab: Any) -> None:
    """Na2B12H12's order–disorder transition near 529 K: two straight segments, not one."""
    for celsius in (150, 175, 200, 225, 270, 290, 310, 330):
        t = celsius + 273.15
        ea, a = (0.85, 9.0) if t < 529 else (0.25, 1.5)
        sigma = 10**a * math.exp(-ea / (BOLTZMANN_EV_K * t))
        assert lab(*MEASURE, "-t", f"{celsius}C", "--sigma", f"{sigma!r}S/cm").exit_code == 0
    shown = lab("sample", "show", "S-1").stdout
    assert "two straight segments fit clearly better" in shown
    assert "near 248 °C" in shown  # halfway between 225 and 270 °C


def test_a_poor_fit_is_stored_with_a_warning(lab: Any) -> None:
    for celsius, sigma in ((30, 5e-4), (40, 2e-4), (50, 9e-4), (60, 3e-4)):
        lab(*MEASURE, "-t", f"{celsius}C", "--sigma", f"{sigma}S/cm")
    assert "below 0.95" in lab("sample", "show", "S-1").stdout


@pytest.mark.parametrize("value", [["--sigma", "1.4mS/cm"], ["--resistance", "1450ohm"]])
def test_a_flat_series_reports_r2_as_undefined_not_as_a_bad_fit(lab: Any, value: list[str]) -> None:
    """Ten equal conductivities printed "R² = -11222" and "one Arrhenius line does not fit"."""
    for celsius in range(20, 111, 10):
        assert lab(*MEASURE, "-t", f"{celsius}C", *value).exit_code == 0
    table = lab("analyze", "arrhenius", "S-1")
    assert table.exit_code == 0, table.output
    r2_line = next(line for line in table.stdout.splitlines() if line.startswith("R²"))
    assert "n/a" in r2_line and "no spread" in r2_line
    assert "WARNING" not in table.stdout
    data = json.loads(lab("analyze", "arrhenius", "S-1", "-f", "json").stdout)[0]
    assert data["r2"] is None and data["warnings"] == []
    shown = lab("sample", "show", "S-1").stdout
    assert "R² n/a" in shown and "below 0.95" not in shown


# --------------------------------------------------------------------------- corrections
def test_a_wrong_measurement_is_corrected_and_its_history_shown(lab: Any, dump: Any) -> None:
    for celsius, r in ((30, "110ohm"), (40, "68ohm"), (50, "440ohm")):  # 50 °C: a typo
        assert lab(*MEASURE, "-t", f"{celsius}C", "-r", r).exit_code == 0
    listed = json.loads(lab("measure", "list", "S-1", "--format", "json").stdout)
    typo = next(m for m in listed if m["temperature_c"] == 50.0)
    before_fit = json.loads(lab("analyze", "arrhenius", "S-1", "--format", "json").stdout)[0]
    result = lab(
        "measure", "edit", str(typo["id"]), "--set", "resistance_ohm=44ohm",
        "--reason", "typo: 440 for 44", "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = json.loads(lab("measure", "list", "S-1", "--format", "json").stdout)
    fixed = next(m for m in after if m["id"] == typo["id"])
    assert fixed["sigma_s_cm"] == pytest.approx(0.032 / (44 * 0.785), rel=1e-12)
    after_fit = json.loads(lab("analyze", "arrhenius", "S-1", "--format", "json").stdout)[0]
    assert after_fit["ea_ev"] > before_fit["ea_ev"] + 0.3  # the typo had bent the line
    history = lab("sample", "show", "S-1").stdout.split("History", 1)[1]
    assert "resistance_ohm: 440.0 → 44.0" in history and "typo: 440 for 44" in history
    deleted = lab("measure", "delete", str(typo["id"]), "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert "Arrhenius" not in lab("sample", "show", "S-1").stdout  # two temperatures left
    assert f"measurement {typo['id']} deleted" in lab("sample", "show", "S-1").stdout


def test_an_edit_that_changes_nothing_or_a_field_that_does_not_exist_is_refused(
    lab: Any, dump: Any
) -> None:
    lab(*MEASURE, "-t", "30C", "-r", "110ohm")
    before = dump()
    (m,) = json.loads(lab("measure", "list", "S-1", "--format", "json").stdout)
    refused(lab("measure", "edit", str(m["id"]), "--set", "colour=red", "--yes"), "'colour'")
    refused(
        lab("measure", "edit", str(m["id"]), "--set", "resistance_ohm=110ohm", "--yes"), "nothing"
    )
    refused(lab("measure", "edit", "999", "--set", "notes=x", "--yes"), "unknown measurement 999")
    refused(lab("sample", "edit", "S-1", "--set", "pellet={}"), "pellet fields one by one")
    refused(lab("sample", "edit", "S-1", "--set", "milling_h=4h"), "nothing changed")
    assert dump() == before


def test_the_same_raw_file_twice_is_refused_naming_the_earlier_measurement(
    session_factory: Any, make_sample: Any
) -> None:
    from matdoe.db.store import add_measurement, find_sample
    from matdoe.errors import DuplicateError
    from matdoe.records import MeasurementRecord

    make_sample("D-1")
    record = MeasurementRecord.model_validate(
        {"temperature_k": "30 C", "sigma_s_cm": 5e-4, "raw_file": "a.csv", "raw_sha256": "ab" * 32}
    )
    with session_factory.begin() as session:
        first = add_measurement(session, find_sample(session, "D-1"), record)
        first_id = first.id
    duplicate = rf"already measurement {first_id} \(a.csv"
    with pytest.raises(DuplicateError, match=duplicate), session_factory.begin() as session:
        add_measurement(session, find_sample(session, "D-1"), record)
    with session_factory.begin() as session:
        add_measurement(session, find_sample(session, "D-1"), record, allow_duplicate=True)


def test_the_same_spectrum_file_twice_is_refused_by_the_command(lab: Any, dump: Any) -> None:
    spectrum = str(EXAMPLES / "demo-35A200_30C.csv")
    assert lab("measure", "eis", "S-1", spectrum).exit_code == 0
    before = dump()
    result = lab("measure", "eis", "S-1", spectrum)
    assert result.exit_code == 1
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "already measurement" in error[0], result.stderr
    assert "--allow-duplicate" in error[0]
    assert dump() == before


# --------------------------------------------------------------------------- prompts
def test_without_a_terminal_missing_values_are_errors_never_defaults(
    cli: Any, materials: Any, dump: Any
) -> None:
    before = dump()
    refused(cli("sample", "add", "--label", "X1", input=""), "missing --host")
    refused(cli("sample", "add", "--label", "X1", "--host", "Na2B12H12", input=""), "--scaffold")
    assert dump() == before
    salt = cli("sample", "add", "--label", "X1", "--host", "Na2B12H12", "--scaffold", "none")
    assert salt.exit_code == 0, salt.output


def test_an_interactive_answer_is_re_asked_at_once(db_url: str, materials: Any) -> None:
    """In a real terminal (a pty), a bad vol% or milling time is asked again, nothing lost."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    leader, follower = pty.openpty()
    env = {**os.environ, "MATDOE_DB": db_url, "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "matdoe", "sample", "add", "--no-paper-programme"],
        stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    seen = b""

    def expect(text: bytes, timeout: float = 60.0) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while text not in seen:
            ready, _, _ = select.select([leader], [], [], max(0.0, end - time.monotonic()))
            assert ready, (text, seen.decode(errors="replace"))
            try:
                seen += os.read(leader, 4096)
            except OSError:
                break
        assert text in seen, seen.decode(errors="replace")

    for prompt, answer in (
        (b"Label of the batch", b"TTY-1"),
        (b"Host salt", b"Na2B12H12"),
        (b"Scaffold", b"A200"),
        (b"vol% scaffold", b"lots"),
        (b"try again", b"35"),
        (b"Milling time", b"4 parsecs"),
        (b"try again", b"4h"),
    ):
        expect(prompt)
        seen = seen[seen.index(prompt) + len(prompt) :]
        os.write(leader, answer + b"\r")
    assert process.wait(timeout=60) == 0, seen.decode(errors="replace")
    os.close(leader)
    from matdoe.db import make_engine, session_factory
    from matdoe.db.store import find_sample

    engine = make_engine(db_url)
    try:
        with session_factory(engine).begin() as session:
            sample = find_sample(session, "TTY-1")
            assert (sample.scaffold_vol_pct, sample.milling_h) == (35.0, 4.0)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- paper data, twin
def test_the_paper_data_are_attributed_as_the_text_does(tmp_path: Path) -> None:
    from conftest import Cli

    cli = Cli(f"sqlite:///{tmp_path / 'paper.db'}")
    assert cli("init", "--example").exit_code == 0
    best = json.loads(cli("sample", "show", "paper-A200-35vol-4h", "--format", "json").stdout)[0]
    kinds = {m["kind"] for m in best["measurements"]}
    assert not kinds & {"ccd", "dc_polarisation", "full_cell_cycling"}
    unnamed = json.loads(cli("sample", "show", "paper-NB-SiO2-unnamed", "--format", "json").stdout)
    record = unnamed[0]
    assert record.get("scaffold") is None and record.get("scaffold_vol_pct") is None
    assert "fumed silica scaffolds" in record["notes"]
    ccd = next(m for m in record["measurements"] if m["kind"] == "ccd")
    assert ccd["value"] == 0.3 and "10.1039/d5ta09128d" in ccd["citation"]
    room = next(m for m in record["measurements"] if m.get("value") == 96.9)
    assert room["temperature_k"] == pytest.approx(293.15)
    shown = cli("sample", "show", "paper-NB-SiO2-unnamed").stdout
    assert "not stated" in shown


def test_the_twin_has_the_pristine_state_and_keeps_the_milled_salt() -> None:
    from matdoe.simulate import DigitalTwin

    twin = DigitalTwin()
    assert twin.ea_ev("SiO2-A200", 0, 0) == pytest.approx(0.71)
    assert twin.ea_ev("SiO2-A200", 0, 4) == pytest.approx(0.58)
    assert 10 ** twin.log10_sigma("SiO2-A200", 0, 4, 60) == pytest.approx(1.9e-5, rel=1e-9)
    best, pristine, milled = (
        twin.log10_sigma("SiO2-A200", v, t, 20.0) for v, t in ((35, 4), (0, 0), (0, 4))
    )
    assert best - pristine > 3  # "more than 3 orders of magnitude above pristine"
    assert best - milled > 2  # "more than 2 above ball-milled" at room temperature
    # Measured pristine series give 0.71 eV back in the default (plain) form.
    from matdoe.conductivity import fit_arrhenius

    t = np.array([20, 40, 60, 80.0])
    sigma = 10 ** twin.log10_sigma("SiO2-A200", 0, 0, t)
    assert fit_arrhenius(t + 273.15, sigma).ea_ev == pytest.approx(0.71, abs=1e-9)
