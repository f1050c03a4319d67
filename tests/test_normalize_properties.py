"""Property-based tests (hypothesis) of the normalisers and the amount, percent and era parsers.

No crash on arbitrary text (only the documented ValueError), round-trips where they
apply, idempotence. Example counts are kept moderate for CI.
"""

from __future__ import annotations

import sys
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policykg.normalize import (
    ERA_START,
    FOLDING_MARKS,
    INVISIBLE,
    MAX_YEN,
    UNIT_YEN,
    era_to_fiscal_year,
    fiscal_year_from_text,
    is_dash,
    nfkc,
    nfkc_with_offsets,
    parse_amount,
    parse_percent,
    squash,
    strip_invisible,
)

settings.register_profile("policykg", max_examples=150, deadline=None)
settings.load_profile("policykg")

# Arbitrary text, weighted towards the characters these documents print.
DOC_CHARS = st.sampled_from(list("0123456789０１２３４５６７８９,，.．% ％億百万千円令和平成元年度 　\n―—－-⼒⺠ॖ३ｘ"))
TEXT = st.one_of(st.text(), st.text(DOC_CHARS, max_size=30))

FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@given(TEXT)
def test_parsers_raise_only_value_error(text: str) -> None:
    for parse in (parse_amount, parse_percent, fiscal_year_from_text):
        try:
            parse(text)
        except ValueError:
            pass


@given(st.text(), st.text())
def test_era_to_fiscal_year_raises_only_value_error(era: str, year: str) -> None:
    try:
        result = era_to_fiscal_year(era, year)
    except ValueError:
        return
    assert nfkc(era) in ERA_START and result >= ERA_START[nfkc(era)]


@given(st.text())
@example("協⼒ 国⺠")
@example("ＩＰＡ　１２．３億円")
def test_nfkc_is_idempotent_and_squash_has_no_space(text: str) -> None:
    once = nfkc(text)
    assert nfkc(once) == once
    assert not any(ch.isspace() for ch in squash(text))


@given(st.text())
@example("リスク管理枠組み (RMF) の導入")
@example("¨¸")  # NFKC gives " ̈ ̧": removing the space joins the marks, which NFKC may compose again
@example("か \u3099")  # ka, space, combining dakuten: the key is が
def test_squash_is_idempotent(text: str) -> None:
    assert squash(squash(text)) == squash(text)


@given(st.text())
def test_nfkc_with_offsets_maps_every_character(text: str) -> None:
    norm, offsets = nfkc_with_offsets(text)
    assert len(offsets) == len(norm) + 1 and offsets[-1] == len(text)
    assert offsets == sorted(offsets)
    # Normalising the cut-out original of each character gives the character back.
    for i, ch in enumerate(norm):
        start = offsets[i]
        assert ch in nfkc(text[start:start + 1])


@pytest.mark.parametrize(("radical", "ideograph"), [("⼒", "力"), ("⺠", "民"), ("⼼", "心"), ("⻑", "長"), ("⼈", "人")])
def test_kangxi_and_radical_supplement_characters(radical: str, ideograph: str) -> None:
    # Printed in the corpus: 協⼒, 国⺠, 安⼼, ⼈材 (nisc-budget-fy2023, e.g. 「国⺠が安全で安⼼して」).
    assert nfkc(radical) == ideograph


@given(st.sampled_from(sorted(set(range(0x2F00, 0x2FD6)))))
def test_every_kangxi_radical_becomes_a_cjk_ideograph(code: int) -> None:
    out = nfkc(chr(code))
    assert len(out) == 1 and unicodedata.name(out).startswith("CJK UNIFIED IDEOGRAPH")


def _printed(units: int, decimals: int, unit: str, *, commas: bool, fullwidth: bool, space: bool) -> str:
    """An amount printed the way the documents print it: 1,064.0億円, １，５８４百万円, 2, 126. 2億円."""
    whole, frac = divmod(units, 10**decimals)
    number = f"{whole:,}" if commas else str(whole)
    if decimals:
        number += "." + str(frac).zfill(decimals)
    if space:
        number = number.replace(",", ", ").replace(".", ". ")
    if fullwidth:
        number = number.translate(FULLWIDTH)
    return number + unit


@given(units=st.integers(min_value=0, max_value=10**9), decimals=st.integers(min_value=0, max_value=2),
       unit=st.sampled_from(["億円", "百万円", "千円", "万円"]), commas=st.booleans(), fullwidth=st.booleans(),
       space=st.booleans())
@example(units=21262, decimals=1, unit="億円", commas=True, fullwidth=False, space=True)  # 2, 126. 2億円
@example(units=1584, decimals=0, unit="百万円", commas=True, fullwidth=True, space=False)  # １，５８４百万円
def test_amount_round_trip(units: int, decimals: int, unit: str, commas: bool, fullwidth: bool, space: bool) -> None:
    text = _printed(units, decimals, unit, commas=commas, fullwidth=fullwidth, space=space)
    value = Decimal(units).scaleb(-decimals) * UNIT_YEN[unit]
    if value != value.to_integral_value():
        with pytest.raises(ValueError, match="whole number of yen"):
            parse_amount(text)
        return
    if value > MAX_YEN:
        with pytest.raises(ValueError, match="refused, never rounded"):
            parse_amount(text)
        return
    amount = parse_amount(text)
    assert amount.yen == int(value)
    assert amount.unit == unit and amount.printed == text
    assert Decimal(amount.number.replace(",", "")) * UNIT_YEN[unit] == amount.yen


@given(yen_in_oku_tenths=st.integers(min_value=0, max_value=10**7), garble=st.sampled_from([" ", "ｘ", "x", "ॖ", "..", ",,"]),
       position=st.integers(min_value=1, max_value=6))
@example(yen_in_oku_tenths=10640, garble=" ", position=3)
def test_a_garbled_amount_is_refused_never_misread(yen_in_oku_tenths: int, garble: str, position: int) -> None:
    text = _printed(yen_in_oku_tenths, 1, "億円", commas=True, fullwidth=False, space=False)
    digits = text[:-2]
    if position >= len(digits):
        return
    broken = digits[:position] + garble + digits[position:] + "億円"
    try:
        amount = parse_amount(broken)
    except ValueError:
        return
    # A single space inside a number may be a PDF line artefact only next to a separator ("2, 126. 2").
    assert amount.yen == yen_in_oku_tenths * 10**7, broken


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=9), st.booleans(), st.booleans())
def test_percent_round_trip(whole: int, tenth: int, fullwidth: bool, space: bool) -> None:
    text = f"{whole}.{tenth}" + (" " if space else "") + "%"
    if fullwidth:
        text = text.translate(FULLWIDTH).replace("%", "％")
    assert parse_percent(text) == Decimal(f"{whole}.{tenth}")


@given(st.integers(min_value=1, max_value=99), st.booleans(), st.sampled_from(["年度", "年度当初予算", "年"]))
def test_reiwa_round_trip(n: int, fullwidth: bool, suffix: str) -> None:
    year = str(n).translate(FULLWIDTH) if fullwidth else str(n)
    printed = "元" if n == 1 and not fullwidth else year
    assert era_to_fiscal_year("令和", printed) == 2018 + n
    assert fiscal_year_from_text(f"（令和{printed}{suffix} 712.9億円）") == 2018 + n


@given(st.integers(min_value=1, max_value=31))
def test_heisei_round_trip(n: int) -> None:
    assert era_to_fiscal_year("平成", str(n)) == 1988 + n
    assert fiscal_year_from_text(f"平成{n}年度") == 1988 + n


@given(st.text(max_size=5))
def test_is_dash_only_for_one_dash(text: str) -> None:
    if is_dash(text):
        assert len(text.strip()) == 1
        with pytest.raises(ValueError):
            parse_amount(text)


# ------------------------------------------------------------ footnote marks, invisible characters, range

MARKS = ["¹", "²", "³", "⁴", "⁵", "₁", "①", "⑫", "⑴", "⒈", "❶", "※", "＊", "*", "†", "‡", "§", "※1", "*2",
         "(注1)", "（注２）", "注3", "(※)", "(*1)"]


@given(units=st.integers(min_value=0, max_value=10**6), decimals=st.integers(min_value=0, max_value=1),
       commas=st.booleans(), fullwidth=st.booleans(), mark=st.sampled_from(MARKS),
       where=st.sampled_from(["before", "between", "after"]), space=st.booleans())
@example(units=158, decimals=1, commas=False, fullwidth=False, mark="¹", where="between", space=False)  # 15.8¹億円
def test_a_footnote_mark_is_never_read_as_a_digit(units: int, decimals: int, commas: bool, fullwidth: bool,
                                                  mark: str, where: str, space: bool) -> None:
    """「15.8¹億円」 is 15.8億円 with the mark ¹ (NFKC alone reads 15.81億円): a mark beside an amount
    gives the amount without it and names the mark, or the amount is refused; never another number."""
    number = _printed(units, decimals, "", commas=commas, fullwidth=fullwidth, space=False)
    gap = " " if space else ""
    text = {"before": f"{mark}{gap}{number}億円", "between": f"{number}{gap}{mark}億円",
            "after": f"{number}億円{gap}{mark}"}[where]
    try:
        amount = parse_amount(text)
    except ValueError:
        # only a mark that may carry its own number, run into the number (「※115.8億円」): ambiguous
        assert where == "before" and not space and not FOLDING_MARKS.match(mark) and nfkc(mark)[-1] != ")", text
        return
    assert amount.yen == units * 10 ** (8 - decimals), text
    assert amount.marks == mark and amount.printed == text


def test_every_character_nfkc_turns_into_a_digit_is_a_mark() -> None:
    """FOLDING_MARKS holds every character of category No (superscripts, circled numbers …) that NFKC
    turns into an ASCII digit, in this Python's Unicode version."""
    missing = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) == "No" and any(d in "0123456789" for d in nfkc(chr(c)))
               and not FOLDING_MARKS.match(chr(c))]
    assert not missing


def test_every_format_character_is_invisible() -> None:
    missing = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) == "Cf" and not INVISIBLE.match(chr(c))]
    assert not missing
    assert not INVISIBLE.search("\t\n\r 　【総務省】15.8億円 ―")  # nothing a document prints on purpose


@given(st.text(DOC_CHARS, max_size=40), st.lists(st.tuples(st.integers(min_value=0, max_value=40),
       st.sampled_from(["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u200e", "\u202e", "\ufe0f"])),
       max_size=5))
def test_invisible_characters_are_removed_and_reported_by_line(text: str, inserts: list[tuple[int, str]]) -> None:
    dirty = text
    for pos, ch in sorted(inserts, reverse=True):
        dirty = dirty[:pos] + ch + dirty[pos:]
    clean, removed = strip_invisible(dirty)
    assert clean == text and clean.count("\n") == dirty.count("\n")
    lines = {line for line, _ in removed}
    assert lines == {dirty[:pos].count("\n") + 1 for pos, line in enumerate(dirty) if INVISIBLE.match(line)}
    assert sum(what.count("U+") for _, what in removed) == len(inserts)


@given(st.integers(min_value=21, max_value=60), st.sampled_from(["億円", "百万円", "千円", "万円"]))
def test_an_amount_too_long_or_too_large_is_refused_never_rounded(digits: int, unit: str) -> None:
    with pytest.raises(ValueError, match="digits refused"):
        parse_amount("9" * digits + unit)
    with pytest.raises(ValueError, match="refused, never rounded"):
        parse_amount(str(MAX_YEN // UNIT_YEN[unit] + 1) + unit)
    assert parse_amount(str(MAX_YEN // UNIT_YEN[unit]) + unit).yen == MAX_YEN
