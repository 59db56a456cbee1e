"""Start a throwaway PostgreSQL cluster for the tests (developer helper; CI uses ``.ci/run``).

Usage::

    python tests/pg.py -- python -m pytest tests/test_db.py   # cluster up, command, cluster down

The cluster lives in a temporary folder, listens on a free port of 127.0.0.1, lets the
superuser in without a password (other roles need theirs) and is removed afterwards. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user (``runuser``). The command sees ``MATDOE_TEST_POSTGRES_URL`` and
``MATDOE_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def find_binary(name: str) -> str | None:
    """``name`` on PATH, else in Debian's /usr/lib/postgresql/<version>/bin (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


PG_HBA = """\
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def cluster(control: dict[str, list[str]] | None = None) -> Iterator[str]:
    """Run a fresh cluster; yields its URL (``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``).

    With ``control``, it is filled with the commands ``"stop"`` (immediate, as if the server
    died) and ``"start"``, for tests of a server that vanishes.
    """
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError(
            "initdb/pg_ctl not found; install PostgreSQL (apt-get install postgresql)"
        )
    root = Path(tempfile.mkdtemp(prefix="matdoe-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    root.chmod(0o700)
    port = free_port()
    subprocess.run(
        _as_server_user(
            [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # The superuser needs no password; any other role must give its own (the tests check that a
    # wrong password is refused with a clear, masked message).
    (data / "pg_hba.conf").write_text(PG_HBA, encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(data / "pg_hba.conf", "postgres", "postgres")
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=100"
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if control is not None:
        control["stop"] = _as_server_user(
            [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
        )
        control["start"] = _as_server_user(
            [pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    # A plain `kill` should still stop the cluster: turn SIGTERM into an exception.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with cluster() as url:
        env = {**os.environ, "MATDOE_TEST_POSTGRES_URL": url, "MATDOE_REQUIRE_POSTGRES": "1"}
        print(f"PostgreSQL at {url}", file=sys.stderr)
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
