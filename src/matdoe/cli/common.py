"""What every command shares: the database option, error handling and output formats.

Only the standard library, typer and matdoe's light modules are imported at top level, so that
``matdoe --help`` stays fast; SQLAlchemy, pandas and the science stack load inside commands.
"""

from __future__ import annotations

import contextlib
import enum
import math
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import typer
from typer.core import TyperGroup

from matdoe.errors import DatabaseError, InvalidRecordError, MatdoeError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def debug() -> bool:
    return os.environ.get("MATDOE_DEBUG", "") not in ("", "0", "false", "no")


def fail(message: str) -> None:
    """One red line on stderr."""
    from matdoe.db.engine import mask_url

    typer.secho(f"error: {mask_url(message)}", err=True, fg=typer.colors.RED)


class MatdoeGroup(TyperGroup):
    """Turns known errors into one line on stderr and exit code 1 (MATDOE_DEBUG=1: traceback).

    The root group also takes ``--db URL`` anywhere on the command line (``matdoe sample list
    --db ...`` as well as ``matdoe --db ... sample list``).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = hoist_root_options(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MatdoeError as exc:
            if debug():
                raise
            fail(str(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            fail("interrupted; nothing of the unfinished command was written")
            raise typer.Exit(130) from None
        except Exception as exc:
            translated = _external_error(exc)
            if translated is None or debug():
                raise
            fail(str(translated))
            raise typer.Exit(1) from None


ROOT_VALUE_OPTIONS = ("--db",)
ROOT_FLAGS = ("--quiet", "-q", "--verbose", "-v")


def hoist_root_options(args: list[str]) -> list[str]:
    """Move the root's options (``--db URL``, ``-q``, ``-v``) to the front, wherever they stand.

    >>> hoist_root_options(["sample", "list", "--db", "sqlite:///x.db", "-q"])
    ['--db', 'sqlite:///x.db', '-q', 'sample', 'list']
    >>> hoist_root_options(["sample", "add", "--", "--db"])
    ['sample', 'add', '--', '--db']
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in ROOT_VALUE_OPTIONS and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 2
            continue
        if arg.startswith(tuple(f"{o}=" for o in ROOT_VALUE_OPTIONS)) or arg in ROOT_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _external_error(exc: Exception) -> Exception | None:
    """Database driver and file-system errors are the world's fault, not bugs: one line."""
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from matdoe.db.engine import translate_error

            return translate_error(exc)
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in exc.reason:
        # Bytes of another encoding on the command line reach Python as lone surrogates, which
        # no database driver or UTF-8 file can take.
        text = exc.object if isinstance(exc.object, str) else ""
        return InvalidRecordError(
            f"{text!r} is not UTF-8 text; check the terminal's encoding (e.g. LANG=C.UTF-8)"
        )
    if isinstance(exc, PermissionError):
        return DatabaseError(f"permission denied: {exc.filename}")
    if isinstance(exc, OSError) and exc.errno == 28:
        return DatabaseError("the disk is full; nothing was written")
    return None


def new_app(help_text: str, *, root: bool = False, epilog: str | None = None) -> typer.Typer:
    """A command group; the ``root`` one offers shell completion (``--install-completion``)."""
    return typer.Typer(
        cls=MatdoeGroup,
        help=help_text,
        epilog=epilog,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=root,
        rich_markup_mode=None,
    )


@dataclass
class State:
    db: str | None = None


#: -1 with --quiet (only results and errors), 0 by default, 1 with --verbose.
VERBOSITY = {"level": 0}


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def db_url(ctx: typer.Context) -> str:
    from matdoe.db.engine import resolve_url

    return resolve_url(state(ctx).db)


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url[len(prefix) :].split("?")[0])
    return None


def _refuse_memory(url: str) -> None:
    """A SQLite URL without a file ("sqlite://", "sqlite:///", ":memory:") is a database that
    is gone when the command ends: `init` would report one created, and nothing is kept."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # make_engine words the refusal
    if parsed.get_backend_name() == "sqlite" and (parsed.database or "") in ("", ":memory:"):
        raise DatabaseError(
            f"{url} names no file: an in-memory database keeps nothing after the command; "
            "give a file, e.g. sqlite:///matdoe.db"
        )


def open_database(
    ctx: typer.Context, *, create: bool = False
) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for the chosen database; it must be initialised unless create."""
    from matdoe.db import make_engine, mask_url, session_factory
    from matdoe.db.migrate import HEAD

    url = db_url(ctx)
    _refuse_memory(url)
    path = _sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise DatabaseError(
            f"no matdoe database at {path}; create it with `matdoe init` "
            "(or choose one with --db or MATDOE_DB)"
        )
    if path is not None and create and not path.parent.exists():
        raise DatabaseError(f"cannot create {path}: the folder {path.parent} does not exist")
    detail(f"database: {mask_url(url)}")
    engine = make_engine(url)
    # Close the pooled connections when the command ends, not whenever the engine is collected
    # (an open PostgreSQL connection left to the garbage collector warns and holds a slot).
    ctx.find_root().call_on_close(engine.dispose)
    if not create:
        from matdoe.db.migrate import current_revision

        try:
            revision = current_revision(engine)  # None: no matdoe tables
        except Exception as exc:
            from matdoe.db.engine import translate_error

            raise translate_error(exc, url) from exc
        if revision is None:
            raise DatabaseError(
                f"{mask_url(url)} is not a matdoe database yet; run `matdoe init` first"
            )
        if revision != HEAD:
            from matdoe.db.migrate import check_known

            check_known(revision, mask_url(url))
            raise DatabaseError(
                f"{mask_url(url)} has an older schema (revision {revision}); upgrade it with "
                "`matdoe init`"
            )
    return engine, session_factory(engine)


@contextlib.contextmanager
def transaction(ctx: typer.Context, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction for the whole command: committed on success, rolled back on any error.

    ``read_only`` for commands that only look: on SQLite they take no lock, so they neither wait
    for a long import nor make a writer wait (see ``matdoe.db.engine``).
    """
    from matdoe.db import session_factory

    engine, _factory = open_database(ctx)
    with session_factory(engine, read_only=read_only).begin() as session:
        yield session


FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".tif", ".tiff", ".eps", ".ps")


def plot_target(path: Path | None, option: str) -> Path | None:
    """Check a figure file given with ``option`` before the command does anything.

    Its folder must exist and be writable and the name must end in a figure type; anything
    else is one line, so that a typo is found before a measurement is stored.
    """
    if path is None:
        return None
    if path.is_dir():
        raise InvalidRecordError(f"{option} {path}: is a folder; give a file name such as fit.png")
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise InvalidRecordError(
            f"{option} {path}: name the figure with one of {', '.join(FIGURE_SUFFIXES)}"
        )
    folder = path.parent
    if not folder.is_dir():
        raise InvalidRecordError(
            f"{option} {path}: the folder {folder} does not exist; create it first"
        )
    if not os.access(folder, os.W_OK):
        raise InvalidRecordError(f"{option} {path}: cannot write in the folder {folder}")
    return path


def plot_folder(path: Path, option: str) -> Path:
    """A folder for figures given with ``option``: made if its parent exists, else one line."""
    if path.exists() and not path.is_dir():
        raise InvalidRecordError(f"{option} {path}: is a file, not a folder for the figures")
    if not path.exists():
        if not path.parent.is_dir():
            raise InvalidRecordError(
                f"{option} {path}: the folder {path.parent} does not exist; create it first"
            )
        try:
            path.mkdir()
        except OSError as exc:
            raise InvalidRecordError(
                f"{option} {path}: cannot create it ({exc.strerror or exc})"
            ) from None
    if not os.access(path, os.W_OK):
        raise InvalidRecordError(f"{option} {path}: cannot write in this folder")
    return path


def save_figure(figure: Any, path: Path, option: str) -> None:
    """Save a matplotlib figure; a file-system error is one line naming the option."""
    try:
        figure.savefig(path, dpi=150, bbox_inches="tight")
    except OSError as exc:
        raise InvalidRecordError(
            f"{option} {path}: cannot save the figure ({exc.strerror or exc})"
        ) from None


def info(message: str) -> None:
    """A message for the person (stderr, so stdout stays clean for data); not with --quiet."""
    if VERBOSITY["level"] >= 0:
        typer.echo(message, err=True)


def detail(message: str) -> None:
    """A message only --verbose shows (what was opened, how long it took)."""
    if VERBOSITY["level"] > 0:
        typer.echo(message, err=True)


def is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@contextlib.contextmanager
def progress(length: int, label: str) -> Iterator[Any]:
    """A progress bar on a terminal's stderr; nothing when stderr is a file or a pipe (so a
    refusal stays one line in a log). Yields a function to call once per finished item."""
    if length < 2 or not sys.stderr.isatty():
        yield lambda *_: None
        return
    with typer.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda *_: bar.update(1)


def confirm(question: str, *, yes: bool) -> None:
    """Ask before a change that replaces or deletes a record; ``--yes`` answers for scripts.

    Raises:
        InvalidRecordError: no terminal to ask in and no ``--yes``, or the answer was no.
    """
    from matdoe.errors import InvalidRecordError

    if yes:
        return
    if not is_terminal():
        raise InvalidRecordError(f"{question} — there is no terminal to ask; add --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise InvalidRecordError("not confirmed; nothing was changed")


def parse_assignments(items: Sequence[str], option: str = "--set") -> dict[str, Any]:
    """``["field=value", ...]`` as a dict (an empty value is None, i.e. clears the field).

    Raises:
        InvalidRecordError: an item without ``=``, or a field given twice.
    """
    from matdoe.errors import InvalidRecordError

    if not items:
        raise InvalidRecordError(f"nothing to change; give {option} field=value")
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidRecordError(f"{option} {item!r}: write it as field=value")
        if key in changes:
            raise InvalidRecordError(f"{option}: field {key!r} is given twice")
        changes[key] = value.strip() or None
    return changes


@overload
def target_temperature_c(text: str, option: str = ...) -> float: ...
@overload
def target_temperature_c(text: None, option: str = ...) -> None: ...
def target_temperature_c(text: str | None, option: str = "--temperature") -> float | None:
    """The temperature (°C) a prediction or a suggestion is for, from ``--temperature 30C``.

    Refused outside the range of a conductivity measurement (:mod:`matdoe.plausibility`): no
    measurement could check a prediction there.
    """
    from matdoe import units
    from matdoe.plausibility import refuse_implausible

    if text is None:
        return None
    kelvin = units.parse(text, "temperature", name=option)
    refuse_implausible("temperature_k", kelvin, where=f"{option} {text}")
    return kelvin - 273.15


def revision_lines(revisions: Sequence[Any], *, main: str) -> list[str]:
    """The history of a record as lines a person reads, oldest first: what changed, who, when,
    and why (a revision's note); ``main`` is the record's own table (its parts show their ids).

    Empty when the record was only ever created.
    """
    from matdoe.db.store import changes_between

    if not any(r.action != "insert" or r.note for r in revisions):
        return []
    previous: dict[tuple[str, int], dict[str, Any]] = {}
    lines = []
    for revision in revisions:
        key = (revision.table_name, revision.record_id)
        what = (
            main if revision.table_name == main else f"{revision.table_name} {revision.record_id}"
        )
        when = f"  {revision.changed_at:%Y-%m-%d %H:%M} {revision.changed_by}"
        note = f" [{revision.note}]" if revision.note else ""
        if revision.action == "insert":
            if revision.table_name == main or note or key in previous:
                lines.append(f"{when}: {what} created{note}")
        elif revision.action == "delete":
            lines.append(f"{when}: {what} deleted{note}")
        else:
            changed = changes_between(previous.get(key, {}), revision.data)
            text = "; ".join(f"{k}: {a!r} → {b!r}" for k, (a, b) in changed.items())
            lines.append(f"{when}: {what} {text}{note}".rstrip())
        previous[key] = revision.data
    return lines


FORCE_OPTION_HELP = "store values outside the plausible ranges anyway (noted in the history)"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e5):
            return f"{value:.3g}"
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        import json

        return json.dumps(plain(value), ensure_ascii=False)
    return str(value)


def plain(value: Any) -> Any:
    """``value`` as strict JSON types: NaN and infinities become None (JSON null), numpy
    numbers Python numbers, dates ISO text, tuples lists, anything else its text.

    >>> plain({"a": float("nan"), "b": (1, 2.5), "c": None})
    {'a': None, 'b': [1, 2.5], 'c': None}
    """
    import datetime as dt

    if value is None or isinstance(value, bool | str):
        return value
    if hasattr(value, "item") and not isinstance(value, dict | list | tuple):
        value = value.item()  # numpy scalars
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return str(value)


def _csv_cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def render(
    rows: Sequence[dict[str, Any]], fmt: Format, columns: Sequence[str] | None = None
) -> str:
    """Rows as a table (rich on a terminal, aligned text otherwise), CSV, or strict JSON.

    JSON is standard (``null`` for missing and non-finite numbers, never ``NaN``); CSV cells are
    flat (a nested value is JSON text) and numbers keep every digit.
    """
    import json

    if fmt == Format.json:
        shown = [r if columns is None else {c: r.get(c) for c in columns} for r in rows]
        return json.dumps([plain(r) for r in shown], indent=1, ensure_ascii=False, allow_nan=False)
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == Format.csv:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        return buffer.getvalue().rstrip("\n")
    cells = [[_text(r.get(c)) for c in columns] for r in rows]
    if sys.stdout.isatty():
        return _rich_table(columns, cells)
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _rich_table(columns: list[str], cells: list[list[str]]) -> str:
    """A table fitted to the terminal's width (rich folds long cells instead of wrapping rows)."""
    import shutil

    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in cells:
        table.add_row(*row)
    console = Console(width=shutil.get_terminal_size().columns, highlight=False)
    with console.capture() as captured:
        console.print(table)
    return captured.get().rstrip("\n")


def stream_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> int:
    """Write rows as CSV to stdout as they come (a 100,000-sample list never sits in memory).

    Returns the number of rows written.
    """
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    # As matdoe.tables.write_csv: a row with a lone "\r" in a cell (csv does not quote it) or
    # whose first cell starts with "#" (read back as a comment) is written fully quoted, so
    # that `sample import` reads it back unchanged.
    quoted = csv.writer(sys.stdout, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    count = 0
    for row in rows:
        cells = [_csv_cell(row.get(c)) for c in columns]
        needs_quotes = any("\r" in cell for cell in cells) or (
            bool(cells) and cells[0].lstrip().startswith("#")
        )
        (quoted if needs_quotes else writer).writerow(cells)
        count += 1
    sys.stdout.flush()
    return count


def nested_samples(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat sample rows (``matdoe.db.store.flat_rows``) as sample objects with a nested pellet
    and measurements: the JSON layout ``sample import`` reads."""
    from matdoe.tables import MEASUREMENT_FIELDS

    samples: dict[str, dict[str, Any]] = {}
    for row in rows:
        label = row["label"]
        if label not in samples:
            sample = {
                k: v
                for k, v in row.items()
                if not k.startswith(("pellet_", "measurement_"))
                and k not in MEASUREMENT_FIELDS
                and v is not None
            }
            sample.update(
                {k: v for k, v in row.items() if k in ("source", "citation", "notes") and v}
            )
            pellet = {
                k.removeprefix("pellet_"): v
                for k, v in row.items()
                if k.startswith("pellet_") and v is not None
            }
            if pellet:
                sample["pellet"] = pellet
            sample["measurements"] = []
            samples[label] = sample
        measurement = {
            k: v
            for k, v in row.items()
            if k in MEASUREMENT_FIELDS
            and k not in ("source", "citation", "notes")
            and v is not None
        }
        own = {
            k.removeprefix("measurement_"): v
            for k, v in row.items()
            if k.startswith("measurement_") and v is not None
        }
        if measurement or own:
            samples[label]["measurements"].append({**measurement, **own})
    return list(samples.values())


def output(
    rows: Sequence[dict[str, Any]],
    fmt: Format,
    columns: Sequence[str] | None = None,
    *,
    empty: str = "nothing to show",
) -> None:
    if not rows and fmt == Format.table:
        info(empty)
        return
    typer.echo(render(rows, fmt, columns))


def key_values(pairs: Sequence[tuple[str, Any]]) -> str:
    """Aligned 'key  value' lines for a record view."""
    width = max((len(k) for k, _ in pairs), default=0)
    return "\n".join(f"{k.ljust(width)}  {_text(v)}" for k, v in pairs if v not in (None, ""))


DB_OPTION_HELP = "database URL (default: $MATDOE_DB, else sqlite:///matdoe.db in this folder)"
FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="output format")
CAMPAIGN_HELP = "campaign name (default: the only open campaign; see `matdoe campaign list`)"
CAMPAIGN_OPTION = typer.Option(None, "--campaign", "-c", help=CAMPAIGN_HELP, show_default=False)
