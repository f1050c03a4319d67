"""Funding flows of a NISC measure page, read conservatively.

* a scheme-box line holding the funder 「国」, one instrument and one recipient:
  「国 補助 独立行政法人情報処理推進機構(IPA)」, 「民間企業等国 委託」;
* an instrument alone on its line next to a 「国 + recipient」 line
  (「補助（定額）」 / 「国 独立行政法人情報処理推進機構(IPA)」), or followed by a
  recipient line with a lone 「国」 close by and no rival instrument;
* a 「国 + instrument」 line (or an instrument with a lone 「国」 after it) followed, past
  sub-item markers only, by a recipient line: 「国 委託 / (1)－① / 民間専門機関」;
* by elimination, in one measure's scheme box: the only instrument line left without a
  recipient and the only recipient line left without an instrument
  (「国 交付 / (1)－②、(3)－①、(3)－③ / … / 独立行政法人情報処理推進機構(IPA)」);
* running text: 「(独)情報処理推進機構(ＩＰＡ)に委託」, 「（IPA交付金） ： 19.3億円」;
* a sub-item that ends with its instrument in brackets and names one body:
  「(2) …独立行政法人情報処理推進機構のサイバーレスキュー隊…により…守る。（交付金）」;
* 事業主体 + 事業スキーム where they pair one to one, or by the same circled
  marker (「国立研究開発法人情報通信研究機構（①の一部）」 with 「補助事業（①の一部）」);
  the schemes no marked 事業主体 claims (「実証事業（請負）」) go to the one 事業主体
  printed without a marker (「民間企業（通信事業者、ベンダ 等）」).

A flow's amount is the one printed with it — on its own box lines, right after its
running-text phrase, or inside its scheme part — never the measure's budget;
「…の内数」 makes it an upper bound. Where no amount is printed for the flow, ``yen``
is None. A box instrument with no unambiguous recipient, and a scheme instrument with
no matching 事業主体, is reported as a warning: the recipient is never guessed.
Funder is 「国」 as printed; the graph builder resolves it to the measure's agency.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from policykg.normalize import AMOUNT_RE, parse_amount
from policykg.records import FundingFlow
from policykg.registry import Entity, Kind

from .nisc_pages_text import CIRCLED

__all__ = ["box_flows", "printed_of", "scheme_flows", "subitem_flows", "text_flows"]

_INSTRUMENTS = ("交付金", "交付", "補助", "委託", "請負")
_CANONICAL = {"交付": "交付金"}
_PAREN = r"(?:\([^()]{1,16}\))?"
_COMMISSIONED = re.compile(rf"{_PAREN}に(?:事業)?委託")
_GRANT = re.compile(r"(?:運営費)?交付金")
_AMOUNT = re.compile(rf"(?P<amount>{AMOUNT_RE.pattern})(?P<incl>の内数)?")
# An amount right after a running-text flow: 「（IPA交付金） ： 19.3億円」, 「JICA交付金（1,511億円）の内数」.
_AMOUNT_AFTER = re.compile(rf"\)?:?(?P<open>\()?(?P<amount>{AMOUNT_RE.pattern})(?(open)\))(?P<incl>の内数)?")
# Sub-item markers only: 「(1)－②、(3)－①」, 「（２）」 (squashed, normalised).
_MARKERS = re.compile(rf"[()0-9{CIRCLED}\-‐―ー、,・]+")
# An instrument in brackets closing a line: 「…守る。（交付金）」, 「…基盤構築(委託)」.
_CLOSING = re.compile(r"[(（]\s*(?P<word>交付金|交付|補助|委託|請負)\s*[)）][ \t\u3000]*$", re.MULTILINE)
_SUBITEM_START = re.compile(rf"^[ \t\u3000]*(?:[-*][ \t]*)?(?:\(\s*[0-9]{{1,2}}\s*\)|[{CIRCLED}]|○|●)")


class _Box(NamedTuple):
    """A scheme-box line: names 国, instruments, bodies (entity, printed), amounts outside brackets."""

    gov: bool
    instruments: list[str]
    bodies: list[tuple[Entity, str]]
    amounts: list[tuple[int, int, bool]]  # squashed (start, end) of the amount, 内数


class _Amount(NamedTuple):
    yen: int | None
    printed: str
    upper_bound: bool


_NONE = _Amount(None, "", False)


def _clean(f, line: int) -> _Box | None:
    """A scheme-box line, or None if it is prose."""
    start, end = f.doc.sq_range(line, line)
    text = f.doc.squashed[start:end]
    if not text:
        return None
    bodies: list[tuple[Entity, str]] = []
    rest = list(text)
    for entity, s, e in f.bodies(text):
        if all(entity is not b for b, _ in bodies):
            bodies.append((entity, f.printed(start + s, start + e)))
        rest[s:e] = [" "] * (e - s)
    amounts = []
    for m in _AMOUNT.finditer("".join(rest)):
        if not _in_brackets(text, m.start()):
            amounts.append((start + m.start(), start + m.end("amount"), bool(m["incl"])))
        rest[m.start() : m.end()] = [" "] * (m.end() - m.start())
    remainder = re.sub(r"\([^()]{0,12}\)|定額", " ", "".join(rest))
    instruments = []
    for word in _INSTRUMENTS:
        while word in remainder:
            instruments.append(_CANONICAL.get(word, word))
            remainder = remainder.replace(word, " ", 1)
    gov = remainder.count("国")
    remainder = remainder.replace("国", " ")
    if remainder.strip() or gov > 1:
        return None
    return _Box(gov == 1, instruments, bodies, amounts)


def _in_brackets(text: str, pos: int) -> bool:
    return text[:pos].count("(") > text[:pos].count(")")


def _stated(f, spans: list[tuple[int, int, bool]], a: int, b: int) -> _Amount:
    """The one amount printed for a flow; several (or an unreadable one) give none, with a warning."""
    if not spans:
        return _NONE
    if len(spans) > 1:
        f.warn("funding flow printed with several amounts: none taken", a, b)
        return _NONE
    s, e, incl = spans[0]
    printed = f.printed(s, e)
    try:
        yen = parse_amount(printed).yen
    except ValueError:
        f.warn(f"funding flow amount not readable: {printed}", a, b)
        return _NONE
    return _Amount(yen, printed, incl)


def _flow(f, measure: str, recipient: str, instrument: str, printed: str, a: int, b: int,
          amount: _Amount = _NONE, *, once: bool = False) -> None:
    """Add a flow. With ``once`` (running text), a flow the page already states (same measure,
    recipient, instrument) is not repeated unless it prints an amount of its own
    (「（国立大学法人運営費交付金の内数）」 restated); box and scheme lines are each a flow."""
    key = _key(f, recipient)
    if once and amount.yen is None and any(isinstance(r, FundingFlow) and r.measure == measure and r.instrument == instrument
                                  and _key(f, r.recipient) == key for r in f.out):
        return
    f.out.append(FundingFlow(measure, "国", recipient, instrument, amount.yen, printed, f.span(a, b),
                             amount.printed, amount.upper_bound))


def box_flows(f, attribute_line: re.Pattern) -> None:
    lines = [n for n in range(f.first, f.last + 1) if not f.doc.blank(n)]
    info = {n: None if attribute_line.match(f.doc.norm_line(n)) else _clean(f, n) for n in lines}
    used: set[int] = set()

    def flow(recipient: tuple[Entity, str], instrument: str, parts: list[int], shown: list[int] | None = None) -> None:
        a, b = min(parts), max(parts)
        measure = f.measure_at_line(a)
        if not measure:
            f.warn("funding flow on a page with no measure title", a, b)
            return
        shown = shown or [n for n in range(a, b + 1) if not f.doc.blank(n)]
        printed = " / ".join(f.doc.lines[n - 1].strip() for n in shown)
        amount = _stated(f, [x for n in parts for x in info[n].amounts], a, b)
        _flow(f, measure, recipient[1], instrument, printed, a, b, amount)
        used.update(parts)

    for n in lines:  # R1: 「国 補助 独立行政法人情報処理推進機構(IPA)」
        c = info[n]
        if c and c.gov and len(set(c.instruments)) == 1 and len(c.bodies) == 1:
            flow(c.bodies[0], c.instruments[0], [n])
    for i, n in enumerate(lines):  # R2/R3: an instrument alone on its line
        c = info[n]
        if n in used or not c or c.gov or c.bodies or len(c.instruments) != 1:
            continue
        partner = _partner(info, lines, i, used)
        if partner is not None:
            bodies_line, gov_line = partner
            flow(info[bodies_line].bodies[0], c.instruments[0], [n, bodies_line] + [gov_line] * (gov_line != bodies_line),
                 [m for m in lines if min(n, gov_line, bodies_line) <= m <= max(n, gov_line, bodies_line)])
    for i, n in enumerate(lines):  # R4: the recipient past sub-item markers
        c = info[n]
        if n in used or not c or c.bodies or len(set(c.instruments)) != 1:
            continue
        found = _recipient_below(f, info, lines, i, used, gov=c.gov)
        if found is not None:
            flow(info[found[-1]].bodies[0], c.instruments[0], [n, *found], lines[i : lines.index(found[-1]) + 1])
    _by_elimination(f, info, lines, used, flow)
    for n in lines:
        c = info[n]
        if n in used or not c or c.bodies or not c.instruments:
            continue
        if c.gov:  # 「国 交付」: funder and instrument, recipient elsewhere
            f.warn(f"funding scheme: 国 {c.instruments[0]} with no unambiguous recipient", n)
        elif len(c.instruments) == 1:
            f.warn(f"funding scheme: {c.instruments[0]} with no unambiguous recipient", n)


def _body_only(c: _Box | None) -> bool:
    return bool(c) and not c.gov and not c.instruments and len(c.bodies) == 1


def _lone_gov(c: _Box | None) -> bool:
    return bool(c) and c.gov and not c.instruments and not c.bodies


def _partner(info, lines: list[int], i: int, used: set[int]) -> tuple[int, int] | None:
    """(bodies line, 国 line) pairing with the instrument line lines[i]: 国 + one body next to
    it (R2), or one body right after it with a lone 「国」 close by (R3)."""
    for j in (i + 1, i - 1):
        if 0 <= j < len(lines) and lines[j] not in used:
            c = info[lines[j]]
            if c and c.gov and not c.instruments and len(c.bodies) == 1:
                return lines[j], lines[j]
    if i + 1 < len(lines) and _body_only(info[lines[i + 1]]):
        window = lines[max(0, i - 4) : i] + lines[i + 2 : i + 6]
        govs = [m for m in window if _lone_gov(info[m])]
        rivals = [m for m in window if info[m] and info[m].instruments and not info[m].gov and not info[m].bodies]
        if len(govs) == 1 and not rivals:
            return lines[i + 1], govs[0]
    return None


def _is_markers(f, line: int) -> bool:
    return bool(_MARKERS.fullmatch(f.doc.sq_line(line)))


def _recipient_below(f, info, lines: list[int], i: int, used: set[int], *, gov: bool) -> list[int] | None:
    """[国 line,] recipient line below the instrument line lines[i], past marker lines only
    (and, for an instrument printed without 「国」, one lone 「国」 line)."""
    govs: list[int] = []
    for m in lines[i + 1 : i + 6]:
        c = info[m]
        if m in used:
            return None
        if _lone_gov(c) and not gov and not govs:
            govs.append(m)
        elif _body_only(c):
            return govs + [m] if (gov or govs) else None
        elif not _is_markers(f, m):
            return None
    return None


def _by_elimination(f, info, lines: list[int], used: set[int], flow) -> None:
    """Per measure: the only instrument line and the only recipient line left unpaired."""
    by_measure: dict[str, list[int]] = {}
    for n in lines:
        if n not in used and info[n]:
            by_measure.setdefault(f.measure_at_line(n), []).append(n)
    for measure, free in by_measure.items():
        if not measure:
            continue
        instruments = [n for n in free if info[n].instruments and not info[n].bodies]
        recipients = [n for n in free if _body_only(info[n])]
        govs = [n for n in free if _lone_gov(info[n])]
        if len(instruments) != 1 or len(recipients) != 1 or len(set(info[instruments[0]].instruments)) != 1:
            continue
        n = instruments[0]
        if not info[n].gov and len(govs) != 1:
            continue
        parts = [n, recipients[0]] + ([] if info[n].gov else govs)
        after = lines[lines.index(n) + 1 :]
        markers = after[:1] if after and _is_markers(f, after[0]) else []  # 「(1)－②、(3)－①」 under it
        flow(info[recipients[0]].bodies[0], info[n].instruments[0], parts, sorted({*parts, *markers}))


def text_flows(f) -> None:
    """「(独)情報処理推進機構(ＩＰＡ)に委託して」, 「（IPA交付金） ： 19.3億円」 in running text."""
    doc, sq = f.doc, f.doc.squashed
    text = sq[f.sq_start : f.sq_end]
    for entity, s, e in f.bodies(text):
        commissioned = _COMMISSIONED.match(text, e)
        grant = _GRANT.match(text, e)
        if commissioned:
            instrument, end = "委託", commissioned.end()
        elif grant:
            instrument, end = "交付金", grant.end()
        else:
            continue
        a, b = doc.line_of_sq(f.sq_start + s), doc.line_of_sq(f.sq_start + end - 1)
        measure = f.measure_at(f.sq_start + s)
        if not measure:
            f.warn(f"funding flow ({instrument} to {entity.label_ja}) on a page part with no measure", a, b)
            continue
        recipient = f.printed(f.sq_start + s, f.sq_start + e)
        printed = f.printed(f.sq_start + s, f.sq_start + end)
        _flow(f, measure, recipient, instrument, printed, a, b, _amount_after(f, text, end, a, b), once=True)


def _amount_after(f, text: str, end: int, a: int, b: int) -> _Amount:
    """The amount printed right after a running-text flow, on the flow's last line."""
    m = _AMOUNT_AFTER.match(text, end)
    if m is None or f.doc.line_of_sq(f.sq_start + m.start("amount")) != b:
        return _NONE
    return _stated(f, [(f.sq_start + m.start("amount"), f.sq_start + m.end("amount"), bool(m["incl"]))], a, b)


def subitem_flows(f, attribute_line: re.Pattern) -> None:
    """「(2) …独立行政法人情報処理推進機構のサイバーレスキュー隊…（交付金）」: a sub-item closing
    with its instrument, naming one body; skipped where the page already states that flow."""
    doc = f.doc
    start, end = doc.norm_range(f.first, f.last)
    for m in _CLOSING.finditer(doc.norm, start, end):
        line = doc.line_of(m.start())
        if attribute_line.match(doc.norm_line(line)):
            continue
        measure = f.measure_at_line(line)
        if not measure:
            continue
        instrument = _CANONICAL.get(m["word"], m["word"])
        first = _subitem_start(f, line, attribute_line)
        sq_a, sq_b = doc.sq_range(first, line)
        sq_b = doc.sq_of(m.start())
        bodies = list(dict.fromkeys(e for e, _, _ in f.bodies(doc.squashed[sq_a:sq_b])))
        stated = {_key(f, r.recipient) for r in f.out
                  if isinstance(r, FundingFlow) and r.measure == measure and r.instrument == instrument}
        if len(bodies) == 1:
            if bodies[0].key in stated:
                continue
            s, e = next((s, e) for ent, s, e in f.bodies(doc.squashed[sq_a:sq_b]) if ent is bodies[0])
            a = doc.line_of_sq(sq_a + s)
            printed = f.printed(sq_a + s, doc.sq_of(m.end()))
            _flow(f, measure, f.printed(sq_a + s, sq_a + e), instrument, printed, a, line)
        elif not stated:
            what = "names no recipient" if not bodies else f"names {len(bodies)} bodies"
            f.warn(f"funding scheme: sub-item ({instrument}) {what}", first, line)


def _key(f, name: str) -> str:
    entity = f.registry.find(Kind.BODY, name)
    return entity.key if entity is not None else name


def _subitem_start(f, line: int, attribute_line: re.Pattern) -> int:
    """First line of the sub-item closing on ``line``: its marker line, or the paragraph start."""
    n = line
    while n > max(f.first, line - 8):
        if _SUBITEM_START.match(f.doc.norm_line(n)):
            return n
        prev = n - 1
        if f.doc.blank(prev) or _CLOSING.search(f.doc.norm_line(prev)) or attribute_line.match(f.doc.norm_line(prev)):
            return n
        n = prev
    return n


def _split_top(value: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in value:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "、" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in parts + [current] if p.strip()]


def _marker(part: str) -> str | None:
    inner = re.search(r"\(([^()]*)\)", part)
    if inner is None:
        return None
    text = inner.group(1)
    for word in _INSTRUMENTS:
        text = text.replace(word, "")
    return text if any(c in CIRCLED for c in text) else None


def scheme_flows(f, attributes: dict[str, dict[str, tuple[str, str, int]]]) -> None:
    for measure, attrs in attributes.items():
        if "事業主体" not in attrs or "事業スキーム" not in attrs:
            continue
        _, actors_norm, actor_line = attrs["事業主体"]
        _, scheme_norm, scheme_line = attrs["事業スキーム"]
        actors = []
        for part in _split_top(actors_norm):
            name = re.sub(r"\([^()]*\)", "", part)
            hits = f.bodies(name)
            if len(hits) == 1:
                actors.append((hits[0][0], name[hits[0][1] : hits[0][2]], _marker(part)))
        schemes = []
        for part in _split_top(scheme_norm):
            words = [w for w in _INSTRUMENTS if w in part and not (w == "交付" and "交付金" in part)]
            if len(words) == 1:
                schemes.append((_CANONICAL.get(words[0], words[0]), _marker(part), part))
        a, b = sorted((actor_line, scheme_line))
        printed = " / ".join(f.doc.lines[n - 1].strip() for n in (a, b))
        pairs = []
        if len(actors) == 1 and len({s[0] for s in schemes}) == 1:
            pairs = [(actors[0], schemes[0][0], schemes[0][2])]
            schemes = []
        matched, rest = 0, []
        for instrument, marker, part in schemes:
            match = [x for x in actors if marker is not None and x[2] == marker]
            if len(match) == 1:
                pairs.append((match[0], instrument, part))
                matched += 1
            else:
                rest.append((instrument, marker, part))
        unmarked = [x for x in actors if x[2] is None]
        claimed = {c for x in actors if x[2] is not None and "一部" not in x[2] for c in x[2] if c in CIRCLED}
        unmatched = []
        for instrument, marker, part in rest:
            if matched and len(unmarked) == 1 and not claimed & set(marker or ""):
                pairs.append((unmarked[0], instrument, part))  # the 事業主体 the markers leave
            elif instrument not in unmatched:
                unmatched.append(instrument)
                f.warn(f"事業スキーム {instrument} without a matching 事業主体", a, b)
        seen = set()
        for (entity, printed_name, _), instrument, part in pairs:
            if (entity.key, instrument) in seen:
                continue  # 「調査研究（請負①）…実証事業（請負④）」: one 請負 flow to the same body
            seen.add((entity.key, instrument))
            recipient = printed_of(f, a, printed_name)
            _flow(f, measure, recipient, instrument, printed, a, b, _part_amount(f, part, scheme_line, a, b))


def _part_amount(f, part: str, line: int, a: int, b: int) -> _Amount:
    """An amount printed inside a scheme part (「補助事業（3.0億円）」, normalised) on ``line``."""
    m = _AMOUNT.search(part)
    if m is None:
        return _NONE
    printed = printed_of(f, line, m["amount"])
    try:
        yen = parse_amount(printed).yen
    except ValueError:
        f.warn(f"funding flow amount not readable: {printed}", a, b)
        return _NONE
    return _Amount(yen, printed, bool(m["incl"]))


def printed_of(f, line: int, normalised: str) -> str:
    """The original spelling of a normalised name on a line (falls back to the normalised one)."""
    raw = f.doc.norm_line(line)
    pos = raw.find(normalised)
    if pos < 0:
        return normalised
    start = f.doc.norm_range(line, line)[0] + pos
    return f.doc.printed(start, start + len(normalised))
