"""matdoe: a materials-informatics database and design of experiments for solid electrolytes.

The package is deliberately light to import; heavy libraries load in the modules that need them.

>>> import matdoe
>>> with matdoe.open("sqlite:///:memory:", create=True) as lab:
...     len(lab.materials())
0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["__version__", "open"]

if TYPE_CHECKING:
    from matdoe.lab import Lab


def open(url: str | None = None, *, create: bool = False) -> Lab:
    """Open a lab database for notebooks and scripts: ``lab = matdoe.open()``.

    Args:
        url: Database URL; ``None`` reads ``MATDOE_DB``, else ``sqlite:///matdoe.db`` in the
            working folder (as the CLI does).
        create: Create (or upgrade) the schema when needed.

    Returns:
        A :class:`matdoe.lab.Lab` with ``materials()``, ``samples()``, ``measurements()``,
        ``fits()`` and ``suggestions()`` as pandas DataFrames.
    """
    from matdoe.lab import Lab

    return Lab(url, create=create)
