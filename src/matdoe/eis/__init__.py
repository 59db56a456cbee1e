"""Impedance spectra: read them, clean them, fit a circuit, return the electrolyte resistance.

A pressed pellet between two electrodes gives, from high to low frequency, a series resistance
(the bulk arc of a good conductor lies above 1 MHz), one or two (depressed) semicircles for ion
transport through grains, grain boundaries and interphases, and the electrodes' response: a
steep capacitive spur for blocking electrodes, a diffusion tail or a charge-transfer arc for
non-blocking ones.

The package, in the order a spectrum goes through it:

- :mod:`~matdoe.eis.reading`: every instrument format, detected from the content; rows that
  are not points of the spectrum (f <= 0, NaN) dropped and reported;
- :mod:`~matdoe.eis.cleaning`: frequency window, inductive points, Kramers–Kronig test;
- :mod:`~matdoe.eis.drt`: the distribution of relaxation times (how many processes);
- :mod:`~matdoe.eis.circuits`: circuits in impedance.py notation and the pellet family;
- :mod:`~matdoe.eis.fitting`: the fits, the choice by BIC, the resistance for sigma and the
  capacitances of the arcs.

Everything but the Kramers–Kronig test (impedance.py's lin-KK) and BioLogic's binary .mpr
files (galvani) runs on numpy and scipy; those two come with the optional extra
``matdoe[eis]``. README.md ("Impedance spectra") says why the project builds on impedance.py
rather than pyimpspec.

>>> temperature_from_filename("S12_60C.csv")
333.15
"""

from __future__ import annotations

from matdoe.eis.circuits import FAMILY, family_member
from matdoe.eis.cleaning import (
    KK_WARNING_RMS,
    Cleaned,
    KramersKronig,
    clean_spectrum,
    kramers_kronig,
)
from matdoe.eis.drt import DRT, distribution_of_relaxation_times
from matdoe.eis.fitting import (
    DEFAULT_CIRCUIT,
    EPSILON_R,
    RESISTANCE_KINDS,
    Capacitance,
    SpectrumFit,
    capacitance_reading,
    fit_spectrum,
    geometric_capacitance_f,
)
from matdoe.eis.reading import (
    FORMATS,
    detect_format,
    read_spectrum,
    read_spectrum_bytes,
    temperature_from_filename,
)
from matdoe.eis.spectrum import MIN_POINTS, Spectrum, simulate, synthetic_spectrum

__all__ = [
    "DEFAULT_CIRCUIT",
    "DRT",
    "EPSILON_R",
    "FAMILY",
    "FORMATS",
    "KK_WARNING_RMS",
    "MIN_POINTS",
    "RESISTANCE_KINDS",
    "Capacitance",
    "Cleaned",
    "KramersKronig",
    "Spectrum",
    "SpectrumFit",
    "capacitance_reading",
    "clean_spectrum",
    "detect_format",
    "distribution_of_relaxation_times",
    "family_member",
    "fit_spectrum",
    "geometric_capacitance_f",
    "kramers_kronig",
    "read_spectrum",
    "read_spectrum_bytes",
    "simulate",
    "synthetic_spectrum",
    "temperature_from_filename",
]
