"""Edit history: every insert, update and delete of a tracked record writes a revision row.

The hooks are SQLAlchemy mapper events that write through the flush's own connection, so a
revision is committed or rolled back together with the change it describes.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Mapper

from matdoe.db.models import Campaign, Material, Measurement, Pellet, Revision, Sample, utcnow

TRACKED: tuple[type, ...] = (Material, Sample, Pellet, Measurement, Campaign)
_KEYS = {"material": "name", "sample": "label", "campaign": "name"}


def current_user() -> str:
    """Who is making the change: ``MATDOE_USER``, else the login name."""
    user = os.environ.get("MATDOE_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object as a JSON-able dict (dates as ISO strings)."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        value = getattr(obj, attr.key)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        out[attr.key] = value
    return out


def _record_key(table: str, obj: Any) -> str | None:
    if table in _KEYS:
        return str(getattr(obj, _KEYS[table]))
    sample = getattr(obj, "sample", None)
    return None if sample is None else str(sample.label)


def annotate(obj: Any, note: str | None) -> None:
    """Attach a note to the next revision of ``obj`` (why it was forced or corrected)."""
    if note:
        previous = obj.__dict__.get(_NOTE)
        obj.__dict__[_NOTE] = f"{previous}; {note}" if previous else note


_NOTE = "_matdoe_revision_note"


def _write(connection: Any, obj: Any, action: str) -> None:
    table = obj.__tablename__
    note = obj.__dict__.pop(_NOTE, None)
    connection.execute(
        insert(Revision).values(
            table_name=table,
            record_id=obj.id,
            record_key=_record_key(table, obj),
            action=action,
            data=snapshot(obj),
            changed_at=utcnow(),
            changed_by=current_user(),
            note=note,
        )
    )


def _after_insert(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    _write(connection, target, "insert")


def _after_update(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    state = inspect(target)
    changed = [a.key for a in mapper.column_attrs if state.attrs[a.key].history.has_changes()]
    if [key for key in changed if key != "updated_at"] or _NOTE in target.__dict__:
        _write(connection, target, "update")


def _after_delete(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    _write(connection, target, "delete")


def install() -> None:
    """Attach the history hooks to the tracked classes (idempotent)."""
    for cls in TRACKED:
        for name, fn in (
            ("after_insert", _after_insert),
            ("after_update", _after_update),
            ("after_delete", _after_delete),
        ):
            if not event.contains(cls, name, fn):
                event.listen(cls, name, fn)
