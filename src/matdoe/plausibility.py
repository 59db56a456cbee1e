"""Plausibility guards: values that parse but are almost surely a typo or a wrong unit.

A value outside these ranges is refused with one line naming it and the range; ``--force``
stores it anyway and the forcing is written into the record's history (``Revision.note``), so a
later reader sees that somebody looked and insisted. Non-finite numbers are never stored, forced
or not (:mod:`matdoe.records` refuses them).

The ranges are wide on purpose: each one is about ten times (or a decade) beyond what a pellet
of a solid electrolyte on a lab bench can be, so a real measurement never trips it, while the
usual slips do (a bare "30" read as 30 K, "320" read as 320 cm, a resistance in the wrong
prefix).

>>> problems({"temperature_k": 30.0, "thickness_cm": 0.032})
['temperature_k = 30 K (-243.1 °C) is outside 150–800 K for a conductivity measurement']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from matdoe.errors import ImplausibleValueError, InvalidRecordError

__all__ = [
    "BOUNDS",
    "MAX_RELATIVE_DENSITY",
    "MIN_RELATIVE_DENSITY",
    "Bound",
    "enforce",
    "pellet_density_problem",
    "problems",
    "refuse_implausible",
]


@dataclass(frozen=True)
class Bound:
    """The plausible range of one canonical field, and how to show it."""

    low: float
    high: float
    shown: str  # the range as a person reads it
    why: str

    def describe(self, field: str, value: float) -> str:
        """``'<field> = <value> is outside <range> <why>'``."""
        return f"{field} = {_show(field, value)} is outside {self.shown} {self.why}".rstrip()


def _show(field: str, value: float) -> str:
    if field == "temperature_k":
        return f"{value:.6g} K ({value - 273.15:.1f} °C)"
    if field == "thickness_cm":
        return f"{value:.6g} cm ({value * 1e4:.4g} µm)"
    return f"{value:.6g} {_UNITS.get(field, '')}".rstrip()


# The unit of each bounded field as a value is shown (temperature and thickness above).
_UNITS = {
    "area_cm2": "cm²",
    "sigma_s_cm": "S/cm",
    "milling_h": "h",
    "batch_mg": "mg",
    "milling_rpm": "rpm",
    "mill_on_min": "min",
    "mill_off_min": "min",
    "ball_diameter_mm": "mm",
    "pressure_mpa": "MPa",
    "temperature_std_k": "K",
    "potential_v": "V",
    "current_density_ma_cm2": "mA/cm²",
}


BOUNDS: dict[str, Bound] = {
    # Below 150 K no solid electrolyte pellet is measured for conductivity; above 800 K the
    # closo-borates have decomposed. Catches a bare "30" read as 30 K.
    "temperature_k": Bound(150.0, 800.0, "150–800 K", "for a conductivity measurement"),
    # Pressed pellets are 0.1–2 mm thick; 10 µm–1 cm leaves a decade either side.
    "thickness_cm": Bound(1e-3, 1.0, "10 µm–1 cm", "for a pellet thickness"),
    # Die areas are 0.1–2 cm² (the paper's 0.785 cm² is a 10 mm die).
    "area_cm2": Bound(0.01, 10.0, "0.01–10 cm²", "for an electrode area"),
    # From an insulator to the best superionic conductors (~0.1 S/cm) with room to spare.
    "sigma_s_cm": Bound(1e-12, 10.0, "1e-12–10 S/cm", "for an ionic conductivity"),
    # Ball milling runs minutes to days; 1000 h is six weeks without stopping.
    "milling_h": Bound(0.0, 1000.0, "0–1000 h", "for a milling time"),
    # A milling batch is 0.1–100 g on a lab bench (the paper's: 500 mg).
    "batch_mg": Bound(1.0, 1e6, "1 mg–1 kg", "for a milling batch"),
    # Planetary mills turn at 100–1100 rpm (the paper's: 400), high-energy and mixer mills up to
    # about 2000 (30 Hz); beyond 5000 rpm no ball mill runs, below 10 nothing is milled.
    "milling_rpm": Bound(10.0, 5000.0, "10–5000 rpm", "for a ball mill"),
    # Ball-to-powder mass ratios run from 1:1 to a few hundred (the paper's: 140:1); below 1 it
    # is the ratio typed upside down (1:140 as 0.007), above 1000 the jar holds no powder.
    "ball_to_powder": Bound(1.0, 1000.0, "1–1000", "for a ball-to-powder mass ratio"),
    # Interval programmes of planetary mills run steps of seconds to an hour (the paper's: 5 min
    # milling / 5 min pause). A step of no time mills nothing; one longer than a day is seconds
    # typed as minutes, or the whole milling time typed as one step.
    "mill_on_min": Bound(1 / 60, 1440.0, "1 s–1440 min (a day)", "for a milling step"),
    # A pause lets the jar cool: none (continuous milling) to tens of minutes; a pause of more
    # than a day is no longer one programme.
    "mill_off_min": Bound(0.0, 1440.0, "0–1440 min (a day)", "for a pause between milling steps"),
    # Milling media run from 0.1 mm beads to 40 mm balls in the largest lab jars (the paper's:
    # 5 mm WC). Outside 0.05–50 mm it is micrometres or centimetres typed as millimetres.
    "ball_diameter_mm": Bound(0.05, 50.0, "0.05–50 mm", "for a milling ball"),
    # Pellets are cold-pressed at 100–1000 MPa (the paper's: 187 MPa; a hand press gives tens).
    # Below 1 MPa nothing holds together; above 10 GPa no lab die survives (psi typed as MPa).
    "pressure_mpa": Bound(1.0, 1e4, "1 MPa–10 GPa", "for pressing a pellet"),
    # A thermocouple at the cell reads to 0.1–2 K; an uncertainty beyond 50 K says nothing about
    # the temperature (and makes the point weightless in the Arrhenius fit).
    "temperature_std_k": Bound(
        0.0, 50.0, "0–50 K", "for the uncertainty of a measurement temperature"
    ),
    # Electrode potentials (an LSV onset) lie within about ±6 V of the Na or Li reference;
    # beyond 20 V it is millivolts typed as volts.
    "potential_v": Bound(-20.0, 20.0, "±20 V", "for an electrode potential"),
    # Critical current densities of solid electrolytes are 0.01–10 mA/cm² (the paper's: 0.3).
    "current_density_ma_cm2": Bound(
        1e-4, 1000.0, "1e-4–1000 mA/cm²", "for a critical current density"
    ),
}

#: A pellet may be at most this fraction of its theoretical density (5 % for the uncertainty of
#: the densities and the balance).
MAX_RELATIVE_DENSITY = 1.05
#: ... and at least this fraction: cold-pressed pellets are 70–95 % dense, loose powder is about
#: a third; a pellet below a fifth would not hold together (a mass in g typed as mg gives 0.1 %).
MIN_RELATIVE_DENSITY = 0.2


def problems(values: Mapping[str, float | None]) -> list[str]:
    """Descriptions of the values outside :data:`BOUNDS` (fields without a bound are ignored)."""
    out = []
    for field, value in values.items():
        bound = BOUNDS.get(field)
        if bound is None or value is None or not math.isfinite(value):
            continue
        if not bound.low <= value <= bound.high:
            out.append(bound.describe(field, value))
    return out


def refuse_implausible(field: str, value: float, *, where: str) -> None:
    """Refuse a value outside :data:`BOUNDS` where nothing is stored that ``--force`` could keep.

    For what a person asks about rather than records: the temperature of a prediction or a
    suggestion (a model has no measurement to learn from outside a measurement's range), the
    batch mass of the masses to weigh.

    Raises:
        InvalidRecordError: ``value`` is not finite, or outside the bound of ``field``.

    >>> refuse_implausible("temperature_k", 1273.15, where="--temperature")
    Traceback (most recent call last):
    ...
    matdoe.errors.InvalidRecordError: --temperature: 1273.15 K (1000.0 °C) is outside 150–800 K for a conductivity measurement
    """
    bound = BOUNDS[field]
    if not math.isfinite(value):
        raise InvalidRecordError(f"{where}: {value!r} is not a finite number")
    if not bound.low <= value <= bound.high:
        raise InvalidRecordError(
            f"{where}: {_show(field, value)} is outside {bound.shown} {bound.why}".rstrip()
        )


def pellet_density_problem(
    mass_mg: float | None,
    thickness_cm: float | None,
    area_cm2: float | None,
    theoretical_g_cm3: float | None,
) -> str | None:
    """A description when a pellet is denser than :data:`MAX_RELATIVE_DENSITY` of theory, or
    lighter than :data:`MIN_RELATIVE_DENSITY` (a mass in g typed as mg).

    >>> pellet_density_problem(45.0, 0.02, 0.785, 1.5)  # 45 mg, 200 µm: 191 % dense
    'pellet of 45 mg, 200 µm × 0.785 cm² is 2.87 g/cm³, 191 % of the theoretical 1.5 g/cm³'
    >>> pellet_density_problem(45.0, 0.04, 0.785, 1.5) is None  # 400 µm: 96 %
    True
    >>> pellet_density_problem(0.045, 0.04, 0.785, 1.5)  # 45 mg typed as 0.045 mg
    'pellet of 0.045 mg, 400 µm × 0.785 cm² is 0.00143 g/cm³, 0.096 % of the theoretical 1.5 g/cm³; a pressed pellet is at least 20 % dense'
    """
    if None in (mass_mg, thickness_cm, area_cm2, theoretical_g_cm3):
        return None
    assert mass_mg is not None and thickness_cm is not None and area_cm2 is not None
    assert theoretical_g_cm3 is not None
    density = mass_mg / 1000.0 / (thickness_cm * area_cm2)
    relative = density / theoretical_g_cm3
    if MIN_RELATIVE_DENSITY <= relative <= MAX_RELATIVE_DENSITY:
        return None
    percent = relative * 100
    # "191 %"; a slip of many decades as "4e+300 %", not as a number of 300 digits
    shown = f"{percent:.0f}" if 1 <= percent < 1e4 else f"{percent:.2g}"
    light = (
        f"; a pressed pellet is at least {MIN_RELATIVE_DENSITY:.0%} dense".replace("%", " %")
        if relative < MIN_RELATIVE_DENSITY
        else ""
    )
    return (
        f"pellet of {mass_mg:g} mg, {thickness_cm * 1e4:.4g} µm × {area_cm2:g} cm² is "
        f"{density:.3g} g/cm³, {shown} % of the theoretical {theoretical_g_cm3:.3g} g/cm³{light}"
    )


def enforce(found: list[str], *, force: bool, where: str = "") -> str | None:
    """Refuse implausible values unless forced; returns the note for the history when forced.

    Raises:
        ImplausibleValueError: ``found`` is not empty and ``force`` is False.
    """
    if not found:
        return None
    prefix = f"{where}: " if where else ""
    if not force:
        raise ImplausibleValueError(
            f"{prefix}{'; '.join(found)}; check the value and its unit, or store it anyway "
            "with --force (recorded in the history)"
        )
    return "stored with --force: " + "; ".join(found)
