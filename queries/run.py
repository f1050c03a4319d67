"""Named SPARQL queries: list them, load one, bind its parameters, run it, format the result.

Each ``queries/<name>.rq`` file starts with a comment header the runner reads::

    # budget-lines — one row per stated budget figure of a measure.
    # (free text: what it answers, caveats)
    # @param fiscal_year fiscal-year  Gregorian fiscal year (2024, ２０２４ or 令和6年度)
    # @param agency agency ?agency_iri  The responsible agency: IRI or any label
    # @param measure measure ?target required  A measure: IRI or any label
    # @example policykg query budget-lines --param fiscal_year=2024
    # @columns ?agency ?measure …

``@param NAME TYPE [?VAR] [required] DESCRIPTION``: the value of ``--param NAME=…``
is converted to an RDF term of TYPE and bound to ``?VAR`` (default ``?NAME``)
with ``initBindings`` — values are never pasted into query text. TYPE is one of
:data:`PARAM_TYPES`; ``one-of(a|b)`` accepts only the listed words. Entity types
(``measure``, ``agency``, ``body``, ``law``, ``program``, ``entity``) accept an IRI,
a key or any label (skos:prefLabel/altLabel, rdfs:label, a figure's
pk:nameAsStated), looked up in an :class:`~policykg.queries.entities.EntityIndex`
of the store, whose keys are :func:`policykg.registry.lookup_key` so spacing,
full-width and Kangxi-radical variants match.

Parameters are optional unless marked ``required``; an absent one is left
unbound. rdflib applies ``initBindings`` as initial bindings of the whole
evaluation; on Oxigraph the store narrows the query with each bound term as a
one-row ``VALUES`` at the start of the groups that bind it
(:mod:`policykg.graph.narrow`, falling back to pyoxigraph's ``substitutions``),
so the queries follow one portable rule: a parameter variable appears in a
*required* triple pattern — bound, it restricts the pattern; unbound, the
pattern binds it. A parameter variable inside OPTIONAL or
in only one UNION branch would not filter, nor would one seen only by a FILTER
(``measures-by-law`` matches its optional article with a zero-or-one path
instead). tests/test_backends.py checks that both engines give the same rows.

Only SELECT and ASK queries run: an update (INSERT, DELETE, LOAD, CLEAR, DROP …),
a SERVICE clause or a FROM clause (which makes rdflib fetch from the network)
is refused when the query is parsed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from typing import TYPE_CHECKING

import rdflib
from rdflib import XSD, Graph, Literal, Namespace, URIRef, Variable
from rdflib.query import Result

from policykg.errors import QueryError
from policykg.graph.backends import OxigraphStore, RdflibStore, Store
from policykg.namespace import PREFIXES
from policykg.normalize import fiscal_year_from_text, nfkc

from .entities import ENTITY_CLASSES, EntityIndex
from .formats import Format, format_result

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

__all__ = [
    "EntityIndex", "Format", "NamedQuery", "Param", "PARAM_TYPES", "format_result", "list_queries",
    "load_query", "query_dir", "query_from_text", "query_variables", "run_bound", "run_query",
]

log = logging.getLogger(__name__)

#: Prefixes every query may use without declaring them (the .rq files declare theirs anyway).
INIT_NS = {prefix: Namespace(iri) for prefix, iri in PREFIXES.items()}

_SCALARS = ("fiscal-year", "xsd:integer", "xsd:decimal", "xsd:string", "xsd:boolean", "iri", "article",
            "document")
#: Parameter types a header may declare (plus ``one-of(a|b|…)``).
PARAM_TYPES = (*_SCALARS, *ENTITY_CLASSES)
_ONE_OF = re.compile(r"one-of\(([^()\s]+)\)")
_PARAM_LINE = re.compile(r"@param\s+(?P<name>[A-Za-z_]\w*)\s+(?P<type>\S+)(?P<rest>.*)")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    var: str  # the variable bound, without "?"
    required: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    description: str  # the summary on the header's first line
    params: tuple[Param, ...]
    text: str
    example: str = ""
    columns: tuple[str, ...] = ()  # projected variables, without "?"
    reads: tuple[str, ...] = ()  # `@reads pk:Class`: the classes whose absence explains an empty result
    prepared: Query | None = field(default=None, compare=False, repr=False)

    def prepared_query(self) -> Query:
        """The query as rdflib prepared it (parsed on first use when the parse came from the cache)."""
        return self.prepared if self.prepared is not None else _prepare(self.text, self.path)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        declared = ", ".join(p.name for p in self.params) or "none"
        raise QueryError(f"query {self.name!r} has no parameter {name!r} (declared: {declared})")


def query_dir() -> Path:
    """The folder of the bundled ``.rq`` files."""
    return Path(str(resources.files("policykg.queries")))


def list_queries() -> list[NamedQuery]:
    """Every bundled query, sorted by name."""
    return [load_query(p) for p in sorted(query_dir().glob("*.rq"))]


def load_query(name_or_path: str | Path) -> NamedQuery:
    """A bundled query by name (``budget-lines``) or any ``.rq`` file by path; parsed and checked."""
    path = Path(name_or_path)
    if not path.exists() and len(path.parts) == 1 and (query_dir() / path.name).is_file():
        path = query_dir() / path.name  # "budget-lines.rq": the bundled file of that name
    if not (isinstance(name_or_path, Path) or str(name_or_path).endswith(".rq") or len(path.parts) > 1):
        path = query_dir() / f"{name_or_path}.rq"
        if not path.is_file():
            known = ", ".join(p.stem for p in sorted(query_dir().glob("*.rq")))
            raise QueryError(f"unknown query {str(name_or_path)!r}; known queries: {known}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryError(f"cannot read query file {path}: {e}") from e
    return _parsed(path, text)


@functools.lru_cache(maxsize=256)
def _parsed(path: Path, text: str) -> NamedQuery:
    """The query file ``path`` holding ``text``, parsed and checked once per process: rdflib's parser
    takes ~0.2 s a query, which the endpoint's entity pages paid on every chart before. Keyed by
    the text, so an edited file is parsed again; a NamedQuery is frozen, safe to share.

    What the check found (columns, variables) is also kept on disk (:func:`_parse_cache`), so a
    ``policykg query`` on Oxigraph needs no rdflib parse: the rdflib backend prepares it on use."""
    description, params, example = _parse_header(text, path)
    reads = tuple(_expand(word, path) for line in text.splitlines() if line.startswith("# @reads")
                  for word in line.split()[2:])
    prepared = None
    cache = _parse_cache(text)
    try:
        known = json.loads(cache.read_text(encoding="utf-8")) if cache is not None else None
        columns, used = tuple(known["columns"]), set(known["variables"])
    except (OSError, ValueError, KeyError, TypeError):
        prepared = _prepare(text, path)
        used = _variables(prepared)
        columns = tuple(str(v) for v in (prepared.algebra.get("PV") or ()))
        _write_cache(cache, {"columns": list(columns), "variables": sorted(used)})
    for p in params:
        if p.var not in used:
            raise QueryError(f"{path}: parameter {p.name!r} binds ?{p.var}, which the query never uses")
    return NamedQuery(path.stem, path, description, params, text, example, columns, reads, prepared)


def _parse_cache(text: str) -> Path | None:
    """Where the check of ``text`` is kept: ``$XDG_CACHE_HOME/policykg/queries/<sha256>.json``, keyed
    by the text, this module's source and the versions of policykg and rdflib, so it is never stale.
    None where there is no home folder to hold it."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        source = Path(__file__).read_bytes()
    except (OSError, RuntimeError):
        return None
    from policykg import __version__

    digest = hashlib.sha256(b"\0".join([__version__.encode(), rdflib.__version__.encode(),
                                        hashlib.sha256(source).digest(), text.encode("utf-8")]))
    return base / "policykg" / "queries" / f"{digest.hexdigest()}.json"


def _write_cache(path: Path | None, value: dict) -> None:
    """Write ``value`` to ``path`` whole (a temporary file renamed) or not at all: a cache that
    cannot be written costs a parse next time, never an error."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp",
                                         delete=False) as f:
            json.dump(value, f, sort_keys=True)
        os.replace(f.name, path)
    except OSError as e:
        log.debug("query parse cache not written (%s): %s", path, e)


def _expand(curie: str, path: Path) -> str:
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        raise QueryError(f"{path}: @reads takes prefixed class names (pk:AgencyShare), not {curie!r}")
    return PREFIXES[prefix] + local


def _parse_header(text: str, path: Path) -> tuple[str, tuple[Param, ...], str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    description = lines[0] if lines else ""
    if "—" in description:
        description = description.split("—", 1)[1].strip()
    params: list[Param] = []
    example = ""
    for line in lines:
        if line.startswith("@example"):
            example = example or line[len("@example"):].strip()
        if not line.startswith("@param"):
            continue
        m = _PARAM_LINE.fullmatch(line)
        if m is None:
            raise QueryError(f"{path}: malformed parameter line {line!r}")
        ptype = m["type"]
        if ptype not in PARAM_TYPES and not _ONE_OF.fullmatch(ptype):
            raise QueryError(f"{path}: parameter {m['name']!r} has unknown type {ptype!r} "
                             f"(known: {', '.join(PARAM_TYPES)}, one-of(a|b))")
        words = m["rest"].split()
        var, required = m["name"], False
        while words and (words[0].startswith("?") or words[0] == "required"):
            word = words.pop(0)
            if word == "required":
                required = True
            else:
                var = word[1:]
        if any(p.name == m["name"] for p in params):
            raise QueryError(f"{path}: parameter {m['name']!r} declared twice")
        params.append(Param(m["name"], ptype, var, required, " ".join(words)))
    return description, tuple(params), example


@functools.lru_cache(maxsize=256)
def _prepare(text: str, path: Path) -> Query:
    """Parse as a query; an update, SERVICE or FROM is refused (decided by parsing)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import traverse
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parseQuery(text)
    except ParseException as e:
        try:
            update = parseUpdate(text)
        except ParseException:
            raise QueryError(f"{path}: not a valid SPARQL query: {e}") from e
        operations = [op.name for op in update.request or []]
        if not operations:
            raise QueryError(f"{path}: no SPARQL query in the file") from e
        raise QueryError(f"{path}: refused: a SPARQL Update ({', '.join(operations)}); only queries run") from e
    try:
        prepared = prepareQuery(text, initNs=INIT_NS)
    except Exception as e:  # rdflib raises plain Exception, e.g. for an undeclared prefix
        raise QueryError(f"{path}: cannot prepare the query: {e}") from e
    if prepared.algebra.name not in ("SelectQuery", "AskQuery"):
        raise QueryError(f"{path}: only SELECT and ASK queries run, not {prepared.algebra.name}")
    if prepared.algebra.get("datasetClause"):
        raise QueryError(f"{path}: refused: FROM / FROM NAMED (the query runs on the built graph)")
    found: list[str] = []
    traverse(prepared.algebra, visitPost=lambda n: found.append("SERVICE")
             if getattr(n, "name", None) == "ServiceGraphPattern" else None)
    if found:
        raise QueryError(f"{path}: refused: SERVICE (no network access from queries)")
    return prepared


def _variables(prepared: Query) -> set[str]:
    from rdflib.plugins.sparql.algebra import traverse

    found: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, Variable):
            found.add(str(node))

    traverse(prepared.algebra, visitPost=visit)
    return found


def run_query(ds: Graph | Store, query: NamedQuery | str | Path, params: Mapping[str, str] | None = None,
              *, index: EntityIndex | None = None) -> Result:
    """Run a named query (or a loaded one) on ``ds`` with ``params`` bound as RDF terms.

    ``ds`` is an rdflib graph or a store of :mod:`policykg.graph.backends`; on
    Oxigraph the bindings are ``substitutions`` (see :meth:`OxigraphStore.select`).
    Entity and document parameters are resolved with ``index``, an
    :class:`EntityIndex` of ``ds`` kept by a caller that runs many queries on one
    store; without one, a new index reads the names it needs from ``ds``.
    """
    if index is None:
        index = EntityIndex(ds)
    elif index.store is not ds:
        raise ValueError("run_query: the EntityIndex was built from another store")
    nq = query if isinstance(query, NamedQuery) else load_query(query)
    bindings = bind_params(index, nq, params or {})
    log.debug("running %s with %s", nq.name, bindings)
    return run_bound(ds, nq, bindings)


def run_bound(ds: Graph | Store, nq: NamedQuery, bindings: Mapping[str, object]) -> Result:
    """Run ``nq`` on ``ds`` with ``bindings`` (variable name -> RDF term) already converted."""
    if isinstance(ds, OxigraphStore):
        return ds.select(nq.text, bindings, project=nq.columns)
    store = ds if isinstance(ds, RdflibStore) else RdflibStore(ds)
    return store.select(nq.prepared_query(), bindings)


def query_from_text(text: str, *, name: str = "sparql") -> NamedQuery:
    """A query given as text (not a file), checked as :func:`load_query` checks a file: an
    update, SERVICE or FROM is refused. Its header may declare columns; it has no parameters.

    >>> query_from_text("SELECT ?s WHERE { ?s a ?c }").columns
    ('s',)
    >>> query_from_text("DROP ALL")
    Traceback (most recent call last):
    ...
    policykg.errors.QueryError: <sparql>: refused: a SPARQL Update (Drop); only queries run
    """
    where = Path(f"<{name}>")
    description, _, example = _parse_header(text, where)
    prepared = _prepare(text, where)
    columns = tuple(str(v) for v in (prepared.algebra.get("PV") or ()))
    return NamedQuery(name, where, description, (), text, example, columns, (), prepared)


def query_variables(nq: NamedQuery) -> set[str]:
    """The names of every variable ``nq`` uses (what a binding may name)."""
    return _variables(nq.prepared_query())


def bind_params(index: EntityIndex, nq: NamedQuery, params: Mapping[str, str]) -> dict[str, object]:
    """The initBindings of ``params``: unknown or missing required ones raise QueryError."""
    bindings: dict[str, object] = {}
    for name, value in params.items():
        p = nq.param(name)
        bindings[p.var] = convert(index, p, value)
    missing = [p.name for p in nq.params if p.required and p.name not in params]
    if missing:
        raise QueryError(f"query {nq.name!r} needs parameter(s) {', '.join(missing)} "
                         f"(e.g. --param {missing[0]}=…)")
    return bindings


def convert(index: EntityIndex | None, p: Param, value: str) -> Literal | URIRef:
    """One parameter value as the RDF term of its declared type (entities and documents
    resolved with ``index``; scalar types need none).

    >>> year = Param("fiscal_year", "fiscal-year", "fiscal_year", False, "")
    >>> convert(None, year, "令和6年度"), convert(None, year, "２０２４")
    (rdflib.term.Literal('2024', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')), rdflib.term.Literal('2024', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')))
    >>> convert(None, Param("article", "article", "a", False, ""), "第１０３条の２")
    rdflib.term.Literal('103の2')
    """
    text = nfkc(value).strip()
    try:
        if p.type == "fiscal-year":
            year = int(text) if text.isdigit() else fiscal_year_from_text(text)
            return Literal(year, datatype=XSD.integer)
        if p.type == "xsd:integer":
            return Literal(int(text), datatype=XSD.integer)
        if p.type == "xsd:decimal":
            return Literal(Decimal(text), datatype=XSD.decimal)
    except (ValueError, InvalidOperation) as e:
        raise QueryError(f"parameter {p.name}: {value!r} is not a {p.type}") from e
    if p.type == "xsd:boolean":
        if text.lower() not in ("true", "false"):
            raise QueryError(f"parameter {p.name}: {value!r} is not true or false")
        return Literal(text.lower() == "true")
    if p.type == "xsd:string":
        return Literal(value)
    if p.type == "article":  # 第13条, １３ and 13 are one article; 第103条の2 is 103の2
        return Literal(re.sub(r"^第|条", "", re.sub(r"\s", "", text)))
    if p.type == "iri":
        return _iri(p, value)
    if (m := _ONE_OF.fullmatch(p.type)) is not None:
        choices = m[1].split("|")
        if text not in choices:
            raise QueryError(f"parameter {p.name}: {value!r} is not one of {', '.join(choices)}")
        return Literal(text)
    if index is None:
        raise TypeError(f"convert: parameter {p.name} of type {p.type} needs an EntityIndex")
    if p.type == "document":
        return index.document(value, param=p.name)
    return index.resolve(p.type, value, param=p.name)


def _iri(p: Param, value: str) -> URIRef:
    iri = value.strip().removeprefix("<").removesuffix(">")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+", iri):
        raise QueryError(f"parameter {p.name}: {value!r} is not an IRI")
    return URIRef(iri)
