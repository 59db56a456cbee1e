"""Formulas, molar masses, mixture fractions and batch recipes.

A composite electrolyte is a *host* (the salt, e.g. Na2B12H12) milled with a *scaffold* (the
oxide, e.g. fumed silica). Recipes are specified by the scaffold's volume fraction, so turning a
recipe into masses to weigh needs both densities; :data:`REFERENCE_DENSITIES` holds the values
matdoe knows, each with its source and how far it can be trusted.

pymatgen parses formulas; it is imported on first use so that importing this module stays cheap,
and its errors are translated here into :class:`~matdoe.errors.InvalidRecordError`. Formulas are
always kept as the user typed them: pymatgen's ``reduced_formula`` would turn Na2B12H12 into
Na(BH)6, which is the same composition but not the compound a chemist means.

>>> check_formula(" Na2B12H12 ")
'Na2B12H12'
>>> round(molar_mass_g_mol("SiO2"), 2)
60.08
>>> recipe = batch_recipe(35, host_density_g_cm3=1.1608, scaffold_density_g_cm3=2.2,
...                       host_label="Na2B12H12", scaffold_label="SiO2-A200")
>>> recipe.lines()
['weigh 247.5 mg Na2B12H12', 'weigh 252.5 mg SiO2-A200', 'balls: 70.0 g WC (140:1)']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from matdoe.errors import InvalidRecordError

__all__ = [
    "AVOGADRO_PER_MOL",
    "REFERENCE_DENSITIES",
    "VERDAL_2014",
    "Fractions",
    "Recipe",
    "ReferenceDensity",
    "batch_recipe",
    "check_formula",
    "crystal_density_g_cm3",
    "density_derivation",
    "fractions_from_vol",
    "molar_mass_g_mol",
    "particle_size_nm",
    "vol_pct_from_masses",
    "vol_pct_from_wt",
]

AVOGADRO_PER_MOL = 6.02214076e23
"""Avogadro constant (exact in the 2019 SI), 1/mol."""

_AEROSIL_SOURCE = (
    "amorphous SiO2, skeletal density about 2.2 g/cm3 as stated by the manufacturer for "
    "hydrophilic AEROSIL grades (Evonik, 'AEROSIL - Fumed Silica, Technical Overview' and the "
    "product safety data sheets); handbooks give 2.196 g/cm3 for vitreous silica (CRC Handbook "
    "of Chemistry and Physics, 'Physical constants of inorganic compounds', SiO2 amorphous). "
    "Certainty: about +/-0.05 g/cm3; the paper (doi:10.1039/d5ta09128d) does not restate it."
)

VERDAL_2014 = (
    "Verdal, Her, Stavila, Soloninin, Babanova, Skripov, Udovic, Rush, J. Solid State Chem. 212 "
    "(2014) 81-91, doi:10.1016/j.jssc.2014.01.006, Discussion (near Fig. 6): unit-cell volume "
    "of the low-temperature monoclinic (P2_1/n) phase 537.3 A^3 at 298 K, measured by neutron "
    "powder diffraction on Na2(11B)12D12 (the deuterated salt: exchanging H for D changes a "
    "cell volume by far less than 1 %, so it is used for Na2B12H12 here). Z = 2 formula units "
    "per cell (not stated in that text; 268.7 A^3 per formula unit, between the 220 A^3 of "
    "Li2B12H12 and the 259.5 A^3 of the denser high-temperature Pm-3n phase of the same paper, "
    "where Z = 4 would leave 134 A^3, less than one B12H12 icosahedron needs)."
)


@dataclass(frozen=True)
class ReferenceDensity:
    """A density matdoe knows, how it was obtained, and where it comes from.

    Attributes:
        density_g_cm3: The density (g/cm³).
        method: ``"crystallographic"`` (from the cell below) or ``"reference"`` (handbook,
            datasheet, or an assumption the source states).
        source: Citation and certainty, as a sentence.
        cell_volume_a3: Unit-cell volume (Å³) for a crystallographic density.
        formula_units: Z, formula units per cell.
    """

    density_g_cm3: float
    method: str
    source: str
    cell_volume_a3: float | None = None
    formula_units: int | None = None


REFERENCE_DENSITIES: dict[str, ReferenceDensity] = {
    # The host: no measured (pycnometric) density of Na2B12H12 was found, so this is the X-ray
    # density of the room-temperature phase, rho = Z*M / (N_A*V) with the cell below; a test
    # recomputes it. Ball milling makes the salt partly cubic/amorphous, so the host in a milled
    # composite may be lighter by a few per cent; a measured value for the lot beats this one.
    "Na2B12H12": ReferenceDensity(
        1.1608,
        "crystallographic",
        VERDAL_2014,
        cell_volume_a3=537.3,
        formula_units=2,
    ),
    "SiO2": ReferenceDensity(2.2, "reference", _AEROSIL_SOURCE),
    "SiO2-A90": ReferenceDensity(2.2, "reference", "AEROSIL 90: " + _AEROSIL_SOURCE),
    "SiO2-A200": ReferenceDensity(2.2, "reference", "AEROSIL 200: " + _AEROSIL_SOURCE),
    "SiO2-A300": ReferenceDensity(2.2, "reference", "AEROSIL 300: " + _AEROSIL_SOURCE),
    "SiO2-A380": ReferenceDensity(2.2, "reference", "AEROSIL 380: " + _AEROSIL_SOURCE),
    "SiO2-SBA15": ReferenceDensity(
        2.2,
        "reference",
        "ASSUMED: wall (skeletal) density of SBA-15 taken as that of amorphous silica, "
        "2.2 g/cm3. Not measured for the paper's SBA-15; helium-pycnometry values for "
        "mesoporous silicas depend on closed micropores and surface silanols, so treat as "
        "2.2 +/- 0.2 g/cm3. The skeletal density counts the mesopores (about 1 ml/g) as "
        "not-scaffold volume, i.e. as space the salt may fill.",
    ),
}
"""Densities matdoe knows, by formula or by the material names of the paper's Table 1.

A measured value for the actual lot (helium pycnometry) always beats these; record it with
``density_method: measured`` and its own source.
"""

# Element symbols as pymatgen reads them: an upper-case letter, optionally one lower-case one.
_SYMBOL = re.compile(r"[A-Z][a-z]?")


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _number(name: str, value: Any) -> float:
    """Return ``value`` as a finite float, or raise naming it."""
    if isinstance(value, bool | str):  # float() would accept True and "12"; neither is meant
        raise InvalidRecordError(f"{name}={value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{name}={value!r} is not a number") from exc
    if not math.isfinite(number):
        raise InvalidRecordError(f"{name}={value!r} is not a finite number")
    return number


def _positive(name: str, value: Any, unit: str) -> float:
    number = _number(name, value)
    if number <= 0:
        raise InvalidRecordError(f"{name}={value!r} must be a positive number of {unit}")
    return number


def _non_negative(name: str, value: Any, unit: str) -> float:
    number = _number(name, value)
    if number < 0:
        raise InvalidRecordError(f"{name}={value!r} must be zero or more {unit}")
    return number


def _percent(name: str, value: Any, unit: str) -> float:
    number = _number(name, value)
    if not 0 <= number <= 100:
        raise InvalidRecordError(f"{name}={value!r} is outside 0–100 {unit}")
    return number


def _optional_positive(name: str, value: Any, unit: str) -> float | None:
    return None if value is None else _positive(name, value, unit)


# --------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------


def _composition(formula: Any) -> Any:
    """Parse ``formula`` with pymatgen and return its ``Composition``, or raise."""
    if not isinstance(formula, str):
        raise InvalidRecordError(f"Invalid {formula=}: a formula must be text such as 'SiO2'")
    text = formula.strip()
    if not text:
        raise InvalidRecordError(
            f"Invalid {formula=}: the formula is empty; type one such as 'Na2B12H12'"
        )
    from pymatgen.core import Composition, Element

    unknown = [s for s in _SYMBOL.findall(text) if not Element.is_valid_symbol(s)]
    if unknown:
        raise InvalidRecordError(
            f"Invalid {formula=}: unknown element {unknown[0]!r}; use element symbols with the "
            "usual capitalisation, e.g. 'Na2B12H12'"
        )
    try:
        composition = Composition(text)
    except (ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:
        # pymatgen raises ValueError for most garbage but AttributeError/KeyError for some.
        raise InvalidRecordError(
            f"Invalid {formula=}: pymatgen cannot read it ({exc or type(exc).__name__}); "
            "write element symbols and counts, with balanced brackets, e.g. 'Na2B12H12'"
        ) from exc
    if composition.num_atoms <= 0:
        raise InvalidRecordError(f"Invalid {formula=}: it contains no atoms")
    if not all(isinstance(e, Element) for e in composition.elements):
        raise InvalidRecordError(f"Invalid {formula=}: it contains placeholder species")
    return composition


def check_formula(formula: str) -> str:
    """Validate a chemical formula and return it as typed (without surrounding spaces).

    The formula is parsed with pymatgen to make sure it names real elements in a readable way,
    but pymatgen's normalised form is *not* returned: ``Composition("Na2B12H12").reduced_formula``
    is ``"Na(BH)6"``, which must never be stored in place of what the chemist wrote.

    Args:
        formula: A formula such as ``"Na2B12H12"``, ``"SiO2"`` or ``"Ca(OH)2"``.

    Returns:
        ``formula.strip()``.

    Raises:
        InvalidRecordError: empty text, an unknown element, unbalanced brackets or other text
            pymatgen cannot read, or a formula with no atoms.

    >>> check_formula("Na2B12H12")
    'Na2B12H12'
    >>> check_formula("Xx2O")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    matdoe.errors.InvalidRecordError: Invalid formula='Xx2O': unknown element 'Xx'; ...
    """
    _composition(formula)
    return formula.strip()


def molar_mass_g_mol(formula: str) -> float:
    """Molar mass of a formula from IUPAC standard atomic weights (via pymatgen).

    Args:
        formula: A formula accepted by :func:`check_formula`.

    Returns:
        The molar mass in g/mol.

    Raises:
        InvalidRecordError: when :func:`check_formula` would.

    >>> round(molar_mass_g_mol("Na2B12H12"), 1)
    187.8
    """
    return float(_composition(formula).weight)


def cation_radius_a(formula: str) -> float:
    """Ionic radius (Å) of the cation of a salt: its most electropositive element.

    The element with the lowest Pauling electronegativity is taken as the cation, in its most
    common oxidation state; the radius is Shannon's crystal radius for six-fold coordination as
    pymatgen's element data hold it (Li+ 0.90 Å, Na+ 1.16 Å). A descriptor that tells a lithium
    salt from its sodium relative, so a model can carry what it learned on one to the other.

    Raises:
        InvalidRecordError: an unreadable formula, or an element without a tabulated radius.

    >>> cation_radius_a("Na2B12H12"), cation_radius_a("LiBH4")
    (1.16, 0.9)
    """
    composition = _composition(formula)
    cation = min(composition.elements, key=lambda e: (e.X if e.X == e.X else 99.0, e.Z))
    states = cation.common_oxidation_states or cation.oxidation_states
    radii = cation.ionic_radii
    state = next((s for s in states if s > 0 and s in radii), None)
    if state is None:
        raise InvalidRecordError(
            f"Invalid {formula=}: its cation {cation.symbol} has no tabulated ionic radius; "
            "describe the material without cation_radius_a"
        )
    return float(radii[state])


def crystal_density_g_cm3(formula: str, cell_volume_a3: float, formula_units: int) -> float:
    """X-ray (crystallographic) density: rho = Z * M / (N_A * V).

    Use it to derive a density from a published crystal structure and cite that structure; it
    is the density of a perfect crystal, an upper bound for a milled or porous powder.

    Args:
        formula: The formula unit, e.g. ``"NaCl"``.
        cell_volume_a3: Unit-cell volume in Å³.
        formula_units: Z, formula units per cell.

    Returns:
        Density in g/cm³.

    Raises:
        InvalidRecordError: a bad formula or a non-positive volume or Z.

    >>> round(crystal_density_g_cm3("NaCl", 5.640**3, 4), 3)  # rock salt, a = 5.640 Å
    2.164
    """
    volume = _positive("cell_volume_a3", cell_volume_a3, "Å³")
    z = _positive("formula_units", formula_units, "formula units per cell")
    mass_g = z * molar_mass_g_mol(formula) / AVOGADRO_PER_MOL
    return mass_g / (volume * 1e-24)


def density_derivation(
    formula: str,
    density_g_cm3: float | None,
    method: str | None,
    cell_volume_a3: float | None = None,
    formula_units: int | None = None,
) -> str | None:
    """How a stored density was obtained, as a line a person can check by hand.

    >>> print(density_derivation("NaCl", 2.164, "crystallographic", 5.640**3, 4))
    rho = Z·M/(N_A·V) = 4 × 58.44 g/mol / (6.02214e+23/mol × 179.406 Å³) = 2.1637 g/cm³ (crystallographic: the X-ray density of a perfect crystal, an upper bound for a milled powder)
    """
    if density_g_cm3 is None:
        return None
    if method == "crystallographic" and cell_volume_a3 and formula_units:
        molar = molar_mass_g_mol(formula)
        value = crystal_density_g_cm3(formula, cell_volume_a3, formula_units)
        return (
            f"rho = Z·M/(N_A·V) = {formula_units} × {molar:.2f} g/mol / "
            f"({AVOGADRO_PER_MOL:.6g}/mol × {cell_volume_a3:g} Å³) = {value:.4f} g/cm³ "
            "(crystallographic: the X-ray density of a perfect crystal, an upper bound for a "
            "milled powder)"
        )
    if method == "measured":
        return f"{density_g_cm3:g} g/cm³ measured on this material (overrides reference values)"
    if method == "reference":
        return f"{density_g_cm3:g} g/cm³, a reference value (handbook or datasheet), not measured"
    return f"{density_g_cm3:g} g/cm³, how it was obtained is not stated"


# --------------------------------------------------------------------------------------------
# fractions of a host + scaffold mixture
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fractions:
    """The scaffold's share of a host + scaffold mixture, three ways.

    Attributes:
        vol_pct: Volume percent of scaffold (from the densities of the dense solids).
        wt_pct: Weight (mass) percent of scaffold.
        mol_pct: Mole percent of scaffold formula units, ``None`` when a molar mass is unknown.
    """

    vol_pct: float
    wt_pct: float
    mol_pct: float | None


def fractions_from_vol(
    scaffold_vol_pct: float,
    *,
    host_density_g_cm3: float,
    scaffold_density_g_cm3: float,
    host_molar_mass_g_mol: float | None = None,
    scaffold_molar_mass_g_mol: float | None = None,
) -> Fractions:
    """Convert a scaffold volume percent into weight and mole percent.

    Volumes are those of the dense solids (mass / density); pores and voids are not counted.

    Args:
        scaffold_vol_pct: Scaffold volume percent, 0–100.
        host_density_g_cm3: Density of the host salt, g/cm³.
        scaffold_density_g_cm3: Density of the scaffold oxide, g/cm³.
        host_molar_mass_g_mol: Molar mass of the host, g/mol (optional, for mol%).
        scaffold_molar_mass_g_mol: Molar mass of the scaffold, g/mol (optional, for mol%).

    Returns:
        The :class:`Fractions`; ``mol_pct`` is ``None`` unless both molar masses are given.

    Raises:
        InvalidRecordError: a percentage outside 0–100, or a density or molar mass that is not
            a positive finite number.

    >>> f = fractions_from_vol(35, host_density_g_cm3=1.34, scaffold_density_g_cm3=2.2,
    ...                        host_molar_mass_g_mol=187.8, scaffold_molar_mass_g_mol=60.08)
    >>> round(f.wt_pct, 2), round(f.mol_pct, 2)
    (46.92, 73.43)
    """
    vol = _percent("scaffold_vol_pct", scaffold_vol_pct, "vol%")
    rho_h = _positive("host_density_g_cm3", host_density_g_cm3, "g/cm³")
    rho_s = _positive("scaffold_density_g_cm3", scaffold_density_g_cm3, "g/cm³")
    m_h = _optional_positive("host_molar_mass_g_mol", host_molar_mass_g_mol, "g/mol")
    m_s = _optional_positive("scaffold_molar_mass_g_mol", scaffold_molar_mass_g_mol, "g/mol")

    phi = vol / 100.0
    mass_s, mass_h = phi * rho_s, (1.0 - phi) * rho_h  # g per cm³ of mixture
    # 100 * (a / (a + b)), not 100 * a / (a + b): the latter can round to 100.00000000000001.
    wt = 100.0 * (mass_s / (mass_s + mass_h))
    mol: float | None = None
    if m_h is not None and m_s is not None:
        n_s, n_h = mass_s / m_s, mass_h / m_h
        mol = 100.0 * (n_s / (n_s + n_h))
    return Fractions(vol_pct=vol, wt_pct=wt, mol_pct=mol)


def vol_pct_from_wt(
    scaffold_wt_pct: float, *, host_density_g_cm3: float, scaffold_density_g_cm3: float
) -> float:
    """Convert a scaffold weight percent into a volume percent.

    Args:
        scaffold_wt_pct: Scaffold weight percent, 0–100.
        host_density_g_cm3: Density of the host salt, g/cm³.
        scaffold_density_g_cm3: Density of the scaffold oxide, g/cm³.

    Returns:
        The scaffold volume percent, 0–100.

    Raises:
        InvalidRecordError: a percentage outside 0–100 or a density that is not positive.

    >>> round(vol_pct_from_wt(50, host_density_g_cm3=1.0, scaffold_density_g_cm3=3.0), 6)
    25.0
    """
    wt = _percent("scaffold_wt_pct", scaffold_wt_pct, "wt%")
    rho_h = _positive("host_density_g_cm3", host_density_g_cm3, "g/cm³")
    rho_s = _positive("scaffold_density_g_cm3", scaffold_density_g_cm3, "g/cm³")
    vol_s, vol_h = wt / rho_s, (100.0 - wt) / rho_h
    return 100.0 * (vol_s / (vol_s + vol_h))


def vol_pct_from_masses(
    host_mg: float, scaffold_mg: float, *, host_density_g_cm3: float, scaffold_density_g_cm3: float
) -> float:
    """Scaffold volume percent of a batch from the masses actually weighed.

    Either mass may be zero (a milled salt without scaffold is 0 vol%), not both.

    Args:
        host_mg: Mass of host salt weighed, mg.
        scaffold_mg: Mass of scaffold weighed, mg.
        host_density_g_cm3: Density of the host salt, g/cm³.
        scaffold_density_g_cm3: Density of the scaffold oxide, g/cm³.

    Returns:
        The scaffold volume percent, 0–100.

    Raises:
        InvalidRecordError: a negative or non-finite mass, both masses zero, or a density that
            is not positive.

    >>> round(vol_pct_from_masses(100, 100, host_density_g_cm3=1.0, scaffold_density_g_cm3=3.0), 6)
    25.0
    """
    m_h = _non_negative("host_mg", host_mg, "mg")
    m_s = _non_negative("scaffold_mg", scaffold_mg, "mg")
    rho_h = _positive("host_density_g_cm3", host_density_g_cm3, "g/cm³")
    rho_s = _positive("scaffold_density_g_cm3", scaffold_density_g_cm3, "g/cm³")
    if m_h + m_s <= 0:
        raise InvalidRecordError(
            f"host_mg={host_mg!r} and scaffold_mg={scaffold_mg!r}: at least one must be positive"
        )
    vol_s, vol_h = m_s / rho_s, m_h / rho_h
    return 100.0 * (vol_s / (vol_s + vol_h))


# --------------------------------------------------------------------------------------------
# batch recipe
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """What to weigh for one milling batch.

    Attributes:
        scaffold_vol_pct: Scaffold volume percent asked for.
        scaffold_wt_pct: The same as a weight percent.
        scaffold_mol_pct: The same as a mole percent, ``None`` when molar masses are unknown.
        host_mg: Host salt to weigh, mg.
        scaffold_mg: Scaffold to weigh, mg.
        batch_mg: Total powder, mg.
        ball_to_powder: Ball-to-powder mass ratio (140 means 140:1).
        balls_g: Mass of milling balls, g.
        host_label: Name of the host on the bench sheet.
        scaffold_label: Name of the scaffold on the bench sheet.
        ball_material: Material of the milling balls.
    """

    scaffold_vol_pct: float
    scaffold_wt_pct: float
    scaffold_mol_pct: float | None
    host_mg: float
    scaffold_mg: float
    batch_mg: float
    ball_to_powder: float
    balls_g: float
    host_label: str = "host"
    scaffold_label: str = "scaffold"
    ball_material: str = "WC"

    def lines(self) -> list[str]:
        """Lines for the lab bench: the two powders in mg and the balls in g.

        >>> Recipe(35, 47, None, 265.0, 235.0, 500.0, 140.0, 70.0, "Na2B12H12", "SiO2").lines()
        ['weigh 265.0 mg Na2B12H12', 'weigh 235.0 mg SiO2', 'balls: 70.0 g WC (140:1)']
        """
        return [
            f"weigh {self.host_mg:.1f} mg {self.host_label}",
            f"weigh {self.scaffold_mg:.1f} mg {self.scaffold_label}",
            f"balls: {self.balls_g:.1f} g {self.ball_material} ({self.ball_to_powder:g}:1)",
        ]


def batch_recipe(
    scaffold_vol_pct: float,
    *,
    host_density_g_cm3: float,
    scaffold_density_g_cm3: float,
    batch_mg: float = 500.0,
    ball_to_powder: float = 140.0,
    host_molar_mass_g_mol: float | None = None,
    scaffold_molar_mass_g_mol: float | None = None,
    host_label: str = "host",
    scaffold_label: str = "scaffold",
    ball_material: str = "WC",
) -> Recipe:
    """Masses of host, scaffold and balls for a batch at a nominal scaffold volume percent.

    Defaults follow the paper (doi:10.1039/d5ta09128d): 500 mg batches, ball-to-powder mass
    ratio 140:1, WC balls.

    Args:
        scaffold_vol_pct: Scaffold volume percent, 0–100.
        host_density_g_cm3: Density of the host salt, g/cm³ (see :data:`REFERENCE_DENSITIES`).
        scaffold_density_g_cm3: Density of the scaffold, g/cm³.
        batch_mg: Total powder mass, mg.
        ball_to_powder: Ball-to-powder mass ratio (140 for 140:1).
        host_molar_mass_g_mol: Molar mass of the host, g/mol (optional, for mol%).
        scaffold_molar_mass_g_mol: Molar mass of the scaffold, g/mol (optional, for mol%).
        host_label: Name printed for the host by :meth:`Recipe.lines`.
        scaffold_label: Name printed for the scaffold by :meth:`Recipe.lines`.
        ball_material: Ball material printed by :meth:`Recipe.lines`.

    Returns:
        The :class:`Recipe`.

    Raises:
        InvalidRecordError: a percentage outside 0–100, or a density, molar mass, batch mass or
            ball ratio that is not a positive finite number.

    >>> r = batch_recipe(35, host_density_g_cm3=1.1608, scaffold_density_g_cm3=2.2)
    >>> round(r.host_mg, 1), round(r.scaffold_mg, 1), r.balls_g
    (247.5, 252.5, 70.0)
    """
    fractions = fractions_from_vol(
        scaffold_vol_pct,
        host_density_g_cm3=host_density_g_cm3,
        scaffold_density_g_cm3=scaffold_density_g_cm3,
        host_molar_mass_g_mol=host_molar_mass_g_mol,
        scaffold_molar_mass_g_mol=scaffold_molar_mass_g_mol,
    )
    batch = _positive("batch_mg", batch_mg, "mg")
    ratio = _positive("ball_to_powder", ball_to_powder, "g of balls per g of powder")
    scaffold_mg = batch * fractions.wt_pct / 100.0
    return Recipe(
        scaffold_vol_pct=fractions.vol_pct,
        scaffold_wt_pct=fractions.wt_pct,
        scaffold_mol_pct=fractions.mol_pct,
        host_mg=batch - scaffold_mg,
        scaffold_mg=scaffold_mg,
        batch_mg=batch,
        ball_to_powder=ratio,
        balls_g=ratio * batch / 1000.0,
        host_label=host_label,
        scaffold_label=scaffold_label,
        ball_material=ball_material,
    )


# --------------------------------------------------------------------------------------------
# particle size from BET area
# --------------------------------------------------------------------------------------------


def particle_size_nm(bet_m2_g: float, density_g_cm3: float) -> float:
    """Equivalent spherical diameter from a specific surface area: d = 6 / (rho * S).

    The density must be stated: it changes the answer in proportion. The paper's Table 1
    "equivalent primary particle size" equals 6000 / BET in nm, i.e. this formula with
    rho = 1 g/cm³ (``particle_size_nm(191.2, 1.0)`` gives its 31.4 nm for SiO2-A200). With the
    density of amorphous silica, about 2.2 g/cm³, the same areas give sizes about 2.2 times
    smaller (14.3 nm for SiO2-A200). For porous solids such as SBA-15 the result is not a
    particle size at all, since most of the area is inside pores.

    Args:
        bet_m2_g: BET specific surface area, m²/g.
        density_g_cm3: Density of the solid, g/cm³.

    Returns:
        The diameter in nm.

    Raises:
        InvalidRecordError: an area or density that is not a positive finite number.

    >>> round(particle_size_nm(191.2, 1.0), 1)
    31.4
    >>> round(particle_size_nm(191.2, 2.2), 1)
    14.3
    """
    area = _positive("bet_m2_g", bet_m2_g, "m²/g")
    rho = _positive("density_g_cm3", density_g_cm3, "g/cm³")
    # d[m] = 6 / (rho[g/m³] * S[m²/g]) with rho[g/m³] = 1e6 * rho[g/cm³]; 1 m = 1e9 nm.
    return 6.0e3 / (rho * area)
