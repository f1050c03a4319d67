"""The diagram of several entities' neighbourhoods, as the endpoint's ``/draw`` page.

``draw_page(build_dir, iris, depth)`` is the ``entity`` view (:func:`.project.project`)
seeded with every entity among ``iris`` (the entity IRIs of a query result), rendered
as the same self-contained page ``policykg viz`` writes (vis-network inline, no CDN).
The endpoint runs it in a query worker (its timeout applies): ``policykg serve`` hands
this function to the server (serve/ does not import viz/: both are one layer).
"""

from __future__ import annotations

import logging
from pathlib import Path

from policykg.errors import QueryError
from policykg.graph.backends import Backend, open_store
from policykg.namespace import ID
from policykg.queries.entities import EntityIndex

from .project import project
from .render import render_html

log = logging.getLogger(__name__)

__all__ = ["MAX_IRIS", "draw_page", "entity_iris"]

#: most IRIs one ``/draw`` request may name
MAX_IRIS = 50
#: one Oxigraph store per worker process, opened on first use
_stores: dict[Path, tuple[object, EntityIndex]] = {}


def entity_iris(values: list[str]) -> list[str]:
    """The IRIs under the entity namespace, once each, in order; others are left out.

    >>> entity_iris(["https://w3id.org/policykg/id/body/nict", "http://example.org/x",
    ...              "https://w3id.org/policykg/id/body/nict", "https://w3id.org/policykg/id/body/ipa"])
    ['https://w3id.org/policykg/id/body/nict', 'https://w3id.org/policykg/id/body/ipa']
    """
    return [v for v in dict.fromkeys(values) if v.startswith(str(ID))]


def draw_page(build_dir: Path, iris: tuple[str, ...], depth: int = 1) -> tuple[bytes, str, int]:
    """The diagram page of the entities among ``iris``: ``(HTML bytes, media type, nodes)``.

    IRIs of other things (figures, documents) are left out; QueryError when none is an entity.
    """
    if build_dir not in _stores:
        store = open_store(build_dir, Backend.OXIGRAPH)
        _stores[build_dir] = store, EntityIndex(store)
    store, index = _stores[build_dir]
    members = {str(m) for m in index.members("entity")}
    seeds = tuple(i for i in entity_iris(list(iris)) if i in members)
    if not seeds:
        raise QueryError(f"none of the {len(iris)} IRIs is an entity of the graph (agency, measure, body, "
                         "programme, law …)")
    log.info("draw: %d of %d IRIs are entities", len(seeds), len(iris))
    g = project("entity", store, entities=seeds, depth=depth)
    return render_html(g).encode("utf-8"), "text/html", g.number_of_nodes()
