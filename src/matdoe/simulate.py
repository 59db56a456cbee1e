"""A digital twin of ball-milled Na2B12H12/SiO2 nanocomposites. SIMULATED DATA, NOT MEASUREMENTS.

The twin turns a recipe (silica, vol% SiO2, milling time) and a temperature into an ionic
conductivity. It is used by the demo, the tests and the closed-loop benchmarks; every table it
returns carries ``source="simulated"``.

Facts it reproduces (Hehn et al., J. Mater. Chem. A 2026, DOI 10.1039/d5ta09128d, as summarised in
the project's domain notes):

* pristine (unmilled) Na2B12H12: Ea = 0.71 eV;
* ball-milled Na2B12H12 alone (0 vol% SiO2): 1.9e-5 S/cm at 60 °C, Ea = 0.58 eV;
* SiO2-A380 composites: conductivity peaks at 35 vol% with 1.4e-3 S/cm at 60 °C (here: at 4 h
  milling) and falls at higher silica content;
* at 35 vol%, sigma(60 °C) rises with milling time up to 4 h and then decreases slightly;
* at 35 vol%, 4 h: fumed silicas differ only a little with BET area, SBA-15 is clearly lower;
* best: 35 vol% SiO2-A200, 4 h: Ea = 0.38 eV and 5e-4 S/cm at 30 °C (so sigma60/sigma30 ≈ 3.7).

Everything else is an ASSUMPTION of the twin, chosen to be smooth and plausible, not taken from the
paper: the shapes and widths of the vol% and milling-time curves (quadratic in vol% below the peak,
a steeper quadratic above it; quadratic in ln(milling time) with a faster rise than fall), the size
of the BET-area effect among fumed silicas (a penalty growing as ``|ln(BET/BET_A200)|**1.5``), the
SBA-15 penalty, the additive combination of the effects in log10 sigma, the link between
conductivity gain and activation energy (Ea falls linearly with the 60 °C gain, from 0.58 eV to
0.38 eV at the best recipe), the plain Arrhenius form sigma = sigma0·exp(-Ea/(kB·T)), Gaussian
measurement noise of ``noise_log10`` in log10 sigma, independent per measurement, and a
batch-to-batch offset of ``batch_scatter_log10`` (Gaussian, one per recipe row of
:meth:`DigitalTwin.measure`, i.e. per sample, shared by all its temperatures): two batches of one
recipe differ more than two runs on one pellet, as in a real lab (weighing, milling and pressing
vary from batch to batch); and for the pristine state, its conductivity (3.5 orders of magnitude
below the best composite at room temperature, 20 °C: the paper says "more than 3") and how fast
milling turns it into the milled state (an exponential approach with a time constant of 0.1 h, so
that every recipe of the default space, 0.5 h and more, is fully milled). An unmilled mixture with
silica conducts like the pristine salt (no interface forms without milling).

System B, a second and related system: NaCB11H12/SiO2 (:meth:`DigitalTwin.related`). ENTIRELY
SIMULATED: no number of system B comes from a measurement or a paper; it exists so that the
benchmarks can measure whether what a model learned on system A (the paper's Na2B12H12/SiO2)
carries over to a related system. Its assumptions, and why:

* the same interface mechanism (Na+ pathways along the salt/silica interface, made by ball
  milling), hence the same functional form, the same silicas with the same BET/mesoporous
  effect (the same loss per ``|ln(BET/BET_A200)|**1.5`` and SBA-15 penalty), the same
  milling-curve curvature, pristine gap, noise and batch scatter as system A;
* a better-conducting host: NaCB11H12 has its order-disorder transition near 380 K (catalogued
  with its source in data/materials/related_systems.yaml; Na2B12H12: 529 K), so its milled salt
  is assumed 0.5 decade above Na2B12H12 at 60 °C (6e-5 S/cm) with lower activation energies
  (milled 0.52 eV, pristine 0.64 eV, best composite 0.35 eV), and its best composite 1.5e-3 S/cm
  at 30 °C (about 0.5 decade above system A's 5e-4);
* a shifted optimum: a salt that conducts better on its own is assumed to need less interface,
  so the vol% peak lies at 28 vol% (A: 35), and a softer lattice is assumed to distort sooner
  under milling, so the milling-time peak lies at 2.5 h (A: 4 h). The shifts are assumptions,
  chosen so that B's optimum is not A's recipe (transfer then has to learn, not copy);
* the twin does not model the superionic transition: above about 100 °C (373 K, near 380 K)
  system B's simulated values are not meant to be plausible.

System A is the twin's default (``DigitalTwin()``); its numbers and its noise per seed do not
depend on system B.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matdoe.errors import InvalidRecordError
from matdoe.space import ZERO_CELSIUS_K, SearchSpace

__all__ = [
    "DEFAULT_SPACE_FILE",
    "RELATED_HOST",
    "SYSTEM_A_HOST",
    "DigitalTwin",
    "default_space",
    "find_space_file",
]

BOLTZMANN_EV_K = 8.617333262e-5
DEFAULT_SPACE_FILE = "na2b12h12_sio2.yaml"
_REFERENCE_T_C = 60.0
_ROOM_T_C = 30.0
#: The host of system A, the paper's system (the twin's default).
SYSTEM_A_HOST = "Na2B12H12"
#: The host of system B, the related SIMULATED system (:meth:`DigitalTwin.related`).
RELATED_HOST = "NaCB11H12"

# BET areas (m²/g) and mesoporosity of the paper's Table 1 (DOI 10.1039/d5ta09128d).
_SILICAS: dict[str, tuple[float, bool]] = {
    "SiO2-A90": (70.2, False),
    "SiO2-A200": (191.2, False),
    "SiO2-A300": (271.5, False),
    "SiO2-A380": (349.2, False),
    "SiO2-SBA15": (804.4, True),
}


def find_space_file(name: str = DEFAULT_SPACE_FILE) -> Path:
    """A search-space YAML shipped with matdoe (``data/spaces/`` of the checkout or the wheel).

    Raises:
        NotFoundError: the file is not among the shipped space files.
    """
    from matdoe.paths import data_file

    return data_file("spaces", name)


def default_space() -> SearchSpace:
    """The default campaign's search space (``data/spaces/na2b12h12_sio2.yaml``)."""
    return SearchSpace.from_yaml(find_space_file())


@dataclass(frozen=True)
class DigitalTwin:
    """Simulated conductivity of Na2B12H12/SiO2 composites (see the module docstring).

    ``DigitalTwin()`` is system A, the paper's system; :meth:`related` is system B, NaCB11H12/SiO2,
    simulated from stated assumptions only.

    The fields are the twin's assumed shape parameters; the defaults reproduce the paper's stated
    numbers. ``log10_sigma`` is in log10(S/cm), temperatures in °C, vol% SiO2, milling in hours.

    Example:
        >>> twin = DigitalTwin()
        >>> round(10 ** twin.log10_sigma("SiO2-A200", 35.0, 4.0, 30.0), 6)
        0.0005
    """

    #: conductivity of ball-milled Na2B12H12 alone at 60 °C, S/cm (paper).
    sigma_salt_60_s_cm: float = 1.9e-5
    #: activation energy of ball-milled Na2B12H12 alone, eV (paper).
    ea_salt_ev: float = 0.58
    #: activation energy of the best composite, eV (paper).
    ea_best_ev: float = 0.38
    #: activation energy of pristine (unmilled) Na2B12H12, eV (paper).
    ea_pristine_ev: float = 0.71
    #: log10(sigma_best / sigma_pristine) at room temperature, 20 °C (assumed; the paper: "more
    #: than 3 orders of magnitude").
    pristine_gap_log10: float = 3.5
    #: time constant of the change from the pristine to the milled state, h (assumed).
    milling_activation_h: float = 0.1
    #: conductivity of the best composite (35 vol% A200, 4 h) at 30 °C, S/cm (paper).
    sigma_best_30_s_cm: float = 5e-4
    #: conductivity of 35 vol% SiO2-A380, 4 h, at 60 °C, S/cm (paper; milling time assumed).
    sigma_a380_60_s_cm: float = 1.4e-3
    #: vol% of the peak (paper).
    vol_peak_pct: float = 35.0
    #: width of the fall above the peak, vol% (assumed): the gain is gone at peak + width.
    vol_width_high_pct: float = 22.0
    #: milling time of the peak, h (paper).
    milling_peak_h: float = 4.0
    #: loss in log10 sigma per (ln(t/t_peak))² below the peak (assumed).
    milling_rise: float = 0.18
    #: loss in log10 sigma per (ln(t/t_peak))² above the peak (assumed; "decreases slightly").
    milling_fall: float = 0.12
    #: loss in log10 sigma of SBA-15 for being mesoporous (assumed), on top of the BET term.
    mesoporous_penalty: float = 0.45
    #: standard deviation of simulated measurements in log10 sigma (assumed).
    noise_log10: float = 0.05
    #: standard deviation of a batch's offset in log10 sigma, shared by its measurements (assumed).
    batch_scatter_log10: float = 0.06
    silicas: Mapping[str, tuple[float, bool]] = field(default_factory=lambda: dict(_SILICAS))
    #: the host salt simulated (system A: the paper's Na2B12H12; see :meth:`related`).
    host: str = SYSTEM_A_HOST

    # ------------------------------------------------------------------ systems
    @classmethod
    def related(cls) -> DigitalTwin:
        """System B: NaCB11H12/SiO2, SIMULATED from the assumptions in the module docstring.

        The silica effect is system A's: B's 60 °C value of SiO2-A380 at B's peak vol% and
        milling time is set so that the loss per ``|ln(BET/BET_A200)|**1.5`` equals A's.

        Example:
            >>> b = DigitalTwin.related()
            >>> b.host, round(10 ** b.log10_sigma("SiO2-A200", 28.0, 2.5, 30.0), 6)
            ('NaCB11H12', 0.0015)
        """
        a = cls()
        b = cls(
            sigma_salt_60_s_cm=6e-5,
            ea_salt_ev=0.52,
            ea_best_ev=0.35,
            ea_pristine_ev=0.64,
            sigma_best_30_s_cm=1.5e-3,
            vol_peak_pct=28.0,
            milling_peak_h=2.5,
            host=RELATED_HOST,
        )
        # The A380 value that gives B the same BET coefficient as A (same scaffolds, same
        # mechanism): gain_best - log10(a380/salt) = coefficient * |ln(A380/A200)|**1.5.
        a200, a380 = a.silicas["SiO2-A200"][0], a.silicas["SiO2-A380"][0]
        loss = a._bet_coefficient * abs(math.log(a380 / a200)) ** 1.5
        log_a380 = math.log10(b.sigma_salt_60_s_cm) + b._gain_best - loss
        return dataclasses.replace(b, sigma_a380_60_s_cm=10.0**log_a380)

    @classmethod
    def for_host(cls, host: str) -> DigitalTwin:
        """The twin of system A (``Na2B12H12``) or of system B (``NaCB11H12``, simulated).

        Raises:
            InvalidRecordError: another host.
        """
        if host == SYSTEM_A_HOST:
            return cls()
        if host == RELATED_HOST:
            return cls.related()
        raise InvalidRecordError(
            f"the digital twin simulates host {SYSTEM_A_HOST!r} (system A) or {RELATED_HOST!r} "
            f"(system B), not {host!r}"
        )

    # ------------------------------------------------------------------ derived constants
    def _ratio_30_60_log10(self, ea_ev: Any) -> Any:
        """log10(sigma60/sigma30) for an Arrhenius law sigma0·exp(-Ea/kT)."""
        inv = 1 / (_ROOM_T_C + ZERO_CELSIUS_K) - 1 / (_REFERENCE_T_C + ZERO_CELSIUS_K)
        return np.asarray(ea_ev) / (BOLTZMANN_EV_K * math.log(10)) * inv

    @property
    def _gain_best(self) -> float:
        """log10(sigma60_best / sigma60_salt)."""
        best60 = math.log10(self.sigma_best_30_s_cm) + float(
            self._ratio_30_60_log10(self.ea_best_ev)
        )
        return best60 - math.log10(self.sigma_salt_60_s_cm)

    @property
    def _bet_coefficient(self) -> float:
        """Loss per |ln(BET/BET_A200)|**1.5 that puts A380 at its stated 60 °C value."""
        a200, a380 = self.silicas["SiO2-A200"][0], self.silicas["SiO2-A380"][0]
        target = self._gain_best - (
            math.log10(self.sigma_a380_60_s_cm) - math.log10(self.sigma_salt_60_s_cm)
        )
        return target / abs(math.log(a380 / a200)) ** 1.5

    # ------------------------------------------------------------------ model pieces
    def _silica_offset(self, silica: Any) -> np.ndarray:
        names = np.atleast_1d(np.asarray(silica, dtype=object))
        unknown = sorted({str(s) for s in names if s not in self.silicas})
        if unknown:
            raise InvalidRecordError(
                f"unknown silica {unknown}; the twin knows {sorted(self.silicas)}"
            )
        a200 = self.silicas["SiO2-A200"][0]
        out = np.empty(len(names))
        for i, s in enumerate(names):
            bet, meso = self.silicas[str(s)]
            out[i] = -self._bet_coefficient * abs(math.log(bet / a200)) ** 1.5
            out[i] -= self.mesoporous_penalty * float(meso)
        return out

    def _vol_shape(self, vol_pct: np.ndarray) -> np.ndarray:
        """1 at the peak, 0 at 0 vol%, negative far above the peak (silica dilutes the salt)."""
        v = np.asarray(vol_pct, dtype=float)
        below = 1 - (1 - v / self.vol_peak_pct) ** 2
        above = 1 - ((v - self.vol_peak_pct) / self.vol_width_high_pct) ** 2
        return np.where(v <= self.vol_peak_pct, below, above)

    def _milled_fraction(self, milling_h: np.ndarray) -> np.ndarray:
        """0 for the pristine salt, 1 once milling has made the milled state (assumed shape)."""
        t = np.maximum(np.asarray(milling_h, dtype=float), 0.0)
        return -np.expm1(-t / self.milling_activation_h)

    @property
    def _pristine_60_log10(self) -> float:
        """log10 sigma(60 °C) of the pristine salt, from the stated gap at 20 °C and its Ea."""
        best_20 = math.log10(self.sigma_best_30_s_cm) - float(
            self._ratio(self.ea_best_ev, 20.0, _ROOM_T_C)
        )
        pristine_20 = best_20 - self.pristine_gap_log10
        return pristine_20 + float(self._ratio(self.ea_pristine_ev, 20.0, _REFERENCE_T_C))

    def _ratio(self, ea_ev: Any, low_c: float, high_c: float) -> Any:
        """log10(sigma(high)/sigma(low)) for sigma0·exp(-Ea/kT)."""
        inv = 1 / (low_c + ZERO_CELSIUS_K) - 1 / (high_c + ZERO_CELSIUS_K)
        return np.asarray(ea_ev) / (BOLTZMANN_EV_K * math.log(10)) * inv

    def _milling_offset(self, milling_h: np.ndarray) -> np.ndarray:
        u = np.log(np.maximum(np.asarray(milling_h, dtype=float), 1e-3) / self.milling_peak_h)
        return -np.where(u < 0, self.milling_rise, self.milling_fall) * u**2

    def _gain_60(self, silica: Any, vol_pct: Any, milling_h: Any) -> np.ndarray:
        """log10(sigma60 / sigma60 of the milled salt) of a composite milled long enough."""
        shape = self._vol_shape(vol_pct)
        composite = self._gain_best + self._silica_offset(silica) + self._milling_offset(milling_h)
        # The silica/milling effects scale with the interface fraction; below 0 the silica only
        # dilutes the salt.
        return np.where(shape > 0, shape * composite, shape * self._gain_best)

    def _state(self, silica: Any, vol_pct: Any, milling_h: Any) -> tuple[np.ndarray, np.ndarray]:
        """(log10 sigma at 60 °C, Ea in eV) of recipes, from pristine through milled to composite."""
        milled = self._milled_fraction(milling_h)
        gain = self._gain_60(silica, vol_pct, milling_h)
        frac = np.clip(gain / self._gain_best, 0.0, 1.0)
        ea_composite = self.ea_salt_ev - (self.ea_salt_ev - self.ea_best_ev) * frac
        log60_composite = math.log10(self.sigma_salt_60_s_cm) + gain
        # Without milling the salt is pristine and no interface forms; milling moves both.
        log60 = self._pristine_60_log10 + milled * (log60_composite - self._pristine_60_log10)
        ea = self.ea_pristine_ev + milled * (ea_composite - self.ea_pristine_ev)
        return log60, ea

    # ------------------------------------------------------------------ public API
    def ea_ev(self, silica: Any, vol_pct: Any, milling_h: Any) -> Any:
        """Activation energy (eV): pristine 0.71, milled salt 0.58, down to 0.38 at the best gain.

        Example:
            >>> twin = DigitalTwin()
            >>> [round(float(twin.ea_ev("SiO2-A200", v, t)), 3) for v, t in ((35, 4), (0, 4), (0, 0))]
            [0.38, 0.58, 0.71]
        """
        silica_b, vol_b, mill_b = np.broadcast_arrays(
            np.asarray(silica, dtype=object),
            np.asarray(vol_pct, float),
            np.asarray(milling_h, float),
        )
        _, ea = self._state(silica_b.ravel(), vol_b.ravel(), mill_b.ravel())
        ea = ea.reshape(vol_b.shape)
        return float(ea) if ea.ndim == 0 else ea

    def log10_sigma(self, silica: Any, vol_pct: Any, milling_h: Any, temperature_c: Any) -> Any:
        """Noiseless log10 of the conductivity (S/cm); vectorised over all arguments.

        Example:
            >>> round(10 ** DigitalTwin().log10_sigma("SiO2-A380", 0.0, 4.0, 60.0), 7)
            1.9e-05
        """
        silica_b, vol_b, mill_b, t_b = np.broadcast_arrays(
            np.asarray(silica, dtype=object),
            np.asarray(vol_pct, float),
            np.asarray(milling_h, float),
            np.asarray(temperature_c, float),
        )
        shape = vol_b.shape
        s, v, m, t = (a.ravel() for a in (silica_b, vol_b, mill_b, t_b))
        log60, ea = self._state(s, v, m)
        inv = 1 / (t + ZERO_CELSIUS_K) - 1 / (_REFERENCE_T_C + ZERO_CELSIUS_K)
        out = (log60 - ea / (BOLTZMANN_EV_K * math.log(10)) * inv).reshape(shape)
        return float(out) if out.ndim == 0 else out

    def measure(
        self,
        recipes: pd.DataFrame,
        temperatures_c: Iterable[float] = (30.0,),
        *,
        random_state: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Simulate noisy measurements: one row per recipe and temperature.

        Each recipe row is one batch (sample): its measurements share one batch offset
        (``batch_scatter_log10``) and each has its own measurement noise (``noise_log10``).

        Args:
            recipes: Columns ``silica``, ``vol_pct``, ``milling_h`` (other columns ignored); one
                row per batch.
            temperatures_c: Measurement temperatures in °C.
            random_state: Seed or generator of the noise.

        Returns:
            Columns silica, vol_pct, milling_h, temperature_c, log10_sigma, log10_sigma_std (the
            measurement noise, what a lab knows of one measurement; the batch offset is not in
            it), sigma_s_cm and source ("simulated"); the recipes' index repeated.
        """
        missing = [c for c in ("silica", "vol_pct", "milling_h") if c not in recipes.columns]
        if missing:
            raise InvalidRecordError(f"recipes lack column(s) {missing}")
        temps = [float(t) for t in temperatures_c]
        if not temps:
            raise InvalidRecordError("give at least one measurement temperature")
        rng = np.random.default_rng(random_state)
        base = recipes[["silica", "vol_pct", "milling_h"]]
        rows = pd.concat([base.assign(temperature_c=t) for t in temps])
        truth = np.atleast_1d(
            self.log10_sigma(
                rows["silica"].to_numpy(dtype=object),
                rows["vol_pct"].to_numpy(float),
                rows["milling_h"].to_numpy(float),
                rows["temperature_c"].to_numpy(float),
            )
        )
        offsets = rng.normal(0.0, self.batch_scatter_log10, size=len(base))
        batch_offset = np.tile(offsets, len(temps))
        noisy = truth + batch_offset + rng.normal(0.0, self.noise_log10, size=len(truth))
        return rows.assign(
            log10_sigma=noisy,
            log10_sigma_std=self.noise_log10,
            sigma_s_cm=10.0**noisy,
            source="simulated",
        )

    def optimum(
        self, temperature_c: float = 30.0, space: SearchSpace | None = None
    ) -> tuple[dict[str, Any], float]:
        """Best recipe on the grid of ``space`` (default: :func:`default_space`) and its value.

        Returns:
            ``({"silica": ..., "vol_pct": ..., "milling_h": ...}, log10_sigma)`` (noiseless).
        """
        space = space or default_space()
        grids = [
            p.grid_values()
            if math.isfinite(p.n_grid_points())
            else p.sample(np.linspace(0, 1, 201))
            for p in space.parameters
        ]
        mesh = np.meshgrid(*grids, indexing="ij")
        raw = np.column_stack([m.ravel() for m in mesh])
        raw = raw[space.feasible_raw(raw)]
        recipes = space.from_raw(raw)
        values = np.atleast_1d(
            self.log10_sigma(
                recipes["silica"].to_numpy(dtype=object),
                recipes["vol_pct"].to_numpy(float),
                recipes["milling_h"].to_numpy(float),
                temperature_c,
            )
        )
        i = int(np.argmax(values))
        best = {k: (v.item() if hasattr(v, "item") else v) for k, v in recipes.iloc[i].items()}
        return best, float(values[i])
