"""Closed design-of-experiments loops on the digital twin. SIMULATED, for comparing strategies.

:func:`run_closed_loop` plays a lab that starts with no data, asks a strategy of
:func:`matdoe.suggest.suggest` for a batch, "makes and measures" it with a
:class:`matdoe.simulate.DigitalTwin` (noisy log10 sigma at one temperature) and repeats until the
budget of experiments is spent. After every experiment it records the best *noiseless* value
among the recipes made so far and its regret: the twin's optimum minus that value, in log10 S/cm
(0 means the best recipe of the space was found; 1 means ten times below the best conductivity).
Using the noiseless value measures what the lab made, not how lucky one noisy measurement was.

The notebooks use it for a small regret plot; benchmarks may run it with larger budgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd

    from matdoe.simulate import DigitalTwin
    from matdoe.space import SearchSpace

__all__ = ["run_closed_loop"]


def run_closed_loop(
    strategy: str,
    *,
    twin: DigitalTwin,
    space: SearchSpace,
    budget: int,
    batch: int,
    seed: int,
    temperature_c: float = 30.0,
) -> pd.DataFrame:
    """Run one simulated campaign from no data and trace its regret per experiment.

    Args:
        strategy: A strategy of :func:`matdoe.suggest.suggest` (``"gp-ei"``, ``"gp-ucb"``,
            ``"optuna-tpe"``, ``"optuna-gp"``, ``"random"``).
        twin: The simulated system that "measures" each recipe.
        space: The search space the strategy explores (its grid also defines the optimum).
        budget: Number of experiments (recipes) in total; the last batch is cut to fit.
        batch: Recipes asked for per round.
        seed: Seed of the strategy and of the simulated measurement noise.
        temperature_c: Measurement and target temperature (°C).

    Returns:
        One row per experiment: ``strategy``, ``seed``, ``experiment`` (1..budget), ``best``
        (best noiseless log10 sigma made so far, log10 S/cm) and ``regret`` (optimum − best,
        log10 units, ≥ 0), plus the recipe made (parameter columns).

    Raises:
        InvalidRecordError: ``budget`` or ``batch`` below 1, or an unknown strategy.

    Example:
        >>> from matdoe.simulate import DigitalTwin, default_space
        >>> trace = run_closed_loop(
        ...     "random", twin=DigitalTwin(), space=default_space(), budget=4, batch=2, seed=0
        ... )
        >>> list(trace["experiment"]), bool((trace["regret"].diff().dropna() <= 0).all())
        ([1, 2, 3, 4], True)
    """
    import pandas as pd

    from matdoe.suggest import suggest

    if budget < 1 or batch < 1:
        raise InvalidRecordError(
            f"budget and batch must be 1 or more, got budget={budget}, batch={batch}"
        )
    _best_recipe, optimum = twin.optimum(temperature_c, space)
    conditions = {"temperature_c": float(temperature_c)}
    names = list(space.parameter_names)
    observed = pd.DataFrame()
    made: list[pd.DataFrame] = []
    rng = np.random.default_rng(seed)
    while sum(len(m) for m in made) < budget:
        n = min(batch, budget - sum(len(m) for m in made))
        proposals = suggest(
            observed if len(observed) else None,
            space,
            objective="log10_sigma",
            n=n,
            conditions=conditions,
            strategy=strategy,
            random_state=int(rng.integers(2**31)),
        )
        measured = twin.measure(proposals[names], [temperature_c], random_state=rng)
        observed = pd.concat([observed, measured], ignore_index=True)
        made.append(proposals[names])
    recipes = pd.concat(made, ignore_index=True)
    truth = np.atleast_1d(
        twin.log10_sigma(
            recipes["silica"].to_numpy(dtype=object),
            recipes["vol_pct"].to_numpy(float),
            recipes["milling_h"].to_numpy(float),
            temperature_c,
        )
    )
    best = np.maximum.accumulate(truth)
    return recipes.assign(
        strategy=strategy,
        seed=seed,
        experiment=np.arange(1, len(recipes) + 1),
        best=best,
        regret=np.maximum(optimum - best, 0.0),
    )[["strategy", "seed", "experiment", "best", "regret", *names]]
