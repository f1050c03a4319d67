"""Editions of the NISC budget summary made from the bundled texts, with the figures they must yield.

A real next edition differs from the last in known ways: its era years move on, every amount
changes while the area subtotals and the headline still add up, plan periods end later, measures
are renamed, dropped and added (some under an agency no registry knows yet), rows wrap, digits
turn full-width, a table may print two columns and dashes, an area heading is reworded, a page
names another 事業主体 or scheme. :func:`make_edition` applies one :class:`Spec` to a bundled text
and returns the new text with what a reader must find in it.

The expected figures are the generator's own numbers. It reads the bundled summary table with its
own small patterns (the table's line ranges and totals are written in :data:`SOURCES`, checked by
hand against the text), writes every amount it expects, and records the line it wrote it on. It
never imports policykg.

Run as a script to write the editions and their expectations to a folder::

    python tests/editions/generate.py OUT
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
UNIT = 10**7  # amounts are handled in 0.1億円 (10^7 yen), the precision the tables print
DASHES = {"―", "—", "－", "-", "‐"}
_FULL = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
_AMOUNT = re.compile(r"(?P<num>[0-9０-９][0-9０-９,，、 ]*[0-9０-９]|[0-9０-９])(?:(?P<point> ?[.．] ?)(?P<dec>[0-9０-９]+))?(?P<sp> ?)億円")
_ERA = re.compile(r"(令和|平成)([0-9０-９]+|元)年(?=度|補正|当初)")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Column:
    fiscal_year: int
    budget: str  # initial | supplementary
    status: str  # enacted | draft | request


@dataclass(frozen=True)
class Source:
    """A bundled NISC text, described by hand (line numbers 1-based, checked against the file)."""

    file: str
    layout: str  # "pdftext": rows 「【省】名 54.1億円 ― 44.0億円」; "markdown": tab-separated rows
    columns: tuple[Column, ...]  # the table's columns, in the order rows print them
    table: tuple[tuple[int, int], ...]  # line ranges holding the area headings and rows
    header: tuple[tuple[int, int], ...]  # line ranges of the column header(s)
    rows: int  # table rows, counted by hand
    totals: tuple[int | None, ...]  # the headline total printed for each column (0.1億円), None: none printed
    area_chart: tuple[int, int] | None = None  # lines of the area chart (「（１）」 / 「97.3 億円」 / 「4.7%」)


SOURCES = {
    "fy2025": Source(
        file="000_b360cdfc8cdc379a.txt",
        layout="pdftext",
        columns=(Column(2025, "initial", "enacted"), Column(2024, "supplementary", "enacted"),
                 Column(2024, "initial", "enacted")),
        table=((2, 27), (50, 59)),
        header=((68, 74),),
        rows=30,
        totals=(20515, None, 21286),
        area_chart=(129, 161),
    ),
    "fy2024": Source(
        file="002_1a1f949df8b9b077.txt",
        layout="markdown",
        columns=(Column(2024, "initial", "enacted"), Column(2023, "supplementary", "enacted"),
                 Column(2023, "initial", "enacted")),
        table=((70, 92), (107, 118)),
        header=((69, 69), (106, 106)),
        rows=31,
        totals=(21262, 2389, 13789),
    ),
}


@dataclass(frozen=True)
class Added:
    area: int
    after: str  # the name of the row it follows
    agency: str
    name: str
    amounts: tuple[int | None, ...]  # 0.1億円 per column of the edition


@dataclass(frozen=True)
class PageEdit:
    """Replace ``old`` by ``new`` on a source line of a measure page; the fact a reader must see."""

    line: int
    old: str
    new: str
    measure: str
    fact: str  # implementer | scheme | plan-period


@dataclass(frozen=True)
class Spec:
    id: str
    source: str  # a key of SOURCES
    shift: int  # era years added to every fiscal-year mention
    seed: int  # for the amount changes
    columns: tuple[int, ...] | None = None  # the source columns kept (None: all)
    renames: dict[str, str] = field(default_factory=dict)  # old name → new name, everywhere in the text
    drops: tuple[str, ...] = ()
    adds: tuple[Added, ...] = ()
    wraps: tuple[str, ...] = ()  # rows printed over two lines
    full_width: tuple[str, ...] = ()  # rows whose amounts are printed in full-width digits
    area_labels: dict[int, str] = field(default_factory=dict)  # area number → reworded heading
    pages: tuple[PageEdit, ...] = ()


@dataclass
class Row:
    agency: str
    name: str
    amounts: list[int | None]
    decimals: list[int]
    area: int
    gap: str = ""  # 「【防衛省】 情報システムの防護」: a space after the agency


@dataclass(frozen=True)
class Expected:
    """One figure the edition prints: a measure's (``measure`` set) or a total's."""

    line: int
    fiscal_year: int
    budget: str
    status: str
    yen: int
    printed: str
    origin: str  # summary-table | headline | area-chart
    agency: str = ""
    measure: str = ""
    area: int | None = None  # a strategy-area total's number


@dataclass(frozen=True)
class NewName:
    kind: str  # agency | measure
    name: str
    line: int


@dataclass(frozen=True)
class Fact:
    measure: str
    fact: str
    value: str
    line: int


@dataclass
class Edition:
    spec: Spec
    text: str
    figures: list[Expected]
    new_names: list[NewName]
    facts: list[Fact]

    def as_json(self) -> dict:
        return {"id": self.spec.id, "figures": [asdict(f) for f in self.figures],
                "new_names": [asdict(n) for n in self.new_names], "facts": [asdict(f) for f in self.facts]}


# --- amounts ---------------------------------------------------------------------------------


def parse_amount(text: str) -> tuple[int, int] | None:
    """``"1,064.0億円"`` → (10640, 1); a dash → None. Units of 0.1億円, printed decimals."""
    t = nfkc(text).strip()
    if t in DASHES or nfkc(t) in {nfkc(d) for d in DASHES}:
        return None
    m = re.fullmatch(r"\(?([0-9][0-9, ]*)(?: ?\. ?([0-9]))? ?億円\)?", t)
    if not m:
        raise ValueError(f"not an amount: {text!r}")
    whole = int(m.group(1).replace(",", "").replace(" ", ""))
    return whole * 10 + int(m.group(2) or 0), 1 if m.group(2) is not None else 0


def show(units: int, decimals: int, *, comma: bool = True) -> str:
    """(10640, 1) → ``"1,064.0億円"``."""
    value = Decimal(units) / 10
    body = f"{value:,.{decimals}f}" if comma else f"{value:.{decimals}f}"
    return body + "億円"


def restyle(old: str, units: int) -> str:
    """Print ``units`` the way ``old`` printed its amount (full-width, 「，」, 「2, 126. 2」, a space)."""
    m = _AMOUNT.fullmatch(old)
    assert m, old
    decimals = len(m.group("dec") or "")
    value = (Decimal(units) / 10).quantize(Decimal(1) if decimals == 0 else Decimal("0.1"), ROUND_HALF_UP)
    comma_char = next((c for c in m.group("num") if c in ",，、"), None)
    whole, _, dec = f"{value:.{decimals}f}".partition(".")
    if comma_char:
        spaced = ", " in m.group("num") or "， " in m.group("num")
        groups = f"{int(whole):,}".split(",")
        whole = (comma_char + (" " if spaced else "")).join(groups)
    digits = [c for c in m.group("num") if c.isdigit()]
    if sum(1 for c in digits if not c.isascii()) * 2 > len(digits):  # full-width, the first digit as printed
        whole = "".join(c.translate(_FULL) if c.isdigit() else c for c in whole)
        dec = dec.translate(_FULL)
        if digits[0].isascii():
            whole = nfkc(whole[0]) + whole[1:]
    out = whole + ((m.group("point") or ".") + dec if decimals else "")
    return out + m.group("sp") + "億円"


def changed(units: int | None, decimals: int, rng: random.Random) -> int | None:
    if units is None:
        return None
    factor = Decimal(rng.randint(80, 125)) / 100
    new = int((Decimal(units) * factor).quantize(Decimal(1), ROUND_HALF_UP))
    if decimals == 0:
        new = max(10, int((Decimal(new) / 10).quantize(Decimal(1), ROUND_HALF_UP)) * 10)
    return max(1, new)


# --- era years -------------------------------------------------------------------------------


def era(gregorian: int, full_width: bool) -> str:
    name, n = ("令和", gregorian - 2018) if gregorian >= 2019 else ("平成", gregorian - 1988)
    number = "元" if n == 1 else str(n)
    return name + (number.translate(_FULL) if full_width else number)


def shift_years(line: str, shift: int) -> str:
    """Move every fiscal-year mention (「令和6年度」, 「令和６年補正」, 「平成26年度」) by ``shift`` years."""

    def move(m: re.Match) -> str:
        raw = m.group(2)
        n = 1 if raw == "元" else int(nfkc(raw))
        base = 2018 if m.group(1) == "令和" else 1988
        return era(base + n + shift, any(not c.isascii() for c in raw)) + "年"

    return _ERA.sub(move, line)


# --- the table -------------------------------------------------------------------------------

_PDF_ROW = re.compile(r"【(?P<agency>[^】]+)】\s*(?P<rest>.+)")
_PDF_AREA = re.compile(r"[（(](?P<n>[0-9０-９])[）)]\s*(?P<label>.+?)(?P<amounts>(?: \(?[^ ()]+億円\)?| [―—])+)$")


def _split_pdf(rest: str, n: int) -> tuple[str, list[str]]:
    parts = rest.split(" ")
    amounts = parts[-n:]
    return " ".join(parts[:-n]).strip(), amounts


def read_table(lines: list[str], src: Source) -> tuple[dict[int, tuple[int, str, list[str]]], dict[int, Row]]:
    """Area headings and rows of the source table, by 1-based line."""
    n = len(src.columns)
    areas: dict[int, tuple[int, str, list[str]]] = {}
    rows: dict[int, Row] = {}
    area = 0
    for first, last in src.table:
        for number in range(first, last + 1):
            line = lines[number - 1]
            if not line.strip():
                continue
            if src.layout == "markdown":
                cells = line.split("\t")
                head, amounts = cells[0], cells[1:]
            else:
                m = _PDF_AREA.fullmatch(line)
                if m:
                    head, amounts = line[: m.start("amounts")], m.group("amounts").split()
                else:
                    head, amounts = _split_pdf(line, n)
            assert len(amounts) == n, (src.file, number, line)
            row = _PDF_ROW.fullmatch(head.strip())
            if row is None:
                a = re.match(r"[（(]([0-9０-９])[）)]\s*(.+)", head.strip())
                assert a, (src.file, number, line)
                area = int(nfkc(a.group(1)))
                areas[number] = (area, a.group(2).strip(), amounts)
                continue
            parsed = [parse_amount(a) for a in amounts]
            rows[number] = Row(row.group("agency").strip(), row.group("rest").strip(),
                               [p[0] if p else None for p in parsed], [p[1] if p else 1 for p in parsed], area,
                               " " if row.group("rest").startswith(" ") else "")
    assert len(rows) == src.rows, (src.file, len(rows))
    return areas, rows


def _print_amount(units: int | None, decimals: int, full_width: bool, layout: str) -> str:
    if units is None:
        return "—" if layout == "markdown" else "―"
    text = show(units, decimals, comma=layout == "markdown")
    return text.translate(_FULL) if full_width else text


def _row_lines(row: Row, layout: str, *, wrap: bool, full_width: bool) -> list[str]:
    amounts = [_print_amount(u, d, full_width, layout) for u, d in zip(row.amounts, row.decimals)]
    sep = "\t" if layout == "markdown" else " "
    name = row.name
    if wrap:
        cut = len(name) // 2
        return [f"【{row.agency}】{name[:cut]}", name[cut:] + sep + sep.join(amounts)]
    return [f"【{row.agency}】{row.gap}{name}{sep}{sep.join(amounts)}"]


def _area_line(number_text: str, label: str, totals: list[str], layout: str) -> str:
    if layout == "markdown":
        return "\t".join([f"{number_text} {label}", *(f"({t})" if t not in DASHES else t for t in totals)])
    return f"{number_text}{label} " + " ".join(f"({t})" if t not in DASHES else t for t in totals)


# --- the edition -----------------------------------------------------------------------------


def make_edition(spec: Spec) -> Edition:
    src = SOURCES[spec.source]
    lines = (CORPUS / src.file).read_text(encoding="utf-8").split("\n")
    areas, rows = read_table(lines, src)
    keep = list(spec.columns or range(len(src.columns)))
    columns = [replace(src.columns[c], fiscal_year=src.columns[c].fiscal_year + spec.shift) for c in keep]
    rng = random.Random(spec.seed)
    by_name = {r.name: r for r in rows.values()}
    for name in (*spec.drops, *spec.renames, *spec.wraps, *spec.full_width):
        assert name in by_name, name

    # New amounts, and each area's and column's change (in the kept columns).
    new_rows: dict[int, Row] = {}
    delta_area: dict[tuple[int, int], int] = {}
    delta_col = [0] * len(keep)
    for number, row in rows.items():
        old = [row.amounts[c] for c in keep]
        if row.name in spec.drops:
            new = [None] * len(keep)
        else:
            new = [changed(row.amounts[c], row.decimals[c], rng) for c in keep]
        for i, (o, n_) in enumerate(zip(old, new)):
            d = (n_ or 0) - (o or 0)
            delta_area[row.area, i] = delta_area.get((row.area, i), 0) + d
            delta_col[i] += d
        if row.name not in spec.drops:
            new_rows[number] = Row(row.agency, spec.renames.get(row.name, row.name), new,
                                   [row.decimals[c] for c in keep], row.area, row.gap)
    for add in spec.adds:
        for i, u in enumerate(add.amounts):
            delta_area[add.area, i] = delta_area.get((add.area, i), 0) + (u or 0)
            delta_col[i] += u or 0

    figures: list[Expected] = []
    new_names: list[NewName] = []
    out: list[str] = []
    line_map: dict[int, int] = {}
    header_lines = {n for a, b in src.header for n in range(a, b + 1)}
    in_table = {n for a, b in src.table for n in range(a, b + 1)}
    dropped_header = {src.columns[c] for c in range(len(src.columns)) if c not in keep}

    def emit_row(row: Row) -> None:
        printed = _row_lines(row, src.layout, wrap=row.name in {spec.renames.get(w, w) for w in spec.wraps},
                             full_width=row.name in {spec.renames.get(f, f) for f in spec.full_width})
        first = len(out) + 1
        out.extend(printed)
        amounts = printed[-1].split("\t")[1:] if src.layout == "markdown" else printed[-1].split(" ")[-len(keep):]
        for i, (u, col) in enumerate(zip(row.amounts, columns)):
            if u is not None:
                figures.append(Expected(first, col.fiscal_year, col.budget, col.status, u * UNIT, amounts[i],
                                        "summary-table", agency=row.agency, measure=row.name))

    for number, line in enumerate(lines, 1):
        line_map[number] = len(out) + 1
        if number in header_lines and dropped_header and src.layout == "pdftext":
            out.extend(_header_without(line, lines, number, src, dropped_header, spec))
            continue
        if number in header_lines and src.layout == "markdown":
            cells = line.split("\t")
            out.append("\t".join([cells[0], *(cells[1 + c] for c in keep)]))
            continue
        if number in areas:
            area, label, amounts = areas[number]
            totals = []
            for i, c in enumerate(keep):
                p = parse_amount(amounts[c])
                if p is None and delta_area.get((area, i), 0) == 0:
                    totals.append(amounts[c])
                    continue
                units = (p[0] if p else 0) + delta_area.get((area, i), 0)
                totals.append(show(units, 1, comma="," in amounts[c]))
            head = line.split("\t")[0] if src.layout == "markdown" else line[: len(line) - len(" ".join(amounts)) - 1]
            m = re.match(r"([（(][0-9０-９][）)])\s*", head)
            label = spec.area_labels.get(area, label)
            out.append(_area_line(m.group(1), label, totals, src.layout))
            for t, col in zip(totals, columns):
                p = parse_amount(t)
                if p:
                    figures.append(Expected(len(out), col.fiscal_year, col.budget, col.status, p[0] * UNIT, t,
                                            "summary-table", area=area))
            continue
        if number in rows:
            if number in new_rows:
                emit_row(new_rows[number])
                if new_rows[number].name != rows[number].name:
                    new_names.append(NewName("measure", new_rows[number].name, len(out)))
            for add in spec.adds:
                if add.after == rows[number].name:
                    row = Row(add.agency, add.name, list(add.amounts), [1] * len(keep), add.area,
                              rows[number].gap)
                    emit_row(row)
                    new_names.append(NewName("measure", add.name, len(out)))
            continue
        if number in in_table:
            out.append(line)
            continue
        out.append(line)

    # Totals outside the table: the headline (each column's), the area chart, 「約X億円の増額」.
    old_totals = {i: src.totals[c] for i, c in enumerate(keep) if src.totals[c] is not None}
    new_totals = {i: old_totals[i] + delta_col[i] for i in old_totals}
    line_map[len(lines) + 1] = len(out) + 1
    table_out = {n for a, b in src.table for n in range(line_map[a], line_map[b + 1])}
    chart = range(line_map[src.area_chart[0]], line_map[src.area_chart[1]] + 1) if src.area_chart else range(0)
    for idx, line in enumerate(out):
        number = idx + 1
        if number in chart or number in table_out:
            continue
        out[idx] = _replace_totals(line, number, old_totals, new_totals, columns, figures)
    if src.area_chart:
        _area_chart(out, chart, delta_area, new_totals.get(0), columns[0], figures)
    for edit in spec.pages:
        at = line_map[edit.line]
        assert edit.old in out[at - 1], (edit, out[at - 1])
        out[at - 1] = out[at - 1].replace(edit.old, edit.new)
    for old, new in spec.renames.items():
        out = [line.replace(old, new) for line in out]
    for add in spec.adds:
        if add.agency not in {r.agency for r in rows.values()}:
            first = next(n.line for n in new_names if n.name == add.name)
            new_names.append(NewName("agency", add.agency, first))
    out = [shift_years(line, spec.shift) for line in out]
    facts = [Fact(spec.renames.get(e.measure, e.measure), e.fact, shift_years(e.new, spec.shift), line_map[e.line])
             for e in spec.pages]
    return Edition(spec, "\n".join(out), figures, new_names, facts)


def _header_without(line: str, lines: list[str], number: int, src: Source, dropped: set[Column],
                    spec: Spec) -> list[str]:
    """A plain-text header line, left out where it is a label of a dropped column (「令和6年度」/「補正予算」)."""
    nxt = lines[number] if number < len(lines) else ""
    prev = lines[number - 2]
    for col in dropped:
        kind = "補正" if col.budget == "supplementary" else "当初"
        year = era(col.fiscal_year, False) + "年度"
        if nfkc(line).strip() == year and kind in nxt:
            return []
        if kind in line and nfkc(prev).strip() == year:
            return []
    return [line]


def _replace_totals(line: str, number: int, old: dict[int, int], new: dict[int, int], columns: list[Column],
                    figures: list[Expected]) -> str:
    def sub(m: re.Match) -> str:
        p = parse_amount(m.group(0))
        for i, units in old.items():
            if p and p[0] == units:
                text = restyle(m.group(0), new[i])
                col = columns[i]
                figures.append(Expected(number, col.fiscal_year, col.budget, col.status, new[i] * UNIT, text,
                                        "headline"))
                return text
        return m.group(0)

    line = _AMOUNT.sub(sub, line)
    if 0 in old and len(old) > 1:
        prev = next((i for i in old if i and columns[i].budget == "initial"), None)
        if prev is not None:
            line = _change_sentence(line, old[0] - old[prev], new[0] - new[prev])
    return line


def _change_sentence(line: str, old_diff: int, new_diff: int) -> str:
    m = re.search(r"約(?P<amount>[^約の]+?億円)の(?P<word>増額|減額)", line)
    if not m:
        return line
    p = parse_amount(m.group("amount"))
    if not p or p[0] != abs(old_diff):
        return line
    word = "増額" if new_diff >= 0 else "減額"
    return line[: m.start()] + f"約{restyle(m.group('amount'), abs(new_diff))}の{word}" + line[m.end():]


def _area_chart(out: list[str], chart: range, delta_area: dict[tuple[int, int], int], headline: int | None,
                col: Column, figures: list[Expected]) -> None:
    area = None
    for number in chart:
        line = out[number - 1]
        m = re.fullmatch(r"[（(]([0-9０-９])[）)]", line.strip())
        if m:
            area = int(nfkc(m.group(1)))
            continue
        a = _AMOUNT.fullmatch(line.strip())
        if a and area is not None:
            p = parse_amount(line)
            units = p[0] + delta_area.get((area, 0), 0)
            text = restyle(line.strip(), units)
            out[number - 1] = line.replace(line.strip(), text)
            figures.append(Expected(number, col.fiscal_year, col.budget, col.status, units * UNIT, text, "area-chart",
                                    area=area))
            for k in range(number, min(number + 3, len(out))):
                if re.fullmatch(r"[0-9]+\.[0-9]%", out[k].strip()) and headline:
                    share = (Decimal(units) * 100 / headline).quantize(Decimal("0.1"), ROUND_HALF_UP)
                    out[k] = f"{share}%"
                    break


# --- the three editions ----------------------------------------------------------------------

EDITIONS = (
    Spec(
        id="gen-fy2026",
        source="fy2025",
        shift=+1,
        seed=2026,
        renames={
            "IoTの安心・安全かつ適正な利用環境の構築": "IoTの安心・安全かつ適正な利用環境の整備",
            "重要インフラ分野の演習等企画実施": "重要インフラ分野における演習等の企画及び実施",
        },
        drops=("生成ＡＩ等を活用したフィッシングサイト判定の高度化・効率化", "地方公共団体の情報セキュリティ対策の見直し"),
        adds=(
            Added(2, "サイバーセキュリティ確保環境整備費", "デジタル庁", "ガバメントクラウドにおけるセキュリティ監視基盤の整備",
                  (125, None, None)),
            Added(2, "金融業界横断的なサイバーセキュリティ演習の実施", "消費者庁", "消費者向けサイバー詐欺被害防止対策の推進",
                  (12, None, 9)),
            Added(4, "GIGAスクールにおける学びの充実", "文部科学省", "大学等におけるセキュリティ人材育成拠点の形成",
                  (34, 5, None)),
        ),
        wraps=("政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業",
               "国土交通省（CSIRT等）や所管事業者における情報セキュリティ対策の強化"),
        full_width=("情報セキュリティ対策の強化", "情報システムの防護"),
        area_labels={2: "国民が安全・安心に暮らせるデジタル社会の実現に向けた取組"},
        pages=(
            PageEdit(368, "国立研究開発法人情報通信研究機構（NICT）", "国立研究開発法人情報通信研究機構（NICT）、民間事業者",
                     "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "implementer"),
            PageEdit(369, "補助事業", "委託事業", "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業",
                     "scheme"),
            PageEdit(372, "令和７年度", "令和９年度", "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業",
                     "plan-period"),
        ),
    ),
    Spec(
        id="gen-fy2022",
        source="fy2024",
        shift=-2,
        seed=2022,
        renames={
            "サイバーセキュリティ経済基盤構築事業": "サイバーセキュリティ経済基盤の構築に向けた事業",
            "情報システムセキュリティ強化経費": "情報システムのセキュリティ強化経費",
        },
        drops=("違法・有害情報対策に伴う経費", "サイバーセキュリティインシデントに係る調査"),
        adds=(
            Added(1, "サイバーセキュリティ統合知的・人材育成基盤の構築", "復興庁", "被災地域の情報システムにおけるセキュリティ対策", (8, None, 6)),
            Added(3, "サイバー空間に関する外交及び国際連携", "外務省", "サイバー分野の能力構築支援の拡充", (23, 11, None)),
            Added(2, "サイバーセキュリティ協議会の運用", "内閣官房", "政府機関における脆弱性診断の高度化", (31, None, None)),
        ),
        full_width=("ナショナルサイバートレーニングセンターの強化", "GIGAスクールにおける学びの充実"),
        area_labels={1: "経済社会の活力の向上及び持続的な発展"},
        pages=(
            PageEdit(228, "国立研究開発法人情報通信研究機構(NICT)", "国立研究開発法人情報通信研究機構(NICT)、民間企業",
                     "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "implementer"),
            PageEdit(229, "補助事業", "補助事業、委託事業", "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業",
                     "scheme"),
            PageEdit(232, "令和7年度", "令和8年度", "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業",
                     "plan-period"),
        ),
    ),
    Spec(
        id="gen-fy2027-two-columns",
        source="fy2025",
        shift=+2,
        seed=2027,
        columns=(0, 2),
        renames={"航空管制セキュリティシステム": "航空管制システムのセキュリティ強化"},
        drops=("地方公共団体の情報セキュリティ対策の強化", "地方公共団体の情報セキュリティ対策の見直し"),
        adds=(
            Added(3, "情報システムの防護", "カジノ管理委員会", "カジノ事業者の監督に係る情報システムの防護", (4, None)),
            Added(2, "情報セキュリティ対策の強化", "外務省", "在外公館の通信セキュリティ強化", (27, 19)),
            Added(1, "サイバーセキュリティ統合知的・人材育成基盤の構築", "総務省", "地域のセキュリティ人材育成の推進", (15, None)),
        ),
        wraps=("各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト",),
        full_width=("ナショナルサイバートレーニングセンターの強化",),
        area_labels={4: "横断的施策（人材の育成・確保等）"},
    ),
)


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path("editions-out")
    folder.mkdir(parents=True, exist_ok=True)
    for spec in EDITIONS:
        ed = make_edition(spec)
        (folder / f"{spec.id}.txt").write_text(ed.text, encoding="utf-8")
        (folder / f"{spec.id}.expected.json").write_text(
            json.dumps(ed.as_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{spec.id}: {len(ed.figures)} figures, {len(ed.new_names)} new names -> {folder}/{spec.id}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
