"""Overall totals, strategy-area charts and agency shares of the NISC budget series.

The summary-table rows and the table's own area totals are :mod:`nisc_tables`'
business; this module reads the rest of the summary pages:

* **the narrative sentence** 「…サイバーセキュリティ関連予算は、…(AMOUNT)が措置されている／となっている」:
  the overall total of the year it names, and the stated difference to a
  previous year (「令和６年度当初予算額に対し約７７．１億円の減額」);
* **headline amounts**: a line holding only an amount on a summary page (a summary
  title or the summary note within a few lines), attributed to the year of the
  caption printed next to it (「令和7年度当初予算額」) or, with no caption, to the
  narrative total it equals. A measure page's 「令和２年度予算政府案 / １５．３億円」 is
  never one: no summary page is around it;
* **previous-year totals in brackets** 「（令和6年度当初予算額 ２,１２８．６億円）」, kept when
  they agree with the narrative's stated difference within 0.1億円 or sit next to a
  headline amount (each document's figure stays with its own source);
* **area charts** in three shapes: ``(n) / amount / percent`` entries; amount and
  percent pairs followed by the ``(n) label`` list; ``(n) label / (amount：percent)``;
* **agency-share charts**: names and percentages alternating, a name possibly
  wrapped over lines (「厚生労」「働省」 is one name).

Every statement gives its own record with its own lines (a total printed four
times gives four figures). Nothing recognisable as a total or share is dropped
silently: what cannot be attributed becomes a :class:`Warning_`, and so does a
chart whose percentages do not add up to 100 (± 0.05 per entry).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from policykg.errors import LoaderError
from policykg.normalize import (
    NOTE_MARK, Amount, fiscal_year_from_text, nfkc, nfkc_with_offsets, parse_amount, squash,
)
from policykg.records import AgencyShare, AreaShare, BudgetFigure, BudgetKind, BudgetStatus, Origin, Record
from policykg.records import ScopeKind, SourceSpan, Warning_
from policykg.sources import Column

__all__ = ["parse_totals"]

log = logging.getLogger(__name__)

_YEAR = r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年度"
_MONEY_TAIL = r"\d[\d,.\s]*?\s?(?:億円|百万円)"
_CAPTION = re.compile(rf"^(?P<year>{_YEAR})\s*(?P<rest>(?:当初|補正)?\s*(?:予算(?:額|政府案|案)?|概算要求額?)?)$")
_PCT = re.compile(r"(?<!\d)\d+(?:\.\d+)?\s*%")  # never from inside a run of digits: linear on a long one
_NUM = re.compile(r"^[(（]\s*(?P<num>[1-9])\s*[)）]$")
_LABEL = re.compile(r"^[(（]\s*(?P<num>[1-9])\s*[)）]\s*(?P<label>\S.*)$")
_AMTPCT = re.compile(r"^[(（]\s*(?P<amt>[^:：()（）]+?)\s*[:：]\s*(?P<pct>\d+(?:\.\d+)?\s*%)\s*[)）]$")
_NOT_MONEY = r"[^\u3040-\u30ff\u4e00-\u9fff()（）]"  # no kana, kanji or brackets
# A footnote mark may follow the unit (「2,051.5億円※」, a superscript NFKC made a digit): parse_amount keeps it
# out of the number.
_MARK_AFTER = rf"(?:\s?{NOTE_MARK}|\d{{1,2}})?"
_MONEY = re.compile(rf"^(?={_NOT_MONEY}*\d){_NOT_MONEY}*(?:億円|百万円){_MARK_AFTER}$")  # a look-ahead: linear
_BRACKET = re.compile(rf"^[(（]\s*(?P<cap>{_YEAR}[^()（）\d]*?)\s*[:：]?\s*(?P<amt>\d[^()（）]*?(?:億円|百万円)"
                      rf"(?:\s?[※*†‡§¶]+\d{{0,2}}|\d{{1,2}})?)\s*[)）]$")
# The subject and body are bounded (the documents print 7-15 and 0-28 characters) so that a long paragraph
# is read in linear time.
_NARRATIVE = re.compile(
    rf"(?P<subject>[^。○〇●◆]{{0,200}}?)サイバーセキュリティ関連予算は、(?P<body>[^。]{{0,300}}?)(?P<amt>{_MONEY_TAIL})\s*"
    r"(?:が措置|となって|となった)"
)
_DELTA = re.compile(
    rf"(?P<ref>{_YEAR}[^、,]*?)(?:に対し|に比べて|と比べて|と比較して)\s*約?\s*(?P<amt>{_MONEY_TAIL})\s*の?\s*"
    r"(?P<dir>増額|増加|減額|減少)"
)
#: Phrases that only summary pages print: their titles and the note on what is counted.
_MARKERS = ("サイバーセキュリティに関する予算", "分野別内訳", "分野別一覧", "主な施策例及び予算額")
_CONTEXT = 5  # a line within this many non-blank lines of a marker is on a summary page
_TOLERANCE = 10**7  # 0.1億円: rounding of a stated difference
_PAIR = (("AMOUNT", "PERCENT"), ("PERCENT", "AMOUNT"))


@dataclass(frozen=True)
class _Tok:
    kind: str  # NUM LABEL AMOUNT BAD PERCENT AMTPCT NAME TEXT
    line: int
    gap: int  # blank lines before this token (0 for a later token on the same line)
    printed: str  # as printed, stripped
    norm: str
    num: int = 0  # area number of NUM and LABEL
    amount: Amount | None = None
    percent: str = ""  # normalised percentage of PERCENT and AMTPCT
    label: str = ""  # printed label of LABEL


@dataclass(frozen=True)
class _Narrative:
    column: Column
    yen: int
    previous: tuple[int, BudgetKind, int] | None  # (year, kind, yen) implied by the stated difference


@dataclass
class _Ctx:
    source: str
    columns: Sequence[Column]
    out: list[Record] = field(default_factory=list)

    def warn(self, message: str, snippet: str, first: int, last: int = 0) -> None:
        self.out.append(Warning_(message, snippet, SourceSpan(self.source, first, last or first)))

    def figure(self, kind: ScopeKind, scope: str, area: int | None, col: Column, amount: Amount,
               origin: Origin, first: int, last: int) -> None:
        self.out.append(BudgetFigure(kind, scope, "", area, col.fiscal_year, col.budget, col.status, amount.yen,
                                     amount.number, amount.unit, amount.printed, origin,
                                     SourceSpan(self.source, first, last), supplement=col.supplement))


def parse_totals(text: str, source: str, *, columns: Sequence[Column]) -> list[Record]:
    """Overall totals, area-chart figures and shares, and agency shares of one NISC document.

    ``columns`` are the document's table columns (``columns[0]`` is its main
    year): they give the status of a (year, budget kind) pair and the year of
    the charts. Records come in document order.

    >>> from policykg.records import BudgetKind as K, BudgetStatus as S
    >>> text = "政府のサイバーセキュリティに関する予算\\n\\n８３４．２億円\\n\\n令和２年度予算政府案\\n"
    >>> [(r.fiscal_year, r.status.value, r.yen, r.source.line)
    ...  for r in parse_totals(text, "doc", columns=[Column(2020, K.INITIAL, S.DRAFT)])]
    [(2020, 'draft', 83420000000, 3)]
    """
    if not columns:
        raise LoaderError(source, 0, "", "no table columns: the document's years are unknown")
    lines = [raw.rstrip("\r") for raw in text.split("\n")]
    ctx = _Ctx(source, columns)
    toks = _tokens(lines)
    used = _area_charts(toks, ctx)
    rest = [t for i, t in enumerate(toks) if i not in used]
    _share_charts(rest, ctx)
    narratives, narrative_lines = _narratives(lines, ctx)
    page = _Page(lines, narrative_lines)
    headlines = _headlines(rest, ctx, page, narratives)
    _brackets(lines, ctx, page, narratives, headlines)
    return sorted(ctx.out, key=lambda r: (r.source.line, r.source.end_line))


# ---------------------------------------------------------------- tokens


def _tokens(lines: Sequence[str]) -> list[_Tok]:
    """One token per non-blank line; a line of percentages and names gives several."""
    toks: list[_Tok] = []
    gap = 0
    for number, raw in enumerate(lines, 1):
        norm, off = nfkc_with_offsets(raw)
        s = re.sub(r"^(?:#+|[-*]\s)\s*", "", norm.strip())  # Markdown heading or list marker
        if not s:
            gap += 1
            continue
        toks.extend(_classify(s, off[len(norm.rstrip()) - len(s) :], raw, number, gap))
        gap = 0
    return toks


def _classify(s: str, off: list[int], raw: str, line: int, gap: int) -> list[_Tok]:
    """Tokens of one stripped, normalised line ``s``; ``off`` maps ``s`` into ``raw``."""

    def cut(a: int, b: int) -> str:
        return raw[off[a] : off[b]]

    printed = cut(0, len(s))
    if (m := _NUM.match(s)) is not None:
        return [_Tok("NUM", line, gap, printed, s, num=int(m["num"]))]
    m = _AMTPCT.match(s)  # never together with _MONEY, which allows no brackets
    if _MONEY.match(s) or m is not None:
        try:
            amount = parse_amount(printed if m is None else cut(m.start("amt"), m.end("amt")))
        except ValueError:
            return [_Tok("BAD", line, gap, printed, s)]
        if m is None:
            return [_Tok("AMOUNT", line, gap, printed, s, amount=amount)]
        return [_Tok("AMTPCT", line, gap, printed, s, amount=amount, percent=_percent(m["pct"]))]
    if (m := _LABEL.match(s)) is not None and not _PCT.search(s) and "円" not in s:
        return [_Tok("LABEL", line, gap, printed, s, num=int(m["num"]), label=cut(m.start("label"), len(s)))]
    pieces = [p.strip() for p in _PCT.split(s)]
    if len(pieces) == 1 or not all(not p or _is_name(p) for p in pieces) or (pieces[0] and pieces[-1]):
        return [_Tok("NAME" if _is_name(s) else "TEXT", line, gap, printed, s)]
    out: list[_Tok] = []
    pos = 0
    for pct in [*_PCT.finditer(s), None]:
        end = pct.start() if pct else len(s)
        if name := s[pos:end].strip():
            a = s.index(name, pos)
            out.append(_Tok("NAME", line, 0 if out else gap, cut(a, a + len(name)), name))
        if pct is not None:
            out.append(_Tok("PERCENT", line, 0 if out else gap, cut(pct.start(), pct.end()), pct[0],
                            percent=_percent(pct[0])))
            pos = pct.end()
    return out


def _is_name(s: str, longest: int = 12) -> bool:
    """A short chart label: an agency, その他, NISC, or part of a wrapped one.

    >>> _is_name("厚生労"), _is_name("内閣官房(NISC)"), _is_name("令和7年度当初予算額"), _is_name("※注記")
    (True, True, False, False)
    """
    return (
        0 < len(s) <= longest
        and not re.search(r"[\d。、,「」:：%]", s)
        and not s.startswith(("※", "注", "○", "〇", "・", "-", "●", "◆", "■"))
        and not any(m in squash(s) for m in _MARKERS)
    )


def _percent(printed: str) -> str:
    """A percentage as a normalised decimal string.

    >>> _percent("２．８ %")
    '2.8'
    """
    return re.sub(r"\s|%", "", nfkc(printed))


# ---------------------------------------------------------------- charts


def _sums_to_100(percents: Sequence[str]) -> bool:
    """Rounded shares of a whole: 100 give or take 0.05 per entry.

    >>> _sums_to_100(["67.7", "17.7", "4.7", "8.2", "1.7"]), _sums_to_100(["67.8", "8.2"])
    (True, False)
    """
    return abs(sum(Decimal(p) for p in percents) - 100) <= Decimal("0.05") * len(percents)


def _chart_column(toks: Sequence[_Tok], first: int, ctx: _Ctx) -> Column | None:
    """A chart's year is the document's main column; a caption just before the chart
    naming another year leaves it unattributed (None, with a warning)."""
    main = ctx.columns[0]
    for tok in reversed(toks[max(0, first - 6) : first]):
        if (cap := _caption(tok.norm)) is not None:
            if cap[0] != main.fiscal_year or cap[1] not in (None, main.budget):
                ctx.warn("chart captioned for another year than the document's main column; chart skipped",
                         tok.printed, tok.line)
                return None
            break
    return main


def _label_end(toks: Sequence[_Tok], k: int) -> tuple[str, int]:
    """The label of the LABEL at ``k`` with its wrapped continuation lines; the index after them."""
    label, j = toks[k].label, k + 1
    while j < len(toks) and toks[j].kind in ("NAME", "TEXT") and toks[j].gap <= 1 and _is_name(toks[j].norm, 20):
        label, j = label + toks[j].printed, j + 1
    return label, j


def _entry(toks: Sequence[_Tok], i: int, n: int) -> tuple[str, tuple, int] | None:
    """Chart entry ``n`` at token ``i``: (shape, (number, label, amount, percent, first, last), next index)."""
    t, nxt = toks[i], toks[i + 1 : i + 3]
    kinds = tuple(x.kind for x in nxt)
    if t.kind == "NUM" and t.num == n and kinds in _PAIR:
        amt, pct = nxt if kinds[0] == "AMOUNT" else nxt[::-1]
        return "number", (n, None, amt, pct, t.line, nxt[1].line), i + 3
    if t.kind == "LABEL" and t.num == n:
        label, k = _label_end(toks, i)
        if k < len(toks) and toks[k].kind == "AMTPCT":
            return "label", (n, label, toks[k], toks[k], t.line, toks[k].line), k + 1
    if kinds and (t.kind, kinds[0]) in _PAIR:
        amt, pct = (t, nxt[0]) if t.kind == "AMOUNT" else (nxt[0], t)
        return "pair-" + t.kind, (0, None, amt, pct, t.line, nxt[0].line), i + 2
    return None


def _area_charts(toks: list[_Tok], ctx: _Ctx) -> set[int]:
    """Read the area charts; return the indexes of the tokens they used."""
    used: set[int] = set()
    i = 0
    while i < len(toks):
        entries: list[tuple] = []
        shape, j = "", i
        while j < len(toks) and (e := _entry(toks, j, len(entries) + 1)) and shape in ("", e[0]):
            shape, j = e[0], e[2]
            entries.append(e[1])
        if len(entries) < 2:
            i += 1
            continue
        labels: dict[int, str] = {}
        while shape != "label" and j < len(toks) and toks[j].kind == "LABEL" and toks[j].num not in labels:
            labels[toks[j].num], j = _label_end(toks, j)
        used.update(range(i, j))
        if shape.startswith("pair"):  # numbered by the (1)…(n) label list that follows
            if sorted(labels) != list(range(1, len(entries) + 1)):
                ctx.warn(f"area chart of {len(entries)} amount/percent pairs without a (1)…({len(entries)}) label"
                         " list after it; chart skipped", toks[i].printed, entries[0][4], entries[-1][5])
                i = j
                continue
            entries = [(n, *e[1:]) for n, e in enumerate(entries, 1)]
        _emit_area_chart(toks, i, entries, labels, ctx)
        i = j
    return used


def _emit_area_chart(toks: list[_Tok], i: int, entries: list[tuple], labels: dict[int, str], ctx: _Ctx) -> None:
    percents = [e[3].percent for e in entries]
    if not _sums_to_100(percents):
        ctx.warn(f"area chart percentages add up to {sum(Decimal(p) for p in percents)}, not 100; chart skipped",
                 " ".join(percents), entries[0][4], entries[-1][5])
        return
    if (column := _chart_column(toks, i, ctx)) is None:
        return
    for num, label, amt, pct, first, last in entries:
        label = labels.get(num, "") if label is None else label
        ctx.figure(ScopeKind.STRATEGY_AREA, label, num, column, amt.amount, Origin.AREA_CHART, first, last)
        span = SourceSpan(ctx.source, first, last)
        ctx.out.append(AreaShare(num, label, column.fiscal_year, column.budget, column.status, pct.percent, span))


def _share_charts(toks: list[_Tok], ctx: _Ctx) -> None:
    """Agency-share charts: runs of names and percentages, each name before its percentage."""
    i = 0
    while i < len(toks):
        j = i
        while j < len(toks) and toks[j].kind in ("NAME", "PERCENT"):
            j += 1
        end = j
        while end > i and toks[end - 1].kind == "NAME":  # trailing names are a heading, not the chart
            end -= 1
        if end > i:
            _emit_shares(toks, i, end, ctx)
        i = max(j, i + 1)


def _emit_shares(toks: list[_Tok], i: int, end: int, ctx: _Ctx) -> None:
    run = toks[i:end]
    first, last, snippet = run[0].line, run[-1].line, " ".join(t.printed for t in run)
    pairs: list[tuple[list[_Tok], _Tok]] = []
    name: list[_Tok] = []
    for t in run:
        if t.kind == "NAME":
            name.append(t)
        elif name:
            pairs.append((name, t))
            name = []
    percents = [t.percent for t in run if t.kind == "PERCENT"]
    if len(pairs) != len(percents):
        what = "no names" if not pairs else "a percentage without a name"
        ctx.warn(f"share chart of {len(percents)} percentage(s) with {what}; no shares recorded", snippet, first, last)
    elif not _sums_to_100(percents):
        ctx.warn(f"share chart percentages add up to {sum(Decimal(p) for p in percents)}, not 100; "
                 "no shares recorded", snippet, first, last)
    elif (column := _chart_column(toks, i, ctx)) is not None:
        for name, pct in pairs:
            agency = "".join(n.printed for n in name)
            span = SourceSpan(ctx.source, name[0].line, pct.line)
            ctx.out.append(AgencyShare(agency, column.fiscal_year, column.budget, column.status, pct.percent, span))


# ---------------------------------------------------------------- totals


class _Joined:
    """Lines joined without separator (wrapped Japanese text) and normalised, with
    the way back to each character's line and printed text."""

    def __init__(self, lines: Sequence[str], first: int) -> None:
        self.raw, self.first = "".join(lines), first
        self.starts = [0, *itertools.accumulate(len(x) for x in lines[:-1])] if lines else []  # linear time
        self.norm, self.off = nfkc_with_offsets(self.raw)

    def line(self, i: int) -> int:
        return self.first + bisect.bisect_right(self.starts, self.off[i]) - 1

    def printed(self, a: int, b: int) -> str:
        return self.raw[self.off[a] : self.off[b]].strip()


def _caption(text: str) -> tuple[int, BudgetKind | None, str] | None:
    """(year, budget kind or None when unstated, words after the year) of a caption line.

    >>> _caption("令和5年度補正予算")[:2], _caption("令和7年度")[:2], _caption("令和２年度予算政府案")[:2]
    ((2023, <BudgetKind.SUPPLEMENTARY: 'supplementary'>), (2025, None), (2020, <BudgetKind.INITIAL: 'initial'>))
    """
    m = _CAPTION.match(nfkc(text).strip().lstrip("#").strip())
    try:
        year = fiscal_year_from_text(m["year"]) if m else 0
    except ValueError:  # 令和0年度
        return None
    if m is None:
        return None
    kind = BudgetKind.SUPPLEMENTARY if "補正" in m["rest"] else BudgetKind.INITIAL if m["rest"] else None
    return year, kind, m["rest"]


def _column(year: int, kind: BudgetKind, words: str, columns: Sequence[Column]) -> Column | None:
    """(year, kind) with the status of the document's column, else the status the
    words state (案: draft, 概算要求: request), else enacted; None when they disagree."""
    stated = BudgetStatus.DRAFT if "案" in words else BudgetStatus.REQUEST if "概算要求" in words else None
    status = next((c.status for c in columns if (c.fiscal_year, c.budget) == (year, kind)), None)
    if status is not None and stated not in (None, status):
        return None
    return Column(year, kind, status or stated or BudgetStatus.ENACTED)


def _narratives(lines: Sequence[str], ctx: _Ctx) -> tuple[list[_Narrative], set[int]]:
    """The narrative statements of the overall total (a figure each), and their lines."""
    found: list[_Narrative] = []
    seen: set[int] = set()
    n = 0
    while n < len(lines):
        k = n
        while k < len(lines) and lines[k].strip():
            k += 1
        para = _Joined(lines[n:k], n + 1)
        for m in _NARRATIVE.finditer(para.norm) if "関連予算は" in para.norm else ():
            a = m.start("subject") + len(m["subject"]) - len(m["subject"].lstrip(" -・"))
            first, last = para.line(a), para.line(m.end("amt") - 1)
            seen.update(range(first, last + 1))
            snippet = para.printed(a, m.end())
            try:
                year = fiscal_year_from_text(m["subject"])
                amount = parse_amount(para.printed(m.start("amt"), m.end("amt")))
            except ValueError as e:
                ctx.warn(f"overall-total sentence not read ({e}); not recorded", snippet, first, last)
                continue
            kind = BudgetKind.SUPPLEMENTARY if "補正" in m["subject"] else BudgetKind.INITIAL
            if (column := _column(year, kind, m["subject"], ctx.columns)) is None:
                ctx.warn("overall-total sentence's status disagrees with the columns; not recorded", snippet, first)
                continue
            ctx.figure(ScopeKind.OVERALL, "", None, column, amount, Origin.HEADLINE, first, last)
            found.append(_Narrative(column, amount.yen, _previous(m["body"], amount.yen)))
        n = k + 1
    return found, seen


def _previous(body: str, yen: int) -> tuple[int, BudgetKind, int] | None:
    """(year, kind, yen) of the previous total that a stated difference implies."""
    if (d := _DELTA.search(body)) is None:
        return None
    try:
        delta, year = parse_amount(d["amt"]).yen, fiscal_year_from_text(d["ref"])
    except ValueError:
        return None
    kind = BudgetKind.SUPPLEMENTARY if "補正" in d["ref"] else BudgetKind.INITIAL
    return year, kind, yen - delta if d["dir"] in ("増額", "増加") else yen + delta


class _Page:
    """Which lines are on a summary page: within a few non-blank lines of a marker."""

    def __init__(self, lines: Sequence[str], extra: set[int]) -> None:
        self.lines = lines
        self.nonblank = [n for n, x in enumerate(lines, 1) if nfkc(x).strip()]
        self.markers = {n for n in self.nonblank if any(m in squash(lines[n - 1]) for m in _MARKERS)} | extra

    def neighbours(self, first: int, last: int) -> list[int]:
        a, b = bisect.bisect_left(self.nonblank, first), bisect.bisect_right(self.nonblank, last)
        return self.nonblank[max(0, a - 1) : a] + self.nonblank[b : b + 1]

    def is_summary(self, line: int) -> bool:
        k = bisect.bisect_left(self.nonblank, line)
        return any(n in self.markers for n in self.nonblank[max(0, k - _CONTEXT) : k + _CONTEXT + 1])


def _headlines(toks: list[_Tok], ctx: _Ctx, page: _Page, narratives: list[_Narrative]) -> set[int]:
    """Standalone amounts on summary pages: overall totals of the year captioned next to
    them, or of the narrative total they equal. Returns the lines of those accepted."""
    accepted: set[int] = set()
    for t in toks:
        if t.kind not in ("AMOUNT", "BAD") or not page.is_summary(t.line):
            continue
        if t.amount is None:
            ctx.warn("unreadable amount on a summary page; not recorded", t.printed, t.line)
            continue
        caps = [c for n in page.neighbours(t.line, t.line) if (c := _caption(page.lines[n - 1]))]
        same = {n.column for n in narratives if n.yen == t.amount.yen}
        column: Column | None = None
        if len(same) == 1:
            column = same.pop()
            fits = [c for c in caps if c[0] == column.fiscal_year and c[1] in (None, column.budget)]
            if caps and not fits:
                ctx.warn("amount equals the narrative total but is captioned for another year; not recorded",
                         t.printed, t.line)
                continue
            column = _column(column.fiscal_year, column.budget, fits[0][2], ctx.columns) if fits else column
        else:
            known = {(c[0], c[1]): c[2] for c in caps if c[1] is not None}
            if same or len(known) != 1:
                ctx.warn("amount on a summary page without one caption naming its year; not recorded",
                         t.printed, t.line)
                continue
            (year, kind), words = known.popitem()
            if any((n.column.fiscal_year, n.column.budget) == (year, kind) for n in narratives):
                ctx.warn("captioned amount differs from the narrative total of its year; not recorded",
                         t.printed, t.line)
                continue
            column = _column(year, kind, words, ctx.columns)
        if column is None:
            ctx.warn("caption's status disagrees with the document's columns; not recorded", t.printed, t.line)
            continue
        ctx.figure(ScopeKind.OVERALL, "", None, column, t.amount, Origin.HEADLINE, t.line, t.line)
        accepted.add(t.line)
    return accepted


def _brackets(lines: Sequence[str], ctx: _Ctx, page: _Page, narratives: list[_Narrative], headlines: set[int]) -> None:
    """Previous-year totals in brackets, e.g. 「（令和6年度当初予算額 ２,１２８．６億円）」."""
    for number, raw in enumerate(lines, 1):
        s = nfkc(raw).strip()
        if not s.startswith(("(", "（")):
            continue
        last = number + 1 if not re.search(r"[)）]", s) and number < len(lines) else number
        joined = _Joined(lines[number - 1 : last], number)
        lead = len(joined.norm) - len(joined.norm.lstrip())
        m = _BRACKET.match(joined.norm.strip())
        if m is None or (cap := _caption(m["cap"])) is None or cap[1] is None:
            continue
        year, kind, words = cap
        snippet = joined.printed(0, len(joined.norm))
        try:
            amount = parse_amount(joined.printed(lead + m.start("amt"), lead + m.end("amt")))
        except ValueError:
            if page.is_summary(number):
                ctx.warn("unreadable previous-year total; not recorded", snippet, number, last)
            continue
        agrees = any(n.previous and n.previous[:2] == (year, kind) and abs(n.previous[2] - amount.yen) <= _TOLERANCE
                     for n in narratives)
        if agrees or any(n in headlines for n in page.neighbours(number, last)):
            if (column := _column(year, kind, words, ctx.columns)) is None:
                ctx.warn("previous-year total's status disagrees with the columns; not recorded", snippet, number)
                continue
            ctx.figure(ScopeKind.OVERALL, "", None, column, amount, Origin.HEADLINE, number, last)
        elif page.is_summary(number):
            ctx.warn("previous-year total neither agrees with the narrative's stated difference nor sits next to "
                     "a headline amount; not recorded", snippet, number, last)
        else:
            log.debug("%s:%d: bracketed amount off the summary pages ignored: %s", ctx.source, number, snippet)
