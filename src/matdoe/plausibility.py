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
    unit = {"area_cm2": "cm²", "sigma_s_cm": "S/cm", "milling_h": "h", "batch_mg": "mg"}.get(
        field, ""
    )
    return f"{value:.6g} {unit}".rstrip()


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
}

#: A pellet may be at most this fraction of its theoretical density (5 % for the uncertainty of
#: the densities and the balance).
MAX_RELATIVE_DENSITY = 1.05


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
    """A description when a pellet is denser than :data:`MAX_RELATIVE_DENSITY` of theory.

    >>> pellet_density_problem(45.0, 0.02, 0.785, 1.5)  # 45 mg, 200 µm: 191 % dense
    'pellet of 45 mg, 200 µm × 0.785 cm² is 2.87 g/cm³, 191 % of the theoretical 1.5 g/cm³'
    >>> pellet_density_problem(45.0, 0.04, 0.785, 1.5) is None  # 400 µm: 96 %
    True
    """
    if None in (mass_mg, thickness_cm, area_cm2, theoretical_g_cm3):
        return None
    assert mass_mg is not None and thickness_cm is not None and area_cm2 is not None
    assert theoretical_g_cm3 is not None
    density = mass_mg / 1000.0 / (thickness_cm * area_cm2)
    relative = density / theoretical_g_cm3
    if relative <= MAX_RELATIVE_DENSITY:
        return None
    return (
        f"pellet of {mass_mg:g} mg, {thickness_cm * 1e4:.4g} µm × {area_cm2:g} cm² is "
        f"{density:.3g} g/cm³, {relative:.0%} of the theoretical {theoretical_g_cm3:.3g} g/cm³"
    ).replace("%", " %")


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
