"""Named queries over HTTP: ``GET /queries/<name>?param=value…`` runs a bundled query with the CLI's runner.

This is ``policykg query NAME --param …`` as a URL, for clients that cannot
write SPARQL — e.g. a spreadsheet's ``IMPORTDATA("…/queries/totals?scope_kind=overall&format=csv")``.
Parameters are bound by :func:`policykg.queries.run.run_query` (converted to RDF
terms of their declared type, entities resolved by any label, bound with
pyoxigraph ``substitutions``): exactly the rows the CLI prints (the named
queries give the same rows on every backend, tests/test_backends.py), never
query text built from values. It runs in the endpoint's worker processes, so
the endpoint's timeout and row limit apply, on the worker's own in-memory store.
The queries are parsed once, in the server (:func:`bundled_queries`: rdflib's
parser takes ~0.2 s a query, 4 s for all), and handed to every worker as it
starts, so a worker (a replacement too) answers its first named query as fast as
its hundredth.

Formats: SPARQL JSON, CSV, TSV (the runner's W3C writers), by ``Accept`` or ``?format=``.
"""

from __future__ import annotations

import dataclasses
import functools

import pyoxigraph as ox

from policykg.errors import QueryError
from policykg.graph.backends import Backend, OxigraphStore
from policykg.queries.entities import EntityIndex
from policykg.queries.run import NamedQuery, format_result, list_queries, run_query
from policykg.serve.protocol import NotAcceptable, TooManyRows

__all__ = ["NAMED_FORMATS", "bundled_queries", "evaluate_named", "query_index"]

#: media type -> the runner's format name
NAMED_FORMATS = {
    "application/sparql-results+json": "json", "application/json": "json",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
#: the index of entity names of each worker's store, built on the first named query
_indexes: dict[int, tuple[OxigraphStore, EntityIndex]] = {}


@functools.cache
def bundled_queries() -> dict[str, NamedQuery]:
    """The bundled queries by name, parsed and checked once; without rdflib's prepared form, which
    the Oxigraph runner does not use, so that they pickle small for the workers."""
    return {q.name: dataclasses.replace(q, prepared=None) for q in list_queries()}


def query_index() -> dict[str, dict]:
    """The bundled named queries: name -> description, parameters and example (for ``GET /queries``)."""
    return {q.name: {"description": q.description, "example": q.example, "columns": list(q.columns),
                     "params": [{"name": p.name, "type": p.type, "required": p.required,
                                 "description": p.description} for p in q.params]}
            for q in bundled_queries().values()}


def evaluate_named(store: ox.Store, queries: dict[str, NamedQuery], name: str, params: tuple[tuple[str, str], ...],
                   accept: tuple[str, ...], max_rows: int) -> tuple[bytes, str, int]:
    """Run bundled query ``name`` (one of ``queries``) on ``store`` with ``params``: ``(body, media type, rows)``.

    QueryError for an unknown query or a bad parameter (the runner's message);
    TooManyRows past ``max_rows``; NotAcceptable unless JSON, CSV or TSV is accepted.
    """
    media = next((m for m in accept if m in NAMED_FORMATS), None)
    if media is None:
        raise NotAcceptable("a named query's result can be given as " + ", ".join(NAMED_FORMATS))
    if name not in queries:
        raise QueryError(f"unknown query {name!r}; GET /queries lists them")
    if id(store) not in _indexes:
        wrapped = OxigraphStore(store, Backend.OXIGRAPH)
        _indexes[id(store)] = wrapped, EntityIndex(wrapped)
    wrapped, index = _indexes[id(store)]
    result = run_query(wrapped, queries[name], dict(params), index=index)
    rows = len(result) if result.type == "SELECT" else 1
    if rows > max_rows:
        raise TooManyRows(f"the result has more than {max_rows} rows (the endpoint's row limit); "
                          "narrow it with more parameters")
    return format_result(result, NAMED_FORMATS[media]).encode("utf-8"), media, rows
