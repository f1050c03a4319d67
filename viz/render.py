"""A projection as a self-contained interactive HTML page (pyvis / vis-network, no network).

The pyvis ``Network`` node and edge lists are filled directly (``from_nx`` is far
too slow for large graphs) with ``cdn_resources="in_line"``; the page is our own
Jinja template (pyvis's loads Bootstrap from a CDN) that inlines pyvis's bundled
vis-network 9.1.2. Every text from the documents reaches the page as JSON data
(``tojson`` escapes ``<``, ``>``, ``&``, ``'``) and is put into the DOM with
``textContent`` only; vis-network draws labels on a canvas. Tooltips are our own
element (vis-network's ``title`` is not used).

Large graphs stay usable by design: positions are precomputed (physics off),
edges are straight and hidden while dragging or zooming, and above
``max_drawn`` nodes the non-hub nodes are aggregated into one node per
(class, agency) group — a click on a group expands it; the page says what was
aggregated.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx
import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from policykg.money import oku_display as oku
from policykg.money import yen_en

from .layers import LABEL_WIDTH, group_label, layered_layout, wrap

log = logging.getLogger(__name__)

#: class → (colour, vis shape, Japanese name, English name)
CLASSES: dict[str, tuple[str, str, str, str]] = {
    "Agency": ("#d62728", "box", "府省庁", "Agency"),
    "Measure": ("#1f77b4", "dot", "施策", "Measure"),
    "ImplementingBody": ("#2ca02c", "diamond", "事業主体", "Implementing body"),
    "Program": ("#ff7f0e", "triangle", "プログラム", "Programme"),
    "Law": ("#9467bd", "square", "法令", "Law"),
    "Article": ("#c5b0d5", "square", "条項", "Article"),
    "Organization": ("#7f7f7f", "dot", "組織", "Organisation"),
}
#: compare view: change → (colour, Japanese, English)
CHANGES = {"new": ("#2ca02c", "記載開始", "newly listed"), "grown": ("#1f77b4", "増額", "grown"),
           "shrunk": ("#ff7f0e", "減額", "shrunk"), "ended": ("#d62728", "終了（計画年度）", "ended (plan period)"),
           "not-listed": ("#7f7f7f", "記載なし（主な施策例にない）", "not listed"),
           "same": ("#bcbd22", "同額", "unchanged")}
EDGE_KINDS = {"agency": ("所管", "responsible"), "implementedBy": ("事業主体", "implemented by"),
              "program": ("プログラム", "programme"), "operatedBy": ("運営", "operated by"),
              "legalBasis": ("根拠", "legal basis"), "article": ("条項", "article"),
              "funds": ("予算", "budget"), "funding": ("資金", "funds")}
KIND_NAMES = {"initial": ("当初", "initial"), "supplementary": ("補正", "supplementary")}
#: a funding edge whose flows print no amount of their own: drawn dashed with this label
NOT_STATED = {"ja": "金額の記載なし", "en": "amount not stated"}
PHYSICS_MAX = 300  # up to this many nodes vis-network's physics settles the layout, then stops
#: above this many nodes the overview opens grouped: measures and programmes per agency, a click opens a group
OVERVIEW_MAX_DRAWN = 40


def layout(g: nx.DiGraph, groups: dict[str, int] | None = None) -> dict[str, tuple[float, float]]:
    """Positions in page pixels: spring layout when small; else groups laid out by spring
    and their members on a sunflower disc around the group (linear time)."""
    if not groups:
        return _packed_components(g)
    members: dict[int, list[str]] = defaultdict(list)
    for n, gi in groups.items():
        members[gi].append(n)
    quotient = nx.Graph()
    quotient.add_nodes_from(f"g{gi}" for gi in members)
    quotient.add_nodes_from(n for n in g if groups.get(n, -1) < 0)
    for u, v in g.edges():
        a = f"g{groups[u]}" if groups.get(u, -1) >= 0 else u
        b = f"g{groups[v]}" if groups.get(v, -1) >= 0 else v
        if a != b:
            quotient.add_edge(a, b)
    qpos = nx.spring_layout(quotient, seed=7, iterations=60)
    radius = {gi: 12 * math.sqrt(len(ms)) for gi, ms in members.items()}
    scale = 2.2 * max(radius.values(), default=50) * math.sqrt(len(quotient))
    pos: dict[str, tuple[float, float]] = {}
    golden = math.pi * (3 - math.sqrt(5))
    for key, (x, y) in qpos.items():
        cx, cy = float(x) * scale, float(y) * scale
        if key in g and groups.get(key, -1) < 0:
            pos[key] = (cx, cy)
            continue
        ms = members[int(key[1:])]
        for i, n in enumerate(ms):
            r = radius[int(key[1:])] * math.sqrt((i + 0.5) / len(ms))
            pos[n] = (cx + r * math.cos(i * golden), cy + r * math.sin(i * golden))
    return pos


def _packed_components(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Spring layout per connected component, components packed left to right in rows."""
    comps = sorted(nx.weakly_connected_components(g), key=lambda c: (-len(c), min(c)))
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_h = 0.0
    width = 260 * math.sqrt(max(len(g), 1)) + 400
    for comp in comps:
        sub = g.subgraph(comp)
        r = 110 * math.sqrt(len(comp))
        local = nx.spring_layout(sub, seed=7, iterations=120) if len(comp) > 1 else {next(iter(comp)): (0.0, 0.0)}
        if x > 0 and x + 2 * r > width:
            x, y, row_h = 0.0, y + row_h + 120, 0.0
        for n, (px, py) in local.items():
            pos[n] = (x + r + float(px) * r, y + r + float(py) * r)
        x += 2 * r + 220
        row_h = max(row_h, 2 * r)
    return pos


def _groups(g: nx.DiGraph, max_drawn: int) -> tuple[dict[str, int], list[dict]]:
    """Non-hub nodes grouped by (class, agency or first agency neighbour) when the graph is big."""
    if len(g) <= max_drawn:
        return {}, []
    keys: dict[str, tuple[str, str]] = {}
    for n, d in g.nodes(data=True):
        if d.get("cls") == "Agency":
            continue
        # a node's agency, else an agency next to it, else the agency of a neighbouring measure
        ag = d.get("group") or d.get("agency") or next(
            (m for m in nx.all_neighbors(g, n) if g.nodes[m].get("cls") == "Agency"), "") or next(
            (g.nodes[m]["agency"] for m in nx.all_neighbors(g, n) if g.nodes[m].get("agency")), "")
        keys[n] = (d.get("cls", ""), ag)
    counts = Counter(keys.values())
    index: dict[tuple[str, str], int] = {}
    groups: dict[str, int] = {}
    for n, key in keys.items():
        if counts[key] > 1:
            groups[n] = index.setdefault(key, len(index))
    info = [{"cls": cls, "agency": ag, "n": counts[(cls, ag)]} for (cls, ag) in index]
    return groups, info


def _label(d: dict, lang: str) -> str:
    return (d.get("label_en") or d.get("label_ja", "")) if lang == "en" else (d.get("label_ja") or d.get("label_en", ""))


def _node_tip(d: dict, lang: str) -> list[str]:
    en = lang == "en"
    cls = CLASSES.get(d.get("cls", ""), CLASSES["Organization"])
    lines = [f"{cls[3] if en else cls[2]}: {_label(d, lang)}"]
    other = d.get("label_ja") if en else d.get("label_en")
    if other and other != lines[0]:
        lines.append(other)
    if d.get("change"):
        c = CHANGES[d["change"]]
        money = yen_en if en else oku
        lines.append(f"{c[2] if en else c[1]}: {money(d.get('amount_a'))} ({d.get('figure_a') or '—'}) → "
                     f"{money(d.get('amount_b'))} ({d.get('figure_b') or '—'})")
    if d.get("budget"):
        lines.append("budget series:" if en else "予算額の推移:")
        for f in sorted(d["budget"], key=lambda f: (f["fy"], f["kind"], f["source"], f["line"])):
            kind = KIND_NAMES.get(f["kind"], (f["kind"], f["kind"]))[1 if en else 0]
            amount = yen_en(f["amount_jpy"]) if en else f["printed"] or oku(f["amount_jpy"])
            note = (" (part of a larger sum)" if en else "（内数）") if f["inclusive"] else ""
            lines.append(f"  FY{f['fy']} {kind} {f['status']}: {amount}{note} — {f['where']}")
    return lines


def _edge_tip(d: dict, lang: str, u: str, v: str, g: nx.DiGraph) -> list[str]:
    en = lang == "en"
    kind = EDGE_KINDS.get(d["kind"], (d["kind"], d["kind"]))[1 if en else 0]
    head = [kind]
    if d.get("instrument"):
        head[0] = d.get("instrument_en", d["instrument"]) if en else d["instrument"]
    if d.get("fy"):
        head.append(f"FY{d['fy']}")
    if d.get("amount_jpy") is not None:
        head.append(_amount_text(d["amount_jpy"], d.get("printed", ""), d.get("upper_bound", False), en))
    elif d.get("amount_stated") is False:
        head.append(NOT_STATED["en" if en else "ja"])
    lines = [", ".join(head), f"{_label(g.nodes[u], lang)} → {_label(g.nodes[v], lang)}"]
    if d.get("figure"):
        lines.append(("the measure's budget: " if en else "施策の予算額: ") + d["figure"])
    for f in d.get("flows", []) if len(d.get("flows", [])) > 1 else []:
        amount = (_amount_text(f["amount_jpy"], f["printed"], f["upper_bound"], en) if f["amount_jpy"] is not None
                  else NOT_STATED["en" if en else "ja"])
        lines.append(f"  {f['instrument_en'] if en else f['instrument']}: {amount} — {f['where']}")
    if d.get("sources"):
        lines.append(("source: " if en else "出典: ") + ", ".join(d["sources"]))
    return lines


def _amount_text(yen: int, printed: str, upper_bound: bool, en: bool) -> str:
    """A flow's amount for a label: as printed where there is one (in English: ¥… bn or mn, from the
    yen); 「…の内数」 as an upper bound."""
    text = yen_en(yen) if en else printed or oku(yen)
    if upper_bound:
        return f"at most {text} (part of it)" if en else f"{text}の内数"
    return text


def to_network(g: nx.DiGraph, *, lang: str = "ja", max_drawn: int | None = None,
               pos: dict[str, tuple[float, float]] | None = None) -> tuple[Network, list[dict]]:
    """A pyvis Network whose node/edge lists are filled directly, plus the group list."""
    if max_drawn is None:
        max_drawn = OVERVIEW_MAX_DRAWN if g.graph.get("view") == "overview" else 1500
    groups, info = _groups(g, max_drawn)
    for item in info:
        cls = CLASSES.get(item["cls"], CLASSES["Organization"])
        agency = g.nodes[item["agency"]] if item["agency"] in g else {"label_ja": item["agency"]}
        item.update(label=group_label(_label(agency, lang), cls[3] if lang == "en" else cls[2], item["n"]),
                    k=item["cls"])
    # The overview is laid out in columns with wrapped labels (viz/layers.py); other views by physics
    # when small, else by the grouped spring layout.
    layered = pos is None and g.graph.get("view") == "overview"
    # English names are about twice as long in characters as Japanese ones, and half as wide each:
    # wrapped wider, so they take as many lines
    width = LABEL_WIDTH * (1.6 if lang == "en" else 1)
    wrapped = {n: wrap(_label(d, lang), width) for n, d in g.nodes(data=True)} if layered else {}
    group_pos: dict[int, tuple[float, float]] = {}
    physics = pos is None and not groups and len(g) <= PHYSICS_MAX and not layered
    if layered:
        shapes = {n: CLASSES.get(d.get("cls", ""), CLASSES["Organization"])[1] for n, d in g.nodes(data=True)}
        for item in info:
            if wrap(item["label"], width) != item["label"]:
                item["wl"] = wrap(item["label"], width)
        pos, group_pos = layered_layout(g, groups, info, wrapped, [i.get("wl", i["label"]) for i in info], shapes)
    elif not physics:
        pos = pos or layout(g, groups)
    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    ids = {n: i for i, n in enumerate(g)}
    amounts = [d["amount_jpy"] for _, _, d in g.edges(data=True) if d.get("amount_jpy")]
    top = max(amounts, default=1)
    sizes = [d.get("amount_b") or d.get("amount_a") or 0 for _, d in g.nodes(data=True)]
    top_size = max(sizes, default=0) or 1
    for n, d in g.nodes(data=True):
        node = {"id": ids[n], "key": n, "label": _label(d, lang), "k": d.get("cls", "Organization")}
        if wrapped.get(n, node["label"]) != node["label"]:
            node["wl"] = wrapped[n]  # the label as drawn, in lines
        if not physics:
            node["x"], node["y"] = round(pos[n][0], 1), round(pos[n][1], 1)
        if groups.get(n, -1) >= 0:
            node["g"] = groups[n]
        if d.get("agency"):
            node["ag"] = ids.get(d["agency"], d["agency"])
        fyk = sorted({f"{f['fy']}:{f['kind']}" for f in d.get("budget", [])})
        if fyk:
            node["fyk"] = fyk
        # Lean data: other labels and the tooltip only where they say more than the label does
        # (the page makes "class: label" itself).
        if [x for x in d.get("labels", []) if x != node["label"]]:
            node["labels"] = d["labels"]
        tip = _node_tip(d, lang)
        if len(tip) > 1:
            node["tip"] = tip
        if d.get("change"):
            node["c"] = CHANGES[d["change"]][0]
            amount = d.get("amount_b") or d.get("amount_a") or 0
            node["s"] = round(8 + 30 * math.sqrt(amount / top_size), 1)
        if d.get("centre"):
            node["s"] = 30
        net.nodes.append(node)
        net.node_ids.append(ids[n])
    for u, v, d in g.edges(data=True):
        edge = {"from": ids[u], "to": ids[v], "k": d.get("kind", "")}
        if d.get("instrument"):
            edge["label"] = d.get("instrument_en", d["instrument"]) if lang == "en" else d["instrument"]
        if d.get("amount_jpy"):
            edge["width"] = round(1 + 11 * math.sqrt(d["amount_jpy"] / top), 2)
        if d.get("kind") == "funding" and d.get("amount_stated") is not None:  # the flows' own amount, or
            amount = (_amount_text(d["amount_jpy"], d.get("printed", ""), d.get("upper_bound", False), lang == "en")
                      if d["amount_stated"] else NOT_STATED["en" if lang == "en" else "ja"])  # none: dashed
            edge["label"] = " · ".join(x for x in (edge.get("label"), amount) if x)
            if not d["amount_stated"]:
                edge["dashes"] = True
        if d.get("sources") or d.get("amount_jpy") is not None or d.get("instrument") or d.get("figure"):
            edge["tip"] = _edge_tip(d, lang, u, v, g)
        net.edges.append(edge)
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for n, gi in groups.items():
        sums[gi][0] += pos[n][0]
        sums[gi][1] += pos[n][1]
    for gi, item in enumerate(info):
        x, y = group_pos.get(gi) or (sums[gi][0] / item["n"], sums[gi][1] / item["n"])
        item["x"], item["y"] = round(x, 1), round(y, 1)
    net.set_options(json.dumps(_options(physics)))
    return net, info


def _options(physics: bool) -> dict:
    """vis-network options: physics (seeded, stopped once stable) only for small graphs."""
    return {
        "physics": {"enabled": True, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90},
                    "stabilization": {"enabled": True, "iterations": 400, "fit": True}}
        if physics else {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {"hover": True, "hideEdgesOnDrag": True, "hideEdgesOnZoom": True,
                        "tooltipDelay": 100, "navigationButtons": False},
        "nodes": {"size": 13, "font": {"size": 14, "face": "Noto Sans CJK JP, Noto Sans JP, sans-serif"},
                  "scaling": {"label": {"drawThreshold": 4 if physics else 7}}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "color": {"color": "#9aa7b4", "highlight": "#333333", "hover": "#333333"},
                  "font": {"size": 11, "align": "middle"}},
    }


def _caption(g: nx.DiGraph, info: list[dict], lang: str) -> tuple[str, str]:
    counts = Counter(d.get("cls", "Organization") for _, d in g.nodes(data=True))
    idx = 3 if lang == "en" else 2
    parts = ", ".join(f"{CLASSES.get(c, CLASSES['Organization'])[idx]} {n:,}" for c, n in sorted(counts.items()))
    docs = ", ".join(g.graph.get("documents", [])) or ("no document-stated links" if lang == "en" else "文書記載のリンクなし")
    caption = (f"{g.number_of_nodes():,} nodes ({parts}), {g.number_of_edges():,} edges; sources: {docs}"
               if lang == "en" else
               f"ノード {g.number_of_nodes():,}（{parts}）、エッジ {g.number_of_edges():,}；出典: {docs}")
    note = ""
    if info:
        grouped = sum(i["n"] for i in info)
        note = (f"{grouped:,} of {len(g):,} nodes are aggregated into {len(info):,} groups by class and agency "
                f"(edges between groups are merged, width = number of links, only the heaviest merged links are drawn); "
                f"click a group to expand it."
                if lang == "en" else
                f"{len(g):,} ノードのうち {grouped:,} を府省庁・種類ごとの {len(info):,} グループに集約"
                f"（グループ間のエッジは本数で太さを表示し、本数の多いものだけを描画）。グループをクリックすると展開します。")
    return caption, note


def render_html(g: nx.DiGraph, *, lang: str = "ja", max_drawn: int | None = None, edge_budget: int = 1000,
                pos: dict[str, tuple[float, float]] | None = None, title: str | None = None) -> str:
    """The page for projection ``g`` (the HTML text; nothing is written)."""
    net, info = to_network(g, lang=lang, max_drawn=max_drawn, pos=pos)
    caption, note = _caption(g, info, lang)
    here = Path(__file__).parent
    env = Environment(loader=FileSystemLoader([str(here), str(Path(pyvis.__file__).parent / "templates")]),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    agencies = sorted(((n["id"], n["label"]) for n in net.nodes if n["k"] == "Agency"), key=lambda a: a[1])
    years = sorted({f.split(":")[0] for n in net.nodes for f in n.get("fyk", [])})
    data = {"nodes": net.nodes, "edges": net.edges, "groups": info, "lang": lang, "view": g.graph.get("view", ""),
            "edge_budget": edge_budget, "edge_kinds": EDGE_KINDS,
            "classes": {k: list(v) for k, v in CLASSES.items()},
            "changes": {k: list(v) for k, v in CHANGES.items()} if g.graph.get("view") == "compare" else {},
            "options": net.options}
    return env.get_template("template.html").render(
        title=title or g.graph.get("title", "policykg"), caption=caption, note=note, data=data, lang=lang,
        agencies=agencies, years=years, classes=sorted({n["k"] for n in net.nodes}), class_names=CLASSES)
