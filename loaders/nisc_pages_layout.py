"""Which measure each part of a NISC measure page is about.

A :class:`Page` is one block of :func:`nisc_pages_text.segment`, analysed for

* *titles*: a summary-table measure name (or a registry name of the same
  measure) printed at the start of a line, after markers such as ○ ■ 【主な経費】
  （１）, possibly wrapping onto the next line; two titles may share a line
  (a two-column page). A name inside a longer measure name or followed by a
  particle (「…の強化に必要な」) does not count, nor
  does a title whose agency or strategy area contradicts the page's own
  agency line or footer (「情報セキュリティ対策の強化」 inside a 国土交通省 page);
* *agency lines* (「外務省」, 「防衛省の施策例」, 「（内閣サイバーセキュリティセンター）」)
  and *footers* (「（１）経済社会の活力の向上及び持続的発展－①」);
* *sub-item headings* (Markdown headings starting with a marker, such as
  「## 1 厚生労働省及び関係機関における情報セキュリティ対策の推進」): a statement
  right under one (or under a heading below one) is the sub-item's; one further
  down, after the sub-item's text, may be the measure's or the sub-item's
  ("uncertain": the caller then asks for an exact match with the table).

:func:`figure_scope` then says which measure a budget statement at a position
belongs to, strictly (a sub-item's or an ambiguous statement gets no measure);
:func:`fact_scope` does the same, more leniently, for attributes, legal bases,
flows and programmes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from policykg.errors import RegistryError
from policykg.normalize import squash
from policykg.records import MeasureMention
from policykg.registry import Entity, Kind, Registry

from .nisc_pages_text import DocText, fold, is_heading, scan

__all__ = ["Page", "Scope", "Titles", "analyse", "fact_scope", "figure_scope", "line_marker_len"]

# Markers a title may follow at the start of a (squashed, folded) line.
_MARKER = re.compile(r"(?:#+|[-*](?=\S))?(?:【主な経費】)?(?:[○〇◆■●・◇□▪▶]|\(\d{1,2}\)|[①-⑳]|\d{1,2}(?=[^\d.,年月%])|<参考>)*")
# A sub-item heading in Markdown: a heading starting with such a marker.
_SUBITEM = re.compile(r"^#+\s*(?:[○〇◆■●・]|\(\d{1,2}\)|[①-⑳]|\d{1,2}[\s.])")
_FOOTER = re.compile(r"\(([1-9])\)(?P<label>[^①-⑳]{3,40}?)[-ー‐–−―](?P<nums>[①-⑳](?:[、,][①-⑳])*)?")
#: A name followed by one of these is part of a sentence, not a title.
_PARTICLES = frozenset("にのをはがでともへや")
#: Measure-name endings a page title may leave off (「…構築」 for 「…構築に関する調査費」).
_WEAK_SUFFIXES = ("に関する調査費",)


def line_marker_len(sq_line: str) -> int:
    """Length of the marker prefix of a squashed line.

    >>> line_marker_len("【主な経費】(1)ナショナル")
    9
    >>> line_marker_len("1厚生労働省")
    1
    """
    return _MARKER.match(sq_line).end()


@dataclass(frozen=True)
class Title:
    measure: int  # index into the measures
    sq_start: int
    sq_end: int
    line: int
    end_line: int
    weak: bool = False  # matched by a name without its generic ending


@dataclass
class Page:
    first: int
    last: int
    agencies: set[str] = field(default_factory=set)  # agency keys, with their parents
    areas: set[int] = field(default_factory=set)
    titles: list[Title] = field(default_factory=list)
    headings: list[tuple[int, int, bool]] = field(default_factory=list)  # Markdown: (line, sq_end, sub-item?)
    header_lines: set[int] = field(default_factory=set)  # agency lines, footers, page numbers
    statement_lines: set[int] = field(default_factory=set)  # lines holding only budget statements
    is_table: bool = False
    markdown: bool = False  # Markdown lines are whole paragraphs: titles need no agency check
    fallback: int | None = None  # the only measure of the page's agency, for untitled pages

    def title_measures(self) -> list[int]:
        return list(dict.fromkeys(t.measure for t in self.titles))


class Titles:
    """Folded, squashed names to look for, per measure."""

    def __init__(self, measures: Sequence[MeasureMention], registry: Registry) -> None:
        self.measures = measures
        self.names: list[tuple[str, int, bool]] = []  # (name, measure index, weak)
        self.agency: list[Entity | None] = []
        for i, m in enumerate(measures):
            names = {fold(squash(m.name))}
            entity = _find(registry, Kind.MEASURE, m.name)
            if entity is not None:
                names |= {fold(squash(n)) for n in entity.names()}
            for name in sorted(names):
                self.names.append((name, i, False))
                for suffix in _WEAK_SUFFIXES:
                    if name.endswith(suffix) and len(name) > len(suffix) + 8:
                        self.names.append((name[: -len(suffix)], i, True))
            self.agency.append(_find(registry, Kind.AGENCY, m.agency))
        # Longest first; ties in a fixed order (a strong name before a weak one), never set order.
        self.names.sort(key=lambda t: (-len(t[0]), t[2], t[1], t[0]))
        # The same order, looked up by length and text: the names that start at a position are
        # found with one dictionary look-up per name length, not by trying every name.
        self.by_text: dict[str, list[tuple[str, int, bool]]] = {}
        for entry in self.names:
            if entry[0]:
                self.by_text.setdefault(entry[0], []).append(entry)
        self.lengths = sorted({len(name) for name in self.by_text}, reverse=True)

    def starting_at(self, text: str, pos: int) -> Iterator[tuple[str, int, bool]]:
        """The names ``text`` holds at ``pos``, in :attr:`names` order (longest first)."""
        for length in self.lengths:
            yield from self.by_text.get(text[pos : pos + length], ()) if pos + length <= len(text) else ()


def _find(registry: Registry, kind: Kind, name: str) -> Entity | None:
    try:
        return registry.find(kind, name)
    except RegistryError:
        return None


def _with_parents(registry: Registry, entity: Entity) -> set[str]:
    keys = set()
    while entity is not None and entity.key not in keys:
        keys.add(entity.key)
        entity = registry.parent_of(entity)
    return keys


def agency_line(doc: DocText, line: int, registry: Registry) -> set[str]:
    """Agency keys if the line only names agencies (plus a footer or 「の施策例」), else empty."""
    sq = doc.sq_line(line)
    sq = _FOOTER.sub("", sq).replace("の施策例", "")
    sq = re.sub(r"^#+", "", sq).strip("()")
    if not sq:
        return set()
    found = scan(registry, Kind.AGENCY, sq)
    covered = sum(end - start for _, start, end in found)
    if not found or covered != len(sq):
        return set()
    keys: set[str] = set()
    for entity, _, _ in found:
        keys |= _with_parents(registry, entity)
    return keys


def footer_areas(doc: DocText, line: int, registry: Registry) -> set[int]:
    areas = set()
    for m in _FOOTER.finditer(doc.sq_line(line)):
        label = m["label"]
        hits = scan(registry, Kind.AREA, label)
        if hits and sum(e - s for _, s, e in hits) == len(label):
            areas.add(int(m.group(1)))
    return areas


def analyse(
    doc: DocText, first: int, last: int, titles: Titles, registry: Registry, table_rows: set[int],
    guarded: set[int], *, markdown: bool = False,
) -> Page:
    """Analyse lines first..last; ``guarded`` are the measures whose table cells are known
    (only they may be matched by a weak title or chosen for an untitled page)."""
    page = Page(first, last, markdown=markdown)
    for line in range(first, last + 1):
        if line in table_rows:
            page.is_table = True
        keys = agency_line(doc, line, registry)
        areas = footer_areas(doc, line, registry)
        page.agencies |= keys
        page.areas |= areas
        if keys or areas or re.fullmatch(r"\d{1,3}", doc.sq_line(line)):
            page.header_lines.add(line)
    for line in range(first, last + 1):
        page.titles.extend(_titles_on_line(doc, line, last, titles, page, guarded))
        if is_heading(doc.lines[line - 1]) and not any(t.line == line for t in page.titles):
            marker = bool(_SUBITEM.match(doc.norm_line(line)))
            page.headings.append((line, doc.sq_range(line, line)[1], marker))
    _drop_inner(page)
    if not page.titles and page.agencies:
        page.fallback = _only_measure(page, titles, guarded)
    return page


def _titles_on_line(doc: DocText, line: int, last: int, titles: Titles, page: Page, guarded) -> list[Title]:
    start, line_end = doc.sq_range(line, line)
    _, page_end = doc.sq_range(line, last)
    pos = start + line_marker_len(doc.squashed[start:line_end])
    found: list[Title] = []
    while pos < line_end:
        hit = _title_at(doc, pos, page_end, titles, page, guarded, whole_line_end=line_end)
        if hit is None:
            break
        name_len, index, weak = hit
        end = pos + name_len
        found.append(Title(index, pos, end, line, doc.line_of_sq(end - 1), weak))
        pos = end + line_marker_len(doc.squashed[end:line_end])
    return found


def _title_at(doc, pos, page_end, titles: Titles, page: Page, guarded, whole_line_end):
    for name, index, weak in titles.starting_at(doc.squashed, pos):  # longest first
        if pos + len(name) > page_end:
            continue
        if weak and (pos + len(name) != whole_line_end or index not in guarded):
            continue
        if doc.squashed[pos + len(name) : pos + len(name) + 1] in _PARTICLES:
            continue  # 「情報セキュリティ対策の強化に必要な…」: a phrase, not a title
        if not _consistent(titles, index, page):
            continue
        return len(name), index, weak
    return None


def _consistent(titles: Titles, index: int, page: Page, *, for_title: bool = True) -> bool:
    agency = titles.agency[index]
    check_agency = page.agencies and not (for_title and page.markdown)
    if check_agency and (agency is None or agency.key not in page.agencies):
        return False
    area = titles.measures[index].area
    return not (page.areas and area is not None and area not in page.areas)


def _drop_inner(page: Page) -> None:
    """A title found inside another title's span (a wrapped long name) is dropped."""
    kept: list[Title] = []
    for t in sorted(page.titles, key=lambda t: (t.sq_start, -(t.sq_end - t.sq_start))):
        if kept and t.sq_start < kept[-1].sq_end:
            continue
        kept.append(t)
    page.titles = kept


def _only_measure(page: Page, titles: Titles, guarded: set[int]) -> int | None:
    candidates = [i for i in range(len(titles.measures)) if _consistent(titles, i, page, for_title=False)
                  and titles.agency[i] is not None]
    return candidates[0] if len(candidates) == 1 and candidates[0] in guarded else None


@dataclass(frozen=True)
class Scope:
    measures: tuple[int, ...] = ()  # one measure; several when a two-column line is ambiguous
    subitem: str = ""  # the sub-item the position belongs to
    # title | column | header | fallback | subitem | same-line | ambiguous | none;
    # "uncertain": below a Markdown sub-item's text, so the figure must match the table exactly
    how: str = ""

    @property
    def measure(self) -> int | None:
        return self.measures[0] if len(self.measures) == 1 else None


def _last_before(page: Page, sq_pos: int) -> Title | None:
    before = [t for t in page.titles if t.sq_end <= sq_pos]
    return max(before, key=lambda t: t.sq_end) if before else None


def figure_scope(doc: DocText, page: Page, sq_pos: int, line: int) -> Scope:
    """The measure a budget statement starting at ``sq_pos`` (on ``line``) belongs to."""
    title = _last_before(page, sq_pos)
    if title is not None:
        under = [h for h in page.headings if h[1] <= sq_pos and h[0] > title.end_line]
        if any(marker for _, _, marker in under):
            nearest = max(under)[0]
            if all(doc.blank(n) or n in page.statement_lines for n in range(nearest + 1, line)):
                return Scope(subitem=doc.lines[nearest - 1].strip(), how="subitem")
            return Scope((title.measure,), how="uncertain")
        same_line = [t for t in page.titles if t.line == title.line]
        if len(same_line) > 1:
            return Scope(tuple(t.measure for t in same_line), how="title")
        return Scope((title.measure,), how="title")
    if page.fallback is not None:
        return Scope((page.fallback,), how="fallback")
    measures = page.title_measures()
    if len(measures) == 1 and all(
        doc.blank(n) or n in page.header_lines or n in page.statement_lines
        for n in range(page.first, line)
    ):
        return Scope((measures[0],), how="header")
    return Scope(how="none")


def shared_scope(page: Page, sq_pos: int) -> list[tuple[int, int]]:
    """(measure, title line) of each measure of a page shared by several measures, where
    ``sq_pos`` comes before all of their titles (the page's text above its titles); else [].
    """
    if page.fallback is not None or len(page.title_measures()) < 2:
        return []
    if any(t.sq_start <= sq_pos for t in page.titles):
        return []
    first: dict[int, int] = {}
    for t in sorted(page.titles, key=lambda t: t.sq_start):
        first.setdefault(t.measure, t.line)
    return list(first.items())


def fact_scope(page: Page, sq_pos: int) -> int | None:
    """The measure a non-figure fact belongs to: the title it is in or the nearest one above,
    else the page's only one."""
    inside = [t for t in page.titles if t.sq_start <= sq_pos < t.sq_end]
    title = inside[0] if inside else _last_before(page, sq_pos)
    if title is not None:
        same_line = [t for t in page.titles if t.line == title.line]
        return title.measure if len(same_line) == 1 else None
    if page.fallback is not None:
        return page.fallback
    measures = page.title_measures()
    return measures[0] if len(measures) == 1 else None
