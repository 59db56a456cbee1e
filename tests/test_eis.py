"""Tests for matdoe.eis: reading spectra, circuit fits, synthetic spectra, file-name temperatures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matdoe.eis import (
    DEFAULT_CIRCUIT,
    Spectrum,
    fit_spectrum,
    read_spectrum,
    synthetic_spectrum,
    temperature_from_filename,
)
from matdoe.errors import FitError, InvalidRecordError, MissingDependencyError

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples" / "eis"


def write_table(path: Path, header: str | None, rows, fmt="{:.8g}", sep=",") -> Path:
    lines = [] if header is None else [header]
    lines += [sep.join(fmt.format(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def clean() -> Spectrum:
    return synthetic_spectrum(100.0, noise_rel=0.0)


# --- fitting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("resistance", [30.0, 100.0, 1000.0])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_resistance_is_recovered_with_1_percent_noise(resistance, seed):
    spectrum = synthetic_spectrum(resistance, noise_rel=0.01, random_state=seed)
    fit = fit_spectrum(spectrum)
    assert fit.circuit == DEFAULT_CIRCUIT
    assert fit.resistance_ohm == pytest.approx(resistance, rel=0.02)
    low, high = fit.resistance_ci95_ohm
    assert low < resistance < high
    assert fit.parameters["R0"] + fit.parameters["R1"] == pytest.approx(fit.resistance_ohm)
    assert 0.005 < fit.relative_rmse < 0.03  # 1 % on each of Re and Im -> about 1.4 %


def test_interval_coverage_and_width_are_honest():
    truth = 60.0
    inside, errors, stds = 0, [], []
    seeds = range(100, 130)
    for seed in seeds:
        fit = fit_spectrum(synthetic_spectrum(truth, random_state=seed))
        low, high = fit.resistance_ci95_ohm
        inside += low <= truth <= high
        errors.append(fit.resistance_ohm - truth)
        stds.append(fit.resistance_std_ohm)
    assert 0.8 <= inside / len(seeds) <= 1.0
    # the stated std matches the actual scatter of the estimates (not inflated to pass)
    assert np.mean(stds) == pytest.approx(np.std(errors), rel=0.35)


def test_noise_free_spectrum_gives_exact_parameters(clean):
    fit = fit_spectrum(clean)
    assert fit.resistance_ohm == pytest.approx(100.0, rel=1e-6)
    assert fit.parameters["R0"] == pytest.approx(10.0, rel=1e-4)
    assert fit.parameters["CPE1_1"] == pytest.approx(0.9, rel=1e-4)
    assert fit.parameters["CPE2_1"] == pytest.approx(0.85, rel=1e-4)
    z = fit.impedance_at(clean.frequency_hz)
    np.testing.assert_allclose(z, clean.impedance_ohm, rtol=1e-5)


def test_arc_without_spur_fits_the_simple_circuit():
    # A huge electrode Q makes the electrode impedance negligible: only the arc remains.
    spectrum = synthetic_spectrum(500.0, electrode_q=1e6, random_state=3)
    fit = fit_spectrum(spectrum, "R0-p(R1,CPE1)")
    assert fit.resistance_ohm == pytest.approx(500.0, rel=0.02)
    assert set(fit.parameters) == {"R0", "R1", "CPE1_0", "CPE1_1"}


def two_arc_spectrum(seed: int) -> tuple[Spectrum, list[float]]:
    from impedance.models.circuits import CustomCircuit

    truth = [10.0, 60.0, 2e-8, 0.95, 200.0, 5e-7, 0.85, 2e-5, 0.8]
    circuit = CustomCircuit("R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", initial_guess=truth)
    circuit.parameters_ = np.array(truth)
    f = np.logspace(6, 0, 61)
    z = circuit.predict(f)
    rng = np.random.default_rng(seed)
    z = z + 0.01 * np.abs(z) * (rng.normal(size=f.size) + 1j * rng.normal(size=f.size))
    return Spectrum(f, z.real, z.imag, "synthetic", "two arcs", ""), truth


def test_two_arc_circuit_with_initial_guess():
    spectrum, truth = two_arc_spectrum(0)
    alphas = {3, 6, 8}
    guess = [v if i in alphas else v * 1.5 for i, v in enumerate(truth)]
    fit = fit_spectrum(spectrum, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", initial_guess=guess)
    assert fit.resistance_ohm == pytest.approx(270.0, rel=0.02)
    low, high = fit.resistance_ci95_ohm
    assert low < 270.0 < high
    assert fit.parameters["R2"] == pytest.approx(200.0, rel=0.05)


def test_initial_guess_length_and_unknown_circuits_are_explained(clean):
    with pytest.raises(InvalidRecordError, match="initial_guess has 2 values"):
        fit_spectrum(clean, initial_guess=[1.0, 2.0])
    with pytest.raises(InvalidRecordError, match=r"CPE1_1 = 1\.2"):
        fit_spectrum(clean, initial_guess=[10.0, 90.0, 1e-7, 1.2, 2e-5, 0.85])
    with pytest.raises(InvalidRecordError, match="no automatic initial guess"):
        fit_spectrum(clean, "p(R1,CPE1)-R0")
    with pytest.raises(InvalidRecordError, match=r"not valid impedance\.py notation"):
        fit_spectrum(clean, "R0-p(Q1,CPE1)")


def test_flat_line_without_semicircle_is_a_fit_error():
    f = np.logspace(6, 0, 40)
    rng = np.random.default_rng(0)
    z = 50.0 * (1 + 0.01 * rng.normal(size=f.size)) + 0.5j * rng.normal(size=f.size)
    flat = Spectrum(f, z.real, z.imag, "flat.csv", "", "")
    with pytest.raises(FitError, match=r"flat\.csv: no capacitive arc"):
        fit_spectrum(flat)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spur_only_spectrum_needs_the_intercept_circuit(seed):
    # Arc far above 1 MHz: only the electrode spur is in the window.
    spur = synthetic_spectrum(50.0, cpe_q=1e-13, random_state=seed)
    with pytest.raises(FitError, match=r"no semicircle.*'R0-CPE1'"):
        fit_spectrum(spur)
    fit = fit_spectrum(spur, "R0-CPE1")
    assert fit.resistance_ohm == pytest.approx(50.0, rel=0.02)


def test_wrong_circuit_gives_a_fit_error_not_a_number(clean):
    # A pure R-C circuit cannot describe a spectrum with a spur.
    with pytest.raises(FitError):
        fit_spectrum(clean, "R0-p(R1,C1)")


def test_fit_to_dict_is_json_able(clean):
    d = json.loads(json.dumps(fit_spectrum(clean).to_dict()))
    assert d["circuit"] == DEFAULT_CIRCUIT
    assert len(d["resistance_ci95_ohm"]) == 2
    assert set(d["parameters"]) == set(d["parameter_std"])


# --- synthetic and Spectrum ------------------------------------------------------------------


def test_synthetic_spectrum_is_labelled_and_reproducible():
    a = synthetic_spectrum(80.0, random_state=5)
    b = synthetic_spectrum(80.0, random_state=5)
    c = synthetic_spectrum(80.0, random_state=6)
    assert a.source == "synthetic" and a.sha256 == ""
    assert "simulated" in a.columns
    np.testing.assert_array_equal(a.z_real_ohm, b.z_real_ohm)
    assert not np.array_equal(a.z_real_ohm, c.z_real_ohm)
    # capacitive: Im Z negative at every frequency of a noise-free spectrum
    assert (synthetic_spectrum(80.0, noise_rel=0.0).z_imag_ohm < 0).all()
    with pytest.raises(InvalidRecordError, match="r0_ohm"):
        synthetic_spectrum(80.0, r0_ohm=90.0)


def test_spectrum_round_trips_through_json(clean):
    back = Spectrum.from_dict(json.loads(json.dumps(clean.to_dict())))
    np.testing.assert_array_equal(back.frequency_hz, clean.frequency_hz)
    np.testing.assert_array_equal(back.z_imag_ohm, clean.z_imag_ohm)
    assert (back.source, back.columns, back.sha256) == (clean.source, clean.columns, clean.sha256)
    with pytest.raises(InvalidRecordError, match="z_imag_ohm"):
        Spectrum.from_dict({"frequency_hz": [1.0], "z_real_ohm": [1.0]})
    with pytest.raises(ValueError):
        clean.z_real_ohm[0] = 5.0  # arrays are read-only: a Spectrum is a value


# --- reading files ---------------------------------------------------------------------------


def test_example_csv_files_read_and_fit():
    files = sorted(EXAMPLES.glob("*.csv"))
    assert len(files) == 4
    for path in files:
        spectrum = read_spectrum(path)
        assert spectrum.source == path.name
        assert "-Im(Z)/Ohm (sign flipped)" in spectrum.columns
        assert len(spectrum) == 61
        assert spectrum.z_imag_ohm[:10].max() < 0  # arc region is capacitive after the flip
        assert len(spectrum.sha256) == 64
        assert temperature_from_filename(path.name) in (303.15, 313.15, 323.15, 333.15)
    sixty = fit_spectrum(read_spectrum(EXAMPLES / "demo-35A200_60C.csv"))
    # simulated with R = L / (sigma A) = 0.032 / (1.4e-3 * 0.785) = 29.1 ohm
    assert sixty.resistance_ohm == pytest.approx(29.12, rel=0.02)


def test_example_biologic_mpt_reads_like_the_instrument_format():
    path = EXAMPLES / "demo-35A200_50C_cooling.mpt"
    spectrum = read_spectrum(path)
    assert "biologic" in spectrum.columns
    explicit = read_spectrum(path, fmt="biologic")
    np.testing.assert_array_equal(spectrum.z_imag_ohm, explicit.z_imag_ohm)
    assert spectrum.frequency_hz[0] == pytest.approx(1e6)
    assert spectrum.z_imag_ohm[0] < 0  # the file stores -Im(Z) > 0
    assert temperature_from_filename(path.name) == pytest.approx(323.15)
    fit = fit_spectrum(spectrum)
    assert fit.resistance_ohm == pytest.approx(43.9, rel=0.02)


def test_instrument_formats_need_impedance(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "impedance", None)
    monkeypatch.setitem(sys.modules, "impedance.models.circuits", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'matdoe\[eis\]'"):
        read_spectrum(EXAMPLES / "demo-35A200_50C_cooling.mpt")
    with pytest.raises(MissingDependencyError, match="matdoe"):
        fit_spectrum(synthetic_spectrum(50.0))
    # plain files do not need it
    assert len(read_spectrum(EXAMPLES / "demo-35A200_30C.csv")) == 61


@pytest.fixture
def reference() -> Spectrum:
    return synthetic_spectrum(200.0, random_state=2, frequency_hz=np.logspace(5, 0, 16))


def rows_of(spectrum: Spectrum, imag_sign: float = 1.0, scale: float = 1.0):
    return [
        (f, re_z / scale, imag_sign * im_z / scale)
        for f, re_z, im_z in zip(
            spectrum.frequency_hz, spectrum.z_real_ohm, spectrum.z_imag_ohm, strict=True
        )
    ]


@pytest.mark.parametrize(
    ("header", "sign", "sep", "scale"),
    [
        ("freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm", -1.0, ",", 1.0),
        ("Frequency (Hz),Z' (Ohm),Z'' (Ohm)", 1.0, ",", 1.0),
        ("Frequency (Hz),Z' (Ohm),-Z'' (Ohm)", -1.0, ",", 1.0),
        ("Freq\tZreal\tZimag", 1.0, "\t", 1.0),
        ("f / Hz;Re Z / kOhm;Im Z / kOhm", 1.0, ";", 1e3),
        ("# freq,Re(Z),Im(Z)", 1.0, ",", 1.0),  # impedance.py's saveCSV writes this
        (None, 1.0, ",", 1.0),
        (None, 1.0, " ", 1.0),
    ],
)
def test_plain_tables_in_many_spellings(tmp_path, reference, header, sign, sep, scale):
    path = write_table(tmp_path / "s.txt", header, rows_of(reference, sign, scale), sep=sep)
    spectrum = read_spectrum(path)
    np.testing.assert_allclose(spectrum.frequency_hz, reference.frequency_hz, rtol=1e-7)
    np.testing.assert_allclose(spectrum.z_real_ohm, reference.z_real_ohm, rtol=1e-7)
    np.testing.assert_allclose(spectrum.z_imag_ohm, reference.z_imag_ohm, rtol=1e-7, atol=1e-9)
    assert ("sign flipped" in spectrum.columns) == (sign < 0)


def test_decimal_comma_and_extra_columns(tmp_path, reference):
    lines = ["Freq/Hz;|Z|/Ohm;Re(Z)/Ohm;-Im(Z)/Ohm;Phase/deg"]
    for f, re_z, im_z in rows_of(reference):
        cells = [f, abs(complex(re_z, im_z)), re_z, -im_z, 0.0]
        lines.append(";".join(f"{v:.8g}".replace(".", ",") for v in cells))
    path = tmp_path / "comma.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    spectrum = read_spectrum(path)
    np.testing.assert_allclose(spectrum.z_imag_ohm, reference.z_imag_ohm, rtol=1e-7)


def test_mislabelled_positive_imaginary_column_is_flipped_and_said(tmp_path, reference):
    path = write_table(tmp_path / "m.csv", "freq,Re(Z),Im(Z)", rows_of(reference, -1.0))
    spectrum = read_spectrum(path)
    np.testing.assert_allclose(spectrum.z_imag_ohm, reference.z_imag_ohm, rtol=1e-7)
    assert "mostly positive" in spectrum.columns


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("   \n\n", "is empty"),
        ("freq,Re(Z),Im(Z)\n", "no rows of numbers"),
        ("Re(Z),Im(Z),Phase\n" + "1,2,3\n" * 12, "no frequency column"),
        ("freq,Re(Z),Phase\n" + "1,2,3\n" * 12, "no Im Z or -Im Z column"),
        ("freq,Re(Z),Im(Z)\n" + "1,2,-3\n" * 12 + "1,2\n", "line 14 has 2 values"),
        ("freq,Re(Z),Im(Z)\n" + "1,2,-3\n" * 12 + "1,2,-3.5e\n", "line 14 is not a row"),
        ("freq,Re(Z),Im(Z)\n" + "1,2,-3\n" * 5 + "1,nan,-3\n" * 6, "Re Z of data point 6 is nan"),
        ("freq,Re(Z),Im(Z)\n" + "1,2,-3\n" * 5, "only 5 data points"),
        ("freq,Re(Z),Im(Z)\n" + "1,2,-3\n" * 11 + "-1,2,-3\n", "frequency of data point 12"),
        ("1,2,-3,4\n" * 12, "exactly 3 columns"),
    ],
)
def test_bad_files_give_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidRecordError, match=message) as info:
        read_spectrum(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("bad.csv")
    assert str(tmp_path) not in text  # the file name, not the full path


def test_broken_instrument_file_and_unknown_format(tmp_path):
    path = tmp_path / "broken.mpt"
    path.write_text("EC-Lab ASCII FILE\nNb header lines : 3\n\nfreq/Hz\tRe(Z)/Ohm\n1\t2\n")
    with pytest.raises(InvalidRecordError, match=r"broken\.mpt: not a readable biologic file"):
        read_spectrum(path)
    with pytest.raises(InvalidRecordError, match="unknown format"):
        read_spectrum(path, fmt="nova")
    with pytest.raises(InvalidRecordError, match="cannot read"):
        read_spectrum(tmp_path / "missing.csv")


# --- temperatures from file names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("S12_60C.csv", 333.15),
        ("run-333K.mpt", 333.0),
        ("x_25degC", 298.15),
        ("pellet 40.5 °C.txt", 313.65),
        ("demo-35A200_50C_cooling.mpt", 323.15),
        ("data/S1_30c.csv", 303.15),
        ("S12.csv", None),
        ("S35A200_4h.csv", None),
        ("A200C_10kHz.csv", None),
        ("S1_25C_then_60C.csv", None),  # two different temperatures: ambiguous
    ],
)
def test_temperature_from_filename(name, expected):
    result = temperature_from_filename(name)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@given(
    celsius=st.integers(0, 400),
    prefix=st.sampled_from(["S12", "demo-35A200", "run 3", "x"]),
    spelling=st.sampled_from(["C", "degC", "°C", " C"]),
    suffix=st.sampled_from([".csv", ".mpt", "_heating.txt", ""]),
)
def test_celsius_in_any_file_name_is_found(celsius, prefix, spelling, suffix):
    name = f"{prefix}_{celsius}{spelling}{suffix}"
    assert temperature_from_filename(name) == pytest.approx(celsius + 273.15)


@given(
    st.lists(
        st.tuples(
            st.floats(1e-3, 1e7),
            st.floats(-1e6, 1e6, allow_subnormal=False),
            st.floats(-1e6, 1e6, allow_subnormal=False),
        ),
        min_size=10,
        max_size=40,
    )
)
def test_spectrum_dict_round_trip_is_exact(rows):
    f, re_z, im_z = (np.array(col) for col in zip(*rows, strict=True))
    spectrum = Spectrum(f, re_z, im_z, "p.csv", "freq, Re, Im", "ab" * 32)
    back = Spectrum.from_dict(json.loads(json.dumps(spectrum.to_dict())))
    for name in ("frequency_hz", "z_real_ohm", "z_imag_ohm"):
        np.testing.assert_array_equal(getattr(back, name), getattr(spectrum, name))
