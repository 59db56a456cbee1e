"""The data API: ``matdoe.open()`` gives the same records as the CLI, as DataFrames."""

from __future__ import annotations

import json
from typing import Any

import pytest

import matdoe


def test_tables_have_units_in_their_names_and_match_the_cli(lab: Any) -> None:
    for celsius, ohm in ((30, 110.0), (45, 60.0), (60, 29.0)):
        assert lab("measure", "add", "S-1", "-t", f"{celsius}C", "-r", f"{ohm}ohm").exit_code == 0
    with matdoe.open(lab.url) as data:
        samples = data.samples()
        measurements = data.measurements(kind="eis")
        fits = data.fits()
        materials = data.materials()
        suggestions = data.suggestions()
    listed = json.loads(lab("measure", "list", "S-1", "--format", "json").stdout)
    assert measurements["id"].tolist() == [m["id"] for m in listed]
    assert measurements["sigma_s_cm"].tolist() == pytest.approx([m["sigma_s_cm"] for m in listed])
    assert measurements["temperature_c"].tolist() == pytest.approx([30.0, 45.0, 60.0])
    assert samples.loc[0, "pellet_thickness_cm"] == pytest.approx(0.032)
    assert samples.loc[0, "scaffold"] == "SiO2-A200"
    assert set(materials["name"]) == {"Na2B12H12", "SiO2-A200"}
    (fit,) = fits.itertuples()
    assert fit.form == "sigma" and fit.equation == "sigma = A·exp(-Ea/kT)"
    shown = json.loads(lab("analyze", "arrhenius", "S-1", "--format", "json").stdout)[0]
    assert fit.ea_ev == pytest.approx(shown["ea_ev"])
    assert len(suggestions) == 0


def test_open_refuses_a_file_that_is_not_a_matdoe_database(tmp_path: Any) -> None:
    from matdoe.errors import DatabaseError

    with pytest.raises(DatabaseError, match="not a matdoe database"):
        matdoe.open(f"sqlite:///{tmp_path / 'empty.db'}")


def test_open_reads_matdoe_db_like_the_cli(monkeypatch: pytest.MonkeyPatch, lab: Any) -> None:
    monkeypatch.setenv("MATDOE_DB", lab.url)
    with matdoe.open() as data:
        assert data.samples()["label"].tolist() == ["S-1"]
