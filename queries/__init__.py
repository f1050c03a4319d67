"""policykg.queries: named SPARQL queries (``*.rq``) and the runner that binds their parameters.

>>> from policykg.queries import list_queries
>>> "budget-lines" in {q.name for q in list_queries()}
True
"""

from .entities import EntityIndex
from .formats import Format, format_result
from .run import NamedQuery, Param, list_queries, load_query, run_query

__all__ = ["EntityIndex", "Format", "NamedQuery", "Param", "format_result", "list_queries", "load_query",
           "run_query"]
