"""A synthetic policy graph of any size, in our ontology, reproducible from a seed.

``write_synth(path, triples=N, seed=S)`` writes N-Quads shaped like a built graph
(same classes, properties and IRI patterns as ``policykg build``):

* ``…/id/graph/ontology`` — the ontology, as built;
* ``…/id/graph/registry`` — the real registry (agencies, bodies, programmes, laws,
  strategy areas, measures) plus synthetic measures of the same agencies;
* one named graph per synthetic source document ``…/id/doc/<id>``: document
  series × 20 fiscal years (2006–2025, newest first). Series 0 is named like the
  real NISC summaries (``nisc-budget-fy2025``), the others ``synth-s<k>-fy<year>``.
  Each document states, for each of its measures: the measure's agency and area;
  summary-table figures for its fiscal year (draft) and the year before
  (initial, enacted), sometimes a supplementary figure, a 「…の内数」 figure or a
  measure-page figure; implementing bodies, legal bases and programmes as
  reified statements with their line; funding flows; and per document the
  overall total, agency totals, area subtotals, agency and area shares and
  programme facts. Every fact carries ``prov:wasDerivedFrom`` its document and
  ``pk:line``/``pk:endLine``.

Sizes: the number of measures per document and of series grow with N, so the
output has about N quads (it stops after the document that reaches N).
Output is streamed (a 5M-quad file needs little memory) and byte-identical for
the same N and seed.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Literal, URIRef

from policykg.graph.build import ONTOLOGY_GRAPH, REGISTRY_GRAPH, _registry_graph, ontology_graph
from policykg.graph.store import atomic_write
from policykg.namespace import ID, PK
from policykg.registry import Kind, Registry

log = logging.getLogger(__name__)

YEARS = tuple(range(2025, 2005, -1))  # newest first: a small N keeps the latest documents
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PROV = "http://www.w3.org/ns/prov#"
_DCT = "http://purl.org/dc/terms/"
_PK = str(PK._NS)
_ID = str(ID)
#: Quads a document states per measure, on average (measured on the output).
_PER_MEASURE = 66
_PER_DOC = 150
_INSTRUMENTS = (("Grant", "交付金"), ("Subsidy", "補助"), ("Commission", "委託"), ("Contract", "請負"))
_ARTICLES = ("13", "13", "17", "21", "26", "31", "5", "7", "9", "103の2")
_FACT_KEYS = ("participants", "sessions", "organisations")


def iri(text: str) -> str:
    return f"<{text}>"


def lit(text: str, lang: str = "") -> str:
    """An N-Quads literal (escaped).

    >>> lit('a"b'), lit("総務省", "ja")
    ('"a\\\\"b"', '"総務省"@ja')
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{_XSD}{datatype}>'


def _term(t: object) -> str:
    if isinstance(t, URIRef):
        return iri(str(t))
    if isinstance(t, Literal):
        if t.language:
            return lit(str(t), t.language)
        if t.datatype is not None:
            return f"{lit(str(t))}^^<{t.datatype}>"
        return lit(str(t))
    raise ValueError(f"unexpected term {t!r}")  # pragma: no cover - the fixed graphs hold no blank nodes


@dataclass(frozen=True)
class Plan:
    """How big each part is for about ``triples`` quads."""

    measures_per_doc: int
    series: int

    @classmethod
    def for_size(cls, triples: int) -> Plan:
        """Measures per document and document series for about ``triples`` quads.

        >>> Plan.for_size(10_000), Plan.for_size(1_000_000)
        (Plan(measures_per_doc=7, series=1), Plan(measures_per_doc=60, series=13))
        """
        per_doc = max(5, min(60, triples // (len(YEARS) * _PER_MEASURE)))
        series = max(1, -(-triples // (len(YEARS) * (_PER_DOC + per_doc * _PER_MEASURE))))
        return cls(per_doc, series)


@dataclass(frozen=True)
class Measure:
    iri: str
    label: str
    agency: str  # IRI
    base: int  # yen, FY2025 level
    growth: float


class _Synth:
    def __init__(self, triples: int, seed: int) -> None:
        self.target, self.seed = triples, seed
        self.plan = Plan.for_size(triples)
        self.registry = Registry.load()
        self.rng = random.Random(seed)
        reg = self.registry
        self.agencies = [e for e in reg.entities(Kind.AGENCY)]
        self.bodies = [str(ID[f"body/{e.key}"]) for e in reg.entities(Kind.BODY)]
        self.programs = sorted((str(ID[f"program/{e.key}"]) for e in reg.entities(Kind.PROGRAM)),
                               key=lambda p: (not p.endswith("/cyder"), p))  # CYDER: the examples' programme
        self.laws = [(str(ID[f"law/{e.key}"]), e.label_ja, e.key) for e in reg.entities(Kind.LAW)]
        self.areas = {ed: [str(ID[f"area/{e.key}"]) for e in reg.entities(Kind.AREA) if e.edition == ed]
                      for ed in ("2018", "2021")}
        #: the name a document prints for an agency or strategy area (pk:agencyAsStated, pk:nameAsStated)
        self.names = {str(ID[f"agency/{e.key}"]): e.label_ja for e in self.agencies}
        self.names |= {str(ID[f"area/{e.key}"]): e.label_ja for e in reg.entities(Kind.AREA)}
        self.measures = self._measures()

    def _measures(self) -> list[Measure]:
        reg = self.registry
        # the measure of the examples first, then one per agency in turn (a small N still spans agencies)
        by_agency: dict[str, list] = {}
        for e in sorted(reg.entities(Kind.MEASURE), key=lambda e: (e.label_ja != "ナショナルサイバートレーニングセンターの強化", e.key)):
            by_agency.setdefault(e.parent or "", []).append(e)
        real = [e for rank in range(max(map(len, by_agency.values()))) for group in by_agency.values()
                if rank < len(group) for e in [group[rank]]]
        out = []
        total = self.plan.measures_per_doc * self.plan.series
        for i in range(total):
            r = random.Random(f"{self.seed}:measure:{i}")
            if i < len(real):
                e = real[i]
                parent = reg.parent_of(e)
                agency = str(ID[f"agency/{parent.key}"]) if parent else str(ID["agency/cas"])
                m_iri, label = str(ID[f"measure/{e.key}"]), e.label_ja
            else:
                a = self.agencies[r.randrange(len(self.agencies))]
                agency = str(ID[f"agency/{a.key}"])
                m_iri, label = str(ID[f"measure/synth-{i}"]), f"{a.label_ja}サイバーセキュリティ施策{i}"
            base = round(10 ** r.uniform(7.5, 10.5), -7)
            out.append(Measure(m_iri, label, agency, int(base), r.uniform(-0.05, 0.15)))
        return out

    def amount(self, m: Measure, year: int) -> int:
        """A measure's budget in a year (yen, 0.1億円 steps)."""
        value = m.base * (1 + m.growth) ** (year - 2025)
        return max(10_000_000, int(round(value, -7)))

    # --- output ---------------------------------------------------------------------------

    def quads(self) -> Iterator[str]:
        self.count = 0
        fixed = Dataset()
        for t in ontology_graph():
            fixed.add((*t, ONTOLOGY_GRAPH))
        _registry_graph(fixed.graph(REGISTRY_GRAPH), self.registry)
        docs = {self.doc_id(s, y) for y in YEARS for s in range(self.plan.series)}
        for s, p, o, g in sorted(fixed.quads((None, None, None, None))):
            if str(p) == _PROV + "wasDerivedFrom" and str(o).removeprefix(_ID + "doc/") not in docs:
                continue  # the registry cites real documents the synthetic graph may not have
            yield self._line(_term(s), _term(p), _term(o), _term(g))
        reg = iri(str(REGISTRY_GRAPH))
        real = {str(ID[f"measure/{e.key}"]) for e in self.registry.entities(Kind.MEASURE)}
        for m in self.measures:
            if m.iri in real:
                continue
            s = iri(m.iri)
            yield self._line(s, iri(_RDF + "type"), iri(_PK + "Measure"), reg)
            yield self._line(s, iri(_SKOS + "prefLabel"), lit(m.label, "ja"), reg)
            yield self._line(s, iri("http://www.w3.org/2000/01/rdf-schema#label"), lit(m.label, "ja"), reg)
            yield self._line(s, iri(_SKOS + "notation"), lit(m.iri.rsplit("/", 1)[1]), reg)
            yield self._line(s, iri(_PK + "agency"), iri(m.agency), reg)
        for year in YEARS:
            for series in range(self.plan.series):
                if self.count >= self.target:
                    return
                yield from self.document(series, year)

    def _line(self, s: str, p: str, o: str, g: str) -> str:
        self.count += 1
        return f"{s} {p} {o} {g} .\n"

    def doc_id(self, series: int, year: int) -> str:
        return f"nisc-budget-fy{year}" if series == 0 else f"synth-s{series}-fy{year}"

    def document(self, series: int, year: int) -> Iterator[str]:
        doc_id = self.doc_id(series, year)
        doc = iri(_ID + f"doc/{doc_id}")
        g = doc
        r = random.Random(f"{self.seed}:{doc_id}")
        edition = "2021" if year >= 2021 else "2018"
        areas = self.areas[edition]
        q = self._line
        p = lambda local: iri(_PK + local)  # noqa: E731
        a_ = iri(_RDF + "type")
        derived = iri(_PROV + "wasDerivedFrom")
        yield q(doc, a_, p("SourceDocument"), g)
        yield q(doc, iri(_DCT + "identifier"), lit(doc_id), g)
        yield q(doc, iri(_DCT + "title"), lit(f"政府のサイバーセキュリティに関する予算（合成 {doc_id}）", "ja"), g)
        yield q(doc, iri(_DCT + "title"), lit(f"Synthetic cybersecurity budget summary {doc_id}", "en"), g)
        yield q(doc, iri(_DCT + "publisher"), iri(_ID + "agency/nisc"), g)
        yield q(doc, p("fiscalYear"), typed(year, "integer"), g)
        yield q(doc, p("layout"), lit("synthetic"), g)
        yield q(doc, p("originalFile"), lit(f"{doc_id}.txt"), g)
        yield q(doc, p("sha256"), lit(hashlib.sha256(f"{self.seed}:{doc_id}".encode()).hexdigest()), g)
        yield q(doc, p("strategy"), iri(_ID + f"strategy/{edition}"), g)
        line = 1
        serial = 0

        def node(prefix: str) -> str:
            nonlocal serial
            serial += 1
            return iri(_ID + f"{prefix}/{doc_id}/L{line}-{serial}")

        def cite(n: str, end: int = 0) -> Iterator[str]:
            yield q(n, derived, doc, g)
            yield q(n, p("line"), typed(line, "integer"), g)
            yield q(n, p("endLine"), typed(end or line, "integer"), g)

        def figure(scope: str, kind: str, fy: int, amount: int, *, budget: str = "Initial", status: str = "Draft",
                   origin: str = "SummaryTable", inclusive: bool = False, name: str = "",
                   area: str = "") -> Iterator[str]:
            f = node("figure")
            yield q(f, a_, p("BudgetFigure"), g)
            yield from cite(f)
            yield q(f, p("scope"), iri(scope), g)
            yield q(f, p("scopeKind"), p(kind), g)
            yield q(f, p("fiscalYear"), typed(fy, "integer"), g)
            yield q(f, p("amountJPY"), typed(amount, "integer"), g)
            oku = f"{amount / 100_000_000:.1f}"
            yield q(f, p("printedAmount"), lit(f"{oku}億円"), g)
            yield q(f, p("printedNumber"), lit(oku), g)
            yield q(f, p("unit"), lit("億円"), g)
            yield q(f, p("budgetKind"), p(budget), g)
            yield q(f, p("status"), p(status), g)
            yield q(f, p("origin"), p(origin), g)
            yield q(f, p("inclusive"), typed("true" if inclusive else "false", "boolean"), g)
            if name:
                yield q(f, p("nameAsStated"), lit(name), g)
            if area:
                yield q(f, p("strategyArea"), iri(area), g)

        def state(s: str, pred: str, o: str, printed: str) -> Iterator[str]:
            yield q(s, pred, o, g)
            st = node("stmt")
            yield q(st, a_, iri(_RDF + "Statement"), g)
            yield q(st, iri(_RDF + "subject"), s, g)
            yield q(st, iri(_RDF + "predicate"), pred, g)
            yield q(st, iri(_RDF + "object"), o, g)
            yield q(st, p("printedText"), lit(printed), g)
            yield from cite(st)

        first = series * self.plan.measures_per_doc
        present = [m for i, m in enumerate(self.measures[first:first + self.plan.measures_per_doc])
                   if i < 3 or r.random() < 0.92]
        # headline: the overall total
        total = sum(self.amount(m, year) for m in self.measures) * 2
        yield from figure(_ID + "scope/government-total", "OverallScope", year, total, origin="Headline",
                          name="政府全体")
        line += 2
        by_agency: dict[str, int] = {}
        by_area: dict[str, int] = {}
        for m in present:
            mi = iri(m.iri)
            area = areas[r.randrange(len(areas))]
            now, before = self.amount(m, year), self.amount(m, year - 1)
            yield q(mi, a_, p("Measure"), g)
            yield q(mi, p("agency"), iri(m.agency), g)
            yield q(mi, p("strategyArea"), iri(area), g)
            inclusive = r.random() < 0.05  # 「…の内数」: part of a larger sum, so not in the totals
            if not inclusive:
                by_agency[m.agency] = by_agency.get(m.agency, 0) + now
                by_area[area] = by_area.get(area, 0) + now
            yield from figure(m.iri, "MeasureScope", year, now, name=m.label, area=area, inclusive=inclusive)
            yield from figure(m.iri, "MeasureScope", year - 1, before, status="Enacted", name=m.label,
                              area=area, inclusive=inclusive)
            if r.random() < 0.3:
                yield from figure(m.iri, "MeasureScope", year - 1, self.amount(m, year) // 3 // 10_000_000 * 10_000_000
                                  or 10_000_000, budget="Supplementary", status="Enacted", name=m.label, area=area)
            line += 1
            if r.random() < 0.3:
                line += 5
                yield from figure(m.iri, "MeasureScope", year, now, origin="MeasurePage", name=m.label)
            if r.random() < 0.5:
                body = self.bodies[r.randrange(len(self.bodies))]
                yield from state(mi, p("implementedBy"), iri(body), "（事業主体）")
                line += 1
            if r.random() < 0.4:
                law_iri, law_label, law_key = self.laws[r.randrange(len(self.laws))]
                article = _ARTICLES[r.randrange(len(_ARTICLES))]
                basis = iri(_ID + f"basis/{law_key}/{hashlib.sha1(m.iri.encode()).hexdigest()[:8]}-art{article}")
                label = f"{law_label}第{article}条"
                yield q(basis, a_, p("LegalBasis"), g)
                yield q(basis, iri(_SKOS + "prefLabel"), lit(label, "ja"), g)
                yield q(basis, p("law"), iri(law_iri), g)
                yield q(basis, p("article"), lit(article), g)
                yield from state(mi, p("legalBasis"), basis, label)
                line += 1
            if r.random() < 0.2:
                program = self.programs[r.randrange(len(self.programs))]
                yield from state(mi, p("program"), iri(program), "（主な取組）")
                if r.random() < 0.5:
                    yield from state(iri(program), p("operatedBy"), iri(self.bodies[r.randrange(len(self.bodies))]),
                                     "（実施主体）")
                line += 1
            if r.random() < 0.3:
                local, printed = _INSTRUMENTS[r.randrange(len(_INSTRUMENTS))]
                fl = node("flow")
                yield q(fl, a_, p("FundingFlow"), g)
                yield from cite(fl)
                yield q(fl, p("measure"), mi, g)
                yield q(fl, p("funder"), iri(m.agency), g)
                yield q(fl, p("recipient"), iri(self.bodies[r.randrange(len(self.bodies))]), g)
                yield q(fl, p("instrument"), p(local), g)
                yield q(fl, p("printedText"), lit(printed), g)
                if r.random() < 0.5:
                    yield q(fl, p("amountJPY"), typed(now // 2 // 10_000_000 * 10_000_000 or 10_000_000, "integer"), g)
                line += 1
            line += 1
        line += 3
        for area, amount in sorted(by_area.items()):
            yield from figure(area, "StrategyAreaScope", year, amount, origin="AreaChart")
            line += 1
        shares_total = sum(by_agency.values()) or 1
        for agency, amount in sorted(by_agency.items()):
            yield from figure(agency, "AgencyScope", year, amount)
            sh = node("share")
            yield q(sh, a_, p("AgencyShare"), g)
            yield from cite(sh)
            yield q(sh, p("agency"), iri(agency), g)
            yield q(sh, p("agencyAsStated"), lit(self.names[agency]), g)
            yield q(sh, p("fiscalYear"), typed(year, "integer"), g)
            yield q(sh, p("budgetKind"), p("Initial"), g)
            yield q(sh, p("status"), p("Draft"), g)
            yield q(sh, p("percent"), typed(f"{100 * amount / shares_total:.1f}", "decimal"), g)
            line += 1
        for area, amount in sorted(by_area.items()):
            sh = node("share")
            yield q(sh, a_, p("AreaShare"), g)
            yield from cite(sh)
            yield q(sh, p("strategyArea"), iri(area), g)
            yield q(sh, p("nameAsStated"), lit(self.names[area]), g)
            yield q(sh, p("fiscalYear"), typed(year, "integer"), g)
            yield q(sh, p("budgetKind"), p("Initial"), g)
            yield q(sh, p("status"), p("Draft"), g)
            yield q(sh, p("percent"), typed(f"{100 * amount / shares_total:.1f}", "decimal"), g)
            line += 1
        for program in [self.programs[0], *r.sample(self.programs[1:], 2 + series % 5)]:
            key = _FACT_KEYS[r.randrange(len(_FACT_KEYS))]
            value = r.randint(20, 3000)
            fact = node("fact")
            yield q(fact, a_, p("ProgramFact"), g)
            yield from cite(fact)
            yield q(fact, p("aboutProgram"), iri(program), g)
            yield q(fact, p("factKey"), lit(key), g)
            yield q(fact, p("factValue"), lit(str(value)), g)
            yield q(fact, p("year"), typed(year, "integer"), g)
            yield q(fact, p("approximate"), typed("false", "boolean"), g)
            yield q(fact, p("printedText"), lit(f"{value}名"), g)
            line += 1


def synth_lines(triples: int, seed: int = 0) -> Iterator[str]:
    """The N-Quads lines of a synthetic graph of about ``triples`` quads."""
    return _Synth(triples, seed).quads()


def write_synth(path: Path, *, triples: int, seed: int = 0) -> int:
    """Write the synthetic graph to ``path`` atomically; returns the number of quads."""
    synth = _Synth(triples, seed)
    atomic_write(path, synth.quads())
    log.info("wrote %s: %d quads (plan %s)", path, synth.count, synth.plan)
    return synth.count
