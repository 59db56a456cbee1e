"""`matdoe campaign create|list|show|edit|archive`: campaigns as records, many in one database."""

from __future__ import annotations

from pathlib import Path

import typer

from matdoe.cli.common import (
    FORMAT_OPTION,
    Format,
    info,
    key_values,
    new_app,
    output,
    plot_folder,
    render,
    save_figure,
    transaction,
)
from matdoe.errors import InvalidRecordError

app = new_app(
    "Campaigns: a space file (parameters mapped to sample fields, the recipe every batch "
    "shares, conditions, constraints, objectives) and its suggestions; several per database."
)

SPACE_HELP = "space file (YAML or JSON; see data/spaces/ and schemas/space.schema.json)"
NAME_HELP = "campaign name (default: the only open campaign)"


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="a name for the campaign, e.g. libh4-mgo"),
    space: Path = typer.Option(..., "--space", help=SPACE_HELP),
    notes: str | None = typer.Option(None, help="free text kept with the campaign"),
) -> None:
    """Create an open campaign from a space file; its materials must be in the catalogue."""
    from matdoe.campaign import create_campaign, load_definition

    definition = load_definition(space)  # before opening the database: a typo costs nothing
    with transaction(ctx) as session:
        campaign, warnings = create_campaign(session, name, definition, notes=notes)
        created = campaign.name
    info(
        f"created campaign {created}: {', '.join(definition.space.parameter_names)}; "
        f"objectives {'; '.join(o.describe() for o in definition.objectives)}"
    )
    for warning in warnings:
        info(f"  warning: {warning}")
    info(f"  ask for recipes with `matdoe suggest --campaign {created}`")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, help="open or archived"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the campaigns with their parameters, objectives and suggestions."""
    from matdoe.campaign import list_campaigns

    with transaction(ctx, read_only=True) as session:
        rows = list_campaigns(session, status=status)
    output(rows, fmt, empty="no campaigns yet; create one with `matdoe campaign create`")


@app.command("show")
def show(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help=NAME_HELP, show_default=False),
    plots: Path | None = typer.Option(
        None,
        help="save pareto.png here: the batches in the first two objectives, the front "
        "highlighted (a campaign with several objectives)",
    ),
    source: str | None = typer.Option(
        None, help="count only measurements of this source (measured, paper or simulated)"
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Show a campaign: space, recipe, objectives, its current front, and the history."""
    from matdoe.campaign import definition_of, resolve_campaign
    from matdoe.campaign.view import campaign_view

    if plots is not None:
        plot_folder(plots, "--plots")
    with transaction(ctx, read_only=True) as session:
        campaign = resolve_campaign(session, name, create=False)
        view = campaign_view(session, campaign, sources=(source,) if source else None)
        record = {
            "name": campaign.name,
            "status": campaign.status,
            "space": definition_of(campaign).to_dict(),
            "notes": campaign.notes,
        }
        title = campaign.name
    saved = None
    if plots is not None:
        saved = save_front(view.table, plots, title)
    if fmt != Format.table:
        output([{**record, "front": view.front}], fmt)
        return
    parts = [f"Campaign {title}", key_values(view.summary)]
    if view.recipe:
        parts.append("\nRecipe every batch shares\n" + key_values(view.recipe))
    parts.append("\nParameters\n" + render(view.parameters, Format.table))
    if view.conditions:
        parts.append("\nConditions\n" + render(view.conditions, Format.table))
    if view.constraints:
        parts.append("\nConstraints\n" + "\n".join(f"  {c}" for c in view.constraints))
    parts.append("\nObjectives\n" + "\n".join(f"  {o}" for o in view.objectives))
    if view.front:
        heading = "Pareto front (measured)" if view.several_objectives else "Best batches"
        parts.append(f"\n{heading}\n" + render(view.front, Format.table))
    else:
        parts.append("\nNo batch has every objective measured yet.")
    if view.history:
        parts.append("\nHistory\n" + "\n".join(f"  {line}" for line in view.history))
    typer.echo("\n".join(parts))
    if saved is not None:
        info(f"saved {saved}")


def save_front(table: object, folder: Path, title: str) -> Path:
    """Save ``pareto.png`` (the measured batches in the first two objectives) in ``folder``."""
    from matdoe.plots import plot_pareto

    objectives = getattr(table, "attrs", {}).get("objectives", [])
    if len(objectives) < 2:
        raise InvalidRecordError(
            f"--plots: campaign {title} has one objective, so no Pareto front to draw"
        )
    path = folder / "pareto.png"
    save_figure(plot_pareto(table, objectives, title=title), path, "--plots")  # type: ignore[arg-type]
    return path


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="campaign name"),
    space: Path | None = typer.Option(None, "--space", help="replace the space: " + SPACE_HELP),
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="new range of a numeric parameter or condition, NAME=low:high (widen or narrow; "
        "an empty end stays), e.g. --set milling_h=:24",
    ),
    choices: list[str] = typer.Option(
        [], "--choices", help="new choices of a categorical parameter, NAME=a,b"
    ),
    notes: str | None = typer.Option(None, help="replace the notes ('' clears them)"),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
) -> None:
    """Change a campaign; the earlier version stays in its history."""
    from matdoe.campaign import definition_of, edit_campaign, find_campaign, load_definition
    from matdoe.recipes import material_name, parse_range, parse_values

    definition = load_definition(space) if space is not None else None
    ranges = {}
    for item in set_:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRecordError(f"--set {item!r}: write it as NAME=low:high")
        if key.strip() in ranges:
            raise InvalidRecordError(f"--set: {key.strip()!r} is given twice")
        ranges[key.strip()] = value
    new_choices = {}
    for item in choices:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRecordError(f"--choices {item!r}: write it as NAME=a,b")
        new_choices[key.strip()] = parse_values(value, where=f"--choices {key.strip()}")
    with transaction(ctx) as session:
        fields = dict(definition_of(find_campaign(session, name)).fields)
        parsed = {
            key: parse_range(value, field=fields.get(key), where=f"--set {key}")
            for key, value in ranges.items()
        }
        new_choices = {
            key: [material_name(session, v, fields[key]) for v in values]
            if fields.get(key) in ("host", "scaffold")
            else values
            for key, values in new_choices.items()
        }
        campaign, warnings = edit_campaign(
            session,
            name,
            definition=definition,
            ranges=parsed,
            choices=new_choices,
            notes=notes,
            reason=reason,
        )
        edited = campaign.name
    what = [
        *(["space"] if space is not None else []),
        *(f"{k} {v}" for k, v in ranges.items()),
        *(f"{k} choices" for k in new_choices),
        *(["notes"] if notes is not None else []),
    ]
    info(f"updated campaign {edited}: {', '.join(what)} (the earlier version is in its history)")
    for warning in warnings:
        info(f"  warning: {warning}")


@app.command("archive")
def archive(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="campaign name"),
    undo: bool = typer.Option(False, "--undo", help="reopen an archived campaign"),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
) -> None:
    """Archive a campaign: kept with its suggestions, no longer proposed for or the default."""
    from matdoe.campaign import archive_campaign

    with transaction(ctx) as session:
        campaign = archive_campaign(session, name, undo=undo, reason=reason)
        done = (campaign.name, campaign.status)
    info(f"campaign {done[0]} is {done[1]}")
