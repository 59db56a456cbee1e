"""`matdoe analyze arrhenius`: activation energy from a sample's conductivities."""

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
    plot_target,
    save_figure,
    transaction,
)

app = new_app("Derived values: Arrhenius fits of conductivity against temperature.")


@app.command("arrhenius")
def arrhenius(
    ctx: typer.Context,
    label: str = typer.Argument(..., help="the sample's label"),
    form: str = typer.Option(
        "sigma_t",
        help="sigma_t: sigma·T = A·exp(-Ea/kT) (default, Nernst–Einstein); sigma: sigma = A·exp(-Ea/kT)",
    ),
    plot: Path | None = typer.Option(None, help="save the Arrhenius plot (PNG)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Fit Ea ± standard error, the prefactor and R²; sigma at 25 and 30 °C; store the fit."""
    from matdoe.analysis import arrhenius_figure, arrhenius_summary

    plot_target(plot, "--plot")
    with transaction(ctx) as session:
        summary = arrhenius_summary(session, label, form=form)
        if plot is not None:
            save_figure(arrhenius_figure(session, label, form=form), plot, "--plot")
    if fmt == Format.table:
        typer.echo(key_values(list(summary.items())))
    else:
        output([summary], fmt)
    if plot is not None:
        info(f"saved {plot}")
