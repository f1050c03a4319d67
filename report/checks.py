"""The data-quality report: what an analyst reads before trusting a number.

Everything comes from the built graph through the SPARQL files in
``queries/report/`` (plus the build's own list of skipped lines,
``build-report.json``); nothing re-reads the documents. The checks use the
arithmetic the documents state themselves, each with its tolerance:

* **rounding** — a printed figure stands for any value within half a unit of its
  last printed digit (30.4億円 → ±0.05億円 = ±5,000,000 yen; 1,584百万円 →
  ±500,000 yen); two figures agree when they differ by at most the sum of their
  half units, and a sum of n printed figures carries the sum of their half units;
* **listed measures ≤ strategy-area total** — the tables list only the main
  measures (注２), so their sum may be lower than the area's total, never higher;
* **strategy-area totals vs the overall total** — equal within rounding where the
  document's 分野別内訳 chart states every area; where only the table subtotals
  exist (they may omit 推進体制/その他), their sum may not exceed the overall total;
* **shares ≈ 100%** — the slices of one printed pie chart sum to 100% within the
  rounding of each printed percentage;
* **measure page vs summary table** — a figure on a measure's page (often in
  百万円) equals the table's figure (億円) of the same measure, year, budget kind
  and status in the same document, within rounding;
* **cross-document disagreements** — two documents state a figure for the same
  scope, fiscal year, budget kind and status (and neither is 「…の内数」) whose
  values differ by more than rounding. Different statuses (request, draft,
  enacted) or budget kinds are different facts, never a disagreement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Dataset

from policykg.graph.store import BuildReportFile, load_dataset, read_build_report, resolve_build
from policykg.money import oku
from policykg.normalize import UNIT_YEN
from policykg.queries.run import load_query, query_dir, run_query
from policykg.report.minted import NewEntity, Renames, new_entities, rename_candidates

__all__ = ["Check", "CheckRow", "Disagreement", "Figure", "QualityReport", "collect", "half_unit", "oku"]

REPORT_QUERIES = "report"


@dataclass(frozen=True)
class Figure:
    """One printed budget figure, as the report query returns it."""

    source: str
    line: int
    scope_iri: str
    scope: str
    scope_kind: str
    area_iri: str
    area: int | None
    fiscal_year: int
    budget: str
    status: str
    yen: int
    number: str
    unit: str
    printed: str
    origin: str
    inclusive: bool

    @property
    def cite(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def half(self) -> Decimal:
        return half_unit(self.number, self.unit)


@dataclass(frozen=True)
class CheckRow:
    ok: bool
    what: str  # document, year, budget and scope checked
    stated: str  # the figure the sum is compared with, as printed, with its source
    computed: str  # the sum (or the other figure), with what it sums
    difference: str
    tolerance: str
    sources: str


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    rule: str
    tolerance: str
    rows: tuple[CheckRow, ...]

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.ok)


@dataclass(frozen=True)
class Disagreement:
    scope: str
    scope_kind: str
    fiscal_year: int
    budget: str
    status: str
    a: Figure
    b: Figure

    @property
    def difference(self) -> int:
        return self.b.yen - self.a.yen


@dataclass(frozen=True)
class Skipped:
    source: str
    line: str  # "79" or "248-249"
    reason: str
    text: str


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    file: str
    classes: tuple[tuple[str, int], ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class Entity:
    iri: str
    cls: str
    label: str
    citations: tuple[str, ...]  # "doc:line"


@dataclass(frozen=True)
class QualityReport:
    documents: tuple[DocumentSummary, ...]
    checks: tuple[Check, ...]
    disagreements: tuple[Disagreement, ...]
    seen_once: tuple[Entity, ...]
    never_cited: tuple[Entity, ...]
    figures: int
    quads: int
    new_entities: tuple[NewEntity, ...] = ()  # minted by the build (report/minted.py)
    renames: tuple[Renames, ...] = ()  # each minted measure's rename candidates


def half_unit(number: str, unit: str) -> Decimal:
    """Half a unit of the last printed digit, in yen.

    >>> [int(half_unit(n, u)) for n, u in (("30.4", "億円"), ("1,584", "百万円"), ("2", "億円"))]
    [5000000, 500000, 50000000]
    """
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    return Decimal(UNIT_YEN[unit]) * Decimal(1).scaleb(-decimals) / 2


def _q(ds: Dataset, name: str, lang: str | None = None):
    """A report query; ``lang`` (en) for the queries whose labels the report's tables show."""
    return run_query(ds, load_query(query_dir() / REPORT_QUERIES / f"{name}.rq"), {"lang": lang} if lang else {})


def _figures(ds: Dataset, lang: str | None = None) -> list[Figure]:
    out = []
    for r in _q(ds, "figures", lang):
        out.append(Figure(
            source=str(r.source), line=int(r.line), scope_iri=str(r.scope_iri), scope=str(r.scope or r.scope_iri),
            scope_kind=str(r.scope_kind), area_iri=str(r.area_iri or ""), area=int(r.area) if r.area else None,
            fiscal_year=int(r.fiscal_year), budget=str(r.budget), status=str(r.status), yen=int(r.amount_jpy),
            number=str(r.number), unit=str(r.unit), printed=str(r.printed), origin=str(r.origin),
            inclusive=bool(r.inclusive.toPython()),
        ))
    return out


def _key(f: Figure) -> tuple:
    return (f.source, f.fiscal_year, f.budget, f.status)


def _what(f: Figure, scope: str = "") -> str:
    return f"{f.source} FY{f.fiscal_year} {f.budget}/{f.status}" + (f" {scope}" if scope else "")


def _first_per(figures: Iterable[Figure], key) -> dict:
    found: dict = {}
    for f in sorted(figures, key=lambda f: (f.source, f.line)):
        found.setdefault(key(f), f)
    return found


def check_listed_vs_area(figures: list[Figure]) -> Check:
    listed: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        if f.scope_kind == "measure" and f.origin == "summary-table" and not f.inclusive and f.area_iri:
            listed[(*_key(f), f.area_iri)].append(f)
    areas = [f for f in figures if f.scope_kind == "strategy-area"]
    totals = _first_per(sorted(areas, key=lambda f: f.origin != "summary-table"), lambda f: (*_key(f), f.area_iri))
    rows = []
    for key, total in sorted(totals.items(), key=lambda kv: (kv[1].source, kv[1].fiscal_year, kv[1].line)):
        parts = listed.get(key, [])
        if not parts:
            continue
        s = sum(p.yen for p in parts)
        tol = total.half + sum(p.half for p in parts)
        rows.append(CheckRow(
            ok=s <= total.yen + tol, what=_what(total, f"({total.area}) {total.scope}"),
            stated=f"{total.printed} ({total.cite})", computed=f"{oku(s)} ({len(parts)} measures)",
            difference=oku(s - total.yen), tolerance=oku(tol),
            sources=f"{total.source}:{min(p.line for p in parts)}-{max(p.line for p in parts)}",
        ))
    return Check("listed-vs-area", "Listed measures vs strategy-area totals",
                 "sum of the measures a summary table lists under an area ≤ the area's total (the tables list "
                 "only the main measures, 注２)",
                 "the sum of the half units of every printed figure involved (0.05億円 each for one decimal)",
                 tuple(rows))


def check_areas_vs_overall(figures: list[Figure]) -> Check:
    overall = _first_per([f for f in figures if f.scope_kind == "overall"], lambda f: (*_key(f), f.yen))
    rows = []
    for total in sorted(overall.values(), key=lambda f: (f.source, f.fiscal_year, f.budget, f.line)):
        same = [f for f in figures if f.scope_kind == "strategy-area" and _key(f) == _key(total)]
        chart = [f for f in same if f.origin == "area-chart"]
        parts = list(_first_per(chart or same, lambda f: f.area_iri).values())
        if not parts:
            continue
        s = sum(p.yen for p in parts)
        tol = total.half + sum(p.half for p in parts)
        ok = abs(s - total.yen) <= tol if chart else s <= total.yen + tol
        rule = "chart: equal" if chart else "table subtotals: ≤"
        rows.append(CheckRow(
            ok=ok, what=_what(total, f"({rule})"), stated=f"{total.printed} ({total.cite})",
            computed=f"{oku(s)} ({len(parts)} areas)", difference=oku(s - total.yen), tolerance=oku(tol),
            sources=", ".join(p.cite for p in sorted(parts, key=lambda p: p.line)),
        ))
    return Check("areas-vs-overall", "Strategy-area totals vs the overall total",
                 "where the 分野別内訳 chart states every area: sum of the areas = overall total; where only the "
                 "summary-table subtotals exist (they may omit 推進体制/その他): sum ≤ overall total",
                 "the sum of the half units of every printed figure involved", tuple(rows))


def check_shares(ds: Dataset) -> Check:
    groups: dict[tuple, list[list]] = defaultdict(list)
    for r in _q(ds, "shares"):
        key = (str(r.source), str(r.chart), int(r.fiscal_year), str(r.budget), str(r.status))
        printings = groups[key]
        # A chart printed twice in one document: a repeated slice starts a new printing.
        if not printings or any(str(s.slice) == str(r.slice) for s in printings[-1]):
            printings.append([])
        printings[-1].append(r)
    rows = []
    for (source, chart, fy, budget, status), printings in sorted(groups.items()):
        for slices in printings:
            total = sum(Decimal(str(s.percent)) for s in slices)
            tol = sum(Decimal(1).scaleb(-_decimals(str(s.percent))) / 2 for s in slices)
            lines = [int(s.line) for s in slices]
            rows.append(CheckRow(
                ok=abs(total - 100) <= tol, what=f"{source} FY{fy} {budget}/{status} {chart} chart",
                stated="100%", computed=f"{total}% ({len(slices)} slices)", difference=f"{total - 100:+}%",
                tolerance=f"{tol}%", sources=f"{source}:{min(lines)}-{max(lines)}",
            ))
    return Check("shares", "Agency and strategy-area shares sum to 100%",
                 "the printed percentages of one pie chart sum to 100%",
                 "half of the last printed digit of each slice (0.05% each for one decimal)", tuple(rows))


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def check_page_vs_table(figures: list[Figure]) -> Check:
    table = defaultdict(list)
    for f in figures:
        if f.scope_kind == "measure" and f.origin == "summary-table" and not f.inclusive:
            table[(*_key(f), f.scope_iri)].append(f)
    rows = []
    for page in sorted(figures, key=lambda f: (f.source, f.line)):
        if page.scope_kind != "measure" or page.origin != "measure-page" or page.inclusive:
            continue
        for t in table.get((*_key(page), page.scope_iri), []):
            tol = page.half + t.half
            rows.append(CheckRow(
                ok=abs(page.yen - t.yen) <= tol, what=_what(page, page.scope),
                stated=f"{t.printed} ({t.cite}, table)", computed=f"{page.printed} ({page.cite}, page)",
                difference=oku(page.yen - t.yen), tolerance=oku(tol), sources=f"{t.cite}, {page.cite}",
            ))
    return Check("page-vs-table", "Measure pages (百万円 or 億円) vs the summary table (億円)",
                 "a figure on a measure's page equals the summary table's figure of the same measure, fiscal year, "
                 "budget kind and status in the same document",
                 "half a unit of each printed figure (0.05億円 for the table, 0.5百万円 for a 百万円 page figure)",
                 tuple(rows))


def disagreements(figures: list[Figure]) -> list[Disagreement]:
    """Pairs of documents stating different values (beyond rounding) for one scope, year, kind and status."""
    groups: dict[tuple, dict[tuple[str, int], Figure]] = defaultdict(dict)
    for f in sorted(figures, key=lambda f: (f.source, f.line)):
        if not f.inclusive:
            groups[(f.scope_iri, f.scope_kind, f.fiscal_year, f.budget, f.status)].setdefault((f.source, f.yen), f)
    found = []
    for (_, kind, fy, budget, status), stated in groups.items():
        values = sorted(stated.values(), key=lambda f: (f.source, f.line))
        for i, a in enumerate(values):
            for b in values[i + 1:]:
                if a.source != b.source and abs(a.yen - b.yen) > a.half + b.half:
                    found.append(Disagreement(a.scope, kind, fy, budget, status, a, b))
    return sorted(found, key=lambda d: (d.scope_kind != "overall", d.scope_kind, d.scope, d.fiscal_year,
                                        d.budget, d.a.source, d.b.source))


def _entities(ds: Dataset, lang: str | None = None) -> tuple[list[Entity], list[Entity]]:
    cites: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for r in _q(ds, "entity-citations"):
        cites[str(r.entity)].add((str(r.source), int(r.line)))
    once, never = [], []
    for r in _q(ds, "entities", lang):
        found = tuple(f"{doc}:{line}" for doc, line in sorted(cites.get(str(r.entity), ())))
        e = Entity(str(r.entity), str(r["class"]).rsplit("#", 1)[-1], str(r.label), found)
        if len(found) == 1:
            once.append(e)
        elif not found:
            never.append(e)
    return once, never


def _documents(ds: Dataset, build_report: BuildReportFile) -> list[DocumentSummary]:
    counts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in _q(ds, "class-counts"):
        counts[str(r.source)].append((str(r["class"]).rsplit("#", 1)[-1], int(r.n)))
    files = {str(r.source): str(r.file) for r in _q(ds, "document-files")}
    skipped = [Skipped(w.document, w.lines, w.message, w.text) for w in build_report.warnings]
    return [DocumentSummary(doc, files.get(doc, ""), tuple(counts.get(doc, ())),
                            tuple(s for s in skipped if s.source == doc))
            for doc in build_report.documents]


def collect(build_dir: Path | None = None, *, lang: str | None = None) -> QualityReport:
    """Build the report from the graph (and build report) in ``build_dir``; ``lang="en"``: the
    figures' scopes and the entities in the tables by their English labels (the sections on new
    entities stay Japanese: they propose registry entries)."""
    gen = resolve_build(build_dir)  # the graph and its report from the same build
    build_report = read_build_report(gen)  # first: it is small, and names the graph's quads
    ds = load_dataset(gen)
    figures = _figures(ds, lang)
    once, never = _entities(ds, lang)
    checks = (check_listed_vs_area(figures), check_areas_vs_overall(figures), check_shares(ds),
              check_page_vs_table(figures))
    new = new_entities(ds)
    return QualityReport(tuple(_documents(ds, build_report)), checks, tuple(disagreements(figures)),
                         tuple(once), tuple(never), len(figures), build_report.quads, tuple(new),
                         tuple(rename_candidates(ds, new)))
