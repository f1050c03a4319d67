"""What a new document is, read from its text: the fields of its manifest entry.

:func:`detect_document` is what ``policykg add`` runs on a text before it registers it.
Every field says where it was found (lines) or how it was derived:

* **series and layout family**: the NISC budget summaries print their title
  「政府のサイバーセキュリティに関する予算」; their Markdown rendering has Markdown headings
  (``#``) or tab-separated table rows, the plain PDF text neither. A METI working-group
  paper names 「産業サイバーセキュリティ研究会」 and a date in its first lines. A text with
  neither signature is refused;
* **title**: the series title line, the title caption under it (「令和7年度当初予算額」) and
  a 「資料N」 mark printed beside them;
* **issuer**: the series' issuer (NISC), or the ministry line of a METI paper;
* **fiscal year and budget phase**: the table's first column (the document's own year,
  :mod:`nisc_columns`), checked against the title caption; a METI paper's fiscal year is
  that of its date (April to March);
* **strategy edition**: the edition of the サイバーセキュリティ戦略 whose area labels the
  area headings 「（n）label」 print (registry areas, by number and label; an alias does not
  count, so the 2018 wording that the 2021 areas accept as an alias points to 2018), else
  the latest edition older than the fiscal year (said so);
* **columns**: the table header (:func:`nisc_columns.read_columns`).

Pure: no file I/O; a :class:`~policykg.errors.LoaderError` for a text of no known series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.errors import LoaderError
from policykg.normalize import era_to_fiscal_year, nfkc, squash, strip_invisible
from policykg.records import BudgetStatus
from policykg.registry import Kind, Registry, lookup_key
from policykg.sources import Layout

from . import NISC_SIGNATURE
from .nisc_columns import ColumnHeader, captions, read_columns

__all__ = ["Detection", "Found", "detect_document"]

METI_SIGNATURE = "産業サイバーセキュリティ研究会"
NISC_ISSUER = ("内閣官房 内閣サイバーセキュリティセンター", "nisc")
_HEAD_LINES = 15  # a METI paper's title and date are in its first non-blank lines
_MARKDOWN_SIGNALS = 3  # Markdown headings or tab-separated rows that make a Markdown rendering
_SHIRYO = re.compile(r"^資料\s*(\d{1,2})$")
_AREA = re.compile(r"^[(（]\s*(?P<num>[1-9])\s*[)）]\s*(?P<label>[^\t]+?)\s*(?:[(（]\s*[\d,.\s]+(?:億円|百万円).*)?$")
_ERA_DATE = re.compile(r"(?P<era>平成|令和)\s*(?P<y>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_PHASE_EN = {BudgetStatus.REQUEST: "budget request", BudgetStatus.DRAFT: "government draft budget",
             BudgetStatus.ENACTED: "initial budget"}


@dataclass(frozen=True)
class Found:
    """One detected field: its value, the lines it was read from, and how."""

    value: object
    lines: tuple[int, ...]
    how: str

    def where(self) -> str:
        lines = ", ".join(map(str, self.lines))
        return f"{self.how} (line{'s' if len(self.lines) > 1 else ''} {lines})" if lines else self.how


@dataclass(frozen=True)
class Detection:
    layout: Found  # a Layout
    title: Found
    title_en: str
    issuer: Found  # (issuer, issuer_key)
    fiscal_year: Found  # int
    phase: Found  # a BudgetStatus value, or "" for a paper with no budget phase
    strategy: Found  # a strategy edition ("2021"), or ""
    header: ColumnHeader | None  # the NISC summary table's header
    id_stem: str  # the id proposed: nisc-budget-fy2026, meti-icsws-wg3-11


def detect_document(text: str, source: str, registry: Registry) -> Detection:
    """The manifest fields of a NISC budget summary or a METI working-group paper.

    >>> text = ("# 政府のサイバーセキュリティに関する予算\\n資料3\\n## 令和8年度概算要求額\\n\\n"
    ...         "\\t令和8年度 概算要求\\t令和7年度 当初予算\\n"
    ...         "(1) 経済社会の活力の向上及び持続的発展\\t(63.2億円)\\t(49.1億円)\\n"
    ...         "(2) 国民が安全で安心して暮らせるデジタル社会の実現\\t(383.0億円)\\t(264.7億円)\\n")
    >>> d = detect_document(text, "x.md", Registry.load())
    >>> d.layout.value.value, d.title.value, d.fiscal_year.value, d.phase.value, d.strategy.value, d.id_stem
    ('nisc-budget-markdown', '政府のサイバーセキュリティに関する予算（令和8年度概算要求額）資料3', 2026, 'request', '2021', 'nisc-budget-fy2026')
    """
    text, _ = strip_invisible(text)  # as parse_document reads it (which reports what was removed)
    lines = [raw.rstrip("\r") for raw in text.split("\n")]
    signature = next((n for n, line in enumerate(lines, 1) if squash(NISC_SIGNATURE) in squash(line)), 0)
    if signature:
        return _nisc(lines, text, source, registry, signature)
    head = [(n, line) for n, line in enumerate(lines, 1) if line.strip()][:_HEAD_LINES]
    if any(METI_SIGNATURE in squash(line) for _, line in head) and any(_ERA_DATE.search(nfkc(x)) for _, x in head):
        return _meti(head, lines)
    first = next((line for line in lines if line.strip()), "")
    raise LoaderError(source, 1, first[:60], f"not a document of a known series: no {NISC_SIGNATURE!r} (NISC budget "
                                             f"summary) and no {METI_SIGNATURE!r} paper title with a date")


def _nisc(lines: list[str], text: str, source: str, registry: Registry, signature: int) -> Detection:
    layout = _layout(lines)
    header = read_columns(text, source)
    main = header.columns[0]
    heading = _unheaded(lines[signature - 1])
    caption = next((c for c in captions(text, titles=True) if c.line > signature), None)
    title_lines = [signature]
    title = heading
    year_how, year_lines = ["the table header's first column"], [header.line]
    if caption is not None:
        title_lines.append(caption.line)
        title += f"（{_unheaded(caption.printed)}）"
        cap = caption.column
        if (cap.fiscal_year, cap.budget, cap.status) != (main.fiscal_year, main.budget, main.status):
            raise LoaderError(source, caption.line, caption.printed,
                              f"the title caption ({cap}) and the table header's first column ({main}, line "
                              f"{header.line}) name different budgets: cannot tell the document's fiscal year")
        year_how.append("the title caption")
        year_lines.append(caption.line)
    number = _shiryo(lines, signature, caption.line if caption else signature)
    if number is not None:
        title_lines.append(number[0])
        title += f"資料{number[1]}"
    title_lines.sort()
    phase_en = _PHASE_EN[main.status] if main.budget.value == "initial" else f"supplementary {_PHASE_EN[main.status]}"
    title_en = f"Government cybersecurity budget, FY{main.fiscal_year} {phase_en}" + (
        f" (document {number[1]})" if number else "")
    strategy = _strategy(lines, registry, main.fiscal_year)
    return Detection(
        layout=layout,
        title=Found(title, tuple(title_lines), "the series title, its caption and 資料 number"),
        title_en=title_en,
        issuer=Found(NISC_ISSUER, (signature,), "the issuer of the NISC series 「政府のサイバーセキュリティに関する予算」"),
        fiscal_year=Found(main.fiscal_year, tuple(year_lines), " and ".join(year_how)),
        phase=Found(main.status.value, (header.line,), "the status of the table's first column"),
        strategy=strategy,
        header=header,
        id_stem=f"nisc-budget-fy{main.fiscal_year}",
    )


def _unheaded(line: str) -> str:
    """A line in NFKC without its Markdown heading mark."""
    return nfkc(re.sub(r"^\s*#+\s*", "", line)).strip()


def _layout(lines: list[str]) -> Found:
    headings = [n for n, line in enumerate(lines, 1) if re.match(r"^#{1,6}\s", line)]
    rows = [n for n, line in enumerate(lines, 1) if "\t" in line and nfkc(line).lstrip().startswith(("【", "("))]
    if len(headings) + len(rows) >= _MARKDOWN_SIGNALS:
        return Found(Layout.NISC_MARKDOWN, tuple(sorted(headings[:1] + rows[:1])),
                     f"{len(headings)} Markdown headings and {len(rows)} tab-separated table rows (the first of each)")
    return Found(Layout.NISC_PDFTEXT, (), f"plain text: {len(headings)} Markdown headings, {len(rows)} "
                                          "tab-separated table rows")


def _shiryo(lines: list[str], first: int, last: int) -> tuple[int, str] | None:
    """A 「資料N」 line printed within a few lines of the title: (line, N)."""
    for n in range(max(1, first - 4), min(len(lines), last + 4) + 1):
        if m := _SHIRYO.match(squash(_unheaded(lines[n - 1]))):
            return n, m[1]
    return None


def _strategy(lines: list[str], registry: Registry, fiscal_year: int) -> Found:
    areas = registry.entities(Kind.AREA)
    editions = sorted({a.edition for a in areas})
    hits: dict[str, dict[int, int]] = {e: {} for e in editions}  # edition -> area number -> first line
    for n, line in enumerate(lines, 1):
        m = _AREA.match(_unheaded(line))
        if m is None:
            continue
        key = lookup_key(m["label"])
        for a in areas:
            if a.number == int(m["num"]) and lookup_key(a.label_ja) == key:
                hits[a.edition].setdefault(a.number, n)
    scores = {e: len(h) for e, h in hits.items()}
    best = max(scores.values(), default=0)
    winners = [e for e, s in scores.items() if s == best]
    if best and len(winners) == 1:
        found = hits[winners[0]]
        numbers = ", ".join(f"({k})" for k in sorted(found))
        others = "; ".join(f"{e}: {s}" for e, s in scores.items() if e != winners[0])
        return Found(winners[0], tuple(sorted(found.values())),
                     f"area headings {numbers} print the {winners[0]} strategy's labels (other editions: {others})")
    older = [e for e in editions if e.isdigit() and int(e) < fiscal_year]
    if not older:
        return Found("", (), "no area heading names an edition and no strategy edition precedes the fiscal year")
    return Found(older[-1], (), f"the area headings do not tell the edition apart, so the latest edition before "
                                f"FY{fiscal_year}")


def _meti(head: list[tuple[int, str]], lines: list[str]) -> Detection:
    date_line, date = next((n, m) for n, line in head if (m := _ERA_DATE.search(nfkc(line))))
    year = era_to_fiscal_year(date["era"], date["y"])
    fiscal_year = year if int(date["m"]) >= 4 else year - 1
    before = [(n, nfkc(line).strip()) for n, line in head if n < date_line]
    title = " ".join(t for _, t in before) + f"（{nfkc(date.group(0))}）"
    wg = next((m for _, t in before if (m := re.search(r"WG\s*(\d+)", t))), None)
    meeting = next((m for _, t in before if (m := re.search(r"第\s*(\d+)\s*回", t))), None)
    stem = "meti-icsws" + (f"-wg{wg[1]}" if wg else "") + (f"-{meeting[1]}" if meeting else f"-fy{fiscal_year}")
    issuer_line = next(((n, nfkc(line).strip()) for n, line in head if nfkc(line).strip().startswith("経済産業省")), None)
    if issuer_line is not None:
        n, issuer = issuer_line
        following = next(((k, nfkc(x).strip()) for k, x in head if k > n), None)
        if following and following[1].endswith(("課", "室")):
            issuer, lines_used = f"{issuer} {following[1]}", (n, following[0])
        else:
            lines_used = (n,)
        found_issuer = Found((issuer, "meti"), lines_used, "the ministry named on the title page")
    else:
        found_issuer = Found(("経済産業省", "meti"), (), "the issuer of 産業サイバーセキュリティ研究会 papers")
    return Detection(
        layout=Found(Layout.METI_WG, tuple(n for n, _ in before[:1]), f"a {METI_SIGNATURE} paper with a date"),
        title=Found(title, tuple(n for n, _ in before) + (date_line,), "the title page's lines up to its date"),
        title_en="",
        issuer=found_issuer,
        fiscal_year=Found(fiscal_year, (date_line,), "the fiscal year (April to March) of the paper's date"),
        phase=Found("", (), "a working-group paper has no budget phase"),
        strategy=Found("", (), "not a budget summary"),
        header=None,
        id_stem=stem,
    )
