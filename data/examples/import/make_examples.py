"""Rebuild the example import files in this folder (SIMULATED values, not measurements).

Run from the repository root: ``python data/examples/import/make_examples.py``. The resistances
are those the digital twin (:class:`matdoe.simulate.DigitalTwin`) gives for a 320 µm pellet of
0.785 cm², rounded as a lab would write them.
"""

from __future__ import annotations

import json
from pathlib import Path

from matdoe.simulate import DigitalTwin

HERE = Path(__file__).resolve().parent
NOTE = "SIMULATED example for matdoe's README (matdoe.simulate.DigitalTwin); not a measurement"
RECIPES = [("EX-1", 35.0, 4.0), ("EX-2", 25.0, 2.0)]
TEMPERATURES_C = (30, 45, 60)


def resistance_ohm(vol: float, hours: float, celsius: float) -> float:
    sigma = 10 ** DigitalTwin().log10_sigma("SiO2-A200", vol, hours, celsius)
    return round(0.032 / (sigma * 0.785), 1)


def main() -> None:
    header = (
        "label,host,scaffold,scaffold_vol_pct,milling_h,made_on,source,notes,"
        "pellet_thickness_um,pellet_area_cm2,temperature_c,resistance_ohm\n"
    )
    rows = [
        f"{label},Na2B12H12,SiO2-A200,{vol},{hours},2026-11-30,simulated,{NOTE},320,0.785,"
        f"{celsius},{resistance_ohm(vol, hours, celsius)}\n"
        for label, vol, hours in RECIPES
        for celsius in TEMPERATURES_C
    ]
    (HERE / "samples.csv").write_text(
        "# One row per measurement; the sample's columns repeat. Units in the column names.\n"
        + header
        + "".join(rows),
        encoding="utf-8",
    )
    samples = [
        {
            "label": f"{label}-json",
            "host": "Na2B12H12",
            "scaffold": "SiO2-A200",
            "scaffold_vol_pct": vol,
            "milling_h": "4 h" if hours == 4 else f"{hours * 60:g} min",
            "source": "simulated",
            "notes": NOTE,
            "pellet": {"thickness_cm": "320 um", "area_cm2": "0.785 cm2"},
            "measurements": [
                {
                    "temperature_k": f"{celsius} C",
                    "resistance_ohm": resistance_ohm(vol, hours, celsius),
                }
                for celsius in TEMPERATURES_C
            ],
        }
        for label, vol, hours in RECIPES
    ]
    (HERE / "samples.json").write_text(
        json.dumps({"samples": samples}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
