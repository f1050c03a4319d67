"""Per-measure pages (「施策例」) of the NISC series 「政府のサイバーセキュリティに関する予算」.

After its summary table, each document has one or more pages per measure. This
loader reads them into records, each citing the page lines it came from:

* :class:`BudgetFigure` (origin MEASURE_PAGE) for each budget statement that
  can be tied to a summary-table measure with certainty;
* :class:`MeasureAttribute` / :class:`PlanPeriod` for 事業主体, 事業スキーム, 補助対象,
  補助率, 計画年度 lines;
* :class:`LegalBasis`, :class:`FundingFlow`, :class:`ProgramMention`;
* :class:`Warning_` for everything it will not attribute: sub-item amounts
  (「１ 厚生労働省及び関係機関における情報セキュリティ対策の推進 １９．７億円」 is
  not the measure's figure), amounts with no label, statements on pages whose
  measure cannot be told, figures that disagree with the summary table.

How a statement finds its measure (strictly; see :mod:`nisc_pages_layout`): the
nearest measure title above it on the same page; on a two-column line, the
title in the same column; before any title, the page's only title if nothing
but agency lines and other statements precede; on an untitled page, the only
measure of the page's agency (and footer area). A statement printed after a
sub-item name on its own line, or under a Markdown sub-item heading, is a
sub-item's. As a guard, a figure for a year and budget kind that the summary
table also prints must agree with the table's cell at the printed precision
(「54億円」 vs 「54.1億円」 agree; a table dash means "no figure"); a bare
parenthesised amount (「54億円（44億円）」) is read as the previous year's
initial budget only where the page states that convention or the table confirms it.

>>> from policykg.records import BudgetKind as K, BudgetStatus as S, MeasureMention, SourceSpan
>>> from policykg.registry import Registry
>>> text = "【総務省】IoTの構築 15.8億円\\n\\n\\n\\nIoTの構築\\n令和７年度当初予算 1,584百万円\\n"
>>> m = MeasureMention("IoTの構築", "総務省", 1, "", SourceSpan("d", 1, 1))
>>> recs = parse_measure_pages(text, "d", measures=[m], columns=[(2025, K.INITIAL, S.ENACTED)],
...                            registry=Registry.load())
>>> [(type(r).__name__, str(r.source)) for r in recs]
[('MeasureAttribute', 'd:5'), ('BudgetFigure', 'd:6')]
>>> [(r.scope, r.fiscal_year, r.yen) for r in recs if isinstance(r, BudgetFigure)]
[('IoTの構築', 2025, 1584000000)]
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence

from policykg.normalize import AMOUNT_RE, Amount, parse_amount, squash
from policykg.records import (
    BudgetFigure,
    BudgetKind,
    BudgetStatus,
    MeasureAttribute,
    MeasureMention,
    Origin,
    Record,
    ScopeKind,
    SourceSpan,
    Warning_,
)
from policykg.registry import Registry

from .nisc_pages_facts import page_facts
from .nisc_pages_figures import Statement, agrees, read_statements, status_for
from .nisc_pages_layout import (
    Page, Scope, Titles, agency_line, analyse, fact_scope, figure_scope, line_marker_len, shared_scope,
)
from .nisc_pages_text import DocText, flat, fold, is_markdown, segment

__all__ = ["parse_measure_pages"]

log = logging.getLogger(__name__)

Column = tuple[int, BudgetKind, BudgetStatus]
DASH = "dash"
_CELL = re.compile(rf"(?P<amount>{AMOUNT_RE.pattern})|(?P<dash>[―—–‐－\-])")
_TABLE_CONFLICT = "not the summary table's figure"
_NOISE = re.compile(r"[()【】<>\[\]:、,・。~\-]|参考|約")


def parse_measure_pages(
    text: str,
    source: str,
    *,
    measures: Sequence[MeasureMention],
    columns: Sequence[Column],
    registry: Registry,
) -> list[Record]:
    """Records read from the measure pages of one NISC document, in line order."""
    doc = DocText.of(text)
    titles = Titles(measures, registry)
    rows: set[int] = set()
    cells = [_table_cells(doc, m, columns, rows) for m in measures]
    guarded = {i for i, c in enumerate(cells) if c}
    markdown = is_markdown(doc)
    blocks = segment(doc, markdown=markdown, is_agency_line=lambda n: bool(agency_line(doc, n, registry)))
    pages = [analyse(doc, a, b, titles, registry, rows, guarded, markdown=markdown) for a, b in blocks]
    pages = [p for p in pages if not p.is_table]
    titled = [i for i, p in enumerate(pages) if p.titles or p.fallback is not None]
    if not titled:
        return []
    names = [m.name for m in measures]
    out: list[Record] = []
    for page in pages[titled[0] : titled[-1] + 1]:
        out += _page_figures(doc, source, page, measures, columns, cells)
        out += _page_titles(doc, source, page, names)
        out += page_facts(doc, source, page.first, page.last, names=names, registry=registry,
                          scope=lambda sq, page=page: fact_scope(page, sq),
                          shared=lambda sq, page=page: shared_scope(page, sq))
    out = list(dict.fromkeys(_drop_conflicts(out)))  # one warning per message and span
    log.debug("%s: %d pages read, %d records", source, titled[-1] - titled[0] + 1, len(out))
    return sorted(out, key=lambda r: (r.source.line, r.source.end_line, type(r).__name__))


# -- the summary-table guard --------------------------------------------------
def _page_titles(doc: DocText, source: str, page: Page, names: list[str]) -> list[Record]:
    """Each measure title of a page, as printed: the page's own wording of the measure's name."""
    return [MeasureAttribute(names[t.measure], "題名", flat(doc.printed_sq(t.sq_start, t.sq_end)).strip(),
                             SourceSpan(source, t.line, t.end_line))
            for t in page.titles if not t.weak]


def _table_cells(doc: DocText, m: MeasureMention, columns: Sequence[Column], rows: set[int]) -> dict:
    """The measure's summary-table cells by (year, kind, status): Amount or DASH.

    A row with as many cells as columns maps them all; a shorter row (FY2020 rows
    leave out the supplementary column) is trusted for its first column only.
    """
    key = fold(squash(f"【{m.agency}】{m.name}"))
    spans = [(m.source.line, m.source.end_line)] if 1 <= m.source.line <= m.source.end_line <= len(doc.lines) else []
    spans += [(n, n) for n in doc.lines_with(key)]
    for first, last in spans:
        start, end = doc.sq_range(first, last)
        pos = doc.squashed.find(key, start, end)
        if pos < 0:
            continue
        rows.update(range(first, last + 1))
        tail_start = doc.sq_to_norm[pos + len(key)]
        tail = doc.norm[tail_start : doc.norm_range(first, last)[1]]
        try:
            tokens = [(parse_amount(doc.printed(tail_start + t.start(), tail_start + t.end())) if t["amount"] else DASH)
                      for t in _CELL.finditer(tail)]
        except ValueError:
            continue  # a cell that is not a whole number of yen: no guard from this row
        if not tokens:
            continue
        if len(tokens) == len(columns):
            return dict(zip(columns, tokens))
        return {tuple(columns[0]): tokens[0]}
    return {}


# -- budget figures -------------------------------------------------------------
def _page_figures(doc, source, page: Page, measures, columns, cells) -> list[Record]:
    start, end = doc.norm_range(page.first, page.last)
    statements, unread = read_statements(doc, start, end)
    titled = bool(page.titles) or page.fallback is not None
    page.statement_lines = _statement_only_lines(doc, statements)
    out: list[Record] = []
    scopes: dict[int, Scope] = {}
    results: list[tuple[Statement, Record]] = []
    for stmt in statements:
        if stmt.anchor >= 0:
            scope = scopes.get(stmt.anchor, Scope(how="none"))
        else:
            scope = _continued_subitem(doc, stmt, statements, scopes) or _statement_scope(doc, page, stmt, statements)
        scopes[stmt.amount_start] = scope
        results.append((stmt, _figure_or_warning(doc, source, stmt, scope, measures, columns, cells,
                                                 items=_page_items(doc, page))))
    out += _discredit_neighbours(doc, source, results)
    for u in unread:
        if u.kind == "orphan" and not titled:
            continue
        message = {
            "unreadable": "budget label with an unreadable amount",
            "orphan": "amount with no fiscal-year label (sub-item, diagram or total): not attributed",
            "paren-unknown": "parenthesised amount after a supplementary figure: meaning not stated",
            "no-year": "「前年度」 with no preceding year on the page",
        }[u.kind]
        out.append(_warning(doc, source, message, u.line, u.end_line))
    return out


def _discredit_neighbours(doc: DocText, source: str, results: list[tuple[Statement, Record]]) -> list[Record]:
    """A figure printed in the same block of lines as one that contradicts the summary
    table (「令和７年度当初予算額 ： １５．３億円 / 令和６年度補正予算額 ： ２．２億円」, an
    agency total) is not trusted either."""
    conflicted = {s.line for s, r in results if isinstance(r, Warning_) and r.message.startswith(_TABLE_CONFLICT)}
    if not conflicted:
        return [r for _, r in results]
    bad_lines: set[int] = set()
    for line in conflicted:
        for step in (-1, 1):
            n = line
            while 1 <= n <= len(doc.lines) and not doc.blank(n):
                bad_lines.add(n)
                n += step
    out: list[Record] = []
    for stmt, record in results:
        if isinstance(record, BudgetFigure) and stmt.line in bad_lines:
            record = _warning(doc, source, f"{_TABLE_CONFLICT}: printed with a figure that disagrees", stmt.line, stmt.end_line)
        out.append(record)
    return out


def _continued_subitem(doc: DocText, stmt: Statement, statements: list[Statement], scopes) -> Scope | None:
    """A statement opening the line right after a sub-item's statement continues that sub-item
    (「…に要する経費 令和6年度予算額 74百万円\n(令和5年度予算額 74百万円)」)."""
    if any(s.line == stmt.line and s.amount_start < stmt.amount_start for s in statements):
        return None
    if stmt.line < 2 or doc.blank(stmt.line - 1):
        return None
    before = [s for s in statements if s.end_line == stmt.line - 1 and s.amount_start in scopes]
    if before and scopes[before[-1].amount_start].subitem:
        return scopes[before[-1].amount_start]
    return None


def _statement_only_lines(doc: DocText, statements: list[Statement]) -> set[int]:
    """Lines that hold nothing but budget statements (and punctuation)."""
    lines = set()
    for line in {s.line for s in statements}:
        text = doc.sq_line(line)
        line_start = doc.sq_range(line, line)[0]
        for s in statements:
            if s.line == line:
                a, b = doc.sq_of(s.start) - line_start, doc.sq_of(s.amount_end) - line_start
                text = text[:a] + " " * (b - a) + text[b:]
        if not _NOISE.sub("", text).strip():
            lines.add(line)
    return lines


def _statement_scope(doc: DocText, page: Page, stmt: Statement, statements: list[Statement]) -> Scope:
    sq = doc.sq_of(stmt.start)
    prefix = _prefix(doc, page, stmt, statements)
    if prefix:
        return Scope(subitem=prefix, how="same-line")
    scope = figure_scope(doc, page, sq, stmt.line)
    if len(scope.measures) > 1:
        same = [s for s in statements if s.line == stmt.line and s.anchor < 0]
        if len(same) == len(scope.measures):
            return Scope((scope.measures[same.index(stmt)],), how="column")
        return Scope(how="ambiguous")
    return scope


def _prefix(doc: DocText, page: Page, stmt: Statement, statements: list[Statement]) -> str:
    """Text before the statement on its line that is not a title, marker or other statement."""
    line_start, _ = doc.sq_range(stmt.line, stmt.line)
    begin = line_start + line_marker_len(doc.squashed[line_start : doc.sq_range(stmt.line, stmt.line)[1]])
    sq = doc.sq_of(stmt.start)
    for t in page.titles:
        if t.end_line == stmt.line and t.sq_end <= sq:
            begin = max(begin, t.sq_end)
    chars = list(doc.squashed[begin:sq]) if begin < sq else []
    for other in statements:
        if other is stmt:
            continue
        a, b = doc.sq_of(other.start) - begin, doc.sq_of(other.amount_end) - begin
        for i in range(max(a, 0), min(b, len(chars))):
            chars[i] = ""
    text = "".join(chars)
    if text.endswith("。"):
        return ""  # a sentence that ends before the statement
    text = _NOISE.sub("", re.sub(r"\([^()]*\)", "", text))
    return text if len(text) >= 2 else ""


_ITEMS = re.compile(r"[-－ー―]\s*([①-⑳](?:\s*[、,・]\s*[①-⑳])+)\s*$")


def _page_items(doc: DocText, page: Page) -> str:
    """The table items a page heading says the page covers, where it names several
    (「（２）国民が安全で安心して暮らせるデジタル社会の実現－⑮、⑱、⑲」 → 「⑮、⑱、⑲」); "" otherwise."""
    for n in range(page.first, page.last + 1):
        m = _ITEMS.search(doc.norm[slice(*doc.norm_range(n, n))])
        if m:
            return m[1]
    return ""


def _other_row(stmt: Statement, m, status, measures, cells) -> int | None:
    """The one other table row of the same agency whose cell agrees with the statement, or None."""
    key = (stmt.fiscal_year, stmt.label.budget, status)
    found = [j for j, other in enumerate(measures)
             if other is not m and other.agency == m.agency
             and isinstance(cells[j].get(key), Amount) and agrees(stmt.amount, cells[j][key], inclusive=stmt.inclusive)]
    return found[0] if len(found) == 1 else None


def _figure_or_warning(doc, source, stmt: Statement, scope: Scope, measures, columns, cells, *, items: str = "") -> Record:
    line, end_line = stmt.line, stmt.end_line
    if scope.measure is None:
        if scope.subitem:
            message = "sub-item amount, not the measure's figure"
        elif scope.how == "ambiguous":
            message = "budget statement under several measure titles: column not certain"
        else:
            message = "budget statement on a page part with no certain measure"
        return _warning(doc, source, message, line, end_line)
    index = scope.measure
    m = measures[index]
    status = status_for(stmt.fiscal_year, stmt.label.budget, stmt.label.explicit, columns)
    cell = cells[index].get((stmt.fiscal_year, stmt.label.budget, status))
    if scope.how == "uncertain" and not (isinstance(cell, Amount) and agrees(stmt.amount, cell, exact=True)):
        return _warning(doc, source, "figure below a sub-item's text: not confirmed by the summary table", line, end_line)
    if stmt.basis == "paren-table" and not (isinstance(cell, Amount) and agrees(stmt.amount, cell)):
        return _warning(doc, source, "parenthesised amount: no stated convention and the summary table does not confirm it", line, end_line)
    inference = ""
    if cell == DASH or (isinstance(cell, Amount) and not agrees(stmt.amount, cell, inclusive=stmt.inclusive)):
        # a page whose heading names several table items (⑮、⑱、⑲) covers several rows: the statement
        # belongs to the one other row of the agency that the table confirms, or stays a warning
        other = _other_row(stmt, m, status, measures, cells) if items else None
        if other is None:
            if cell == DASH:
                return _warning(doc, source, f"{_TABLE_CONFLICT}: the table prints no figure for {m.name}", line, end_line)
            return _warning(doc, source, f"{_TABLE_CONFLICT}: the table prints {cell.printed} for {m.name}", line, end_line)
        inference = (f"the page covers table items {items}; the amount agrees only with the summary-table row of "
                     f"{measures[other].name} (line {measures[other].source.line}), not with its title's {m.name}")
        m = measures[other]
    return BudgetFigure(
        scope_kind=ScopeKind.MEASURE,
        scope=m.name,
        agency=m.agency,
        area=m.area,
        fiscal_year=stmt.fiscal_year,
        budget=stmt.label.budget,
        status=status,
        yen=stmt.amount.yen,
        number=stmt.amount.number,
        unit=stmt.amount.unit,
        printed=stmt.amount.printed,
        origin=Origin.MEASURE_PAGE,
        source=SourceSpan(source, line, end_line),
        supplement=stmt.label.supplement,
        inclusive=stmt.inclusive,
        inference=inference,
    )


def _warning(doc: DocText, source: str, message: str, line: int, end_line: int) -> Warning_:
    snippet = " ".join(doc.lines[n - 1].strip() for n in range(line, end_line + 1))[:160]
    return Warning_(message, snippet, SourceSpan(source, line, end_line))


def _drop_conflicts(records: list[Record]) -> list[Record]:
    """Figures of one measure, year, kind and status that disagree with each other all become warnings."""
    groups: dict[tuple, list[BudgetFigure]] = defaultdict(list)
    for r in records:
        if isinstance(r, BudgetFigure):
            groups[(r.scope, r.agency, r.fiscal_year, r.budget, r.status, r.inclusive)].append(r)
    bad: set[int] = set()
    for figures in groups.values():
        amounts = [parse_amount(f.printed) for f in figures]
        if any(not agrees(a, b) for a in amounts for b in amounts):
            bad.update(id(f) for f in figures)
    out: list[Record] = []
    for r in records:
        if id(r) in bad:
            snippet = f"{r.printed} ({r.fiscal_year} {r.budget.value})"
            out.append(Warning_(f"page states conflicting figures for {r.scope}", snippet, r.source))
        else:
            out.append(r)
    return out
