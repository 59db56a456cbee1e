"""Equivalent circuits in impedance.py's notation, evaluated here, and the family for a pellet.

The notation is impedance.py's (``R0-p(R1,CPE1)-CPE2``: ``-`` joins in series, ``p(a,b)`` in
parallel), so circuits stored in the database and typed by users mean what they mean there. The
elements a pellet needs are evaluated here with numpy, which is fast enough to fit a family of
circuits from several starting points per spectrum, and needs no optional package:

==========  ==============================  ===========================  ===================
element     impedance Z(ω)                  parameters                   units
==========  ==============================  ===========================  ===================
``R``       R                               ``R``                        ohm
``C``       1/(jωC)                         ``C``                        F
``L``       jωL                             ``L``                        H
``CPE``     1/(Q (jω)^α)                    ``CPE_0`` = Q, ``CPE_1`` = α  S·s^α, 1
``W``       A_W (1 − j)/√ω (semi-infinite)  ``W`` = A_W                  ohm·s^-1/2
==========  ==============================  ===========================  ===================

:data:`FAMILY` is the small set of circuits that describe a pressed pellet between two
electrodes, from high to low frequency: an optional series resistance R0 (the intercept: the bulk
arc of a good conductor lies above 1 MHz), one or two arcs R‖CPE (bulk, grain boundaries,
interphases), then the electrode: a blocking spur (CPE), a diffusion tail (Warburg), or nothing
inside the window. Each circuit says which of its elements is the electrode element; every
resistance before it is ionic (see :mod:`matdoe.eis.fitting` for which one sigma uses).

>>> circuit = parse("R0-p(R1,CPE1)-CPE2")
>>> circuit.parameter_names
('R0', 'R1', 'CPE1_0', 'CPE1_1', 'CPE2_0', 'CPE2_1')
>>> z = circuit.impedance([1e9], [10.0, 100.0, 1e-7, 0.9, 1e-5, 0.8])
>>> round(float(z.real[0]), 2)  # at 1 GHz only R0 is left
10.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from matdoe.errors import InvalidRecordError

__all__ = [
    "FAMILY",
    "Circuit",
    "FamilyMember",
    "element_kind",
    "family_member",
    "parse",
]

# number of parameters of each element, and the unit of each parameter (for messages)
_ELEMENTS: dict[str, tuple[str, ...]] = {
    "R": ("ohm",),
    "C": ("F",),
    "L": ("H",),
    "CPE": ("S·s^α", ""),
    "W": ("ohm·s^-1/2",),
}
_NAME = re.compile(r"^(CPE|R|C|L|W)(\w*)$")


def element_kind(name: str) -> str:
    """The element type of a name: ``"CPE1" -> "CPE"``, ``"R0" -> "R"``.

    >>> element_kind("CPE12"), element_kind("W2")
    ('CPE', 'W')
    """
    match = _NAME.match(name)
    if match is None:
        raise InvalidRecordError(
            f"unknown circuit element {name!r}; use R, C, L, CPE or W followed by a number "
            "(e.g. R0, CPE1)"
        )
    return match.group(1)


@dataclass(frozen=True)
class _Node:
    kind: str  # "series", "parallel" or "element"
    name: str = ""
    children: tuple[_Node, ...] = ()


def _split_top(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise InvalidRecordError(f"circuit {text!r}: unbalanced parentheses")
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise InvalidRecordError(f"circuit {text!r}: unbalanced parentheses")
    parts.append("".join(current))
    return parts


def _parse_node(text: str, whole: str) -> _Node:
    parts = _split_top(text, "-")
    if len(parts) > 1:
        return _Node("series", children=tuple(_parse_node(p, whole) for p in parts))
    part = parts[0]
    if not part:
        raise InvalidRecordError(f"circuit {whole!r}: an element is missing (two '-' in a row?)")
    if part.startswith("p(") and part.endswith(")"):
        branches = _split_top(part[2:-1], ",")
        if len(branches) < 2:
            raise InvalidRecordError(f"circuit {whole!r}: p(...) needs two or more branches")
        return _Node("parallel", children=tuple(_parse_node(b, whole) for b in branches))
    element_kind(part)  # raises for an unknown element
    return _Node("element", name=part)


def _elements(node: _Node) -> list[str]:
    if node.kind == "element":
        return [node.name]
    return [name for child in node.children for name in _elements(child)]


@dataclass(frozen=True)
class Circuit:
    """A parsed circuit: its notation, elements and parameter names, and how to evaluate it."""

    notation: str
    elements: tuple[str, ...]
    parameter_names: tuple[str, ...]
    _tree: _Node

    @property
    def n_parameters(self) -> int:
        """Number of parameters."""
        return len(self.parameter_names)

    def impedance(self, frequency_hz: ArrayLike, parameters: ArrayLike) -> NDArray[np.complex128]:
        """Complex impedance (ohm) at ``frequency_hz`` (Hz) for ``parameters`` in order."""
        omega = 2.0 * np.pi * np.atleast_1d(np.asarray(frequency_hz, dtype=float))
        values = np.asarray(parameters, dtype=float)
        if values.size != self.n_parameters:
            raise InvalidRecordError(
                f"circuit {self.notation} has {self.n_parameters} parameters "
                f"({', '.join(self.parameter_names)}), got {values.size}"
            )
        by_name = dict(zip(self.parameter_names, values, strict=True))
        return np.asarray(_evaluate(self._tree, omega, by_name), dtype=np.complex128)

    def impedance_and_jacobian(
        self, frequency_hz: ArrayLike, parameters: ArrayLike
    ) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]:
        """Z (ohm) and its derivatives dZ/dp, one column per parameter (analytic)."""
        omega = 2.0 * np.pi * np.atleast_1d(np.asarray(frequency_hz, dtype=float))
        values = np.asarray(parameters, dtype=float)
        by_name = dict(zip(self.parameter_names, values, strict=True))
        z, derivatives = _evaluate_with_derivatives(self._tree, omega, by_name)
        jac = np.zeros((omega.size, self.n_parameters), dtype=np.complex128)
        for j, name in enumerate(self.parameter_names):
            if name in derivatives:
                jac[:, j] = derivatives[name]
        return np.asarray(z, dtype=np.complex128), jac

    def is_exponent(self, parameter: str) -> bool:
        """True for a CPE exponent α (bounded to (0, 1])."""
        return parameter.endswith("_1") and element_kind(parameter[:-2]) == "CPE"


def _evaluate(node: _Node, omega: NDArray[np.float64], p: dict[str, float]) -> Any:
    if node.kind == "series":
        return sum(_evaluate(child, omega, p) for child in node.children)
    if node.kind == "parallel":
        return 1.0 / sum(1.0 / _evaluate(child, omega, p) for child in node.children)
    name = node.name
    kind = element_kind(name)
    if kind == "R":
        return np.full(omega.shape, p[name], dtype=complex)
    if kind == "C":
        return 1.0 / (1j * omega * p[name])
    if kind == "L":
        return 1j * omega * p[name]
    if kind == "W":
        return p[name] * (1.0 - 1j) / np.sqrt(omega)
    return 1.0 / (p[f"{name}_0"] * (1j * omega) ** p[f"{name}_1"])


def _evaluate_with_derivatives(
    node: _Node, omega: NDArray[np.float64], p: dict[str, float]
) -> tuple[Any, dict[str, Any]]:
    if node.kind == "series":
        total: Any = 0.0
        derivatives: dict[str, Any] = {}
        for child in node.children:
            z, d = _evaluate_with_derivatives(child, omega, p)
            total = total + z
            derivatives.update(d)
        return total, derivatives
    if node.kind == "parallel":
        parts = [_evaluate_with_derivatives(child, omega, p) for child in node.children]
        z = 1.0 / sum(1.0 / zi for zi, _ in parts)
        derivatives = {}
        for zi, d in parts:
            factor = (z / zi) ** 2  # d(1/Σ 1/Z_i)/dZ_i
            derivatives.update({k: factor * v for k, v in d.items()})
        return z, derivatives
    name = node.name
    kind = element_kind(name)
    z = _evaluate(node, omega, p)
    if kind == "R":
        return z, {name: np.ones(omega.shape, dtype=complex)}
    if kind == "C":
        return z, {name: -z / p[name]}
    if kind == "L":
        return z, {name: 1j * omega}
    if kind == "W":
        return z, {name: z / p[name]}
    q, alpha = f"{name}_0", f"{name}_1"
    return z, {q: -z / p[q], alpha: -z * np.log(1j * omega)}


def parse(notation: str) -> Circuit:
    """Parse a circuit in impedance.py notation.

    Raises:
        InvalidRecordError: Unknown element, repeated element name, unbalanced parentheses.
    """
    text = notation.replace(" ", "")
    if not text:
        raise InvalidRecordError("empty circuit; e.g. R0-p(R1,CPE1)-CPE2")
    tree = _parse_node(text, text)
    elements = _elements(tree)
    repeated = sorted({e for e in elements if elements.count(e) > 1})
    if repeated:
        raise InvalidRecordError(
            f"circuit {text!r}: element names must be unique, {repeated[0]} appears twice"
        )
    names: list[str] = []
    for element in elements:
        kind = element_kind(element)
        names += [element] if len(_ELEMENTS[kind]) == 1 else [f"{element}_0", f"{element}_1"]
    return Circuit(text, tuple(elements), tuple(names), tree)


@dataclass(frozen=True)
class FamilyMember:
    """One circuit of the pellet family.

    Attributes:
        name: Short name users type (``--circuit arc-spur``).
        notation: The circuit in impedance.py notation.
        description: What it models, for the output.
        arcs: The R‖CPE arcs, as (resistor, CPE) names, high frequency first.
        electrode: The electrode element in series at the low-frequency end (a CPE spur or a
            Warburg tail), or None when the electrode response is outside the window.
    """

    name: str
    notation: str
    description: str
    arcs: tuple[tuple[str, str], ...]
    electrode: str | None

    @property
    def has_r0(self) -> bool:
        """Whether the circuit has a series resistance R0."""
        return self.notation.startswith("R0") or "-R0" in self.notation

    def with_inductor(self) -> FamilyMember:
        """The same circuit with a series inductor L0 for the leads (``--keep-inductive``)."""
        return FamilyMember(
            self.name + "+L",
            "L0-" + self.notation,
            self.description + ", with the leads' inductance L0",
            self.arcs,
            self.electrode,
        )


def _member(name: str, notation: str, description: str, electrode: str | None) -> FamilyMember:
    parsed = parse(notation)
    arcs: list[tuple[str, str]] = []
    for element in parsed.elements:
        if element_kind(element) == "R" and element != "R0":
            number = element[1:]
            arcs.append((element, f"CPE{number}"))
    return FamilyMember(name, notation, description, tuple(arcs), electrode)


def _with_and_without_r0() -> tuple[FamilyMember, ...]:
    bases = [
        ("arc", "R0-p(R1,CPE1)", "one arc, electrode response below the window", None),
        ("arc-spur", "R0-p(R1,CPE1)-CPE2", "one arc and a blocking-electrode spur", "CPE2"),
        (
            "two-arcs",
            "R0-p(R1,CPE1)-p(R2,CPE2)",
            "two arcs (bulk and grain boundary, or electrolyte and charge transfer)",
            None,
        ),
        (
            "two-arcs-spur",
            "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3",
            "two arcs (bulk and grain boundary) and a blocking-electrode spur",
            "CPE3",
        ),
        ("arc-warburg", "R0-p(R1,CPE1)-W2", "one arc and a diffusion (Warburg) tail", "W2"),
    ]
    # The intercept circuit has no arc, so it has no variant without R0.
    out = [
        FamilyMember(
            "spur",
            "R0-CPE1",
            "series R and electrode spur (the arc lies above the window)",
            (),
            "CPE1",
        )
    ]
    for name, notation, description, electrode in bases:
        out.append(_member(name, notation, description, electrode))
        out.append(
            _member(
                f"{name}-origin",
                notation.removeprefix("R0-"),
                description + ", starting at the origin (R0 = 0)",
                electrode,
            )
        )
    return tuple(out)


#: The circuits ``--circuit auto`` chooses among (see the module docstring).
FAMILY: tuple[FamilyMember, ...] = _with_and_without_r0()


def family_member(name_or_notation: str) -> FamilyMember:
    """A family circuit by name (``arc-spur``), or any circuit in impedance.py notation.

    A circuit given in notation gets its arcs (R‖CPE or R‖C pairs) from its structure and its
    electrode element from its last series element when that is a CPE, C or W.

    >>> family_member("arc-spur").notation
    'R0-p(R1,CPE1)-CPE2'
    >>> member = family_member("R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    >>> member.name, member.arcs, member.electrode
    ('two-arcs-spur', (('R1', 'CPE1'), ('R2', 'CPE2')), 'CPE3')
    """
    text = name_or_notation.replace(" ", "")
    for member in FAMILY:
        if text in (member.name, member.notation):
            return member
        if text in (member.name + "+L", "L0-" + member.notation):
            return member.with_inductor()
    if _NAME.match(text.split("-")[0].split("(")[0]) is None and not text.startswith("p("):
        names = ", ".join(m.name for m in FAMILY)
        raise InvalidRecordError(
            f"unknown circuit {name_or_notation!r}; use auto, one of {names}, or a circuit in "
            "impedance.py notation such as R0-p(R1,CPE1)-CPE2"
        )
    parsed = parse(text)
    top = _split_top(parsed.notation, "-")
    arcs: list[tuple[str, str]] = []
    for part in top:
        if part.startswith("p("):
            branches = _split_top(part[2:-1], ",")
            kinds = [element_kind(b) if _NAME.match(b) else "" for b in branches]
            if len(branches) == 2 and kinds[0] == "R" and kinds[1] in ("CPE", "C"):
                arcs.append((branches[0], branches[1]))
    last = top[-1]
    electrode = last if _NAME.match(last) and element_kind(last) in ("CPE", "C", "W") else None
    return FamilyMember("custom", parsed.notation, "circuit as given", tuple(arcs), electrode)
