"""Interactive relationship diagrams of the policy graph (``policykg viz``).

>>> from policykg.graph.store import load_dataset          # doctest: +SKIP
>>> g = project("entity", load_dataset(), entity="NICT")    # doctest: +SKIP
>>> write(g, Path("nict.html"), fmt=Format.HTML)            # doctest: +SKIP
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import networkx as nx

from policykg.graph.store import atomic_write

from .project import VIEWS, project
from .render import render_html
from .static import render_png, render_svg

__all__ = ["Format", "VIEWS", "project", "write"]


class Format(Enum):
    HTML = "html"
    SVG = "svg"
    PNG = "png"


def write(g: nx.DiGraph, out: Path, *, fmt: Format, lang: str = "ja") -> None:
    """Write projection ``g`` to ``out`` as an offline page, an SVG or a PNG (atomically)."""
    if fmt is Format.HTML:
        atomic_write(out, [render_html(g, lang=lang)])
    elif fmt is Format.SVG:
        atomic_write(out, [render_svg(g, lang=lang)])
    else:
        render_png(g, out, lang=lang)
