"""`matdoe ask` and `matdoe tell`: the design loop for robots and scripts.

``ask`` stores the next recipes as pending suggestions and prints them with their ids (``-f
json`` for a program); ``tell ID`` records the sample made from suggestion ID with its
measurements, in one all-or-nothing step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    CAMPAIGN_OPTION,
    FORCE_OPTION_HELP,
    FORMAT_OPTION,
    Format,
    info,
    output,
    target_temperature_c,
    transaction,
)
from matdoe.errors import InvalidRecordError

# In a table: the id, the campaign's parameters (the columns before ``reason``), then these.
ASK_COLUMNS_TABLE = (
    "reason",
    "sigma_s_cm",
    "new_low95_s_cm",
    "new_high95_s_cm",
    "host_mg",
    "scaffold_mg",
    "balls_g",
)


def ask_command(
    ctx: typer.Context,
    n: int = typer.Option(4, "-n", "--n", min=1, max=50, help="how many recipes"),
    temperature: str = typer.Option(
        "30C", "--temperature", "-t", help="optimise sigma at this temperature, e.g. 30C"
    ),
    strategy: str = typer.Option("gp-ei", help="gp-ei, gp-ucb, optuna-tpe, optuna-gp or random"),
    seed: int = typer.Option(0, min=0, max=2**32 - 1, help="random seed"),
    campaign: str | None = CAMPAIGN_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Store the next recipes as pending suggestions and print them with their ids.

    For a program: `matdoe ask -n 4 -f json` gives a list of objects with `id`, the recipe,
    `reason`, the prediction in S/cm with its intervals and the masses to weigh; report each
    result back with `matdoe tell ID ...`.
    """
    from matdoe.asktell import ask
    from matdoe.suggest import STRATEGIES

    if strategy not in STRATEGIES:
        raise InvalidRecordError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    temperature_c = target_temperature_c(temperature)
    with transaction(ctx) as session:
        rows = ask(
            session,
            n=n,
            temperature_c=temperature_c,
            strategy=strategy,
            random_state=seed,
            campaign=campaign,
        )
    if fmt == Format.table:
        output([_table_row(r) for r in rows], fmt)
        info(f"asked: {len(rows)} pending suggestions; report results with `matdoe tell ID`")
    else:
        output(rows, fmt)


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    keys = list(row)
    parameters = keys[: keys.index("reason")] if "reason" in keys else ["id"]
    return {k: row[k] for k in (*parameters, *ASK_COLUMNS_TABLE) if k in row}


def tell_command(
    ctx: typer.Context,
    suggestion: int | None = typer.Argument(
        None, help="id of the suggestion the batch realises (see `matdoe ask`)"
    ),
    label: str | None = typer.Option(None, "--label", "-l", help="label of the new sample"),
    temperature: list[str] = typer.Option(
        [], "--temperature", "-t", help="measurement temperature, e.g. 30C (repeat for more)"
    ),
    sigma: list[str] = typer.Option([], "--sigma", help="conductivity at each --temperature"),
    resistance: list[str] = typer.Option(
        [], "--resistance", "-r", help="or the resistance at each --temperature (with L and A)"
    ),
    thickness: str | None = typer.Option(None, help="pellet thickness, e.g. 320um"),
    area: str | None = typer.Option(None, help="pellet area, e.g. 0.785cm2"),
    host: str | None = typer.Option(None, help="host salt (default: the campaign's)"),
    file: Path | None = typer.Option(
        None, "--file", help="JSON/YAML list of results: suggestion, label, measurements, pellet"
    ),
    simulated: bool = typer.Option(
        False, "--simulated", help="the results come from a simulation (stored as simulated)"
    ),
    notes: str | None = typer.Option(None),
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
    campaign: str | None = CAMPAIGN_OPTION,
) -> None:
    """Record the sample made from a suggestion and its measurements: all of it, or nothing.

    `matdoe tell 12 --label NB-014 -t 30C --sigma 4.1e-4S/cm -t 60C --sigma 1.4mS/cm`, or with
    resistances `-r 110ohm --thickness 320um --area 0.785cm2`; `--file results.json` tells
    several at once (one transaction for the file).
    """
    from matdoe import units
    from matdoe.asktell import read_results, tell

    source = "simulated" if simulated else "measured"
    if file is not None:
        if suggestion is not None or label is not None or temperature:
            raise InvalidRecordError("give either --file or a suggestion id with its results")
        results = read_results(file)
        with transaction(ctx) as session:
            for result in results:
                tell(
                    session,
                    result["suggestion"],
                    label=result["label"],
                    measurements=result["measurements"],
                    pellet=result.get("pellet"),
                    host=result.get("host"),
                    made_on=result.get("made_on"),
                    notes=result.get("notes"),
                    source=source,
                    force=force,
                    campaign=campaign,
                )
        info(f"told {len(results)} results from {file.name}")
        return
    if suggestion is None or label is None:
        raise InvalidRecordError("give the suggestion id and --label (or --file results.json)")
    values = sigma or resistance
    if sigma and resistance:
        raise InvalidRecordError("give --sigma or --resistance for each temperature, not both")
    if not temperature or len(values) != len(temperature):
        raise InvalidRecordError(
            f"give one --sigma (or --resistance) per --temperature: got {len(temperature)} "
            f"temperature(s) and {len(values)} value(s)"
        )
    key = "sigma_s_cm" if sigma else "resistance_ohm"
    kind = "conductivity" if sigma else "resistance"
    measurements: list[dict[str, Any]] = [
        {
            "temperature_k": units.parse(t, "temperature", name="--temperature"),
            key: units.parse(v, kind, name="--sigma" if sigma else "--resistance"),
        }
        for t, v in zip(temperature, values, strict=True)
    ]
    pellet = None
    if thickness or area:
        pellet = {
            "thickness_cm": units.parse_optional(thickness, "length", name="--thickness"),
            "area_cm2": units.parse_optional(area, "area", name="--area"),
        }
    with transaction(ctx) as session:
        sample = tell(
            session,
            suggestion,
            label=label,
            measurements=measurements,
            pellet=pellet,
            host=host,
            made_on=dt.date.today(),
            notes=notes,
            source=source,
            force=force,
            campaign=campaign,
        )
        shown = sample.label
    info(f"told suggestion {suggestion}: sample {shown} with {len(measurements)} measurement(s)")
