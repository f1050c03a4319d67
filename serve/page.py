"""The endpoint's HTML page at ``/``: a query box, the named queries as examples, results as a table.

Everything is inline (no CDN, nothing fetched but the endpoint itself). The
named queries are embedded as JSON in a ``<script type="application/json">``
block (``<`` escaped, so no text can close it); the page's script puts a
query's text in the box when its name is clicked, posts the box to ``/sparql``
and builds the table with ``textContent`` only, so no value is ever read as HTML.
``/?query=…`` fills the box and runs the query at once (a link to share a query).
"""

from __future__ import annotations

import html
import json

from policykg.queries.run import list_queries

__all__ = ["render_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>policykg SPARQL endpoint</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:80rem}
textarea{width:100%;height:16rem;font-family:ui-monospace,monospace;font-size:.85rem}
#examples button{margin:.15rem;font-size:.8rem}
table{border-collapse:collapse;font-size:.8rem;margin-top:1rem}
td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top;text-align:left}
th{background:#eee}#status{margin-left:1rem;color:#555}#error{color:#a00;white-space:pre-wrap}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>policykg SPARQL endpoint</h1>
<p>Japanese government cybersecurity budgets, measures, bodies, programmes and legal bases; every
figure with its source document and line. Endpoint: <code id="endpoint">/sparql</code>
(SPARQL 1.1 Protocol, read-only; the default graph is the union of the named graphs).
<a href="/sparql">Service description</a>.</p>
<p>Named queries (click to load; parameters are left unbound, so each lists every row):</p>
<div id="examples"></div>
<form id="form"><textarea id="query" name="query" spellcheck="false">__DEFAULT__</textarea><br>
<button type="submit">Run</button>
<select id="fmt"><option value="table">table</option><option value="csv">CSV</option>
<option value="tsv">TSV</option><option value="json">JSON</option></select>
<span id="status"></span></form>
<div id="error"></div><div id="result"></div>
<script type="application/json" id="queries">__QUERIES__</script>
<script>
"use strict";
const queries = JSON.parse(document.getElementById("queries").textContent);
const box = document.getElementById("query"), out = document.getElementById("result");
const err = document.getElementById("error"), status = document.getElementById("status");
const endpoint = new URL("sparql", document.baseURI).href;
document.getElementById("endpoint").textContent = endpoint;
for (const q of queries) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = q.name; b.title = q.description;
  b.addEventListener("click", () => { box.value = q.text; });
  document.getElementById("examples").appendChild(b);
}
function cell(term) {
  const td = document.createElement("td");
  if (term) {
    if (term.type === "uri") {
      const a = document.createElement("a"); a.href = term.value; a.textContent = term.value; td.appendChild(a);
    } else { td.textContent = term.value; }
    if (term["xml:lang"]) td.title = "@" + term["xml:lang"]; else if (term.datatype) td.title = term.datatype;
  }
  return td;
}
document.getElementById("form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); err.textContent = ""; out.textContent = ""; status.textContent = "running…";
  const fmt = document.getElementById("fmt").value;
  const accept = {table: "application/sparql-results+json, text/turtle;q=0.9", csv: "text/csv",
                  tsv: "text/tab-separated-values", json: "application/sparql-results+json"}[fmt];
  const t0 = performance.now();
  try {
    const r = await fetch(endpoint, {method: "POST", headers: {"Accept": accept},
                                     body: new URLSearchParams({query: box.value})});
    const text = await r.text();
    const ms = Math.round(performance.now() - t0);
    if (!r.ok) { status.textContent = ""; err.textContent = r.status + " " + text; return; }
    const type = r.headers.get("Content-Type") || "";
    if (fmt !== "table" || !type.startsWith("application/sparql-results+json")) {
      const pre = document.createElement("pre"); pre.textContent = text; out.appendChild(pre);
      status.textContent = ms + " ms"; return;
    }
    const data = JSON.parse(text);
    if ("boolean" in data) { out.textContent = String(data.boolean); status.textContent = ms + " ms"; return; }
    const vars = data.head.vars, rows = data.results.bindings;
    const table = document.createElement("table"), head = table.insertRow();
    for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
    for (const row of rows) { const tr = table.insertRow(); for (const v of vars) tr.appendChild(cell(row[v])); }
    out.appendChild(table);
    status.textContent = rows.length + " rows, " + ms + " ms";
  } catch (e) { status.textContent = ""; err.textContent = String(e); }
});
const linked = new URLSearchParams(location.search).get("query");  // a shareable link: /?query=…
if (linked) { box.value = linked; document.getElementById("form").requestSubmit(); }
</script></body></html>
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


def render_page() -> str:
    """The page with the bundled named queries."""

    queries = [{"name": q.name, "description": q.description, "text": q.text} for q in list_queries()]
    return _PAGE.replace("__QUERIES__", embed_json(queries)).replace("__DEFAULT__", html.escape(_DEFAULT))
