"""Rebuild the simulated example spectra in this folder.

Run from the repository root: ``python data/examples/eis/make_examples.py``.

One simulated pellet of "demo-35A200" (35 vol% SiO2-A200, 4 h milling, the paper's best recipe)
follows an Arrhenius law sigma = A·exp(-Ea/kT) (the form the paper's numbers follow) with
Ea = 0.38 eV and sigma(60 °C) = 1.4e-3 S/cm
(Hehn et al., J. Mater. Chem. A 2026, DOI 10.1039/d5ta09128d), for a pellet of L = 320 µm and
A = 0.785 cm². Each spectrum is matdoe.eis.synthetic_spectrum for R = L / (sigma·A) with 1 %
noise. Nothing here is a measurement.
"""

from __future__ import annotations

import math
from pathlib import Path

from matdoe.conductivity import BOLTZMANN_EV_K
from matdoe.eis import Spectrum, synthetic_spectrum

HERE = Path(__file__).resolve().parent
SAMPLE = "demo-35A200"
EA_EV = 0.38
SIGMA_60C_S_CM = 1.4e-3
THICKNESS_CM = 0.032
AREA_CM2 = 0.785
NOTE = "simulated with matdoe.eis.synthetic_spectrum, not a measurement"


def sigma_s_cm(temperature_k: float) -> float:
    """sigma = A·exp(-Ea/kT), anchored at sigma(333.15 K) = 1.4e-3 S/cm."""
    t60 = 333.15
    return SIGMA_60C_S_CM * math.exp(-EA_EV / BOLTZMANN_EV_K * (1 / temperature_k - 1 / t60))


def resistance_ohm(temperature_c: float) -> float:
    return THICKNESS_CM / (sigma_s_cm(temperature_c + 273.15) * AREA_CM2)


def write_csv(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    lines = [
        f"# {NOTE}",
        f"# sample {SAMPLE}, {temperature_c:g} C, true R = {resistance_ohm(temperature_c):.4g} ohm"
        f" (Ea = {EA_EV} eV, L = {THICKNESS_CM} cm, A = {AREA_CM2} cm2)",
        "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm",
    ]
    for f, re_z, im_z in zip(
        spectrum.frequency_hz, spectrum.z_real_ohm, spectrum.z_imag_ohm, strict=True
    ):
        lines.append(f"{f:.6g},{re_z:.6g},{-im_z:.6g}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_biologic_mpt(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """An EC-Lab text export (.mpt) in the layout impedance.py's readBioLogic parses.

    Line 2 gives the number of header lines; the last header line names the tab-separated
    columns; EC-Lab stores -Im(Z) and ends each line with a tab.
    """
    columns = [
        "freq/Hz",
        "Re(Z)/Ohm",
        "-Im(Z)/Ohm",
        "|Z|/Ohm",
        "Phase(Z)/deg",
        "time/s",
        "<Ewe>/V",
        "<I>/mA",
        "cycle number",
    ]
    header = [
        "EC-Lab ASCII FILE",
        "Nb header lines : 9",
        "",
        "Potentio Electrochemical Impedance Spectroscopy",
        "",
        f"Comments : {NOTE}",
        f"Comments : sample {SAMPLE}, {temperature_c:g} C (cooling run), "
        f"true R = {resistance_ohm(temperature_c):.4g} ohm",
        "Va (mV) = 10.0; fi = 1 MHz; ff = 1 Hz",
        "\t".join(columns) + "\t",
    ]
    rows = []
    time_s = 0.0
    for f, re_z, im_z in zip(
        spectrum.frequency_hz, spectrum.z_real_ohm, spectrum.z_imag_ohm, strict=True
    ):
        modulus = math.hypot(re_z, im_z)
        phase = math.degrees(math.atan2(im_z, re_z))
        time_s += 3.0 / f + 0.5
        values = [f, re_z, -im_z, modulus, phase, time_s, 0.0, 0.0, 1]
        rows.append("\t".join(f"{v:.7E}" if isinstance(v, float) else str(v) for v in values))
    text = "\n".join(header + [row + "\t" for row in rows]) + "\n"
    path.write_text(text, encoding="latin-1")


def main() -> None:
    for seed, temperature_c in enumerate((30, 40, 50, 60)):
        spectrum = synthetic_spectrum(resistance_ohm(temperature_c), random_state=seed)
        write_csv(HERE / f"{SAMPLE}_{temperature_c}C.csv", spectrum, temperature_c)
    # A cooling run at 50 C, as an EC-Lab export.
    spectrum = synthetic_spectrum(resistance_ohm(50), random_state=10)
    write_biologic_mpt(HERE / f"{SAMPLE}_50C_cooling.mpt", spectrum, 50)


if __name__ == "__main__":
    main()
