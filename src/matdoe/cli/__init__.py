"""The ``matdoe`` command line.

One ``Typer`` per command group, joined with ``add_typer``. Commands parse, open one transaction,
call the library and print; results go to stdout, messages to stderr. Known errors end as one
line and exit code 1 (2 for usage errors); ``MATDOE_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer

from matdoe import __version__
from matdoe.cli import analyze, asktell, campaign, material, measure, model, sample, suggestion
from matdoe.cli.common import DB_OPTION_HELP, info, new_app, open_database, state

EXIT_CODES = (
    "Exit codes: 0 done; 1 refused or failed (one line on stderr says why; nothing was "
    "written); 2 usage error (an unknown option, a missing argument); 130 interrupted. "
    "MATDOE_DEBUG=1 shows the traceback of a failure."
)

app = new_app(
    "matdoe: record ball-milled solid-electrolyte batches and their conductivities, model them, "
    "and get the next recipes to make.",
    root=True,
    epilog=EXIT_CODES,
)
app.add_typer(material.app, name="material")
app.add_typer(sample.app, name="sample")
app.add_typer(measure.app, name="measure")
app.add_typer(analyze.app, name="analyze")
app.add_typer(model.app, name="model")
app.add_typer(suggestion.app, name="suggestion")
app.add_typer(campaign.app, name="campaign")
app.command("suggest")(suggestion.suggest_command)
app.command("ask")(asktell.ask_command)
app.command("tell")(asktell.tell_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"matdoe {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help=DB_OPTION_HELP + "; may also follow the command", show_default=False
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="only results and errors"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="also say what was opened"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """Record batches and conductivities, model them, and plan the next experiments."""
    from matdoe.cli.common import VERBOSITY

    if quiet and verbose:
        raise typer.BadParameter("give --quiet or --verbose, not both")
    if db is not None and not db.strip():
        # An unset shell variable ("--db $LAB") would otherwise open the default database.
        raise typer.BadParameter(
            "is empty; give a database URL or file, or leave --db out", param_hint="'--db'"
        )
    VERBOSITY["level"] = -1 if quiet else (1 if verbose else 0)
    state(ctx).db = db


@app.command()
def init(
    ctx: typer.Context,
    example: bool = typer.Option(
        False, "--example", help="also load the paper's silica catalogue and reported values"
    ),
) -> None:
    """Create the database, or upgrade its schema to this version of matdoe."""
    from matdoe.cli.common import db_url
    from matdoe.db import mask_url, upgrade
    from matdoe.db.engine import translated_errors

    engine, factory = open_database(ctx, create=True)
    with translated_errors(db_url(ctx)):
        before, after = upgrade(engine)
    where = mask_url(db_url(ctx))
    if before == after:
        info(f"{where}: schema is current (revision {after})")
    elif before is None:
        info(f"{where}: created (schema revision {after})")
    else:
        info(f"{where}: upgraded from revision {before} to {after}")
    from matdoe.campaign import ensure_default_campaign

    with factory.begin() as session:
        # The default campaign exists from the start, so that concurrent `matdoe suggest`
        # calls can lock its row instead of racing to create it; a database that has its own
        # campaigns (restored, or the default archived under another name) gets none.
        ensure_default_campaign(session)
    if example:
        from matdoe.paper import load_paper_data

        with factory.begin() as session:
            counts = load_paper_data(session)
        info(
            f"loaded the paper's data: {counts['materials']} materials, {counts['samples']} "
            f"samples, {counts['measurements']} reported values (DOI 10.1039/d5ta09128d)"
        )


EXPORT_PATH_HELP = "a .json file, or a new folder for one CSV per table"
FORCE_HELP = "replace an existing export (it stays intact until the new one is complete)"


@app.command("export")
def export_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., help=EXPORT_PATH_HELP, show_default=False),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Write the whole database (records, history, suggestions) to a JSON file or CSV folder.

    The export carries each table's row count and checksum; it is written beside the target
    and renamed into place when complete, so a crash never leaves half a backup.
    """
    from matdoe.db import session_factory
    from matdoe.db.bundle import check_target, export_bundle

    target = Path(path)
    if not path.strip():
        check_target(Path(""))
    check_target(target, force=force)  # before opening the database: a typo costs nothing
    engine, _factory = open_database(ctx)
    # One snapshot of the whole database, read without a lock: writers go on meanwhile.
    with session_factory(engine, snapshot=True).begin() as session:
        counts = export_bundle(session, target, force=force)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    info(f"exported to {target}: {summary or 'an empty database'}")


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., help=EXPORT_PATH_HELP, show_default=False),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Same as `matdoe export`: everything, restorable with `matdoe import`."""
    export_command(ctx, path, force)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="a .json file or folder written by `matdoe export`"),
    unverified: bool = typer.Option(
        False,
        "--unverified",
        help="restore an export of an older matdoe, which has no checksums to verify",
    ),
) -> None:
    """Restore an export into an empty database: all of it, or nothing.

    Every table's row count and checksum are checked before anything is written.
    """
    from matdoe.cli.common import transaction
    from matdoe.db.bundle import import_bundle

    with transaction(ctx) as session:
        counts = import_bundle(session, path, verify=not unverified)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    info(f"imported {path}: {summary or 'nothing (the export was empty)'}")


@app.command()
def demo(
    ctx: typer.Context,
    folder: Path = typer.Option(Path("demo"), help="where to build the demo database"),
    rounds: int = typer.Option(4, min=0, max=20, help="simulated rounds of suggest → measure"),
    batch: int = typer.Option(4, min=1, max=10, help="recipes per round"),
) -> None:
    """Build a fresh demo database from the paper's data and run the design loop on it."""
    from matdoe.cli.demo import run_demo

    run_demo(folder, rounds=rounds, batch=batch, db=state(ctx).db)


def main() -> None:
    """Entry point of the ``matdoe`` script."""
    app()
