"""Spectrum files as a new user's instrument or spreadsheet exports them: read right or refused.

``tests/data/eis_reference.csv`` holds 12 points of a simulated spectrum; every other
``tests/data/eis_*`` file holds the same spectrum in another layout (separators, decimal commas,
encodings, units, sign conventions, order) or a fault. Each file is either read to the
reference's numbers or refused with one line naming the file and what is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matdoe.eis import fit_spectrum, read_spectrum
from matdoe.errors import InvalidRecordError

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "eis" / "demo-35A200_30C.csv"


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Columns frequency (Hz), Re Z, Im Z (ohm), read without matdoe."""
    return np.loadtxt(DATA / "eis_reference.csv", delimiter=",", skiprows=3)


def _rows(spectrum: Any) -> np.ndarray:
    return np.column_stack([spectrum.frequency_hz, spectrum.z_real_ohm, spectrum.z_imag_ohm])


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("eis_reference.csv", "freq/Hz, Re(Z)/Ohm, Im(Z)/Ohm"),
        ("eis_semicolon_decimal_comma.csv", "-Z'' (Ohm) (sign flipped)"),
        ("eis_tab_crlf_bom.txt", "Freq (Hz), Zreal (Ohm), Zimag (Ohm)"),
        ("eis_utf16.txt", "Freq (Hz), Zreal (Ohm), Zimag (Ohm)"),
        ("eis_impedance_real_imag.csv", "Frequency, Real, Imag"),
        ("eis_mhz_mohm.csv", "f/MHz, Re(Z)/mOhm, Im(Z)/mOhm"),
        ("eis_KHz_KOhm.csv", "Freq [KHz], Z' [KOhm], Z'' [KOhm]"),
        ("eis_gohm.csv", "Re(Z)/GOhm"),
        ("eis_units_row_kohm.csv", "Frequency [Hz], Z' [kOhm], Z'' [kOhm]"),
        ("eis_nova_units_row.txt", "NOVA export: Frequency (Hz) [Hz], Z' (Ω) [Ω], -Z'' (Ω) [Ω]"),
        ("eis_thousands_comma_point_decimal.txt", "Freq (Hz), Zreal (Ohm), Zimag (Ohm)"),
        ("eis_zplot_decimal_comma.z", "Freq(Hz), Z'(a), Z''(b)"),
        ("eis_gamry_text_in_unused_columns.DTA", "Freq, Zreal, Zimag"),
        ("eis_micro_ohm.csv", "Z' (µΩ)"),
        ("eis_spaced_prefix.csv", "Frequency (k Hz), Z' (k Ohm)"),
        ("eis_glued_units.csv", "FreqHz, ZreOhm, ZimOhm"),  # the m of Zim is no milli
        ("eis_units_row_spaced_kohm.csv", "Z' [k Ohm]"),
    ],
)
def test_layouts_are_read_to_the_same_numbers(name, columns, reference):
    spectrum = read_spectrum(DATA / name)
    np.testing.assert_allclose(_rows(spectrum), reference, rtol=1e-6)
    assert columns in spectrum.columns


def test_a_units_row_is_used_dropped_and_reported():
    spectrum = read_spectrum(DATA / "eis_units_row_kohm.csv")
    assert spectrum.notes == ("line 3 read as the columns' units (Hz, kOhm, kOhm), not as data",)


def test_a_nova_export_s_units_row_is_a_note_not_part_of_the_columns():
    spectrum = read_spectrum(DATA / "eis_nova_units_row.txt")
    assert spectrum.fmt == "autolab"
    assert spectrum.notes == (
        "line 2 read as the columns' units (-, Hz, Ω, Ω, Ω, °, s), not as data",
    )
    assert "units" not in spectrum.columns and "line 2" not in spectrum.columns


def test_thousands_commas_proven_by_a_decimal_point_are_read_and_said():
    spectrum = read_spectrum(DATA / "eis_thousands_comma_point_decimal.txt")
    assert spectrum.notes == (
        "commas read as thousands separators (line 3 has '44.7174', a decimal point)",
    )


def test_ascending_frequencies_and_minus_z2_give_the_same_fit(reference):
    ascending = read_spectrum(DATA / "eis_ascending.csv")
    np.testing.assert_allclose(_rows(ascending), reference[::-1], rtol=1e-6)
    semicolon = read_spectrum(DATA / "eis_semicolon_decimal_comma.csv")
    expected = fit_spectrum(read_spectrum(DATA / "eis_reference.csv")).resistance_ohm
    for spectrum in (ascending, semicolon):
        assert fit_spectrum(spectrum).resistance_ohm == pytest.approx(expected, rel=1e-6)


def test_nan_and_inf_rows_are_dropped_and_reported(reference):
    spectrum = read_spectrum(DATA / "eis_nan_inf.csv")
    np.testing.assert_allclose(_rows(spectrum), reference, rtol=1e-6)
    assert spectrum.notes == (
        "dropped 3 rows: 3 with a missing or non-finite value (data row 13, 14, 15)",
    )


def test_a_frequency_measured_twice_in_a_row_keeps_both_points_and_says_so(reference):
    spectrum = read_spectrum(DATA / "eis_repeated_point.csv")
    assert len(spectrum) == 13
    np.testing.assert_array_equal(spectrum.frequency_hz[5:7], [533.67, 533.67])
    assert spectrum.notes == ("533.67 Hz measured twice (data rows 6 and 7): both points kept",)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "eis_bad_first_row.csv",
            r"line 3 is not a row of numbers: column 3 \(Im\(Z\)/Ohm\) is 'abc'",
        ),
        ("eis_trailing_empty_cell.csv", r"line 7, column 3 \(Im\(Z\)/Ohm\) is empty; fill it in"),
        (
            "eis_thousands_point_decimal_comma.csv",
            r"line 2, column 1 .* '100\.000': a decimal point in a file written with decimal commas",
        ),
        ("eis_modulus_phase.csv", "no Re Z and no Im Z or -Im Z column"),
        ("eis_ohm_cm2.csv", r"\"Z'/Ohm cm2\" is an area-specific impedance \(ohm·cm²\)"),
        ("eis_rad_per_s.csv", r"'freq \(rad/s\)' is an angular frequency"),
        ("eis_admittance.csv", "no Re Z and no Im Z or -Im Z column"),
        (
            "eis_two_sweeps.csv",
            r"turn back at data row 14 \(2\.84804 Hz after 1 Hz\): two sweeps in one file",
        ),
        ("eis_empty.csv", "the file is empty"),
        ("eis_header_only.csv", "no rows of numbers found"),
        ("eis_gamry_empty_zimag.DTA", r"line 13, column 6 \(Zimag\) is empty; fill it in"),
        (
            "eis_zplot_dashes_in_zreal.z",
            r"line 15, column 5 \(Z'\(a\)\) is '------', not a number; correct or delete the row",
        ),
        ("eis_biologic_empty_freq.mpt", r"line 15, column 1 \(freq/Hz\) is empty; fill it in"),
        (
            "eis_thousands_comma_tab.txt",
            r"line 12, column 3 \(Zimag \(Ohm\)\) is '-1,717': a decimal comma \(-1\.717\) or a "
            r"thousands separator \(-1717\)\? nothing in the file tells; export the numbers "
            "without thousands separators",
        ),
        (
            "eis_units_row_contradicts_header.csv",
            r"line 3, column 2 \(Z' \(Ohm\)\): the units row says 'kOhm' but the header says "
            "'Ohm'; correct one of them",
        ),
        ("eis_units_row_ohm_cm2.csv", r"\"Z' \[Ohm-cm2\]\" is an area-specific impedance"),
    ],
)
def test_faulty_files_are_refused_in_one_line(name, message):
    with pytest.raises(InvalidRecordError, match=message) as info:
        read_spectrum(DATA / name)
    text = str(info.value)
    assert text.startswith(f"{name}: ") and "\n" not in text


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _body(sep: str = ",", comma: bool = False) -> list[str]:
    lines = (DATA / "eis_reference.csv").read_text(encoding="utf-8").splitlines()[3:]
    cells = [line.split(",") for line in lines]
    if comma:
        cells = [[c.replace(".", ",") for c in row] for row in cells]
    return [sep.join(row) for row in cells]


def test_a_headerless_file_with_a_bad_first_row_is_refused(tmp_path):
    path = _write(tmp_path, "\n".join(["200000,41.5,abc", *_body()]))
    with pytest.raises(InvalidRecordError, match=r"line 1 is not a row of numbers: column 3 is"):
        read_spectrum(path)


def test_decimal_commas_are_found_below_a_first_row_of_whole_numbers(tmp_path, reference):
    path = _write(tmp_path, "\n".join(["f/Hz;Z'/Ohm;Z''/Ohm", "200000;42;-50", *_body(";", True)]))
    spectrum = read_spectrum(path)
    np.testing.assert_allclose(_rows(spectrum)[1:], reference, rtol=1e-6)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["freq,Re(Z),Im(Z)", "200000,42,", *_body()], r"line 2, column 3 \(Im\(Z\)\) is empty"),
        (["freq,Re(Z),Im(Z)", *_body(), "1000,,-5"], r"line 14, column 2 \(Re\(Z\)\) is empty"),
        (["freq,Re(Z),Im(Z)", *_body(), "1000,5"], "line 14 has 2 values but other rows have 3"),
        (["freq,Re(Z),Im(Z)", *_body(), "1000,5,-1,3"], "line 14 has 4 values but other rows"),
        (
            ["freq,Re(Z),Im(Z)", "Hz,Ohm,Ohm", "kHz,Ohm,Ohm", *_body()],
            r"line 3 is not a row of numbers: column 1 \(freq\) is 'kHz'",
        ),
        (
            ["freq,Z',Z''", "Hz,deg,Ohm", *_body()],
            r"line 2, column 2 \(Z'\) is 'deg' in the units row, not a unit of impedance",
        ),
        (
            ["f (kHz),Z' (Ohm),Z'' (Ohm)", "Hz,Ohm,Ohm", *_body()],
            r"line 2, column 1 \(f \(kHz\)\): the units row says 'Hz' but the header says 'kHz'",
        ),
    ],
)
def test_empty_cells_and_ragged_rows_name_the_line(tmp_path, lines, message):
    with pytest.raises(InvalidRecordError, match=message):
        read_spectrum(_write(tmp_path, "\n".join(lines)))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["freq\tRe(Z)\tIm(Z)"] + ["10,000\t5,123\t-2,000"] * 12,
            r"line 2, column 1 \(freq\) is '10,000': a decimal comma \(10\.000\) or a thousands "
            r"separator \(10000\)\? nothing in the file tells",
        ),
        (
            ["freq;Re(Z);Im(Z)", *_body(";")[:4], "1519.91;205,8;-30.9223", *_body(";")[5:]],
            r"line 2, column 2 \(Re\(Z\)\) is '44\.7174', a decimal point, but line 6, column 2 "
            r"\(Re\(Z\)\) is '205,8', a decimal comma; export the numbers with one decimal separator",
        ),
    ],
)
def test_a_comma_that_nothing_decides_or_two_decimal_signs_are_refused(tmp_path, lines, message):
    with pytest.raises(InvalidRecordError, match=message) as info:
        read_spectrum(_write(tmp_path, "\n".join(lines)))
    assert "\n" not in str(info.value)


def test_a_comma_is_decided_by_the_other_numbers_in_the_file(tmp_path):
    lines = (DATA / "eis_thousands_comma_tab.txt").read_text(encoding="utf-8").splitlines()
    # a number with two thousands commas proves that commas group thousands
    spectrum = read_spectrum(
        _write(tmp_path, "\n".join([*lines[:2], "1,000,000\t30\t-40", *lines[2:]]))
    )
    assert spectrum.frequency_hz[0] == 1e6
    np.testing.assert_array_equal(spectrum.z_real_ohm[-2:], [1248, 2615])
    assert spectrum.notes == (
        "commas read as thousands separators (line 3 has '1,000,000', more than one comma)",
    )
    # a comma followed by other than three digits proves a decimal comma
    lines[-1] = "1\t2,6147\t-10,151"
    spectrum = read_spectrum(_write(tmp_path, "\n".join(lines)))
    np.testing.assert_array_equal(spectrum.z_real_ohm[-2:], [1.248, 2.6147])
    np.testing.assert_array_equal(spectrum.z_imag_ohm[-3:], [-1.717, -4.173, -10.151])
    assert spectrum.notes == ()


def test_a_trailing_delimiter_on_every_line_is_not_an_empty_cell(tmp_path, reference):
    path = _write(tmp_path, "\n".join(f"{line}," for line in ["freq,Re(Z),Im(Z)", *_body()]))
    np.testing.assert_allclose(_rows(read_spectrum(path)), reference, rtol=1e-6)


@pytest.fixture
def sample(make_sample: Any) -> str:
    return make_sample("EIS-1", vol=35.0)


def _eis(cli: Any, path: Path) -> Any:
    args = ("--thickness", "320um", "--area", "0.785cm2", "--temperature", "30C")
    return cli("measure", "eis", "EIS-1", str(path), *args)


def test_a_bad_first_row_through_the_command_stores_nothing(cli, sample, dump):
    before = dump()
    result = _eis(cli, DATA / "eis_bad_first_row.csv")
    assert result.exit_code == 1
    assert "eis_bad_first_row.csv: line 3 is not a row of numbers" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump() == before


def test_a_units_row_is_printed_by_the_command(cli, sample, tmp_path):
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "Hz,Ohm,Ohm")
    path = tmp_path / "units_30C.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _eis(cli, path)
    assert result.exit_code == 0, result.output
    assert "line 4 read as the columns' units (Hz, Ohm, Ohm), not as data" in result.stdout
    stored = json.loads(cli("measure", "list", "EIS-1", "--format", "json").stdout)
    assert len(stored) == 1
