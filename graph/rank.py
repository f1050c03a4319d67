"""Ranks of budget figures, as Wikidata ranks statements: one preferred figure per cell.

A **cell** is a scope (a measure, a strategy area, an agency, the government total) × fiscal year ×
budget kind × status (× the supplementary budget's number where one is printed: 補正① and 補正②
are cells of their own; a figure printed without the number joins the cell of the one number
stated for that scope, year, kind and status, and stays apart where several are). Several documents, and several places in one document, state figures for
one cell: the FY2024 edition prints 厚生労働省's FY2024 initial budget as 30.4億円, the FY2025
edition restates it as 19.5億円; a measure page restates its summary-table row. Every figure
keeps its statement; :func:`rank_figures` adds, in the graph :data:`RANKS_GRAPH` (policykg's
reading, apart from what the documents say), a rank and the reason for it:

* ``pk:rank``: ``pk:PreferredRank`` for exactly one figure of each cell that has a figure of its
  own (not 「…の内数」), ``pk:NormalRank`` for the others, ``pk:DeprecatedRank`` for a figure
  its own document contradicts;
* ``pk:rankReason``: a concept of ``pk:RankReasons`` (notation below);
* ``pk:preferredFigure``: on every figure but the preferred one, the cell's preferred figure.

**The rule.** Among the cell's figures not printed as 「…の内数」, the preferred one is the
first by

1. the edition of the cell's fiscal year: the document whose fiscal year is the figure's
   (``own-edition``); where no such document states the cell (a supplementary budget first
   printed by the next edition), the document nearest in fiscal year, a later one on a tie
   (``nearest-edition``);
2. two documents of that one edition year (a re-issued edition): the later in the corpus;
3. within the document, the summary table, then the headline, the area chart, a measure page;
4. then the first line.

The others are ``normal``, with the reason ``inclusive`` (printed as 「…の内数」: part of a larger
sum, never preferred), ``disagrees`` (another document's figure that differs from the preferred
one by more than the rounding of both: a conflict, listed by the ``conflicts`` query),
``restatement`` (another document's figure that agrees within rounding) or ``repeated`` (the
preferred figure's own document printing it again, agreeing). A figure of the preferred figure's
own document that differs beyond rounding is ``deprecated`` (``contradicts-own-document``): the
document's summary table outranks its own restatement. Rounding is half a unit of the last printed
digit of each figure (「23億円」 ± 0.5億円 agrees with 23.4億円).

A correction note (a later edition saying it corrects an earlier figure) would outrank clause 1;
no bundled document prints one, so none is read yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, Dataset, Graph, URIRef

from policykg.namespace import ID, PK
from policykg.normalize import UNIT_YEN

__all__ = ["RANKS_GRAPH", "REASONS", "half_unit", "rank_figures", "rank_triples", "read_figures"]

RANKS_GRAPH = ID["graph/ranks"]
#: Origins in the order clause 3 prefers them.
_ORIGINS = (PK.SummaryTable, PK.Headline, PK.AreaChart, PK.MeasurePage)
#: Rank reason notation → (rank, concept).
REASONS = {
    "own-edition": (PK.PreferredRank, PK.OwnEdition),
    "nearest-edition": (PK.PreferredRank, PK.NearestEdition),
    "restatement": (PK.NormalRank, PK.Restatement),
    "repeated": (PK.NormalRank, PK.Repeated),
    "disagrees": (PK.NormalRank, PK.Disagrees),
    "inclusive": (PK.NormalRank, PK.InclusiveFigure),
    "contradicts-own-document": (PK.DeprecatedRank, PK.ContradictsOwnDocument),
}


def half_unit(number: str, unit: str) -> Decimal:
    """Half a unit of the last printed digit, in yen.

    >>> [int(half_unit(n, u)) for n, u in (("30.4", "億円"), ("1,584", "百万円"), ("2", "億円"))]
    [5000000, 500000, 50000000]
    """
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    return Decimal(UNIT_YEN[unit]) * Decimal(1).scaleb(-decimals) / 2


@dataclass(frozen=True)
class _Figure:
    iri: URIRef
    doc: int  # the document's place in the corpus
    doc_year: int
    cell: tuple
    fiscal_year: int
    yen: int
    half: Decimal
    origin: int
    line: int
    inclusive: bool


def rank_figures(ds: Dataset, documents: Sequence[tuple[URIRef, int]]) -> Graph:
    """Rank every pk:BudgetFigure of the documents' graphs into ``ds``'s ranks graph (returned).

    ``documents``: each document's named graph and fiscal year, in corpus order.
    """
    ranks = ds.graph(RANKS_GRAPH)
    figures = []
    for place, (graph, fiscal_year) in enumerate(documents):
        figures.extend(read_figures(ds.graph(graph), place, fiscal_year))
    for triple in rank_triples(figures):
        ranks.add(triple)
    return ranks


def rank_triples(figures: Iterable[_Figure]) -> Iterable[tuple[URIRef, URIRef, URIRef]]:
    """The rank triples of figures read by :func:`read_figures` (one document after another,
    so that a caller streaming documents keeps only these small records)."""
    figures = list(figures)
    numbers: dict[tuple, set[int]] = defaultdict(set)
    for f in figures:
        if f.cell[-1]:
            numbers[f.cell[:-1]].add(f.cell[-1])
    cells: dict[tuple, list[_Figure]] = defaultdict(list)
    for f in figures:
        cell = f.cell
        if not cell[-1] and len(numbers.get(cell[:-1], ())) == 1:  # the one numbered supplementary budget
            cell = (*cell[:-1], next(iter(numbers[cell[:-1]])))
        cells[cell].append(f)
    for cell in sorted(cells, key=lambda c: tuple(str(x) for x in c)):
        for iri, reason, preferred in _rank(cells[cell]):
            rank, concept = REASONS[reason]
            yield iri, PK.rank, rank
            yield iri, PK.rankReason, concept
            if preferred is not None:
                yield iri, PK.preferredFigure, preferred


def read_figures(g: Graph, place: int, doc_year: int) -> list[_Figure]:
    """The figures of one document's graph, as ranking needs them; ``place``: the document's
    place in the corpus."""
    return list(_read(g, place, doc_year))


def _read(g: Graph, place: int, doc_year: int) -> Iterable[_Figure]:
    for iri in sorted(g.subjects(RDF.type, PK.BudgetFigure)):
        v = {p: o for p, o in g.predicate_objects(iri)}
        fy = int(v[PK.fiscalYear])
        yield _Figure(
            iri=iri, doc=place, doc_year=doc_year, cell=(v[PK.scope], fy, v[PK.budgetKind], v[PK.status], int(v.get(PK.supplementNumber, 0))),
            fiscal_year=fy, yen=int(v[PK.amountJPY]), half=half_unit(str(v[PK.printedNumber]), str(v[PK.unit])),
            origin=_ORIGINS.index(v[PK.origin]), line=int(v[PK.line]), inclusive=bool(v[PK.inclusive].toPython()),
        )


def _order(f: _Figure) -> tuple:
    gap = abs(f.doc_year - f.fiscal_year)
    return (gap, f.doc_year < f.fiscal_year, -f.doc, f.origin, f.line, str(f.iri))


def _rank(cell: list[_Figure]) -> Iterable[tuple[URIRef, str, URIRef | None]]:
    """(figure, reason notation, the preferred figure or None) for each figure of one cell."""
    own = [f for f in cell if not f.inclusive]
    best = min(own, key=_order) if own else None
    for f in sorted(cell, key=_order):
        if best is None:
            yield f.iri, "inclusive", None
        elif f is best:
            yield f.iri, "own-edition" if f.doc_year == f.fiscal_year else "nearest-edition", None
        elif f.inclusive:
            yield f.iri, "inclusive", best.iri
        elif abs(f.yen - best.yen) > f.half + best.half:
            yield f.iri, "contradicts-own-document" if f.doc == best.doc else "disagrees", best.iri
        else:
            yield f.iri, "repeated" if f.doc == best.doc else "restatement", best.iri

