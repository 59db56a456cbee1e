"""Recipe tables read from files, and proposal limits from a person's flags.

:func:`read_recipes` reads a CSV/JSON/YAML table of recipes (``silica``, ``vol_pct``,
``milling_h``) for ``matdoe model predict --recipes`` and ``matdoe suggest --candidates``;
:func:`proposal_limits` turns ``--silica A200,A380 --max-milling 8h`` into the limits of
:meth:`matdoe.space.SearchSpace.restrict`. Both resolve short silica names ("A200") through the
material catalogue.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

    from matdoe.space import SearchSpace

__all__ = ["proposal_limits", "read_recipes"]


def _scaffold_name(session: Session | None, name: str) -> str:
    if session is None:
        return name
    from matdoe.db.store import find_material

    return find_material(session, name.strip(), kind="scaffold").name


def read_recipes(path: Path, space: SearchSpace, *, session: Session | None = None) -> pd.DataFrame:
    """A table of recipes from a file, numbered from 1 (the row number a person sees).

    Args:
        path: CSV, JSON or YAML (a list of rows, or ``{"candidates": [...]}``).
        space: The space whose parameter columns the file must have.
        session: When given, silica names are resolved through the catalogue ("A200").

    Raises:
        InvalidRecordError: an empty file, a missing column, a value that is not a number.
    """
    import pandas as pd

    from matdoe.tables import file_format, read_csv_rows, read_structured

    if file_format(path) == "csv":
        frame = pd.DataFrame(read_csv_rows(path))
    else:
        data = read_structured(path)
        if isinstance(data, dict):
            data = data.get("candidates", data.get("recipes", data))
        frame = pd.DataFrame(data)
    if frame.empty:
        raise InvalidRecordError(f"{path.name}: the file holds no recipes")
    missing = [c for c in space.parameter_names if c not in frame.columns]
    if missing:
        raise InvalidRecordError(
            f"{path.name}: missing column {missing[0]!r} (need {', '.join(space.parameter_names)})"
        )
    frame.index = range(1, len(frame) + 1)
    for p in space.parameters:
        if p.numeric:
            values = pd.to_numeric(frame[p.name], errors="coerce")
            bad = values.isna()
            if bad.any():
                row = frame.index[int(bad.to_numpy().argmax())]
                raise InvalidRecordError(
                    f"{path.name}, row {row}: {p.name} {frame[p.name][row]!r} is not a number"
                )
            frame[p.name] = values.astype(float)
        else:
            frame[p.name] = [_scaffold_name(session, str(v)) for v in frame[p.name]]
    return frame[list(space.parameter_names)]


def proposal_limits(
    session: Session | None,
    *,
    silica: str | None = None,
    min_vol: float | None = None,
    max_vol: float | None = None,
    max_milling_h: float | None = None,
) -> dict[str, Any]:
    """Limits for :meth:`SearchSpace.restrict` from the narrowing flags of ``matdoe suggest``.

    Example:
        >>> proposal_limits(None, silica="SiO2-A200, SiO2-A380", max_milling_h=8.0)
        {'silica': ['SiO2-A200', 'SiO2-A380'], 'milling_h': (None, 8.0)}
    """
    limits: dict[str, Any] = {}
    if silica:
        limits["silica"] = [
            _scaffold_name(session, s.strip()) for s in silica.split(",") if s.strip()
        ]
        if not limits["silica"]:
            raise InvalidRecordError(f"--silica {silica!r}: name at least one silica")
    if min_vol is not None or max_vol is not None:
        if min_vol is not None and max_vol is not None and min_vol > max_vol:
            raise InvalidRecordError(f"--min-vol {min_vol:g} is above --max-vol {max_vol:g}")
        limits["vol_pct"] = (min_vol, max_vol)
    if max_milling_h is not None:
        limits["milling_h"] = (None, max_milling_h)
    return limits
