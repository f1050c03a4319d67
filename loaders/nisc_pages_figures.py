"""Budget statements on a NISC measure page: 「令和7年度当初予算 1,584百万円」 and kin.

A *statement* is an amount tied to a fiscal-year label, read from the page's
normalised text (see :mod:`nisc_pages_text`):

* label then amount: 「令和７年度予算 ：３２．２億円」, 「７年度予算額１６．０億円」 (an
  era-less year is 令和), 「令和２年度予算政府案\\n１５．３億円」 (label and amount on
  consecutive lines), 「令和５年度補正 1,254百万円の内数」 (inclusive);
* amount then label: 「１５．０億円<令和２年度予算政府案>」, 「5．6億円（令和２年度当初予算案）」;
* a bare parenthesised amount after a statement, 「54億円（44億円）」: the previous
  year's initial budget only where the page states that convention
  (「（（）内は令和元年度当初予算額）」) or the caller confirms it (``basis`` tells);
* a bare amount on a page that states 「金額は令和2年度予算政府案額」.

Which measure a statement belongs to is decided by the caller; this module only
reads. Nothing here guesses: an unreadable amount after a label is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from policykg.normalize import AMOUNT_RE, Amount, UNIT_YEN, era_to_fiscal_year, parse_amount
from policykg.records import BudgetKind, BudgetStatus

from .nisc_pages_text import DocText

__all__ = ["Statement", "Unread", "agrees", "read_statements", "status_for"]

_YEAR = r"(?<![0-9])(?:(?P<era>令和|平成)\s*)?(?P<year>元|[0-9]{1,2})\s*年度?"
_DESC = r"(?P<desc>(?:第?[0-9一二三]次)?(?:当初|補正|政府|予算|概算|要求|額|案|\(案\))+)(?P<circ>[①-⑳])?"
_LABEL = rf"(?:{_YEAR}|(?P<prev>前年度))\s*{_DESC}"
_AMT = rf"(?P<amount>{AMOUNT_RE.pattern})(?P<incl>\s*の内数)?"
_SEP = r"[ \t]*(?::[ \t]*)?(?:\n[ \t]*){0,2}(?::[ \t]*)?(?:約[ \t]*)?"
_DASH = r"[―—–\-−](?![0-9])"
_BAD = r"[0-9][0-9.,]*\s?[^\s0-9.,:()]{1,2}"

LABEL_THEN_AMOUNT = re.compile(rf"{_LABEL}{_SEP}(?:{_AMT}|(?P<dash>{_DASH})|(?P<bad>{_BAD}))")
AMOUNT_THEN_LABEL = re.compile(rf"{_AMT}\s*[<(]\s*{_LABEL}\s*[>)]")
PAREN_AMOUNT = re.compile(rf"\s*】?\s*\(\s*{_AMT}\s*\)")
BARE_AMOUNT = re.compile(_AMT)
NOTE_DEFAULT = re.compile(rf"金額は\s*{_LABEL}")
NOTE_PAREN = re.compile(rf"\(\s*\)\s*内(?:の金額)?は\s*{_LABEL}")


@dataclass(frozen=True)
class Label:
    fiscal_year: int | None  # None: 前年度 (resolved against the previous statement)
    budget: BudgetKind
    explicit: BudgetStatus | None  # REQUEST for 概算要求, DRAFT for 案, else None
    text: str  # normalised label text
    supplement: int = 0  # 補正① → 1, 第2次補正 → 2; 0: not numbered


@dataclass(frozen=True)
class Statement:
    label: Label
    amount: Amount  # printed from the original text
    inclusive: bool
    start: int  # norm offset where the statement starts (label or amount)
    amount_start: int  # norm offsets of the amount
    amount_end: int
    line: int
    end_line: int
    basis: str  # "label" | "paren-stated" | "paren-table" | "default-label"
    anchor: int = -1  # amount_start of the statement a parenthesised amount follows

    @property
    def fiscal_year(self) -> int:
        assert self.label.fiscal_year is not None
        return self.label.fiscal_year


@dataclass(frozen=True)
class Unread:
    """A label with an amount that cannot be read, or an amount with no label."""

    kind: str  # "unreadable" | "orphan" | "paren-unknown" | "no-year"
    start: int
    end: int
    line: int
    end_line: int


def _label(m: re.Match) -> Label | None:
    desc = m["desc"]
    if not any(word in desc for word in ("予算", "補正", "概算要求")):
        return None
    try:
        year = None if m["prev"] else era_to_fiscal_year(m["era"] or "令和", m["year"])
    except ValueError:  # 「0年度」: not a fiscal year
        return None
    kind = BudgetKind.SUPPLEMENTARY if "補正" in desc else BudgetKind.INITIAL
    explicit = BudgetStatus.REQUEST if "概算要求" in desc else BudgetStatus.DRAFT if "案" in desc else None
    begin = min(m.start(g) for g in ("era", "year", "prev") if m[g] is not None)
    finish = m.end("circ") if m["circ"] else m.end("desc")
    return Label(year, kind, explicit, m.string[begin:finish], _supplement(desc, m["circ"]) if kind is BudgetKind.SUPPLEMENTARY else 0)


def _supplement(desc: str, circled: str | None) -> int:
    """The number of a supplementary budget: 「補正①」 → 1, 「第2次補正」 → 2, none → 0.

    >>> _supplement("補正予算額", "②"), _supplement("第2次補正", None), _supplement("補正", None)
    (2, 2, 0)
    """
    if circled:
        return ord(circled) - ord("①") + 1
    m = re.match(r"第([0-9一二三])次", desc)
    return {"1": 1, "2": 2, "3": 3, "一": 1, "二": 2, "三": 3}[m[1]] if m else 0


def _note_label(doc: DocText, pattern: re.Pattern, start: int, end: int) -> Label | None:
    m = pattern.search(doc.norm, start, end)
    return _label(m) if m else None


def read_statements(doc: DocText, start: int, end: int) -> tuple[list[Statement], list[Unread]]:
    """Statements and unread amounts in the norm span [start, end) (one page block)."""
    default = _note_label(doc, NOTE_DEFAULT, start, end)
    paren_rule = _note_label(doc, NOTE_PAREN, start, end)
    primary: list[Statement] = []
    unread: list[Unread] = []
    taken: set[int] = set()  # start offsets of amounts already read
    for m in LABEL_THEN_AMOUNT.finditer(doc.norm, start, end):
        label = _label(m)
        if label is None:
            continue
        if m["amount"]:
            _add(primary, unread, doc, label, m, m.start(), "label")
            taken.add(m.start("amount"))
        elif m["bad"]:
            unread.append(_unread(doc, "unreadable", m.start(), m.end()))
    for m in AMOUNT_THEN_LABEL.finditer(doc.norm, start, end):
        label = _label(m)
        if label is not None and m.start("amount") not in taken:
            _add(primary, unread, doc, label, m, m.start(), "label")
            taken.add(m.start("amount"))
    primary.sort(key=lambda s: s.amount_start)
    primary = _resolve_previous_year(doc, primary, unread)
    found: list[Statement] = []
    for stmt in primary:
        found.append(stmt)
        _paren_after(doc, found, end, paren_rule, taken, unread)
    if default is not None:
        for m in BARE_AMOUNT.finditer(doc.norm, start, end):
            if m.start("amount") in taken:
                continue
            taken.add(m.start("amount"))
            if _add(found, unread, doc, default, m, m.start(), "default-label"):
                _paren_after(doc, found, end, paren_rule, taken, unread)
    for m in BARE_AMOUNT.finditer(doc.norm, start, end):
        if m.start("amount") not in taken:
            unread.append(_unread(doc, "orphan", m.start(), m.end()))
    return found, unread


def _statement(doc: DocText, label: Label, m: re.Match, begin: int, basis: str, anchor: int = -1) -> Statement:
    """A statement; ValueError when the amount is not a whole number of yen (caller reports it)."""
    return Statement(
        label=label,
        amount=parse_amount(doc.printed(m.start("amount"), m.end("amount"))),
        inclusive=bool(m["incl"]),
        start=begin,
        amount_start=m.start("amount"),
        amount_end=m.end("incl") if m["incl"] else m.end("amount"),
        line=doc.line_of(begin),
        end_line=doc.line_of(m.end("amount") - 1),
        basis=basis,
        anchor=anchor,
    )


def _add(found: list[Statement], unread: list[Unread], doc: DocText, label: Label, m: re.Match,
         begin: int, basis: str, anchor: int = -1) -> bool:
    try:
        found.append(_statement(doc, label, m, begin, basis, anchor))
        return True
    except ValueError:
        unread.append(_unread(doc, "unreadable", begin, m.end("amount")))
        return False


def _paren_after(
    doc: DocText, found: list[Statement], end: int, rule: Label | None, taken: set[int], unread: list[Unread]
) -> None:
    """A bare 「（44億円）」 right after the last statement: the previous year's initial budget.

    With a stated rule (「（）内は令和元年度当初予算額」) the rule's label is used;
    otherwise the caller must confirm the reading (basis "paren-table"). After a
    supplementary figure the parenthesis has no known meaning: reported.
    """
    stmt = found[-1]
    m = PAREN_AMOUNT.match(doc.norm, stmt.amount_end, end)
    if m is None or m.start("amount") in taken:
        return
    taken.add(m.start("amount"))
    if rule is not None:
        label, basis = rule, "paren-stated"
    elif stmt.label.budget is BudgetKind.INITIAL:
        label = Label(stmt.fiscal_year - 1, BudgetKind.INITIAL, None, "")
        basis = "paren-table"
    else:
        unread.append(_unread(doc, "paren-unknown", m.start("amount"), m.end("amount")))
        return
    _add(found, unread, doc, label, m, m.start("amount"), basis, anchor=stmt.amount_start)


def _resolve_previous_year(doc: DocText, found: list[Statement], unread: list[Unread]) -> list[Statement]:
    """「前年度予算額」: the year before the statement printed just before it."""
    out: list[Statement] = []
    for stmt in found:
        if stmt.label.fiscal_year is None:
            if not out:
                unread.append(_unread(doc, "no-year", stmt.start, stmt.amount_end))
                continue
            year = out[-1].fiscal_year - 1
            stmt = replace(stmt, label=replace(stmt.label, fiscal_year=year))
        out.append(stmt)
    return out


def _unread(doc: DocText, kind: str, start: int, end: int) -> Unread:
    return Unread(kind, start, end, doc.line_of(start), doc.line_of(max(start, end - 1)))


def status_for(
    year: int, budget: BudgetKind, explicit: BudgetStatus | None, columns
) -> BudgetStatus:
    """概算要求 → REQUEST; else the summary-table column of the same year and kind; else 案 → DRAFT; else ENACTED.

    >>> cols = [(2020, BudgetKind.INITIAL, BudgetStatus.DRAFT)]
    >>> status_for(2020, BudgetKind.INITIAL, BudgetStatus.REQUEST, cols).value
    'request'
    >>> status_for(2020, BudgetKind.INITIAL, None, cols).value
    'draft'
    >>> status_for(2018, BudgetKind.SUPPLEMENTARY, None, cols).value
    'enacted'
    """
    if explicit is BudgetStatus.REQUEST:
        return BudgetStatus.REQUEST
    for col_year, col_kind, col_status in columns:
        if (col_year, col_kind) == (year, budget):
            return col_status
    return explicit or BudgetStatus.ENACTED


def _precision(amount: Amount) -> int:
    decimals = len(amount.number.partition(".")[2])
    return UNIT_YEN[amount.unit] // (10**decimals) if decimals <= 8 else 1


def agrees(page: Amount, table: Amount, *, inclusive: bool = False, exact: bool = False) -> bool:
    """True when two printed amounts are the same figure at the coarser printed precision.

    With ``exact`` the page amount must be at least as precise as the table's
    and round to it (「1,742百万円」 = 「17.4億円」, but 「2億円」 ≠ 「2.1億円」).

    >>> agrees(parse_amount("54億円"), parse_amount("54.1億円"))
    True
    >>> agrees(parse_amount("1,584百万円"), parse_amount("15.8億円"))
    True
    >>> agrees(parse_amount("15.3億円"), parse_amount("15.0億円"))
    False
    >>> agrees(parse_amount("14.6億円"), parse_amount("14.6億円"), inclusive=True)
    True
    >>> agrees(parse_amount("1,742百万円"), parse_amount("17.4億円"), exact=True)
    True
    >>> agrees(parse_amount("2億円"), parse_amount("2.1億円"), exact=True)
    False
    """
    if exact:
        return _precision(page) <= _precision(table) and abs(page.yen - table.yen) <= _precision(table) / 2
    tolerance = max(_precision(page), _precision(table)) / 2
    if inclusive:
        return table.yen <= page.yen + tolerance
    return abs(page.yen - table.yen) <= tolerance
