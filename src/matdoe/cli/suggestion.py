"""`matdoe suggest` and `matdoe suggestion list|abandon`: the next recipes to make."""

from __future__ import annotations

from pathlib import Path

import typer

from matdoe.cli.common import FORMAT_OPTION, Format, info, new_app, output, transaction
from matdoe.errors import InvalidRecordError

app = new_app("Suggestions: list what the model proposed, and abandon what will not be made.")

STRATEGIES = ("gp-ei", "gp-ucb", "optuna-tpe", "optuna-gp", "random")


def suggest_command(
    ctx: typer.Context,
    n: int = typer.Option(4, "-n", "--n", min=1, max=50, help="how many recipes"),
    temperature: str = typer.Option(
        "30C", "--temperature", "-t", help="optimise sigma at this temperature, e.g. 30C"
    ),
    strategy: str = typer.Option("gp-ei", help="gp-ei, gp-ucb, optuna-tpe, optuna-gp or random"),
    candidates: Path | None = typer.Option(
        None,
        help="CSV/JSON/YAML of makeable recipes (silica, vol_pct, milling_h): choose among them",
    ),
    silica: str | None = typer.Option(None, help="propose only these silicas, e.g. A200,A380"),
    min_vol: float | None = typer.Option(None, help="lowest vol% to propose"),
    max_vol: float | None = typer.Option(None, help="highest vol% to propose"),
    max_milling: str | None = typer.Option(None, help="longest milling time to propose, e.g. 8h"),
    batch_mg: float = typer.Option(500.0, help="batch mass for the recipe to weigh, mg"),
    seed: int = typer.Option(
        0, min=0, max=2**32 - 1, help="random seed (same seed, same data: same suggestions)"
    ),
    fmt: Format = FORMAT_OPTION,
    dry_run: bool = typer.Option(False, help="show the suggestions without storing them"),
) -> None:
    """Propose the next recipes: why each was chosen, predicted sigma with intervals, masses.

    The narrowing flags limit the proposals only: every measurement and pending suggestion,
    also outside them, keeps informing the model.
    """
    from matdoe import units
    from matdoe.campaign import propose, suggestion_rows
    from matdoe.recipes import proposal_limits, read_recipes

    if strategy not in STRATEGIES:
        raise InvalidRecordError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    temperature_c = units.parse(temperature, "temperature", name="--temperature") - 273.15
    milling_cap = units.parse_optional(max_milling, "time", name="--max-milling")
    with transaction(ctx) as session:
        limits = proposal_limits(
            session, silica=silica, min_vol=min_vol, max_vol=max_vol, max_milling_h=milling_cap
        )
        batch, stored, n_observed = propose(
            session,
            n=n,
            temperature_c=temperature_c,
            strategy=strategy,
            random_state=seed,
            limits=limits,
            candidates=(
                (lambda space: read_recipes(candidates, space, session=session))
                if candidates
                else None
            ),
            store=not dry_run,
        )
        rows = suggestion_rows(session, batch, stored, batch_mg=batch_mg)
        if candidates:
            for row, index in zip(rows, batch.index, strict=True):
                row["candidate"] = index
    info(
        f"{strategy}: {len(rows)} suggestions at {temperature_c:.0f} °C from {n_observed} "
        f"conductivities" + (" (not stored: --dry-run)" if dry_run else "")
    )
    output(rows, fmt)
    if fmt == Format.table and rows:
        from matdoe.campaign import INTERVAL_NOTE

        if "sigma_s_cm" in rows[0]:
            info(INTERVAL_NOTE)
        info(
            "distance_to_made: to the nearest measured or pending recipe (ranges scaled to 0-1, "
            "another silica counts 1)"
        )
        if not dry_run:
            info("record a made batch with `matdoe sample add --from-suggestion ID --label ...`")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, help="pending, made or abandoned"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List suggestions with their predictions and, once made, the measured value."""
    from matdoe.campaign import suggestion_table

    with transaction(ctx, read_only=True) as session:
        rows = suggestion_table(session, status=status)
    output(rows, fmt, empty="no suggestions yet; ask with `matdoe suggest`")


@app.command("abandon")
def abandon(
    ctx: typer.Context, ids: list[int] = typer.Argument(..., help="suggestion ids")
) -> None:
    """Mark pending suggestions as abandoned (kept for the record)."""
    from matdoe.campaign import abandon as abandon_one

    with transaction(ctx) as session:
        for suggestion_id in ids:
            abandon_one(session, suggestion_id)
    info(f"abandoned {', '.join(map(str, ids))}")
