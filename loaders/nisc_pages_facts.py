"""Non-budget facts of a NISC measure page: attributes, plan periods, legal bases, flows, programmes.

* 「（事業主体） …」「（事業スキーム） …」「（補助対象） …」「（補助率） …」「（計画年度） …」
  lines → :class:`MeasureAttribute`; 計画年度 also → :class:`PlanPeriod`.
* 「電波法第103条の2第4項第12号」, 「サイバーセキュリティ基本法第十三条」 → :class:`LegalBasis`;
  a bare 「第26条①２」 only when the page names exactly one law, else a warning.
* Funding flows, conservatively (:mod:`nisc_pages_flows`): a scheme box line that holds
  the funder 「国」, one instrument and one recipient (「国 補助 独立行政法人情報処理推進機構(IPA)」,
  「民間企業等国 委託」), an instrument line next to such a line or above its recipient
  past sub-item markers, the one instrument and recipient a box leaves unpaired;
  「…(IPA)に委託」 and 「（IPA交付金）」 in the text, and a sub-item closing 「（交付金）」
  that names one body; 事業主体 + 事業スキーム where they pair one to one (or by the
  same circled marker 「（①の一部）」). Each carries the amount printed with it, if
  any (「…の内数」: an upper bound). A box instrument with no unambiguous recipient is
  reported, not guessed.
* Programmes found by the registry, with the operator where the text states it
  (「NICTに設置した「…」」, 「IPAのサイバーレスキュー隊」, 「（CYNEX）を…NICTに構築」) or the
  page's single 事業主体 body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from policykg.normalize import era_to_fiscal_year
from policykg.records import (
    LegalBasis,
    MeasureAttribute,
    PlanPeriod,
    ProgramMention,
    Record,
    SourceSpan,
    Warning_,
)
from policykg.registry import Entity, Kind, Registry

from .nisc_pages_flows import (
    box_flows,
    printed_of,
    scheme_flows,
    subitem_flows,
    text_flows,
)
from .nisc_pages_text import CIRCLED, DocText, circled_value, flat, scan

__all__ = ["kanji_number", "page_facts"]

_ATTRIBUTE = re.compile(
    r"^[ \t]*(?:[-*][ \t]*)?\([ \t]*(?P<key>事業主体|事業スキーム|補助対象|補助率|計画年度)[ \t]*\)[ \t]*(?P<value>.*?)[ \t]*$",
    re.M,
)
_PERIOD = re.compile(
    r"(?P<e1>令和|平成)\s*(?P<y1>元|\d{1,2})\s*年度?\s*[~〜\-ー－]\s*(?:(?P<e2>令和|平成)\s*)?(?P<y2>元|\d{1,2})\s*年度?"
)
_NUM = r"[0-9〇一二三四五六七八九十百]+"
_ARTICLE = re.compile(
    rf"第(?P<art>{_NUM})条(?:の(?P<sub>{_NUM}))?(?:第(?P<para>{_NUM})項|(?P<pc>[{CIRCLED}]))?"
    rf"(?:第(?P<item>{_NUM})号|(?<=[{CIRCLED}])(?P<ic>[0-9]{{1,2}})(?![0-9]))?"
)
_LAW_LIKE = re.compile(rf"([^\s、。「」『』()【】■※]{{2,40}}?法(?:律)?)第{_NUM}条")
# Where a law name the registry does not know starts: after the last particle that
# cannot be part of one (「…は電気通信事業法」 → 電気通信事業法).
_BEFORE_LAW = re.compile(r".*[はがをで]")
_BASED_ON = re.compile(r"^[」』]?※?(?:に基づ|に規定|の規定に基づ)")
_PAREN = r"(?:\([^()]{1,16}\))?"
_OPERATOR_BEFORE = re.compile(rf"^\)?{_PAREN}(?:に設置(?:した|する|された)?|の)[「『]?$")
_OPERATOR_AFTER = re.compile(rf"^[」』)]*{_PAREN}を$")
_BUILT_AT = re.compile(rf"^{_PAREN}に構築")

Scope = Callable[[int], int | None]  # squashed offset -> measure index or None
#: squashed offset -> (measure index, title line) of each measure of a page shared by several
#: measures whose titles all come after the offset; [] elsewhere
Shared = Callable[[int], list[tuple[int, int]]]


def kanji_number(text: str) -> str:
    """Article numbers as digits: 十三 → 13, 三十一 → 31, 百三 → 103; digits pass through.

    >>> kanji_number("十三"), kanji_number("三十一"), kanji_number("二十六"), kanji_number("103")
    ('13', '31', '26', '103')
    """
    if text.isdigit():
        return str(int(text))
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch in "十百":
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            raise ValueError(f"not a number: {text!r}")
    return str(total + current)


class _Facts:
    def __init__(self, doc: DocText, source: str, first: int, last: int, names: list[str],
                 registry: Registry, scope: Scope, shared: Shared | None = None) -> None:
        self.doc, self.source, self.first, self.last = doc, source, first, last
        self.names, self.registry, self.scope = names, registry, scope
        self.shared: Shared = shared or (lambda sq: [])
        self.sq_start, self.sq_end = doc.sq_range(first, last)
        self.out: list[Record] = []

    def span(self, a: int, b: int | None = None) -> SourceSpan:
        return SourceSpan(self.source, a, a if b is None else b)

    def warn(self, message: str, line: int, end: int | None = None) -> None:
        end = line if end is None else end
        snippet = " ".join(self.doc.lines[n - 1].strip() for n in range(line, end + 1))[:160]
        self.out.append(Warning_(message, snippet, self.span(line, end)))

    def measure_at_line(self, line: int) -> str:
        index = self.scope(self.doc.sq_range(line, line)[0])
        return "" if index is None else self.names[index]

    def measure_at(self, sq: int) -> str:
        index = self.scope(sq)
        return "" if index is None else self.names[index]

    def bodies(self, sq_text: str) -> list[tuple[Entity, int, int]]:
        return scan(self.registry, Kind.BODY, sq_text)

    def printed(self, sq_start: int, sq_end: int) -> str:
        """The printed text of a squashed span, line breaks removed."""
        return flat(self.doc.printed_sq(sq_start, sq_end))


def page_facts(doc: DocText, source: str, first: int, last: int, *, names: list[str],
               registry: Registry, scope: Scope, shared: Shared | None = None) -> list[Record]:
    """All non-budget facts of the page lines first..last; ``scope`` maps a squashed offset to a
    measure, ``shared`` to the measures of a page shared by several (legal bases only)."""
    f = _Facts(doc, source, first, last, names, registry, scope, shared)
    attributes = _attributes(f)
    _new_marks(f)
    _legal(f)
    box_flows(f, _ATTRIBUTE)
    text_flows(f)
    scheme_flows(f, attributes)
    subitem_flows(f, _ATTRIBUTE)
    _programmes(f, attributes)
    return f.out


# -- attributes and plan periods -------------------------------------------
def _attributes(f: _Facts) -> dict[str, dict[str, tuple[str, str, int]]]:
    """Emit attribute records; return {measure: {key: (printed value, norm value, line)}}."""
    doc = f.doc
    start, end = doc.norm_range(f.first, f.last)
    found: dict[str, dict[str, tuple[str, str, int]]] = {}
    for m in _ATTRIBUTE.finditer(doc.norm, start, end):
        line = doc.line_of(m.start("key"))
        key = doc.printed(m.start("key"), m.end("key"))
        value = doc.printed(m.start("value"), m.end("value")).strip()
        measure = f.measure_at_line(line)
        if not measure:
            f.warn(f"attribute {key} on a page with no measure title", line)
            continue
        f.out.append(MeasureAttribute(measure, key, value, f.span(line)))
        found.setdefault(measure, {})[m["key"]] = (value, m["value"], line)
        if m["key"] == "計画年度":
            period = _PERIOD.search(m["value"])
            if period is None:
                f.warn("計画年度 without a readable period", line)
                continue
            first = era_to_fiscal_year(period["e1"], period["y1"])
            last = era_to_fiscal_year(period["e2"] or period["e1"], period["y2"])
            printed = doc.printed(m.start("value") + period.start(), m.start("value") + period.end())
            f.out.append(PlanPeriod(measure, first, last, printed, f.span(line)))
    return found


_NEW_MARK = re.compile(r"[(【]\s*新(?:規)?\s*[)】]")


def _new_marks(f: _Facts) -> None:
    """「…21.5億円（新規）」, 「…の構築【新】」: the page marks its measure (or a line of it) as new."""
    doc = f.doc
    start, end = doc.norm_range(f.first, f.last)
    for m in _NEW_MARK.finditer(doc.norm, start, end):
        line = doc.line_of(m.start())
        measure = f.measure_at_line(line)
        if not measure:
            f.warn("新規 mark on a page with no measure title", line)
            continue
        f.out.append(MeasureAttribute(measure, "新規", doc.lines[line - 1].strip(), f.span(line)))


# -- legal bases ------------------------------------------------------------
def _legal(f: _Facts) -> None:
    """Legal bases: a law printed with its article (or 「…法に基づき」 alone) as printed.

    A bare article (「第26条①２」) takes the one law the page's context gives — the page
    names one law, or the caption printed with the article (「※（所掌事務等）」) is the one the
    registry gives that article of one law (:func:`_context_law`) — with the reason in
    ``LegalBasis.inference``; else it is a warning. On a page shared by several measures
    whose titles all come below the article, it is stated for each, and the reason says so.
    """
    doc, sq = f.doc, f.doc.squashed
    text = sq[f.sq_start : f.sq_end]
    laws = scan(f.registry, Kind.LAW, text)
    law_end = {f.sq_start + e: (ent, f.sq_start + s) for ent, s, e in laws}
    unknown_end: dict[int, int] = {}  # article start -> start of a law name the registry does not know
    for m in _LAW_LIKE.finditer(text):
        if not any(e == m.end(1) for _, s, e in laws):
            name_start = m.start(1) + _law_name_start(m[1])
            unknown_end[f.sq_start + m.end(1)] = f.sq_start + name_start
    used_laws: set[int] = set()
    for m in _ARTICLE.finditer(sq, f.sq_start, f.sq_end):
        line, end_line = doc.line_of_sq(m.start()), doc.line_of_sq(m.end() - 1)
        inference = ""
        if m.start() in law_end:
            law, law_start = law_end[m.start()]
            used_laws.add(m.start())
            printed = f.printed(law_start, m.end())
            line = doc.line_of_sq(law_start)
        elif m.start() in unknown_end:  # kept as printed: the build mints the law and warns
            law_start = unknown_end[m.start()]
            law = f.printed(law_start, m.start())
            printed = f.printed(law_start, m.end())
            line = doc.line_of_sq(law_start)
        else:  # no law printed with the article: the one law the page's context gives, or a warning
            context_law, inference = _context_law(f, m, laws)
            if context_law is None:
                f.warn(inference, line, end_line)
                continue
            law, printed = context_law, f.printed(m.start(), m.end())
        measure = f.measure_at(m.start())
        measures = [measure] if measure else []
        if not measures and (shared := f.shared(m.start())):
            measures = [f.names[i] for i, _ in shared]
            inference = "; ".join(filter(None, (inference, (
                f"the page is shared by the measures titled at lines {' and '.join(str(n) for _, n in shared)}, "
                "all below the article: stated for each"))))
        law_name = law if isinstance(law, str) else law.label_ja
        if not measures:
            f.warn(f"legal basis ({law_name}) on a page with no measure title", line, end_line)
            continue
        article = _article(m)
        para = str(circled_value(m["pc"])) if m["pc"] else kanji_number(m["para"]) if m["para"] else ""
        item = m["ic"] or (kanji_number(m["item"]) if m["item"] else "")
        if isinstance(law, str):
            law_printed = law
        elif m.start() in law_end:
            law_printed = f.printed(*_law_span(laws, law, m.start(), f.sq_start))
        else:
            law_printed = law.label_ja
        for measure in measures:
            f.out.append(LegalBasis(measure, law_printed, article, para, item, printed, f.span(line, end_line),
                                    inference))
    for law, s, e in laws:  # 「…法に基づき」 with no article
        if f.sq_start + e in used_laws or not _BASED_ON.match(sq[f.sq_start + e : f.sq_start + e + 8]):
            continue
        measure = f.measure_at(f.sq_start + s)
        line = doc.line_of_sq(f.sq_start + s)
        if measure:
            printed = f.printed(f.sq_start + s, f.sq_start + e)
            f.out.append(LegalBasis(measure, printed, "", "", "", printed, f.span(line)))


def _article(m: re.Match) -> str:
    """The article number of an _ARTICLE match: 「第二十六条」 → 26, 「第103条の2」 → 103の2."""
    return kanji_number(m["art"]) + (f"の{kanji_number(m['sub'])}" if m["sub"] else "")


# A caption (見出し) printed with an article: 「※（所掌事務等）」 just before 「第26条①２」, or
# 「第31条第1項※の規定（事務の委託）」 just after (squashed text: no white space, NFKC brackets).
_CAPTION_BEFORE = re.compile(r"※?\((?P<caption>[^()※]{2,16})\)※?$")
_CAPTION_AFTER = re.compile(r"^※?の規定\((?P<caption>[^()※]{2,16})\)")


def _context_law(f: _Facts, m: re.Match, laws: list[tuple[Entity, int, int]]) -> tuple[Entity | None, str]:
    """The law of an article printed without one, from what the page gives, and why; or
    (None, the warning) where the context names no law or more than one.

    Two clues: the article's caption, when exactly one registered law gives that article
    that caption (``captions`` in the registry), and the page, when it names exactly one law.
    They must agree.
    """
    doc, sq = f.doc, f.doc.squashed
    article = _article(m)
    clues: list[tuple[Entity, str]] = []
    caption, caption_at = "", 0
    window = max(f.sq_start, m.start() - 24)
    before = _CAPTION_BEFORE.search(sq[window : m.start()])
    after = _CAPTION_AFTER.match(sq[m.end() : min(f.sq_end, m.end() + 24)])
    if before:
        caption, caption_at = before["caption"], window + before.start("caption")
    elif after:
        caption, caption_at = after["caption"], m.end() + after.start("caption")
    if caption:
        printed = f.printed(caption_at, caption_at + len(caption))
        holders = f.registry.laws_with_caption(article, caption)
        if len(holders) > 1:
            return None, (f"article reference without a law named: its caption 「{printed}」 is that of article "
                          f"{article} of several laws ({', '.join(e.label_ja for e in holders)})")
        for law in holders:
            clues.append((law, (f"its caption 「{printed}」 (line {doc.line_of_sq(caption_at)}) is the registry's "
                                f"caption of {law.label_ja} 第{article}条")))
    named = {e.key for e, _, _ in laws}
    if len(named) == 1:
        law, start, _ = laws[0]
        clues.append((law, f"the page names one law, {law.label_ja} (line {doc.line_of_sq(f.sq_start + start)})"))
    found = {law.key for law, _ in clues}
    if len(found) == 1:
        return clues[0][0], "law not printed with the article: " + "; ".join(why for _, why in clues)
    if len(found) > 1:
        return None, "article reference without a law named: " + " but ".join(why for _, why in clues)
    if caption:
        return None, (f"article reference without a law named on the page (its caption 「{f.printed(caption_at, caption_at + len(caption))}」 "
                      f"is no registered law's article {article})")
    return None, "article reference without a law named on the page"


def _law_name_start(text: str) -> int:
    """Offset in ``text`` (a law-like match) where the law's name begins.

    >>> t = "本事業は電気通信事業法"; t[_law_name_start(t):]
    '電気通信事業法'
    """
    cut = _BEFORE_LAW.match(text[:-1])
    return cut.end() if cut else 0


def _law_span(laws, law: Entity, article_start: int, base: int) -> tuple[int, int]:
    for ent, s, e in laws:
        if ent is law and base + e == article_start:
            return base + s, base + e
    raise AssertionError("law occurrence not found")  # pragma: no cover


# -- programmes -------------------------------------------------------------
def _programmes(f: _Facts, attributes: dict[str, dict[str, tuple[str, str, int]]]) -> None:
    doc, sq = f.doc, f.doc.squashed
    text = sq[f.sq_start : f.sq_end]
    bodies = f.bodies(text)
    implementers = {}
    for measure, attrs in attributes.items():
        if "事業主体" in attrs:
            hits = {e.key for e, _, _ in f.bodies(attrs["事業主体"][1])}
            if len(hits) == 1:
                implementers[measure] = printed_of(f, attrs["事業主体"][2], _first_name(f, attrs["事業主体"][1]))
    chosen: dict[tuple[str, str], tuple[ProgramMention, bool]] = {}
    for program, s, e in scan(f.registry, Kind.PROGRAM, text):
        measure = f.measure_at(f.sq_start + s)
        operator = _stated_operator(f, text, bodies, s, e)
        stated = bool(operator)
        if not operator:
            operator = implementers.get(measure, "")
        line, end_line = doc.line_of_sq(f.sq_start + s), doc.line_of_sq(f.sq_start + e - 1)
        mention = ProgramMention(f.printed(f.sq_start + s, f.sq_start + e), operator, measure,
                                 f.span(line, end_line))
        key = (program.key, measure)
        if key not in chosen or (stated and not chosen[key][1]):
            chosen[key] = (mention, stated)
    # A programme named under several measures of one page (a caption after the last title,
    # 003:410) is tied to a measure only where the text states its operator.
    measures_of: dict[str, set[str]] = {}
    for program_key, measure in chosen:
        measures_of.setdefault(program_key, set()).add(measure)
    for (program_key, measure), (mention, stated) in chosen.items():
        if len(measures_of[program_key] - {""}) > 1 and not stated:
            mention = replace(mention, measure="")
        f.out.append(mention)


def _first_name(f: _Facts, value: str) -> str:
    hits = f.bodies(value)
    return value[hits[0][1] : hits[0][2]]


def _stated_operator(f: _Facts, text: str, bodies, s: int, e: int) -> str:
    before = [(ent, bs, be) for ent, bs, be in bodies if be <= s and s - be <= 16]
    if before:
        ent, bs, be = max(before, key=lambda x: x[2])
        if _OPERATOR_BEFORE.match(text[be:s]):
            outer = [(o, os_, oe) for o, os_, oe in bodies if o is ent and oe == bs - 1 and text[bs - 1] == "("]
            if outer:
                _, bs, be = outer[0]
            return f.printed(f.sq_start + bs, f.sq_start + be)
    after = [(ent, bs, be) for ent, bs, be in bodies if bs >= e and bs - e <= 16]
    if after:
        ent, bs, be = min(after, key=lambda x: x[1])
        if _OPERATOR_AFTER.match(text[e:bs]) and _BUILT_AT.match(text[be : be + 24]):
            return f.printed(f.sq_start + bs, f.sq_start + be)
    return ""
