"""One synthetic source document and its records, as a loader would return them.

A document of fiscal year Y states, for each of its measures (a row of its
summary table): the measure with its agency and strategy area; a figure for Y
(draft) and for Y-1 (initial, enacted), sometimes a supplementary figure, a
「…の内数」 figure or a measure-page figure; and the facts the measure has
(:class:`~.universe.Measure`: the same in every document): implementing body
(事業主体), scheme, subsidy target and rate, plan period, legal basis, programme (sometimes with
its operator) and funding flow. Per document: the overall total, agency
totals, strategy-area subtotals, agency and area shares and programme facts.
Names are printed as the registry labels them, so the build resolves every one.

Every record has its line; the same universe, series and year give the same records.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from policykg import records as R
from policykg.money import oku
from policykg.registry import Entity, Kind
from policykg.sources import Document, Layout

from .universe import EXAMPLE_MEASURE, EXAMPLE_PROGRAM, Measure, Universe

_FACT_KEYS = ("participants", "sessions", "organisations")
_UNIT = "億円"
_OVERALL = "政府全体"


def printed_amount(yen: int) -> tuple[str, str]:
    """The number and the amount text a document prints for ``yen`` in 億円 (``policykg.money``).

    >>> printed_amount(212_620_000_000)
    ('2,126.2', '2,126.2億円')
    """
    printed = oku(yen, places=1)
    return printed.removesuffix(_UNIT), printed


class _Writer:
    """Collects one document's records, line by line."""

    def __init__(self, doc_id: str, year: int) -> None:
        self.doc_id, self.year = doc_id, year
        self.line = 1
        self.records: list[R.Record] = []

    def span(self) -> R.SourceSpan:
        return R.SourceSpan(self.doc_id, self.line, self.line)

    def figure(self, kind: R.ScopeKind, scope: str, yen: int, *, agency: str = "", area: int | None = None,
               year: int = 0, budget: R.BudgetKind = R.BudgetKind.INITIAL,
               status: R.BudgetStatus = R.BudgetStatus.DRAFT, origin: R.Origin = R.Origin.SUMMARY_TABLE,
               inclusive: bool = False) -> None:
        number, printed = printed_amount(yen)
        self.records.append(R.BudgetFigure(kind, scope, agency, area, year or self.year, budget, status, yen,
                                           number, _UNIT, printed, origin, self.span(), inclusive))


def synthetic_document(u: Universe, series: int, year: int) -> tuple[Document, list[R.Record]]:
    """The document of ``series`` and fiscal ``year``, and its records in line order."""
    doc_id = u.doc_id(series, year)
    edition = "2021" if year >= 2021 else "2018"
    doc = Document(
        id=doc_id, path=Path(f"{doc_id}.txt"), original_file=f"{doc_id}.txt",
        sha256=hashlib.sha256(f"{u.seed}:{doc_id}".encode()).hexdigest(),
        title=f"政府のサイバーセキュリティに関する予算（合成 {doc_id}）",
        title_en=f"Synthetic cybersecurity budget summary {doc_id}",
        issuer="内閣サイバーセキュリティセンター", issuer_key="nisc", fiscal_year=year,
        layout=Layout.SYNTHETIC, strategy=edition,
    )
    reg = u.registry
    in_edition = [e for e in reg.entities(Kind.AREA) if e.edition == edition]
    numbers = [e.number for e in in_edition]
    # a measure's figure names its area by number only: numbers two areas share (2021 (5)) cannot be used
    areas = [e for e in in_edition if numbers.count(e.number) == 1]
    programs = sorted(reg.entities(Kind.PROGRAM), key=lambda e: (e.key != EXAMPLE_PROGRAM, e.key))
    operators = {p.label_ja: _operator(u, p) for p in programs}
    r = random.Random(f"{u.seed}:{doc_id}")
    w = _Writer(doc_id, year)
    per_doc = u.plan.measures_per_doc
    first = series * per_doc
    # a measure is listed from the first year of its plan period on, marked 新規 in that year
    present = [m for i, m in enumerate(u.measures[first:first + per_doc])
               if i < 3 or (m.plan and m.plan[0] == year) or (r.random() < 0.92 and not (m.plan and m.plan[0] > year))]
    total = sum(m.amount(year) for m in u.measures) * 2
    w.figure(R.ScopeKind.OVERALL, _OVERALL, total, origin=R.Origin.HEADLINE)
    w.line += 2
    by_agency: dict[str, int] = {}
    by_area: dict[int, int] = {}
    for m in present:
        area = areas[r.randrange(len(areas))]
        # 「…の内数」: part of a larger sum, so not in the totals (never the example measure: its page conflicts)
        inclusive = r.random() < 0.05 and m.label != EXAMPLE_MEASURE
        if not inclusive:
            by_agency[m.agency] = by_agency.get(m.agency, 0) + m.amount(year)
            by_area[area.number] = by_area.get(area.number, 0) + m.amount(year)
        _measure_row(w, r, m, area, inclusive)
        if m.plan and m.plan[0] == year:
            w.records.append(R.MeasureAttribute(m.label, "新規", "（新規）", w.span()))
        _measure_page(w, r, m)
        _measure_links(w, r, m, operators)
        w.line += 1
    w.line += 3
    labels = {e.number: e.label_ja for e in areas}
    for number, yen in sorted(by_area.items()):
        w.figure(R.ScopeKind.STRATEGY_AREA, labels[number], yen, area=number, origin=R.Origin.AREA_CHART)
        w.line += 1
    shares_total = sum(by_agency.values()) or 1
    for agency, yen in sorted(by_agency.items()):
        w.figure(R.ScopeKind.AGENCY, agency, yen)
        w.records.append(R.AgencyShare(agency, year, R.BudgetKind.INITIAL, R.BudgetStatus.DRAFT,
                                       f"{100 * yen / shares_total:.1f}", w.span()))
        w.line += 1
    for number, yen in sorted(by_area.items()):
        w.records.append(R.AreaShare(number, labels[number], year, R.BudgetKind.INITIAL, R.BudgetStatus.DRAFT,
                                     f"{100 * yen / shares_total:.1f}", w.span()))
        w.line += 1
    for program in [programs[0], *r.sample(programs[1:], 2 + series % 5)]:
        value = r.randint(20, 3000)
        w.records.append(R.ProgramFact(program.label_ja, _FACT_KEYS[r.randrange(len(_FACT_KEYS))], str(value),
                                       f"{value}名", w.span(), year=year))
        w.line += 1
    return doc, w.records


def _operator(u: Universe, program: Entity) -> str:
    """The programme's operator as the registry has it (an agency or body), or ""."""
    parent = u.registry.parent_of(program)
    return parent.label_ja if parent is not None and parent.kind is not Kind.PROGRAM else ""


def _measure_row(w: _Writer, r: random.Random, m: Measure, area: Entity, inclusive: bool) -> None:
    """A summary-table row: the measure, its figures for this year and the year before."""
    w.records.append(R.MeasureMention(m.label, m.agency, area.number, area.label_ja, w.span()))
    now = m.amount(w.year)
    figure = {"agency": m.agency, "area": area.number, "inclusive": inclusive}
    w.figure(R.ScopeKind.MEASURE, m.label, now, **figure)
    w.figure(R.ScopeKind.MEASURE, m.label, m.amount(w.year - 1), year=w.year - 1, status=R.BudgetStatus.ENACTED,
             **figure)
    if r.random() < 0.3:
        w.figure(R.ScopeKind.MEASURE, m.label, now // 3 // 10_000_000 * 10_000_000 or 10_000_000,
                 year=w.year - 1, budget=R.BudgetKind.SUPPLEMENTARY, status=R.BudgetStatus.ENACTED,
                 agency=m.agency, area=area.number)
    w.line += 1


def _measure_page(w: _Writer, r: random.Random, m: Measure) -> None:
    """Sometimes a measure page (its figure); the measure's body, scheme, subsidy and plan period."""
    # the example measure always has a page, which restates the year before otherwise than its
    # table row does (a conflict for the ranks: graph/rank.py deprecates it); other pages now and then
    example = m.label == EXAMPLE_MEASURE
    if r.random() < 0.3 or example:
        w.line += 5
        w.figure(R.ScopeKind.MEASURE, m.label, m.amount(w.year), origin=R.Origin.MEASURE_PAGE)
        before = m.amount(w.year - 1)
        if r.random() < 0.1 or example:
            before = before * 11 // 10 // 10_000_000 * 10_000_000 + 10_000_000
        w.line += 1
        w.figure(R.ScopeKind.MEASURE, m.label, before, year=w.year - 1, status=R.BudgetStatus.ENACTED,
                 origin=R.Origin.MEASURE_PAGE)
    if m.body:
        w.records.append(R.MeasureAttribute(m.label, "事業主体", m.body, w.span()))
        w.line += 1
    for key, value in m.attributes:
        w.records.append(R.MeasureAttribute(m.label, key, value, w.span()))
        w.line += 1
    if m.plan and m.plan[0] <= w.year:
        start, end = m.plan
        w.records.append(R.PlanPeriod(m.label, start, end, f"{start}年度～{end}年度", w.span()))
        w.line += 1


def _measure_links(w: _Writer, r: random.Random, m: Measure, operators: dict[str, str]) -> None:
    """The measure's legal basis, programme (with its operator) and funding flow."""
    if m.basis:
        law, article, paragraph, item = m.basis
        main, _, branch = article.partition("の")
        printed = f"{law}第{main}条" + (f"の{branch}" if branch else "")
        printed += (f"第{paragraph}項" if paragraph else "") + (f"第{item}号" if item else "")
        w.records.append(R.LegalBasis(m.label, law, article, paragraph, item, printed, w.span()))
        w.line += 1
    if m.program:
        operator = operators[m.program] if r.random() < 0.5 else ""
        w.records.append(R.ProgramMention(m.program, operator, m.label, w.span()))
        w.line += 1
    if m.flow:
        recipient, instrument = m.flow
        funder = "国" if r.random() < 0.5 else m.agency
        now = m.amount(w.year)
        yen = (now // 2 // 10_000_000 * 10_000_000 or 10_000_000) if r.random() < 0.5 else None
        w.records.append(R.FundingFlow(m.label, funder, recipient, instrument, yen,
                                       f"{funder}→{recipient}（{instrument}）", w.span(),
                                       printed_amount=f"{yen / 100_000_000:.1f}億円" if yen else ""))
        w.line += 1
