"""Scale benchmark of the diagram page: a synthetic 20,000-node / ~80,000-edge projection.

Shape of the policy graph, made directly as a networkx graph (seeded): agencies,
measures (each with its agency), implementing bodies and programmes linked to
measures with a skewed popularity (a few hubs such as NICT/IPA), programmes
operated by bodies, laws citing measures. The page is built with the same
renderer as ``policykg viz`` and opened in headless Debian Chromium (software
rendering). Measured:

* build: projection → HTML text (seconds), and the page size;
* first draw: navigation start → vis-network's first ``afterDrawing`` (ms);
* redraw: ``network.moveTo`` (pan, zoom; no animation) → the next ``afterDrawing``
  (ms, median and 90th percentile of N), in the initial level-of-detail view and
  after expanding the largest group;
* baseline: the same graph with aggregation switched off (every node and edge
  drawn; precomputed positions, physics off), for comparison.

Writes benchmarks/viz-results.json and benchmarks/viz-results.md.

    python benchmarks/viz_scale.py [--nodes 20000] [--edges 80000] [--redraws 30] [--no-baseline]
                                   [--screenshot docs/img/viz-scale-20k.png]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import networkx as nx

from policykg.viz.browser import PageLog, chromium, executable, open_page
from policykg.viz.render import render_html

HERE = Path(__file__).resolve().parent
TARGET_FIRST_MS, TARGET_REDRAW_MS = 5000, 100


def synthetic(n_nodes: int = 20_000, n_edges: int = 80_000, seed: int = 7) -> nx.DiGraph:
    """A projection-shaped graph: 0.2% agencies, 60% measures, 25% bodies, 12.5% programmes, rest laws."""
    rnd = random.Random(seed)
    n_ag = max(2, n_nodes // 500)
    n_m, n_b, n_p = int(n_nodes * 0.6), int(n_nodes * 0.25), int(n_nodes * 0.125)
    n_l = n_nodes - n_ag - n_m - n_b - n_p
    g = nx.DiGraph(view="overview", title=f"合成グラフ / synthetic projection ({n_nodes:,} nodes)",
                   documents=["synthetic"])

    def add(prefix: str, cls: str, count: int) -> list[str]:
        ids = [f"{prefix}/{i}" for i in range(count)]
        for i, n in enumerate(ids):
            g.add_node(n, cls=cls, label_ja=f"{cls} {i} 合成", label_en="", labels=[f"{cls} {i} 合成"], budget=[])
        return ids

    agencies, measures = add("agency", "Agency", n_ag), add("measure", "Measure", n_m)
    bodies, programs, laws = add("body", "ImplementingBody", n_b), add("program", "Program", n_p), add("law", "Law", n_l)
    for m in measures:
        ag = rnd.choice(agencies)
        g.nodes[m]["agency"] = ag
        g.add_edge(ag, m, kind="agency")
    cum, total = [], 0.0
    for i in range(n_b):  # a few bodies are hubs
        total += 1 / (i + 1) ** 0.8
        cum.append(total)
    for p in programs:
        g.add_edge(p, rnd.choices(bodies, cum_weights=cum)[0], kind="operatedBy")
    edges = g.number_of_edges()  # counted here: DiGraph.number_of_edges() walks every node
    while edges < n_edges:
        m, r = rnd.choice(measures), rnd.random()
        before = len(g.adj[m]) + len(g.pred[m])
        if r < 0.55:
            g.add_edge(m, rnd.choices(bodies, cum_weights=cum)[0], kind="implementedBy")
        elif r < 0.9:
            g.add_edge(m, rnd.choice(programs), kind="program")
        else:
            g.add_edge(rnd.choice(laws), m, kind="legalBasis")
        edges += len(g.adj[m]) + len(g.pred[m]) - before
    return g


REDRAW_JS = """async ([x, y, scale]) => {
  const net = PKV.network, before = PKV.draws, t0 = performance.now();
  net.moveTo({position: {x: x, y: y}, scale: scale, animation: false});
  await new Promise(resolve => { const f = () => PKV.draws > before ? resolve() : requestAnimationFrame(f); f(); });
  return PKV.lastDraw - t0;
}"""


def redraws(page, n: int, seed: int = 1) -> list[float]:
    rnd = random.Random(seed)
    view = page.evaluate("[PKV.network.getViewPosition(), PKV.network.getScale()]")
    (x0, y0), s0 = (view[0]["x"], view[0]["y"]), view[1]
    times = []
    for i in range(n):
        scale = s0 * (1.0 if i % 2 == 0 else rnd.choice([0.8, 1.25, 1.6]))  # pans and zooms alternate
        times.append(page.evaluate(REDRAW_JS, [x0 + rnd.uniform(-300, 300) / s0, y0 + rnd.uniform(-300, 300) / s0,
                                               scale]))
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p90_ms": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}


def measure_page(context, html: str, tmp: Path, name: str, n_redraws: int, expand: bool,
                 screenshot: Path | None = None) -> dict:
    path = tmp / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    log = PageLog()
    page = open_page(context, path, log, timeout_ms=300_000)
    result = {"first_draw_ms": round(page.evaluate("PKV.firstDraw"), 1),
              "drawn": page.evaluate("[PKV.network.body.nodeIndices.length, PKV.network.body.edgeIndices.length]"),
              "redraw": summary(redraws(page, n_redraws))}
    if screenshot is not None:
        page.evaluate("PKV.network.fit({animation: false})")
        page.screenshot(path=str(screenshot))
    if expand:
        biggest = page.evaluate("PK_DATA.groups.reduce((b, g, i, a) => g.n > a[b].n ? i : b, 0)")
        t0 = time.perf_counter()
        page.evaluate("gi => PKV.expand(gi)", biggest)
        page.evaluate(REDRAW_JS, page.evaluate("[PKV.network.getViewPosition().x, PKV.network.getViewPosition().y,"
                                               " PKV.network.getScale()]"))
        result["expand_largest_group"] = {
            "group": page.evaluate("gi => PK_DATA.groups[gi].label", biggest),
            "expand_and_draw_ms": round((time.perf_counter() - t0) * 1000, 1),
            "drawn": page.evaluate("[PKV.network.body.nodeIndices.length, PKV.network.body.edgeIndices.length]"),
            "redraw": summary(redraws(page, n_redraws, seed=2))}
    result["console_errors"] = log.console_errors + log.page_errors
    result["external_requests"] = log.external_requests
    page.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=20_000)
    ap.add_argument("--edges", type=int, default=80_000)
    ap.add_argument("--redraws", type=int, default=30)
    ap.add_argument("--no-baseline", action="store_true", help="skip the all-nodes page")
    ap.add_argument("--out", type=Path, default=HERE / "viz-results")
    ap.add_argument("--screenshot", type=Path, default=None, help="save the level-of-detail page as PNG")
    args = ap.parse_args()

    t0 = time.perf_counter()
    g = synthetic(args.nodes, args.edges)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = render_html(g)
    t_build = time.perf_counter() - t0
    version = subprocess.run([executable(), "--version"], capture_output=True, text=True).stdout.strip()
    results = {"graph": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()},
               "generate_s": round(t_gen, 2), "build_page_s": round(t_build, 2),
               "page_bytes": len(html.encode()), "browser": version, "machine": platform.platform(),
               "targets": {"first_draw_ms": TARGET_FIRST_MS, "redraw_ms": TARGET_REDRAW_MS}}
    with tempfile.TemporaryDirectory() as tmp, chromium() as context:
        results["level_of_detail"] = measure_page(context, html, Path(tmp), "lod", args.redraws, expand=True,
                                                  screenshot=args.screenshot)
        if not args.no_baseline:
            t0 = time.perf_counter()
            flat = _flat_html(g)
            t_flat = time.perf_counter() - t0
            results["baseline_all_drawn"] = measure_page(context, flat, Path(tmp), "flat", max(5, args.redraws // 6),
                                                         expand=False)
            results["baseline_all_drawn"]["build_page_s"] = round(t_flat, 2)
    lod = results["level_of_detail"]
    results["met"] = {"first_draw": lod["first_draw_ms"] <= TARGET_FIRST_MS,
                      "redraw": lod["redraw"]["median_ms"] <= TARGET_REDRAW_MS,
                      "redraw_after_expand": lod["expand_largest_group"]["redraw"]["median_ms"] <= TARGET_REDRAW_MS}
    args.out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))


def _flat_html(g: nx.DiGraph) -> str:
    """Every node and edge drawn: the same layout as the level-of-detail page, no groups."""
    from policykg.viz.render import _groups, layout

    groups, _ = _groups(g, max_drawn=1500)
    return render_html(g, max_drawn=10**9, pos=layout(g, groups))


def markdown(r: dict) -> str:
    lod = r["level_of_detail"]
    ex = lod["expand_largest_group"]
    lines = [f"# Diagram page at scale ({r['graph']['nodes']:,} nodes, {r['graph']['edges']:,} edges)", "",
             f"Browser: {r['browser']} (headless, --disable-gpu); {r['machine']}.",
             f"Page build (projection → HTML): {r['build_page_s']} s, {r['page_bytes'] / 1e6:.1f} MB.", "",
             "| page | drawn nodes / edges | first draw | redraw median (p90) |", "|---|---|---|---|",
             f"| level of detail (groups) | {lod['drawn'][0]:,} / {lod['drawn'][1]:,} | {lod['first_draw_ms']:,.0f} ms |"
             f" {lod['redraw']['median_ms']} ms ({lod['redraw']['p90_ms']} ms) |",
             f"| … after expanding {ex['group']} ({ex['expand_and_draw_ms']:,.0f} ms) | {ex['drawn'][0]:,} / "
             f"{ex['drawn'][1]:,} | — | {ex['redraw']['median_ms']} ms ({ex['redraw']['p90_ms']} ms) |"]
    if "baseline_all_drawn" in r:
        b = r["baseline_all_drawn"]
        lines.append(f"| baseline: everything drawn | {b['drawn'][0]:,} / {b['drawn'][1]:,} | "
                     f"{b['first_draw_ms']:,.0f} ms | {b['redraw']['median_ms']} ms ({b['redraw']['p90_ms']} ms) |")
    met = r["met"]
    lines += ["", f"Targets: first draw ≤ {r['targets']['first_draw_ms']} ms — "
                  f"{'met' if met['first_draw'] else 'NOT met'}; redraw ≤ {r['targets']['redraw_ms']} ms — "
                  f"{'met' if met['redraw'] else 'NOT met'} (after expanding: "
                  f"{'met' if met['redraw_after_expand'] else 'NOT met'}).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
