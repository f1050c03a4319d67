"""The endpoint's HTML page at ``/``: a SPARQL editor (YASGUI, bundled), the named queries as a gallery.

Nothing is fetched but the endpoint itself: YASGUI's files are served from
``/static/yasgui/`` (serve/static/yasgui/VERSION.txt: version and sha256) and the
page's own script from ``/static/editor.js`` (no inline script: the page's
Content-Security-Policy allows scripts from the endpoint only, see :mod:`.csp`).
The page's data (the named queries, the prefixes, the default query) is embedded
as JSON in a ``<script type="application/json">`` block (``<`` escaped, so no
text can close it); everything else on the page is escaped HTML. YASR draws
results (it escapes values); the script turns any IRI that is not http(s) back
into text. The gallery's "Run" links run a named query through
``/queries/<name>?param=…`` with its ``@example`` parameters (bound as RDF terms
by the server). ``/?query=…`` fills the editor and runs the query at once (a link
to share a query).
"""

from __future__ import annotations

import html
import json
import shlex
import urllib.parse

from policykg.namespace import PREFIXES
from policykg.queries.run import list_queries

__all__ = ["MAX_DRAW", "example_params", "render_page"]

#: Most entity IRIs one ``/draw`` request may name.
MAX_DRAW = 50

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>policykg SPARQL endpoint</title>
<link rel="stylesheet" href="static/yasgui/yasgui.min.css">
<link rel="stylesheet" href="static/editor.css">
<link rel="icon" href="data:,">
</head><body>
<header>
<h1>policykg SPARQL endpoint</h1>
<p>Japanese government cybersecurity budgets, measures, bodies, programmes and legal bases; every
figure with its source document and line. Endpoint: <code id="endpoint">/sparql</code>
(SPARQL 1.1 Protocol, read-only; the default graph is the union of the named graphs).
<a href="sparql">Service description</a> · <a href="queries">named queries (JSON)</a>.</p>
<form id="search" action="search" method="get" role="search">
<label for="search-q">Search entities and labels</label>
<input type="search" id="search-q" name="q" required placeholder="NICT, 厚生労働省, CYDER …">
<button type="submit">Search</button></form>
</header>
<main>
<section id="editor" aria-label="SPARQL editor">
<div id="yasgui"></div>
<p id="result-actions"><a id="draw" class="button" target="_blank" rel="noopener" aria-disabled="true">Draw</a>
<span id="draw-note">the result's entities as a network diagram</span></p>
<noscript><p>The editor needs JavaScript. Without it: <code>GET /sparql?query=…</code>, or the
named queries' links below.</p></noscript>
</section>
<aside id="gallery" aria-label="Named queries">
<h2>Named queries</h2>
<p>Open puts a query's text in a new tab (its parameters unbound: every row). Run runs it with its
example's parameters, bound by the server (<code>/queries/&lt;name&gt;?param=…</code>).</p>
<ul>
__GALLERY__</ul>
</aside>
</main>
<script type="application/json" id="policykg-data">__DATA__</script>
<script src="static/yasgui/yasgui.min.js"></script>
<script src="static/editor.js"></script>
</body></html>
"""

_ITEM = """<li data-query="{name}"><h3>{name}</h3><p>{description}</p>
<p class="params">{params}</p>
<button type="button" class="open">Open</button> <a class="run button" href="{run}">Run</a></li>
"""

_DEFAULT = """PREFIX pk: <https://w3id.org/policykg/ontology#>
SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class FILTER(STRSTARTS(STR(?class), STR(pk:))) }
GROUP BY ?class ORDER BY DESC(?n)"""


def embed_json(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>`` or ``&`` left raw).

    >>> embed_json({"q": "</script><b>&"})
    '{"q": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def example_params(example: str) -> list[tuple[str, str]]:
    """The ``--param key=value`` pairs of a named query's ``@example`` command line.

    >>> example_params("policykg query budget-lines --param agency=厚生労働省 -p fiscal_year=2024")
    [('agency', '厚生労働省'), ('fiscal_year', '2024')]
    >>> example_params("")
    []
    """
    words = shlex.split(example)
    return [tuple(value.split("=", 1)) for flag, value in zip(words, words[1:])
            if flag in ("--param", "-p") and "=" in value]


def _default_query() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()) + _DEFAULT.split("\n", 1)[1]


def render_page() -> str:
    """The page with the bundled named queries as a gallery."""
    queries, items = [], []
    for q in list_queries():
        params = example_params(q.example)
        run = f"queries/{urllib.parse.quote(q.name)}?" + urllib.parse.urlencode([*params, ("format", "json")])
        queries.append({"name": q.name, "description": q.description, "text": q.text, "params": params})
        shown = ", ".join(f"{k}={v}" for k, v in params) or "no parameters"
        items.append(_ITEM.format(name=html.escape(q.name), description=html.escape(q.description),
                                  params=html.escape(shown), run=html.escape(run)))
    data = {"queries": queries, "prefixes": PREFIXES, "defaultQuery": _default_query(), "maxDraw": MAX_DRAW}
    return _PAGE.replace("__GALLERY__", "".join(items)).replace("__DATA__", embed_json(data))
