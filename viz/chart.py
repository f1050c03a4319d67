"""Budget series as charts (matplotlib, Agg/SVG canvases, no pyplot): a measure's, an agency's.

* :func:`measure_series` — the measure's preferred figures (``budget-lines`` with
  ``rank=preferred``: one figure per fiscal year × budget kind × supplement ×
  status), every year and phase; a figure printed as 「…の内数」 is part of a
  larger sum and is listed in the series' notes, not drawn.
* :func:`agency_series` — ``budget-by-agency``: the sum of the agency's measures
  listed in a summary table, per year and phase, from the latest document that
  lists that cell (not the agency's total budget; the chart says so).

:func:`render` draws a series as grouped bars (one group per fiscal year, one bar
per phase), amounts in 億円 (``lang="en"``: "100 million yen"); SVG or PNG.
The SVG is deterministic (``svg.hashsalt``, no date metadata, glyphs as paths so
no font is needed to view it). Each bar carries an id
``bar-<year>-<budget>-<supplement>-<status>-<yen>`` so what was drawn can be read
back (:func:`drawn_bars`). Japanese text needs a CJK font: Debian's Noto Sans CJK
(fonts-noto-cjk) found through matplotlib's font manager; without it the chart
is still drawn, with DejaVu Sans, and a warning says the Japanese shows as boxes.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from policykg.errors import QueryError
from policykg.graph.backends import Store
from policykg.queries.entities import EntityIndex
from policykg.queries.run import run_query
from policykg.queries.table import write_atomic

log = logging.getLogger(__name__)

__all__ = ["Bar", "ChartFormat", "Series", "agency_series", "drawn_bars", "measure_series", "render", "write_chart"]

CJK_FAMILIES = ("Noto Sans CJK JP", "Noto Sans JP", "Noto Sans CJK SC")
FALLBACK_FAMILY = "DejaVu Sans"
OKU = 100_000_000  # 億円
_BUDGETS = ("initial", "supplementary")
_STATUSES = ("request", "draft", "enacted")
_PHASE_JA = {"initial": "当初", "supplementary": "補正", "request": "概算要求", "draft": "政府案", "enacted": "成立"}
_PHASE_EN = {"initial": "initial", "supplementary": "supplementary", "request": "request", "draft": "draft",
             "enacted": "enacted"}
#: one colour per phase (budget kind × status), fixed so every chart reads alike
_COLOURS = {("initial", "request"): "#9ecae1", ("initial", "draft"): "#4292c6", ("initial", "enacted"): "#08519c",
            ("supplementary", "request"): "#fdae6b", ("supplementary", "draft"): "#f16913",
            ("supplementary", "enacted"): "#a63603"}
_BAR_ID = re.compile(r'id="bar-(\d{4})-(initial|supplementary)-(\d+)-(request|draft|enacted)-(\d+)"')


class ChartFormat(str, Enum):
    SVG = "svg"
    PNG = "png"


@dataclass(frozen=True)
class Bar:
    """One drawn amount: a fiscal year's phase, in integer yen, with its source line."""

    fiscal_year: int
    budget: str  # initial | supplementary
    supplement: int  # the supplementary budget's number where printed (補正② → 2), else 0
    status: str  # request | draft | enacted
    amount_jpy: int
    source: str = ""
    line: int = 0

    @property
    def phase(self) -> tuple[str, int, str]:
        return self.budget, self.supplement, self.status


@dataclass(frozen=True)
class Series:
    title: str  # the entity's Japanese label
    kind: str  # measure | agency
    iri: str
    bars: tuple[Bar, ...]
    notes: tuple[str, ...] = ()  # what is not drawn, and what the bars are


def _phase_order(phase: tuple[str, int, str]) -> tuple[int, int, int]:
    budget, supplement, status = phase
    return _BUDGETS.index(budget), supplement, _STATUSES.index(status)


def phase_label(phase: tuple[str, int, str], lang: str = "ja") -> str:
    """A phase's legend label.

    >>> phase_label(("initial", 0, "draft")), phase_label(("supplementary", 2, "enacted"), "en")
    ('当初・政府案', 'supplementary 2 enacted')
    """
    budget, supplement, status = phase
    if lang == "en":
        return f"{_PHASE_EN[budget]}{f' {supplement}' if supplement else ''} {_PHASE_EN[status]}"
    number = "①②③④⑤"[supplement - 1] if 0 < supplement <= 5 else (str(supplement) if supplement else "")
    return f"{_PHASE_JA[budget]}{number}・{_PHASE_JA[status]}"


def _int(term: object) -> int:
    return int(term.toPython()) if hasattr(term, "toPython") else int(term)


def measure_series(store: Store, measure: str, *, index: EntityIndex | None = None) -> Series:
    """The measure's preferred figures (``budget-lines``, ``rank=preferred``); QueryError if unknown."""
    index = index or EntityIndex(store)
    iri = index.resolve("measure", measure, param="measure")
    result = run_query(store, "budget-lines", {"measure": str(iri), "rank": "preferred"}, index=index)
    bars, inclusive = [], []
    title = ""
    for row in result:
        r = row.asdict()
        title = title or str(r["measure"])
        bar = Bar(_int(r["fiscal_year"]), str(r["budget"]), _int(r["supplement"]) if r.get("supplement") else 0,
                  str(r["status"]), _int(r["amount_jpy"]), str(r["source"]), _int(r["line"]))
        (inclusive if r["inclusive"].toPython() else bars).append(bar)
    if not title:
        title = _label(store, iri)
    notes = tuple(f"{b.fiscal_year} {phase_label(b.phase, 'en')}: {b.amount_jpy / OKU:,.1f} (「…の内数」, part of "
                  f"a larger sum; not drawn) {b.source}:{b.line}" for b in sorted(inclusive, key=_bar_key))
    return Series(title, "measure", str(iri), tuple(sorted(bars, key=_bar_key)), notes)


def agency_series(store: Store, agency: str, *, index: EntityIndex | None = None) -> Series:
    """``budget-by-agency``: per year and phase, the latest document's sum of the agency's listed measures."""
    index = index or EntityIndex(store)
    iri = index.resolve("agency", agency, param="agency")
    result = run_query(store, "budget-by-agency", {"agency": str(iri)}, index=index)
    years = _document_years(store)
    best: dict[tuple, tuple[int, Bar]] = {}
    for row in result:
        r = row.asdict()
        bar = Bar(_int(r["fiscal_year"]), str(r["budget"]), 0, str(r["status"]), _int(r["listed_sum_jpy"]),
                  str(r["source"]), 0)
        edition = years.get(bar.source, 0)
        key = (bar.fiscal_year, bar.phase)
        if key not in best or (edition, bar.source) > (best[key][0], best[key][1].source):
            best[key] = (edition, bar)
    notes = ("sum of the measures listed in each summary table (主な施策例及び予算額), not the agency's total; "
             "the latest document listing each year and phase",)
    return Series(_label(store, iri), "agency", str(iri), tuple(sorted((b for _, b in best.values()), key=_bar_key)),
                  notes)


def _bar_key(b: Bar) -> tuple:
    return b.fiscal_year, _phase_order(b.phase)


def _label(store: Store, iri: object) -> str:
    from rdflib.namespace import SKOS

    labels = {getattr(t, "language", None): str(t) for t in store.objects(iri, SKOS.prefLabel)}
    return labels.get("ja") or next(iter(sorted(labels.values())), str(iri))


def _document_years(store: Store) -> dict[str, int]:
    from rdflib.namespace import DCTERMS

    from policykg.namespace import PK

    out = {}
    for doc, ident in store.subject_objects(DCTERMS.identifier):
        year = store.value(doc, PK.fiscalYear)
        if year is not None:
            out[str(ident)] = _int(year)
    return out


@cache
def font_family() -> str:
    """The CJK font family matplotlib finds (Noto Sans CJK), or DejaVu Sans with a warning."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return family
    log.warning("no CJK font (Noto Sans CJK) found by matplotlib: Japanese text in charts shows as boxes; "
                "install Debian's fonts-noto-cjk")
    return FALLBACK_FAMILY


def render(series: Series, *, fmt: ChartFormat = ChartFormat.SVG, lang: str = "ja", width: float = 8.0,
           height: float = 4.2) -> bytes:
    """``series`` as grouped bars (one group per fiscal year), SVG or PNG bytes; deterministic."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    rc = {"svg.hashsalt": "policykg", "svg.fonttype": "path", "font.family": [font_family(), FALLBACK_FAMILY],
          "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(width, height), dpi=100)
        (FigureCanvasSVG if fmt == ChartFormat.SVG else FigureCanvasAgg)(fig)
        ax = fig.add_subplot()
        years = sorted({b.fiscal_year for b in series.bars})
        phases = sorted({b.phase for b in series.bars}, key=_phase_order)
        unit = "100 million yen" if lang == "en" else "億円"
        ax.set_title(series.title + (" — budget by fiscal year" if lang == "en" else " 予算額の推移"), loc="left")
        if not series.bars:
            ax.text(0.5, 0.5, "no figures" if lang == "en" else "予算額の記載なし", ha="center", va="center",
                    transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        width_bar = 0.8 / max(len(phases), 1)
        for i, phase in enumerate(phases):
            bars = [b for b in series.bars if b.phase == phase]
            xs = [years.index(b.fiscal_year) - 0.4 + width_bar * (i + 0.5) for b in bars]
            drawn = ax.bar(xs, [b.amount_jpy / OKU for b in bars], width_bar * 0.92,
                           color=_COLOURS[(phase[0], phase[2])], label=phase_label(phase, lang),
                           hatch="//" if phase[1] > 1 else None, edgecolor="white", linewidth=0.5)
            for patch, b in zip(drawn.patches, bars):
                patch.set_gid(f"bar-{b.fiscal_year}-{b.budget}-{b.supplement}-{b.status}-{b.amount_jpy}")
            ax.bar_label(drawn, labels=[f"{b.amount_jpy / OKU:,.1f}" for b in bars], fontsize=7, padding=2)
        if series.bars:
            ax.set_xticks(range(len(years)), [f"FY{y}" if lang == "en" else f"{y}年度" for y in years])
            ax.set_ylabel(unit)
            ax.set_ylim(0, max(b.amount_jpy for b in series.bars) / OKU * 1.15)
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if series.kind == "agency" and series.bars:
            fig.text(0.01, 0.01, "sum of the listed measures, not the agency's total" if lang == "en"
                     else "主な施策例の合計（府省庁の予算総額ではない）", fontsize=7, color="#555")
        fig.tight_layout(rect=(0, 0.04, 1, 1) if series.kind == "agency" else (0, 0, 1, 1))
        out = io.BytesIO()
        if fmt == ChartFormat.SVG:
            fig.savefig(out, format="svg", metadata={"Date": None})
        else:
            fig.savefig(out, format="png", metadata={"Software": None}, dpi=120)
    return out.getvalue()


def svg_inline(series: Series, *, lang: str = "ja") -> str:
    """The chart as an ``<svg>`` element to put in an HTML page (no XML prolog or DOCTYPE)."""
    text = render(series, fmt=ChartFormat.SVG, lang=lang).decode("utf-8")
    return text[text.index("<svg"):]


#: per worker process: the policykg store wrapper and entity index of each raw pyoxigraph store
_indexes: dict[int, tuple[object, Store, EntityIndex]] = {}


def entity_chart_svg(raw_store: object, kind: str, iri: str, *, lang: str = "ja") -> str | None:
    """The ``<svg>`` of a measure's or an agency's series on a raw pyoxigraph store (the endpoint's
    workers call it for entity pages); None for other kinds, or a series without bars."""
    from policykg.graph.backends import Backend, OxigraphStore

    if kind not in ("measure", "agency"):
        return None
    if id(raw_store) not in _indexes:
        store = OxigraphStore(raw_store, Backend.OXIGRAPH)
        _indexes[id(raw_store)] = (raw_store, store, EntityIndex(store))
    _, store, index = _indexes[id(raw_store)]
    try:
        series = (measure_series if kind == "measure" else agency_series)(store, iri, index=index)
    except QueryError as e:  # e.g. a minted measure without an agency row: the page goes on without a chart
        log.warning("no chart for <%s>: %s", iri, e)
        return None
    return svg_inline(series, lang=lang) if series.bars else None


def drawn_bars(svg: str | bytes) -> list[tuple[int, str, int, str, int]]:
    """The bars an SVG chart draws: ``(year, budget, supplement, status, yen)``, in drawing order.

    >>> drawn_bars('<g id="bar-2025-initial-0-draft-1200000000">')
    [(2025, 'initial', 0, 'draft', 1200000000)]
    """
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return [(int(y), b, int(s), st, int(a)) for y, b, s, st, a in _BAR_ID.findall(text)]


def write_chart(series: Series, out: Path, *, fmt: ChartFormat | None = None, lang: str = "ja") -> ChartFormat:
    """Write ``series`` to ``out`` (format from the suffix unless given), atomically."""
    if fmt is None:
        try:
            fmt = ChartFormat(out.suffix.lower().lstrip("."))
        except ValueError:
            raise QueryError(f"{out}: a chart is written as .svg or .png, not {out.suffix or 'no suffix'!r}") from None
    write_atomic(out, render(series, fmt=fmt, lang=lang))
    return fmt


def series_of(store: Store, name: str, params: Mapping[str, str], *, index: EntityIndex | None = None) -> Series:
    """The series of chart ``name`` (``measure-history`` or ``agency-history``) with its one parameter."""
    wanted = {"measure-history": "measure", "agency-history": "agency"}
    if name not in wanted:
        raise QueryError(f"unknown chart {name!r}; charts: {', '.join(wanted)}")
    extra = sorted(set(params) - {wanted[name]})
    if extra or wanted[name] not in params:
        raise QueryError(f"chart {name} takes exactly one parameter, {wanted[name]}=… (got "
                         f"{', '.join(sorted(params)) or 'none'})")
    value = params[wanted[name]]
    if name == "measure-history":
        return measure_series(store, value, index=index)
    return agency_series(store, value, index=index)
