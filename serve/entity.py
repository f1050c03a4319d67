"""Entity pages: ``/id/…`` as HTML, Turtle, N-Triples or JSON-LD, evaluated in the endpoint's workers.

Every IRI the graph mints under ``https://w3id.org/policykg/id/`` (measures,
agencies, bodies, programmes, laws, areas, figures, statements, documents …)
answers on this server's ``/id/…``. The SPARQL is in ``queries/entity/*.rq``,
each run with ``?entity`` bound as an IRI (pyoxigraph ``substitutions``, never
pasted into the text). The HTML page shows the labels in Japanese and English
("—" where the graph has none), the classes, the budget series as an inline SVG
chart (measures and agencies; the chart function is handed in by the CLI, see
:class:`~policykg.serve.pool.QueryPool`), every figure with its rank, amount,
source document and line and **the text of that line** quoted from the corpus
file whose checksum the document records, the statements about the entity with
their lines, its other properties and what points to it. Every text is escaped;
only http(s) IRIs become links, and IRIs of this graph link to this server's
own paths (under ``--base``'s path), never to a Host header.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import PolicyKGError
from policykg.namespace import ONTOLOGY_IRI, PREFIXES  # noqa: F401 (the doctests use ONTOLOGY_IRI)
from policykg.serve.protocol import TooManyRows, media_ranges
from policykg.sources import corpus_folders_from_env, load_corpus, read_text

__all__ = ["ENTITY_QUERIES", "EntityNotFound", "PUBLIC_ROOT", "RDF_SUFFIXES", "Linker", "evaluate_entity",
           "entity_query_text", "pick_format"]

PUBLIC_ROOT = "https://w3id.org/policykg/"
ENTITY_QUERIES = ("entity-exists", "entity-triples", "entity-figures", "entity-statements", "entity-incoming",
                  "entity-graph")
#: URL suffix -> media type of the RDF forms
RDF_SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json"}
RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
               "application/ld+json": ox.RdfFormat.JSON_LD}
_HTML = "text/html"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SKOS = PREFIXES["skos"]
_LABELS = {_SKOS + "prefLabel", _SKOS + "altLabel", PREFIXES["rdfs"] + "label"}


class EntityNotFound(PolicyKGError):
    """The graph has no triple with this IRI (HTTP 404)."""


def entity_query_text(name: str) -> str:
    """The text of ``queries/entity/<name>.rq``; KeyError for a name not in :data:`ENTITY_QUERIES`."""
    if name not in ENTITY_QUERIES:
        raise KeyError(name)
    return (Path(str(resources.files("policykg.queries"))) / "entity" / f"{name}.rq").read_text(encoding="utf-8")


def pick_format(accept: str | None) -> str:
    """The form of ``/id/…`` a client asked for: HTML unless it prefers an RDF type.

    >>> pick_format("text/html,application/xhtml+xml,*/*;q=0.8"), pick_format("text/turtle")
    ('text/html', 'text/turtle')
    >>> pick_format("application/ld+json;q=0.9, text/html;q=0.5"), pick_format(None), pick_format("*/*")
    ('application/ld+json', 'text/html', 'text/html')
    >>> pick_format("image/png")
    ''
    """
    if not accept or not accept.strip():
        return _HTML
    best, best_q = "", 0.0
    offers = (_HTML, "application/xhtml+xml", *RDF_FORMATS)
    for media, q in media_ranges(accept):
        if media in ("*/*", "text/*"):
            media = _HTML
        elif media == "application/*":
            media = "application/ld+json"
        if media in offers and q > best_q:
            best, best_q = (_HTML if media == "application/xhtml+xml" else media), q
    return best


@dataclass(frozen=True)
class Linker:
    """Where links go: IRIs under ``https://w3id.org/policykg/`` to this server's paths under ``prefix``.

    >>> Linker("/kg/").href("https://w3id.org/policykg/id/agency/mic")
    '/kg/id/agency/mic'
    >>> Linker().href("urn:x"), Linker().href("javascript:x")
    (None, None)
    >>> Linker().href(ONTOLOGY_IRI + "#Measure"), Linker().href("https://www.nisc.go.jp/")
    ('/ontology#Measure', 'https://www.nisc.go.jp/')
    """

    prefix: str = "/"

    def href(self, iri: str) -> str | None:
        if iri.startswith(PUBLIC_ROOT):
            return self.prefix + iri[len(PUBLIC_ROOT):]
        return iri if re.match(r"https?://[^\s<>\"]+$", iri) else None

    def local(self, path: str) -> str:
        return self.prefix + path.lstrip("/")


# --- evaluation (in a worker process) ---------------------------------------------------------

#: per worker: corpus lines by the text's sha256 (read on first use)
_lines: dict[str, list[str] | None] = {}
_corpus: dict[str, Path] = {}


def _line_text(sha256: str | None, line: int | None) -> str | None:
    """The text of ``line`` (1-based) of the corpus file with checksum ``sha256``, as printed (no NFKC)."""
    if not sha256 or not line:
        return None
    if not _corpus:
        try:
            _corpus.update({d.sha256: d.path for d in load_corpus(corpus=corpus_folders_from_env()) if d.sha256})
        except PolicyKGError:
            _corpus["-"] = Path()  # unreadable corpus: no quotes, the page says so
    if sha256 not in _lines:
        path = _corpus.get(sha256)
        try:
            _lines[sha256] = read_text(path, expected_sha256=sha256).splitlines() if path else None
        except PolicyKGError:
            _lines[sha256] = None
    lines = _lines[sha256]
    return lines[line - 1].strip() if lines and 0 < line <= len(lines) else None


def _select(store: ox.Store, name: str, iri: str) -> list[dict[str, ox.NamedNode | ox.Literal | None]]:
    result = store.query(entity_query_text(name), substitutions={ox.Variable("entity"): ox.NamedNode(iri)})
    names = [v.value for v in result.variables]
    return [{n: s[n] for n in names} for s in result]


def _exists(store: ox.Store, iri: str) -> bool:
    query = entity_query_text("entity-exists")
    return bool(store.query(query, substitutions={ox.Variable("entity"): ox.NamedNode(iri)}))


def resolve_path(store: ox.Store, path: str, media: str) -> tuple[str, str]:
    """``(IRI, media type)`` of ``/id/<path>``: the IRI itself, else a known suffix (.ttl …) choosing the form."""
    iri = PUBLIC_ROOT + "id/" + path
    if _exists(store, iri):
        return iri, media
    for suffix, suffix_media in RDF_SUFFIXES.items():
        if path.endswith(suffix) and _exists(store, iri[: -len(suffix)]):
            return iri[: -len(suffix)], suffix_media
    raise EntityNotFound(f"no entity <{iri}> in this graph")


def evaluate_entity(store: ox.Store, path: str, media: str, *, prefix: str = "/", chart=None,
                    max_rows: int = 10_000) -> tuple[bytes, str, int]:
    """The answer to ``GET /id/<path>`` as ``(body, media type, rows)``; EntityNotFound for an unknown IRI.

    ``chart(kind, iri) -> str | None`` draws the measure's or agency's series as an ``<svg>`` element.
    """
    iri, media = resolve_path(store, path, media)
    if media in RDF_FORMATS:
        triples = list(store.query(entity_query_text("entity-graph"),
                                   substitutions={ox.Variable("entity"): ox.NamedNode(iri)}))
        if len(triples) > max_rows:
            raise TooManyRows(f"<{iri}> is described by more than {max_rows} triples (the endpoint's row limit)")
        fmt = RDF_FORMATS[media]
        body = ox.serialize(sorted(triples, key=str), format=fmt,
                            prefixes=PREFIXES if fmt == ox.RdfFormat.TURTLE else None)
        return body, media, len(triples)
    page = EntityPage(iri, Linker(prefix), _select(store, "entity-triples", iri),
                      _select(store, "entity-figures", iri), _select(store, "entity-statements", iri),
                      _select(store, "entity-incoming", iri))
    svg = None
    if chart is not None and page.kind in ("measure", "agency"):
        svg = chart(page.kind, iri)
    return page.render(svg).encode("utf-8"), _HTML, len(page.figures)


# --- the HTML page ------------------------------------------------------------------------------

_NO_TEXT = "(text not in this corpus)"


def _doc(doc_id: str) -> str:
    return PUBLIC_ROOT + "id/doc/" + doc_id


def _value(term) -> str | None:
    return None if term is None else term.value


def _int(term) -> int | None:
    return None if term is None else int(term.value)


def _short(iri: str) -> str:
    """An IRI as a CURIE of the project's prefixes where one fits.

    >>> _short("https://w3id.org/policykg/ontology#agency"), _short("http://example.org/x")
    ('pk:agency', 'http://example.org/x')
    """
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


_STYLE = """body{font-family:"Noto Sans CJK JP","Noto Sans JP",system-ui,sans-serif;margin:1.5rem;max-width:90rem}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0 1.2rem}td,th{border:1px solid #ccc;padding:.2rem .4rem;
vertical-align:top;text-align:left}th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}
.quote{font-family:ui-monospace,monospace;font-size:.78rem;white-space:pre-wrap;color:#333}
.rank-preferred{font-weight:bold}.rank-deprecated{color:#888}code{font-size:.85rem}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.15rem .8rem}dt{font-weight:bold}dd{margin:0}h1{margin:.4rem 0}
#chart svg{max-width:46rem;width:100%;height:auto}nav a{margin-right:1rem}"""


@dataclass
class EntityPage:
    iri: str
    links: Linker
    triples: list[dict]
    figures: list[dict]
    statements: list[dict]
    incoming: list[dict]

    @property
    def kind(self) -> str:
        """The path segment after ``id/`` (measure, agency, figure …)."""
        return self.iri[len(PUBLIC_ROOT + "id/"):].split("/", 1)[0]

    def labels(self, lang: str) -> list[str]:
        return sorted(dict.fromkeys(t["o"].value for t in self.triples if t["p"].value == _SKOS + "prefLabel"
                                    and isinstance(t["o"], ox.Literal) and t["o"].language == lang))

    def _english_origin(self) -> str:
        """Whether the English label is printed in a document (with its line) or policykg's translation."""
        notes = []
        for st in self.statements:
            if st["predicate"].value != _SKOS + "prefLabel" or not isinstance(st["object"], ox.Literal) \
                    or st["object"].language != "en":
                continue
            if st["source"] is None:
                notes.append("policykg's translation, not an official name")
            else:
                notes.append(f"as printed at {st['source'].value}:{_int(st['line'])}")
        return f' <small id="label-en-origin">({html.escape("; ".join(dict.fromkeys(notes)))})</small>' if notes else ""

    def classes(self) -> list[str]:
        return [t["o"].value for t in self.triples if t["p"].value == _RDF + "type"]

    def term(self, term, label: str | None = None) -> str:
        """A term as HTML: an IRI as a link (if http(s)) with its label, a literal as escaped text."""
        if term is None:
            return "—"
        if isinstance(term, ox.NamedNode):
            shown = html.escape(label or _short(term.value))
            href = self.links.href(term.value)
            title = html.escape(term.value, quote=True)
            return f'<a href="{html.escape(href, quote=True)}" title="{title}">{shown}</a>' if href else \
                f'<span title="{title}">{shown}</span>'
        if isinstance(term, ox.Literal):
            lang = f' <small>@{html.escape(term.language)}</small>' if term.language else ""
            return html.escape(term.value) + lang
        return html.escape(str(term))

    def render(self, svg: str | None) -> str:
        ja, en = self.labels("ja"), self.labels("en")
        title = ja[0] if ja else (en[0] if en else _short(self.iri))
        e = html.escape
        iri_q = urllib.parse.quote(self.iri, safe="")
        local = self.links.href(self.iri) or ""
        out = [f'<!doctype html>\n<html lang="ja"><head><meta charset="utf-8">'
               f'<meta name="viewport" content="width=device-width, initial-scale=1">'
               f'<title>{e(title)} — policykg</title>'
               f'<link rel="alternate" type="text/turtle" href="{e(local)}.ttl">'
               f'<link rel="alternate" type="application/ld+json" href="{e(local)}.jsonld">'
               f'<style>{_STYLE}</style></head><body>',
               f'<nav><a href="{e(self.links.local("/"))}">SPARQL endpoint</a>'
               f'<a href="{e(self.links.local("/ontology"))}">ontology</a></nav>',
               f'<h1 id="label-ja">{e(" / ".join(ja) or "—")}</h1>',
               f'<dl><dt>English</dt><dd><span id="label-en">{e(" / ".join(en) or "—")}</span>'
               f'{self._english_origin()}</dd>',
               f'<dt>IRI</dt><dd><code id="iri">{e(self.iri)}</code></dd>',
               f'<dt>kind</dt><dd id="kind">{e(self.kind)}: '
               + ", ".join(self.term(ox.NamedNode(c)) for c in self.classes()) + "</dd>",
               f'<dt>as data</dt><dd><a href="{e(local)}.ttl">Turtle</a> · <a href="{e(local)}.nt">N-Triples</a> · '
               f'<a href="{e(local)}.jsonld">JSON-LD</a> (or by <code>Accept</code>)</dd>',
               f'<dt>neighbourhood</dt><dd><a id="draw" href="{e(self.links.local("/draw"))}?iri={iri_q}">'
               f'diagram of the neighbourhood</a></dd></dl>']
        if svg:
            out.append(f'<h2>Budget series</h2><div id="chart">{svg}</div>')
        out += self._figures_html(), self._statements_html(), self._properties_html(), self._incoming_html()
        out.append(self._sparql_html())
        out.append("</body></html>\n")
        return "\n".join(out)

    def _figures_html(self) -> str:
        if not self.figures:
            return ""
        rows = []
        for f in self.figures:
            rank = _value(f["rank"]) or ""
            supplement = _int(f["supplement"])
            budget = (_value(f["budget"]) or "") + (f" {supplement}" if supplement else "")
            quote = _line_text(_value(f["sha256"]), _int(f["line"]))
            lines = f"{_int(f['line'])}" + (f"–{_int(f['end_line'])}" if f["end_line"] is not None
                                              and _int(f["end_line"]) != _int(f["line"]) else "")
            inclusive = " 「…の内数」" if _value(f["inclusive"]) == "true" else ""
            rows.append(
                f'<tr class="figure rank-{html.escape(rank)}" '
                f'data-figure="{html.escape(f["figure"].value, quote=True)}">'
                f'<td>{self.term(f["figure"], f["figure"].value.rsplit("/", 2)[-1])}</td>'
                f'<td class="num">{_int(f["fiscal_year"])}</td><td>{html.escape(budget)}</td>'
                f'<td>{html.escape(_value(f["status"]) or "")}</td>'
                f'<td class="num amount-jpy">{_int(f["amount_jpy"]):,}</td>'
                f'<td class="printed">{html.escape(_value(f["printed"]) or "—")}{inclusive}</td>'
                f'<td class="rank">{html.escape(rank)} '
                f'<small>{html.escape(_value(f["rank_reason"]) or "")}</small></td>'
                f'<td>{html.escape(_value(f["origin"]) or "")}</td>'
                f'<td class="source">{self.term(ox.NamedNode(_doc(f["source"].value)), f["source"].value)}'
                f':<span class="line">{html.escape(lines)}</span></td>'
                f'<td class="quote">{html.escape(quote) if quote is not None else _NO_TEXT}</td></tr>')
        return ("<h2>Budget figures</h2><p>Every figure stated, all ranks (README: Ranks); amounts in integer yen, "
                "as printed, and the quoted source line.</p><table id=\"figures\"><tr><th>figure</th><th>FY</th>"
                "<th>budget</th><th>status</th><th>yen</th><th>as printed</th><th>rank</th><th>origin</th>"
                "<th>source:line</th><th>text of the line</th></tr>" + "".join(rows) + "</table>")

    def _statements_html(self) -> str:
        if not self.statements:
            return ""
        rows = []
        for s in self.statements:
            outgoing = s["subject"].value == self.iri
            other = s["object"] if outgoing else s["subject"]
            label = _value(s["object_label"] if outgoing else s["subject_label"])
            direction = "→" if outgoing else "←"
            source = s["source"]
            where = (self.term(ox.NamedNode(PUBLIC_ROOT + "id/doc/" + source.value), source.value)
                     + f":{_int(s['line'])}") if source is not None else "—"
            quote = _line_text(_value(s["sha256"]), _int(s["line"]))
            inferred = (f'<br><small>inferred: {html.escape(_value(s["note"]) or "")}</small>'
                        if _value(s["inferred"]) == "true" else "")
            rows.append(f'<tr class="statement"><td>{direction} {self.term(s["predicate"])}</td>'
                        f'<td>{self.term(other, label)}</td><td>{where}{inferred}</td>'
                        f'<td>{html.escape(_value(s["printed"]) or "—")}</td>'
                        f'<td class="quote">{html.escape(quote) if quote is not None else "—"}</td>'
                        f'<td>{self.term(s["statement"], "statement")}</td></tr>')
        return ("<h2>Relations and programmes, with their sources</h2><table id=\"statements\"><tr><th>relation</th>"
                "<th>with</th><th>source:line</th><th>as printed</th><th>text of the line</th><th></th></tr>"
                + "".join(rows) + "</table>")

    def _properties_html(self) -> str:
        rows = [f'<tr><td>{self.term(t["p"])}</td><td>{self.term(t["o"], _value(t["o_label_ja"]))}'
                + (f' <small>{html.escape(t["o_label_en"].value)}</small>' if t["o_label_en"] is not None else "")
                + "</td></tr>" for t in self.triples]
        return "<h2>Properties</h2><table id=\"properties\">" + "".join(rows) + "</table>" if rows else ""

    def _incoming_html(self) -> str:
        rows = [f'<tr><td>{self.term(t["s"], _value(t["s_label_ja"]))}</td><td>{self.term(t["p"])}</td>'
                f'<td>{self.term(t["s_class"])}</td></tr>' for t in self.incoming]
        return ("<h2>Linked from</h2><table id=\"incoming\"><tr><th>subject</th><th>property</th><th>class</th></tr>"
                + "".join(rows) + "</table>") if rows else ""

    def _sparql_html(self) -> str:
        e = html.escape
        items = [f'<li><a href="{e(self.links.local("/queries/entity/" + n + ".rq"))}">{e(n)}.rq</a></li>'
                 for n in ENTITY_QUERIES]
        quoted = urllib.parse.quote(self.iri, safe="")
        if self.kind == "measure":
            items.append(f'<li><a href="{e(self.links.local("/queries/budget-lines"))}?measure={quoted}&amp;rank='
                         f'preferred&amp;format=csv">budget-lines (rank=preferred)</a>: the chart\'s figures</li>')
            items.append(f'<li><a href="{e(self.links.local("/queries/measure-history"))}?measure={quoted}'
                         f'&amp;format=csv">measure-history</a></li>')
        if self.kind == "agency":
            items.append(f'<li><a href="{e(self.links.local("/queries/budget-by-agency"))}?agency={quoted}'
                         f'&amp;format=csv">budget-by-agency</a>: the chart\'s sums</li>')
        return (f"<h2>SPARQL behind this page</h2><p>Each query run with <code>?entity</code> bound to "
                f"<code>&lt;{e(self.iri)}&gt;</code>:</p><ul id=\"sparql\">" + "".join(items) + "</ul>")
