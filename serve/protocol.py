"""Pure helpers of the SPARQL 1.1 Protocol endpoint: content negotiation and what a request may do.

Refusals are decided from the *parsed* query (:func:`check_query`, rdflib's SPARQL
grammar and algebra, as the CLI decides them), in a query worker, never from the text
with regular expressions and never on the server's event loop:

* a SPARQL Update — the endpoint is read-only (pyoxigraph's ``Store.query`` cannot
  run updates in any case);
* SERVICE (federated query) anywhere in the algebra — pyoxigraph would fetch the
  remote endpoint over HTTP; the endpoint never reaches the network on a client's behalf;
* a query nested deeper than :data:`MAX_NESTING` brackets (the parser recurses), found by
  one linear pass before the parser runs.
"""

from __future__ import annotations

import urllib.parse

import pyoxigraph as ox

from policykg.errors import PolicyKGError, QueryError

__all__ = ["accepted", "media_ranges", "check_query", "nesting_depth", "Forbidden", "MAX_NESTING", "FORMAT_ALIASES", "GRAPH_FORMATS", "RESULT_FORMATS",
           "NotAcceptable", "QueryTimeout", "TooManyRows", "WorkerFailed"]

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



#: ``?format=`` (or ``output=``) values a client may give instead of an Accept header.
FORMAT_ALIASES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle",
    "ntriples": "application/n-triples", "nt": "application/n-triples", "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_OFFERS = (*RESULT_FORMATS, *GRAPH_FORMATS)

#: Deepest nesting of ``{``, ``(`` and ``[`` a query may have: the grammar is parsed by recursion.
MAX_NESTING = 64


#: rdflib's names of the update operations, as the keywords a user wrote
_UPDATE_NAMES = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
                 "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE",
                 "Add": "ADD", "Move": "MOVE", "Copy": "COPY"}


class Forbidden(QueryError):
    """A query the endpoint will not run (an update, SERVICE): HTTP 403."""


class BadRequest(QueryError):
    """A request that cannot be read as sent (answered 400)."""


def query_pairs(raw: str) -> list[tuple[str, str]]:
    """The parameters of a URL's query string, decoded strictly: a percent-escape that is not UTF-8
    (``%FF``) is refused rather than silently turned into U+FFFD, which would change the query.

    >>> query_pairs("q=%E6%97%A5&limit=2&q=")
    [('q', '日'), ('limit', '2'), ('q', '')]
    >>> query_pairs("q=%FF")
    Traceback (most recent call last):
    ...
    policykg.serve.protocol.BadRequest: the URL's query string is not UTF-8 once percent-decoded (invalid start byte at byte 0 of a value)
    """
    try:
        return urllib.parse.parse_qsl(raw, keep_blank_values=True, errors="strict", max_num_fields=100)
    except UnicodeDecodeError as e:
        raise BadRequest(f"the URL's query string is not UTF-8 once percent-decoded ({e.reason} at byte "
                         f"{e.start} of a value)") from e
    except ValueError as e:  # more than max_num_fields
        raise BadRequest(f"unreadable query string: {e}") from e


def nesting_depth(query: str) -> int:
    """The deepest nesting of brackets in ``query`` (inside strings and comments too: an upper bound).

    One pass, no regular expression, so its time is linear in the query's length.

    >>> nesting_depth("SELECT * { ?s ?p ?o FILTER((?o > 1)) }"), nesting_depth("ASK {}")
    (3, 1)
    """
    depth = deepest = 0
    for ch in query:
        if ch in "{([":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "})]" and depth:
            depth -= 1
    return deepest


def check_query(query: str) -> None:
    """Refuse what the endpoint will not run, decided from the parsed query (rdflib's SPARQL grammar).

    :class:`QueryError` (400) for a query nested deeper than :data:`MAX_NESTING` or that does
    not parse; :class:`Forbidden` (403) for a SPARQL Update or a query with SERVICE anywhere
    in its algebra (pyoxigraph would fetch the remote endpoint). Runs in a query worker, never
    on the server's event loop: a pathological query costs a worker, up to the timeout.

    >>> check_query("SELECT ?c { BIND(1<'>' AS ?z) SERVICE <http://127.0.0.1:9/sparql> { ?c ?p ?o } } #'")
    Traceback (most recent call last):
    ...
    policykg.serve.protocol.Forbidden: SERVICE is refused: this endpoint does not query other endpoints
    >>> check_query('SELECT * { ?s <http://x/SERVICE> "SERVICE" } # SERVICE')
    """
    depth = nesting_depth(query)
    if depth > MAX_NESTING:
        raise QueryError(f"the query is nested {depth} deep (brackets); at most {MAX_NESTING} is accepted")
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery, traverse
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(query)
    except ParseException as e:
        try:
            update = parseUpdate(query)
        except (ParseException, RecursionError):
            raise QueryError(f"malformed query at line {e.lineno}, column {e.col}: {e.msg}") from None
        if update.request:
            names = ", ".join(_UPDATE_NAMES.get(op.name, op.name) for op in update.request)
            raise Forbidden(f"SPARQL Update ({names}) is refused: this endpoint is read-only") from None
        raise QueryError(f"malformed query at line {e.lineno}, column {e.col}: {e.msg}") from None
    except RecursionError:
        raise QueryError("the query is nested too deeply to parse") from None
    try:
        algebra = translateQuery(parsed).algebra
    except RecursionError:
        raise QueryError("the query is nested too deeply to parse") from None
    except Exception as e:  # rdflib raises plain Exception, e.g. for an undeclared prefix
        raise QueryError(f"malformed query: {e}") from None
    found: list[str] = []
    traverse(algebra, visitPost=lambda n: found.append("SERVICE")
             if getattr(n, "name", None) == "ServiceGraphPattern" else None)
    if found:
        raise Forbidden("SERVICE is refused: this endpoint does not query other endpoints")


def media_ranges(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header with their quality, in the header's order (lower case;
    an unreadable ``q`` is 0).

    >>> media_ranges("text/HTML, application/json;q=0.5, */*;q=x")
    [('text/html', 1.0), ('application/json', 0.5), ('*/*', 0.0)]
    """
    out = []
    for part in (accept or "").split(","):
        media, *params = [p.strip().lower() for p in part.split(";")]
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            out.append((media, q))
    return out


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
    ranges = [(-q, i, media) for i, (media, q) in enumerate(media_ranges(accept)) if q > 0]
    out: list[str] = []
    for _, _, media in sorted(ranges):
        major, _, minor = media.partition("/")
        for offer in _OFFERS:
            om, _, _ = offer.partition("/")
            if offer not in out and (media == offer or media == "*/*" or (minor == "*" and major == om)):
                out.append(offer)
    return tuple(out)
