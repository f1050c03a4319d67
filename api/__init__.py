"""policykg.api: the knowledge graph from Python, for notebooks (``policykg.open``).

``policykg.open()`` finds or builds the graph (:mod:`.locate`) and returns a
:class:`KnowledgeGraph`: ``query`` (named queries), ``sparql`` (any SELECT/ASK with
bindings), ``network`` (diagram views as networkx graphs), ``entity`` and ``search``,
each result a pandas DataFrame with typed, nullable columns (:mod:`.frames`).

>>> import policykg
>>> policykg.open is open_graph and policykg.KnowledgeGraph is KnowledgeGraph
True
"""

from .entity import Entity
from .frames import to_frame
from .graph import IRI, KnowledgeGraph, open_graph, to_term
from .locate import cache_dir, locate_build

open = open_graph  # noqa: A001 - policykg.api.open is policykg.open

__all__ = ["Entity", "IRI", "KnowledgeGraph", "cache_dir", "locate_build", "open", "open_graph", "to_frame",
           "to_term"]
