"""Sample labels are unique regardless of case (and of look-alike characters).

``S1`` and ``s1`` side by side are nearly always one batch recorded twice by a typo: creating
one (add, import, edit renaming) next to the other is refused, naming the existing label, and a
lookup of a label that is not there but differs from one only in case says "did you mean",
never picks it. Every test runs on SQLite and on PostgreSQL (whose ``lower()`` follows the
database's locale, SQLite's folds only ASCII: the comparison is made in Python on both).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_trust import refused

RECIPE = ["--host", "Na2B12H12", "--silica", "A200", "--vol", "35", "--milling", "4h"]
ROW = {"host": "Na2B12H12", "scaffold": "SiO2-A200", "scaffold_vol_pct": 35, "milling_h": "4 h"}


def _labels(dump: Any) -> list[str]:
    return sorted(s["label"] for s in dump()["sample"])


# --------------------------------------------------------------------------- creating
@pytest.mark.parametrize(
    ("label", "how"),
    [
        ("s-1", "only in case"),
        ("\uff33-1", "look-alike"),  # a full-width S
        ("S\u20131", "look-alike"),  # an en dash, as a word processor writes it
        ("S\u22121", "look-alike"),  # a minus sign
    ],
)
def test_sample_add_refuses_a_label_that_differs_only_in_case(
    lab: Any, dump: Any, label: str, how: str
) -> None:
    before = dump()
    line = refused(lab("sample", "add", "--label", label, *RECIPE))
    assert "'S-1'" in line and how in line
    assert dump() == before


def test_sample_edit_refuses_renaming_to_another_sample_s_label_in_other_case(
    lab: Any, dump: Any
) -> None:
    assert lab("sample", "add", "--label", "S-2", *RECIPE).exit_code == 0
    before = dump()
    refused(lab("sample", "edit", "S-2", "--set", "label=s-1"), "'S-1'", "only in case")
    assert dump() == before


def test_a_sample_may_change_the_case_of_its_own_label(lab: Any, dump: Any) -> None:
    result = lab("sample", "edit", "S-1", "--set", "label=s-1", "--reason", "house style")
    assert result.exit_code == 0, result.output
    assert _labels(dump) == ["s-1"]
    assert lab("sample", "show", "s-1").exit_code == 0


def test_sample_import_refuses_a_label_in_other_case_of_an_existing_one(
    lab: Any, dump: Any, tmp_path: Path
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "label,host,scaffold,scaffold_vol_pct,milling_h\n"
        "NEW-1,Na2B12H12,SiO2-A200,35,4\n"
        "s-1,Na2B12H12,SiO2-A200,35,4\n"
    )
    before = dump()
    refused(lab("sample", "import", str(path)), "'s-1'", "'S-1'", "nothing was imported")
    assert dump() == before


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_sample_import_refuses_two_labels_of_one_file_that_differ_only_in_case(
    cli: Any, materials: Any, dump: Any, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"rows{suffix}"
    if suffix == ".csv":
        path.write_text(
            "label,host,scaffold,scaffold_vol_pct,milling_h\n"
            "B-7,Na2B12H12,SiO2-A200,35,4\n"
            "b-7,Na2B12H12,SiO2-A200,35,4\n"
        )
    else:
        path.write_text(json.dumps([{**ROW, "label": "B-7"}, {**ROW, "label": "b-7"}]))
    before = dump()
    refused(cli("sample", "import", str(path)), "'b-7'", "'B-7'", "only in case")
    assert dump() == before


def test_the_python_api_refuses_a_label_in_other_case(
    session_factory: Any, make_sample: Any, dump: Any
) -> None:
    from matdoe.db.store import add_sample, add_samples
    from matdoe.errors import DuplicateError
    from matdoe.records import SampleRecord

    make_sample("S-1")
    before = dump()
    record = SampleRecord.model_validate({**ROW, "label": "s-1"})
    for add in (lambda s: add_sample(s, record), lambda s: add_samples(s, [record])):
        with pytest.raises(DuplicateError, match="'S-1'"), session_factory.begin() as session:
            add(session)
    assert dump() == before


# --------------------------------------------------------------------------- looking up
@pytest.mark.parametrize(
    "args",
    [
        ["sample", "show", "s-1"],
        ["sample", "edit", "s-1", "--set", "notes=x"],
        ["measure", "add", "s-1", "-t", "30C", "--sigma", "1mS/cm"],
        ["measure", "list", "s-1"],
        ["analyze", "arrhenius", "s-1"],
    ],
)
def test_a_label_in_other_case_is_not_taken_but_suggested(
    lab: Any, dump: Any, args: list[str]
) -> None:
    before = dump()
    refused(lab(*args), "unknown sample 's-1'", "did you mean 'S-1'?")
    assert dump() == before


def test_an_unknown_label_without_a_near_one_says_how_to_list_them(lab: Any) -> None:
    line = refused(lab("sample", "show", "Q-9"), "unknown sample 'Q-9'", "sample list")
    assert "did you mean" not in line


def test_labels_stored_before_the_rule_are_each_found_by_their_exact_label(
    lab: Any, session_factory: Any
) -> None:
    """A database that holds S-1 and s-1 from before: each is found as typed, unchanged."""
    from sqlalchemy import update

    from matdoe.db.models import Sample

    assert lab("sample", "add", "--label", "T-1", *RECIPE).exit_code == 0
    with session_factory.begin() as session:
        session.execute(update(Sample).where(Sample.label == "T-1").values(label="s-1"))
    for label in ("S-1", "s-1"):
        shown = lab("sample", "show", label)
        assert shown.exit_code == 0, shown.output
        assert f"Sample {label}\n" in shown.stdout
    assert lab("measure", "add", "s-1", "-t", "30C", "--sigma", "1mS/cm").exit_code == 0
    refused(lab("sample", "show", "S-1".replace("-", "\u2013")), "did you mean 'S-1' or 's-1'?")


def test_the_same_label_in_another_unicode_composition_is_the_same_label(
    cli: Any, materials: Any, dump: Any
) -> None:
    """An accented letter typed as one character or as letter + accent is the same text."""
    composed, decomposed = "R\u00e9f-1", "Re\u0301f-1"
    assert cli("sample", "add", "--label", composed, *RECIPE).exit_code == 0
    shown = cli("sample", "show", decomposed)
    assert shown.exit_code == 0, shown.output
    refused(cli("sample", "add", "--label", decomposed, *RECIPE), repr(composed))
    assert _labels(dump) == [composed]


def test_a_label_that_is_no_text_is_one_line_not_a_traceback(lab: Any) -> None:
    """Bytes of another encoding reach Python as lone surrogates, which no driver can send."""
    refused(lab("sample", "show", "S\udcff"), "not UTF-8 text")
    refused(lab("material", "show", "S\udcff"), "not UTF-8 text")
    refused(lab("campaign", "show", "S\udcff"), "not UTF-8 text")
    refused(lab("suggestion", "list", "--campaign", "S\udcff"), "not UTF-8 text")


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",  # a zero-width space, pasted from a chat: "S-1" + it looks like S-1
        "\u00ad",  # a soft hyphen
        "\ufeff",  # a byte-order mark pasted from a file
        "\u200d",  # a zero-width joiner
    ],
)
def test_a_label_with_an_invisible_character_is_refused(
    lab: Any, dump: Any, invisible: str
) -> None:
    before = dump()
    line = refused(lab("sample", "add", "--label", f"S-1{invisible}", *RECIPE))
    assert f"U+{ord(invisible):04X}" in line and "position 4" in line
    assert dump() == before


def test_a_label_stored_with_an_invisible_character_still_loads_and_can_be_renamed(
    lab: Any, dump: Any, db_url: str
) -> None:
    """A database written before the rule keeps working: shown, and mended by a rename."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE sample SET label = :new"), {"new": "S-1\u200b"})
    engine.dispose()
    shown = lab("sample", "show", "S-1\u200b")
    assert shown.exit_code == 0, shown.output
    renamed = lab("sample", "edit", "S-1\u200b", "--set", "label=S-1", "--reason", "mend")
    assert renamed.exit_code == 0, renamed.output
    assert _labels(dump) == ["S-1"]
