"""A full disk in the middle of an import: one clear error, nothing written.

SQLite's ``max_page_count`` makes the database file unable to grow past a limit, which is exactly
what SQLite reports when the disk fills up (SQLITE_FULL, "database or disk is full").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, exc


def _big_file(path: Path, rows: int) -> Path:
    lines = ["label,host,scaffold,scaffold_vol_pct,milling_h,temperature_k,sigma_s_cm,notes"]
    lines += [
        f"FULL-{i:05d},Na2B12H12,SiO2-A200,35,4,303.15,{1e-4 * (1 + i % 7)},{'x' * 200}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_disk_full_during_import_is_one_error_and_writes_nothing(
    tmp_path: Path, materials: dict[str, int], dump: Any
) -> None:
    from matdoe.db import make_engine, session_factory
    from matdoe.db.engine import translate_error
    from matdoe.db.store import add_samples
    from matdoe.errors import DatabaseError
    from matdoe.tables import read_samples

    url = f"sqlite:///{tmp_path / 'lab.db'}"
    before = dump()
    records = read_samples(_big_file(tmp_path / "big.csv", 3000))
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _small_disk(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 20}")

    factory = session_factory(engine)
    with pytest.raises(exc.OperationalError) as raised, factory.begin() as session:
        add_samples(session, records)
    engine.dispose()
    error = translate_error(raised.value)
    assert isinstance(error, DatabaseError)
    assert str(error).startswith("the disk is full")
    assert "\n" not in str(error)
    assert dump() == before


@pytest.fixture
def backend() -> str:
    """This file is about SQLite's own full-disk error: SQLite only."""
    return "sqlite"
