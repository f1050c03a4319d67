// policykg viz page: level of detail, search, filters, tooltips. Text goes into the DOM
// by textContent only; vis-network draws labels on its canvas.
(function () {
  "use strict";
  var D = PK_DATA, en = D.lang === "en";
  var CLS = D.classes, N = D.nodes, E = D.edges, G = D.groups;
  var byId = new Map();
  N.forEach(function (n) { byId.set(n.id, n); });
  var expanded = new Set();
  var filters = { agency: "", cls: "", fy: "", kind: "" };
  var PKV = window.PKV = { firstDraw: null, draws: 0, lastDraw: null, network: null };

  // A group is drawn as one node until opened; filtering by agency shows that agency's nodes one by one.
  function rep(n) { return (n.g === undefined || expanded.has(n.g) || filters.agency) ? n.id : "g" + n.g; }
  function style(k) { return CLS[k] || CLS.Organization; }
  function visNode(n) {
    var s = style(n.k);
    var o = { id: n.id, label: n.wl || n.label, shape: s[1], color: n.c || s[0] };
    if (n.x !== undefined) { o.x = n.x; o.y = n.y; }
    if (n.s) { o.size = n.s; }
    if (n.k === "Agency") { o.font = { color: "#ffffff" }; }
    return o;
  }
  function visGroup(i) {
    var gr = G[i], s = style(gr.k);
    return { id: "g" + i, label: gr.wl || gr.label, x: gr.x, y: gr.y, shape: "dot", color: s[0],
             size: Math.min(60, 10 + 4 * Math.sqrt(gr.n)), borderWidth: 3 };
  }

  // Which member nodes pass the filters (measures by agency/FY/kind; others by adjacency).
  function passing() {
    var measureFilter = filters.agency || filters.fy || filters.kind;
    var pass = new Uint8Array(N.length);
    N.forEach(function (n, i) {
      if (!measureFilter || n.k !== "Measure") { pass[i] = 1; return; }
      var ok = !filters.agency || String(n.ag) === filters.agency;
      if (ok && (filters.fy || filters.kind)) {
        ok = (n.fyk || []).some(function (f) {
          var p = f.split(":");
          return (!filters.fy || p[0] === filters.fy) && (!filters.kind || p[1] === filters.kind);
        });
      }
      pass[i] = ok ? 1 : 0;
    });
    if (measureFilter) {
      var near = new Uint8Array(N.length);
      E.forEach(function (e) {
        var a = byId.get(e.from), b = byId.get(e.to);
        if (a.k === "Measure" && pass[a.id] && b.k !== "Measure") { near[b.id] = 1; }
        if (b.k === "Measure" && pass[b.id] && a.k !== "Measure") { near[a.id] = 1; }
      });
      N.forEach(function (n, i) { if (n.k !== "Measure") { pass[i] = near[i]; } });
    }
    if (filters.cls) { N.forEach(function (n, i) { if (n.k !== filters.cls) { pass[i] = 0; } }); }
    return pass;
  }

  function desired() {
    var pass = passing(), nodes = new Map(), edges = new Map(), merged = new Map();
    N.forEach(function (n, i) {
      if (!pass[i]) { return; }
      var r = rep(n);
      if (!nodes.has(r)) { nodes.set(r, typeof r === "string" ? visGroup(n.g) : visNode(n)); }
    });
    E.forEach(function (e, i) {
      if (!pass[e.from] || !pass[e.to]) { return; }
      var a = rep(byId.get(e.from)), b = rep(byId.get(e.to));
      if (a === b) { return; }
      if (typeof a === "number" && typeof b === "number") {
        var o = { id: "e" + i, from: a, to: b, ei: i };
        if (e.label) { o.label = e.label; }
        if (e.width) { o.width = e.width; }
        if (e.dashes) { o.dashes = true; }
        edges.set(o.id, o);
        return;
      }
      // A node's links into a group are always drawn; links between two groups are budgeted.
      var key = "a" + a + ">" + b, into = typeof a === "number" || typeof b === "number";
      var pool = into ? edges : merged, agg = pool.get(key);
      if (agg) { agg.n += 1; agg.width = Math.min(12, 1 + Math.log2(agg.n)); }
      else { pool.set(key, { id: key, from: a, to: b, n: 1, width: 1, arrows: { to: { enabled: false } },
                             color: { color: "#c3ccd5", opacity: 0.7 } }); }
    });
    // Merged links between two groups: only the heaviest D.edge_budget are drawn (said on the page).
    var ranked = Array.from(merged.values()).sort(function (x, y) { return y.n - x.n || (x.id < y.id ? -1 : 1); });
    ranked.slice(0, D.edge_budget).forEach(function (e) { edges.set(e.id, e); });
    PKV.hiddenLinks = Math.max(0, ranked.length - D.edge_budget);
    PKV.hiddenLinkEdges = ranked.slice(D.edge_budget).reduce(function (t, e) { return t + e.n; }, 0);
    return { nodes: nodes, edges: edges };
  }

  var nodes = new vis.DataSet(), edges = new vis.DataSet();
  function drop(set, want) {
    var ids = set.getIds().filter(function (id) { return !want.has(id); });
    if (ids.length) { set.remove(ids); }
  }
  function add(set, want) {
    var items = [];
    want.forEach(function (v, id) { if (!set.get(id)) { items.push(v); } });
    if (items.length) { set.add(items); }
  }
  function refresh() {
    var t0 = performance.now(), w = desired(), t1 = performance.now();
    drop(edges, w.edges); // unwanted edges go first, so none points at a node being removed
    drop(nodes, w.nodes);
    add(nodes, w.nodes);
    add(edges, w.edges);
    PKV.timing = { desired_ms: t1 - t0, datasets_ms: performance.now() - t1 };
    count();
  }
  function count() {
    var text = (en ? "drawn: " : "表示: ") + nodes.length + (en ? " nodes, " : " ノード、") + edges.length +
      (en ? " edges" : " エッジ");
    if (PKV.hiddenLinks) {
      text += en ? "; " + PKV.hiddenLinks + " lighter group links (" + PKV.hiddenLinkEdges + " edges) not drawn"
                 : "；軽いグループ間リンク " + PKV.hiddenLinks + " 本（エッジ " + PKV.hiddenLinkEdges + "）は非表示";
    }
    document.getElementById("pk-count").textContent = text;
  }
  var first = desired();
  nodes.add(Array.from(first.nodes.values()));
  edges.add(Array.from(first.edges.values()));

  var container = document.getElementById("mynetwork");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, D.options);
  PKV.network = network; PKV.nodes = nodes; PKV.edges = edges;
  // Small graphs: physics settles the layout once, then stops (nodes stay where they are).
  PKV.ready = !(D.options.physics && D.options.physics.enabled);
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: { enabled: false } });
    network.fit({ animation: false });
    PKV.ready = true;
  });
  network.on("afterDrawing", function () {
    var t = performance.now();
    if (PKV.firstDraw === null) { PKV.firstDraw = t; }
    PKV.draws += 1; PKV.lastDraw = t;
  });
  count();

  // Tooltip: lines of text, each set with textContent (never parsed as HTML).
  var tip = document.getElementById("pk-tip");
  function showTip(lines, x, y) {
    tip.replaceChildren();
    lines.forEach(function (line) { var div = document.createElement("div"); div.textContent = line; tip.appendChild(div); });
    tip.style.left = Math.min(x + 14, window.innerWidth - 530) + "px";
    tip.style.top = (y + 14) + "px";
    tip.style.display = "block";
  }
  function nodeLines(id) {
    if (typeof id === "string") {
      var gr = G[Number(id.slice(1))];
      return [gr.label, en ? "aggregated group: click to expand" : "集約グループ: クリックで展開"];
    }
    var n = byId.get(id), s = style(n.k);
    return n.tip || [(en ? s[3] : s[2]) + ": " + n.label];
  }
  function edgeLines(id) {
    var e = edges.get(id);
    if (!e) { return []; }
    if (e.ei !== undefined) {
      var src = E[e.ei], kind = D.edge_kinds[src.k] || [src.k, src.k];
      return src.tip || [kind[en ? 1 : 0], byId.get(src.from).label + " → " + byId.get(src.to).label];
    }
    return [(en ? "merged links: " : "集約されたリンク: ") + e.n];
  }
  function at(p) { var r = container.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }
  network.on("hoverNode", function (p) { var xy = at(p.pointer.DOM); showTip(nodeLines(p.node), xy[0], xy[1]); });
  network.on("hoverEdge", function (p) { var xy = at(p.pointer.DOM); showTip(edgeLines(p.edge), xy[0], xy[1]); });
  network.on("blurNode", function () { tip.style.display = "none"; });
  network.on("blurEdge", function () { tip.style.display = "none"; });
  network.on("dragStart", function () { tip.style.display = "none"; });
  container.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  network.on("click", function (p) {
    if (p.nodes.length) {
      var id = p.nodes[0];
      if (typeof id === "string") { expand(Number(id.slice(1))); return; }
      var xy = at(p.pointer.DOM); showTip(nodeLines(id), xy[0], xy[1]);
    } else if (p.edges.length) {
      var xy2 = at(p.pointer.DOM); showTip(edgeLines(p.edges[0]), xy2[0], xy2[1]);
    } else { tip.style.display = "none"; }
  });
  function expand(gi) { if (!expanded.has(gi)) { expanded.add(gi); refresh(); } }
  PKV.expand = expand;

  // Search by any label (NFKC, case-insensitive); expands a group holding the match.
  var matches = [], cursor = 0, lastQuery = null;
  function norm(s) { return String(s).normalize("NFKC").toLowerCase().replace(/\s+/g, ""); }
  function search() {
    var q = norm(document.getElementById("pk-search").value), found = document.getElementById("pk-found");
    if (!q) { found.textContent = ""; return; }
    if (q !== lastQuery) {
      // Exact label first, then labels starting with the text, then any label containing it.
      var rank = function (n) {
        var labels = (n.labels || [n.label]).map(norm);
        if (labels.indexOf(q) >= 0) { return 0; }
        return labels.some(function (l) { return l.indexOf(q) === 0; }) ? 1 : 2;
      };
      matches = N.filter(function (n) {
        return (n.labels || [n.label]).some(function (l) { return norm(l).indexOf(q) >= 0; });
      })
        .map(function (n) { return [rank(n), n]; })
        .sort(function (a, b) { return a[0] - b[0] || a[1].id - b[1].id; })
        .map(function (p) { return p[1]; });
      cursor = 0; lastQuery = q;
    } else { cursor = (cursor + 1) % Math.max(matches.length, 1); }
    if (!matches.length) { found.textContent = en ? "not found" : "見つかりません"; return; }
    var n = matches[cursor];
    if (n.g !== undefined) { expand(n.g); }
    if (!nodes.get(n.id)) { filters = { agency: "", cls: "", fy: "", kind: "" }; resetSelects(); refresh(); }
    network.selectNodes([n.id]);
    network.focus(n.id, { scale: 1.2, animation: false });
    found.textContent = (cursor + 1) + "/" + matches.length + ": " + n.label;
    PKV.selected = n.id;
  }
  document.getElementById("pk-go").addEventListener("click", search);
  document.getElementById("pk-search").addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(); } });

  // Filters.
  var selects = { agency: "pk-agency", cls: "pk-class", fy: "pk-fy", kind: "pk-kind" };
  function resetSelects() { Object.keys(selects).forEach(function (k) { document.getElementById(selects[k]).value = ""; }); }
  Object.keys(selects).forEach(function (k) {
    document.getElementById(selects[k]).addEventListener("change", function (ev) { filters[k] = ev.target.value; refresh(); });
  });
  document.getElementById("pk-reset").addEventListener("click", function () {
    filters = { agency: "", cls: "", fy: "", kind: "" }; resetSelects(); expanded.clear(); refresh(); network.fit();
  });

  // Legend: classes drawn, and the compare colours.
  var legend = document.getElementById("pk-legend");
  function swatch(color, text) {
    var item = document.createElement("span"), sw = document.createElement("span");
    sw.className = "sw"; sw.style.background = color; item.appendChild(sw);
    item.appendChild(document.createTextNode(text)); legend.appendChild(item);
  }
  var present = new Set(N.map(function (n) { return n.k; }));
  Object.keys(CLS).forEach(function (k) {
    if (present.has(k) && !(D.view === "compare" && k === "Measure")) {
      swatch(CLS[k][0], (en ? CLS[k][3] : CLS[k][2]) + " (" + CLS[k][1] + ")");
    }
  });
  Object.keys(D.changes).forEach(function (k) {
    var c = D.changes[k]; swatch(c[0], (en ? "measure: " + c[2] : "施策: " + c[1]));
  });
  if (D.view === "compare") { swatch("#ffffff", en ? "size: amount in the later year" : "大きさ: 後年度の予算額"); }
  if (D.view === "funding") {
    swatch("#9aa7b4", en ? "edge width: funder → measure, the measure's budget; measure → recipient, the amount printed for that flow"
                         : "線の太さ: 府省庁→施策は施策の予算額、施策→受け手はその資金の流れに記載の金額");
    swatch("#ffffff", en ? "dashed: amount not stated (not the measure's budget)" : "破線: 金額の記載なし（施策の予算額ではない）");
  }
})();
