"""Shared fixtures: databases on SQLite and PostgreSQL, sessions, the CLI runner, sample factory.

Every database fixture is parametrised over ``sqlite`` (a temporary file) and ``postgres`` (a fresh
database, created per test on the server named by ``MATDOE_TEST_POSTGRES_URL`` and dropped after).
Without that variable the PostgreSQL cases are skipped and the session ends with a one-line note;
with ``MATDOE_REQUIRE_POSTGRES=1`` they fail instead (CI sets it, see ``.ci/run``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

POSTGRES_ENV = "MATDOE_TEST_POSTGRES_URL"
REQUIRE_ENV = "MATDOE_REQUIRE_POSTGRES"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

_skipped_postgres: list[str] = []


def postgres_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false", "no")


def postgres_server_url() -> str | None:
    """The admin URL of the test server, or skip (fail when PostgreSQL is required)."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    reason = f"PostgreSQL tests skipped: set {POSTGRES_ENV} (or run .ci/run / tests/pg.py)"
    if postgres_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but {POSTGRES_ENV} is not set", pytrace=False)
    _skipped_postgres.append(reason)
    pytest.skip(reason)


@dataclass
class PostgresServer:
    """Creates and drops throwaway databases on the test server."""

    url: str

    def create(self) -> str:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        name = f"matdoe_test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.dispose()
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their database explicitly and see one-line errors unless they ask."""
    for name in ("MATDOE_DB", "MATDOE_DEBUG", "MATDOE_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Any) -> Iterator[str]:
    """URL of an empty database (no schema) on the parametrised backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'lab.db'}"
        return
    server = PostgresServer(postgres_server_url() or "")
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def new_database(backend: str, tmp_path: Any) -> Iterator[Callable[..., str]]:
    """Factory of more databases on the same backend: ``new_database(migrated=True)`` → URL."""
    from matdoe.db import make_engine, upgrade

    server = PostgresServer(postgres_server_url() or "") if backend == "postgres" else None
    made: list[str] = []

    def make(*, migrated: bool = True) -> str:
        if server is None:
            url = f"sqlite:///{tmp_path / f'extra-{len(made)}.db'}"
        else:
            url = server.create()
        made.append(url)
        if migrated:
            engine = make_engine(url)
            try:
                upgrade(engine)
            finally:
                engine.dispose()
        return url

    yield make
    if server is not None:
        for url in made:
            server.drop(url)


@pytest.fixture
def db_url(empty_url: str) -> str:
    """URL of a database migrated to the current schema (``matdoe.db.upgrade``)."""
    from matdoe.db import make_engine, upgrade

    engine = make_engine(empty_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return empty_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    from matdoe.db import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Any) -> Any:
    """A sessionmaker on the migrated database; open sessions with ``factory.begin()``."""
    from matdoe.db import session_factory as factory

    return factory(engine)


@pytest.fixture
def dump(session_factory: Any) -> Callable[[], dict[str, list[dict[str, Any]]]]:
    """Every row of every table (``export_tables``): compare before and after a command."""
    from matdoe.db.bundle import export_tables

    def take() -> dict[str, list[dict[str, Any]]]:
        with session_factory() as session:
            return export_tables(session)

    return take


@dataclass
class Cli:
    """Runs ``matdoe --db URL ...`` in-process with typer's CliRunner."""

    url: str

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        from typer.testing import CliRunner

        from matdoe.cli import app

        return CliRunner().invoke(app, ["--db", self.url, *args], input=input, env=env)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)


SILICA = {
    "name": "SiO2-A200",
    "formula": "SiO2",
    "kind": "scaffold",
    "product": "Aerosil 200",
    "density_g_cm3": 2.2,
    "density_source": "amorphous silica, handbook",
    "bet_m2_g": 191.2,
    "morphology": "fumed",
}
HOST = {
    "name": "Na2B12H12",
    "formula": "Na2B12H12",
    "kind": "host",
    "density_g_cm3": 1.1608,
    "density_source": "crystal structure (Verdal et al. 2014)",
}


@pytest.fixture
def materials(session_factory: Any) -> dict[str, int]:
    """The host salt and one silica, in the database; name → id."""
    from matdoe.db.store import add_material
    from matdoe.records import MaterialRecord

    with session_factory.begin() as session:
        return {
            m["name"]: add_material(session, MaterialRecord.model_validate(m)).id
            for m in (HOST, SILICA)
        }


@pytest.fixture
def make_sample(session_factory: Any, materials: dict[str, int]) -> Callable[..., str]:
    """Factory: ``make_sample(label, vol=35, temperatures_c=(30, 60), **fields)`` → label."""
    from matdoe.db.store import add_sample
    from matdoe.records import SampleRecord

    def make(
        label: str = "S-1",
        *,
        vol: float = 35.0,
        temperatures_c: tuple[float, ...] = (),
        **fields: Any,
    ) -> str:
        data: dict[str, Any] = {
            "label": label,
            "host": HOST["name"],
            "scaffold": SILICA["name"] if vol > 0 else None,
            "scaffold_vol_pct": vol,
            "batch_mg": 500,
            "milling_h": 4,
            "measurements": [
                {"temperature_k": f"{t} C", "sigma_s_cm": 1e-4 * (1 + t / 10)}
                for t in temperatures_c
            ],
            **fields,
        }
        with session_factory.begin() as session:
            add_sample(session, SampleRecord.model_validate(data))
        return label

    return make


@pytest.fixture
def lab(cli: Cli, make_sample: Callable[..., str]) -> Cli:
    """The CLI on a database with the host salt, SiO2-A200 and sample S-1 with a pellet."""
    make_sample("S-1", pellet={"thickness_cm": "320 um", "area_cm2": "0.785 cm2"})
    return cli


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_postgres:
        terminalreporter.write_line(
            f"NOTE: {len(_skipped_postgres)} PostgreSQL test(s) skipped: {POSTGRES_ENV} is not "
            "set; run .ci/run (or python tests/pg.py -- pytest) to test on a real server.",
            yellow=True,
        )
