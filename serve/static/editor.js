// The endpoint's editor page: YASGUI (bundled, static/yasgui/) on this endpoint only.
//
// Nothing is fetched but the endpoint itself (the page's Content-Security-Policy says so too):
// the endpoint catalogue lists only this endpoint; nothing is persisted (old endpoints, queries,
// cached prefix lists in localStorage); the LOV class/property autocompleters (remote) are off,
// the prefix autocompleter is a copy that offers the project's prefixes (never prefix.cc, nothing
// cached); no CORS proxy. Results are drawn by YASR, which escapes values; an IRI
// becomes a link only when it is http(s) (see `unlink`). The named queries' "Run" links go
// through /queries/<name>?param=… (the server binds the parameters as RDF terms).
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("policykg-data").textContent);
  const endpoint = new URL("sparql", document.baseURI).href;
  const ID = data.prefixes.id;
  const MAX_DRAW = data.maxDraw;
  document.getElementById("endpoint").textContent = endpoint;

  const Yasqe = Yasgui.Yasqe;
  Yasqe.forkAutocompleter("prefixes", {
    name: "policykg-prefixes",
    persistenceId: null,
    get: () => Promise.resolve(Object.keys(data.prefixes).sort().map((p) => p + ": <" + data.prefixes[p] + ">")),
  }, false);
  // Set on the defaults, not in the options: YASGUI merges option arrays index by index, so
  // ["policykg-prefixes", "variables"] over the defaults would leave the LOV "property" and
  // "class" completers (requests to lov.linkeddata.es) switched on.
  Yasqe.defaults.autocompleters = ["policykg-prefixes", "variables"];

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {endpoint: endpoint, method: "POST"},
    endpointCatalogueOptions: {getData: () => [{endpoint: endpoint}], keys: []},
    copyEndpointOnNewTab: true,
    populateFromUrl: false,  // only ?query= is read (below); never an endpoint from a link
    persistenceId: null,
    corsProxy: undefined,
    tabName: "Query",
    yasqe: {
      value: data.defaultQuery,
      persistenceId: null,
      consumeShareLink: null,
      createShareableLink: null,
      resizeable: true,
      editorHeight: "18rem",
    },
    yasr: {
      prefixes: data.prefixes,
      persistenceId: null,
      pluginOrder: ["table", "response"],
      defaultPlugin: "table",
    },
  });

  // Only http(s) IRIs stay links: any other anchor YASR draws (a javascript: or urn: IRI) becomes text.
  function unlink(root) {
    for (const a of root.querySelectorAll("a[href], a:not([href]).iri")) {
      if (!a.closest(".yasr_results")) continue;
      const href = a.getAttribute("href") || "";
      if (/^https?:\/\//i.test(href)) continue;
      const span = document.createElement("span");
      span.className = "iri-text";
      span.textContent = a.textContent;
      a.replaceWith(span);
    }
  }
  new MutationObserver(() => unlink(document.getElementById("yasgui")))
    .observe(document.getElementById("yasgui"), {childList: true, subtree: true});

  // "Draw": the entity IRIs of the shown result as a network diagram (/draw).
  const draw = document.getElementById("draw"), drawNote = document.getElementById("draw-note");
  function updateDraw(tab) {
    const yasr = tab && tab.getYasr();
    const bindings = (yasr && yasr.results && yasr.results.getBindings && yasr.results.getBindings()) || [];
    const iris = [];
    for (const row of bindings) {
      for (const term of Object.values(row)) {
        if (term && term.type === "uri" && term.value.startsWith(ID) && !iris.includes(term.value)) iris.push(term.value);
      }
    }
    // only entities are drawn (not figures, documents, statements): they go first, to fill the MAX_DRAW places
    const drawn = (iri) => /^(agency|body|law|measure|program)\//.test(iri.slice(ID.length));
    iris.sort((a, b) => drawn(b) - drawn(a));
    if (!iris.length) {
      draw.removeAttribute("href");
      draw.setAttribute("aria-disabled", "true");
      drawNote.textContent = "no IRIs under " + ID + " in this result";
      return;
    }
    const params = new URLSearchParams();
    for (const iri of iris.slice(0, MAX_DRAW)) params.append("iri", iri);
    draw.href = "draw?" + params.toString();
    draw.removeAttribute("aria-disabled");
    const n = iris.length > MAX_DRAW ? "the first " + MAX_DRAW + " of " + iris.length : String(iris.length);
    drawNote.textContent = n + " IRI" + (iris.length > 1 ? "s" : "") + " under id: (the entities among them are drawn)";
  }
  const hooked = new WeakSet();
  function hook(tab) {
    const yasr = tab && tab.getYasr();
    if (yasr && !hooked.has(yasr)) {
      hooked.add(yasr);
      yasr.on("drawn", () => updateDraw(tab));
    }
    updateDraw(tab);
  }
  yasgui.on("tabChange", (_, tab) => hook(tab));
  yasgui.on("tabSelect", (_, id) => setTimeout(() => hook(yasgui.getTab(id)), 0));
  yasgui.on("queryResponse", (_, tab) => hook(tab));
  hook(yasgui.getTab());

  // The gallery: "Open" puts a named query's text in a new tab; "Run" runs it through
  // /queries/<name> with the example's parameters and shows the rows in that tab.
  function openTab(q) {
    const tab = yasgui.addTab(true, {name: q.name, yasqe: {value: q.text}});
    const shown = tab && tab.getYasqe ? tab : yasgui.getTab();
    hook(shown);
    return shown;
  }
  async function runNamed(q, href) {
    const tab = openTab(q);
    const t0 = performance.now();
    const r = await fetch(new URL(href, document.baseURI), {headers: {Accept: "application/sparql-results+json"}});
    const text = await r.text();
    const ms = Math.round(performance.now() - t0);
    const yasr = tab.getYasr();
    if (r.ok) {
      yasr.setResponse({ok: true, status: r.status, statusText: r.statusText, headers: r.headers, type: r.type,
                        content: text}, ms);
    } else {
      yasr.setResponse({ok: false, status: r.status, statusText: r.status + " " + text.trim(), headers: r.headers,
                        type: r.type, content: text}, ms);
    }
  }
  const byName = new Map(data.queries.map((q) => [q.name, q]));
  for (const item of document.querySelectorAll("#gallery [data-query]")) {
    const q = byName.get(item.dataset.query);
    item.querySelector(".open").addEventListener("click", () => openTab(q));
    const run = item.querySelector(".run");
    run.addEventListener("click", (ev) => {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;  // a new window: the raw result
      ev.preventDefault();
      runNamed(q, run.getAttribute("href"));
    });
  }

  // A shared link /?query=… fills the editor and runs the query.
  const linked = new URLSearchParams(location.search).get("query");
  if (linked) {
    const tab = yasgui.getTab();
    tab.getYasqe().setValue(linked);
    hook(tab);
    tab.getYasqe().query();
  }
  window.policykgEditor = {yasgui: yasgui, ready: true};
})();
