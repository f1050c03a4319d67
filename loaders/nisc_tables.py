"""Summary tables of the NISC series 「政府のサイバーセキュリティに関する予算」.

Two renderings of the same table are read here:

* plain PDF text (``nisc-budget-pdftext``): a row is ``【agency】name amount amount …``;
  the name or the amounts may wrap onto later lines; strategy-area headers carry
  the area totals in brackets ``（１）label (97.3億円) (27.7億円) (63.2億円)``;
* Markdown (``nisc-budget-markdown``): tab-separated rows with the same cells.

A cell is an amount (``15.3億円``, ``2, 126. 2億円``) or a dash meaning "no figure".
A row whose amounts cannot be read is reported as a :class:`Warning_` with its line
and contributes no figure; it is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from policykg.normalize import (
    AMOUNT_RE, NOTE_MARK, Amount, is_dash, nfkc, nfkc_keeping_marks, nfkc_with_offsets, parse_amount, squash,
)
from policykg.records import (
    BudgetFigure,
    MeasureMention,
    Origin,
    Record,
    ScopeKind,
    SourceSpan,
    Warning_,
)

from policykg.sources import Column

_ROW_START = re.compile(r"^\s*【(?P<agency>[^】]{1,20})】\s*(?P<rest>.*)$")
_BRACKETED = re.compile(r"^\s*【(?P<agency>[^】]{1,200})】")  # any bracketed name (a row's agency is at most 20)
_AREA = re.compile(r"^\s*#*\s*[（(]\s*(?P<num>[1-9])\s*[）)]\s*(?P<rest>.*)$")
# A footnote mark beside an amount, after NFKC (which turns 「¹」 or 「①」 into a digit): parse_amount reads the
# printed cell and keeps the mark out of the number.
_MARK = rf"(?:{NOTE_MARK}|\(\d{{1,2}}\))"
_AFTER = rf"(?:\s?{_MARK}|\d{{1,2}}(?![\d.,]))"  # after the unit; a folded superscript is attached to it
_CELL = rf"(?:(?:{_MARK}\s?)?\d[\d,.\s]*?\s?(?:{_MARK}\s?)?(?:億円|百万円){_AFTER}?|[―—－‐–ー─-])"
_TAIL = re.compile(rf"(?:^|\s)(?P<cell>{_CELL})\s*$")
_CELL_WINDOW = 200
_BRACKET_TOTAL = re.compile(rf"[（(]\s*(?P<amount>[^（()）]*?(?:億円|百万円)(?:\s?{NOTE_MARK}|\d{{1,2}})?)\s*[）)]")
_MONEY_HINT = re.compile(r"\d\s*[.,]?\s*\d*\s*(?:億円|百万円)|[xｘ]\s*億円")


@dataclass
class _Row:
    agency: str
    name_parts: list[str]
    cells: list[str]
    first: int
    last: int
    area: int | None
    area_label: str


def parse_summary_table(
    text: str,
    source: str,
    *,
    columns: Sequence[Column],
    short_row_columns: Sequence[int] = (),
    is_agency: Callable[[str], bool],
    name_only_rows: bool = False,
) -> list[Record]:
    """Read every summary-table row and strategy-area header of a NISC document.

    ``columns`` are the table's columns in printed order; ``short_row_columns``
    names the columns a row with fewer amounts fills (FY2020: ``[0, 2]``).
    ``is_agency`` tells a bracketed agency (【総務省】) from other bracketed
    labels (【主な経費】). With ``name_only_rows`` (the Markdown rendering, which
    lists the measures before the table), a one-line row with no amounts is a
    mention of the measure, not a row with missing amounts.

    >>> from policykg.records import BudgetKind as K, BudgetStatus as S
    >>> cols = [Column(2025, K.INITIAL, S.ENACTED), Column(2024, K.SUPPLEMENTARY, S.ENACTED)]
    >>> recs = parse_summary_table("【総務省】IoTの構築 15.8億円 ―\\n", "doc", columns=cols,
    ...                            is_agency=lambda a: a.endswith("省"))
    >>> [(r.fiscal_year, r.yen) for r in recs if isinstance(r, BudgetFigure)]
    [(2025, 1580000000)]
    """
    lines = text.split("\n")
    out: list[Record] = []
    area: int | None = None
    area_label = ""
    row: _Row | None = None
    repeats = _Repeats()

    def finish() -> None:
        nonlocal row
        if row is None:
            return
        if name_only_rows and not row.cells and row.first == row.last:
            name = "".join(row.name_parts).strip()
            span = SourceSpan(source, row.first, row.last)
            out.append(MeasureMention(name, row.agency, row.area, row.area_label, span))
        else:
            out.extend(repeats.row(_row_records(row, source, columns, short_row_columns)))
        row = None

    def table_break() -> None:
        nonlocal row
        if row is None:
            return
        if name_only_rows and row.first == row.last:
            finish()
        else:
            out.append(_unread(row, source, "row has no amounts before the table moves on"))
            row = None

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        norm, offsets = nfkc_with_offsets(line)
        start = _ROW_START.match(norm)
        if start and is_agency(start["agency"].strip()):
            finish()
            agency = line[offsets[start.start("agency")] : offsets[start.end("agency")]].strip()
            row = _Row(agency, [], [], number, number, area, area_label)
            _feed(row, line[offsets[start.start("rest")] :], number)
            if row.cells:
                finish()
            continue
        if (bracket := _BRACKETED.match(norm)) and _fills_columns(line, len(columns), len(short_row_columns)):
            table_break()  # a line starting with 【 ends the row before it
            label = line[offsets[bracket.start("agency")] : offsets[bracket.end("agency")]].strip()
            out.append(Warning_(f"table row under 【{label}】, which is neither an agency of the registry nor "
                                "named like one (…省, …庁, …委員会 …); row skipped (add the agency to the "
                                "registry to read it)", line.strip(), SourceSpan(source, number, number)))
            continue
        header = _AREA.match(norm)
        if header and _BRACKET_TOTAL.search(header["rest"]):
            finish()
            area, area_label, figures = _area_header(header, line, offsets, source, number, columns)
            out.extend(repeats.area(figures))
            continue
        if header and row is None:
            area, area_label = int(header["num"]), header["rest"].strip()
            continue
        if row is None or not norm.strip():
            continue
        if _is_table_break(norm):
            table_break()
            continue
        _feed(row, line, number)
        if row.cells:
            finish()
    if row is not None:
        out.append(_unread(row, source, "row has no amounts before the end of the file"))
    return out


def _fills_columns(line: str, columns: int, short: int) -> bool:
    """A line whose cells (amounts and dashes ending it) fill the table's columns, after a name."""
    name, cells = split_cells(line)
    return bool(name.strip()) and len(cells) in (columns, short or columns) and all(
        is_dash(c) or AMOUNT_RE.search(nfkc(c)) for c in cells)


class _Repeats:
    """The table's rows and area headers seen so far: a repeat is reported and skipped, so that a
    table printed twice (or a file pasted twice into one) never counts a measure twice."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], tuple[int, tuple]] = {}  # (agency, name) -> (line, figures)
        self.areas: dict[tuple, int] = {}  # (area, figures) -> line

    def row(self, records: list[Record]) -> list[Record]:
        figures = [r for r in records if isinstance(r, BudgetFigure)]
        mention = next((r for r in records if isinstance(r, MeasureMention)), None)
        if mention is None or not figures:
            return records
        key = (squash(mention.agency), squash(mention.name))
        cells = tuple((f.fiscal_year, f.budget, f.supplement, f.status, f.yen) for f in figures)
        if key not in self.rows:
            self.rows[key] = (mention.source.line, cells)
            return records
        line, before = self.rows[key]
        what = ("the same amounts" if cells == before else
                "other amounts (" + ", ".join(f.printed for f in figures) + f"; the row of line {line} is kept)")
        snippet = f"【{mention.agency}】{mention.name} " + " ".join(f.printed for f in figures)
        return [Warning_(f"table row repeats the measure of line {line} with {what}; row skipped, so that it is "
                         "not counted twice", snippet, mention.source)]

    def area(self, records: list[Record]) -> list[Record]:
        figures = [r for r in records if isinstance(r, BudgetFigure)]
        if not figures:
            return records
        key = (figures[0].area, tuple((f.fiscal_year, f.budget, f.supplement, f.status, f.yen) for f in figures))
        if key not in self.areas:
            self.areas[key] = figures[0].source.line
            return records
        return [Warning_(f"area header repeats line {self.areas[key]} (the same area and totals); totals skipped",
                         " ".join(f.printed for f in figures), figures[0].source)]


def _is_table_break(norm: str) -> bool:
    """A line that cannot continue a wrapped row: a heading, a note or a table line."""
    return (
        bool(_AREA.match(norm))
        or "\t" in norm
        or norm.lstrip().startswith(("#", "注", "※", "政府の", "【"))
    )


def _feed(row: _Row, text: str, number: int) -> None:
    """Add one printed line's text to a row: its cells (tab-separated, or the
    amounts ending the line) and the rest as part of the name, both as printed."""
    row.last = number
    name, row.cells = split_cells(text)
    row.name_parts.append(name)


def split_cells(text: str) -> tuple[str, list[str]]:
    """One printed line of a table row: the name part and the cells, both as printed.

    Tab-separated (Markdown): the first field is the name, the other non-empty fields
    the cells. Plain text: the cells are the amounts and dashes ending the line.

    >>> split_cells("【総務省】IoTの構築 15.8億円 ― 15.8億円")
    ('【総務省】IoTの構築', ['15.8億円', '―', '15.8億円'])
    >>> split_cells("【総務省】IoTの構築\\t15.8億円\\t—\\t")
    ('【総務省】IoTの構築', ['15.8億円', '—'])
    """
    if "\t" in text:
        name, *cells = [c.strip() for c in text.split("\t")]
        return name, [c for c in cells if c]
    norm, offsets = nfkc_with_offsets(text.rstrip())
    cut = len(norm)
    cells: list[str] = []
    # Each cell is looked for in the last _CELL_WINDOW characters before the previous one (a cell is
    # under 40): linear in the line, where searching the whole rest each time was quadratic.
    while (match := _TAIL.search(norm, max(0, cut - _CELL_WINDOW), cut)) is not None:
        start = match.start("cell")
        cells.append(text[offsets[start] : offsets[cut]].strip())
        cut = match.start()
    cells.reverse()
    return text[: offsets[cut]], cells


def _row_records(
    row: _Row, source: str, columns: Sequence[Column], short: Sequence[int]
) -> list[Record]:
    span = SourceSpan(source, row.first, row.last)
    name = "".join(p.strip() for p in row.name_parts if p.strip())
    snippet = f"【{row.agency}】{name} {' '.join(row.cells)}"
    if not name:
        return [Warning_("table row without a measure name", snippet, span)]
    if _MONEY_HINT.search(nfkc(name)) or re.search(r"[\d,.]\s*$", name):
        return [Warning_("unreadable amount in table row; row skipped", snippet, span)]
    if len(row.cells) == len(columns):
        targets = list(columns)
    elif short and len(row.cells) == len(short):
        targets = [columns[i] for i in short]
    else:
        return [
            Warning_(
                f"table row has {len(row.cells)} amounts, expected {len(columns)}"
                + (f" or {len(short)}" if short else "")
                + "; row skipped",
                snippet,
                span,
            )
        ]
    out: list[Record] = [MeasureMention(name, row.agency, row.area, row.area_label, span)]
    for cell, column in zip(row.cells, targets):
        if is_dash(cell):
            continue
        try:
            amount = parse_amount(cell)
        except ValueError as e:
            return [Warning_(f"unreadable amount {cell!r}: {e}; row skipped", snippet, span)]
        out.append(_figure(ScopeKind.MEASURE, name, row.agency, row.area, column, amount, cell, span))
    return out


def _figure(
    kind: ScopeKind, scope: str, agency: str, area: int | None, column: Column, amount: Amount, printed: str,
    span: SourceSpan,
) -> BudgetFigure:
    """A summary-table figure: the column gives year, budget kind and status."""
    return BudgetFigure(
        scope_kind=kind,
        scope=scope,
        agency=agency,
        area=area,
        fiscal_year=column.fiscal_year,
        budget=column.budget,
        status=column.status,
        supplement=column.supplement,
        yen=amount.yen,
        number=amount.number,
        unit=amount.unit,
        printed=printed.strip(),
        origin=Origin.SUMMARY_TABLE,
        source=span,
    )


def _unread(row: _Row, source: str, message: str) -> Warning_:
    name = "".join(p.strip() for p in row.name_parts)
    return Warning_(message + "; row skipped", f"【{row.agency}】{name}", SourceSpan(source, row.first, row.last))


def _area_header(
    header: re.Match[str], line: str, offsets: list[int], source: str, number: int, columns: Sequence[Column]
) -> tuple[int, str, list[Record]]:
    """Area number, printed label and bracketed totals of a strategy-area header line."""
    area = int(header["num"])
    rest = header["rest"]
    first = _BRACKET_TOTAL.search(rest)
    assert first is not None
    start = header.start("rest")
    label = line[offsets[start] : offsets[start + first.start()]].replace("\t", " ").strip()
    # in NFKC, as before, but with footnote marks as printed (NFKC would fold 「¹」 into the number)
    totals = [nfkc_keeping_marks(line[offsets[start + m.start("amount")] : offsets[start + m.end("amount")]])
              for m in _BRACKET_TOTAL.finditer(rest)]
    span = SourceSpan(source, number, number)
    if len(totals) != len(columns):
        msg = f"area header has {len(totals)} totals, expected {len(columns)}; totals skipped"
        return area, label, [Warning_(msg, rest, span)]
    figures: list[Record] = []
    for printed, column in zip(totals, columns):
        if is_dash(printed):
            continue
        try:
            amount = parse_amount(printed)
        except ValueError as e:
            figures.append(Warning_(f"unreadable area total: {e}", printed, span))
            continue
        figures.append(_figure(ScopeKind.STRATEGY_AREA, label, "", area, column, amount, printed, span))
    return area, label, figures


__all__ = ["parse_summary_table", "split_cells", "AMOUNT_RE"]
