"""Why a named query found nothing, when the graph can say.

A query that reads one kind of statement (its header's ``@reads pk:AgencyShare``) finds no
row when no document states that kind for the fiscal year or document asked: the FY2024
edition prints no share chart, so ``agency-shares --param fiscal_year=2024`` is empty. That
is an answer, not a failure, and :func:`explain_empty` says it in one sentence, naming the
documents and years that do state it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from rdflib import URIRef

from policykg.graph.backends import Store
from .run import NamedQuery, Param, convert, load_query, query_dir, run_query

__all__ = ["explain_empty"]

_QUERY = "report/stated-by-document.rq"
_YEAR = Param("fiscal_year", "fiscal-year", "fiscal_year", False, "")


def explain_empty(store: Store, nq: NamedQuery, params: Mapping[str, str]) -> str | None:
    """One sentence on why ``nq`` with ``params`` has no row, or None when the graph cannot say."""
    if not nq.reads:
        return None
    year = int(convert(None, _YEAR, params["fiscal_year"]).toPython()) if params.get("fiscal_year") else None
    source = params.get("source")
    parts = []
    for cls in nq.reads:
        stated: dict[str, set[int]] = defaultdict(set)
        for row in run_query(store, load_query(query_dir() / _QUERY), {"class": cls}):
            stated[str(row.source)].update({int(row.fiscal_year)} if row.fiscal_year is not None else set())
        name = "pk:" + URIRef(cls).split("#")[-1]
        if year is not None and not any(year in years for years in stated.values()):
            where = "; ".join(f"{doc} (FY{', FY'.join(map(str, sorted(ys)))})" for doc, ys in sorted(stated.items()))
            parts.append(f"no document states {name} for fiscal year {year}"
                         + (f"; stated by {where}" if where else ""))
        elif source and source not in stated:
            parts.append(f"{source} states no {name}" + (f"; stated by {', '.join(sorted(stated))}" if stated else ""))
        elif not stated:
            parts.append(f"no document states {name}")
    return "no rows: " + "; ".join(parts) + "." if parts else None
