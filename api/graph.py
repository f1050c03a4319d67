"""``policykg.open()``: the built graph for notebooks — named queries, SPARQL, networks, entities, search.

A :class:`KnowledgeGraph` holds one opened store (Oxigraph in memory by
default), the :class:`~policykg.queries.entities.EntityIndex` the runner resolves
names with, and a search index read on first use; every method is a thin call
of the function the CLI uses (:func:`policykg.queries.run.run_query`,
:func:`policykg.viz.project`, :class:`policykg.queries.search.SearchIndex`) whose
result becomes a typed DataFrame (:mod:`policykg.api.frames`).

>>> import policykg
>>> kg = policykg.open()
>>> df = kg.query("budget-lines", fiscal_year=2025, agency="総務省", rank="preferred")
>>> row = df[df.measure == "ナショナルサイバートレーニングセンターの強化"].iloc[0]
>>> int(row.amount_jpy), row.source, int(row.line), str(df.amount_jpy.dtype)
(1200000000, 'nisc-budget-fy2025', 12, 'Int64')
>>> kg.search("トレーニング", limit=3).kind.tolist()
['program', 'measure', 'measure']
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import networkx as nx
import pandas as pd
from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from policykg.errors import QueryError
from policykg.graph.backends import Backend, open_store
from policykg.queries.entities import EntityIndex
from policykg.queries.run import load_query, query_from_text, query_variables, run_bound, run_query
from policykg.queries.search import SearchIndex
from policykg.viz import VIEWS, project

from .entity import Entity, read_entity
from .frames import to_frame
from .locate import locate_build

__all__ = ["IRI", "KnowledgeGraph", "open_graph", "to_term"]

#: The keyword options of :func:`policykg.viz.project` (the options of ``policykg viz``).
_NETWORK_OPTIONS = frozenset({"entity", "depth", "fiscal_year", "kind", "years", "agency"})


class IRI(str):
    """An IRI to bind in :meth:`KnowledgeGraph.sparql` (a plain ``str`` binds a literal).

    >>> to_term(IRI("https://w3id.org/policykg/id/agency/mic"))
    rdflib.term.URIRef('https://w3id.org/policykg/id/agency/mic')
    """


def to_term(value: object) -> Node:
    """A Python value as the RDF term a binding gives it.

    >>> to_term(2025).n3(), to_term("総務省").n3(), to_term(True).n3()
    ('"2025"^^<http://www.w3.org/2001/XMLSchema#integer>', '"総務省"', '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>')
    """
    if isinstance(value, Node):
        return value
    if isinstance(value, IRI):
        return URIRef(str(value))
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, Decimal):
        return Literal(value, datatype=XSD.decimal)
    if isinstance(value, float):
        return Literal(value, datatype=XSD.double)
    if isinstance(value, str):
        return Literal(value)
    raise QueryError(f"cannot bind {value!r} ({type(value).__name__}): give an int, str, bool, float, "
                     "Decimal, policykg.api.IRI or an rdflib term")


class KnowledgeGraph:
    """The built graph, opened once; see :func:`policykg.open`."""

    def __init__(self, build_dir: Path, *, backend: Backend | str = Backend.AUTO) -> None:
        self.build_dir = Path(build_dir)
        self.store = open_store(self.build_dir, backend)
        self.index = EntityIndex(self.store)
        self._search: SearchIndex | None = None

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.build_dir / 'policykg.nq'} ({len(self.store)} triples, " \
               f"{self.store.backend.value})>"

    def query(self, name: str, /, *, lang: str | None = None, **params: object) -> pd.DataFrame:
        """A named query (``policykg query --list``) as a typed DataFrame.

        Parameters as the CLI takes them (``fiscal_year=2025``, ``agency="総務省"``);
        ``lang`` is passed as the query parameter ``lang`` when given (queries that
        do not declare it refuse it).

        >>> import policykg
        >>> df = policykg.open().query("totals", scope_kind="overall", fiscal_year=2025, rank="preferred")
        >>> df[["budget", "status", "amount_jpy", "source", "line"]].to_string(index=False)
        ' budget  status   amount_jpy             source  line\\ninitial enacted 205150000000 nisc-budget-fy2025    31'
        """
        nq = load_query(name)
        values = {k: str(v) for k, v in params.items()}
        if lang is not None:
            values["lang"] = lang
        return to_frame(run_query(self.store, nq, values, index=self.index), nq.columns)

    def sparql(self, text: str, /, **bindings: object) -> pd.DataFrame:
        """A SELECT or ASK query as a typed DataFrame, ``bindings`` bound as RDF terms (:func:`to_term`).

        Updates, SERVICE and FROM are refused as by ``policykg query``.

        >>> import policykg
        >>> kg = policykg.open()
        >>> kg.sparql("PREFIX pk: <https://w3id.org/policykg/ontology#> "
        ...           "SELECT ?amount WHERE { ?f pk:line ?line ; pk:amountJPY ?amount ; pk:scope ?m }",
        ...           line=12, m=IRI("https://w3id.org/policykg/id/measure/mic-national-cyber-training-center"))
        ... # doctest: +NORMALIZE_WHITESPACE
               amount
        0  1200000000
        1  1740000000
        """
        nq = query_from_text(text)
        used = query_variables(nq)
        unknown = sorted(set(bindings) - used)
        if unknown:
            raise QueryError(f"binding(s) {', '.join(unknown)} name no variable of the query")
        terms = {k: to_term(v) for k, v in bindings.items()}
        return to_frame(run_bound(self.store, nq, terms), nq.columns)

    def network(self, view: str, /, **options: object) -> nx.DiGraph:
        """The networkx projection of a diagram view (overview, funding, entity, law, compare).

        Options as :func:`policykg.viz.project` takes them: ``entity``, ``depth``,
        ``fiscal_year``, ``kind``, ``years``, ``agency``. Nodes carry ``cls``,
        ``label_ja``, ``label_en``, ``budget`` (figures with their lines); edges
        ``kind``, ``amount_jpy``, ``printed``, ``sources`` (doc:line).
        """
        if view not in VIEWS:
            raise QueryError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        unknown = sorted(set(options) - _NETWORK_OPTIONS)
        if unknown:
            raise QueryError(f"unknown option(s) {', '.join(unknown)} of network(); "
                             f"options: {', '.join(sorted(_NETWORK_OPTIONS))}")
        return project(view, self.store, **options)  # type: ignore[arg-type]

    def entity(self, name_or_iri: str, /) -> Entity:
        """One entity by IRI, key or any label (:class:`~policykg.api.entity.Entity`).

        >>> import policykg
        >>> e = policykg.open().entity("CYDER")
        >>> e.kind, e.label_ja, e.path, "実践的サイバー防御演習" in e.aliases
        ('program', 'CYDER', '/id/program/cyder', True)
        """
        return read_entity(self.store, self.index, name_or_iri)

    def search(self, text: str, /, *, limit: int = 20) -> pd.DataFrame:
        """Entities with a name holding ``text`` (Japanese or English, any spelling variant), best first.

        Columns: kind, iri, label_ja, label_en, matched, match (exact, prefix,
        substring), via, path (the entity page under https://w3id.org/policykg/).
        """
        if self._search is None:
            self._search = SearchIndex.from_store(self.store)
        hits = self._search.search(text, limit=limit)
        columns = ("kind", "iri", "label_ja", "label_en", "matched", "match", "via", "path")
        return pd.DataFrame({c: pd.array([getattr(h, c) or pd.NA for h in hits], dtype="string") for c in columns})


def open_graph(build_dir: Path | str | None = None, *, backend: Backend | str = Backend.AUTO) -> KnowledgeGraph:
    """The built graph as a :class:`KnowledgeGraph`.

    The build is ``build_dir``, else ``$POLICYKG_HOME``, else ``./build`` if it
    holds a graph, else the per-user cache of the bundled corpus, built on first
    use with progress lines on stderr (:mod:`policykg.api.locate`). ``backend``:
    auto, rdflib, oxigraph or oxigraph-disk, as ``policykg query --backend``.
    """
    return KnowledgeGraph(locate_build(build_dir), backend=backend)

