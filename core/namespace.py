"""The policykg ontology terms, checked against ``ontology/policykg.ttl``, and the one way to
make an instance IRI (:func:`mint`).

A misspelt term fails loudly (``_fail = True``); ``tests/test_namespace.py`` checks
that every term here is defined in the Turtle file and vice versa.
"""

import string
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from policykg.errors import UnsafeIRIError

ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"
#: Base of instance IRIs (agencies, measures, figures, documents …).
ID = Namespace("https://w3id.org/policykg/id/")
#: The SHACL shapes (``ontology/shapes.ttl``).
SHAPES = Namespace("https://w3id.org/policykg/shapes#")

#: ASCII an instance IRI's path may hold: RFC 3987's ipchar and "/", without "%" (policykg writes
#: no percent-encoding, so a "%" from the input would be ambiguous). Outside ASCII, ucschar.
_ASCII_IRI = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/")


def _ucschar(code: int) -> bool:
    """RFC 3987's ucschar: the non-ASCII characters an IRI may hold (no private use, no noncharacters)."""
    if code < 0x10000:
        return 0xA0 <= code <= 0xD7FF or 0xF900 <= code <= 0xFDCF or 0xFDF0 <= code <= 0xFFEF
    return code <= 0xEFFFD and (code & 0xFFFF) <= 0xFFFD


def iri_problem(path: str) -> str:
    r"""Why ``id:`` + ``path`` is no safe IRI ("" when it is one).

    Refused: white space and controls, ``<>"{}|^`\``, ``%``, ``?``, ``#``, ``[]``, characters
    outside RFC 3987's ucschar (private use, noncharacters, U+FFFD), format characters (among
    them the bidi controls RFC 3987 forbids, zero-width joiners, soft hyphens), empty, ``.``
    and ``..`` segments, and text not in Unicode NFC. Nothing is percent-encoded: a name that
    needs it never reaches an IRI (minted entities take a digest of their name).

    >>> iri_problem("measure/mic-iot-safe-environment"), iri_problem("basis/radio-act/ad661fb0-art103の2-para4")
    ('', '')
    >>> print(iri_problem("measure/a b"))
    ' ' (U+0020) at position 9
    >>> print(iri_problem("law/x<y")); print(iri_problem("fact/d\tx")); print(iri_problem("doc/a\u3000b"))
    '<' (U+003C) at position 5
    '\t' (U+0009) at position 6
    '\u3000' (U+3000) at position 5
    >>> print(iri_problem("doc/x/../y")); print(iri_problem("doc/か\u3099"))
    an empty, '.' or '..' path segment
    '\u3099' (U+3099) at position 5: not in Unicode NFC
    """
    for i, ch in enumerate(path):
        if ch in _ASCII_IRI:
            continue
        code = ord(ch)
        if code < 0x80 or not _ucschar(code) or unicodedata.category(ch)[0] in "CZ":
            return f"{ch!r} (U+{code:04X}) at position {i}"
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        return "an empty, '.' or '..' path segment"
    if not unicodedata.is_normalized("NFC", path):
        i = next(i for i in range(len(path)) if unicodedata.normalize("NFC", path[: i + 1]) != path[: i + 1])
        return f"{path[i]!r} (U+{ord(path[i]):04X}) at position {i}: not in Unicode NFC"
    return ""


def mint(path: str) -> URIRef:
    r"""The instance IRI ``id:`` + ``path``, after :func:`iri_problem` (UnsafeIRIError when it finds one).

    Every instance IRI with a part taken from input (a document id, a registry key, a line,
    an article number) is made here.

    >>> mint("figure/nisc-budget-fy2025/L17-3") == ID["figure/nisc-budget-fy2025/L17-3"]
    True
    >>> mint('law/"x"')
    Traceback (most recent call last):
    ...
    policykg.errors.UnsafeIRIError: refused IRI 'https://w3id.org/policykg/id/law/"x"': '"' (U+0022) at position 4
    """
    problem = iri_problem(path)
    if problem:
        raise UnsafeIRIError(str(ID) + path, problem)
    return URIRef(str(ID) + path)


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
