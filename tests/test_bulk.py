"""The two-pass bulk import gives what one-by-one inserts give, reads its file as a stream, and
writes nothing when any row is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from matdoe.db.bulk import items_of, prepare_samples, write_samples
from matdoe.db.store import add_sample, add_samples
from matdoe.records import SampleRecord
from matdoe.tables import iter_samples

TIMESTAMPS = {"created_at", "updated_at", "changed_at", "computed_at"}


def _records() -> list[SampleRecord]:
    out = []
    for i in range(6):
        data: dict[str, Any] = {
            "label": f"B-{i}",
            "host": "Na2B12H12",
            "scaffold": "A200" if i % 3 else None,
            "scaffold_vol_pct": 5.0 * i if i % 3 else 0.0,
            "batch_mg": 500,
            "milling_h": 1 + i,
            "made_on": dt.date(2026, 3, 1 + i),
            "extra": {"jar": "WC", "run": i} if i % 2 else None,
            "measurements": [
                {"temperature_k": f"{c} C", "resistance_ohm": 1000 / (i + 1) / (c / 30)}
                for c in (30, 45, 60)[: i % 4]
            ],
        }
        if i % 2 == 0:
            data["pellet"] = {"thickness_cm": 0.05, "area_cm2": 0.785}
        else:
            for m in data["measurements"]:
                m.update(thickness_cm=0.04, area_cm2=0.5)
        out.append(SampleRecord.model_validate(data))
    return out


def _without_timestamps(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in TIMESTAMPS}
        return value

    return {name: [clean(row) for row in rows] for name, rows in tables.items()}


def test_bulk_import_equals_one_by_one_inserts_history_and_fits_included(
    session_factory: Any, materials: dict[str, int], new_database: Any
) -> None:
    from matdoe.db import make_engine
    from matdoe.db import session_factory as factory_of
    from matdoe.db.bundle import export_tables
    from matdoe.db.store import add_material, list_materials, material_row
    from matdoe.records import MaterialRecord

    with session_factory.begin() as session:
        assert add_samples(session, _records()) == 6
        catalogue = [material_row(m) for m in list_materials(session)]
    with session_factory() as session:
        bulk = export_tables(session)
    engine = make_engine(new_database())
    try:
        other = factory_of(engine)
        with other.begin() as session:
            for row in sorted(catalogue, key=lambda r: r["kind"] != "host"):
                add_material(session, MaterialRecord.model_validate(row))
            for record in _records():
                add_sample(session, record)
        with other() as session:
            single = export_tables(session)
    finally:
        engine.dispose()
    for name in ("sample", "pellet", "measurement", "fit"):
        assert _without_timestamps(bulk)[name] == _without_timestamps(single)[name], name
    revisions = {
        (r["table_name"], r["record_id"]): r["data"]
        for r in _without_timestamps(single)["revision"]
        if r["table_name"] != "material"
    }
    bulk_revisions = {
        (r["table_name"], r["record_id"]): r["data"]
        for r in _without_timestamps(bulk)["revision"]
        if r["table_name"] != "material"
    }
    assert bulk_revisions == revisions
    assert len([f for f in bulk["fit"] if f["kind"] == "arrhenius"]) == 1  # only B-3: 3 temps


def test_rows_of_one_sample_may_be_far_apart_in_the_file(
    session_factory: Any, materials: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "apart.csv"
    rows = ["label,host,scaffold,scaffold_vol_pct,temperature_k,sigma_s_cm"]
    for t in (303.15, 318.15, 333.15):
        rows += [f"S-{k},Na2B12H12,A200,35,{t},{1e-4 * (1 + k)}" for k in range(50)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with session_factory.begin() as session, prepare_samples(session, iter_samples(path)) as p:
        assert (p.n_samples, p.n_measurements) == (50, 150)
        write_samples(session, p)
    from matdoe.db.bundle import export_tables

    with session_factory() as session:
        tables = export_tables(session)
    assert len(tables["sample"]) == 50 and len(tables["measurement"]) == 150
    assert len(tables["fit"]) == 50


def test_a_refused_row_at_the_end_writes_nothing(
    session_factory: Any, materials: dict[str, int], dump: Any, tmp_path: Path
) -> None:
    import pytest

    from matdoe.errors import InvalidRecordError

    path = tmp_path / "late.csv"
    rows = ["label,host,scaffold,scaffold_vol_pct,temperature_k,sigma_s_cm"]
    rows += [f"S-{k},Na2B12H12,A200,35,303.15,1e-4" for k in range(3000)]
    rows.append("S-0,Na2B12H12,A200,40,313.15,1e-4")  # same label, another recipe
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = dump()
    with (
        pytest.raises(InvalidRecordError, match=r"row 3002: sample 'S-0' differs from row 2"),
        session_factory.begin() as session,
        prepare_samples(session, iter_samples(path)) as prepared,
    ):
        write_samples(session, prepared)
    assert dump() == before


def test_records_become_a_stream_of_samples_then_their_measurements() -> None:
    items = list(items_of(_records()[:4]))
    assert [(i.label, i.sample is not None) for i in items[:4]] == [
        ("B-0", True),
        ("B-1", True),
        ("B-1", False),
        ("B-2", True),
    ]
