"""The paper's dataset (``data/paper/``): loaded by ``matdoe init --example`` and the demo.

Hehn et al., J. Mater. Chem. A (2026), DOI 10.1039/d5ta09128d. Every record carries the DOI and
where in the paper its number stands.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matdoe.db.models import Material
from matdoe.db.store import add_material, add_sample, bulk_labels
from matdoe.paths import data_file
from matdoe.tables import read_materials, read_samples

DOI = "10.1039/d5ta09128d"


def load_paper_data(session: Session) -> dict[str, int]:
    """Add the paper's materials and samples; records already present are left alone."""
    materials = read_materials(data_file("paper", "materials.yaml"))
    samples = read_samples(data_file("paper", "samples.yaml"))
    present = set(session.scalars(select(Material.name)))
    new_materials = [m for m in materials if m.name not in present]
    for record in new_materials:
        add_material(session, record)
    existing = bulk_labels(session, (s.label for s in samples))
    new_samples = [s for s in samples if s.label not in existing]
    for sample in new_samples:
        add_sample(session, sample)
    return {
        "materials": len(new_materials),
        "samples": len(new_samples),
        "measurements": sum(len(s.measurements) for s in new_samples),
    }
