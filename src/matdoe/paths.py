"""Where matdoe finds its shipped data files (the paper's dataset, the search-space files).

In a source checkout or an editable install they are the top-level ``data/`` folder beside
``src/``; a built wheel carries the same files as ``matdoe/data`` (copied there by ``setup.py``).
``MATDOE_DATA`` points elsewhere and wins over both.
"""

from __future__ import annotations

import os
from pathlib import Path

from matdoe.errors import NotFoundError

PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """matdoe's data folder: ``MATDOE_DATA``, else the installed ``matdoe/data``, else ``data/``."""
    env = os.environ.get("MATDOE_DATA")
    if env:
        if Path(env).is_dir():
            return Path(env)
        raise NotFoundError(f"MATDOE_DATA={env!r} is not a folder; unset it or point it at one")
    for candidate in (PACKAGE / "data", PACKAGE.parents[1] / "data"):
        if (candidate / "paper").is_dir():
            return candidate
    raise NotFoundError(
        "cannot find matdoe's data folder (it ships inside the package and beside src/ in a "
        "checkout); reinstall matdoe or set MATDOE_DATA to a data/ folder"
    )


def data_file(*parts: str) -> Path:
    """A file inside :func:`data_dir`, with a clear error when it is missing."""
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise NotFoundError(f"matdoe's data file {'/'.join(parts)} is missing from {data_dir()}")
    return path
