"""The overview's default layout: agencies, measures and the rest in three columns, no label overlapping.

A force layout of the whole overview (a hundred nodes, labels up to 65 characters)
draws a hairball whose labels cover each other. This layout is computed, not
simulated, so the first draw is already readable and the same on every load:

* the columns are agencies, measures, then implementing bodies, programmes and
  other organisations;
* each column is a stack of *units* — a node, or a group of nodes (measures or
  programmes of one agency) drawn as one until it is clicked open;
* agencies are ordered by how many units they hold; measures follow their
  agency; a third-column unit sits at the mean height of the measures it links to
  (the barycentre rule, which keeps links short and crossings few);
* each unit gets a box from its wrapped label (full-width characters one font
  size wide, others 0.6) and units in a column never share height, so no two
  labels overlap at the first draw (tests/test_viz_browser.py measures the boxes
  vis-network draws).

Members of a group are placed on a grid around the group's position: shown when
the group is opened, they may cover neighbouring units, and the page says so.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict

import networkx as nx

__all__ = ["FONT", "LABEL_WIDTH", "group_label", "layered_layout", "text_width", "wrap"]

FONT = 14  # px, vis-network's node font size (render._options)
LABEL_WIDTH = 15 * FONT  # px: labels wrap at about fifteen full-width characters
LINE = 1.25 * FONT  # px between label lines
GAP_Y = 14  # px between two units of a column
GAP_X = 150  # px between two columns
NODE_SIZE = 13  # vis-network's default node size (radius), render._options


def _char_width(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6


def text_width(text: str, size: float = FONT) -> float:
    """Estimated width of one label line in px (full-width characters one font size wide).

    >>> text_width("総務省"), text_width("IPA")
    (42.0, 25.2)
    """
    return round(sum(_char_width(ch) for ch in text) * size, 1)


def wrap(text: str, width: float = LABEL_WIDTH, size: float = FONT) -> str:
    """``text`` broken into lines of at most ``width`` px: at a space where there is one, else anywhere.

    >>> wrap("ナショナルサイバートレーニングセンターの強化")
    'ナショナルサイバートレーニング\\nセンターの強化'
    >>> wrap("Strengthening the National Cyber Training Center")
    'Strengthening the\\nNational Cyber Training\\nCenter'
    """
    lines: list[str] = []
    for part in text.split("\n"):
        line, used = "", 0.0
        for ch in part:
            w = _char_width(ch) * size
            if line and used + w > width:
                cut = line.rfind(" ")
                if cut > 0 and not ch.isspace():  # carry the unfinished word to the next line
                    lines.append(line[:cut])
                    line = line[cut + 1:]
                    used = text_width(line, size)
                else:
                    lines.append(line.rstrip())
                    line, used = "", 0.0
                    if ch.isspace():
                        continue
            line += ch
            used += w
        lines.append(line)
    return "\n".join(lines)


def _box(label: str, shape: str, size: float) -> tuple[float, float, float]:
    """(width, height above the centre, height below it) of a node with its wrapped label."""
    lines = label.split("\n")
    text_w = max(text_width(line) for line in lines)
    text_h = LINE * len(lines)
    if shape == "box":  # the label inside the box
        return text_w + 14, text_h / 2 + 7, text_h / 2 + 7
    return max(text_w, 2 * size), size, size + 6 + text_h  # the label below the shape


def group_label(agency_label: str, class_name: str, n: int) -> str:
    """The label a group of ``n`` nodes of one class and agency is drawn with.

    >>> group_label("総務省", "施策", 9)
    '総務省: 施策 ×9'
    """
    return f"{agency_label or '—'}: {class_name} ×{n:,}"


def _column(cls: str) -> int:
    return 0 if cls == "Agency" else 1 if cls == "Measure" else 2


def _stack(units: list[tuple[str, float]], heights: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Centres for ``units`` (key, wanted y) in order: each as near its wanted y as the one
    above allows, then the column shifted so its mean offset from the wanted heights is zero."""
    ys: dict[str, float] = {}
    bottom = -math.inf
    for key, wanted in units:
        above, below = heights[key]
        y = max(wanted, bottom + GAP_Y + above)
        ys[key] = y
        bottom = y + below
    if units:
        shift = sum(ys[k] - w for k, w in units) / len(units)
        ys = {k: y - shift for k, y in ys.items()}
    return ys


def layered_layout(g: nx.DiGraph, groups: dict[str, int], info: list[dict], labels: dict[str, str],
                   group_labels: list[str], shapes: dict[str, str],
                   ) -> tuple[dict[str, tuple[float, float]], dict[int, tuple[float, float]]]:
    """Node positions and group positions in page pixels.

    ``groups`` maps a grouped node to its group index (``info`` describes each group);
    ``labels`` and ``group_labels`` are the wrapped labels drawn; ``shapes`` the vis shape per node.
    """
    unit_of = {n: (f"g{groups[n]}" if groups.get(n, -1) >= 0 else f"n:{n}") for n in g}
    members: dict[str, list[str]] = defaultdict(list)
    for n in sorted(g, key=str):
        members[unit_of[n]].append(n)
    boxes: dict[str, tuple[float, float, float]] = {}
    columns: dict[int, list[str]] = defaultdict(list)
    for unit, ms in members.items():
        if unit.startswith("g"):
            gi = int(unit[1:])
            size = min(60, 10 + 4 * math.sqrt(info[gi]["n"]))  # page.js visGroup
            boxes[unit] = _box(group_labels[gi], "dot", size)
            columns[_column(info[gi]["cls"])].append(unit)
        else:
            n = ms[0]
            boxes[unit] = _box(labels[n], shapes[n], g.nodes[n].get("s") or NODE_SIZE)
            columns[_column(g.nodes[n].get("cls", ""))].append(unit)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for u, v in g.edges():
        if unit_of[u] != unit_of[v]:
            neighbours[unit_of[u]].add(unit_of[v])
            neighbours[unit_of[v]].add(unit_of[u])
    size = {unit: len(ms) for unit, ms in members.items()}
    text = {unit: (group_labels[int(unit[1:])] if unit.startswith("g") else labels[ms[0]]) for unit, ms in members.items()}

    def agency_of(unit: str) -> str:
        if unit.startswith("g"):
            return info[int(unit[1:])]["agency"]
        n = members[unit][0]
        return g.nodes[n].get("agency") or next(
            (m for m in nx.all_neighbors(g, n) if g.nodes[m].get("cls") == "Agency"), "")

    # Agencies: the most units first; measures follow their agency, biggest unit first.
    held: dict[str, int] = defaultdict(int)
    for unit in columns[1]:
        held[f"n:{agency_of(unit)}"] += size[unit]
    order = {0: sorted(columns[0], key=lambda u: (-held[u], text[u], u))}
    rank = {u: i for i, u in enumerate(order[0])}
    order[1] = sorted(columns[1], key=lambda u: (rank.get(f"n:{agency_of(u)}", len(rank)), -size[u], text[u], u))
    heights = {u: (b[1], b[2]) for u, b in boxes.items()}
    ys = _stack([(u, 0.0) for u in order[1]], heights)
    # The other columns at the mean height of their neighbours in the measure column.
    for col in (0, 2):
        wanted = {}
        for u in columns[col]:
            near = [ys[v] for v in neighbours[u] if v in ys]
            wanted[u] = sum(near) / len(near) if near else math.inf
        placed = [u for u in columns[col] if wanted[u] < math.inf]
        loose = [u for u in columns[col] if wanted[u] == math.inf]
        units = sorted(placed, key=lambda u: (wanted[u], text[u], u)) + sorted(loose, key=lambda u: (text[u], u))
        top = max(ys.values(), default=0.0)
        ys.update(_stack([(u, wanted[u] if wanted[u] < math.inf else top) for u in units], heights))
    x0 = 0.0
    xs: dict[str, float] = {}
    for col in sorted(c for c in columns if columns[c]):
        width = max(boxes[u][0] for u in columns[col])
        for u in columns[col]:
            xs[u] = x0 + width / 2
        x0 += width + GAP_X
    pos: dict[str, tuple[float, float]] = {}
    group_pos: dict[int, tuple[float, float]] = {}
    for unit, ms in members.items():
        cx, cy = xs[unit], ys[unit]
        if not unit.startswith("g"):
            pos[ms[0]] = (cx, cy)
            continue
        group_pos[int(unit[1:])] = (cx, cy)
        # members on a grid centred on the group, in label order
        ms = sorted(ms, key=lambda n: (labels[n], n))
        cols = math.ceil(math.sqrt(len(ms)))
        cell_w = max(_box(labels[n], shapes[n], NODE_SIZE)[0] for n in ms) + 30
        cell_h = max(sum(_box(labels[n], shapes[n], NODE_SIZE)[1:]) for n in ms) + GAP_Y
        rows = math.ceil(len(ms) / cols)
        for i, n in enumerate(ms):
            r, c = divmod(i, cols)
            pos[n] = (cx + (c - (cols - 1) / 2) * cell_w, cy + (r - (rows - 1) / 2) * cell_h)
    return pos, group_pos
