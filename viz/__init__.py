"""Interactive relationship diagrams of the policy graph (``policykg viz``).

>>> from policykg.graph.store import load_dataset          # doctest: +SKIP
>>> g = project("entity", load_dataset(), entity="NICT")    # doctest: +SKIP
>>> write(g, Path("nict.html"), fmt=Format.HTML)            # doctest: +SKIP
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import networkx as nx

from .project import VIEWS, project

__all__ = ["Format", "VIEWS", "project", "write"]


class Format(Enum):
    HTML = "html"
    SVG = "svg"
    PNG = "png"


def write(g: nx.DiGraph, out: Path, *, fmt: Format, lang: str = "ja") -> None:
    """Write projection ``g`` to ``out`` as an offline page, an SVG or a PNG (atomically)."""
    from policykg.graph.store import atomic_write

    if fmt is Format.HTML:
        from .render import render_html

        atomic_write(out, [render_html(g, lang=lang)])
    elif fmt is Format.SVG:
        from .static import render_svg

        atomic_write(out, [render_svg(g, lang=lang)])
    else:
        from .static import render_png

        render_png(g, out, lang=lang)
