"""The summary table's columns, read from the document's own header.

A column label is a fiscal year and a budget phase: 「令和6年度 当初予算」, 「令和元年度補正予算案」,
「令和8年度概算要求額」. What a label says:

* **fiscal year**: 令和/平成 with a number or 元 (full-width digits allowed), Gregorian;
* **budget kind**: 補正 → supplementary (with its number when printed: 補正①, 補正(2) or 第2次補正),
  otherwise initial (当初, or no word: 予算政府案);
* **status**: 概算要求 → request; 政府案, 予算案, 補正予算案 → draft; 予算額, 当初予算, 補正予算 → enacted.

The header is printed in one of three ways:

* one tab-separated line (the Markdown rendering): 「⇥令和6年度 当初予算⇥令和5年度 補正予算⇥…」;
* one line holding two or more labels: 「令和6年度当初予算 令和5年度補正予算」;
* labels on lines of their own (the plain PDF text), the labels separated by at most two
  blank lines, at least one of them printed as a year and its phase on two lines
  (「令和6年度」 / 「補正予算」). Lines that are each a whole label (「令和6年度補正予算①」 /
  「令和７年度予算」) are captions or a measure page's diagram (FY2025 line 1324), not a header.

Two rules come from how the plain PDF text renders a table (all four bundled NISC
editions follow them):

* **the document's own year first.** Labels on separate lines come from separate text
  boxes, whose order in the text layer need not be the order on the page: the FY2025
  edition prints its first column's label last (「令和6年度 補正予算」, 「令和6年度 当初予算」,
  「令和7年度」, lines 68-74). The columns of the latest year in the header therefore come
  first, then the others in printed order. A header on one line keeps its printed order.
* **a year printed alone** (「令和7年度」, its phase not printed beside it) takes the phase of
  the document's title caption for that year (「令和7年度当初予算額」, a line of its own printed
  under 「政府のサイバーセキュリティに関する予算」, FY2025 lines 29-33); title captions of that
  year that disagree, or none, are an error.

**Short rows.** A row with fewer amounts than columns leaves out the supplementary
column(s): its amounts fill the other columns in order (FY2020: a row with two amounts
fills columns 0 and 2, checked against its measure pages, e.g. 「10.0億円 4.5億円」 of line 14
and 「令和元年度当初予算 ：４．５億円」 of line 181). That holds only for a table that leaves
an empty supplementary cell out: where a full row prints a dash in a supplementary
column (FY2024, FY2025), an empty cell is a dash, so a short row is not read (a warning).

Nothing is guessed: no header, a label that cannot be read (in a plain-text header: a year
whose next line names a phase we do not read, 「令和6年度」 / 「補正予備費」), a header printed
again with other columns, or a header that no table row fits (every row prints more amounts
than it has columns: a label was lost) is a :class:`~policykg.errors.LoaderError` with the line.

>>> text = ("政府のサイバーセキュリティに関する予算\\n令和7年度当初予算額\\n\\n"
...         "令和6年度\\n補正予算\\n\\n令和6年度\\n当初予算\\n\\n令和7年度\\n 2,051.5億円\\n")
>>> h = read_columns(text, "doc")
>>> [str(c) for c in h.columns], h.line, h.end_line, h.captions[0].line
(['2025 initial enacted', '2024 supplementary enacted', '2024 initial enacted'], 4, 10, 2)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from policykg.errors import LoaderError
from policykg.normalize import AMOUNT_RE, era_to_fiscal_year, is_dash, nfkc, squash
from policykg.records import BudgetKind, BudgetStatus
from policykg.registry import looks_like_agency
from policykg.sources import Column, Document

from .nisc_tables import split_cells

__all__ = ["Caption", "ColumnHeader", "NoHeaderError", "captions", "document_columns", "read_columns",
           "short_row_columns"]

_YEAR = r"(?P<era>令和|平成)(?P<year>元|\d{1,2})年度?"
_PHASE = (
    r"(?P<kind>当初|(?:第(?P<nth>\d{1,2})次)?補正(?:\((?P<pnum>\d{1,2})\)|(?P<num>\d{1,2}))?)?"
    r"(?P<what>予算政府案額?|予算案額?|政府案額?|予算概算要求額?|概算要求額?|予算額?)?"
    r"(?:\(第?(?P<gou>\d{1,2})号?\)|第(?P<gou2>\d{1,2})号|(?P<tail>\d{1,2}))?"
)
_LABEL = re.compile(_YEAR + _PHASE)
_PHASE_ONLY = re.compile(_PHASE)
_ERA = re.compile(r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年")
_HEADING = re.compile(r"^\s*#+\s*")
#: Words of a budget phase: a line holding one under a year is that year's phase, read or not.
_PHASE_WORD = re.compile(r"予算|補正|当初|概算|政府案")
_AGENCY_ROW = re.compile(r"^\s*【(?P<agency>[^】]{1,20})】")
_MAX_GAP = 2  # blank lines allowed between the labels of one header
_TITLE = "サイバーセキュリティに関する予算"
#: A title caption is printed within this many lines after the title (FY2025: lines 29 and 33).
TITLE_LINES = 6


@dataclass(frozen=True)
class _Label:
    line: int
    end_line: int
    printed: str
    year: int
    kind: BudgetKind | None  # None: a year printed alone
    status: BudgetStatus | None
    supplement: int = 0


@dataclass(frozen=True)
class Caption:
    """A line that is one label and nothing else (「令和7年度当初予算額」): a title or caption."""

    line: int
    printed: str
    column: Column


@dataclass(frozen=True)
class ColumnHeader:
    """The columns of a summary table in printed order and where the header is printed."""

    columns: tuple[Column, ...]
    line: int  # first line of the header
    end_line: int  # last line of the header
    short_row_columns: tuple[int, ...]  # the columns a row with fewer amounts fills; () for none
    printed: str  # the labels as printed, in printed order, joined by " | "
    captions: tuple[Caption, ...] = ()  # the captions a year printed alone took its phase from


class NoHeaderError(LoaderError):
    """The document prints no summary-table header at all."""


def _clean(line: str) -> str:
    """A line as labels are matched: NFKC, a Markdown heading mark and all white space removed."""
    return squash(_HEADING.sub("", nfkc(line)))


def _phase(m: re.Match[str]) -> tuple[BudgetKind, BudgetStatus, int] | None:
    """Budget kind, status and supplementary number of a matched phase; None when it names none."""
    if not m["kind"] and not m["what"]:
        return None
    what = m["what"] or ""
    status = (BudgetStatus.REQUEST if "概算要求" in what else BudgetStatus.DRAFT if "案" in what
              else BudgetStatus.ENACTED)
    kind = BudgetKind.SUPPLEMENTARY if m["kind"] and "補正" in m["kind"] else BudgetKind.INITIAL
    number = next((int(n) for n in (m["nth"], m["pnum"], m["num"], m["gou"], m["gou2"], m["tail"]) if n), 0)
    if kind is BudgetKind.INITIAL and number:
        return None  # 当初予算(第2号) is no label we know
    return kind, status, number


def _label(line: str, number: int) -> _Label | None:
    """The label a whole line is (a year with or without its phase), or None."""
    m = _LABEL.fullmatch(_clean(line))
    if m is None or (m["gou"] or m["gou2"] or m["tail"]) and not (m["kind"] or m["what"]):
        return None
    year = era_to_fiscal_year(m["era"], m["year"])
    phase = _phase(m)
    if phase is None:
        if m["kind"] or m["what"]:
            return None  # a phase word we do not read (当初予算(第2号))
        return _Label(number, number, line.strip(), year, None, None)
    return _Label(number, number, line.strip(), year, *phase)


def _with_phase(year: _Label, line: str, number: int) -> _Label | None:
    """A year printed alone and its phase printed on the next line, as one label."""
    m = _PHASE_ONLY.fullmatch(_clean(line))
    phase = _phase(m) if m else None
    if phase is None:
        return None
    return _Label(year.line, number, f"{year.printed} {line.strip()}", year.year, *phase)


def _labels_in_line(line: str, number: int) -> list[_Label] | None:
    """Two or more labels making up one line, in printed order; None otherwise."""
    text = _clean(line)
    found = []
    pos = 0
    while pos < len(text):
        m = _LABEL.match(text, pos)
        phase = _phase(m) if m and m.end() > pos else None
        if m is None or phase is None:
            return None
        found.append(_Label(number, number, m.group(0), era_to_fiscal_year(m["era"], m["year"]), *phase))
        pos = m.end()
    return found if len(found) >= 2 else None


def _tab_header(line: str, number: int, source: str) -> list[_Label] | None:
    """The labels of a tab-separated header line; None when the line is no header."""
    cells = [c.strip() for c in line.split("\t")]
    if AMOUNT_RE.search(nfkc(line)):
        return None
    labels = [(c, _label(c, number)) for c in cells if c]
    if not any(lab is not None and lab.kind is not None for _, lab in labels):
        return None
    out = []
    for i, (cell, lab) in enumerate(labels):
        if lab is not None and lab.kind is not None:
            out.append(lab)
        elif _ERA.search(nfkc(cell)) or out:
            raise LoaderError(source, number, line.strip(), f"table header cell {cell!r} is not a fiscal-year "
                                                            "label such as 令和6年度 当初予算")
        # a cell before the first label is the heading of the name column
    return out


def _blocks(lines: Sequence[str], source: str) -> list[tuple[list[_Label], bool]]:
    """Every header in document order: its labels and whether they share one line."""
    out: list[tuple[list[_Label], bool]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        number = i + 1
        if "\t" in line:
            if (labels := _tab_header(line, number, source)) is not None:
                out.append((labels, True))
            i += 1
            continue
        if (labels := _labels_in_line(line, number)) is not None:
            out.append((labels, True))
            i += 1
            continue
        if (first := _label(line, number)) is None or first.kind is not None:
            i += 1
            continue
        block, j, unread = _split_block(lines, i)
        if any(lab.end_line > lab.line for lab in block):  # a year and its phase on two lines
            if unread:
                number, printed = unread[0]
                raise LoaderError(source, number, printed, "table header label is not a fiscal-year label such as "
                                                           "令和6年度 当初予算: its budget phase cannot be read")
            out.append((block, False))
            i = j
        else:
            i += 1
    return out


def _split_block(lines: Sequence[str], i: int) -> tuple[list[_Label], int, list[tuple[int, str]]]:
    """The labels from line index ``i`` on, each a year on a line of its own with its phase on the
    next line or alone, the index after them, and the years whose next line names a phase that
    cannot be read, as (line of the phase, printed)."""
    block: list[_Label] = []
    unread: list[tuple[int, str]] = []
    j, gap = i, 0
    while j < len(lines):
        if not lines[j].strip():
            gap += 1
            if gap > _MAX_GAP:
                break
            j += 1
            continue
        lab = _label(lines[j], j + 1)
        if lab is None or lab.kind is not None or "\t" in lines[j]:
            break  # a whole label on one line is a caption: it ends the header
        if j + 1 < len(lines) and (joined := _with_phase(lab, lines[j + 1], j + 2)):
            lab = joined
            j += 1
        elif j + 1 < len(lines) and _unread_phase(lines[j + 1], j + 2):
            unread.append((j + 2, f"{lab.printed} / {lines[j + 1].strip()}"))
            gap = 0
            j += 2
            continue
        block.append(lab)
        gap = 0
        j += 1
    return block, j, unread


def _unread_phase(line: str, number: int) -> bool:
    """A line under a year that names a budget phase we cannot read (「補正予備費」, 「当初予\ufffd」)."""
    text = _clean(line)
    return bool(_PHASE_WORD.search(text)) and not AMOUNT_RE.search(nfkc(line)) and _label(line, number) is None


def captions(text: str, *, titles: bool = False) -> list[Caption]:
    """Every line that is exactly one label with its phase (「令和7年度当初予算額」, 「## 令和6年度予算額」).

    With ``titles``, only the captions of a summary page's title: within
    :data:`TITLE_LINES` lines after a line naming the 「…サイバーセキュリティに関する予算」.

    >>> text = "政府のサイバーセキュリティに関する予算\\n\\n令和７年度当初予算額\\n令和6年度\\n" + "\\n" * 6 + "令和6年度補正予算\\n"
    >>> [(c.line, str(c.column)) for c in captions(text)]
    [(3, '2025 initial enacted'), (11, '2024 supplementary enacted')]
    >>> [c.line for c in captions(text, titles=True)]
    [3]
    """
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines, 1):
        lab = _label(line, number) if "\t" not in line else None
        if lab is None or lab.kind is None or lab.status is None:
            continue
        if titles and not any(_TITLE in squash(before) for before in lines[max(0, number - 1 - TITLE_LINES):number - 1]):
            continue
        out.append(Caption(number, line.strip(), Column(lab.year, lab.kind, lab.status, lab.supplement)))
    return out


def _resolve(labels: list[_Label], one_line: bool, caps: list[Caption], source: str) -> tuple[
        tuple[Column, ...], tuple[Caption, ...]]:
    """The columns of one header, in table order, and the captions that gave a phase."""
    used: list[Caption] = []
    columns: list[Column] = []
    for lab in labels:
        if lab.kind is not None and lab.status is not None:
            columns.append(Column(lab.year, lab.kind, lab.status, lab.supplement))
            continue
        mine = [c for c in caps if c.column.fiscal_year == lab.year]
        phases = {c.column for c in mine}
        if len(phases) != 1:
            found = "; ".join(f"line {c.line}: {c.printed}" for c in mine) or "none"
            raise LoaderError(source, lab.line, lab.printed,
                              f"table header label {lab.printed!r} prints no budget phase and the document's "
                              f"captions for that year do not give one (captions: {found})")
        used.append(mine[0])
        columns.append(mine[0].column)
    if not one_line:
        main = max(c.fiscal_year for c in columns)
        columns = [c for c in columns if c.fiscal_year == main] + [c for c in columns if c.fiscal_year != main]
    if len(set(columns)) != len(columns):
        raise LoaderError(source, labels[0].line, " | ".join(lab.printed for lab in labels),
                          "table header names the same column twice")
    return tuple(columns), tuple(used)


def short_row_columns(lines: Sequence[str], columns: Sequence[Column]) -> tuple[int, ...]:
    """The columns a row with fewer amounts fills (see the module docstring); () for none.

    >>> from policykg.records import BudgetKind as K, BudgetStatus as S
    >>> cols = [Column(2020, K.INITIAL, S.DRAFT), Column(2019, K.SUPPLEMENTARY, S.DRAFT),
    ...         Column(2019, K.INITIAL, S.ENACTED)]
    >>> short_row_columns(["【内閣官房】予算 15.3億円 46.1億円 24.9億円", "【警察庁】教養 9.3億円 ―"], cols)
    (0, 2)
    >>> short_row_columns(["【外務省】対策 15.0億円 ― 11.2億円"], cols)
    ()
    """
    supplementary = [i for i, c in enumerate(columns) if c.budget is BudgetKind.SUPPLEMENTARY]
    if not supplementary:
        return ()
    for line in lines:
        if not nfkc(line).lstrip().startswith("【"):
            continue
        _, cells = split_cells(line)
        if len(cells) == len(columns) and any(is_dash(cells[i]) for i in supplementary):
            return ()
    return tuple(i for i in range(len(columns)) if i not in supplementary)


def read_columns(text: str, source: str) -> ColumnHeader:
    """The summary table's columns as the document's header prints them (see the module docstring).

    The header is the first one in the document; a header printed again in the same way
    with as many columns (the table's next page: FY2023 line 57, FY2024 line 106) must
    name the same columns.
    """
    lines = [raw.rstrip("\r") for raw in text.split("\n")]
    blocks = _blocks(lines, source)
    if not blocks:
        first_row = next((n for n, line in enumerate(lines, 1) if nfkc(line).lstrip().startswith("【")), 1)
        raise NoHeaderError(source, first_row, lines[first_row - 1][:60] if lines else "",
                            "no summary-table header found (column labels such as 令和7年度 当初予算)")
    in_headers = {n for labels, _ in blocks for lab in labels for n in range(lab.line, lab.end_line + 1)}
    caps = [c for c in captions(text, titles=True) if c.line not in in_headers]
    labels, one_line = blocks[0]
    columns, used = _resolve(labels, one_line, caps, source)
    printed = " | ".join(lab.printed for lab in labels)
    for other, other_one_line in blocks[1:]:
        if len(other) != len(labels) or other_one_line != one_line:
            continue
        again, _ = _resolve(other, other_one_line, caps, source)
        if again != columns:
            raise LoaderError(source, other[0].line, " | ".join(lab.printed for lab in other),
                              f"table header printed again with other columns than at line {labels[0].line} "
                              f"({', '.join(map(str, again))} vs {', '.join(map(str, columns))})")
    first, last = labels[0].line, max(lab.end_line for lab in labels)
    short = short_row_columns(lines, columns)
    _check_rows_fit(lines, columns, short, source, first, printed)
    return ColumnHeader(columns, first, last, short, printed, used)


def _check_rows_fit(lines: Sequence[str], columns: Sequence[Column], short: Sequence[int], source: str,
                    line: int, printed: str) -> None:
    """A LoaderError at the header when no table row fits its columns and a row prints more amounts."""
    rows = [(n, len(cells)) for n, text in enumerate(lines, 1) if (m := _AGENCY_ROW.match(nfkc(text)))
            and looks_like_agency(m["agency"]) and (cells := split_cells(text)[1])]
    wider = next(((n, k) for n, k in rows if k > len(columns)), None)
    if wider and not any(k in (len(columns), len(short)) for _, k in rows):
        raise LoaderError(source, line, printed, f"the table header names {len(columns)} column(s) but no table "
                                                 f"row fits them (line {wider[0]} prints {wider[1]} amounts): a "
                                                 "column label is missing or cannot be read")


def document_columns(doc: Document, text: str) -> tuple[tuple[Column, ...], tuple[int, ...]]:
    """The columns and short-row columns of a NISC document: its header, checked against the manifest.

    The manifest may omit ``columns``, ``columns_line`` and ``short_row_columns``; what
    it states must agree with the header, else a LoaderError at the header's line. A
    document without any header uses the manifest's columns when it states them, and
    when it gives no ``columns_line`` (the line of a header it would be checked against):
    its first column must still be the budget of the document's title caption, if it prints
    one (「令和7年度当初予算額」), else a LoaderError at the caption.
    """
    try:
        header = read_columns(text, doc.id)
    except NoHeaderError:
        if doc.columns:
            _check_without_header(doc, text)
            return doc.columns, doc.short_row_columns
        raise
    where = f"the table header of {doc.path.name} (lines {header.line}-{header.end_line})"
    if doc.columns and tuple(doc.columns) != header.columns:
        raise LoaderError(doc.id, header.line, header.printed,
                          f"the manifest's columns ({', '.join(map(str, doc.columns))}) disagree with {where}, "
                          f"which prints {', '.join(map(str, header.columns))}")
    if doc.columns_line and doc.columns_line != header.line:
        raise LoaderError(doc.id, header.line, header.printed,
                          f"the manifest's columns_line {doc.columns_line} disagrees with {where}")
    if doc.short_row_columns and tuple(doc.short_row_columns) != header.short_row_columns:
        raise LoaderError(doc.id, header.line, header.printed,
                          f"the manifest's short_row_columns {list(doc.short_row_columns)} disagree with what "
                          f"{where} and the table's rows give: {list(header.short_row_columns)}")
    return header.columns, header.short_row_columns


def _check_without_header(doc: Document, text: str) -> None:
    """The manifest's columns of a document that prints no header: nothing to check them against but
    the title caption, and a ``columns_line`` naming a header is wrong."""
    lines = text.split("\n")
    if doc.columns_line:
        n = doc.columns_line
        where = (f"line {n} is past the end of the file ({len(lines)} lines)" if n > len(lines)
                 else f"line {n} is not a table header such as 令和7年度 / 当初予算")
        raise LoaderError(doc.id, n, lines[n - 1].strip() if n <= len(lines) else "",
                          f"the manifest's columns_line {n} names a table header, but {where} and the document prints "
                          "none (columns_line = 0 declares a table without a header)")
    titles = captions(text, titles=True)
    main = doc.columns[0]
    if titles and not any(c.column == main for c in titles):
        cap = titles[0]
        raise LoaderError(doc.id, cap.line, cap.printed,
                          f"the manifest's first column ({main}) is not the budget of the document's title caption "
                          f"({cap.column}); with no table header to check the columns against, the first column "
                          "must be the document's own budget")
