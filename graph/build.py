"""Records → triples: one named graph per source document, plus ontology and registry.

Every figure and relation cites its document (``prov:wasDerivedFrom``) and
line range (``pk:line``/``pk:endLine``). Relations between entities are stated
directly (``measure pk:implementedBy body``) and, for provenance, as an
``rdf:Statement`` with the same subject, predicate and object that carries the
source and line. No blank nodes: every IRI is deterministic, so the same corpus
gives byte-identical sorted N-Quads.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from policykg import records as R
from policykg.errors import (BuildError, LoaderError, ManifestError, PolicyKGError, UnknownEntityError,
                             UnsafeIRIError)
from policykg.namespace import ID, PK, mint
from policykg.normalize import squash
from policykg.registry import Entity, Kind, Registry, lookup_key
from policykg.sources import Document

from .rank import rank_figures
from .resolve import KIND_CLASS, Pending, Resolver, entity_iri

log = logging.getLogger(__name__)

ONTOLOGY_GRAPH = ID["graph/ontology"]
REGISTRY_GRAPH = ID["graph/registry"]
GOVERNMENT_TOTAL = ID["scope/government-total"]
OTHER_AGENCIES = ID["scope/other-agencies"]

_BUDGET = {R.BudgetKind.INITIAL: PK.Initial, R.BudgetKind.SUPPLEMENTARY: PK.Supplementary}
_STATUS = {R.BudgetStatus.REQUEST: PK.Request, R.BudgetStatus.DRAFT: PK.Draft, R.BudgetStatus.ENACTED: PK.Enacted}
_SCOPE = {
    R.ScopeKind.MEASURE: PK.MeasureScope,
    R.ScopeKind.STRATEGY_AREA: PK.StrategyAreaScope,
    R.ScopeKind.AGENCY: PK.AgencyScope,
    R.ScopeKind.OVERALL: PK.OverallScope,
}
_ORIGIN = {
    R.Origin.SUMMARY_TABLE: PK.SummaryTable,
    R.Origin.AREA_CHART: PK.AreaChart,
    R.Origin.HEADLINE: PK.Headline,
    R.Origin.MEASURE_PAGE: PK.MeasurePage,
}
_INSTRUMENT = {"交付金": PK.Grant, "交付": PK.Grant, "補助": PK.Subsidy, "補助金": PK.Subsidy,
               "委託": PK.Commission, "請負": PK.Contract}
_ATTRIBUTE = {"事業スキーム": PK.scheme, "補助対象": PK.subsidyTarget, "補助率": PK.subsidyRate,
              "事業主体": PK.implementerAsStated, "題名": PK.pageTitle, "新規": PK.newMark}


@dataclass
class BuildReport:
    """What a build read, made and could not read (warnings with file:line)."""

    documents: list[str] = field(default_factory=list)
    records: Counter = field(default_factory=Counter)  # (doc, record type) -> n
    classes: Counter = field(default_factory=Counter)  # class local name -> n
    warnings: list[R.BuildWarning] = field(default_factory=list)
    triples: int = 0

    def warn(self, source: R.SourceSpan | str, kind: str, message: str, snippet: str = "") -> None:
        warning = R.BuildWarning.at(source, kind, message, snippet)
        self.warnings.append(warning)
        log.warning("%s", warning)


def doc_iri(doc_id: str) -> URIRef:
    return mint(f"doc/{doc_id}")


def ontology_graph() -> Graph:
    return Graph().parse(str(resources.files("policykg.ontology") / "policykg.ttl"), format="turtle")


def build_dataset(
    documents: Sequence[tuple[Document, list[R.Record]]], registry: Registry
) -> tuple[Dataset, BuildReport]:
    """Turn each document's records into its named graph; raise BuildError on failure."""
    ds = Dataset()
    report = BuildReport()
    onto = ds.graph(ONTOLOGY_GRAPH)
    for triple in ontology_graph():
        onto.add(triple)
    for warning in registry_graph(ds.graph(REGISTRY_GRAPH), registry, cite={doc.id for doc, _ in documents}):
        report.warnings.append(warning)
        log.warning("%s", warning)
    for doc, recs in documents:
        add_document(ds.graph(doc_iri(doc.id)), doc, recs, registry, report)
    rank_figures(ds, [(doc_iri(doc.id), doc.fiscal_year) for doc, _ in documents])
    typed = {(s, cls) for s, _, cls, _ in ds.quads((None, RDF.type, None, None))}
    for _, cls in typed:
        if str(cls).startswith(str(PK._NS)):
            report.classes[str(cls)[len(str(PK._NS)):]] += 1
    report.triples = sum(1 for _ in ds.quads((None, None, None, None)))
    return ds, report


def add_document(
    g: Graph, doc: Document, records: Iterable[R.Record], registry: Registry, report: BuildReport
) -> None:
    """Add one document's records to ``g``, its named graph; raise BuildError on failure, and
    LoaderError (the file and line) or ManifestError where an IRI made from them is refused."""
    report.documents.append(doc.id)
    try:
        builder = _DocBuilder(g, doc, registry, report)
    except UnsafeIRIError as e:  # the document's own IRIs: its id and strategy, from the manifest
        raise ManifestError(f"document {doc.id!r} ({doc.path}): {e}") from e
    for rec in records:
        report.records[(doc.id, type(rec).__name__)] += 1
        try:
            builder.add(rec)
        except UnknownEntityError as e:
            report.warn(getattr(rec, "source", doc.id), "unknown-entity", f"skipped: {e}")
        except UnsafeIRIError as e:
            span = getattr(rec, "source", None)
            raise LoaderError(f"{doc.path} [{doc.id}]", getattr(span, "line", 0), e.iri,
                              f"refused IRI: {e.reason}") from e
        except PolicyKGError as e:
            source = str(getattr(rec, "source", doc.id))
            message = str(e).removeprefix(f"{source}: ")
            raise BuildError(f"{source} ({doc.path.name}): {message}") from e


def registry_graph(g: Graph, registry: Registry, *, cite: Collection[str] | None = None) -> list[R.BuildWarning]:
    """Add the registry's entities (and the two fixed budget scopes) to ``g``.

    Each link (a measure's agency, a programme's operator, a parent organisation, a
    measure continued) is stated directly and, once per line the registry cites for it,
    as an ``rdf:Statement`` with that document and line, marked ``pk:inferred`` with the
    curator's reason where the lines do not print the link as such. ``cite``: the
    documents those statements may cite (the build's; None: every document). Returns a
    warning for each link the registry cites no line for, and one for the links whose
    lines are all in documents outside ``cite``.
    """
    g.add((GOVERNMENT_TOTAL, RDF.type, PK.BudgetScope))
    g.add((GOVERNMENT_TOTAL, SKOS.prefLabel, Literal("政府全体", lang="ja")))
    g.add((GOVERNMENT_TOTAL, SKOS.prefLabel, Literal("whole government", lang="en")))
    g.add((OTHER_AGENCIES, RDF.type, PK.BudgetScope))
    g.add((OTHER_AGENCIES, SKOS.prefLabel, Literal("その他", lang="ja")))
    g.add((OTHER_AGENCIES, SKOS.prefLabel, Literal("other agencies", lang="en")))
    uncited: list[tuple[str, tuple[str, ...]]] = []
    for kind in Kind:
        for e in registry.entities(kind):
            iri = entity_iri(e)
            g.add((iri, RDF.type, KIND_CLASS[kind]))
            g.add((iri, SKOS.prefLabel, Literal(e.label_ja, lang="ja")))
            g.add((iri, RDFS.label, Literal(e.label_ja, lang="ja")))
            if e.label_en:
                g.add((iri, SKOS.prefLabel, Literal(e.label_en, lang="en")))
                g.add((iri, RDFS.label, Literal(e.label_en, lang="en")))
                _label_origin(g, e, iri, cite)
            for alias in e.aliases:
                if alias not in (e.label_ja, e.label_en):
                    g.add((iri, SKOS.altLabel, Literal(alias)))
            g.add((iri, SKOS.notation, Literal(e.key)))
            uncited += _registry_links(g, registry, e, iri, cite)
    unsourced = [name for name, sources in uncited if not sources]
    elsewhere = [name for name, sources in uncited if sources]
    warnings = [R.BuildWarning.at("registry", "registry-link", f"{name}: the registry cites no line for it")
                for name in unsourced]
    if elsewhere:  # a build of some documents only: one warning, not one per link
        warnings.append(R.BuildWarning.at(
            "registry", "registry-link",
            f"{len(elsewhere)} registry link(s) cite only documents this build does not have: stated without a line",
            "; ".join(elsewhere[:5]) + ("; …" if len(elsewhere) > 5 else "")))
    return warnings


#: The predicate of an entity's parent link, by kind (a law's or area's parent is no link).
_PARENT_LINK = {Kind.MEASURE: PK.agency, Kind.PROGRAM: PK.operatedBy,
                Kind.AGENCY: URIRef("http://www.w3.org/ns/org#subOrganizationOf"),
                Kind.BODY: URIRef("http://www.w3.org/ns/org#subOrganizationOf")}


def _registry_links(g: Graph, registry: Registry, e: Entity, iri: URIRef,
                    cite: Collection[str] | None) -> list[tuple[str, tuple[str, ...]]]:
    """Add the entity's links and their statements; return each link no statement cites."""
    uncited = []
    for link in e.links():
        if link.role == "parent":
            if e.kind not in _PARENT_LINK:
                continue
            predicate, target = _PARENT_LINK[e.kind], registry.parent_of(e)
        else:
            predicate, target = PK.continues, registry.get(Kind.MEASURE, link.target)
        assert target is not None  # the registry checks its links when it loads
        obj = entity_iri(target)
        g.add((iri, predicate, obj))
        cited = [s for s in link.sources if cite is None or s.partition(":")[0] in cite]
        for source in cited:
            _registry_statement(g, (iri, predicate, obj), source, link.inferred)
        if not cited:
            uncited.append((f"{e.kind.value} {e.key} {predicate.rsplit('#', 1)[-1]} {target.key}", link.sources))
    if e.kind is Kind.AREA:
        g.add((iri, PK.areaNumber, Literal(e.number, datatype=XSD.integer)))
        scheme = mint(f"strategy/{e.edition}")
        g.add((iri, SKOS.inScheme, scheme))
        g.add((scheme, RDF.type, PK.Strategy))
        g.add((scheme, SKOS.prefLabel, Literal(f"サイバーセキュリティ戦略（{e.edition}年）", lang="ja")))
        g.add((scheme, SKOS.prefLabel, Literal(f"Cybersecurity Strategy ({e.edition})", lang="en")))
    for source in e.sources:
        doc_id, _, _ = source.partition(":")
        g.add((iri, PROV.wasDerivedFrom, doc_iri(doc_id)))
    return uncited


def _label_origin(g: Graph, e: Entity, iri: URIRef, cite: Collection[str] | None) -> None:
    """Where the English prefLabel comes from, as data in the registry graph.

    A label printed in a document is an ``rdf:Statement`` per cited line (its document
    and line, ``pk:labelOrigin pk:DocumentLabel``); policykg's translation of a name no
    document prints in English is a ``pk:LabelTranslation`` with ``pk:labelOrigin
    pk:PolicykgTranslation`` (it cites no line: nobody printed it).
    """
    label = Literal(e.label_en, lang="en")
    local = iri.removeprefix(str(ID))
    if e.label_en_by:
        node = mint(f"stmt/registry/{local}/prefLabel/en")
        for prop, value in ((RDF.type, PK.LabelTranslation), (RDF.subject, iri), (RDF.predicate, SKOS.prefLabel),
                            (RDF.object, label), (PK.labelOrigin, PK.PolicykgTranslation)):
            g.add((node, prop, value))
        return
    for source in e.label_en_sources:
        doc_id, _, span = source.partition(":")
        if cite is not None and doc_id not in cite:
            continue
        first, _, last = span.partition("-")
        node = mint(f"stmt/registry/{local}/prefLabel/en/{doc_id}/L{span}")
        for prop, value in ((RDF.type, RDF.Statement), (RDF.subject, iri), (RDF.predicate, SKOS.prefLabel),
                            (RDF.object, label), (PK.labelOrigin, PK.DocumentLabel),
                            (PROV.wasDerivedFrom, doc_iri(doc_id)),
                            (PK.line, Literal(int(first), datatype=XSD.integer)),
                            (PK.endLine, Literal(int(last or first), datatype=XSD.integer))):
            g.add((node, prop, value))


def _registry_statement(g: Graph, triple: tuple[URIRef, URIRef, URIRef], source: str, inferred: str) -> None:
    """The registry's citation of one line for a link: an rdf:Statement in the registry graph."""
    s, p, o = triple
    doc_id, _, span = source.partition(":")
    first, _, last = span.partition("-")
    local = p.rsplit("#", 1)[-1]
    subject, obj = s.removeprefix(str(ID)), o.removeprefix(str(ID))
    stmt = mint(f"stmt/registry/{subject}/{local}/{obj}/{doc_id}/L{span}")
    for prop, value in ((RDF.type, RDF.Statement), (RDF.subject, s), (RDF.predicate, p), (RDF.object, o),
                        (PROV.wasDerivedFrom, doc_iri(doc_id)),
                        (PK.line, Literal(int(first), datatype=XSD.integer)),
                        (PK.endLine, Literal(int(last or first), datatype=XSD.integer))):
        g.add((stmt, prop, value))
    if inferred:
        g.add((stmt, PK.inferred, Literal(True)))
        g.add((stmt, PK.inferenceNote, Literal(inferred)))


class _DocBuilder:
    """Adds one document's records to its named graph, one record at a time (all of it or none)."""

    def __init__(self, g: Graph, doc: Document, registry: Registry, report: BuildReport) -> None:
        self.doc, self.registry, self.report = doc, registry, report
        self.doc_iri = doc_iri(doc.id)
        self.g = Pending(g)
        self.names = Resolver(self.g, doc.strategy, registry, self._statement)
        self.serial: Counter = Counter()
        self.measure_agency: dict[URIRef, URIRef] = {}
        self.measure_entity: dict[URIRef, Entity] = {}  # registered measures by IRI
        self.minted_measures: dict[str, URIRef] = {}  # lookup key of a minted measure's name -> IRI
        self.stated: set[tuple] = set()  # statements made (see _state)
        self._describe_document()
        self.commit()

    def commit(self) -> None:
        for warning in self.g.commit():
            self.report.warnings.append(warning)
            log.warning("%s", warning)

    def _describe_document(self) -> None:
        g, d, iri = self.g, self.doc, self.doc_iri
        g.add((iri, RDF.type, PK.SourceDocument))
        g.add((iri, DCTERMS.identifier, Literal(d.id)))
        g.add((iri, DCTERMS.title, Literal(d.title, lang="ja")))
        if d.title_en:
            g.add((iri, DCTERMS.title, Literal(d.title_en, lang="en")))
        g.add((iri, DCTERMS.publisher, entity_iri(self.registry.get(Kind.AGENCY, d.issuer_key))))
        g.add((iri, PK.fiscalYear, Literal(d.fiscal_year, datatype=XSD.integer)))
        g.add((iri, PK.layout, Literal(d.layout.value)))
        g.add((iri, PK.originalFile, Literal(d.original_file)))
        g.add((iri, PK.sha256, Literal(d.sha256)))
        if d.strategy:
            g.add((iri, PK.strategy, mint(f"strategy/{d.strategy}")))

    # -- helpers ---------------------------------------------------------
    def _node(self, prefix: str, span: R.SourceSpan) -> URIRef:
        self.serial[(prefix, span.line)] += 1
        return mint(f"{prefix}/{self.doc.id}/L{span.line}-{self.serial[(prefix, span.line)]}")

    def _cite(self, node: URIRef, span: R.SourceSpan) -> None:
        self.g.add((node, PROV.wasDerivedFrom, self.doc_iri))
        self.g.add((node, PK.line, Literal(span.line, datatype=XSD.integer)))
        self.g.add((node, PK.endLine, Literal(span.end_line, datatype=XSD.integer)))

    def _state(self, s: URIRef, p: URIRef, o: URIRef | Literal, span: R.SourceSpan, printed: str = "",
               *, inference: str = "") -> None:
        """Assert s p o and record where it was read, as a reified rdf:Statement.

        Only for relations a measure can have several of (agency rows, bodies,
        programmes, legal bases): facts with one value per document are nodes of
        their own (:meth:`_add_PlanPeriod`, :meth:`_add_MeasureAttribute`).
        ``inference``: why the relation was read from lines that do not print it as
        such (the statement is marked ``pk:inferred``). The same statement of the same
        lines is made once.
        """
        self.g.add((s, p, o))
        key = (s, p, o, span.line, span.end_line, printed, inference)
        if key in self.stated:
            return
        self.stated.add(key)
        stmt = self._node("stmt", span)
        self.g.add((stmt, RDF.type, RDF.Statement))
        self.g.add((stmt, RDF.subject, s))
        self.g.add((stmt, RDF.predicate, p))
        self.g.add((stmt, RDF.object, o))
        if printed:
            self.g.add((stmt, PK.printedText, Literal(printed)))
        if inference:
            self.g.add((stmt, PK.inferred, Literal(True)))
            self.g.add((stmt, PK.inferenceNote, Literal(inference)))
        self._cite(stmt, span)

    def measure(self, name: str, agency: str, span: R.SourceSpan) -> URIRef:
        """The measure IRI of a printed name; unknown names get a minted IRI and a warning."""
        entity = self.registry.find(Kind.MEASURE, name)
        if entity is not None:
            iri = entity_iri(entity)
            self.measure_entity[iri] = entity
        else:  # minted: its name under its agency (a page names it without one: the row's)
            iri = self.minted_measures.get(lookup_key(name)) if not agency else None
            if iri is None:
                iri = self.names.mint(Kind.MEASURE, name, span, qualifier=agency)
                self.minted_measures.setdefault(lookup_key(name), iri)
        if agency and iri not in self.measure_agency:
            agency_iri = self.names.organisation(agency, span, as_agency=True)
            self.measure_agency[iri] = agency_iri
            if entity is None:  # the registry gives a registered measure's agency; the row states a minted one's
                self._state(iri, PK.agency, agency_iri, span, agency)
        return iri

    def area(self, number: int | None, label: str, span: R.SourceSpan) -> URIRef | None:
        return self.names.area(number, label, span)

    # -- records ---------------------------------------------------------
    def add(self, rec: R.Record) -> None:
        """Add one record's triples and warnings, or (on an error) none of them."""
        handler = getattr(self, f"_add_{type(rec).__name__.rstrip('_')}", None)
        if handler is None:
            self.report.warn(getattr(rec, "source", self.doc.id), "not-mapped",
                             f"record type {type(rec).__name__} not mapped")
            return
        stated = set(self.stated)
        try:
            handler(rec)
        except BaseException:
            self.g.rollback()
            self.stated = stated
            raise
        self.commit()

    def _add_Warning(self, rec: R.Warning_) -> None:
        self.g.warn(R.BuildWarning.at(rec.source, "loader", rec.message, rec.snippet))

    def _add_MeasureMention(self, rec: R.MeasureMention) -> None:
        m = self.measure(rec.name, rec.agency, rec.source)
        self.g.add((m, RDF.type, PK.Measure))
        agency = self.names.organisation(rec.agency, rec.source, as_agency=True)
        entity = self.measure_entity.get(m)
        parent = self.registry.parent_of(entity) if entity is not None else None
        if parent is not None and entity_iri(parent) != agency:
            # A measure printed under another agency than the registry's (a move between
            # ministries): the document's statement is kept; the measure keeps one agency.
            self.g.warn(R.BuildWarning.at(rec.source, "agency-differs",
                                          f"printed under {rec.agency}, the registry says {parent.label_ja}",
                                          rec.name))
            self._statement(m, PK.agency, agency, rec.source, rec.agency)
        else:
            self._state(m, PK.agency, agency, rec.source, rec.agency)
        area = self.area(rec.area, rec.area_label, rec.source) if rec.area else None
        if area is not None:
            self._state(m, PK.strategyArea, area, rec.source)

    def _statement(self, s: URIRef, p: URIRef, o: URIRef | Literal, span: R.SourceSpan, printed: str) -> None:
        """A reified statement not asserted (the document says it; the graph does not hold it as fact)."""
        stmt = self._node("stmt", span)
        for prop, value in ((RDF.type, RDF.Statement), (RDF.subject, s), (RDF.predicate, p), (RDF.object, o),
                            (PK.printedText, Literal(printed))):
            self.g.add((stmt, prop, value))
        self._cite(stmt, span)

    def _add_BudgetFigure(self, rec: R.BudgetFigure) -> None:
        g = self.g
        node = self._node("figure", rec.source)
        g.add((node, RDF.type, PK.BudgetFigure))
        if rec.scope_kind is R.ScopeKind.MEASURE:
            scope = self.measure(rec.scope, rec.agency, rec.source)
            if rec.agency:
                g.add((node, PK.agencyAsStated, Literal(rec.agency)))
            area = self.area(rec.area, "", rec.source) if rec.area else None
        elif rec.scope_kind is R.ScopeKind.STRATEGY_AREA:
            scope = self.area(rec.area, rec.scope, rec.source)
            area = scope
            if scope is None:
                why = "without an area number" if self.doc.strategy else \
                    "but the manifest names no strategy edition (strategy = \"2021\" …) for the document"
                raise BuildError(f"{rec.source}: strategy-area figure {why}")
        elif rec.scope_kind is R.ScopeKind.AGENCY:
            scope, area = self.names.organisation(rec.scope, rec.source, as_agency=True), None
        else:
            scope, area = GOVERNMENT_TOTAL, None
        g.add((node, PK.scope, scope))
        if area is not None:
            g.add((node, PK.strategyArea, area))
        if rec.scope:
            g.add((node, PK.nameAsStated, Literal(rec.scope)))
        g.add((node, PK.scopeKind, _SCOPE[rec.scope_kind]))
        g.add((node, PK.fiscalYear, Literal(rec.fiscal_year, datatype=XSD.integer)))
        g.add((node, PK.budgetKind, _BUDGET[rec.budget]))
        g.add((node, PK.status, _STATUS[rec.status]))
        g.add((node, PK.amountJPY, Literal(rec.yen, datatype=XSD.integer)))
        g.add((node, PK.printedAmount, Literal(rec.printed)))
        g.add((node, PK.printedNumber, Literal(rec.number)))
        g.add((node, PK.unit, Literal(rec.unit)))
        g.add((node, PK.origin, _ORIGIN[rec.origin]))
        g.add((node, PK.inclusive, Literal(rec.inclusive)))
        if rec.supplement:
            g.add((node, PK.supplementNumber, Literal(rec.supplement)))
        if rec.inference:
            g.add((node, PK.inferred, Literal(True)))
            g.add((node, PK.inferenceNote, Literal(rec.inference)))
        self._cite(node, rec.source)

    def _share(self, cls: URIRef, rec: R.AgencyShare | R.AreaShare) -> URIRef:
        node = self._node("share", rec.source)
        self.g.add((node, RDF.type, cls))
        self.g.add((node, PK.fiscalYear, Literal(rec.fiscal_year, datatype=XSD.integer)))
        self.g.add((node, PK.budgetKind, _BUDGET[rec.budget]))
        self.g.add((node, PK.status, _STATUS[rec.status]))
        self.g.add((node, PK.percent, Literal(rec.percent, datatype=XSD.decimal)))
        self._cite(node, rec.source)
        return node

    def _add_AgencyShare(self, rec: R.AgencyShare) -> None:
        if squash(rec.agency) == "その他":
            scope = OTHER_AGENCIES
        else:
            scope = self.names.organisation(rec.agency, rec.source, as_agency=True)
        node = self._share(PK.AgencyShare, rec)
        self.g.add((node, PK.agency, scope))
        self.g.add((node, PK.agencyAsStated, Literal(rec.agency)))

    def _add_AreaShare(self, rec: R.AreaShare) -> None:
        area = self.area(rec.area, rec.label, rec.source)
        if area is None:
            raise BuildError(f"{rec.source}: area share but the document names no strategy edition")
        node = self._share(PK.AreaShare, rec)
        self.g.add((node, PK.strategyArea, area))
        self.g.add((node, PK.nameAsStated, Literal(rec.label)))

    def _add_MeasureAttribute(self, rec: R.MeasureAttribute) -> None:
        """A labelled line of a measure page, as this document states it: a node of its own."""
        m = self.measure(rec.measure, "", rec.source)
        key = squash(rec.key).strip("()（）")
        prop = _ATTRIBUTE.get(key)
        if prop is not None:
            node = self._node("attribute", rec.source)
            g = self.g
            g.add((node, RDF.type, PK.MeasureAttribute))
            g.add((node, PK.measure, m))
            g.add((node, PK.attribute, prop))
            g.add((node, PK.attributeLabel, Literal(rec.key)))
            g.add((node, PK.value, Literal(rec.value)))
            self._cite(node, rec.source)
        if key == "事業主体":
            # 「…情報通信研究機構（NICT）」 names one body twice: state it once.
            for body in dict.fromkeys(b for b, _, _ in self.names.organisations_in(rec.value)):
                self._state(m, PK.implementedBy, body, rec.source, rec.value)

    def _add_PlanPeriod(self, rec: R.PlanPeriod) -> None:
        """A 計画年度 as this document prints it (the next edition may move its end)."""
        m = self.measure(rec.measure, "", rec.source)
        node = self._node("plan", rec.source)
        g = self.g
        g.add((node, RDF.type, PK.PlanPeriod))
        g.add((node, PK.measure, m))
        g.add((node, PK.planStartYear, Literal(rec.start_year, datatype=XSD.integer)))
        g.add((node, PK.planEndYear, Literal(rec.end_year, datatype=XSD.integer)))
        g.add((node, PK.printedText, Literal(rec.printed)))
        self._cite(node, rec.source)

    def _add_ProgramMention(self, rec: R.ProgramMention) -> None:
        program = self.names.entity(Kind.PROGRAM, rec.program, rec.source)
        if rec.operator:
            operator = self.names.organisation(rec.operator, rec.source)
            self._state(program, PK.operatedBy, operator, rec.source, rec.operator)
        if rec.measure:
            self._state(self.measure(rec.measure, "", rec.source), PK.program, program, rec.source, rec.program)

    def _add_LegalBasis(self, rec: R.LegalBasis) -> None:
        law = self.registry.find(Kind.LAW, rec.law)
        law_iri = entity_iri(law) if law is not None else self.names.mint(Kind.LAW, rec.law, rec.source)
        law_key = law.key if law is not None else law_iri.rsplit("/", 1)[-1]
        parts = [p for p in (("art", rec.article), ("para", rec.paragraph), ("item", rec.item)) if p[1]]
        suffix = "-".join(f"{k}{squash(v)}" for k, v in parts) or "whole"
        basis = mint(f"basis/{law_key}/{hashlib.sha256(suffix.encode()).hexdigest()[:8]}-{suffix}")
        g = self.g
        g.add((basis, RDF.type, PK.LegalBasis))
        for prop, value in ((PK.article, rec.article), (PK.paragraph, rec.paragraph), (PK.item, rec.item)):
            if value:
                g.add((basis, prop, Literal(value)))
        label = law.label_ja if law is not None else squash(rec.law)
        g.add((basis, SKOS.prefLabel, Literal(_basis_label(label, rec), lang="ja")))
        if rec.measure:
            self._state(self.measure(rec.measure, "", rec.source), PK.legalBasis, basis, rec.source, rec.printed,
                        inference=rec.inference)
        # the basis's law, as this line gives it (printed, or inferred from the page's context)
        self._state(basis, PK.law, law_iri, rec.source, rec.printed, inference=rec.inference)

    def _add_FundingFlow(self, rec: R.FundingFlow) -> None:
        m = self.measure(rec.measure, "", rec.source)
        if rec.funder.strip() == "国":
            funder = self.measure_agency.get(m) or self._registered_agency(m, rec.source)
        else:
            funder = self.names.organisation(rec.funder, rec.source)
        recipient = self.names.organisation(rec.recipient, rec.source)
        instrument = _INSTRUMENT.get(squash(rec.instrument))
        if instrument is None:
            self.g.warn(R.BuildWarning.at(rec.source, "unknown-instrument",
                                          "unknown funding instrument; flow skipped", rec.instrument))
            return
        node = self._node("flow", rec.source)
        g = self.g
        g.add((node, RDF.type, PK.FundingFlow))
        g.add((node, PK.measure, m))
        g.add((node, PK.funder, funder))
        g.add((node, PK.recipient, recipient))
        g.add((node, PK.instrument, instrument))
        g.add((node, PK.printedText, Literal(rec.printed)))
        # The amount printed for this flow, or explicitly none: never the measure's budget.
        g.add((node, PK.amountStated, Literal(rec.yen is not None)))
        if rec.yen is not None:
            g.add((node, PK.amountJPY, Literal(rec.yen, datatype=XSD.integer)))
            if rec.printed_amount:
                g.add((node, PK.printedAmount, Literal(rec.printed_amount)))
            g.add((node, PK.amountIsUpperBound, Literal(rec.upper_bound)))
        self._cite(node, rec.source)

    def _add_ProgramFact(self, rec: R.ProgramFact) -> None:
        node = self._node("fact", rec.source)
        g = self.g
        g.add((node, RDF.type, PK.ProgramFact))
        g.add((node, PK.aboutProgram, self.names.entity(Kind.PROGRAM, rec.program, rec.source)))
        g.add((node, PK.factKey, Literal(rec.key)))
        g.add((node, PK.factValue, Literal(rec.value)))
        g.add((node, PK.printedText, Literal(rec.printed)))
        if rec.year is not None:
            g.add((node, PK.year, Literal(rec.year, datatype=XSD.integer)))
        g.add((node, PK.approximate, Literal(rec.approximate)))
        self._cite(node, rec.source)

    def _registered_agency(self, measure: URIRef, span: R.SourceSpan) -> URIRef:
        entity = self.measure_entity.get(measure)  # None for a minted (unregistered) measure
        parent = self.registry.parent_of(entity) if entity is not None else None
        if parent is None:
            raise BuildError(f"{span}: funder 国 but the measure has no agency")
        return entity_iri(parent)


def _basis_label(law: str, rec: R.LegalBasis) -> str:
    label = law
    if rec.article:
        main, _, branch = rec.article.partition("の")
        label += f"第{main}条" + (f"の{branch}" if branch else "")
    if rec.paragraph:
        label += f"第{rec.paragraph}項"
    if rec.item:
        label += f"第{rec.item}号"
    return label


#: Characters rdflib writes raw into a literal that some reader takes for a line end (Python's
#: ``str.splitlines`` does for U+000B, U+000C, U+001C–U+001E, U+0085, U+2028, U+2029), and the other
#: controls but the tab: written as ``\uXXXX`` (an N-Quads UCHAR, the same literal to every parser).
_ESCAPED = {c: f"\\u{c:04X}"
            for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def iter_quads_sorted(ds: Dataset) -> Iterable[str]:
    r"""N-Quads lines of the dataset, sorted: the deterministic serialisation.

    One quad per line whatever the literals hold: rdflib escapes only ``\n`` and ``\r``, so the
    text is split at U+000A alone and each line's other line-breaking characters escaped.

    >>> ds = Dataset()
    >>> ds.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), Literal("a\u2028b\x0cc")))
    <Graph identifier=urn:g (<class 'rdflib.graph.Graph'>)>
    >>> iter_quads_sorted(ds)
    ['<urn:s> <urn:p> "a\\u2028b\\u000Cc" <urn:g> .']
    """
    text = ds.serialize(format="nquads")
    return sorted({line.translate(_ESCAPED) for line in text.split("\n") if line.strip()})


__all__ = ["BuildReport", "add_document", "build_dataset", "doc_iri", "entity_iri", "iter_quads_sorted",
           "ontology_graph", "registry_graph"]
