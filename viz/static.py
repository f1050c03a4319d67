"""Static renderings of a projection for reports: SVG (no browser) and PNG (headless Chromium).

The SVG is written directly from the precomputed layout: circles, straight
edges, labels escaped by :mod:`xml.sax.saxutils`, a legend, the title and the
caption. Japanese text needs a CJK font where the SVG is viewed (the file names
Noto Sans CJK JP first). The PNG is a screenshot of the interactive page in
headless Debian Chromium, after the layout is drawn.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from .browser import PageLog, chromium, open_page
from .render import CHANGES, CLASSES, _caption, _groups, _label, layout, render_html

FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"


def render_svg(g: nx.DiGraph, *, lang: str = "ja", width: int = 1600, max_labels: int = 400) -> str:
    """An SVG drawing of ``g`` (labels of at most ``max_labels`` nodes, the largest first)."""
    groups, info = _groups(g, max_drawn=10**9)
    pos = layout(g, groups)
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    margin, top, label_room = 60, 110, 320
    s = (width - 2 * margin - label_room) / span
    height = int(top + margin + (max(ys) - min(ys)) * s + 60)

    def xy(n: str) -> tuple[float, float]:
        return margin + (pos[n][0] - min(xs)) * s, top + (pos[n][1] - min(ys)) * s

    caption, note = _caption(g, info, lang)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)}>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{margin}" y="34" font-size="22" font-weight="bold">{escape(g.graph.get("title", ""))}</text>',
           f'<text x="{margin}" y="58" font-size="13" fill="#444">{escape(caption)}</text>']
    lx = margin
    present = {d.get("cls", "Organization") for _, d in g.nodes(data=True)}
    legend = [(c[0], c[3] if lang == "en" else c[2]) for k, c in CLASSES.items() if k in present]
    if g.graph.get("view") == "compare":
        legend += [(c[0], c[2] if lang == "en" else c[1]) for c in CHANGES.values()]
    for color, text in legend:
        out.append(f'<rect x="{lx}" y="72" width="12" height="12" fill="{color}"/>'
                   f'<text x="{lx + 16}" y="83" font-size="13">{escape(text)}</text>')
        lx += 30 + 14 * len(text)
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="16" refY="5" markerWidth="6" markerHeight="6" '
               'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9aa7b4"/></marker></defs>')
    out.append('<g stroke="#9aa7b4" stroke-width="1" opacity="0.8">')
    amounts = [d["amount_jpy"] for _, _, d in g.edges(data=True) if d.get("amount_jpy")]
    top_amount = max(amounts, default=1)
    for u, v, d in g.edges(data=True):
        (x1, y1), (x2, y2) = xy(u), xy(v)
        w = 1 + 9 * math.sqrt(d["amount_jpy"] / top_amount) if d.get("amount_jpy") else 1
        dash = ' stroke-dasharray="6 4"' if d.get("amount_stated") is False else ""  # amount not stated
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke-width="{w:.1f}"{dash} '
                   'marker-end="url(#arrow)"/>')
    out.append("</g>")
    degree = dict(g.degree())
    labelled = set(sorted(g, key=lambda n: -degree[n])[:max_labels])
    for n, d in g.nodes(data=True):
        x, y = xy(n)
        color = CHANGES[d["change"]][0] if d.get("change") else CLASSES.get(d.get("cls", ""), CLASSES["Organization"])[0]
        r = 9 if d.get("cls") == "Agency" else 6
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{color}"><title>{escape(_label(d, lang))}'
                   f"</title></circle>")
        if n in labelled:
            out.append(f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="11">{escape(_label(d, lang))}</text>')
    out.append("</svg>\n")
    return "\n".join(out)


def render_png(g: nx.DiGraph, out: Path, *, lang: str = "ja", width: int = 1400, height: int = 900) -> None:
    """A screenshot of the interactive page of ``g`` (headless Debian Chromium)."""
    html = render_html(g, lang=lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(dir=out.parent) as near:
        page_path = Path(tmp) / "page.html"
        page_path.write_text(html, encoding="utf-8")
        shot = Path(near) / out.name  # beside the target, so the final move is atomic
        with chromium(width, height) as context:
            page = open_page(context, page_path, PageLog())
            page.wait_for_timeout(200)
            page.screenshot(path=str(shot))
        os.replace(shot, out)
