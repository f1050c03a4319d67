"""Secretariat papers of METI's 産業サイバーセキュリティ研究会 working groups (Markdown).

The paper is prose, bullets and small tables, not a budget table. What is read:

* :class:`ProgramMention` — every registered programme named, with its operator
  where the text ties one to it: a body printed in front of the name
  ("IPA産業サイバーセキュリティセンター", "IPAによる…", "経済産業省の…"), in
  brackets after it ("ICSCoE(IPA)", "人材フレームワーク (国家サイバー統括室)"),
  or listed as 主催 / プログラム提供者 of the programme under discussion;
* :class:`ProgramFact` — meeting dates of the 研究会 and its WGs, cohort sizes,
  participant counts, event dates, establishment dates, plan periods;
* :class:`BudgetFigure` — "R7年度補正予算 12.4億円" style figures of a measure.

A fact is attributed to a programme named on its own line or, failing that, on
the nearest earlier lines of the same page (up to a numbered heading or a page
footer such as "※写真は…"); organisational units (ICSCoE) are skipped there
unless the fact is about the unit itself. No programme, or two, gives a
:class:`Warning_` instead of a fact.

>>> from policykg.registry import Registry
>>> text = ("事務局説明資料\\n産業サイバーセキュリティ研究会\\n令和8年3月12日\\n\\n"
...         "(2)IPA産業サイバーセキュリティセンター(ICSCoE)\\n"
...         "□ 1年を通じた集中トレーニング「中核人材育成プログラム」\\n(第1期：76人、第2期：83人)\\n")
>>> records = parse_meti_wg(text, "doc", registry=Registry.load())
>>> [(r.program, r.operator) for r in records if isinstance(r, ProgramMention)]
[('産業サイバーセキュリティ研究会', ''), ('IPA産業サイバーセキュリティセンター', 'IPA'), ('中核人材育成プログラム', '')]
>>> [(r.key, r.value, str(r.source)) for r in records if isinstance(r, ProgramFact)]
[('cohort-1-participants', '76', 'doc:7'), ('cohort-2-participants', '83', 'doc:7')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from policykg.errors import LoaderError
from policykg.normalize import era_to_fiscal_year, nfkc_with_offsets, parse_amount
from policykg.records import (BudgetFigure, BudgetKind, BudgetStatus, Origin, ProgramFact, ProgramMention,
                              Record, ScopeKind, SourceSpan, Warning_)
from policykg.registry import Entity, Kind, Registry, lookup_key

__all__ = ["parse_meti_wg"]

_UNIT = "organisational-unit"
_LOOKBACK = 12  # logical lines searched upwards for the programme of a fact
_MARKUP = re.compile(r"[\s\-#>*•□■➤✓・]*")
_BOLD = re.compile(r"\*\*")
_HARD_STOP = re.compile(r"^(?:目次|※写真|\(出典|出典[:：]|\(出所)")
_NUMBERED = re.compile(r"^\(\d\)")
_WG_HEAD = re.compile(r"^WG\s*\d+$")
_ERA = {"R": "令和", "令和": "令和", "H": "平成", "平成": "平成"}
_ERA_DATE = r"(?P<era>平成|令和)\s*(?P<y>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"
_MEETING = re.compile(r"第\s*(?P<n>\d+)\s*回\s*[:：]\s*" + _ERA_DATE + r"(?P<note>\s*※|\s*\(書面開催\))?")
_BUDGET = re.compile(
    r"(?P<era>R|令和|H|平成)\s*(?P<y>元|\d{1,2})\s*年度\s*(?P<kind>補正|当初)?\s*予算(?P<draft>案)?額?"
    r"\s*[:：]?\s*(?P<amount>\d[\d,.\s]*(?:億円|百万円))"
)
_ORGANISERS = re.compile(r"^(?:主催|プログラム提供者)\s*[:：]\s*(?P<list>.+)$")
_JOINT = re.compile(r"(?P<orgs>[^、。]+?)が共同で「(?P<program>[^」]+)」")
_YEAR = re.compile(r"(?:(?P<era>令和|平成)\s*(?P<ey>元|\d{1,2})|(?P<y4>20\d\d)|(?<!\d)(?P<y2>\d\d))\s*年")


@dataclass(frozen=True)
class _Line:
    first: int  # 1-based line numbers of the span
    last: int
    text: str  # NFKC, markup stripped: what is matched
    raw: str  # the printed characters
    offsets: tuple[int, ...]  # raw index of each character of text

    def span(self, doc: str) -> SourceSpan:
        return SourceSpan(doc, self.first, self.last)

    def printed(self, start: int, end: int) -> str:
        """The printed string of text[start:end] (original code points)."""
        if end <= start:
            return ""
        return self.raw[self.offsets[start] : self.offsets[end - 1] + 1].replace("**", "")

    def cut(self, m: re.Match[str], group: int | str = 0) -> str:
        return self.printed(m.start(group), m.end(group))

    def join(self, other: _Line) -> _Line:
        shift = len(self.raw) + 1
        return _Line(self.first, other.last, f"{self.text} {other.text}", f"{self.raw} {other.raw}",
                     (*self.offsets, len(self.raw), *(o + shift for o in other.offsets)))


def _clean(number: int, line: str) -> _Line:
    """NFKC a line and drop Markdown markup, keeping the raw offset of each character."""
    norm, offsets = nfkc_with_offsets(line)
    keep = [True] * len(norm)
    for m in _BOLD.finditer(norm):
        keep[m.start() : m.end()] = [False] * (m.end() - m.start())
    lead = _MARKUP.match(norm)
    keep[: lead.end()] = [False] * lead.end()
    kept = [i for i, k in enumerate(keep) if k]
    while kept and norm[kept[-1]].isspace():
        kept.pop()
    return _Line(number, number, "".join(norm[i] for i in kept), line, tuple(offsets[i] for i in kept))


def parse_meti_wg(text: str, source: str, *, registry: Registry) -> list[Record]:
    """All programme mentions, programme facts and budget figures of one WG paper."""
    lines = _logical_lines(text)
    _check_layout(lines, text, source)
    reader = _Reader(lines, source, registry)
    records: list[Record] = [*reader.mentions(), *reader.facts(), *reader.budgets()]
    return sorted(_dedupe(records, registry), key=lambda r: (r.source.line, type(r).__name__))


def _logical_lines(text: str) -> list[_Line]:
    """Non-blank lines, NFKC and without Markdown markup; a "WG n" heading is joined
    with the bracketed subtitle on its next non-blank line."""
    lines = [_clean(i + 1, line) for i, line in enumerate(text.split("\n"))]
    lines = [line for line in lines if line.text]
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _WG_HEAD.match(line.text) and i + 1 < len(lines) and re.fullmatch(r"\(.+\)", lines[i + 1].text):
            out.append(line.join(lines[i + 1]))
            i += 2
            continue
        out.append(line)
        i += 1
    return out


def _check_layout(lines: list[_Line], text: str, source: str) -> None:
    head = " ".join(line.text for line in lines[:15])
    if "産業サイバーセキュリティ研究会" not in head or not re.search(_ERA_DATE, head):
        first = text.split("\n", 1)[0][:60]
        raise LoaderError(source, 1, first, "not a 産業サイバーセキュリティ研究会 paper (no title and date)")


class _Reader:
    def __init__(self, lines: list[_Line], source: str, registry: Registry) -> None:
        self.lines, self.source, self.registry = lines, source, registry
        self.programs = [registry.scan(Kind.PROGRAM, line.text) for line in lines]

    # -- attribution ----------------------------------------------------------------
    def program_of(self, index: int, *, units: bool = False) -> tuple[str, Entity] | str:
        """The programme a fact on logical line ``index`` is about, or why there is none."""
        for j in range(index, max(index - _LOOKBACK, -1), -1):
            line = self.lines[j]
            if j < index and _HARD_STOP.match(line.text):
                break
            hits = [h for h in self.programs[j] if units or h[0].kind_detail != _UNIT]
            keys = {e.key for e, _, _ in hits}
            if len(keys) == 1:
                entity, start, end = hits[0]
                return line.printed(start, end), entity
            if len(keys) > 1:
                return f"several programmes named: {sorted(keys)}"
            if j < index and _NUMBERED.match(line.text):
                break
        return "no programme named nearby"

    def fact(self, index: int, key: str, value: str, m: re.Match[str], *, year: int | None = None,
             approximate: bool = False, units: bool = False) -> Record:
        line = self.lines[index]
        printed = line.cut(m)
        found = self.program_of(index, units=units)
        if isinstance(found, str):
            return Warning_(f"{key}={value}: {found}", printed, line.span(self.source))
        return ProgramFact(found[0], key, value, printed, line.span(self.source), year, approximate)

    # -- programme mentions ------------------------------------------------------------
    def mentions(self) -> Iterator[Record]:
        for i, line in enumerate(self.lines):
            measures = {e.key: (s, t) for e, s, t in self.registry.scan(Kind.MEASURE, line.text)}
            measure = line.printed(*next(iter(measures.values()))) if len(measures) == 1 else ""
            for _, start, end in self.programs[i]:
                op = self.operator(line.text, start, end)
                yield ProgramMention(line.printed(start, end), line.printed(*op) if op else "", measure,
                                     line.span(self.source))
            yield from self.organisers(i)

    def operator(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """Where the agency or body running the programme text[start:end] is printed."""
        inner = self.organisations(text[start:end])
        if inner and inner[0][1] == 0:  # "IPA産業サイバーセキュリティセンター"
            return start, start + inner[0][2]
        after = re.match(r"\s*\(([^()]+)\)", text[end:])
        if after and self.organisation(after[1]):
            return end + after.start(1), end + after.end(1)
        before = re.search(r"(による|の)$", text[:start])
        if before:
            head = text[: before.start()]
            hits = [h for h in self.organisations(head) if h[2] == len(head)]
            if hits:
                return hits[-1][1], len(head)
        return None

    def organisations(self, text: str) -> list[tuple[Entity, int, int]]:
        hits = self.registry.scan(Kind.AGENCY, text) + self.registry.scan(Kind.BODY, text)
        return sorted(hits, key=lambda h: (h[1], -h[2]))

    def organisation(self, name: str) -> Entity | None:
        return self.registry.find(Kind.AGENCY, name) or self.registry.find(Kind.BODY, name)

    def organisers(self, index: int) -> Iterator[Record]:
        """主催 / プログラム提供者 lists and "XとYが共同で「P」" phrases."""
        line = self.lines[index]
        span = line.span(self.source)
        joint = _JOINT.search(line.text)
        if joint and self.registry.find(Kind.PROGRAM, joint["program"]):
            offset = joint.start("orgs")
            for m in re.finditer(r"[^と]+", joint["orgs"]):
                if self.organisation(m[0]):
                    yield ProgramMention(line.cut(joint, "program"),
                                         line.printed(offset + m.start(), offset + m.end()), "", span)
        listing = _ORGANISERS.match(line.text)
        if not listing:
            return
        found = self.program_of(index)
        if isinstance(found, str):
            yield Warning_(f"organisers of an unknown programme: {found}", line.raw, span)
            return
        offset = listing.start("list")
        for s, t in _split_list(listing["list"]):
            name = self.organiser_name(listing["list"][s:t])
            if name:
                yield ProgramMention(found[0], line.printed(offset + s + name[0], offset + s + name[1]), "", span)
            else:
                yield Warning_("organiser not in the registry", line.printed(offset + s, offset + t), span)

    def organiser_name(self, item: str) -> tuple[int, int] | None:
        """Where the agency/body is printed in a list item ("ICSCoE(IPA)" gives "IPA")."""
        if self.organisation(item):
            return 0, len(item)
        head = re.split(r"[(（]", item, maxsplit=1)[0].rstrip()
        if head and self.organisation(head):
            return 0, len(head)
        for _, start, end in self.registry.scan(Kind.PROGRAM, item):
            op = self.operator(item, start, end)
            if op:
                return op
        return None

    # -- facts ---------------------------------------------------------------------
    def facts(self) -> Iterator[Record]:
        for i, line in enumerate(self.lines):
            for extract in _EXTRACTORS:
                try:
                    yield from list(extract(self, i, line.text))
                except ValueError as e:  # an impossible date or amount: report, never guess
                    yield Warning_(f"not read: {e}", line.raw, line.span(self.source))

    def budgets(self) -> Iterator[Record]:
        for i, line in enumerate(self.lines):
            for m in _BUDGET.finditer(line.text):
                yield self.budget(i, m)

    def budget(self, index: int, m: re.Match[str]) -> Record:
        line = self.lines[index]
        span = line.span(self.source)
        measure = self.measure_of(index)
        if m["kind"] is None or measure is None:
            why = "no budget kind" if m["kind"] is None else "no measure named nearby"
            return Warning_(f"budget figure not read: {why}", line.cut(m), span)
        amount = parse_amount(line.cut(m, "amount"))  # as printed: NFKC would fold a mark 「¹」 into a digit
        return BudgetFigure(
            scope_kind=ScopeKind.MEASURE, scope=measure, agency="", area=None,
            fiscal_year=era_to_fiscal_year(_ERA[m["era"]], m["y"]),
            budget=BudgetKind.SUPPLEMENTARY if m["kind"] == "補正" else BudgetKind.INITIAL,
            status=BudgetStatus.DRAFT if m["draft"] else BudgetStatus.ENACTED,
            yen=amount.yen, number=amount.number, unit=amount.unit, printed=line.cut(m, "amount").strip(),
            origin=Origin.MEASURE_PAGE, source=span,
        )

    def measure_of(self, index: int) -> str | None:
        for j in range(index, max(index - _LOOKBACK, -1), -1):
            line = self.lines[j]
            text = line.text
            hits = {e.key: line.printed(s, t) for e, s, t in self.registry.scan(Kind.MEASURE, text)}
            if len(hits) == 1:
                return next(iter(hits.values()))
            if hits or (j < index and (_NUMBERED.match(text) or _HARD_STOP.match(text))):
                return None
        return None


def _split_list(text: str) -> list[tuple[int, int]]:
    """Spans of the items of "A、B（x、y）及びC": split at top-level 、 and 及び."""
    masked = re.sub(r"[(（][^()（）]*[)）]", lambda m: "x" * len(m[0]), text)
    spans, begin = [], 0
    for sep in [*re.finditer(r"、|及び", masked), None]:
        end = sep.start() if sep else len(text)
        item = text[begin:end]
        if item.strip():
            lead = len(item) - len(item.lstrip())
            spans.append((begin + lead, begin + len(item.rstrip())))
        begin = sep.end() if sep else end
    return spans


def _year_before(text: str, pos: int) -> int | None:
    """The last year printed before ``pos`` in the line ("令和7年", "2025年", "25年度")."""
    year = None
    for m in _YEAR.finditer(text[:pos]):
        if m["era"]:
            year = era_to_fiscal_year(m["era"], m["ey"])
        elif m["y4"]:
            year = int(m["y4"])
        else:
            year = 2000 + int(m["y2"])
    return year


def _iso(era: str, y: str, m: str, d: str | None) -> tuple[str, int]:
    year = era_to_fiscal_year(era, y)
    day = date(year, int(m), int(d) if d else 1)  # raises ValueError on a bad date
    return (day.isoformat() if d else day.isoformat()[:7]), year


# -- extractors: (reader, index, text) -> records -------------------------------------
Extractor = Callable[[_Reader, int, str], Iterator[Record]]


def _meetings(r: _Reader, i: int, text: str) -> Iterator[Record]:
    for m in _MEETING.finditer(text):
        value, year = _iso(m["era"], m["y"], m["m"], m["d"])
        yield r.fact(i, f"meeting-{m['n']}-date", value, m, year=year)
        if m["note"] and "書面開催" in m["note"]:
            yield r.fact(i, f"meeting-{m['n']}-format", "書面開催", m, year=year)


def _counts(r: _Reader, i: int, text: str) -> Iterator[Record]:
    for m in re.finditer(r"第(\d+)期\s*[:：]\s*(\d+)\s*人", text):
        yield r.fact(i, f"cohort-{m[1]}-participants", m[2], m)
    for m in re.finditer(r"(\d+)期生まで約(\d+)名が受講", text):
        yield r.fact(i, "cohorts", m[1], m)
        yield r.fact(i, "participants-total", m[2], m, approximate=True)
    patterns = [
        (r"合計(\d+)名が参加", "participants-total", False),
        (r"(?<![約\d])(\d+)名が受講", "participants", False),
        (r"約(\d+)名が参加", "participants", True),
        (r"(\d+)名が来日して参加", "participants-onsite", False),
        (r"来日(\d+)名", "participants-onsite", False),
        (r"ライブ配信約(\d+)名", "participants-online", True),
        (r"参加者\s*[:：]\s*(\d+)名", "participants", False),
    ]
    for pattern, key, approximate in patterns:
        for m in re.finditer(pattern, text):
            year = _year_before(text, m.start())
            pre = key == "participants" and "プレ開催" in text[: m.start()]
            yield r.fact(i, "participants-pre-session" if pre else key, m[1], m, year=year,
                         approximate=approximate)


def _dates(r: _Reader, i: int, text: str) -> Iterator[Record]:
    for m in re.finditer(r"(\d{4})年(\d{1,2})月設置", text):
        yield r.fact(i, "established", f"{int(m[1]):04d}-{int(m[2]):02d}", m, year=int(m[1]), units=True)
    for m in re.finditer(r"(\d{4})年度より(\d+)回開催", text):
        yield r.fact(i, "first-held-fiscal-year", m[1], m, year=int(m[1]))
        yield r.fact(i, "editions", m[2], m)
    span = r"(\d{1,2})月(\d{1,2})日?\s*[～~〜\-]\s*(?:(\d{1,2})月)?(\d{1,2})日"
    for m in re.finditer(r"(?:日時|日程)\s*[:：]\s*(\d{4})年" + span, text):
        yield r.fact(i, "event-dates", _interval(int(m[1]), *m.groups()[1:]), m, year=int(m[1]))
    for m in re.finditer(r"(令和|平成)(元|\d{1,2})年" + span + r"に実施", text):
        year = era_to_fiscal_year(m[1], m[2])
        yield r.fact(i, "event-dates", _interval(year, *m.groups()[2:]), m, year=year)
    for m in re.finditer(r"(\d{4})年(\d{1,2})月から(\d{4})年(\d{1,2})月までの期間", text):
        value = f"{int(m[1]):04d}-{int(m[2]):02d}/{int(m[3]):04d}-{int(m[4]):02d}"
        yield r.fact(i, "period", value, m)
    for m in re.finditer(r"(\d{4})年度\s*[～~〜]\s*(\d{4})年度にかけて実施", text):
        yield r.fact(i, "planned-fiscal-years", f"{m[1]}/{m[2]}", m)


def _amounts(r: _Reader, i: int, text: str) -> Iterator[Record]:
    for m in re.finditer(r"(\d{4})年に観測した.*?約([\d,]+)億パケット", text):
        packets = int(m[2].replace(",", "")) * 10**8
        yield r.fact(i, "observed-packets", str(packets), m, year=int(m[1]), approximate=True)
    for m in re.finditer(r"全体額は、?([\d,.]+億円)から([\d,.]+億円)を超えない範囲に増額", text):
        line = r.lines[i]
        yield r.fact(i, "project-total-yen-before", str(parse_amount(line.cut(m, 1)).yen), m)
        yield r.fact(i, "project-total-cap-yen", str(parse_amount(line.cut(m, 2)).yen), m)


def _interval(year: int, m1: str, d1: str, m2: str | None, d2: str) -> str:
    start = date(year, int(m1), int(d1))
    end = date(year, int(m2 or m1), int(d2))
    return f"{start.isoformat()}/{end.isoformat()}"


_EXTRACTORS: tuple[Extractor, ...] = (_meetings, _counts, _dates, _amounts)


def _dedupe(records: list[Record], registry: Registry) -> list[Record]:
    """One mention per (programme, operator), one fact per (programme, key, value), compared
    as registry entities; a programme with an operator somewhere loses its bare mentions."""

    def key_of(kinds: tuple[Kind, ...], name: str) -> str:
        found = [e for k in kinds if (e := registry.find(k, name))]
        return found[0].key if found else lookup_key(name)

    operated = {key_of((Kind.PROGRAM,), r.program) for r in records if isinstance(r, ProgramMention) and r.operator}
    out: list[Record] = []
    seen: set[tuple] = set()
    for rec in records:
        key: tuple = ("r", id(rec))
        if isinstance(rec, ProgramMention):
            operator = rec.operator and key_of((Kind.AGENCY, Kind.BODY), rec.operator)
            key = ("m", key_of((Kind.PROGRAM,), rec.program), operator)
            if not rec.operator and key[1] in operated:
                continue
        elif isinstance(rec, ProgramFact):
            key = ("f", key_of((Kind.PROGRAM,), rec.program), rec.key, rec.value)
        if key not in seen:
            seen.add(key)
            out.append(rec)
    return out
