"""Tests for matdoe.chem: formulas, molar masses, mixture fractions, recipes, particle sizes."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from matdoe.chem import (
    REFERENCE_DENSITIES,
    Fractions,
    Recipe,
    batch_recipe,
    check_formula,
    crystal_density_g_cm3,
    fractions_from_vol,
    molar_mass_g_mol,
    particle_size_nm,
    vol_pct_from_masses,
    vol_pct_from_wt,
)
from matdoe.errors import InvalidRecordError

RHO_HOST = REFERENCE_DENSITIES["Na2B12H12"].density_g_cm3
RHO_SILICA = REFERENCE_DENSITIES["SiO2-A200"].density_g_cm3

percent = st.floats(min_value=0.0, max_value=100.0)
density = st.floats(min_value=0.1, max_value=25.0)


# --- formulas and molar masses --------------------------------------------------------------


def test_check_formula_keeps_the_formula_as_typed() -> None:
    assert check_formula("Na2B12H12") == "Na2B12H12"  # not pymatgen's "Na(BH)6"
    assert check_formula("  Na2B12H12\t") == "Na2B12H12"
    assert check_formula("Ca(OH)2") == "Ca(OH)2"


@pytest.mark.parametrize(
    ("formula", "hint"),
    [
        ("Xx2O", "unknown element 'Xx'"),
        ("", "empty"),
        ("   ", "empty"),
        ("Na2B12H12)", "pymatgen cannot read it"),
        ("Na2B12H12(", "pymatgen cannot read it"),
        ("na2o", "pymatgen cannot read it"),
        ("Na0", "no atoms"),
    ],
)
def test_check_formula_rejects_bad_formulas(formula: str, hint: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        check_formula(formula)
    message = str(info.value)
    assert f"Invalid formula={formula!r}" in message
    assert hint in message


def test_check_formula_translates_pymatgen_errors() -> None:
    with pytest.raises(InvalidRecordError) as info:
        check_formula("Na2B12H12)")
    assert info.value.__cause__ is not None  # raised "from" pymatgen's own error
    assert isinstance(info.value, ValueError)  # callers catching ValueError still work


def test_check_formula_rejects_non_text() -> None:
    with pytest.raises(InvalidRecordError, match="must be text"):
        check_formula(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("formula", "expected", "tolerance"),
    [("Na2B12H12", 187.8, 0.05), ("SiO2", 60.08, 0.01), ("Li2B12H12", 155.7, 0.05)],
)
def test_molar_mass(formula: str, expected: float, tolerance: float) -> None:
    assert molar_mass_g_mol(formula) == pytest.approx(expected, abs=tolerance)


def test_molar_mass_rejects_bad_formula() -> None:
    with pytest.raises(InvalidRecordError, match="Xx"):
        molar_mass_g_mol("Xx2O")


def test_crystal_density_of_rock_salt() -> None:
    # NaCl, a = 5.640 Å, Z = 4: handbook X-ray density 2.164 g/cm³.
    assert crystal_density_g_cm3("NaCl", 5.640**3, 4) == pytest.approx(2.164, abs=0.001)


# --- reference densities --------------------------------------------------------------------


def test_every_reference_density_has_a_value_a_method_and_a_source() -> None:
    for material, ref in REFERENCE_DENSITIES.items():
        assert 0.5 < ref.density_g_cm3 < 10, material
        assert ref.method in ("crystallographic", "reference"), material
        assert len(ref.source) > 40, material  # a real sentence, not a placeholder


def test_every_crystallographic_density_is_recomputed_from_its_cell() -> None:
    for material, ref in REFERENCE_DENSITIES.items():
        if ref.method != "crystallographic":
            continue
        assert ref.cell_volume_a3 is not None and ref.formula_units is not None
        assert f"{ref.cell_volume_a3:g} A^3" in ref.source, material  # the cited number
        rho = crystal_density_g_cm3(material, ref.cell_volume_a3, ref.formula_units)
        assert rho == pytest.approx(ref.density_g_cm3, abs=5e-4), material


def test_the_salt_density_is_the_room_temperature_cell_of_verdal_2014() -> None:
    ref = REFERENCE_DENSITIES["Na2B12H12"]
    assert "Verdal" in ref.source and "212 (2014) 81" in ref.source
    assert ref.density_g_cm3 == pytest.approx(1.16, abs=0.005)


# --- fractions ------------------------------------------------------------------------------


def test_fractions_by_hand() -> None:
    # 35 vol% of a 2.2 g/cm³ scaffold in a 1.34 g/cm³ host, per cm³ of mixture:
    # 0.35·2.2 = 0.770 g scaffold, 0.65·1.34 = 0.871 g host -> 46.92 wt%.
    f = fractions_from_vol(
        35,
        host_density_g_cm3=1.34,
        scaffold_density_g_cm3=2.2,
        host_molar_mass_g_mol=187.8,
        scaffold_molar_mass_g_mol=60.08,
    )
    assert f.vol_pct == 35
    assert f.wt_pct == pytest.approx(100 * 0.770 / (0.770 + 0.871))
    n_s, n_h = 0.770 / 60.08, 0.871 / 187.8
    assert f.mol_pct == pytest.approx(100 * n_s / (n_s + n_h))


def test_mol_pct_needs_both_molar_masses() -> None:
    only_one = fractions_from_vol(
        35, host_density_g_cm3=1.34, scaffold_density_g_cm3=2.2, host_molar_mass_g_mol=187.8
    )
    assert only_one.mol_pct is None
    assert fractions_from_vol(35, host_density_g_cm3=1.34, scaffold_density_g_cm3=2.2) == Fractions(
        vol_pct=35.0, wt_pct=only_one.wt_pct, mol_pct=None
    )


@pytest.mark.parametrize("vol", [0.0, 100.0])
def test_fractions_at_the_ends(vol: float) -> None:
    f = fractions_from_vol(
        vol,
        host_density_g_cm3=1.34,
        scaffold_density_g_cm3=2.2,
        host_molar_mass_g_mol=187.8,
        scaffold_molar_mass_g_mol=60.08,
    )
    assert f.wt_pct == vol and f.mol_pct == vol


@given(vol=percent, rho_h=density, rho_s=density)
def test_vol_wt_vol_round_trip(vol: float, rho_h: float, rho_s: float) -> None:
    wt = fractions_from_vol(vol, host_density_g_cm3=rho_h, scaffold_density_g_cm3=rho_s).wt_pct
    assert 0 <= wt <= 100
    back = vol_pct_from_wt(wt, host_density_g_cm3=rho_h, scaffold_density_g_cm3=rho_s)
    assert back == pytest.approx(vol, rel=1e-9, abs=1e-9)


@given(vol=st.floats(min_value=0.1, max_value=99.9), rho_h=density, rho_s=density)
def test_denser_scaffold_weighs_more_than_its_volume_share(
    vol: float, rho_h: float, rho_s: float
) -> None:
    assume(abs(rho_s - rho_h) > 1e-3)
    wt = fractions_from_vol(vol, host_density_g_cm3=rho_h, scaffold_density_g_cm3=rho_s).wt_pct
    assert (wt > vol) == (rho_s > rho_h)


@given(
    host_mg=st.floats(min_value=0, max_value=1e4),
    scaffold_mg=st.floats(min_value=0, max_value=1e4),
    scale=st.floats(min_value=1e-3, max_value=1e3),
    rho_h=density,
    rho_s=density,
)
def test_vol_from_masses_depends_only_on_the_mass_ratio(
    host_mg: float, scaffold_mg: float, scale: float, rho_h: float, rho_s: float
) -> None:
    assume(host_mg + scaffold_mg > 1e-6)
    densities = {"host_density_g_cm3": rho_h, "scaffold_density_g_cm3": rho_s}
    vol = vol_pct_from_masses(host_mg, scaffold_mg, **densities)
    scaled = vol_pct_from_masses(host_mg * scale, scaffold_mg * scale, **densities)
    assert 0 <= vol <= 100
    assert scaled == pytest.approx(vol, rel=1e-9, abs=1e-9)
    wt = 100 * (scaffold_mg / (host_mg + scaffold_mg))
    assert vol_pct_from_wt(wt, **densities) == pytest.approx(vol, rel=1e-9, abs=1e-9)


# --- recipes --------------------------------------------------------------------------------


def test_recipe_for_35_vol_pct_gives_a_35_pct_volume_ratio() -> None:
    r = batch_recipe(35, host_density_g_cm3=RHO_HOST, scaffold_density_g_cm3=RHO_SILICA)
    scaffold_cm3 = r.scaffold_mg / RHO_SILICA
    host_cm3 = r.host_mg / RHO_HOST
    assert 100 * scaffold_cm3 / (scaffold_cm3 + host_cm3) == pytest.approx(35.0, abs=1e-9)
    assert r.host_mg + r.scaffold_mg == pytest.approx(500.0)
    assert r.scaffold_mg > 0.35 * 500  # silica is denser than the salt, so > 35 wt%


@given(vol=percent, rho_h=density, rho_s=density, batch=st.floats(min_value=1, max_value=1e5))
def test_recipe_masses_round_trip_to_the_asked_vol_pct(
    vol: float, rho_h: float, rho_s: float, batch: float
) -> None:
    densities = {"host_density_g_cm3": rho_h, "scaffold_density_g_cm3": rho_s}
    r = batch_recipe(vol, batch_mg=batch, **densities)
    assert r.host_mg >= 0 and r.scaffold_mg >= 0
    assert r.host_mg + r.scaffold_mg == pytest.approx(batch, rel=1e-12)
    assert vol_pct_from_masses(r.host_mg, r.scaffold_mg, **densities) == pytest.approx(
        vol, rel=1e-9, abs=1e-9
    )


@given(batch=st.floats(min_value=1, max_value=1e5), ratio=st.floats(min_value=1, max_value=500))
def test_balls_are_ratio_times_batch(batch: float, ratio: float) -> None:
    r = batch_recipe(
        35,
        host_density_g_cm3=1.34,
        scaffold_density_g_cm3=2.2,
        batch_mg=batch,
        ball_to_powder=ratio,
    )
    assert r.balls_g == pytest.approx(ratio * batch / 1000.0)
    assert r.ball_to_powder == ratio and r.batch_mg == batch


def test_recipe_defaults_follow_the_paper() -> None:
    r = batch_recipe(35, host_density_g_cm3=1.34, scaffold_density_g_cm3=2.2)
    assert (r.batch_mg, r.ball_to_powder, r.balls_g) == (500.0, 140.0, 70.0)
    assert r.scaffold_mol_pct is None


def test_recipe_mol_pct_when_molar_masses_are_given() -> None:
    r = batch_recipe(
        35,
        host_density_g_cm3=1.34,
        scaffold_density_g_cm3=2.2,
        host_molar_mass_g_mol=molar_mass_g_mol("Na2B12H12"),
        scaffold_molar_mass_g_mol=molar_mass_g_mol("SiO2"),
    )
    assert r.scaffold_mol_pct is not None
    n_s = r.scaffold_mg / molar_mass_g_mol("SiO2")
    n_h = r.host_mg / molar_mass_g_mol("Na2B12H12")
    assert r.scaffold_mol_pct == pytest.approx(100 * n_s / (n_s + n_h))


def test_recipe_lines() -> None:
    r = batch_recipe(
        35,
        host_density_g_cm3=1.34,
        scaffold_density_g_cm3=2.2,
        host_label="Na2B12H12",
        scaffold_label="SiO2-A200",
    )
    assert r.lines() == [
        "weigh 265.4 mg Na2B12H12",
        "weigh 234.6 mg SiO2-A200",
        "balls: 70.0 g WC (140:1)",
    ]


def test_recipe_is_frozen() -> None:
    r = batch_recipe(35, host_density_g_cm3=1.34, scaffold_density_g_cm3=2.2)
    assert isinstance(r, Recipe)
    with pytest.raises(AttributeError):
        r.host_mg = 1.0  # type: ignore[misc]


# --- particle size --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bet_m2_g", "printed_nm"),
    [(70.2, 85.5), (191.2, 31.4), (271.5, 22.1), (349.2, 17.2)],  # paper's Table 1
)
def test_particle_size_reproduces_the_papers_table_with_unit_density(
    bet_m2_g: float, printed_nm: float
) -> None:
    assert particle_size_nm(bet_m2_g, 1.0) == pytest.approx(printed_nm, abs=0.05)


def test_particle_size_scales_inversely_with_density() -> None:
    assert particle_size_nm(191.2, 2.2) == pytest.approx(31.38 / 2.2, abs=0.01)


# --- bad input ------------------------------------------------------------------------------

GOOD = {"host_density_g_cm3": 1.34, "scaffold_density_g_cm3": 2.2}


@pytest.mark.parametrize(
    ("call", "bad", "range_text"),
    [
        (lambda: fractions_from_vol(120, **GOOD), "scaffold_vol_pct=120", "outside 0–100 vol%"),
        (lambda: fractions_from_vol(-1.5, **GOOD), "scaffold_vol_pct=-1.5", "0–100 vol%"),
        (lambda: fractions_from_vol(math.nan, **GOOD), "scaffold_vol_pct=nan", "finite"),
        (lambda: batch_recipe(101, **GOOD), "scaffold_vol_pct=101", "0–100 vol%"),
        (lambda: vol_pct_from_wt(100.5, **GOOD), "scaffold_wt_pct=100.5", "0–100 wt%"),
        (
            lambda: fractions_from_vol(35, host_density_g_cm3=0, scaffold_density_g_cm3=2.2),
            "host_density_g_cm3=0",
            "positive",
        ),
        (
            lambda: vol_pct_from_wt(30, host_density_g_cm3=1.34, scaffold_density_g_cm3=-2.2),
            "scaffold_density_g_cm3=-2.2",
            "positive",
        ),
        (
            lambda: fractions_from_vol(35, host_density_g_cm3=math.inf, scaffold_density_g_cm3=2),
            "host_density_g_cm3=inf",
            "finite",
        ),
        (
            lambda: fractions_from_vol(35, **GOOD, host_molar_mass_g_mol=0),
            "host_molar_mass_g_mol=0",
            "positive",
        ),
        (lambda: batch_recipe(35, **GOOD, batch_mg=0), "batch_mg=0", "positive"),
        (lambda: batch_recipe(35, **GOOD, batch_mg=-500), "batch_mg=-500", "positive"),
        (lambda: batch_recipe(35, **GOOD, ball_to_powder=-140), "ball_to_powder=-140", "positive"),
        (lambda: vol_pct_from_masses(-1, 100, **GOOD), "host_mg=-1", "zero or more"),
        (lambda: vol_pct_from_masses(100, math.nan, **GOOD), "scaffold_mg=nan", "finite"),
        (lambda: vol_pct_from_masses(0, 0, **GOOD), "scaffold_mg=0", "at least one"),
        (lambda: particle_size_nm(0, 2.2), "bet_m2_g=0", "positive"),
        (lambda: particle_size_nm(191.2, -1), "density_g_cm3=-1", "positive"),
        (lambda: fractions_from_vol(True, **GOOD), "scaffold_vol_pct=True", "not a number"),  # type: ignore[arg-type]
        (lambda: fractions_from_vol("35", **GOOD), "scaffold_vol_pct='35'", "not a number"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_are_refused_with_their_value_and_range(
    call: object, bad: str, range_text: str
) -> None:
    with pytest.raises(InvalidRecordError) as info:
        call()  # type: ignore[operator]
    assert bad in str(info.value)
    assert range_text in str(info.value)


@given(vol=st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 100))
def test_any_vol_pct_outside_0_100_is_refused(vol: float) -> None:
    with pytest.raises(InvalidRecordError) as info:
        batch_recipe(vol, **GOOD)
    assert f"scaffold_vol_pct={vol!r} is outside 0–100 vol%" in str(info.value)
