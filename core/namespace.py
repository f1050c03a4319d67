"""The policykg ontology terms, checked against ``ontology/policykg.ttl``.

A misspelt term fails loudly (``_fail = True``); ``tests/test_namespace.py`` checks
that every term here is defined in the Turtle file and vice versa.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"
#: Base of instance IRIs (agencies, measures, figures, documents …).
ID = Namespace("https://w3id.org/policykg/id/")
#: The SHACL shapes (``ontology/shapes.ttl``).
SHAPES = Namespace("https://w3id.org/policykg/shapes#")

#: The one prefix map: queries, exports, Turtle results and messages all use these prefixes.
PREFIXES: dict[str, str] = {
    "pk": ONTOLOGY_IRI + "#",
    "id": str(ID),
    "pks": str(SHAPES),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
}


class PK(DefinedNamespace):
    """policykg ontology: classes, properties and code-list concepts."""

    _fail = True
    _NS = Namespace(PREFIXES["pk"])

    Agency: URIRef
    AgencyScope: URIRef
    AgencyShare: URIRef
    AreaChart: URIRef
    AreaShare: URIRef
    BudgetFigure: URIRef
    BudgetKinds: URIRef
    BudgetScope: URIRef
    Commission: URIRef
    Contract: URIRef
    Draft: URIRef
    Enacted: URIRef
    FundingFlow: URIRef
    Grant: URIRef
    Headline: URIRef
    ImplementingBody: URIRef
    Initial: URIRef
    Instruments: URIRef
    Law: URIRef
    LegalBasis: URIRef
    Measure: URIRef
    MeasurePage: URIRef
    MeasureScope: URIRef
    Origins: URIRef
    OverallScope: URIRef
    Program: URIRef
    Request: URIRef
    ScopeKinds: URIRef
    SourceDocument: URIRef
    Statuses: URIRef
    Strategy: URIRef
    StrategyArea: URIRef
    StrategyAreaScope: URIRef
    Subsidy: URIRef
    SummaryTable: URIRef
    Supplementary: URIRef
    agency: URIRef
    agencyAsStated: URIRef
    amountIsUpperBound: URIRef
    amountJPY: URIRef
    amountStated: URIRef
    areaNumber: URIRef
    article: URIRef
    budgetKind: URIRef
    continues: URIRef
    endLine: URIRef
    fiscalYear: URIRef
    funder: URIRef
    implementedBy: URIRef
    implementerAsStated: URIRef
    inclusive: URIRef
    instrument: URIRef
    item: URIRef
    law: URIRef
    layout: URIRef
    legalBasis: URIRef
    line: URIRef
    measure: URIRef
    nameAsStated: URIRef
    operatedBy: URIRef
    origin: URIRef
    originalFile: URIRef
    paragraph: URIRef
    percent: URIRef
    planEndYear: URIRef
    planStartYear: URIRef
    printedAmount: URIRef
    printedNumber: URIRef
    printedText: URIRef
    program: URIRef
    recipient: URIRef
    scheme: URIRef
    scope: URIRef
    scopeKind: URIRef
    sha256: URIRef
    status: URIRef
    strategy: URIRef
    strategyArea: URIRef
    subsidyRate: URIRef
    subsidyTarget: URIRef
    unit: URIRef
    ProgramFact: URIRef
    PlanPeriod: URIRef
    MeasureAttribute: URIRef
    attribute: URIRef
    attributeLabel: URIRef
    value: URIRef
    minted: URIRef
    nameAsPrinted: URIRef
    pageTitle: URIRef
    newMark: URIRef
    aboutProgram: URIRef
    factKey: URIRef
    factValue: URIRef
    year: URIRef
    approximate: URIRef
    rank: URIRef
    supplementNumber: URIRef
    rankReason: URIRef
    preferredFigure: URIRef
    Ranks: URIRef
    PreferredRank: URIRef
    NormalRank: URIRef
    DeprecatedRank: URIRef
    RankReasons: URIRef
    OwnEdition: URIRef
    NearestEdition: URIRef
    Restatement: URIRef
    Repeated: URIRef
    Disagrees: URIRef
    InclusiveFigure: URIRef
    ContradictsOwnDocument: URIRef
    inferred: URIRef
    LabelTranslation: URIRef
    labelOrigin: URIRef
    LabelOrigins: URIRef
    DocumentLabel: URIRef
    PolicykgTranslation: URIRef
    inferenceNote: URIRef
