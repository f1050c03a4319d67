"""Export the built graph in standard RDF formats."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from rdflib import Graph

from policykg.graph.build import ontology_graph
from policykg.namespace import PREFIXES
from policykg.graph.store import load_dataset, resolve_build


class Format(str, Enum):
    TURTLE = "turtle"
    NQUADS = "nquads"
    JSONLD = "jsonld"
    TRIG = "trig"


def export(build_dir: Path | None = None, *, fmt: Format) -> str:
    """The built graph as text. N-Quads is the sorted build file itself (deterministic)."""
    gen = resolve_build(build_dir)
    if fmt is Format.NQUADS:
        return gen.graph_path.read_text(encoding="utf-8")
    ds = load_dataset(gen)
    if fmt is Format.TURTLE:
        merged = Graph()
        for prefix, ns in ontology_graph().namespaces():
            merged.bind(prefix, ns)
        merged.bind("pk", PREFIXES["pk"])
        merged.bind("id", PREFIXES["id"])
        for s, p, o, _ in ds.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged.serialize(format="turtle")
    ds.bind("pk", PREFIXES["pk"])
    ds.bind("id", PREFIXES["id"])
    return ds.serialize(format="json-ld" if fmt is Format.JSONLD else "trig")
