"""Record files: reading samples and materials from CSV, JSON and YAML, and refusing bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from matdoe.errors import InvalidRecordError
from matdoe.tables import (
    MEASUREMENT_FIELDS,
    SAMPLE_FIELDS,
    iter_csv_rows,
    read_csv_rows,
    read_materials,
    read_samples,
    write_csv,
)

DATA = Path(__file__).with_name("data")


def test_csv_rows_of_one_sample_become_one_sample_with_its_measurements() -> None:
    records = read_samples(DATA / "samples_good.csv")
    assert [r.label for r in records] == ["T-35-A200-4h", "T-20-A200-2h"]
    first, second = records
    assert first.scaffold_vol_pct == 35.0
    assert first.milling_h == 4.0
    assert first.pellet is not None
    assert first.pellet.thickness_cm == pytest.approx(0.032)
    assert [m.temperature_k for m in first.measurements] == pytest.approx([303.15, 333.15, 363.15])
    assert [m.resistance_ohm for m in first.measurements] == pytest.approx([2500, 850, 120])
    assert second.milling_h == pytest.approx(1.5)
    assert second.pellet is None
    assert second.measurements[0].sigma_s_cm == pytest.approx(4e-4)


def test_json_and_yaml_files_hold_nested_samples() -> None:
    json_records = read_samples(DATA / "samples_good.json")
    assert [len(r.measurements) for r in json_records] == [2, 0]
    assert json_records[1].extra == {"jar": "new", "cycles": 3}
    yaml_records = read_samples(DATA / "samples_good.yaml")
    assert yaml_records[0].scaffold_vol_pct == 40.0
    assert yaml_records[0].milling_h == 4.0
    assert yaml_records[0].measurements[1].kind == "lsv"
    assert yaml_records[1].label == "Y-Ünïcode-β"


def test_semicolon_separated_csv_is_read() -> None:
    (record,) = read_samples(DATA / "samples_semicolon.csv")
    assert record.scaffold_vol_pct == 25.0
    assert record.measurements[0].temperature_k == pytest.approx(333.15)


def test_materials_file_is_read_with_units() -> None:
    records = read_materials(DATA / "materials_good.yaml")
    assert [m.name for m in records] == ["SiO2-A300", "SiO2-SBA15"]
    assert records[0].density_g_cm3 == 2.2
    assert records[1].bet_m2_g == 804.4


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("samples_row3_bad.csv", ["row 4", "scaffold_vol_pct", "'120'"]),
        ("samples_row3_bad_unit.csv", ["row 4", "temperature_k", "'60 mS'"]),
        ("samples_wrong_columns.csv", ["unknown column 'name'"]),
        ("samples_ragged.csv", ["line 3", "truncated or ragged"]),
        ("samples_truncated.json", ["malformed JSON", "line 1"]),
        ("samples_malformed.yaml", ["malformed YAML", "line 4"]),
        ("samples_duplicate_label.json", ["'D-1' appears twice"]),
        ("samples_empty.csv", ["a header but no rows"]),
        ("samples_not_utf8.csv", ["not a UTF-8 text file"]),
        ("no_such_file.csv", ["no such file"]),
    ],
)
def test_bad_files_raise_one_line_naming_file_row_and_value(name: str, needles: list[str]) -> None:
    with pytest.raises(InvalidRecordError) as info:
        read_samples(DATA / name)
    message = str(info.value)
    assert name in message
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "samples.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InvalidRecordError, match=r"unknown file type '\.xlsx'"):
        read_samples(path)


def test_bad_material_names_its_row() -> None:
    with pytest.raises(InvalidRecordError, match=r"material 2.*Xq2O"):
        read_materials(DATA / "materials_bad_formula.csv")


def test_error_rows_are_file_lines_even_after_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "commented.csv"
    path.write_text(
        "# made by the glovebox PC\n# second comment\n"
        "label,host,scaffold,scaffold_vol_pct\n"
        "A,Na2B12H12,SiO2-A200,10\n\n"
        "B,Na2B12H12,SiO2-A200,120\n",
        "utf-8",
    )
    with pytest.raises(InvalidRecordError, match=r"commented\.csv row 6: .*'120'"):
        read_samples(path)
    rows = read_csv_rows(path)
    assert [getattr(r, "line", None) for r in rows] == [4, 6]


def test_rows_of_one_sample_must_repeat_the_same_recipe(tmp_path: Path) -> None:
    path = tmp_path / "conflict.csv"
    path.write_text(
        "label,host,scaffold,scaffold_vol_pct,temperature_k,sigma_s_cm\n"
        "A,Na2B12H12,SiO2-A200,10,30C,1e-4\n"
        "A,Na2B12H12,SiO2-A200,20,60C,2e-4\n",
        "utf-8",
    )
    with pytest.raises(InvalidRecordError, match=r"row 3: sample 'A' differs from row 2"):
        read_samples(path)


def test_written_csv_reads_back_as_the_same_records(tmp_path: Path) -> None:
    records = read_samples(DATA / "samples_good.csv") + read_samples(DATA / "samples_good.json")
    columns = SAMPLE_FIELDS + [c for c in MEASUREMENT_FIELDS if c not in SAMPLE_FIELDS]
    rows = []
    for record in records:
        sample = record.model_dump(mode="json", exclude={"pellet", "measurements"})
        if record.pellet is not None:
            for key, value in record.pellet.model_dump(mode="json").items():
                sample[f"pellet_{key}"] = value
        for measurement in record.measurements or [None]:
            row = dict(sample)
            if measurement is not None:
                row.update(
                    {
                        k: v
                        for k, v in measurement.model_dump(mode="json").items()
                        if k not in ("source", "citation")
                    }
                )
            rows.append(row)
    pellet_columns = ["pellet_thickness_cm", "pellet_area_cm2"]
    path = tmp_path / "written.csv"
    write_csv(path, rows, columns + pellet_columns)
    again = read_samples(path)
    assert again == records


HEAD = "label;host;scaffold;pellet_thickness_cm;pellet_area_cm2;temperature_c;resistance_ohm\n"


@pytest.mark.parametrize(
    ("row", "resistance", "note"),
    [
        ("T;Na2B12H12;SiO2-A200;0.032;0.785;30;2,500", 2500.0, "thousands separators"),
        ("T;Na2B12H12;SiO2-A200;0,032;0,785;30;2,500", 2.5, "decimal commas read"),
        ("T;Na2B12H12;SiO2-A200;0,032;0,785;30;1,4e3", 1400.0, "decimal commas read"),
    ],
)
def test_a_comma_before_three_digits_is_read_as_the_file_decides(
    tmp_path: Path, row: str, resistance: float, note: str
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(HEAD + row + "\n", encoding="utf-8")
    notes: list[str] = []
    (read,) = list(iter_csv_rows(path, notes=notes))
    assert float(read["resistance_ohm"]) == resistance
    assert len(notes) == 1 and note in notes[0]


@pytest.mark.parametrize(
    ("row", "needles"),
    [
        # nothing in the file says whether 2,500 is 2.5 or 2500 ohm
        ("T;Na2B12H12;SiO2-A200;32 um;1 cm2;30;2,500", ["line 2, column 7", "'2,500'"]),
        ("T;Na2B12H12;SiO2-A200;0,032;0.785;30;2500", ["'0,032' (a decimal comma)", "'0.785'"]),
    ],
)
def test_a_comma_the_file_does_not_decide_or_mixed_separators_are_refused(
    tmp_path: Path, row: str, needles: list[str]
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(HEAD + row + "\n", encoding="utf-8")
    with pytest.raises(InvalidRecordError) as caught:
        list(iter_csv_rows(path))
    for needle in needles:
        assert needle in str(caught.value)
