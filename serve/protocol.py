"""Pure helpers of the SPARQL 1.1 Protocol endpoint: content negotiation and what a request may do.

Refusals are decided before a query reaches the engine, from the query text's
tokens (strings, IRIs and comments skipped, so ``"SERVICE"`` in a literal or a
``pk:service`` name is not mistaken for the keyword):

* a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY,
  WITH as the first keyword after the prologue) — the endpoint is read-only;
* SERVICE (federated query) — pyoxigraph would fetch the remote endpoint over
  HTTP; the endpoint never reaches the network on a client's behalf.

The check errs on the side of refusing: a token it cannot place is never read
as harmless. (pyoxigraph's ``Store.query`` cannot run updates in any case.)
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from policykg.errors import PolicyKGError

__all__ = ["accepted", "first_keyword", "has_service", "FORMAT_ALIASES", "GRAPH_FORMATS", "RESULT_FORMATS",
           "UPDATE_KEYWORDS", "NotAcceptable", "QueryTimeout", "TooManyRows", "WorkerFailed"]

#: SELECT/ASK result media types, preferred first.
RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
#: CONSTRUCT/DESCRIBE media types, preferred first.
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


class QueryTimeout(PolicyKGError):
    """The query ran longer than the endpoint's timeout and was stopped."""


class TooManyRows(PolicyKGError):
    """The result has more rows (or triples) than the endpoint's row limit."""


class WorkerFailed(PolicyKGError):
    """The worker process died while running the query (it is replaced)."""


class NotAcceptable(PolicyKGError):
    """None of the media types the client accepts fits the query's result."""



UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
#: ``?format=`` (or ``output=``) values a client may give instead of an Accept header.
FORMAT_ALIASES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle",
    "ntriples": "application/n-triples", "nt": "application/n-triples", "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_OFFERS = (*RESULT_FORMATS, *GRAPH_FORMATS)

_TOKEN = re.compile(r'''
    (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\''(?:[^'\\]|\\.|'(?!''))*'\'\''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n\r]*)
  | (?P<word>[?$]?[\w\-.:%]+)
  | (?P<space>\s+)
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)


def _words(query: str) -> list[str]:
    """The bare words of ``query`` (keywords, names, variables, numbers), in order.

    >>> _words('PREFIX s: <http://x/#SERVICE> SELECT * { ?s s:SERVICE "SERVICE" } # SERVICE')
    ['PREFIX', 's:', 'SELECT', '{', '?s', 's:SERVICE', '}']
    """
    out = []
    for m in _TOKEN.finditer(query):
        if m.lastgroup == "word":
            out.append(m.group())
        elif m.lastgroup == "other" and m.group() in "{}":
            out.append(m.group())
    return out


def first_keyword(query: str) -> str:
    """The first keyword after the prologue (BASE/PREFIX declarations), upper-cased.

    >>> first_keyword("PREFIX pk: <https://w3id.org/policykg/ontology#>\\n# c\\ninsert data { }")
    'INSERT'
    >>> first_keyword("BASE <http://x/> select * {}")
    'SELECT'
    """
    words = _words(query)
    i = 0
    while i < len(words):
        w = words[i].upper()
        if w == "BASE":
            i += 1  # its IRI is not a word
        elif w == "PREFIX":
            i += 2  # PREFIX name: <iri>
        else:
            return w
    return ""


def has_service(query: str) -> bool:
    """Whether the query uses SERVICE (federated query).

    >>> has_service("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    True
    >>> has_service('SELECT * { ?s <http://x/SERVICE> "SERVICE", ?service } # SERVICE')
    False
    >>> has_service("select * { service silent <http://e/> {} }")
    True
    """
    return any(w.upper() == "SERVICE" for w in _words(query))


def accepted(accept: str | None) -> tuple[str, ...]:
    """The media types the endpoint can give, in the client's order of preference.

    ``*/*``, ``text/*`` and ``application/*`` expand to what the endpoint offers
    (JSON results and Turtle first); ``q=0`` excludes; no header means ``*/*``.

    >>> accepted("text/csv")
    ('text/csv',)
    >>> accepted("text/turtle;q=0.5, application/n-triples")
    ('application/n-triples', 'text/turtle')
    >>> accepted("text/html")
    ()
    >>> accepted(None)[:2]
    ('application/sparql-results+json', 'application/sparql-results+xml')
    """
    if not accept or not accept.strip():
        accept = "*/*"
    ranges: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, i, media.lower()))
    out: list[str] = []
    for _, _, media in sorted(ranges):
        major, _, minor = media.partition("/")
        for offer in _OFFERS:
            om, _, _ = offer.partition("/")
            if offer not in out and (media == offer or media == "*/*" or (minor == "*" and major == om)):
                out.append(offer)
    return tuple(out)
