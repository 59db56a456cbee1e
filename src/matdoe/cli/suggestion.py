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
        "30C", "--temperature", "-t", help="optimise sigma at this temperature"
    ),
    strategy: str = typer.Option("gp-ei", help="gp-ei, gp-ucb, optuna-tpe, optuna-gp or random"),
    candidates: Path | None = typer.Option(
        None,
        help="CSV/JSON/YAML of makeable recipes (silica, vol_pct, milling_h): choose among them",
    ),
    silica: str | None = typer.Option(None, help="only these silicas, e.g. A200,A380"),
    min_vol: float | None = typer.Option(None, help="lowest vol% to propose"),
    max_vol: float | None = typer.Option(None, help="highest vol% to propose"),
    max_milling: str | None = typer.Option(None, help="longest milling time, e.g. 8h"),
    batch_mg: float = typer.Option(500.0, help="batch mass for the recipe to weigh, mg"),
    seed: int = typer.Option(
        0, min=0, max=2**32 - 1, help="random seed (same seed, same data: same suggestions)"
    ),
    fmt: Format = FORMAT_OPTION,
    dry_run: bool = typer.Option(False, help="show the suggestions without storing them"),
) -> None:
    """Propose the next recipes, with predicted sigma ± interval and the masses to weigh."""
    from matdoe import units
    from matdoe.campaign import propose, recipe_for
    from matdoe.db.store import find_material

    if strategy not in STRATEGIES:
        raise InvalidRecordError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    temperature_c = units.parse(temperature, "temperature", name="--temperature") - 273.15
    milling_cap = units.parse_optional(max_milling, "time", name="--max-milling")
    with transaction(ctx) as session:
        batch, stored, n_observed = propose(
            session,
            n=n,
            temperature_c=temperature_c,
            strategy=strategy,
            random_state=seed,
            narrow=lambda space: _restrict(
                space, session, silica, min_vol, max_vol, milling_cap, find_material
            ),
            candidates=(lambda space: _candidates(candidates, space)) if candidates else None,
            store=not dry_run,
        )
        rows = []
        for position, (_, row) in enumerate(batch.iterrows()):
            recipe = recipe_for(session, row["silica"], float(row["vol_pct"]), batch_mg=batch_mg)
            mean, std = float(row["predicted_mean"]), float(row["predicted_std"])
            rows.append(
                {
                    "id": stored[position].id if stored else None,
                    "silica": row["silica"],
                    "vol_pct": float(row["vol_pct"]),
                    "milling_h": float(row["milling_h"]),
                    "sigma_s_cm": 10**mean,
                    "sigma_low95": 10 ** (mean - 1.96 * std),
                    "sigma_high95": 10 ** (mean + 1.96 * std),
                    "expected_improvement": float(row.get("expected_improvement", float("nan"))),
                    "host_mg": round(recipe.host_mg, 1),
                    "scaffold_mg": round(recipe.scaffold_mg, 1),
                    "balls_g": round(recipe.balls_g, 1),
                    **({"candidate": row.name} if candidates else {}),
                }
            )
    info(
        f"{strategy}: {len(rows)} suggestions at {temperature_c:.0f} °C from {n_observed} "
        f"conductivities" + (" (not stored: --dry-run)" if dry_run else "")
    )
    output(rows, fmt)
    if fmt == Format.table and rows and not dry_run:
        info("record a made batch with `matdoe sample add --from-suggestion ID --label ...`")


def _restrict(space, session, silica, min_vol, max_vol, milling_cap, find_material):  # type: ignore[no-untyped-def]
    """The space narrowed by the command's filters."""
    from matdoe.space import Categorical, Float

    params = []
    for p in space.parameters:
        if p.name == "silica" and silica:
            names = [
                find_material(session, s.strip(), kind="scaffold").name
                for s in silica.split(",")
                if s.strip()
            ]
            assert isinstance(p, Categorical)
            unknown = [s for s in names if s not in p.choices]
            if unknown:
                raise InvalidRecordError(f"--silica: {unknown[0]} has no BET area in the catalogue")
            desc = {c: p.descriptors[c] for c in names} if p.descriptors else None
            p = Categorical(p.name, names, descriptors=desc)
        elif p.name == "vol_pct" and (min_vol is not None or max_vol is not None):
            p = Float(
                p.name,
                max(p.low, min_vol if min_vol is not None else p.low),
                min(p.high, max_vol if max_vol is not None else p.high),
                step=p.step,
                log=p.log,
            )
        elif p.name == "milling_h" and milling_cap is not None:
            if milling_cap < p.low:
                raise InvalidRecordError(f"--max-milling {milling_cap:g} h is below {p.low:g} h")
            p = Float(p.name, p.low, min(p.high, milling_cap), step=p.step, log=p.log)
        params.append(p)
    from matdoe.space import SearchSpace

    return SearchSpace(
        params,
        space.constraints,
        space.conditions,
        objective=space.objective,
        maximize=space.maximize,
    )


def _candidates(path: Path, space):  # type: ignore[no-untyped-def]
    import pandas as pd

    from matdoe.tables import file_format, read_csv_rows, read_structured

    if file_format(path) == "csv":
        frame = pd.DataFrame(read_csv_rows(path))
    else:
        data = read_structured(path)
        if isinstance(data, dict):
            data = data.get("candidates", data)
        frame = pd.DataFrame(data)
    if frame.empty:
        raise InvalidRecordError(f"{path.name}: the candidate file holds no recipes")
    missing = [c for c in space.parameter_names if c not in frame.columns]
    if missing:
        raise InvalidRecordError(
            f"{path.name}: missing column {missing[0]!r} (need {', '.join(space.parameter_names)})"
        )
    for p in space.parameters:
        if p.name != "silica":
            frame[p.name] = pd.to_numeric(frame[p.name], errors="coerce")
    frame.index = range(1, len(frame) + 1)
    return frame[list(space.parameter_names)]


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
