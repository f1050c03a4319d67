"""A synthetic policy graph of any size, in our ontology, reproducible from a seed.

``write_synth(path, triples=N, seed=S)`` writes N-Quads made the way a real build
makes them: synthetic documents (:mod:`.records`) give the records a loader would
return, and :func:`policykg.graph.build.add_document` turns each document's
records into its named graph, so the synthetic graph has the classes, properties
and IRI patterns of ``policykg build`` by construction. The output holds:

* ``…/id/graph/ontology`` — the ontology, as built;
* ``…/id/graph/registry`` — the real registry plus the synthetic measures
  (:mod:`.universe`), as built (citations of real documents the synthetic graph
  does not have are left out, and so are the registry's line citations of its
  links: a synthetic document's lines are not the real one's);
* one named graph per synthetic document ``…/id/doc/<id>``: document series ×
  20 fiscal years (2025–2006, newest first).

Sizes: the number of measures per document and of series grow with N, so the
output has about N quads (it stops after the document that reaches N). One
document is built and written at a time (memory stays bounded), each graph's
lines sorted, so the same N and seed give the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from rdflib import Dataset
from rdflib.namespace import PROV

from policykg.errors import BuildError
from policykg.graph.build import (
    ONTOLOGY_GRAPH, REGISTRY_GRAPH, BuildReport, add_document, doc_iri, iter_quads_sorted, ontology_graph,
    registry_graph,
)
from policykg.graph.rank import RANKS_GRAPH, rank_triples, read_figures
from policykg.graph.store import atomic_write

from .records import synthetic_document
from .universe import YEARS, Plan, Universe, universe_for

__all__ = ["Plan", "synth_lines", "write_synth"]

log = logging.getLogger(__name__)


def fixed_lines(u: Universe) -> list[str]:
    """The ontology and registry graphs, as sorted N-Quads lines."""
    ds = Dataset()
    onto = ds.graph(ONTOLOGY_GRAPH)
    for triple in ontology_graph():
        onto.add(triple)
    reg = ds.graph(REGISTRY_GRAPH)
    registry_graph(reg, u.registry, cite=())  # real line numbers would point into synthetic documents
    docs = {doc_iri(d) for d in u.doc_ids()}
    for s, p, o in list(reg.triples((None, PROV.wasDerivedFrom, None))):
        if o not in docs:  # the registry cites real documents the synthetic graph may not have
            reg.remove((s, p, o))
    return list(iter_quads_sorted(ds))


def document_lines(u: Universe, series: int, year: int) -> list[str]:
    """One synthetic document's named graph, built from its records, as sorted N-Quads lines.

    >>> lines = document_lines(universe_for(triples=1000, seed=0), 0, 2025)
    >>> all(line.endswith(" <https://w3id.org/policykg/id/doc/nisc-budget-fy2025> .") for line in lines)
    True
    """
    return _document(u, series, year, 0)[0]


def _document(u: Universe, series: int, year: int, place: int) -> tuple[list[str], list]:
    """A synthetic document's sorted N-Quads lines, and its figures as ranking needs them."""
    doc, records = synthetic_document(u, series, year)
    report = BuildReport()
    ds = Dataset()
    g = ds.graph(doc_iri(doc.id))
    add_document(g, doc, records, u.registry, report)
    if report.warnings:  # every name is a registry label: a warning is a bug of the generator
        raise BuildError(f"synthetic document {doc.id}: {report.warnings[0]}")
    return list(iter_quads_sorted(ds)), read_figures(g, place, year)


def rank_lines(figures: list) -> list[str]:
    """The ranks graph of the synthetic documents' figures, as sorted N-Quads lines."""
    ds = Dataset()
    ranks = ds.graph(RANKS_GRAPH)
    for triple in rank_triples(figures):
        ranks.add(triple)
    return list(iter_quads_sorted(ds))


class _Counted:
    """The lines of a synthetic graph, counted as they are yielded."""

    def __init__(self, triples: int, seed: int) -> None:
        self.target = triples
        self.universe = universe_for(triples=triples, seed=seed)
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for line in fixed_lines(self.universe):
            self.count += 1
            yield line + "\n"
        figures: list = []
        preferred: set = set()  # cells with a figure of their own: one preferred figure each
        place = 0
        for year in YEARS:
            for series in range(self.universe.plan.series):
                # the rank quads to come: rank and reason per figure, a link to the preferred one on the others
                if self.count + 3 * len(figures) - len(preferred) >= self.target:
                    break
                lines, found = _document(self.universe, series, year, place)
                place += 1
                figures.extend(found)
                preferred.update(f.cell for f in found if not f.inclusive)
                for line in lines:
                    self.count += 1
                    yield line + "\n"
        for line in rank_lines(figures):  # every figure's rank (graph/rank.py), as a build adds them
            self.count += 1
            yield line + "\n"


def synth_lines(triples: int, seed: int = 0) -> Iterator[str]:
    """The N-Quads lines (newline-terminated) of a synthetic graph of about ``triples`` quads."""
    return iter(_Counted(triples, seed))


def write_synth(path: Path, *, triples: int, seed: int = 0) -> int:
    """Write the synthetic graph to ``path`` atomically; returns the number of quads."""
    synth = _Counted(triples, seed)
    atomic_write(path, synth)
    log.info("wrote %s: %d quads (plan %s)", path, synth.count, synth.universe.plan)
    return synth.count
