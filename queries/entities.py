"""The graph's entities by name: an explicit index the query runner resolves parameters with.

An :class:`EntityIndex` is built from one store — an rdflib graph or a store of
:mod:`policykg.graph.backends` — and answers "which IRI is this ``kind`` named
``value``": an IRI, a registry key (skos:notation) or any label
(skos:prefLabel/altLabel, rdfs:label, a figure's pk:nameAsStated), compared by
:func:`policykg.registry.lookup_key` (NFKC, white space removed, casefolded,
強靱/強靭 and middle dots unified) so spacing, full-width and Kangxi-radical
variants match. Source documents are found by IRI, identifier or original file.

Each kind is read from the store the first time it is asked for and then kept:
a built graph does not change, so whoever holds a store for many queries (the
endpoint's workers, a benchmark) holds one index beside it and passes it to
:func:`policykg.queries.run.run_query`. The stores keep no query-layer state.

>>> from rdflib import Graph
>>> from rdflib.namespace import SKOS
>>> g = Graph()
>>> nict = URIRef("https://w3id.org/policykg/id/body/nict")
>>> _ = g.add((nict, RDF.type, PK.ImplementingBody)).add((nict, SKOS.altLabel, Literal("ＮＩＣＴ")))
>>> index = EntityIndex(g)
>>> index.resolve("body", "nict") == nict, sorted(index.names("body"))
(True, ['nict'])
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from policykg.errors import QueryError
from policykg.graph.backends import Store
from policykg.namespace import PK

__all__ = ["ENTITY_CLASSES", "EntityIndex"]

#: The classes an entity parameter of each kind may name.
ENTITY_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "measure": (PK.Measure,),
    "agency": (PK.Agency,),
    "body": (PK.Agency, PK.ImplementingBody),
    "law": (PK.Law,),
    "program": (PK.Program,),
    "entity": (PK.Agency, PK.ImplementingBody, PK.Program, PK.Law, PK.Measure, PK.StrategyArea),
}
_LABELS = (SKOS.prefLabel, SKOS.altLabel, RDFS.label, SKOS.notation)


class EntityIndex:
    """Lookup key → entity IRIs, per kind, of one store (read on first use of a kind)."""

    def __init__(self, store: Graph | Store) -> None:
        self.store = store
        self._members: dict[str, frozenset[URIRef]] = {}
        self._names: dict[str, dict[str, frozenset[URIRef]]] = {}
        self._documents: dict[str, URIRef] | None = None

    def members(self, kind: str) -> frozenset[URIRef]:
        """Every entity of ``kind`` (one of :data:`ENTITY_CLASSES`)."""
        self._read(kind)
        return self._members[kind]

    def names(self, kind: str) -> Mapping[str, frozenset[URIRef]]:
        """The ``kind`` entities by the lookup key of each of their names."""
        self._read(kind)
        return self._names[kind]

    def _read(self, kind: str) -> None:
        from policykg.registry import lookup_key  # the registry's import costs a CLI answer 20 ms

        if kind in self._names:
            return
        ds = self.store
        members = frozenset(s for cls in ENTITY_CLASSES[kind] for s in ds.subjects(RDF.type, cls))
        names: dict[str, set[URIRef]] = {}
        for s in members:
            for prop in _LABELS:
                for label in ds.objects(s, prop):
                    names.setdefault(lookup_key(str(label)), set()).add(s)
        if kind in ("measure", "entity"):
            for figure, name in ds.subject_objects(PK.nameAsStated):
                scope = ds.value(figure, PK.scope)
                if scope in members:
                    names.setdefault(lookup_key(str(name)), set()).add(scope)
        self._members[kind] = members
        self._names[kind] = {key: frozenset(iris) for key, iris in names.items()}

    def resolve(self, kind: str, value: str, *, param: str = "") -> URIRef:
        """The IRI of the ``kind`` entity named ``value`` (an IRI, key or any label).

        No match raises QueryError listing close names; two or more raise listing them.
        """
        where = f"parameter {param}: " if param else ""
        stripped = value.strip().removeprefix("<").removesuffix(">")
        if re.match(r"https?://", stripped):
            if URIRef(stripped) in self.members(kind):
                return URIRef(stripped)
            raise QueryError(f"{where}no {kind} with IRI <{stripped}>")
        index = self.names(kind)
        from policykg.registry import lookup_key

        key = lookup_key(value)
        found = index.get(key, frozenset())
        if len(found) == 1:
            return next(iter(found))
        if found:
            listed = "; ".join(f"<{iri}> {self.label(iri)}" for iri in sorted(found))
            raise QueryError(f"{where}{kind} {value!r} is ambiguous: {listed}")
        close = difflib.get_close_matches(key, list(index), n=5, cutoff=0.5)
        close += [k for k in sorted(index) if key and key in k and k not in close][:5]
        hint = "; ".join(sorted({self.label(iri) for k in close for iri in index[k]}))
        raise QueryError(f"{where}no {kind} named {value!r}" + (f"; close matches: {hint}" if hint else ""))

    def document(self, value: str, *, param: str = "") -> URIRef:
        """The source document named ``value``: its IRI, dcterms:identifier or pk:originalFile."""
        if self._documents is None:
            ds, docs = self.store, {}
            for doc in ds.subjects(RDF.type, PK.SourceDocument):
                for name in (doc, ds.value(doc, DCTERMS.identifier), ds.value(doc, PK.originalFile)):
                    if name is not None:
                        docs[str(name)] = doc
            self._documents = docs
        if value.strip() in self._documents:
            return self._documents[value.strip()]
        ids = sorted(str(self.store.value(d, DCTERMS.identifier)) for d in set(self._documents.values()))
        raise QueryError(f"parameter {param}: no source document {value!r}; documents: {', '.join(ids)}")

    def label(self, iri: URIRef) -> str:
        """The entity's Japanese skos:prefLabel, else its IRI (for messages)."""
        labels = [lit for lit in self.store.objects(iri, SKOS.prefLabel)
                  if isinstance(lit, Literal) and lit.language == "ja"]
        return str(labels[0]) if labels else str(iri)
