"""Named queries over HTTP: ``GET /queries/<name>?param=value…`` runs a bundled query with the CLI's runner.

This is ``policykg query NAME --param …`` as a URL, for clients that cannot
write SPARQL — e.g. a spreadsheet's ``IMPORTDATA("…/queries/totals?scope_kind=overall&format=csv")``.
Parameters are bound by :func:`policykg.queries.run.run_query` (converted to RDF
terms of their declared type, entities resolved by any label, bound with
pyoxigraph ``substitutions``): exactly the rows the CLI prints (the named
queries give the same rows on every backend, tests/test_backends.py), never
query text built from values. It runs in the endpoint's worker processes, so
the endpoint's timeout and row limit apply; each worker opens the Oxigraph
store of the named queries on the first one it gets.

Formats: SPARQL JSON, CSV, TSV (the runner's W3C writers), by ``Accept`` or ``?format=``.
"""

from __future__ import annotations

from pathlib import Path

from policykg.errors import QueryError
from policykg.graph.backends import Backend, open_store
from policykg.queries.entities import EntityIndex
from policykg.queries.run import format_result, list_queries, query_dir, run_query
from policykg.serve.protocol import NotAcceptable, TooManyRows

__all__ = ["NAMED_FORMATS", "evaluate_named", "query_index"]

#: media type -> the runner's format name
NAMED_FORMATS = {
    "application/sparql-results+json": "json", "application/json": "json",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
#: one Oxigraph store and the index of its entities' names per worker process, opened on first use
_stores: dict[Path, tuple[object, EntityIndex]] = {}


def query_index() -> dict[str, dict]:
    """The bundled named queries: name -> description, parameters and example (for ``GET /queries``)."""
    return {q.name: {"description": q.description, "example": q.example, "columns": list(q.columns),
                     "params": [{"name": p.name, "type": p.type, "required": p.required,
                                 "description": p.description} for p in q.params]}
            for q in list_queries()}


def evaluate_named(build_dir: Path, name: str, params: tuple[tuple[str, str], ...], accept: tuple[str, ...],
                   max_rows: int) -> tuple[bytes, str, int]:
    """Run bundled query ``name`` with ``params``: ``(body, media type, rows)``.

    QueryError for an unknown query or a bad parameter (the runner's message);
    TooManyRows past ``max_rows``; NotAcceptable unless JSON, CSV or TSV is accepted.
    """
    media = next((m for m in accept if m in NAMED_FORMATS), None)
    if media is None:
        raise NotAcceptable("a named query's result can be given as " + ", ".join(NAMED_FORMATS))
    if not (query_dir() / f"{name}.rq").is_file() or not name.replace("-", "").isalnum():
        raise QueryError(f"unknown query {name!r}; GET /queries lists them")
    if build_dir not in _stores:
        store = open_store(build_dir, Backend.OXIGRAPH)
        _stores[build_dir] = store, EntityIndex(store)
    store, index = _stores[build_dir]
    result = run_query(store, name, dict(params), index=index)
    rows = len(result) if result.type == "SELECT" else 1
    if rows > max_rows:
        raise TooManyRows(f"the result has more than {max_rows} rows (the endpoint's row limit); "
                          "narrow it with more parameters")
    return format_result(result, NAMED_FORMATS[media]).encode("utf-8"), media, rows
