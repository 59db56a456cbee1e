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


# --- one file in each instrument's layout (simulated, the same pellet) ------------------------

FORMATS_DIR = HERE / "formats"


def _points(spectrum: Spectrum) -> list[tuple[float, float, float]]:
    return list(
        zip(
            spectrum.frequency_hz.tolist(),
            spectrum.z_real_ohm.tolist(),
            spectrum.z_imag_ohm.tolist(),
            strict=True,
        )
    )


def write_gamry(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """Gamry Framework .DTA: tagged header lines, then the ZCURVE table (tab separated, a
    names line and a units line, each row starting with a tab)."""
    lines = [
        "EXPLAIN",
        "TAG\tEISPOT",
        "TITLE\tLABEL\tPotentiostatic EIS\tTest &Identifier",
        "DATE\tLABEL\t12/1/2026\tDate",
        "TIME\tLABEL\t10:00:00\tTime",
        "NOTES\tNOTES\t2\t&Notes...",
        f"\t{NOTE}",
        f"\tsample {SAMPLE}, {temperature_c:g} C",
        "PSTAT\tPSTAT\tREF600-00000\tPotentiostat",
        "FREQINIT\tQUANT\t1.00000E+006\tInitial Fre&q. (Hz)",
        "FREQFINAL\tQUANT\t1.00000E+000\tFinal Fre&q. (Hz)",
        "PTSPERDEC\tQUANT\t1.00000E+001\tPoints/&decade",
        "VAC\tQUANT\t1.00000E+001\tAC &Voltage (mV rms)",
        "AREA\tQUANT\t7.85000E-001\t&Area (cm^2)",
        "ZCURVE\tTABLE",
        "\tPt\tTime\tFreq\tZreal\tZimag\tZsig\tZmod\tZphz\tIdc\tVdc\tIERange",
        "\t#\ts\tHz\tohm\tohm\tV\tohm\t°\tA\tV\t#",
    ]
    elapsed = 0.0
    for i, (f, re_z, im_z) in enumerate(_points(spectrum)):
        elapsed += 3.0 / f + 0.5
        modulus, phase = math.hypot(re_z, im_z), math.degrees(math.atan2(im_z, re_z))
        lines.append(
            f"\t{i}\t{elapsed:.6g}\t{f:.7g}\t{re_z:.7g}\t{im_z:.7g}\t1\t{modulus:.7g}\t"
            f"{phase:.6g}\t-1.2E-009\t0.0001\t7"
        )
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")


def write_zplot(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """Scribner ZPlot .z (ZPLOT2 ASCII): settings lines, the tab-separated column names just
    above "End Comments", then tab-separated rows; Z''(b) is Im Z."""
    lines = [
        "ZPLOT2 ASCII",
        "  Measured Data, ZPlot:       3.5",
        "  Experiment Type:            Sweep Frequency, Control Voltage",
        "  Date:                       12-01-2026",
        "  Time:                       10:00:00",
        "  Begin User Comments:        2",
        f"  {NOTE}",
        f"  sample {SAMPLE}, {temperature_c:g} C",
        "  End User Comments:          0",
        "  Begin Experiment:           0",
        "    Potential-AC:             10",
        "    vs Freq-Initial:          1000000",
        "    vs Freq-Final:            1",
        "    vs Freq-Log Interval:     10",
        "  End Experiment:             0",
        "  Freq(Hz)\tAmpl\tBias\tTime(Sec)\tZ'(a)\tZ''(b)\tGD\tErr\tRange",
        "End Comments",
    ]
    elapsed = 0.0
    for f, re_z, im_z in _points(spectrum):
        elapsed += 3.0 / f + 0.5
        lines.append(
            f"{f:.6E}\t1.0000E-02\t0.0000E+00\t{elapsed:.6E}\t{re_z:.4E}\t{im_z:.4E}\t"
            "0.0000E+00\t0\t3"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_autolab(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """The comma-separated "Z60W Data File" layout that impedance.py reads as Autolab: quoted
    header lines, a settings line, the point count, the quoted column names, then rows."""
    lines = [
        '"Z60W Data File: Version 1.1"',
        f'"{NOTE}"',
        f'"sample {SAMPLE}, {temperature_c:g} C"',
        '""',
        '""',
        '""',
        '""',
        '""',
        "0,2,0,1,1,1000000",
        str(len(spectrum)),
        "\"  Freq (Hz)    Ampl     Bias   Time(Sec)   Z'(a)    Z''(b)    GD   Err   Range\"",
    ]
    for f, re_z, im_z in _points(spectrum):
        lines.append(f"{f:.6g},0,0,0,{re_z:.15g},{im_z:.15g},0,0,0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_chinstruments(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """CH Instruments text export: a header block, the column names "Freq/Hz, Z'/ohm,
    Z"/ohm, Z/ohm, Phase/deg", an empty line, then comma-separated rows."""
    lines = [
        "Dec. 1, 2026   10:00:00",
        "A.C. Impedance",
        f"File:  {path.name}",
        "Data Source:  Experiment",
        "Instrument Model:  CHI660E",
        f"Header: {NOTE}",
        f"Note: sample {SAMPLE}, {temperature_c:g} C",
        "",
        "Init E (V) = 0",
        "High Frequency (Hz) = 1e+6",
        "Low Frequency (Hz) = 1",
        "Amplitude (V) = 0.01",
        "Quiet Time (sec) = 2",
        "",
        "Freq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg",
        "",
    ]
    for f, re_z, im_z in _points(spectrum):
        modulus, phase = math.hypot(re_z, im_z), math.degrees(math.atan2(im_z, re_z))
        lines.append(f"{f:.3e}, {re_z:.4e}, {im_z:.4e}, {modulus:.4e}, {phase:.1f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_parstat(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """Parstat text export: one tab-separated header line, DC rows with Frequency 0 (the
    open-circuit steps before the sweep), then the impedance rows; a trailing tab on each."""
    header = (
        "Potential (V)\tCurrent (A)\tElapsed Time (s)\tFrequency (Hz)\tZre (ohms)\t"
        "Zim (ohms)\t|Vac| (V)\t|Iac| (A)\t"
    )
    lines = [header]
    for i in range(5):
        lines.append(f"0.0012\t-1.2E-09\t{10 * (i + 1)}\t0\t0\t0\t0\t0\t")
    elapsed = 50.0
    for f, re_z, im_z in _points(spectrum):
        elapsed += 3.0 / f + 0.5
        i_ac = 0.01 / math.hypot(re_z, im_z)
        lines.append(
            f"0.0012\t-1.2E-09\t{elapsed:.6g}\t{f:.7g}\t{re_z:.9g}\t{im_z:.9g}\t0.01\t{i_ac:.6g}\t"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_versastudio(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """VersaStudio .par: XML-like sections (the common settings in <Action0>, the experiment in
    <Action1>); the data in <Segment1> after its Definition line naming the comma-separated
    columns (Frequency(Hz), Z Real, Z Imag among them)."""
    lines = [
        "<Application>",
        "Name=VersaStudio",
        "Version=2.60.3",
        "</Application>",
        "<Action0>",
        "Working Electrode Area (cm2)=0.785",
        "Segments=0",
        "Name=Common",
        "</Action0>",
        "<Instrument>",
        "Type=VersaSTAT4",
        "Options=FRA, EIS",
        "</Instrument>",
        "<Action1>",
        "Name=Potentiostatic EIS",
        "Start Frequency (Hz)=1000000",
        "End Frequency (Hz)=1",
        "Amplitude (mV RMS)=10",
        f"Comment={NOTE}; sample {SAMPLE}, {temperature_c:g} C",
        "Segments=1",
        "</Action1>",
        "<Segment1>",
        "Type=2",
        "Version=3",
        "Definition=Segment #, Point #, E(V), I(A), Elapsed Time(s), ADC Sync Input(V), "
        "Current Range, Status, E Applied(V), Frequency(Hz), E Real, E Imag, I Real, I Imag, "
        "Z Real, Z Imag, E2 Status, E2(V), E2 Real, E2 Imag, Z2 Real, Z2 Imag, ActionId, "
        "AC Amplitude, 0",
    ]
    elapsed = 0.0
    for i, (f, re_z, im_z) in enumerate(_points(spectrum)):
        elapsed += 3.0 / f + 0.5
        lines.append(
            f"0,{i},0,-3.2E-06,{elapsed:.4f},0,5,53,0,{f:.7g},0,0,0,0,{re_z:.7g},{im_z:.7g},"
            "0,0,0,0,0,0,21,0.01"
        )
    lines.append("</Segment1>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_powersuite(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """PowerSuite text export: "Frequency<tab> Zre<tab> Zimg", then tab-separated rows from
    the lowest frequency up."""
    lines = ["Frequency\t Zre\t Zimg"]
    for f, re_z, im_z in reversed(_points(spectrum)):
        lines.append(f"{f:.8g}\t {re_z:.8g}\t {im_z:.8g}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_biologic_mpr(path: Path, spectrum: Spectrum, temperature_c: float) -> None:
    """A BioLogic EC-Lab binary .mpr in the module layout that galvani decodes.

    "BIO-LOGIC MODULAR FILE" magic, then modules, each "MODULE" + a header (short name 10
    bytes, long name 25, length and version as little-endian uint32, date 8 bytes
    mm/dd/yy) + its bytes. A "VMP Set" module (settings; here only the note), then the
    "VMP data" module, version 2: number of points (uint32), number of columns (uint8), the
    column ids (uint16: 4 time/s float64, 32 freq/Hz, 37 Re(Z)/Ohm, 38 -Im(Z)/Ohm,
    36 |Z|/Ohm, 35 Phase(Z)/deg as float32, 24 cycle number float64), zeros up to byte 405,
    then the packed records. EC-Lab's LOG and loop modules are left out (galvani does not
    need them). Made from that layout here, not copied from an instrument's file.
    """
    import numpy as np

    magic = b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\x00\x00\x00\x00"

    def module(short: bytes, long: bytes, version: int, data: bytes) -> bytes:
        header = (
            short.ljust(10)
            + long.ljust(25)
            + len(data).to_bytes(4, "little")
            + version.to_bytes(4, "little")
            + b"12/01/26"
        )
        return b"MODULE" + header + data

    settings = f"Potentio Electrochemical Impedance Spectroscopy; {NOTE}".encode("latin-1")
    columns = [
        (4, "<f8"),
        (32, "<f4"),
        (37, "<f4"),
        (38, "<f4"),
        (36, "<f4"),
        (35, "<f4"),
        (24, "<f8"),
    ]
    dtype = np.dtype([(f"c{cid}", kind) for cid, kind in columns])
    records = np.zeros(len(spectrum), dtype=dtype)
    elapsed = np.cumsum(3.0 / spectrum.frequency_hz + 0.5)
    z = spectrum.impedance_ohm
    records["c4"] = elapsed
    records["c32"] = spectrum.frequency_hz
    records["c37"] = z.real
    records["c38"] = -z.imag
    records["c36"] = np.abs(z)
    records["c35"] = np.degrees(np.angle(z))
    records["c24"] = 1.0
    head = len(spectrum).to_bytes(4, "little") + bytes([len(columns)])
    head += b"".join(cid.to_bytes(2, "little") for cid, _ in columns)
    data = head.ljust(405, b"\x00") + records.tobytes()
    content = magic + module(b"VMP Set", b"VMP settings", 0, settings)
    content += module(b"VMP data", b"VMP data", 2, data)
    path.write_bytes(content)


#: format -> (writer, file name ending, temperature in °C of that file)
INSTRUMENT_FILES = {
    "gamry": (write_gamry, ".DTA", 35),
    "zplot": (write_zplot, ".z", 45),
    "autolab": (write_autolab, ".txt", 55),
    "chinstruments": (write_chinstruments, ".txt", 65),
    "parstat": (write_parstat, ".txt", 25),
    "versastudio": (write_versastudio, ".par", 38),
    "powersuite": (write_powersuite, ".txt", 48),
    "biologic": (write_biologic_mpr, ".mpr", 58),
}


def main() -> None:
    for seed, temperature_c in enumerate((30, 40, 50, 60)):
        spectrum = synthetic_spectrum(resistance_ohm(temperature_c), random_state=seed)
        write_csv(HERE / f"{SAMPLE}_{temperature_c}C.csv", spectrum, temperature_c)
    # A cooling run at 50 C, as an EC-Lab export.
    spectrum = synthetic_spectrum(resistance_ohm(50), random_state=10)
    write_biologic_mpt(HERE / f"{SAMPLE}_50C_cooling.mpt", spectrum, 50)
    FORMATS_DIR.mkdir(exist_ok=True)
    for seed, (fmt, (writer, suffix, temperature_c)) in enumerate(INSTRUMENT_FILES.items()):
        spectrum = synthetic_spectrum(resistance_ohm(temperature_c), random_state=20 + seed)
        writer(FORMATS_DIR / f"{SAMPLE}_{fmt}_{temperature_c}C{suffix}", spectrum, temperature_c)


if __name__ == "__main__":
    main()
