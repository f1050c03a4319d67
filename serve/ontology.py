"""``/ontology``: the vocabulary (``ontology/policykg.ttl``) as HTML, Turtle, N-Triples or JSON-LD.

The HTML lists the classes, properties and code lists with their labels (English
and Japanese), definitions and comments, domain, range and superclass; each term
has the anchor of its local name (``/ontology#BudgetFigure``), so the term IRIs
``https://w3id.org/policykg/ontology#…`` resolve to their entry. Read once when
the app is made (the file does not change while the server runs).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from policykg.namespace import ONTOLOGY_IRI, PREFIXES

__all__ = ["Ontology", "load_ontology"]

_SECTIONS = (("Classes", OWL.Class), ("Object properties", OWL.ObjectProperty),
             ("Datatype properties", OWL.DatatypeProperty), ("Code lists", SKOS.ConceptScheme),
             ("Concepts", SKOS.Concept))
_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
            "application/ld+json": ox.RdfFormat.JSON_LD}


@dataclass(frozen=True)
class Ontology:
    turtle: bytes
    html_page: str

    def body(self, media: str) -> bytes:
        """The vocabulary as ``media`` (Turtle as written in the repository)."""
        if media == "text/turtle":
            return self.turtle
        triples = sorted(ox.parse(self.turtle, format=ox.RdfFormat.TURTLE), key=str)
        return ox.serialize(triples, format=_FORMATS[media])


def _text(g: Graph, s: URIRef, p: URIRef, lang: str) -> str:
    values = sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and (o.language or "en") == lang)
    return " / ".join(values)


def _curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _link(iri: URIRef, prefix: str) -> str:
    text = html.escape(_curie(str(iri)))
    if str(iri).startswith(ONTOLOGY_IRI + "#"):
        return f'<a href="#{html.escape(str(iri).split("#", 1)[1], quote=True)}">{text}</a>'
    if str(iri).startswith(("http://", "https://")):
        return f'<a href="{html.escape(str(iri), quote=True)}">{text}</a>'
    return text


def load_ontology(prefix: str = "/") -> Ontology:
    """The bundled vocabulary, with its HTML page (links under ``prefix``)."""
    path = Path(str(resources.files("policykg.ontology"))) / "policykg.ttl"
    turtle = path.read_bytes()
    g = Graph().parse(data=turtle, format="turtle")
    e = html.escape
    onto = URIRef(ONTOLOGY_IRI)
    out = ['<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>policykg ontology</title>',
           '<style>body{font-family:"Noto Sans CJK JP",system-ui,sans-serif;margin:1.5rem;max-width:70rem}'
           'dt{font-weight:bold;margin-top:.8rem}dd{margin-left:1.5rem}code{font-size:.85rem}'
           'section.term{border-top:1px solid #ddd;padding:.3rem 0}</style></head><body>',
           f'<nav><a href="{e(prefix)}">SPARQL endpoint</a></nav>',
           f'<h1>{e(_text(g, onto, DCTERMS.title, "en"))} <small>{e(_text(g, onto, DCTERMS.title, "ja"))}</small></h1>',
           f'<p><code>{e(ONTOLOGY_IRI)}</code> — {e(_text(g, onto, DCTERMS.description, "en"))}</p>',
           f'<p>As data: <a href="{e(prefix)}ontology.ttl">Turtle</a> · <a href="{e(prefix)}ontology.nt">N-Triples</a>'
           f' · <a href="{e(prefix)}ontology.jsonld">JSON-LD</a> (or by <code>Accept</code>).</p>']
    for title, cls in _SECTIONS:
        terms = sorted((s for s in g.subjects(RDF.type, cls) if str(s).startswith(ONTOLOGY_IRI + "#")), key=str)
        if not terms:
            continue
        out.append(f"<h2>{e(title)} ({len(terms)})</h2>")
        for s in terms:
            local = str(s).split("#", 1)[1]
            rows = [f'<section class="term" id="{e(local, quote=True)}"><h3><code>pk:{e(local)}</code> '
                    f'{e(_text(g, s, RDFS.label, "en") or _text(g, s, SKOS.prefLabel, "en"))} '
                    f'<small lang="ja">{e(_text(g, s, RDFS.label, "ja") or _text(g, s, SKOS.prefLabel, "ja"))}</small>'
                    f'</h3><dl>']
            for name, p in (("definition", SKOS.definition), ("comment", RDFS.comment)):
                for lang in ("en", "ja"):
                    if text := _text(g, s, p, lang):
                        rows.append(f'<dt>{name} ({lang})</dt><dd lang="{lang}">{e(text)}</dd>')
            for name, p in (("subclass of", RDFS.subClassOf), ("domain", RDFS.domain), ("range", RDFS.range),
                            ("in scheme", SKOS.inScheme), ("notation", SKOS.notation)):
                values = sorted(g.objects(s, p), key=str)
                if values:
                    shown = ", ".join(_link(v, prefix) if isinstance(v, URIRef) else e(str(v)) for v in values)
                    rows.append(f"<dt>{name}</dt><dd>{shown}</dd>")
            out.append("".join(rows) + "</dl></section>")
    out.append("</body></html>\n")
    return Ontology(turtle, "\n".join(out))
