"""Impedance spectra: read them, fit an equivalent circuit, return the electrolyte resistance.

A pressed pellet between two ion-blocking electrodes gives, from high to low frequency, a
(depressed) semicircle for ion transport through the electrolyte and a steep capacitive spur from
the blocking electrodes. The default circuit, :data:`DEFAULT_CIRCUIT` = ``R0-p(R1,CPE1)-CPE2``,
describes exactly that: R0 is the high-frequency intercept (for conductive pellets the bulk arc
lies above 1 MHz, so the bulk resistance shows up as a series resistance), R1‖CPE1 the visible
arc (grain boundaries / interfaces), CPE2 the electrode spur.

**Which resistance.** :attr:`SpectrumFit.resistance_ohm` is the *sum of all resistors* of the
circuit, for the default circuit R0 + R1: the total ionic resistance, which is what the
total conductivity sigma = L/(R·A) in the paper needs. The sum is also far better determined than
its parts: when the arc is only partly inside the frequency window, R0 and R1 trade off against
each other while R0 + R1 (the low-frequency end of the arc) stays fixed. Its uncertainty comes from
the full parameter covariance, so that trade-off is accounted for.

Plain CSV/TSV/TXT files are read here without optional packages. Instrument files (BioLogic
``.mpt``, Gamry ``.DTA``, ZPlot ``.z``, VersaStudio ``.par``, Autolab, Parstat, PowerSuite,
CH Instruments) and circuit fitting use impedance.py, the optional extra ``matdoe[eis]``,
imported inside the functions that need it.

>>> temperature_from_filename("S12_60C.csv")
333.15
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.errors import FitError, InvalidRecordError, MissingDependencyError

__all__ = [
    "DEFAULT_CIRCUIT",
    "INSTRUMENT_FORMATS",
    "MIN_POINTS",
    "Spectrum",
    "SpectrumFit",
    "fit_spectrum",
    "read_spectrum",
    "synthetic_spectrum",
    "temperature_from_filename",
]

DEFAULT_CIRCUIT = "R0-p(R1,CPE1)-CPE2"
MIN_POINTS = 10
"""Fewest points a spectrum may have: the default circuit has 6 parameters."""

# fmt name -> impedance.py instrument name; file extensions that imply a format.
INSTRUMENT_FORMATS = {
    "biologic": "biologic",
    "gamry": "gamry",
    "autolab": "autolab",
    "parstat": "parstat",
    "zplot": "zplot",
    "versastudio": "versastudio",
    "powersuite": "powersuite",
    "chinstruments": "chinstruments",
}
_EXTENSION_FORMATS = {".mpt": "biologic", ".dta": "gamry", ".z": "zplot", ".par": "versastudio"}
_PLAIN_FORMATS = ("csv", "tsv", "txt")
_EIS_HINT = "install it with pip install 'matdoe[eis]'"

# A fit whose rms relative misfit exceeds this does not describe the spectrum.
_MAX_RELATIVE_RMSE = 0.10


def _import_impedance(purpose: str) -> Any:
    try:
        import impedance.models.circuits as circuits
    except ImportError as exc:
        raise MissingDependencyError(f"{purpose} needs impedance.py; {_EIS_HINT}") from exc
    return circuits


def _float_array(values: ArrayLike) -> NDArray[np.float64]:
    array = np.array(values, dtype=float).reshape(-1)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Spectrum:
    """An impedance spectrum.

    Attributes:
        frequency_hz: Frequencies (Hz), in file order.
        z_real_ohm: Re Z (ohm).
        z_imag_ohm: Im Z (ohm), signed: negative for capacitive arcs.
        source: File name (not a full path) or ``"synthetic"``.
        columns: What was detected in the file, e.g.
            ``"freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm (sign flipped)"``.
        sha256: SHA-256 of the raw file bytes (``""`` for synthetic spectra).
        temperature_k: The temperature (K) from a temperature column of the file, when it has
            one (its median; the column must not vary by more than 2 K), else None.
    """

    frequency_hz: NDArray[np.float64]
    z_real_ohm: NDArray[np.float64]
    z_imag_ohm: NDArray[np.float64]
    source: str
    columns: str
    sha256: str
    temperature_k: float | None = None

    def __post_init__(self) -> None:
        for name in ("frequency_hz", "z_real_ohm", "z_imag_ohm"):
            object.__setattr__(self, name, _float_array(getattr(self, name)))
        n = self.frequency_hz.size
        if self.z_real_ohm.size != n or self.z_imag_ohm.size != n:
            raise InvalidRecordError(
                f"{self.source}: frequency, Re Z and Im Z have different lengths "
                f"({n}, {self.z_real_ohm.size}, {self.z_imag_ohm.size})"
            )

    @property
    def impedance_ohm(self) -> NDArray[np.complex128]:
        """Complex impedance Z = Re Z + j Im Z (ohm)."""
        return self.z_real_ohm + 1j * self.z_imag_ohm

    def __len__(self) -> int:
        return int(self.frequency_hz.size)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (lists of floats), for storing in the database."""
        return {
            "frequency_hz": self.frequency_hz.tolist(),
            "z_real_ohm": self.z_real_ohm.tolist(),
            "z_imag_ohm": self.z_imag_ohm.tolist(),
            "source": self.source,
            "columns": self.columns,
            "sha256": self.sha256,
            "temperature_k": self.temperature_k,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Spectrum:
        """Rebuild a spectrum from :meth:`to_dict` output.

        Raises:
            InvalidRecordError: A key is missing or the values are not a valid spectrum.
        """
        required = ("frequency_hz", "z_real_ohm", "z_imag_ohm")
        missing = [k for k in required if k not in d]
        if missing:
            raise InvalidRecordError(
                f"spectrum record lacks {', '.join(missing)}; expected the keys of "
                "Spectrum.to_dict()"
            )
        try:
            spectrum = cls(
                frequency_hz=d["frequency_hz"],
                z_real_ohm=d["z_real_ohm"],
                z_imag_ohm=d["z_imag_ohm"],
                source=str(d.get("source", "")),
                columns=str(d.get("columns", "")),
                sha256=str(d.get("sha256", "")),
                temperature_k=None if d.get("temperature_k") is None else float(d["temperature_k"]),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InvalidRecordError):
                raise
            raise InvalidRecordError(f"spectrum record has non-numeric values: {exc}") from exc
        _check_values(spectrum.source or "spectrum record", spectrum)
        return spectrum


def _check_values(name: str, spectrum: Spectrum) -> None:
    f, re_z, im_z = spectrum.frequency_hz, spectrum.z_real_ohm, spectrum.z_imag_ohm
    for label, values in (("frequency", f), ("Re Z", re_z), ("Im Z", im_z)):
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidRecordError(
                f"{name}: {label} of data point {i + 1} is {values[i]}; remove that row"
            )
    if f.size < MIN_POINTS:
        raise InvalidRecordError(
            f"{name}: only {f.size} data points, need at least {MIN_POINTS} to fit a circuit"
        )
    if (f <= 0).any():
        i = int(np.flatnonzero(f <= 0)[0])
        raise InvalidRecordError(
            f"{name}: frequency of data point {i + 1} is {f[i]} Hz; frequencies must be positive"
        )


# --- plain text files ------------------------------------------------------------------------

_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
# Header scale prefixes, case-sensitive on purpose (mHz vs MHz).
_OHM_SCALE = (("kohm", 1e3), ("kΩ", 1e3), ("Mohm", 1e6), ("MΩ", 1e6), ("mohm", 1e-3), ("mΩ", 1e-3))
_HZ_SCALE = (("kHz", 1e3), ("MHz", 1e6), ("mHz", 1e-3))


def _classify(header: str) -> str | None:
    """Return "f", "neg_im", "im", "re" or None for one column header."""
    h = header.strip().lower().replace(" ", "").replace("_", "").replace('"', "''")
    h = h.replace("′′", "''").replace("″", "''").replace("′", "'")
    if not h:
        return None
    if h.startswith(("freq", "f/", "f(", "f[")) or h in ("f", "hz", "frequency"):
        return "f"
    if h.startswith("|z|") or h.startswith(("phase", "mod", "phi", "theta", "time", "cycle")):
        return None
    if h.startswith(("-im", "-z''", "-zim", "-zimag", "-z2", "minusim", "negim", "-x")):
        return "neg_im"
    if h.startswith(("im", "z''", "zim", "zimag", "z2", "x(", "x/", "imag")) or h == "x":
        return "im"
    if h.startswith(("re", "z'", "zre", "zreal", "z1", "r(", "r/", "real")) or h == "r":
        return "re"
    return None


def _scale(header: str, table: tuple[tuple[str, float], ...]) -> float:
    text = re.sub("ohm", "ohm", header.replace(" ", ""), flags=re.IGNORECASE)
    for token, factor in table:
        if token in text:
            return factor
    return 1.0


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    parts = [p.strip() for p in line.split(delimiter)]
    while parts and parts[-1] == "":
        parts.pop()  # a trailing delimiter is common in spreadsheet exports
    return parts


def _is_numeric_row(fields: list[str]) -> bool:
    return bool(fields) and all(
        _NUMBER.match(x) or x.lower() in ("nan", "inf", "-inf") for x in fields
    )


def _delimiter_of(line: str) -> str | None:
    for delimiter in ("\t", ";", ","):
        if delimiter in line:
            return delimiter
    return None


def _read_plain(name: str, text: str) -> tuple[NDArray[np.float64], NDArray[np.complex128], str]:
    lines = text.splitlines()
    first_data = None
    delimiter: str | None = None
    decimal_comma = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        delimiter = _delimiter_of(stripped)
        fields = _split(stripped, delimiter)
        decimal_comma = delimiter in (";", "\t") and any("," in x for x in fields)
        if decimal_comma:
            fields = [x.replace(",", ".") for x in fields]
        if _is_numeric_row(fields):
            first_data = i
            break
    if first_data is None:
        raise InvalidRecordError(f"{name}: no rows of numbers found; is the file empty?")

    # The header is the nearest line above the data whose names we recognise (a commented
    # header like "# freq,Re(Z),Im(Z)" counts); otherwise the file is headerless.
    roles: dict[str, int] = {}
    header_fields: list[str] = []
    for line in reversed(lines[:first_data]):
        candidate = line.strip().lstrip("#").strip()
        if not candidate:
            continue
        fields = _split(candidate, _delimiter_of(candidate) if delimiter is None else delimiter)
        found: dict[str, int] = {}
        for j, field in enumerate(fields):
            role = _classify(field)
            if (
                role is not None
                and role not in found
                and not (role in ("im", "neg_im") and ("im" in found or "neg_im" in found))
            ):
                found[role] = j
        if "f" in found or len(found) >= 2:
            roles, header_fields = found, fields
            break

    rows: list[list[float]] = []
    width = None
    for i in range(first_data, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = _split(stripped, delimiter)
        if decimal_comma:
            fields = [x.replace(",", ".") for x in fields]
        if not _is_numeric_row(fields):
            raise InvalidRecordError(
                f"{name}: line {i + 1} is not a row of numbers: {stripped[:60]!r}"
            )
        if width is None:
            width = len(fields)
        elif len(fields) != width:
            raise InvalidRecordError(
                f"{name}: line {i + 1} has {len(fields)} values but the rows above have {width}; "
                "the file looks truncated or ragged"
            )
        rows.append([float(x) for x in fields])
    data = np.array(rows, dtype=float)

    if header_fields:
        missing = [
            label
            for label, ok in (
                ("frequency", "f" in roles),
                ("Re Z", "re" in roles),
                ("Im Z or -Im Z", "im" in roles or "neg_im" in roles),
            )
            if not ok
        ]
        if missing:
            raise InvalidRecordError(
                f"{name}: no {' and no '.join(missing)} column among {header_fields}; "
                "name the columns e.g. freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm"
            )
        im_key = "im" if "im" in roles else "neg_im"
        needed = max(roles["f"], roles["re"], roles[im_key])
        if data.shape[1] <= needed:
            raise InvalidRecordError(
                f"{name}: the header names {len(header_fields)} columns but rows have "
                f"{data.shape[1]} values"
            )
        f_head, re_head, im_head = (header_fields[roles[k]] for k in ("f", "re", im_key))
        f = data[:, roles["f"]] * _scale(f_head, _HZ_SCALE)
        re_z = data[:, roles["re"]] * _scale(re_head, _OHM_SCALE)
        im_z = data[:, roles[im_key]] * _scale(im_head, _OHM_SCALE)
        description = f"{f_head}, {re_head}, {im_head}"
        if im_key == "neg_im":
            im_z = -im_z
            description += " (sign flipped)"
    else:
        if data.shape[1] != 3:
            raise InvalidRecordError(
                f"{name}: no header and {data.shape[1]} columns; a headerless file must have "
                "exactly 3 columns (frequency, Re Z, Im Z) or a header naming them"
            )
        f, re_z, im_z = data[:, 0], data[:, 1], data[:, 2]
        description = "no header: columns 1-3 read as frequency/Hz, Re Z/ohm, Im Z/ohm"
    return f, re_z + 1j * im_z, description


def _read_instrument(path: Path, fmt: str) -> tuple[NDArray[np.float64], NDArray[np.complex128]]:
    try:
        from impedance import preprocessing
    except ImportError as exc:
        raise MissingDependencyError(
            f"reading {fmt} files needs impedance.py; {_EIS_HINT}"
        ) from exc
    try:
        f, z = preprocessing.readFile(str(path), instrument=INSTRUMENT_FORMATS[fmt])
    except (AssertionError, ValueError, IndexError, KeyError, UnboundLocalError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidRecordError(
            f"{path.name}: not a readable {fmt} file ({detail}); check the export settings "
            "or pass fmt='csv' for a plain table"
        ) from exc
    return np.asarray(f, dtype=float), np.asarray(z, dtype=complex)


def read_spectrum(path: str | Path, *, fmt: str | None = None) -> Spectrum:
    """Read an impedance spectrum from a file.

    Plain CSV/TSV/TXT tables need a header naming frequency, Re Z and Im Z or -Im Z (BioLogic,
    Gamry, ZView and spreadsheet spellings are recognised, as are kOhm/kHz scales), or exactly
    three headerless columns frequency, Re Z, Im Z. Instrument files are read with impedance.py,
    chosen by ``fmt`` or by extension (.mpt BioLogic, .DTA Gamry, .z ZPlot, .par VersaStudio).

    If the imaginary part comes out positive (inductive) for most points, the column was almost
    certainly -Im Z under another name: the sign is flipped and ``columns`` says so.

    Args:
        path: The file.
        fmt: ``"csv"``/``"tsv"``/``"txt"`` for plain tables, or one of
            :data:`INSTRUMENT_FORMATS`; ``None`` decides by extension.

    Returns:
        The spectrum, with the file name, a description of the detected columns, and the
        SHA-256 of the file bytes.

    Raises:
        InvalidRecordError: The file is missing, empty, truncated or ragged, lacks a column,
            has NaN/inf values, fewer than 10 points, or non-positive frequencies.
        MissingDependencyError: An instrument format was asked for without impedance.py.
    """
    path = Path(path)
    name = path.name
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        if fmt not in _PLAIN_FORMATS and fmt not in INSTRUMENT_FORMATS:
            options = ", ".join([*_PLAIN_FORMATS, *INSTRUMENT_FORMATS])
            raise InvalidRecordError(f"{name}: unknown format fmt={fmt!r}; use one of {options}")
    else:
        fmt = _EXTENSION_FORMATS.get(path.suffix.lower(), "csv")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidRecordError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if not raw.strip():
        raise InvalidRecordError(f"{name}: the file is empty")
    digest = hashlib.sha256(raw).hexdigest()

    temperature_k: float | None = None
    if fmt in INSTRUMENT_FORMATS:
        f, z = _read_instrument(path, fmt)
        description = f"{fmt} file read by impedance.py: frequency/Hz, Re Z/Ohm, Im Z/Ohm"
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        f, z, description = _read_plain(name, text)
        temperature_k = _table_temperature(name, text)
        if temperature_k is not None:
            description += f"; temperature column: {temperature_k - 273.15:.1f} °C"

    finite = np.isfinite(z.imag)
    if finite.any() and np.mean(z.imag[finite] > 0) > 0.5:
        z = z.conj()
        description += "; Im Z mostly positive, read as -Im Z (sign flipped)"
    spectrum = Spectrum(
        frequency_hz=f,
        z_real_ohm=z.real,
        z_imag_ohm=z.imag,
        source=name,
        columns=description,
        sha256=digest,
        temperature_k=temperature_k,
    )
    _check_values(name, spectrum)
    return spectrum


_TEMPERATURE_HEADER = re.compile(
    r"^(?P<name>temp(?:erature)?|t)\s*(?:[/(\[]\s*(?P<unit>°?\s*c|deg\s*c|k)\s*[)\]]?)?$",
    re.IGNORECASE,
)


def _table_temperature(name: str, text: str) -> float | None:
    r"""The temperature (K) in a column named like "T/°C", "Temperature (K)" or "temp", if any.

    A bare "T" counts only with a unit (it may be time); a temperature column without a unit is
    read in °C.

    >>> _table_temperature("x.csv", "freq,re,im,T/°C\n1e6,1,-1,60\n1e5,2,-2,60.2\n")
    333.25
    """
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    for index, line in enumerate(lines):
        fields = _split(line, _delimiter_of(line))
        if _is_numeric_row(fields):
            return None  # reached the data without a header naming a temperature
        for column, field in enumerate(fields):
            match = _TEMPERATURE_HEADER.match(field.strip().strip('"'))
            if match is None or (match["name"].lower() == "t" and not match["unit"]):
                continue
            kelvin = (match["unit"] or "c").replace("°", "").replace(" ", "").lower() == "k"
            values = []
            for row in lines[index + 1 :]:
                cells = _split(row, _delimiter_of(row))
                if column < len(cells) and _NUMBER.match(cells[column].replace(",", ".")):
                    values.append(float(cells[column].replace(",", ".")))
            if not values:
                return None
            spread = max(values) - min(values)
            if spread > 2.0:
                raise InvalidRecordError(
                    f"{name}: the temperature column {field!r} varies by {spread:.1f} K; "
                    "give one spectrum per temperature"
                )
            median = float(np.median(values))
            return median if kelvin else median + 273.15
    return None


def temperature_from_filename(name: str) -> float | None:
    """Temperature (K) written in a file name, or ``None`` if there is none (or two differ).

    Recognises a number followed by C, °C, degC or K, standing apart from other digits and
    letters: ``S12_60C.csv``, ``run-333K.mpt``, ``x_25degC``, ``pellet 40.5 °C.txt``.

    >>> temperature_from_filename("run-333K.mpt")
    333.0
    >>> temperature_from_filename("x_25degC") is None, temperature_from_filename("S12.csv") is None
    (False, True)
    """
    stem = Path(name).name
    pattern = re.compile(
        r"(?<![\w.])(\d+(?:\.\d+)?)\s*(°\s*C|deg\s*C|degC|C|c|K)(?![A-Za-z0-9])", re.UNICODE
    )
    found = set()
    for match in pattern.finditer(stem.replace("_", " ")):
        value = float(match.group(1))
        unit = match.group(2).replace(" ", "")
        kelvin = value if unit == "K" else value + 273.15
        found.add(round(kelvin, 6))
    if len(found) != 1:
        return None
    return found.pop()


# --- synthetic spectra -----------------------------------------------------------------------


def _rc_cpe(r: float, q: float, alpha: float, omega: NDArray[np.float64]) -> NDArray[np.complex128]:
    return np.asarray(r / (1.0 + r * q * (1j * omega) ** alpha), dtype=np.complex128)


def synthetic_spectrum(
    resistance_ohm: float,
    *,
    r0_ohm: float | None = None,
    cpe_q: float = 1e-7,
    cpe_alpha: float = 0.9,
    electrode_q: float = 2e-5,
    electrode_alpha: float = 0.85,
    frequency_hz: ArrayLike | None = None,
    noise_rel: float = 0.01,
    random_state: int | None = 0,
) -> Spectrum:
    """A simulated spectrum of the default circuit ``R0-p(R1,CPE1)-CPE2`` (not a measurement).

    The defaults place the arc of a 30–110 ohm pellet (this system at 30–60 °C) inside the
    1 MHz–1 Hz window of the paper; the electrode CPE is a µF-scale blocking interface.

    Args:
        resistance_ohm: Total ionic resistance R0 + R1 (ohm): what :func:`fit_spectrum` returns.
        r0_ohm: High-frequency series resistance (ohm); ``None`` gives 10 % of the total.
        cpe_q: Q of the arc's CPE (S·s^alpha).
        cpe_alpha: Exponent of the arc's CPE (1 = ideal capacitor).
        electrode_q: Q of the electrode CPE (S·s^alpha).
        electrode_alpha: Exponent of the electrode CPE.
        frequency_hz: Frequencies (Hz); default 61 points, 10 per decade, 1 MHz down to 1 Hz.
        noise_rel: Gaussian noise on Re and Im, each with std ``noise_rel * |Z|``.
        random_state: Seed for the noise; ``None`` for a fresh seed.

    Returns:
        A spectrum with ``source="synthetic"`` and the true parameters in ``columns``.

    Raises:
        InvalidRecordError: Non-positive resistance, or r0_ohm not below the total.

    >>> s = synthetic_spectrum(100.0, noise_rel=0.0)
    >>> len(s), round(float(s.z_real_ohm[0]), 1)
    (61, 11.8)
    """
    if not (math.isfinite(resistance_ohm) and resistance_ohm > 0):
        raise InvalidRecordError(f"resistance_ohm must be positive, got {resistance_ohm!r}")
    r0 = 0.1 * resistance_ohm if r0_ohm is None else float(r0_ohm)
    if not 0 <= r0 < resistance_ohm:
        raise InvalidRecordError(
            f"r0_ohm={r0_ohm!r} must be >= 0 and below resistance_ohm={resistance_ohm!r}"
        )
    r1 = resistance_ohm - r0
    f = np.logspace(6, 0, 61) if frequency_hz is None else np.asarray(frequency_hz, dtype=float)
    omega = 2 * np.pi * f
    z = (
        r0
        + _rc_cpe(r1, cpe_q, cpe_alpha, omega)
        + 1.0 / (electrode_q * (1j * omega) ** electrode_alpha)
    )
    if noise_rel > 0:
        rng = np.random.default_rng(random_state)
        scale = noise_rel * np.abs(z)
        z = z + scale * rng.normal(size=f.size) + 1j * scale * rng.normal(size=f.size)
    truth = (
        f"simulated R0={r0:.4g} ohm, R1={r1:.4g} ohm, CPE1=({cpe_q:.3g}, {cpe_alpha:.3g}), "
        f"CPE2=({electrode_q:.3g}, {electrode_alpha:.3g}), noise {noise_rel:.3g}"
    )
    return Spectrum(f, z.real, z.imag, source="synthetic", columns=truth, sha256="")


# --- circuit fitting -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpectrumFit:
    """An equivalent-circuit fit of one spectrum.

    Attributes:
        circuit: The circuit in impedance.py notation, e.g. ``"R0-p(R1,CPE1)-CPE2"``.
        resistance_ohm: Electrolyte resistance: the sum of all resistors in the circuit (ohm);
            for the default circuit R0 + R1, the total ionic resistance.
        resistance_std_ohm: Standard error of ``resistance_ohm`` from the parameter
            covariance (ohm).
        resistance_ci95_ohm: 95 % confidence interval of ``resistance_ohm`` (ohm), Student t.
        parameters: Fitted parameters by impedance.py name (``R0``, ``CPE1_0``, ``CPE1_1``...);
            units ohm for R, S·s^alpha for CPE _0, dimensionless for CPE _1, F for C.
        parameter_std: Standard errors of the parameters, same keys.
        relative_rmse: rms over points of |Z_fit − Z| / |Z|.
    """

    circuit: str
    resistance_ohm: float
    resistance_std_ohm: float
    resistance_ci95_ohm: tuple[float, float]
    parameters: dict[str, float]
    parameter_std: dict[str, float]
    relative_rmse: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return {
            "circuit": self.circuit,
            "resistance_ohm": self.resistance_ohm,
            "resistance_std_ohm": self.resistance_std_ohm,
            "resistance_ci95_ohm": list(self.resistance_ci95_ohm),
            "parameters": dict(self.parameters),
            "parameter_std": dict(self.parameter_std),
            "relative_rmse": self.relative_rmse,
        }

    def impedance_at(self, frequency_hz: ArrayLike) -> NDArray[np.complex128]:
        """Fitted complex impedance (ohm) at ``frequency_hz`` (Hz), e.g. for plots."""
        circuits = _import_impedance("evaluating a fitted circuit")
        model = circuits.CustomCircuit(self.circuit, initial_guess=list(self.parameters.values()))
        model.parameters_ = np.array(list(self.parameters.values()))
        f = np.atleast_1d(np.asarray(frequency_hz, dtype=float))
        return np.asarray(model.predict(f), dtype=complex)


def _top_level(circuit: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in circuit:
        depth += char == "("
        depth -= char == ")"
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _element_type(name: str) -> str:
    return "".join(c for c in name if not (c.isdigit() or c == "_"))


def _structure(circuit: str) -> tuple[int, list[str], str | None] | None:
    """Parse ``R-p(R,X)-...-[Y]``: (number of leading R, arc capacitor types, spur type)."""
    parts = _top_level(circuit, "-")
    leading = 0
    while leading < len(parts) and _element_type(parts[leading]) == "R":
        leading += 1
    if leading != 1:
        return None
    arcs: list[str] = []
    rest = parts[1:]
    spur = None
    if rest and _element_type(rest[-1]) in ("CPE", "C"):
        spur = _element_type(rest[-1])
        rest = rest[:-1]
    for part in rest:
        if not (part.startswith("p(") and part.endswith(")")):
            return None
        inner = _top_level(part[2:-1], ",")
        kinds = [_element_type(x) for x in inner]
        if len(inner) != 2 or kinds[0] != "R" or kinds[1] not in ("CPE", "C"):
            return None
        arcs.append(kinds[1])
    if not arcs and spur is None:
        return None
    return leading, arcs, spur


def _arc_features(f: NDArray[np.float64], z: NDArray[np.complex128]) -> tuple[int, int] | None:
    """Indices (in descending-frequency order) of the arc apex and of the arc/spur junction.

    An arc is a stretch where -Im Z rises to a maximum that clearly exceeds the noise
    (at least 5 % of |Z| there) and then falls by at least 10 % of that maximum and by 3 % of
    |Z|, three times the typical noise.
    """
    s = -z.imag
    modulus = np.abs(z)
    best, apex = 0.0, -1
    for i in range(s.size - 1):
        if s[i] < 0.05 * modulus[i]:
            continue
        drop = s[i] - float(np.min(s[i + 1 :]))
        if drop >= max(0.1 * s[i], 0.03 * modulus[i]) and drop > best:
            best, apex = drop, i
    if apex < 0:
        return None
    junction = apex + int(np.argmin(s[apex:]))
    return apex, junction


def _auto_guess(
    circuit: str, f: NDArray[np.float64], z: NDArray[np.complex128], apex: int, junction: int
) -> list[float]:
    structure = _structure(circuit)
    if structure is None:
        raise InvalidRecordError(
            f"no automatic initial guess for circuit {circuit!r}; pass initial_guess=[...] with "
            f"one value per parameter, or use {DEFAULT_CIRCUIT!r} or 'R0-p(R1,CPE1)'"
        )
    _, arcs, spur = structure
    re_z, s = z.real, -z.imag
    if not arcs:
        junction = int(np.argmin(re_z[: max(3, re_z.size // 4)]))
    r_total = float(re_z[junction])
    r_arc = float(np.clip(2.0 * (re_z[junction] - re_z[apex]), 0.05 * r_total, 0.98 * r_total))
    r_arc = max(r_arc, float(re_z[junction] - re_z[0]))
    r_arc = min(r_arc, 0.98 * r_total)
    guess = [max(r_total - r_arc, 0.01 * r_total) if arcs else r_total]
    omega_apex = 2 * np.pi * float(f[apex])
    # Several arcs share the arc resistance, their time constants a decade apart around the apex.
    for k, kind in enumerate(arcs):
        r_k = r_arc / len(arcs)
        omega_k = omega_apex * 10.0 ** ((len(arcs) - 1) / 2 - k)
        if kind == "CPE":
            alpha = 0.9
            guess += [r_k, 1.0 / (r_k * omega_k**alpha), alpha]
        else:
            guess += [r_k, 1.0 / (r_k * omega_k)]
    if spur is not None:
        tail = slice(junction, None) if s.size - junction >= 3 else slice(-3, None)
        omega_tail = 2 * np.pi * f[tail]
        s_tail = np.clip(s[tail], 1e-12, None)
        slope = np.polyfit(np.log(omega_tail), np.log(s_tail), 1)[0]
        alpha = float(np.clip(-slope, 0.5, 1.0))
        omega_last, s_last = float(omega_tail[-1]), float(s_tail[-1])
        if spur == "CPE":
            guess += [math.sin(alpha * math.pi / 2) / (omega_last**alpha * s_last), alpha]
        else:
            guess += [1.0 / (omega_last * s_last)]
    return guess


def _polish_in_log_space(
    circuits: Any,
    circuit: str,
    names: list[str],
    f: NDArray[np.float64],
    z: NDArray[np.complex128],
    start: ArrayLike,
    guess: list[float],
) -> NDArray[np.float64]:
    """Finish the fit in log-parameters, starting from impedance.py's result.

    ``CustomCircuit.fit`` optimises the raw parameters, which span some 14 orders of magnitude
    (Q ~ 1e-8, R ~ 1e2); scipy's trust-region solver then stops short of the minimum (we saw
    R off by 1 % with the cost still falling). In log-parameters all directions scale alike and
    a few iterations reach the minimum of the same |Z|-weighted cost.
    """
    from scipy.optimize import least_squares

    model = circuits.fitting.wrapCircuit(circuit, {})
    weight = np.hstack([np.abs(z), np.abs(z)])
    data = np.hstack([z.real, z.imag])
    p0 = np.asarray(start, dtype=float)
    # A parameter at impedance.py's lower bound 0 has no logarithm: restart it from its guess.
    p0 = np.where(p0 > 0, p0, np.asarray(guess, dtype=float))
    upper = np.array(
        [0.0 if _is_exponent(n) else np.inf for n in names]
    )  # CPE exponents alpha <= 1

    def residual(log_p: NDArray[np.float64]) -> NDArray[np.float64]:
        return (np.asarray(model(f, *np.exp(log_p))) - data) / weight

    start_log = np.minimum(np.log(p0), upper)
    result = least_squares(
        residual,
        start_log,
        bounds=(np.full(p0.size, -np.inf), upper),
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
        max_nfev=200 * p0.size,
    )
    return np.exp(np.asarray(result.x, dtype=float))


def _is_exponent(param: str) -> bool:
    return param.endswith("_1") and _element_type(param.split("_")[0]) in ("CPE", "La")


def _covariance(
    circuits: Any,
    name: str,
    circuit: str,
    f: NDArray[np.float64],
    z: NDArray[np.complex128],
    p: NDArray[np.float64],
) -> tuple[NDArray[np.float64], float, int]:
    """Covariance of the parameters of a |Z|-weighted least-squares fit, from the Jacobian.

    impedance.py returns only the diagonal (one std per parameter); the resistance sum needs the
    off-diagonal terms, so the covariance is rebuilt here: s² (JᵀJ)⁻¹ with J the Jacobian of
    the weighted residuals (central differences in relative steps) and s² the residual variance.
    """
    model = circuits.fitting.wrapCircuit(circuit, {})
    weight = np.hstack([np.abs(z), np.abs(z)])
    data = np.hstack([z.real, z.imag])

    def residual(params: NDArray[np.float64]) -> NDArray[np.float64]:
        return (np.asarray(model(f, *params)) - data) / weight

    r = residual(p)
    jac = np.empty((r.size, p.size))
    for k in range(p.size):
        step = 1e-6 * max(abs(p[k]), 1e-300)
        up, down = p.copy(), p.copy()
        up[k] += step
        down[k] -= step
        jac[:, k] = (residual(up) - residual(down)) / (2 * step)
    dof = r.size - p.size
    s2 = float(r @ r) / dof
    # Scale columns to relative changes so parameters from 1e-10 to 1e4 condition alike.
    scaled = jac * p
    normal = scaled.T @ scaled
    if not np.all(np.isfinite(normal)) or np.linalg.cond(normal) > 1e14:
        raise FitError(
            f"{name}: the parameters of {circuit} cannot all be determined from this spectrum; "
            "use a simpler circuit or a wider frequency range"
        )
    cov = np.linalg.inv(normal) * s2 * np.outer(p, p)
    return cov, s2, dof


def fit_spectrum(
    spectrum: Spectrum,
    circuit: str = DEFAULT_CIRCUIT,
    *,
    initial_guess: list[float] | None = None,
) -> SpectrumFit:
    """Fit an equivalent circuit to a spectrum and return the electrolyte resistance.

    Complex nonlinear least squares with impedance.py's ``CustomCircuit``, each point weighted
    by 1/|Z| (proportional noise). Without ``initial_guess`` the start values come from the data:
    the high-frequency intercept, the arc diameter, the apex frequency of the arc, and the slope
    and height of the low-frequency spur; this works for circuits of the form
    ``R0-p(R1,CPE1)[-p(R2,CPE2)...][-CPE]`` (C instead of CPE also works).

    Args:
        spectrum: The spectrum.
        circuit: Circuit in impedance.py notation; default :data:`DEFAULT_CIRCUIT`.
        initial_guess: Start values in impedance.py's parameter order, e.g. for the default
            circuit ``[R0, R1, Q1, alpha1, Q2, alpha2]``.

    Returns:
        The fit; ``resistance_ohm`` is the sum of all resistors (see the module docstring).

    Raises:
        FitError: No capacitive arc in the spectrum, the fit did not converge, or it gave a
            meaningless result (a resistance at zero, a confidence interval wider than the
            resistance, a relative misfit above 10 %).
        InvalidRecordError: The circuit is malformed or the initial guess has the wrong length.
        MissingDependencyError: impedance.py is not installed.
    """
    circuits = _import_impedance("fitting an equivalent circuit")
    from scipy import stats

    circuit = circuit.replace(" ", "")
    name = spectrum.source or "spectrum"
    order = np.argsort(-spectrum.frequency_hz, kind="stable")
    f = spectrum.frequency_hz[order]
    z = spectrum.impedance_ohm[order]
    _check_values(name, Spectrum(f, z.real, z.imag, name, "", ""))

    try:
        n_params = circuits.fitting.calculateCircuitLength(circuit)
        probe = circuits.CustomCircuit(circuit, initial_guess=[1.0] * n_params)
        names, _ = probe.get_param_names()
    except (ValueError, TypeError, IndexError, AssertionError, SyntaxError) as exc:
        raise InvalidRecordError(
            f"circuit {circuit!r} is not valid impedance.py notation: {exc}"
        ) from exc
    if len(names) != n_params:
        raise InvalidRecordError(f"circuit {circuit!r}: element names must be unique")

    if np.max(-z.imag) < 0.05 * np.max(np.abs(z)):
        raise FitError(
            f"{name}: no capacitive arc (-Im Z never exceeds 5 % of |Z|); the spectrum looks like "
            "a plain resistor or a short circuit, check the cell contacts"
        )
    if initial_guess is None:
        if _structure(circuit) is None:
            raise InvalidRecordError(
                f"no automatic initial guess for circuit {circuit!r}; pass initial_guess=[...] "
                f"with one value per parameter ({', '.join(names)}), or use "
                f"{DEFAULT_CIRCUIT!r} or 'R0-p(R1,CPE1)'"
            )
        structure = _structure(circuit)
        if structure is not None and not structure[1]:
            # No arc in the circuit (e.g. R0-CPE1): R is the high-frequency intercept.
            features: tuple[int, int] | None = (0, 0)
        else:
            features = _arc_features(f, z)
        if features is None:
            raise FitError(
                f"{name}: no semicircle found (-Im Z never rises and falls again), so R cannot "
                "be read from this spectrum; if the arc lies above the frequency range, fit "
                "'R0-CPE1' to take R from the high-frequency intercept"
            )
        guess = _auto_guess(circuit, f, z, *features)
    else:
        guess = [float(x) for x in initial_guess]
        if len(guess) != n_params:
            raise InvalidRecordError(
                f"initial_guess has {len(guess)} values but {circuit} has {n_params} "
                f"parameters ({', '.join(names)})"
            )
        for param, value in zip(names, guess, strict=True):
            is_alpha = _is_exponent(param)
            if not (math.isfinite(value) and value > 0) or (is_alpha and value > 1):
                limit = "in (0, 1]" if is_alpha else "positive"
                raise InvalidRecordError(f"initial_guess: {param} = {value!r} must be {limit}")

    model = circuits.CustomCircuit(circuit, initial_guess=guess)
    try:
        with warnings.catch_warnings():
            # scipy warns when the covariance cannot be estimated; we rebuild it below.
            warnings.simplefilter("ignore")
            model.fit(f, z, weight_by_modulus=True)
        p = _polish_in_log_space(circuits, circuit, names, f, z, model.parameters_, guess)
    except (RuntimeError, ValueError, np.linalg.LinAlgError) as exc:
        raise FitError(f"{name}: the {circuit} fit did not converge ({exc})") from exc
    if not np.all(np.isfinite(p)):
        raise FitError(f"{name}: the {circuit} fit gave non-finite parameters")
    model.parameters_ = p

    z_fit = np.asarray(model.predict(f), dtype=complex)
    relative_rmse = float(np.sqrt(np.mean(np.abs(z_fit - z) ** 2 / np.abs(z) ** 2)))
    if relative_rmse > _MAX_RELATIVE_RMSE:
        raise FitError(
            f"{name}: {circuit} does not describe the spectrum (rms misfit {relative_rmse:.0%} "
            "of |Z|); try another circuit or check the data"
        )
    is_r = np.array([_element_type(n.split("_")[0]) == "R" for n in names])
    if (p[is_r] <= 1e-9 * np.max(np.abs(z))).any():
        bad = [
            n for n, v, r in zip(names, p, is_r, strict=True) if r and v <= 1e-9 * np.max(np.abs(z))
        ]
        raise FitError(
            f"{name}: the fit pushed {', '.join(bad)} to zero; the circuit has more arcs than "
            "the spectrum shows"
        )
    cov, _, dof = _covariance(circuits, name, circuit, f, z, p)
    std = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    resistance = float(np.sum(p[is_r]))
    resistance_std = float(np.sqrt(max(float(is_r @ cov @ is_r), 0.0)))
    half_width = float(stats.t.ppf(0.975, dof)) * resistance_std
    if not math.isfinite(resistance_std) or half_width >= resistance:
        raise FitError(
            f"{name}: R = {resistance:.4g} ohm is undetermined (95 % interval ± {half_width:.3g} "
            "ohm); the arc is not resolved in this frequency range"
        )
    return SpectrumFit(
        circuit=circuit,
        resistance_ohm=resistance,
        resistance_std_ohm=resistance_std,
        resistance_ci95_ohm=(resistance - half_width, resistance + half_width),
        parameters={n: float(v) for n, v in zip(names, p, strict=True)},
        parameter_std={n: float(v) for n, v in zip(names, std, strict=True)},
        relative_rmse=relative_rmse,
    )
