"""Printed names → IRIs for one document: the registry's entity, or a minted one.

A name the registry does not know never drops a fact. It gets a minted IRI,
``id:{kind}/unregistered-{digest of the name's lookup key}``, typed with its class
and carrying the name as printed, the line where the document first names it and
``pk:minted true``; the build report gets a warning of kind ``unknown-{kind}``
with that ``document:line``. The same printed name (up to NFKC, spacing and
variant characters) in two documents mints the same IRI, so a new ministry's
rows in two editions meet.

Triples go through :class:`Pending`: a record's triples and warnings are kept
aside until the record is complete, so a record that fails half way leaves no
half-made node behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from policykg import records as R
from policykg.errors import UnknownEntityError
from policykg.namespace import ID, PK, mint
from policykg.normalize import squash
from policykg.registry import Entity, Kind, Registry, looks_like_agency, lookup_key
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import SKOS

KIND_CLASS = {
    Kind.AGENCY: PK.Agency,
    Kind.BODY: PK.ImplementingBody,
    Kind.PROGRAM: PK.Program,
    Kind.LAW: PK.Law,
    Kind.MEASURE: PK.Measure,
    Kind.AREA: PK.StrategyArea,
}
_TRUE = Literal(True)
#: Records a reified statement (subject, predicate, object, source, printed text) without asserting it.
Statement = Callable[[URIRef, URIRef, "URIRef | Literal", R.SourceSpan, str], None]


def entity_iri(entity: Entity) -> URIRef:
    return mint(f"{entity.kind.value}/{entity.key}")


def minted_iri(kind: Kind, name: str, qualifier: str = "") -> URIRef:
    """The IRI a name unknown to the registry gets (the same in every document).

    ``qualifier`` tells apart names that are only the same entity together with it: a
    minted measure is its name under its agency, so that two editions printing one
    name under two agencies give two measures (each with one agency), not one with two.

    >>> str(minted_iri(Kind.AGENCY, "内閣府")) == str(minted_iri(Kind.AGENCY, " 内閣 府 "))
    True
    >>> minted_iri(Kind.MEASURE, "施策", "内閣府") == minted_iri(Kind.MEASURE, "施策", "消費者庁")
    False
    """
    key = lookup_key(name) if not qualifier else f"{lookup_key(qualifier)}|{lookup_key(name)}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return mint(f"{kind.value}/unregistered-{digest}")


class Pending:
    """A graph's additions and warnings, held until :meth:`commit` (or dropped by :meth:`rollback`)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._triples: dict[tuple, None] = {}
        self._warnings: list[R.BuildWarning] = []

    def add(self, triple: tuple) -> None:
        self._triples[triple] = None

    def __contains__(self, triple: tuple) -> bool:
        return triple in self._triples or triple in self.graph

    def warn(self, warning: R.BuildWarning) -> None:
        self._warnings.append(warning)

    def commit(self) -> list[R.BuildWarning]:
        for triple in self._triples:
            self.graph.add(triple)
        done = self._warnings
        self.rollback()
        return done

    def rollback(self) -> None:
        self._triples, self._warnings = {}, []


class Resolver:
    """Resolves the names one document prints, minting what the registry does not know."""

    def __init__(self, g: Pending, strategy: str, registry: Registry, statement: Statement) -> None:
        self.g, self.strategy, self.registry, self.statement = g, strategy, registry, statement
        self._relabelled: set[tuple[int, str]] = set()  # area headings warned about (once per document)

    def _warn(self, span: R.SourceSpan, kind: str, message: str, text: str) -> None:
        self.g.warn(R.BuildWarning.at(span, kind, message, text))

    def mint(self, kind: Kind, name: str, span: R.SourceSpan, *, number: int = 0, qualifier: str = "") -> URIRef:
        """The minted IRI of ``name``; the first time in this document, its triples and a warning.

        Where the document names it is a statement (``skos:prefLabel``, with the
        printed name, source and line), so a name minted by two documents keeps
        both citations apart.
        """
        iri = minted_iri(kind, name, qualifier)
        if (iri, PK.minted, _TRUE) in self.g:
            return iri
        self._warn(span, f"unknown-{kind.value}",
                   f"{kind.value} not in the registry: minted {iri.rsplit('/', 2)[-2]}/{iri.rsplit('/', 1)[-1]}",
                   name)
        g = self.g
        g.add((iri, RDF.type, KIND_CLASS[kind]))
        g.add((iri, SKOS.prefLabel, Literal(squash(name), lang="ja")))
        g.add((iri, RDFS.label, Literal(squash(name), lang="ja")))
        g.add((iri, PK.nameAsPrinted, Literal(name)))
        g.add((iri, PK.minted, _TRUE))
        if kind is Kind.AREA:
            scheme = mint(f"strategy/{self.strategy}")
            g.add((iri, PK.areaNumber, Literal(number, datatype=XSD.integer)))
            g.add((iri, SKOS.inScheme, scheme))
            g.add((scheme, RDF.type, PK.Strategy))
            g.add((scheme, SKOS.prefLabel, Literal(f"サイバーセキュリティ戦略（{self.strategy}年）", lang="ja")))
        self.statement(iri, SKOS.prefLabel, Literal(squash(name), lang="ja"), span, name)
        return iri

    def entity(self, kind: Kind, name: str, span: R.SourceSpan) -> URIRef:
        found = self.registry.find(kind, name)
        return entity_iri(found) if found is not None else self.mint(kind, name, span)

    def organisation(self, name: str, span: R.SourceSpan, *, as_agency: bool = False) -> URIRef:
        """An agency or body by printed name (agency first).

        An unknown name is minted as an agency where it stands in an agency's place
        (``as_agency``: a table row's 【…】, a share chart) or is shaped like one
        (…省, …庁, …委員会), else as an implementing body.
        """
        found = self.registry.find(Kind.AGENCY, name) or self.registry.find(Kind.BODY, name)
        if found is not None:
            return entity_iri(found)
        kind = Kind.AGENCY if as_agency or looks_like_agency(name) else Kind.BODY
        return self.mint(kind, name, span)

    def area(self, number: int | None, label: str, span: R.SourceSpan) -> URIRef | None:
        """The strategy area of this document's strategy edition, by printed label or number.

        A label the registry does not list for the area with that number is matched
        by the number, with a warning (``area-label``) naming both; a number the
        strategy does not have mints an area.
        """
        if number is None or not self.strategy:
            return None
        if label:
            try:
                return entity_iri(self.registry.area(self.strategy, number, label))
            except UnknownEntityError:
                pass
        matches = [e for e in self.registry.entities(Kind.AREA)
                   if e.edition == self.strategy and e.number == number]
        if len(matches) == 1:
            if label and (number, label) not in self._relabelled:
                self._relabelled.add((number, label))
                self._warn(span, "area-label",
                           f"area heading ({number}) differs from the {self.strategy} strategy's "
                           f"「{matches[0].label_ja}」: matched by its number", label)
            return entity_iri(matches[0])
        return self.mint(Kind.AREA, f"({self.strategy}) ({number}) {label}".strip(), span, number=number)

    def organisations_in(self, text: str) -> list[tuple[URIRef, int, int]]:
        found: Iterable = [*self.registry.scan(Kind.BODY, text), *self.registry.scan(Kind.AGENCY, text)]
        return sorted({(entity_iri(e), s, t) for e, s, t in found}, key=lambda x: (x[1], str(x[0])))
