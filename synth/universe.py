"""What a synthetic graph is about: its size plan, its measures, and the registry that knows them.

The real registry's measures come first (the examples' measure, then one per
agency in turn, so a small graph still spans agencies); further measures are
synthetic (``measure/synth-<i>``, named 「<agency>サイバーセキュリティ施策<i>」)
and are added to an in-memory :class:`~policykg.registry.Registry`, never to the
data file, so the build resolves them like any registered measure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from policykg.registry import Entity, Kind, Registry

YEARS = tuple(range(2025, 2005, -1))  # newest first: a small N keeps the latest documents
#: Quads a document states per measure, and per document besides (measured on the output: a
#: 60-measure document has 5,000–6,000; low estimates, so the plan has room for N quads).
PER_MEASURE = 80
PER_DOC = 200
#: The measure and programme the named queries' examples name.
EXAMPLE_MEASURE = "ナショナルサイバートレーニングセンターの強化"
EXAMPLE_PROGRAM = "cyder"
_INSTRUMENTS = ("交付金", "補助", "委託", "請負")
_ARTICLES = ("13", "13", "17", "21", "26", "31", "5", "7", "9", "103の2")
_RATES = ("1/2", "2/3", "定額")
_TARGETS = ("機器購入費、環境構築費、運営費", "人件費、委託費", "設備整備費")


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
    """A measure of the synthetic graph: printed names, how its budget moves, what its documents state.

    The facts a document may state about the measure are the measure's own (the same in
    every document that states them): names as the registry labels them, "" or None for none.
    """

    label: str
    agency: str  # the agency's name as printed (its registry label)
    base: int  # yen, FY2025 level
    growth: float  # per year
    body: str = ""  # 事業主体
    basis: tuple[str, str, str, str] | None = None  # (law, article, paragraph, item); "" where not stated
    program: str = ""
    flow: tuple[str, str] | None = None  # (recipient, instrument)
    plan: tuple[int, int] | None = None  # (start, end) fiscal years
    attributes: tuple[tuple[str, str], ...] = ()  # measure-page lines (事業スキーム, 補助対象, 補助率)

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
    measures: tuple[Measure, ...]  # the examples' measure first

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
        measures.append(_facts(Measure(label, agency, base_yen, r.uniform(-0.05, 0.15)), r, base))
    measures = _examples(measures, base)
    registry = Registry([e for kind in Kind for e in base.entities(kind)] + synthetic)
    return Universe(plan, seed, registry, tuple(measures))


def _facts(m: Measure, r: random.Random, reg: Registry) -> Measure:
    """``m`` with the facts its documents may state, drawn from ``r``."""
    bodies, laws, programs = reg.entities(Kind.BODY), reg.entities(Kind.LAW), reg.entities(Kind.PROGRAM)
    start = 2025 - r.randrange(20)
    return replace(
        m,
        body=bodies[r.randrange(len(bodies))].label_ja if r.random() < 0.5 else "",
        basis=_basis(r, laws) if r.random() < 0.4 else None,
        program=programs[r.randrange(len(programs))].label_ja if r.random() < 0.2 else "",
        flow=(bodies[r.randrange(len(bodies))].label_ja, _INSTRUMENTS[r.randrange(len(_INSTRUMENTS))])
        if r.random() < 0.3 else None,
        plan=(start, start + r.randrange(1, 6)) if r.random() < 0.1 else None,
        attributes=(("事業スキーム", "補助事業"), ("補助対象", _TARGETS[r.randrange(len(_TARGETS))]),
                    ("補助率", _RATES[r.randrange(len(_RATES))])) if r.random() < 0.1 else (),
    )


def _basis(r: random.Random, laws: list[Entity]) -> tuple[str, str, str, str]:
    """A law, an article and sometimes a paragraph (項) and item (号) of it."""
    law, article = laws[r.randrange(len(laws))].label_ja, _ARTICLES[r.randrange(len(_ARTICLES))]
    paragraph = str(r.randint(1, 3)) if r.random() < 0.2 else ""
    item = str(r.randint(1, 5)) if paragraph and r.random() < 0.5 else ""
    return law, article, paragraph, item


def _examples(measures: list[Measure], reg: Registry) -> list[Measure]:
    """The facts the named queries' examples ask about, given to the first measures.

    The examples' measure (NICT's training centre) is implemented by NICT under
    サイバーセキュリティ基本法 article 13, runs CYDER and funds NICT; the first
    measure of 経済産業省 funds IPA; the fourth starts in FY2025 (new-measures).
    """
    nict, ipa = reg.get(Kind.BODY, "nict").label_ja, reg.get(Kind.BODY, "ipa").label_ja
    law = reg.get(Kind.LAW, "cybersecurity-basic-act").label_ja
    out = list(measures)
    out[0] = replace(out[0], body=nict, basis=(law, "13", "", ""),
                     program=reg.get(Kind.PROGRAM, EXAMPLE_PROGRAM).label_ja, flow=(nict, "交付金"))
    meti = reg.get(Kind.AGENCY, "meti").label_ja
    first_meti = next((i for i, m in enumerate(out) if m.agency == meti), None)
    if first_meti is not None:
        out[first_meti] = replace(out[first_meti], flow=(ipa, "委託"))
    if len(out) > 3:  # a measure new in FY2025: first listed, and marked 新規, by the FY2025 documents
        out[3] = replace(out[3], plan=(2025, 2028))
    return out
