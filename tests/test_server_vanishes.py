"""The PostgreSQL server dies in the middle of an import: one clear line, nothing written.

Runs its own throwaway cluster (``tests/pg.py``) so that stopping the server does not disturb
the other tests. Skipped without PostgreSQL binaries, unless PostgreSQL is required (CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pg

MATDOE = str(Path(sys.executable).with_name("matdoe"))


def _matdoe(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MATDOE_DB": url}
    return subprocess.run([MATDOE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_server_vanishing_mid_import_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    if pg.find_binary("pg_ctl") is None:
        if os.environ.get("MATDOE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (MATDOE_REQUIRE_POSTGRES=1) but pg_ctl is missing")
        pytest.skip("PostgreSQL binaries (pg_ctl) not installed")
    rows = ["label,host,scaffold,scaffold_vol_pct,milling_h,temperature_k,sigma_s_cm"]
    rows += [f"V-{i:06d},Na2B12H12,SiO2-A200,35,4,303.15,1e-4" for i in range(60_000)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n")
    control: dict[str, list[str]] = {}
    with pg.cluster(control) as url:
        assert _matdoe(url, "init", "--example").returncode == 0
        env = {**os.environ, "MATDOE_DB": url}
        importing = subprocess.Popen(
            [MATDOE, "sample", "import", str(big)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait until the import is writing (its transaction holds a lock on the sample table).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and importing.poll() is None:
            probe = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sqlalchemy as sa, sys; e = sa.create_engine(sys.argv[1]); "
                    'c = e.connect(); print(c.exec_driver_sql("SELECT count(*) FROM pg_locks l '
                    "JOIN pg_class t ON l.relation = t.oid WHERE t.relname = 'sample' "
                    "AND l.mode = 'RowExclusiveLock'\").scalar())",
                    url,
                ],
                capture_output=True,
                text=True,
                timeout=30,
            )
            if probe.stdout.strip() not in ("", "0"):
                break
            time.sleep(0.2)
        assert importing.poll() is None, "the import finished before the server could be stopped"
        subprocess.run(control["stop"], check=True, stdout=subprocess.DEVNULL)
        _out, err = importing.communicate(timeout=120)
        assert importing.returncode == 1, err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert "database error" in err or "cannot" in err
        subprocess.run(control["start"], check=True, stdout=subprocess.DEVNULL)
        listed = _matdoe(url, "sample", "list", "--format", "csv")
        assert listed.returncode == 0, listed.stderr
        assert "V-0" not in listed.stdout
        assert _matdoe(url, "sample", "import", str(big), timeout=300).returncode == 0
