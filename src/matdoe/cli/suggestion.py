"""`matdoe suggest` and `matdoe suggestion list|abandon`: the next recipes to make."""

from __future__ import annotations

from pathlib import Path

import typer

from matdoe.cli.common import (
    CAMPAIGN_OPTION,
    FORMAT_OPTION,
    Format,
    info,
    new_app,
    output,
    target_temperature_c,
    transaction,
)
from matdoe.errors import InvalidRecordError

app = new_app("Suggestions: list what the model proposed, and abandon what will not be made.")

STRATEGIES = ("gp-ei", "gp-ucb", "gp-ehvi", "gp-parego", "optuna-tpe", "optuna-gp", "random")


def suggest_command(
    ctx: typer.Context,
    n: int = typer.Option(4, "-n", "--n", min=1, max=50, help="how many recipes"),
    campaign: str | None = CAMPAIGN_OPTION,
    temperature: str | None = typer.Option(
        None,
        "--temperature",
        "-t",
        help="optimise sigma at this temperature, e.g. 30C (default: the campaign's)",
        show_default=False,
    ),
    strategy: str = typer.Option(
        "gp-ei",
        help="gp-ei, gp-ucb, optuna-tpe, optuna-gp or random; with several objectives gp-ehvi "
        "or gp-parego (gp-ei: the better of the two)",
    ),
    candidates: Path | None = typer.Option(
        None,
        help="CSV/JSON/YAML of makeable recipes (the campaign's parameter columns): choose "
        "among them",
    ),
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="propose only inside this range of a numeric parameter, NAME=low:high (either "
        "end may be empty), e.g. --set milling_rpm=300:500",
    ),
    only: list[str] = typer.Option(
        [],
        "--only",
        help="propose only these choices of a categorical parameter, NAME=a,b",
    ),
    silica: str | None = typer.Option(
        None, help="shorthand: propose only these scaffolds, e.g. A200,A380"
    ),
    min_vol: float | None = typer.Option(None, help="shorthand: lowest vol% scaffold to propose"),
    max_vol: float | None = typer.Option(None, help="shorthand: highest vol% to propose"),
    max_milling: str | None = typer.Option(
        None, help="shorthand: longest milling time to propose, e.g. 8h"
    ),
    batch_mg: float | None = typer.Option(
        None,
        help="batch mass for the recipe to weigh, mg (1 to 1e6; default: the campaign's, else 500)",
        show_default=False,
    ),
    seed: int = typer.Option(
        0, min=0, max=2**32 - 1, help="random seed (same seed, same data: same suggestions)"
    ),
    fmt: Format = FORMAT_OPTION,
    dry_run: bool = typer.Option(False, help="show the suggestions without storing them"),
) -> None:
    """Propose the next recipes: why each was chosen, predicted sigma with intervals, masses.

    The narrowing flags limit the proposals only: every measurement and pending suggestion,
    also outside them, keeps informing the model. A campaign with several objectives gets a
    batch that extends its Pareto front.
    """
    from matdoe import units
    from matdoe.campaign import (
        campaign_space,
        definition_of,
        propose,
        resolve_campaign,
        suggestion_rows,
    )
    from matdoe.plausibility import refuse_implausible
    from matdoe.recipes import parse_limits, proposal_limits, read_recipes

    if strategy not in STRATEGIES:
        raise InvalidRecordError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    temperature_c = target_temperature_c(temperature)
    if batch_mg is not None:
        refuse_implausible("batch_mg", batch_mg, where=f"--batch-mg {batch_mg:g}")
    milling_cap = units.parse_optional(max_milling, "time", name="--max-milling")
    with transaction(ctx) as session:
        chosen = resolve_campaign(session, campaign, lock=True)
        definition = definition_of(chosen)
        space = campaign_space(session, definition)
        limits = parse_limits(session, space, ranges=set_, only=only, fields=definition.fields)
        shorthand = proposal_limits(
            session,
            silica=silica,
            min_vol=min_vol,
            max_vol=max_vol,
            max_milling_h=milling_cap,
            fields=definition.fields,
        )
        both = sorted(set(limits) & set(shorthand))
        if both:
            raise InvalidRecordError(
                f"parameter {both[0]!r} is limited twice (by --set/--only and a shorthand)"
            )
        batch, stored, n_observed = propose(
            session,
            n=n,
            campaign=chosen,
            temperature_c=temperature_c,
            strategy=strategy,
            random_state=seed,
            limits={**limits, **shorthand},
            candidates=(
                (
                    lambda space: read_recipes(
                        candidates, space, session=session, fields=definition.fields
                    )
                )
                if candidates
                else None
            ),
            store=not dry_run,
        )
        rows = suggestion_rows(session, batch, stored, batch_mg=batch_mg, campaign=chosen)
        if candidates:
            for row, index in zip(rows, batch.index, strict=True):
                row["candidate"] = index
        target = batch.attrs.get("conditions", {}).get("temperature_c")
        used = batch.attrs.get("strategy", strategy)
        name = chosen.name
    at = f" at {target:.0f} °C" if target is not None else ""
    info(
        f"{name}: {used}: {len(rows)} suggestions{at} from {n_observed} observations"
        + (" (not stored: --dry-run)" if dry_run else "")
    )
    output(rows, fmt)
    if fmt == Format.table and rows:
        from matdoe.campaign import INTERVAL_NOTE

        if "sigma_s_cm" in rows[0]:
            info(INTERVAL_NOTE)
        info(
            "distance_to_made: to the nearest measured or pending recipe (ranges scaled to 0-1, "
            "another choice counts 1)"
        )
        notes = sorted({r["masses_note"] for r in rows if r.get("masses_note")})
        for note in notes:
            info(f"masses not computed: {note}")
        if not dry_run:
            info("record a made batch with `matdoe sample add --from-suggestion ID --label ...`")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, help="pending, made or abandoned"),
    campaign: str | None = CAMPAIGN_OPTION,
    every: bool = typer.Option(
        False, "--all", help="suggestions of every campaign (with a campaign column)"
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List suggestions with their predictions and, once made, the measured value."""
    from matdoe.campaign import has_campaigns, resolve_campaign, suggestion_table

    if every and campaign is not None:
        raise InvalidRecordError("give --campaign NAME or --all, not both")
    with transaction(ctx, read_only=True) as session:
        if every or (campaign is None and not has_campaigns(session)):
            chosen = None  # a read-only command creates no default campaign
        else:
            chosen = resolve_campaign(session, campaign)
        rows = suggestion_table(session, status=status, campaign=chosen)
    output(rows, fmt, empty="no suggestions yet; ask with `matdoe suggest`")


@app.command("abandon")
def abandon(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., help="suggestion ids"),
    campaign: str | None = typer.Option(
        None,
        "--campaign",
        "-c",
        help="refuse ids that are not this campaign's suggestions",
        show_default=False,
    ),
) -> None:
    """Mark pending suggestions as abandoned (kept for the record)."""
    from matdoe.campaign import abandon as abandon_one
    from matdoe.campaign import find_campaign

    with transaction(ctx) as session:
        chosen = find_campaign(session, campaign) if campaign is not None else None
        for suggestion_id in ids:
            abandon_one(session, suggestion_id, campaign=chosen)
    info(f"abandoned {', '.join(map(str, ids))}")
