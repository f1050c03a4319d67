"""Funding flows of a NISC measure page, read conservatively.

* a scheme-box line holding the funder 「国」, one instrument and one recipient:
  「国 補助 独立行政法人情報処理推進機構(IPA)」, 「民間企業等国 委託」;
* an instrument alone on its line next to a 「国 + recipient」 line
  (「補助（定額）」 / 「国 独立行政法人情報処理推進機構(IPA)」), or followed by a
  recipient line with a lone 「国」 close by and no rival instrument;
* running text: 「(独)情報処理推進機構(ＩＰＡ)に委託」, 「（IPA交付金）」;
* 事業主体 + 事業スキーム where they pair one to one, or by the same circled
  marker (「国立研究開発法人情報通信研究機構（①の一部）」 with 「補助事業（①の一部）」).

A box instrument with no unambiguous recipient, and a scheme instrument with no
matching 事業主体, is reported as a warning: the recipient is never guessed.
Funder is 「国」 as printed; the graph builder resolves it to the measure's agency.
"""

from __future__ import annotations

import re

from policykg.records import FundingFlow
from policykg.registry import Entity

from .nisc_pages_text import CIRCLED

__all__ = ["box_flows", "printed_of", "scheme_flows", "text_flows"]

_INSTRUMENTS = ("交付金", "交付", "補助", "委託", "請負")
_CANONICAL = {"交付": "交付金"}
_PAREN = r"(?:\([^()]{1,16}\))?"
_COMMISSIONED = re.compile(rf"{_PAREN}に(?:事業)?委託")


def _clean(f, line: int) -> tuple[bool, list[str], list[tuple[Entity, str]], bool] | None:
    """A scheme-box line as (names 国, instruments, bodies, nothing else), or None if it is prose."""
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
    return gov == 1, instruments, bodies, True


def box_flows(f, attribute_line: re.Pattern) -> None:
    lines = [n for n in range(f.first, f.last + 1) if not f.doc.blank(n)]
    info = {n: None if attribute_line.match(f.doc.norm_line(n)) else _clean(f, n) for n in lines}
    used: set[int] = set()

    def flow(recipient: tuple[Entity, str], instrument: str, a: int, b: int) -> None:
        measure = f.measure_at_line(a)
        if not measure:
            f.warn("funding flow on a page with no measure title", a, b)
            return
        printed = " / ".join(f.doc.lines[n - 1].strip() for n in range(a, b + 1) if not f.doc.blank(n))
        f.out.append(FundingFlow(measure, "国", recipient[1], instrument, None, printed, f.span(a, b)))
        used.update(x for x in (a, b))

    for i, n in enumerate(lines):  # R1: 「国 補助 独立行政法人情報処理推進機構(IPA)」
        c = info[n]
        if c and c[0] and len(set(c[1])) == 1 and len(c[2]) == 1:
            flow(c[2][0], c[1][0], n, n)
    for i, n in enumerate(lines):  # R2/R3: an instrument alone on its line
        c = info[n]
        if n in used or not c or c[0] or c[2] or len(c[1]) != 1:
            continue
        partner = _partner(info, lines, i, used)
        if partner is not None:
            bodies_line, a, b = partner
            flow(info[bodies_line][2][0], c[1][0], a, b)
        else:
            f.warn(f"funding scheme: {c[1][0]} with no unambiguous recipient", n)
    for n in lines:  # 「国 交付」: funder and instrument, recipient elsewhere
        c = info[n]
        if n not in used and c and c[0] and c[1] and not c[2]:
            f.warn(f"funding scheme: 国 {c[1][0]} with no unambiguous recipient", n)


def _partner(info, lines: list[int], i: int, used: set[int]) -> tuple[int, int, int] | None:
    """The line pairing with the instrument line lines[i]: 国 + one body next to it (R2),
    or one body right after it with a lone 「国」 close by (R3)."""
    n = lines[i]
    for j in (i + 1, i - 1):
        if 0 <= j < len(lines) and lines[j] not in used:
            c = info[lines[j]]
            if c and c[0] and not c[1] and len(c[2]) == 1:
                return lines[j], min(n, lines[j]), max(n, lines[j])
    if i + 1 < len(lines):
        c = info[lines[i + 1]]
        if c and not c[0] and not c[1] and len(c[2]) == 1:
            window = lines[max(0, i - 4) : i] + lines[i + 2 : i + 6]
            govs = [m for m in window if info[m] and info[m][0] and not info[m][1] and not info[m][2]]
            rivals = [m for m in window if info[m] and info[m][1] and not info[m][0] and not info[m][2]]
            if len(govs) == 1 and not rivals:
                return lines[i + 1], min(n, govs[0]), max(lines[i + 1], govs[0])
    return None


def text_flows(f) -> None:
    """「(独)情報処理推進機構(ＩＰＡ)に委託して」, 「（IPA交付金）」 in running text."""
    doc, sq = f.doc, f.doc.squashed
    text = sq[f.sq_start : f.sq_end]
    for entity, s, e in f.bodies(text):
        commissioned = _COMMISSIONED.match(text, e)
        if commissioned:
            instrument, end = "委託", commissioned.end()
        elif text.startswith("交付金", e):
            instrument, end = "交付金", e + 3
        else:
            continue
        a, b = doc.line_of_sq(f.sq_start + s), doc.line_of_sq(f.sq_start + end - 1)
        measure = f.measure_at(f.sq_start + s)
        if not measure:
            f.warn(f"funding flow ({instrument} to {entity.label_ja}) on a page part with no measure", a, b)
            continue
        recipient = f.printed(f.sq_start + s, f.sq_start + e)
        printed = f.printed(f.sq_start + s, f.sq_start + end)
        f.out.append(FundingFlow(measure, "国", recipient, instrument, None, printed, f.span(a, b)))


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
                schemes.append((_CANONICAL.get(words[0], words[0]), _marker(part)))
        a, b = sorted((actor_line, scheme_line))
        printed = " / ".join(f.doc.lines[n - 1].strip() for n in (a, b))
        pairs = []
        if len(actors) == 1 and len({s[0] for s in schemes}) == 1:
            pairs = [(actors[0], schemes[0][0])]
            schemes = []
        unmatched = []
        for instrument, marker in schemes:
            match = [x for x in actors if marker is not None and x[2] == marker]
            if len(match) == 1:
                pairs.append((match[0], instrument))
            elif instrument not in unmatched:
                unmatched.append(instrument)
                f.warn(f"事業スキーム {instrument} without a matching 事業主体", a, b)
        for (entity, printed_name, _), instrument in pairs:
            recipient = printed_of(f, a, printed_name)
            f.out.append(FundingFlow(measure, "国", recipient, instrument, None, printed, f.span(a, b)))


def printed_of(f, line: int, normalised: str) -> str:
    """The original spelling of a normalised name on a line (falls back to the normalised one)."""
    raw = f.doc.norm_line(line)
    pos = raw.find(normalised)
    if pos < 0:
        return normalised
    start = f.doc.norm_range(line, line)[0] + pos
    return f.doc.printed(start, start + len(normalised))
