"""Whole-database export and import: lossless round trips (also fuzzed), and refused bundles."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matdoe.db import make_engine, session_factory, upgrade
from matdoe.db.bundle import export_bundle, export_tables, import_bundle, read_bundle
from matdoe.db.store import add_material, add_sample, update_sample
from matdoe.errors import InvalidRecordError
from matdoe.records import MaterialRecord, SampleRecord

HOST = {"name": "Na2B12H12", "formula": "Na2B12H12", "kind": "host"}


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[Any]:
    """A migrated, empty database on ``backend``; yields its session factory."""
    from conftest import PostgresServer, postgres_server_url

    folder = Path(tempfile.mkdtemp(prefix="matdoe-bundle-"))
    server = None
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'lab.db'}"
    else:
        server = PostgresServer(postgres_server_url() or "")
        url = server.create()
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield session_factory(engine)
    finally:
        engine.dispose()
        if server is not None:
            server.drop(url)
        shutil.rmtree(folder, ignore_errors=True)


def _fill(factory: Any, materials: list[dict[str, Any]], samples: list[dict[str, Any]]) -> None:
    with factory.begin() as session:
        for material in materials:
            add_material(session, MaterialRecord.model_validate(material))
        for sample in samples:
            add_sample(session, SampleRecord.model_validate(sample))


def _round_trip(backend: str, source: Any, path: Path) -> None:
    """export → import into an empty database → export gives identical content and bytes."""
    with source() as session:
        first = export_tables(session)
        export_bundle(session, path)
    with fresh_database(backend) as target:
        with target.begin() as session:
            import_bundle(session, path)
        second_path = path.with_name("again" + path.suffix)
        with target() as session:
            assert export_tables(session) == first
            export_bundle(session, second_path)
    if path.is_dir():
        for name in sorted(p.name for p in path.iterdir()):
            assert (second_path / name).read_bytes() == (path / name).read_bytes(), name
    else:
        assert second_path.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("layout", ["lab.json", "lab-csv"])
def test_export_import_export_is_identical(
    session_factory: Any, make_sample: Any, backend: str, tmp_path: Path, layout: str
) -> None:
    make_sample("S-1", temperatures_c=(30, 45, 60), notes='comma, "quote"\nand a second line')
    make_sample("S-0", vol=0.0, extra={"jar": "WC", "nested": {"b": 1, "a": [1, 2]}})
    with session_factory.begin() as session:
        update_sample(session, "S-1", {"milling_h": "6 h"})
    _round_trip(backend, session_factory, tmp_path / layout)
    # The restored database goes on: new records get new ids (sequences were advanced).
    with fresh_database(backend) as target:
        with target.begin() as session:
            import_bundle(session, tmp_path / layout)
        _fill(target, [], [{"label": "S-new", "host": "Na2B12H12"}])
        with target() as session:
            ids = [row["id"] for row in export_tables(session)["sample"]]
        assert ids == sorted(set(ids)) and len(ids) == 3


def test_import_refuses_a_database_that_is_not_empty(
    session_factory: Any, make_sample: Any, dump: Any, tmp_path: Path
) -> None:
    make_sample("S-1")
    with session_factory() as session:
        export_bundle(session, tmp_path / "lab.json")
    before = dump()
    with (
        pytest.raises(InvalidRecordError, match=r"not empty"),
        session_factory.begin() as session,
    ):
        import_bundle(session, tmp_path / "lab.json")
    assert dump() == before


def _exported(session_factory: Any, make_sample: Any, tmp_path: Path) -> dict[str, Any]:
    make_sample("S-1", temperatures_c=(30, 60))
    with session_factory() as session:
        export_bundle(session, tmp_path / "lab.json")
    return json.loads((tmp_path / "lab.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        (lambda d: d.update(format="other"), "not a matdoe export"),
        (lambda d: d.update(version=99), "version 99 is not supported"),
        (lambda d: d["tables"].update(bogus=[]), "unknown table 'bogus'"),
        (lambda d: d["tables"]["sample"][0].update(colour="red"), "unknown column 'colour'"),
        (lambda d: d["tables"]["sample"][0].update(scaffold_vol_pct="lots"), "cannot hold 'lots'"),
        (lambda d: d["tables"]["sample"][0].update(scaffold_vol_pct=150.0), "refused"),
        (lambda d: d["tables"]["measurement"][1].update(sample_id=999), "referenced record"),
        (lambda d: d["tables"]["material"].append(dict(d["tables"]["material"][0])), "unique"),
    ],
)
def test_damaged_bundle_imports_nothing(
    backend: str,
    session_factory: Any,
    make_sample: Any,
    tmp_path: Path,
    damage: Any,
    needle: str,
) -> None:
    from matdoe.db.engine import translated_errors

    document = _exported(session_factory, make_sample, tmp_path)
    damage(document)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(document), "utf-8")
    with fresh_database(backend) as target:
        with (
            pytest.raises(InvalidRecordError, match=needle),
            translated_errors(),
            target.begin() as session,
        ):
            import_bundle(session, path)
        with target() as session:
            assert all(not rows for rows in export_tables(session).values())


def test_truncated_bundle_and_missing_csv_are_refused(
    session_factory: Any, make_sample: Any, tmp_path: Path
) -> None:
    _exported(session_factory, make_sample, tmp_path)
    text = (tmp_path / "lab.json").read_text("utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2], "utf-8")
    with pytest.raises(InvalidRecordError, match="malformed JSON"):
        read_bundle(truncated)
    with session_factory() as session:
        export_bundle(session, tmp_path / "folder")
    (tmp_path / "folder" / "measurement.csv").unlink()
    with pytest.raises(InvalidRecordError, match=r"measurement\.csv is missing"):
        read_bundle(tmp_path / "folder")
    with pytest.raises(InvalidRecordError, match=r"no bundle\.json"):
        read_bundle(tmp_path)


# --------------------------------------------------------------------------- property test

ODD_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=("Cs", "Cc"),
        exclude_characters="\x00\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    min_size=1,
    max_size=30,
).map(str.strip)


@st.composite
def lab_contents(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    scaffolds = draw(st.lists(ODD_TEXT.filter(bool), min_size=1, max_size=3, unique=True))
    scaffolds = [s for s in scaffolds if s != HOST["name"]] or ["SiO2"]
    materials = [HOST] + [
        {
            "name": name,
            "formula": "SiO2",
            "kind": "scaffold",
            "bet_m2_g": draw(st.none() | st.floats(0, 2000)),
            "notes": draw(st.none() | ODD_TEXT),
        }
        for name in scaffolds
    ]
    labels = draw(st.lists(ODD_TEXT.filter(bool), min_size=1, max_size=4, unique=True))
    samples = []
    for label in labels:
        scaffold = draw(st.none() | st.sampled_from(scaffolds))
        temperatures = draw(st.lists(st.floats(150.0, 800.0), min_size=0, max_size=12, unique=True))
        samples.append(
            {
                "label": label,
                "host": HOST["name"],
                "scaffold": scaffold,
                "scaffold_vol_pct": 0.0 if scaffold is None else draw(st.floats(0, 100)),
                "notes": draw(st.none() | ODD_TEXT),
                "extra": draw(
                    st.none() | st.dictionaries(ODD_TEXT, st.integers(-(2**53), 2**53), max_size=2)
                ),
                "measurements": [
                    {
                        "temperature_k": t,
                        "sigma_s_cm": draw(st.floats(1e-12, 10.0)),
                        "notes": draw(st.none() | ODD_TEXT),
                    }
                    for t in temperatures
                ],
            }
        )
    return materials, samples


BUNDLE_EXAMPLES = 8


@settings(
    max_examples=BUNDLE_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(contents=lab_contents(), layout=st.sampled_from(["lab.json", "lab-csv"]))
def test_backup_round_trip_is_lossless_for_odd_but_legal_values(
    backend: str, contents: tuple[list[dict[str, Any]], list[dict[str, Any]]], layout: str
) -> None:
    materials, samples = contents
    folder = Path(tempfile.mkdtemp(prefix="matdoe-export-"))
    try:
        with fresh_database(backend) as source:
            _fill(source, materials, samples)
            _round_trip(backend, source, folder / layout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
