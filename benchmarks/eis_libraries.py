"""impedance.py 1.7 against pyimpspec 5 and matdoe's own code, on files and spectra made here.

Not part of ``make bench`` (neither library is a dependency of matdoe): run it in an
environment that has them, e.g.::

    python -m venv /tmp/cmp && /tmp/cmp/bin/pip install impedance pyimpspec galvani
    PYTHONPATH=src /tmp/cmp/bin/python -m benchmarks.eis_libraries

It prints a Markdown section (the README's "Impedance spectra" paragraph quotes it):

* **formats read**: every file of ``data/examples/eis`` (one per instrument layout, made by
  ``make_examples.py``, SIMULATED) given to each library's reader (impedance.py's
  ``readFile(path, instrument)``, pyimpspec's ``parse_data(path)``); a file counts as read when
  the library returns the same 61 points as matdoe (to 1e-6 relative);
* **fit quality and speed**: the ``arc+spur`` family of ``benchmarks/eis.py`` (SIMULATED, 1 %
  noise) fitted with the same circuit R0-p(R1,CPE1)-CPE2 from the same start (every R and Q
  1.5 × the truth, α = 0.8) by impedance.py's ``CustomCircuit.fit(weight_by_modulus=True)``,
  pyimpspec's ``fit_circuit(method="least_squares", weight="modulus")`` and matdoe's
  ``fit_spectrum``; R error, 95 % interval coverage (± 1.96 σ where the library gives σ) and
  seconds per fit;
* **Kramers–Kronig**: each library's test on one good spectrum.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import eis as families

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples" / "eis"
IMPEDANCE_NAMES = {
    "biologic": "biologic",
    "gamry": "gamry",
    "zplot": "zplot",
    "autolab": "autolab",
    "chinstruments": "chinstruments",
    "parstat": "parstat",
    "versastudio": "versastudio",
    "powersuite": "powersuite",
    "csv": None,
}


def _files() -> list[Path]:
    return [
        *sorted(EXAMPLES.glob("*.csv"))[:1],
        *sorted(EXAMPLES.glob("*.mpt")),
        *sorted((EXAMPLES / "formats").iterdir()),
    ]


def _same(f: np.ndarray, z: np.ndarray, reference: Any) -> bool:
    order = np.argsort(-np.asarray(f, float))
    ref_order = np.argsort(-reference.frequency_hz)
    if len(f) != len(reference):
        return False
    f, z = np.asarray(f, float)[order], np.asarray(z, complex)[order]
    return bool(
        np.allclose(f, reference.frequency_hz[ref_order], rtol=1e-5)
        and np.allclose(z, reference.impedance_ohm[ref_order], rtol=1e-5)
    )


def formats_section() -> list[str]:
    from matdoe.eis import read_spectrum

    rows = ["| file | format | matdoe | impedance.py | pyimpspec |", "|---|---|---|---|---|"]
    for path in _files():
        reference = read_spectrum(path)
        results = ["yes"]
        try:
            from impedance import preprocessing

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f, z = preprocessing.readFile(str(path), IMPEDANCE_NAMES[reference.fmt])
            results.append("yes" if _same(f, z, reference) else "wrong values")
        except ImportError:
            results.append("not installed")
        except Exception as exc:  # a reader's failure is the measurement here
            results.append(f"fails ({type(exc).__name__})")
        try:
            import pyimpspec

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = pyimpspec.parse_data(path)
            ok = len(data) == 1 and _same(
                data[0].get_frequencies(), data[0].get_impedances(), reference
            )
            results.append("yes" if ok else "wrong values")
        except ImportError:
            results.append("not installed")
        except Exception as exc:
            results.append(f"fails ({type(exc).__name__})")
        rows.append(f"| {path.name} | {reference.fmt} | " + " | ".join(results) + " |")
    return rows


def _start(case: Any) -> list[float]:
    r0, r1, q1, _a1, qe, _ae = case.parameters
    return [1.5 * r0, 1.5 * r1, 1.5 * q1, 0.8, 1.5 * qe, 0.8]


def _fit_impedance(spectrum: Any, start: list[float]) -> tuple[float, float]:
    from impedance.models.circuits import CustomCircuit

    model = CustomCircuit("R0-p(R1,CPE1)-CPE2", initial_guess=start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(spectrum.frequency_hz, spectrum.impedance_ohm, weight_by_modulus=True)
    p, s = model.parameters_, model.conf_
    return float(p[0] + p[1]), float(math.hypot(s[0], s[1]))  # no covariance: independent


def _fit_pyimpspec(spectrum: Any, start: list[float]) -> tuple[float, float]:
    import pyimpspec

    r0, r1, q1, a1, qe, ae = start
    cdc = f"R{{R={r0}}}(R{{R={r1}}}Q{{Y={q1},n={a1}}})Q{{Y={qe},n={ae}}}"
    circuit = pyimpspec.parse_cdc(cdc)
    data = pyimpspec.DataSet(spectrum.frequency_hz, spectrum.impedance_ohm, label="x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pyimpspec.fit_circuit(
            circuit, data, method="least_squares", weight="modulus", num_procs=1
        )
    values, errors = [], []
    for element in fit.circuit.get_elements():
        if isinstance(element, pyimpspec.Resistor):
            parameters = fit.parameters[fit.circuit.get_element_name(element)]
            values.append(parameters["R"].get_value())
            errors.append(parameters["R"].get_error())
    return float(sum(values)), float(math.hypot(*[e if math.isfinite(e) else 0 for e in errors]))


def _fit_matdoe(spectrum: Any, start: list[float]) -> tuple[float, float]:
    from matdoe.eis import fit_spectrum

    fit = fit_spectrum(spectrum, "arc-spur", initial_guess=start)
    return fit.resistance_ohm, fit.resistance_std_ohm


def fits_section(n: int) -> list[str]:
    rows = [
        "| library | fits | failed | median R error | worst | truth in ± 1.96 σ | s per fit |",
        "|---|---|---|---|---|---|---|",
    ]
    cases = [families.make_case("arc+spur", seed) for seed in range(n)]
    for name, fitter in (
        ("impedance.py", _fit_impedance),
        ("pyimpspec", _fit_pyimpspec),
        ("matdoe", _fit_matdoe),
    ):
        errors, covered, failed, seconds = [], 0, 0, []
        for case in cases:
            spectrum = families.spectrum_of(case)
            started = time.perf_counter()
            try:
                r, sigma = fitter(spectrum, _start(case))
            except ImportError:
                rows.append(f"| {name} | not installed | | | | | |")
                break
            except Exception:
                failed += 1
                continue
            finally:
                seconds.append(time.perf_counter() - started)
            error = abs(r - case.truth_ohm) / case.truth_ohm
            errors.append(error)
            covered += abs(r - case.truth_ohm) <= 1.96 * sigma
        else:
            e = np.array(errors)
            rows.append(
                f"| {name} | {n} | {failed} | {np.median(e):.2%} | {e.max():.2%} | "
                f"{covered / n:.0%} | {np.mean(seconds):.3f} |"
            )
    return rows


def kk_section() -> list[str]:
    from matdoe.eis import kramers_kronig, synthetic_spectrum

    spectrum = synthetic_spectrum(100.0, random_state=1)
    rows = []
    rows.append(f"- matdoe: {kramers_kronig(spectrum).describe()}")
    try:
        from impedance.validation import linKK

        linKK(spectrum.frequency_hz, spectrum.impedance_ohm, fit_type="complex", add_cap=True)
        rows.append("- impedance.py linKK: runs")
    except ImportError:
        rows.append("- impedance.py: not installed")
    except Exception as exc:
        rows.append(f"- impedance.py linKK: fails ({type(exc).__name__}: {exc})")
    try:
        import pyimpspec

        data = pyimpspec.DataSet(spectrum.frequency_hz, spectrum.impedance_ohm, label="x")
        result = pyimpspec.perform_kramers_kronig_test(data, num_procs=1)
        rows.append(f"- pyimpspec perform_kramers_kronig_test: runs ({result.num_RC} RC)")
    except ImportError:
        rows.append("- pyimpspec: not installed")
    except Exception as exc:
        rows.append(f"- pyimpspec: fails ({type(exc).__name__}: {exc})")
    return rows


def run(n: int = 20) -> str:
    import importlib.metadata as md

    versions = []
    for package in ("impedance", "pyimpspec", "galvani", "numpy", "scipy"):
        try:
            versions.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    lines = [
        "## impedance.py, pyimpspec and matdoe's own code",
        "",
        (__doc__ or "").split("\n\n", 2)[2].strip(),
        "",
        "Versions: " + ", ".join(versions) + ".",
        "",
        "### Formats read",
        "",
        *formats_section(),
        "",
        f"### Fits ({n} SIMULATED arc+spur spectra, same circuit and start)",
        "",
        *fits_section(n),
        "",
        "### Kramers–Kronig",
        "",
        *kk_section(),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
