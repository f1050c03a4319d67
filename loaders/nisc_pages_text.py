"""Text plumbing for the NISC measure pages: normalised text with offsets, and page blocks.

The page loader matches on normalised text but reports printed strings and
1-based lines of the original. :class:`DocText` keeps three aligned views of a
document: the original, a normalised copy (NFKC per character, except that
circled numbers ①…⑳ are kept, because NFKC turns 「第26条①２」 into 「第26条12」
and 「補正①」 into 「補正1」), and a squashed copy without white space (names and
titles wrap over lines in PDF text).

:func:`segment` cuts a document into blocks, roughly its printed pages:

* PDF text: a run of three or more blank lines, or a line that starts with a
  single space right after a non-blank line (where the extractor glued the
  first line of a page to the previous page);
* Markdown: a ``#`` heading, and a lead bullet ``●`` that follows body text
  rather than a heading (a page whose title was lost). Blank runs are no page
  breaks there: they stand for pictures inside a page.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from policykg.normalize import nfkc_char

__all__ = ["CIRCLED", "DocText", "circled_value", "flat", "fold", "is_markdown", "norm", "scan", "segment"]

#: ① … ⑳, kept as printed by :func:`norm`.
CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))

_FOLD = str.maketrans({"靱": "靭", "·": "・", "•": "・", "‧": "・", "∙": "・"})
#: Characters of a line kept with each indexed place by :meth:`DocText.lines_with`.
_INDEXED = 48
_BLANK = re.compile(r"^[\s\u3000]*$")
_HEADING = re.compile(r"^#{1,6}\s")


def norm(text: str) -> str:
    """NFKC character by character, keeping circled numbers.

    >>> norm("第26条①２ 令和６年補正① ２９６百万円")
    '第26条①2 令和6年補正① 296百万円'
    """
    return text.translate(_NORM)


def flat(text: str) -> str:
    """A printed string with its line breaks (and the spaces around them) removed.

    >>> flat("サイバー\\nセキュリティ基本法")
    'サイバーセキュリティ基本法'
    """
    return re.sub(r"[ \t\u3000]*\n[ \t\u3000]*", "", text)


_PLACEHOLDER = str.maketrans({c: "\u25a2" for c in CIRCLED})


def scan(registry, kind, text: str):
    """``registry.scan`` with offsets valid in ``text`` even where it holds circled numbers
    (NFKC would expand ⑩…⑳ to two characters and shift every later offset)."""
    return registry.scan(kind, text.translate(_PLACEHOLDER))


def fold(text: str) -> str:
    """Length-preserving folding for name comparison: lower case, 靱→靭, middle dots.

    >>> fold("産業サイバーセキュリティ強靱化事業 IoT")
    '産業サイバーセキュリティ強靭化事業 iot'
    """
    return text.translate(_FOLDING)


class _Table(dict):
    """A ``str.translate`` table computed per character as characters are met (at most 65,536 kept)."""

    def __init__(self, of) -> None:
        super().__init__()
        self.of = of

    def __missing__(self, code: int) -> str:
        value = self.of(chr(code))
        if len(self) < 1 << 16:
            self[code] = value
        return value


def _fold_char(ch: str) -> str:
    """One character folded: lower case where that is one character, then 靱→靭 and middle dots."""
    lower = ch.lower()
    return (lower if len(lower) == 1 else ch).translate(_FOLD)


_FOLDING = _Table(_fold_char)
_NORM = _Table(lambda ch: ch if ch in CIRCLED else nfkc_char(ch))  # norm(), per character
_NOT_SPACE = re.compile(r"\S")


def circled_value(ch: str) -> int:
    """The number of a circled digit.

    >>> circled_value("⑫")
    12
    """
    return ord(ch) - 0x2460 + 1


@dataclass
class DocText:
    """A document's original text with aligned normalised and squashed views."""

    original: str
    lines: list[str]  # original lines; lines[0] is line 1
    norm: str  # per-character NFKC, circled numbers kept, same line breaks
    norm_to_orig: list[int]  # norm offset -> original offset (one extra entry at the end)
    line_starts: list[int]  # norm offset of the start of each line
    squashed: str  # fold(norm) without white space
    sq_to_norm: list[int]  # squashed offset -> norm offset (one extra entry at the end)
    # first character -> sorted places where it occurs (see lines_with)
    _suffixes: dict[str, list[tuple[str, int, int, int]]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, text: str) -> DocText:
        normed = text.translate(_NORM)
        if len(normed) == len(text):  # every character one character (none becomes nothing)
            to_orig = list(range(len(text) + 1))
        else:
            to_orig = [i for i, ch in enumerate(text) for _ in _NORM[ord(ch)]] + [len(text)]
        starts = [0] + [m.end() for m in re.finditer("\n", normed)]
        folded = fold(normed)
        sq_map = [m.start() for m in _NOT_SPACE.finditer(folded)]
        squashed = "".join(folded[i] for i in sq_map)
        sq_map.append(len(normed))
        return cls(text, text.split("\n"), normed, to_orig, starts, squashed, sq_map)

    # -- offsets ----------------------------------------------------------
    def line_of(self, norm_offset: int) -> int:
        """1-based line of a norm offset."""
        return bisect_right(self.line_starts, norm_offset)

    def line_of_sq(self, sq_offset: int) -> int:
        return self.line_of(self.sq_to_norm[min(sq_offset, len(self.sq_to_norm) - 1)])

    def norm_range(self, first: int, last: int) -> tuple[int, int]:
        """Norm offsets [start, end) of lines first..last (1-based, inclusive)."""
        start = self.line_starts[first - 1]
        end = self.line_starts[last] - 1 if last < len(self.line_starts) else len(self.norm)
        return start, end

    def sq_of(self, norm_offset: int) -> int:
        """The first squashed offset at or after a norm offset."""
        return bisect_left(self.sq_to_norm, norm_offset)

    def sq_range(self, first: int, last: int) -> tuple[int, int]:
        start, end = self.norm_range(first, last)
        return self.sq_of(start), self.sq_of(end)

    def printed(self, norm_start: int, norm_end: int) -> str:
        """The original text of a norm span."""
        return self.original[self.norm_to_orig[norm_start] : self.norm_to_orig[norm_end]]

    def printed_sq(self, sq_start: int, sq_end: int) -> str:
        """The original text of a squashed span (white space inside kept)."""
        return self.printed(self.sq_to_norm[sq_start], self.sq_to_norm[sq_end - 1] + 1)

    def norm_line(self, line: int) -> str:
        start, end = self.norm_range(line, line)
        return self.norm[start:end]

    def sq_line(self, line: int) -> str:
        start, end = self.sq_range(line, line)
        return self.squashed[start:end]

    def lines_with(self, key: str) -> list[int]:
        """The lines whose squashed text holds ``key``, in order: ``[n for n … if key in self.sq_line(n)]``.

        Looked up in a sorted index of the places where ``key[0]`` occurs (built once per
        first character, each place with the next :data:`_INDEXED` characters of its line),
        so a lookup costs a bisection, not a scan of the document: a table of N rows is
        matched against the text in O(N log N), not O(N²).

        >>> DocText.of("【総務省】施策A 1億円\\n本文\\n 【総務省】 施策A\\n").lines_with("【総務省】施策a")
        [1, 3]
        """
        if not key:
            return list(range(1, len(self.lines) + 1))
        index = self._suffixes.get(key[0])
        if index is None:
            index = self._suffixes[key[0]] = self._suffix_index(key[0])
        head = key[:_INDEXED]
        found: set[int] = set()
        for k in range(bisect_left(index, (head,)), len(index)):
            prefix, line, pos, end = index[k]
            if not prefix.startswith(head):
                break
            if pos + len(key) <= end and self.squashed.startswith(key, pos):
                found.add(line)
        return sorted(found)

    def _suffix_index(self, first: str) -> list[tuple[str, int, int, int]]:
        """(the next characters of the line, line, squashed offset, end of the line) at each ``first``."""
        out = []
        for line in range(1, len(self.lines) + 1):
            start, end = self.sq_range(line, line)
            pos = self.squashed.find(first, start, end)
            while pos >= 0:
                out.append((self.squashed[pos : min(end, pos + _INDEXED)], line, pos, end))
                pos = self.squashed.find(first, pos + 1, end)
        out.sort()
        return out

    def blank(self, line: int) -> bool:
        return bool(_BLANK.match(self.lines[line - 1]))


def is_markdown(doc: DocText) -> bool:
    """True for the Markdown rendering (it has ``#`` headings)."""
    return any(_HEADING.match(line) for line in doc.lines)


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line))


def segment(doc: DocText, *, markdown: bool, is_agency_line) -> list[tuple[int, int]]:
    """Blocks (first line, last line), 1-based inclusive, covering the document.

    ``is_agency_line(line_no)`` tells a line that only names an agency; in the
    Markdown rendering such a line right above a ``#`` title belongs to the
    page that title starts (「(内閣サイバーセキュリティセンター)」 is printed
    above the title).
    """
    n = len(doc.lines)
    starts = {1}
    blank_run = 0
    prev_content = 0  # last non-blank line
    for no in range(1, n + 1):
        line = doc.lines[no - 1]
        if doc.blank(no):
            blank_run += 1
            continue
        if blank_run >= 3 and not markdown:
            starts.add(no)
        if markdown:
            if line.startswith("# "):
                starts.add(_lift_over_agency(doc, no, prev_content, is_agency_line))
            elif line.lstrip().startswith("●") and not _follows_heading(doc, no):
                starts.add(no)
        elif re.match(r"^ [^\s]", line) and no > 1 and not doc.blank(no - 1):
            starts.add(no)
        blank_run = 0
        prev_content = no
    ordered = sorted(starts)
    return [(s, (ordered[i + 1] - 1) if i + 1 < len(ordered) else n) for i, s in enumerate(ordered)]


def _lift_over_agency(doc: DocText, no: int, prev_content: int, is_agency_line) -> int:
    if prev_content and is_agency_line(prev_content):
        return prev_content
    return no


def _follows_heading(doc: DocText, no: int) -> bool:
    """True when the previous non-blank line is a heading."""
    for prev in range(no - 1, 0, -1):
        if not doc.blank(prev):
            return is_heading(doc.lines[prev - 1])
    return False
