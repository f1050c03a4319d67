"""Text normalisers shared by every loader: NFKC, invisible characters, amounts (with the
footnote marks printed beside them), era years, percentages.

All functions are pure and raise :class:`ValueError` (never return a guess) when
the input cannot be read exactly.

>>> nfkc("協⼒")  # Kangxi radical ⼒ (U+2F12) becomes 力
'協力'
>>> parse_amount("2, 126. 2億円").yen
212620000000
>>> parse_amount("１，５８４百万円").yen
1584000000
>>> era_to_fiscal_year("令和", "元")
2019
>>> fiscal_year_from_text("令和7年度当初予算")
2025
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext

__all__ = [
    "Amount",
    "AMOUNT_RE",
    "DASHES",
    "ERA_START",
    "FOLDING_MARKS",
    "INVISIBLE",
    "MAX_YEN",
    "NOTE_MARK",
    "UNIT_YEN",
    "era_to_fiscal_year",
    "fiscal_year_from_text",
    "is_dash",
    "nfkc",
    "nfkc_char",
    "nfkc_keeping_marks",
    "nfkc_with_offsets",
    "parse_amount",
    "parse_percent",
    "squash",
    "strip_invisible",
]

#: Gregorian year of 元年 (year 1) of each era.
ERA_START = {"平成": 1989, "令和": 2019}

#: Multiplier to yen of each printed unit.
UNIT_YEN = {"億円": 10**8, "百万円": 10**6, "千円": 10**3, "万円": 10**4, "円": 1}

#: Characters the documents print in a cell that has no figure.
DASHES = frozenset("―—－-‐–ー─")

# After NFKC: digits, commas and a decimal point, possibly split by spaces
# ("2, 126. 2億円"); the unit follows, possibly after a space ("27.1 億円").
_NUMBER = r"\d{1,3}(?:\s?,\s?\d{3})+(?:\s?\.\s?\d+)?|\d+(?:\s?\.\s?\d+)?"
_UNIT = r"億円|百万円|千円|万円"
AMOUNT_RE = re.compile(rf"(?P<number>{_NUMBER})\s?(?P<unit>{_UNIT})")
_STRICT_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_ERA_YEAR = re.compile(r"(?P<era>平成|令和)\s*(?P<year>元|\d{1,2})\s*年")


# CJK Radicals Supplement code points have no NFKC decomposition, yet PDF
# extraction emits them for ordinary ideographs (「国⺠」 in the FY2023 document).
_RADICALS = str.maketrans(
    {
        "\u2e9f": "母", "\u2ea0": "民", "\u2ec4": "西", "\u2eca": "足", "\u2ed1": "長",
        "\u2ed8": "青", "\u2edd": "食", "\u2ee4": "鬼", "\u2ee9": "黄", "\u2eeb": "斉",
        "\u2eed": "歯", "\u2ef3": "亀",
    }
)

_RADICAL_CHARS = re.compile("[" + "".join(chr(c) for c in _RADICALS) + "]")


def nfkc(text: str) -> str:
    """NFKC-normalise: full-width digits and Latin, Kangxi radicals, ideographic spaces,
    plus the CJK Radicals Supplement characters that stand for ordinary ideographs.

    >>> nfkc("１２．３億円（ＩＰＡ）")
    '12.3億円(IPA)'
    >>> nfkc("国⺠が安全で安⼼して")
    '国民が安全で安心して'
    """
    norm = unicodedata.normalize("NFKC", text)
    return norm.translate(_RADICALS) if _RADICAL_CHARS.search(norm) else norm  # translate is slow: only if needed


def nfkc_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFKC per character, with the offset in ``text`` of each normalised character.

    Lets a parser match on normalised text and cut the *printed* string out of
    the original: ``text[offsets[i]:offsets[j]]``. A final entry maps the end.

    >>> norm, off = nfkc_with_offsets("ＩＰＡ交付金")
    >>> norm, off
    ('IPA交付金', [0, 1, 2, 3, 4, 5, 6])
    """
    norm = text.translate(_PER_CHARACTER)
    if len(norm) == len(text):  # no character became several (none becomes nothing): offsets are positions
        return norm, list(range(len(text) + 1))
    offsets: list[int] = []
    for i, ch in enumerate(text):
        offsets.extend([i] * len(nfkc_char(ch)))
    offsets.append(len(text))
    return norm, offsets


@functools.lru_cache(maxsize=1 << 16)
def nfkc_char(ch: str) -> str:
    """:func:`nfkc` of one character, remembered (documents repeat a few thousand characters)."""
    return nfkc(ch)


class _PerCharacter(dict):
    """``str.translate`` table of :func:`nfkc_char`, filled as characters are met (up to 65,536 of them)."""

    def __missing__(self, code: int) -> str:
        value = nfkc_char(chr(code))
        if len(self) < 1 << 16:
            self[code] = value
        return value


_PER_CHARACTER = _PerCharacter()


#: Characters that print nothing yet split what they sit in (「1\u200b5.8億円」 is no amount, a BOM before
#: 「【総務省】」 hides the row): every format character (Unicode category Cf: the byte-order mark U+FEFF,
#: zero-width space, joiners U+200B-U+200D, bidi marks, embeddings and isolates, word joiner U+2060,
#: soft hyphen U+00AD, tags …), variation selectors, the combining grapheme joiner and Hangul fillers.
#: ``tests/test_normalize_properties.py`` checks that every Cf character of Python's Unicode is here.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)


def strip_invisible(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` without :data:`INVISIBLE` characters (line breaks kept, so lines keep their
    numbers), and for each line that held any: (line, a description of what was removed).

    >>> strip_invisible("\\ufeff【総務省】IoT 1\\u200b5.8億円\\nok\\n")
    ('【総務省】IoT 15.8億円\\nok\\n', [(1, 'U+FEFF ZERO WIDTH NO-BREAK SPACE (column 1), U+200B ZERO WIDTH SPACE (column 12)')])
    """
    if not INVISIBLE.search(text):
        return text, []
    removed: list[tuple[int, str]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        found = [(m.start(), m[0]) for m in INVISIBLE.finditer(line)]
        if found:
            removed.append((number, ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')} (column {i + 1})"
                                              for i, ch in found)))
            lines[number - 1] = INVISIBLE.sub("", line)
    return "\n".join(lines), removed


def squash(text: str) -> str:
    """NFKC plus all white space removed: the key used to compare names.

    >>> squash("リスク管理枠組み (RMF) の導入")
    'リスク管理枠組み(RMF)の導入'
    >>> squash("か \u3099")
    'が'
    """
    key = re.sub(r"\s+", "", nfkc(text))
    # Removing a space can bring combining marks together (か ゙ → が), which NFKC
    # then composes (が); repeat until stable so squash(squash(x)) == squash(x).
    while (again := re.sub(r"\s+", "", nfkc(key))) != key:
        key = again
    return key


def is_dash(cell: str) -> bool:
    """True when a table cell is a dash meaning "no figure".

    >>> is_dash(" ― "), is_dash("—"), is_dash("0.3億円")
    (True, True, False)
    """
    stripped = cell.strip()
    return len(stripped) == 1 and stripped in DASHES


#: The largest amount read, in yen: 100兆円, near the whole general-account budget (about 115兆円);
#: no cybersecurity figure comes within a thousandth of it. A larger amount is refused, never rounded.
MAX_YEN = 10**14
_MAX_DIGITS = 20  # digits of a printed number: more is no amount (and would exceed MAX_YEN in any unit)

#: Characters NFKC turns into digits that are footnote marks beside an amount, never part of it:
#: superscripts and subscripts (¹ ² ³ ⁴ …), circled, parenthesised and full-stop digits (① ⑴ ⒈ ❶ ㉑),
#: vulgar fractions. ``tests/test_normalize_properties.py`` checks that every character of category
#: No whose NFKC holds an ASCII digit is here.
FOLDING_MARKS = re.compile(
    "[\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u218f\u2460-\u24ff\u2776-\u2793"
    "\u3248-\u325f\u32b1-\u32bf\U0001f100-\U0001f10c]"
)
#: A footnote mark after NFKC: ※ * † ‡ § ¶ (with a number), 注1, (注1), (※1), (*).
NOTE_MARK = r"(?:[※*†‡§¶]+\s?\d{0,2}|[(]\s*(?:注|※|\*)\s*\d{0,2}\s*[)]|注\s?\d{1,2}\)?)"
_MARK = rf"(?:{FOLDING_MARKS.pattern}+|{NOTE_MARK})"
# Before the number, a mark that may carry a number of its own is set apart by a space: 「※115.8億円」 could
# be ※1 and 15.8億円 or ※ and 115.8億円, so it is refused; 「※ 15.8億円」, 「(注1)15.8億円」, 「¹15.8億円」 are read.
_PRE_MARK = rf"(?:{FOLDING_MARKS.pattern}+|[※*†‡§¶]+(?:\s?\d{{1,2}})?\s|[(]\s*(?:注|※|\*)\s*\d{{0,2}}\s*[)]|注\s?\d{{1,2}}\)?\s)"
_MARKED_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_PRE_MARK})\s?)?(?P<number>{_NUMBER})\s?(?:(?P<mid>{_MARK})\s?)?(?P<unit>{_UNIT})(?:\s?(?P<post>{_MARK}))?"
)


@dataclass(frozen=True)
class Amount:
    """An amount as printed and in integer yen.

    ``marks`` are the footnote marks printed beside it (「15.8¹億円」: ``¹``), as printed and kept
    in ``printed``, but no part of ``number`` or ``yen``; "" when there are none.
    """

    printed: str
    number: str  # the number as printed, normalised ("2,126.2")
    unit: str  # 億円, 百万円 …
    yen: int
    marks: str = ""


def nfkc_keeping_marks(text: str) -> str:
    """:func:`nfkc`, character by character, except that :data:`FOLDING_MARKS` stay as printed.

    >>> nfkc_keeping_marks("（１５．８¹億円）"), nfkc("（１５．８¹億円）")
    ('(15.8¹億円)', '(15.81億円)')
    """
    return _nfkc_keeping_marks(text)[0]


def _nfkc_keeping_marks(text: str) -> tuple[str, list[int]]:
    """:func:`nfkc_with_offsets`, except that :data:`FOLDING_MARKS` stay as printed (no digits)."""
    norm = text.translate(_KEEPING_MARKS)
    if len(norm) == len(text):
        return norm, list(range(len(text) + 1))
    offsets: list[int] = []
    for i, ch in enumerate(text):
        offsets.extend([i] * len(_KEEPING_MARKS[ord(ch)]))
    offsets.append(len(text))
    return norm, offsets


class _KeepingMarks(_PerCharacter):
    def __missing__(self, code: int) -> str:
        value = chr(code) if FOLDING_MARKS.match(chr(code)) else nfkc_char(chr(code))
        if len(self) < 1 << 16:
            self[code] = value
        return value


_KEEPING_MARKS = _KeepingMarks()


def parse_amount(text: str) -> Amount:
    """Read one amount such as ``15.3億円``, ``１，５８４百万円`` or ``2, 126. 2億円``.

    The whole string (after stripping) must be the amount, possibly with a footnote mark
    before the number, between number and unit or after the unit (``15.8¹億円``, ``※ 15.8億円``,
    ``15.8億円（注1）``): the mark is kept in :attr:`Amount.marks` and never read as a digit.
    Anything else raises ``ValueError``, and so do a value that is not a whole number of yen,
    digits other than ASCII after NFKC, and an amount above :data:`MAX_YEN` (never rounded).

    >>> parse_amount("0. 3億円").yen
    30000000
    >>> a = parse_amount("15.8¹億円"); a.yen, a.number, a.marks, a.printed
    (1580000000, '15.8', '¹', '15.8¹億円')
    >>> parse_amount("１５．８億円（注１）").marks, parse_amount("※ 15.8億円").yen
    ('（注１）', 1580000000)
    >>> parse_amount("※115.8億円")  # ※1 and 15.8億円, or ※ and 115.8億円?
    Traceback (most recent call last):
    ...
    ValueError: not an amount: '※115.8億円'
    >>> parse_amount("1,0 6 4.0億円")
    Traceback (most recent call last):
    ...
    ValueError: not an amount: '1,0 6 4.0億円'
    >>> parse_amount("1" * 30 + "億円")
    Traceback (most recent call last):
    ...
    ValueError: amount of 30 digits refused (at most 20): '111111111111111111111111111111億円'
    """
    printed = text.strip()
    norm, offsets = _nfkc_keeping_marks(printed)
    match = _MARKED_AMOUNT.fullmatch(norm)
    if match is None:
        raise ValueError(f"not an amount: {text!r}")
    number = re.sub(r"\s", "", match["number"])
    if not _STRICT_NUMBER.fullmatch(number):
        raise ValueError(f"not an amount: {text!r}")
    digits = sum(map(str.isdigit, number))
    if digits > _MAX_DIGITS:
        raise ValueError(f"amount of {digits} digits refused (at most {_MAX_DIGITS}): {text!r}")
    with localcontext() as ctx:
        ctx.prec = 2 * _MAX_DIGITS  # exact: no product here has more digits
        value = Decimal(number.replace(",", "")) * UNIT_YEN[match["unit"]]
    if value != value.to_integral_value():
        raise ValueError(f"amount is not a whole number of yen: {text!r}")
    if value > MAX_YEN:
        raise ValueError(f"amount above {MAX_YEN:,} yen (100兆円) refused, never rounded: {text!r}")
    marks = " ".join(printed[offsets[match.start(g)] : offsets[match.end(g)]].strip() for g in ("pre", "mid", "post")
                     if match[g])
    return Amount(printed=printed, number=number, unit=match["unit"], yen=int(value), marks=marks)


def parse_percent(text: str) -> Decimal:
    """Read a percentage such as ``67.8%`` or ``２．８ %``.

    >>> parse_percent("2.8 %")
    Decimal('2.8')
    """
    norm = re.sub(r"\s", "", nfkc(text))
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%", norm)
    if match is None:
        raise ValueError(f"not a percentage: {text!r}")
    return Decimal(match[1])


def era_to_fiscal_year(era: str, year: str) -> int:
    """Gregorian year of a Japanese era year (``元`` is year 1).

    >>> era_to_fiscal_year("平成", "26"), era_to_fiscal_year("令和", "7")
    (2014, 2025)
    """
    era = nfkc(era)
    if era not in ERA_START:
        raise ValueError(f"unknown era: {era!r}")
    year = nfkc(year).strip()
    number = 1 if year == "元" else int(year)
    if number < 1:
        raise ValueError(f"era year must be positive: {year!r}")
    return ERA_START[era] + number - 1


def fiscal_year_from_text(text: str) -> int:
    """The Gregorian fiscal year of the first era year in ``text``.

    >>> fiscal_year_from_text("（令和元年度当初予算 712.9億円）")
    2019
    """
    match = _ERA_YEAR.search(nfkc(text))
    if match is None:
        raise ValueError(f"no era year in {text!r}")
    return era_to_fiscal_year(match["era"], match["year"])
