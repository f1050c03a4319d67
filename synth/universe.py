"""What a synthetic graph is about: its size plan, its measures, and the registry that knows them.

The real registry's measures come first (the examples' measure, then one per
agency in turn, so a small graph still spans agencies); further measures are
synthetic (``measure/synth-<i>``, named 「<agency>サイバーセキュリティ施策<i>」)
and are added to an in-memory :class:`~policykg.registry.Registry`, never to the
data file, so the build resolves them like any registered measure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from policykg.registry import Entity, Kind, Registry

YEARS = tuple(range(2025, 2005, -1))  # newest first: a small N keeps the latest documents
#: Quads a document states per measure, and per document besides (measured on the output: a
#: 60-measure document has 5,000–6,000; low estimates, so the plan has room for N quads).
PER_MEASURE = 80
PER_DOC = 200
#: The measure and programme the named queries' examples name.
EXAMPLE_MEASURE = "ナショナルサイバートレーニングセンターの強化"
EXAMPLE_PROGRAM = "cyder"


@dataclass(frozen=True)
class Plan:
    """How big each part is for about ``triples`` quads."""

    measures_per_doc: int
    series: int

    @classmethod
    def for_size(cls, triples: int) -> Plan:
        """Measures per document and document series for about ``triples`` quads.

        >>> Plan.for_size(10_000), Plan.for_size(1_000_000)
        (Plan(measures_per_doc=6, series=1), Plan(measures_per_doc=60, series=10))
        """
        per_doc = max(5, min(60, triples // (len(YEARS) * PER_MEASURE)))
        series = max(1, -(-triples // (len(YEARS) * (PER_DOC + per_doc * PER_MEASURE))))
        return cls(per_doc, series)


@dataclass(frozen=True)
class Measure:
    """A measure of the synthetic graph: its printed name, its agency's, and how its budget moves."""

    label: str
    agency: str  # the agency's name as printed (its registry label)
    base: int  # yen, FY2025 level
    growth: float  # per year

    def amount(self, year: int) -> int:
        """The measure's budget in ``year`` (yen, in 0.1億円 steps, at least 0.1億円)."""
        value = self.base * (1 + self.growth) ** (year - 2025)
        return max(10_000_000, int(round(value, -7)))


@dataclass(frozen=True)
class Universe:
    """The registry (real entities plus synthetic measures) and the measures, documents draw from."""

    plan: Plan
    seed: int
    registry: Registry
    measures: tuple[Measure, ...]

    def doc_id(self, series: int, year: int) -> str:
        """Series 0 is named like the real NISC summaries, the others ``synth-s<k>-fy<year>``.

        >>> u = universe_for(triples=1000, seed=0)
        >>> u.doc_id(0, 2025), u.doc_id(3, 2019)
        ('nisc-budget-fy2025', 'synth-s3-fy2019')
        """
        return f"nisc-budget-fy{year}" if series == 0 else f"synth-s{series}-fy{year}"

    def doc_ids(self) -> list[str]:
        """Every document in output order: fiscal years newest first, series within a year."""
        return [self.doc_id(s, y) for y in YEARS for s in range(self.plan.series)]


def universe_for(*, triples: int, seed: int, base: Registry | None = None) -> Universe:
    """The plan, registry and measures of a synthetic graph of about ``triples`` quads."""
    plan = Plan.for_size(triples)
    base = base or Registry.load()
    agencies = base.entities(Kind.AGENCY)
    by_agency: dict[str, list[Entity]] = {}
    for e in sorted(base.entities(Kind.MEASURE), key=lambda e: (e.label_ja != EXAMPLE_MEASURE, e.key)):
        by_agency.setdefault(e.parent, []).append(e)
    real = [group[rank] for rank in range(max(map(len, by_agency.values())))
            for group in by_agency.values() if rank < len(group)]
    measures, synthetic = [], []
    for i in range(plan.measures_per_doc * plan.series):
        r = random.Random(f"{seed}:measure:{i}")
        if i < len(real):
            parent = base.parent_of(real[i])
            label, agency = real[i].label_ja, parent.label_ja if parent else base.get(Kind.AGENCY, "cas").label_ja
        else:
            a = agencies[r.randrange(len(agencies))]
            label, agency = f"{a.label_ja}サイバーセキュリティ施策{i}", a.label_ja
            synthetic.append(Entity(Kind.MEASURE, f"synth-{i}", label, "", (), parent=a.key))
        base_yen = int(round(10 ** r.uniform(7.5, 10.5), -7))
        measures.append(Measure(label, agency, base_yen, r.uniform(-0.05, 0.15)))
    registry = Registry([e for kind in Kind for e in base.entities(kind)] + synthetic)
    return Universe(plan, seed, registry, tuple(measures))
