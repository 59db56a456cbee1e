"""Opening databases: SQLite locking (readers never wait, writers wait their turn), the same value
rules on SQLite and PostgreSQL (no NaN in JSON, no NUL in text), password masking, and a
database from a newer matdoe.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from matdoe.db import engine as engine_module
from matdoe.db import make_engine, mask_url
from matdoe.errors import InvalidRecordError
from test_cli import assert_refused

# A writer that has to wait for this long fails with "database is locked": short, so that a
# command that waits where it should not fails fast instead of hanging the suite.
SHORT_BUSY_MS = 400


@pytest.fixture
def impatient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", SHORT_BUSY_MS)


class HeldWrite:
    """Another client inside an uncommitted write transaction (a long import, say)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)
        self.connection = self.engine.connect()
        if self.engine.dialect.name == "sqlite":
            self.connection.exec_driver_sql("BEGIN IMMEDIATE")  # the single write lock
        self.connection.execute(
            sa.text(
                "INSERT INTO material (name, formula, kind, created_at, updated_at) "
                "VALUES ('Uncommitted', 'SiO2', 'other', :t, :t)"
            ),
            {"t": "2026-01-01 00:00:00"},
        )

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()
        self.engine.dispose()


# --------------------------------------------------------------------------- locking


def test_readers_never_wait_for_a_writer(
    lab: Any, db_url: str, impatient: None, tmp_path: Path
) -> None:
    held = HeldWrite(db_url)
    try:
        for args in (
            ["sample", "list", "--format", "json"],
            ["sample", "show", "S-1"],
            ["material", "list"],
            ["measure", "list", "S-1"],
            ["suggestion", "list"],
            ["export", str(tmp_path / "during.json")],
        ):
            result = lab(*args)
            assert result.exit_code == 0, (args, result.stderr)
            assert "Uncommitted" not in result.stdout
    finally:
        held.release()
    assert [r["label"] for r in json.loads(lab("sample", "list", "--format", "json").stdout)] == [
        "S-1"
    ]


def test_a_writer_proceeds_during_an_export_which_stays_one_snapshot(
    lab: Any, db_url: str, impatient: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matdoe.db import bundle

    rows = bundle._rows
    written: list[int] = []

    def rows_then_write(session: Any, name: str) -> Any:
        if name == "sample" and not written:  # the export is under way, its snapshot taken
            added = lab(
                "sample", "add", "--label", "S-during", "--host", "Na2B12H12", "--scaffold", "none"
            )
            written.append(added.exit_code)
            assert added.exit_code == 0, added.stderr
        return rows(session, name)

    monkeypatch.setattr(bundle, "_rows", rows_then_write)
    result = lab("export", str(tmp_path / "snap.json"))
    assert result.exit_code == 0, result.stderr
    assert written == [0]
    monkeypatch.setattr(bundle, "_rows", rows)
    exported = bundle.read_bundle(tmp_path / "snap.json")
    assert [r["label"] for r in exported["sample"]] == ["S-1"]  # as when the export began
    # ... and the writer's sample is in the database.
    assert "S-during" in lab("sample", "list", "--format", "csv").stdout


def _twin_csv(path: Path, prefix: str, n: int) -> Path:
    lines = ["label,host,scaffold,scaffold_vol_pct,milling_h,temperature_k,sigma_s_cm"]
    lines += [
        f"{prefix}-{i:05d},Na2B12H12,SiO2-A200,35,4,303.15,{1e-4 * (1 + i % 7)}" for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _matdoe(url: str, *args: str) -> subprocess.Popen[str]:
    from test_cli_subprocess import MATDOE

    environment = {k: v for k, v in os.environ.items() if not k.startswith("MATDOE_")}
    return subprocess.Popen(
        [MATDOE, "--db", url, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def test_concurrent_imports_and_a_short_writer_all_land(
    lab: Any, db_url: str, backend: str, tmp_path: Path
) -> None:
    """Three imports and a `sample add` at once: each either runs or waits, none fails."""
    files = [_twin_csv(tmp_path / f"part{k}.csv", f"P{k}", 4000) for k in range(3)]
    processes = [_matdoe(db_url, "sample", "import", str(path)) for path in files]
    from test_cli_subprocess import _writing_started

    deadline = time.monotonic() + 120
    while not _writing_started(db_url, backend) and time.monotonic() < deadline:
        if all(p.poll() is not None for p in processes):
            break
        time.sleep(0.02)
    processes.append(
        _matdoe(
            db_url, "sample", "add", "--label", "short", "--host", "Na2B12H12", "--scaffold", "none"
        )
    )
    reader = _matdoe(db_url, "sample", "show", "S-1")
    outcomes = [p.communicate(timeout=300) for p in [*processes, reader]]
    codes = [p.returncode for p in [*processes, reader]]
    assert codes == [0] * 5, outcomes
    listed = lab("sample", "list", "--format", "csv").stdout.splitlines()
    assert len(listed) == 1 + 1 + 3 * 4000 + 1  # header, S-1, the imports, "short"


# --------------------------------------------------------------------------- same rules


def test_nan_inside_json_is_refused_on_every_backend(
    session_factory: Any, make_sample: Any, dump: Any
) -> None:
    from matdoe.db.engine import translated_errors
    from matdoe.db.models import Sample

    make_sample("S-1")
    before = dump()
    for value in (math.nan, math.inf, {"nested": [1.0, -math.inf]}):
        with (
            pytest.raises(InvalidRecordError, match="NaN or an infinity"),
            translated_errors(),
            session_factory.begin() as session,
        ):
            sample = session.scalar(sa.select(Sample).where(Sample.label == "S-1"))
            sample.extra = {"x": value}
            session.flush()
    assert dump() == before


def test_nul_in_text_is_refused_on_every_backend(session_factory: Any, dump: Any) -> None:
    from matdoe.db.engine import translated_errors
    from matdoe.db.models import Material

    before = dump()
    with (
        pytest.raises(InvalidRecordError, match="NUL"),
        translated_errors(),
        session_factory.begin() as session,
    ):
        session.add(Material(name="SiO2\x00-A200", formula="SiO2", kind="scaffold"))
        session.flush()
    assert dump() == before


def test_backup_with_nul_or_nan_is_refused_on_every_backend(
    cli: Any, make_sample: Any, tmp_path: Path
) -> None:
    """A backup is restorable on both backends, or on neither."""
    from test_bundle import _reseal

    make_sample("S-1")
    assert cli("export", str(tmp_path / "lab.json")).exit_code == 0
    document = json.loads((tmp_path / "lab.json").read_text("utf-8"))
    with_nul = json.loads(json.dumps(document))
    with_nul["tables"]["sample"][0]["notes"] = "a\x00b"
    _reseal(with_nul)
    (tmp_path / "nul.json").write_text(json.dumps(with_nul), "utf-8")
    with_nan = json.loads(json.dumps(document))
    with_nan["tables"]["sample"][0]["extra"] = {"x": "NAN"}
    _reseal(with_nan)
    text = json.dumps(with_nan).replace('"NAN"', "NaN")
    (tmp_path / "nan.json").write_text(text, "utf-8")
    empty = cli.url.replace("lab.db", "empty.db") if cli.url.startswith("sqlite") else None
    from conftest import Cli, PostgresServer, postgres_server_url

    server = None
    if empty is None:
        server = PostgresServer(postgres_server_url() or "")
        empty = server.create()
    try:
        target = Cli(empty)
        assert target("init").exit_code == 0
        assert_refused(target("import", str(tmp_path / "nul.json")), "NUL")
        assert_refused(target("import", str(tmp_path / "nan.json")), "NaN")
        assert json.loads(target("sample", "list", "--format", "json").stdout or "[]") == []
    finally:
        if server is not None:
            server.drop(empty)


# --------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        ("postgresql+psycopg://lab:my secret@db:5432/x", "my secret"),
        ("postgresql+psycopg://lab:p@ss w@rd@db/x", "p@ss w@rd"),
        ("error at postgresql://u:p%40ss@h/d now", "p%40ss"),
        ("'postgresql://u:tab\tpass@h/d'", "tab\tpass"),
    ],
)
def test_mask_url_hides_passwords_with_spaces_and_at_signs(raw: str, secret: str) -> None:
    masked = mask_url(raw)
    assert secret not in masked and "***" in masked
    assert "postgresql" in masked


def test_masking_a_long_text_leaves_it_as_it_was() -> None:
    """The old regex took quadratic time on long runs of URL-like characters."""
    for text in ("a" * 80_000, "a:" * 40_000, "x://" * 20_000, "lab:" + "@" * 80_000):
        assert mask_url(text) == text or "***" in mask_url(text)
    label = "S-" + "a" * 80_000
    assert mask_url(f"sample {label!r} already exists") == f"sample {label!r} already exists"


@pytest.mark.parametrize("password", ["my secret", "p@ss w@rd", "c@t"])
def test_passwords_with_spaces_or_at_signs_are_never_printed(password: str) -> None:
    from conftest import Cli

    url = f"postgresql+psycopg://lab:{password}@127.0.0.1:1/matdoe"
    for result in (Cli(url)("sample", "list"), Cli(url)("init")):
        assert result.exit_code == 1
        assert password not in result.stderr
        for part in password.split():
            assert part not in result.stderr.replace("127.0.0.1", ""), result.stderr
        assert "Traceback" not in result.stderr


def test_raw_at_in_a_password_is_refused_with_the_way_out() -> None:
    with pytest.raises(InvalidRecordError, match="%40") as info:
        make_engine("postgresql+psycopg://lab:c@t@db.example/matdoe")
    assert "c@t" not in str(info.value)


# --------------------------------------------------------------------------- newer schema


def test_database_of_a_newer_matdoe_says_so_everywhere(
    db_url: str, cli: Any, tmp_path: Path
) -> None:
    from matdoe.db.migrate import VERSION_TABLE

    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    for args in (
        ["init"],
        ["sample", "list"],
        ["sample", "add", "--label", "X", "--host", "Na2B12H12", "--scaffold", "none"],
        ["export", str(tmp_path / "x.json")],
        ["suggest", "--dry-run"],
        ["model", "fit"],
    ):
        result = cli(*args)
        assert_refused(result, "newer schema", "upgrade matdoe")
        assert "older" not in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_every_migration_file_is_named_after_its_revision() -> None:
    """Commands tell a newer schema from the file names (no Alembic import): keep them true."""
    import re

    from matdoe.db.migrate import MIGRATIONS, known_revisions

    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        revision = re.search(r'^revision = "([^"]+)"', path.read_text("utf-8"), re.M)
        assert revision is not None and path.name.startswith(f"{revision[1]}_"), path.name
        assert revision[1] in known_revisions()
