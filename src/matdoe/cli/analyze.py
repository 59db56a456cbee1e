"""`matdoe analyze arrhenius`: activation energy from a sample's conductivities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _table_view(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    """The summary as a person reads it: values with their uncertainty and unit."""
    from matdoe.conductivity import R2_UNDEFINED

    def at(celsius: int) -> str | None:
        value = summary[f"sigma_{celsius}c_s_cm"]
        if value is None:
            return None
        flag = " (extrapolated)" if summary[f"extrapolated_{celsius}c"] else ""
        return f"{value:.3g} S/cm{flag}"

    return [
        ("sample", summary["sample"]),
        ("form", f"{summary['form']}: {summary['equation']}"),
        ("Ea", f"{summary['ea_ev']:.4f} ± {summary['ea_std_ev']:.4f} eV"),
        ("Ea (kJ/mol)", f"{summary['ea_kj_mol']:.2f} ± {summary['ea_std_kj_mol']:.2f}"),
        (
            "log10 prefactor",
            f"{summary['log10_prefactor']:.3f} ± {summary['log10_prefactor_std']:.3f} "
            f"(A in {summary['prefactor_unit']})",
        ),
        ("R²", R2_UNDEFINED if summary["r2"] is None else f"{summary['r2']:.5f}"),
        ("points", summary["n_points"]),
        (
            "temperatures",
            f"{summary['temperature_min_c']:.1f} to {summary['temperature_max_c']:.1f} °C",
        ),
        ("sigma(25 °C)", at(25)),
        ("sigma(30 °C)", at(30)),
        ("weighted", summary["weighted"]),
        ("geometry error", f"{summary['geometry_rel_std']:.1%} (on the prefactor only)"),
        *(("WARNING", w) for w in summary["warnings"]),
        ("computed by", summary["computed_by"]),
    ]


@app.command("arrhenius")
def arrhenius(
    ctx: typer.Context,
    label: str = typer.Argument(..., help="the sample's label"),
    form: str = typer.Option(
        "sigma",
        help="sigma: sigma = A·exp(-Ea/kT) (default; the form the paper's numbers follow); "
        "sigma_t: sigma·T = A·exp(-Ea/kT) (Nernst–Einstein)",
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
        typer.echo(key_values(_table_view(summary)))
    else:
        flat = (
            summary
            if fmt == Format.json
            else {**summary, "warnings": "; ".join(summary["warnings"])}
        )
        output([flat], fmt)
    if plot is not None:
        info(f"saved {plot}")
