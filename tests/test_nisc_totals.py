"""Overall totals, area charts and agency shares of the NISC documents.

Every figure asserted here was read by hand off the corpus line cited
(000 = FY2025, 001 = FY2023, 002 = FY2024 Markdown, 003 = FY2020).
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.loaders.nisc_totals import parse_totals
from policykg.records import AgencyShare, AreaShare, BudgetFigure, BudgetKind, BudgetStatus, Origin, ScopeKind
from policykg.records import record_to_json
from policykg.records import SourceSpan, Warning_
from policykg.sources import Column, load_manifest, read_text

GOLDEN = Path(__file__).parent / "golden" / "nisc_totals"
CASES = tomllib.loads((GOLDEN / "cases.toml").read_text(encoding="utf-8"))
DOCS = {d.id: d for d in load_manifest()}
FY2025, FY2024, FY2023, FY2020 = "nisc-budget-fy2025", "nisc-budget-fy2024", "nisc-budget-fy2023", "nisc-budget-fy2020"
I, SUPP = BudgetKind.INITIAL, BudgetKind.SUPPLEMENTARY
ENACTED, DRAFT = BudgetStatus.ENACTED, BudgetStatus.DRAFT
OKU = 10**8


def parse(text: str, doc_id: str) -> list:
    return parse_totals(text, doc_id, columns=DOCS[doc_id].columns)


@pytest.fixture(scope="module")
def corpus() -> dict[str, list]:
    return {d: parse(read_text(DOCS[d].path), d) for d in (FY2025, FY2024, FY2023, FY2020)}


# ------------------------------------------------------------------ golden excerpts


def as_json(records: list, offset: int) -> list[dict]:
    return [record_to_json(r, offset) for r in records]


def test_golden_case_count() -> None:
    assert len(CASES) == 6


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    meta = CASES[case]
    text = (GOLDEN / f"{case}.txt").read_text(encoding="utf-8")
    got = as_json(parse(text, meta["document"]), meta["first_line"] - 1)
    expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    assert got == expected


# ------------------------------------------------------------------ overall totals

# (document, first line, last line, fiscal year, kind, status, yen), read off the corpus by hand.
OVERALL = [
    (FY2025, 31, 31, 2025, I, ENACTED, 205150000000),  # 000:31 2，０５１．５億円 (000:33 令和7年度当初予算額)
    (FY2025, 42, 42, 2024, I, ENACTED, 212860000000),  # 000:42 （令和6年度当初予算額 ２,１２８．６億円）
    (FY2025, 43, 43, 2025, I, ENACTED, 205150000000),  # 000:43 2，０５１．５億円 (000:45 caption)
    (FY2025, 46, 46, 2024, I, ENACTED, 212860000000),  # 000:46 （令和6年度当初予算額 ２,１２８．６億円）
    (FY2025, 75, 75, 2025, I, ENACTED, 205150000000),  # 000:75 2，０５１．５億円 (000:74 令和7年度)
    (FY2025, 118, 118, 2025, I, ENACTED, 205150000000),  # 000:118 2，０５１．５億円, no caption
    (FY2025, 122, 123, 2025, I, ENACTED, 205150000000),  # 000:122-123 …２,０５１.５億円が措置されている
    (FY2024, 10, 10, 2024, I, ENACTED, 212620000000),  # 002:10 2, 126. 2億円 (002:8 ## 令和6年度予算額)
    (FY2024, 12, 13, 2023, I, ENACTED, 137890000000),  # 002:12-13 (令和5年度当初予算額 / 1, 378. 9億円)
    (FY2024, 98, 98, 2024, I, ENACTED, 212620000000),  # 002:98 2,126.2億円
    (FY2024, 100, 100, 2023, I, ENACTED, 137890000000),  # 002:100 (令和5年度当初予算額 1,378.9億円)
    (FY2024, 126, 126, 2023, SUPP, ENACTED, 23890000000),  # 002:124-126 令和5年度補正予算 / 238.9億円
    (FY2024, 132, 132, 2024, I, ENACTED, 212620000000),  # 002:130-132 令和6年度予算額 / 2,126.2億円
    (FY2024, 143, 143, 2024, I, ENACTED, 212620000000),  # 002:141-143 ## 令和6年度予算額 / 2,126.2億円
    (FY2024, 145, 145, 2024, I, ENACTED, 212620000000),  # 002:145 …2,126.2億円が措置されている
    (FY2023, 25, 25, 2023, I, DRAFT, 137890000000),  # 001:25 １，３７８．９億円 (001:27 令和５年度予算政府案)
    (FY2023, 33, 33, 2023, I, DRAFT, 137890000000),  # 001:33 １，３７８．９億円 (001:35 caption)
    (FY2023, 104, 104, 2023, I, DRAFT, 137890000000),  # 001:104 １，３７８．９億円, no caption
    (FY2023, 107, 107, 2023, I, DRAFT, 137890000000),  # 001:107 １，３７８．９億円, no caption
    (FY2023, 146, 146, 2023, I, DRAFT, 137890000000),  # 001:146 …1,378.9億円となっている
    (FY2020, 6, 6, 2020, I, DRAFT, 83420000000),  # 003:6 ８３４．２億円 (003:8 令和２年度予算政府案)
    (FY2020, 68, 68, 2019, I, ENACTED, 71290000000),  # 003:68 （令和元年度当初予算 712.9億円）
    (FY2020, 664, 664, 2020, I, DRAFT, 83420000000),  # 003:664 ８３４．２億円 (003:666 caption)
    (FY2020, 699, 699, 2020, I, DRAFT, 83420000000),  # 003:699 ８３４．２億円 (003:701 caption)
    (FY2020, 762, 762, 2020, I, DRAFT, 83420000000),  # 003:762 …834.2億円となってているが
]


def overall(records: list) -> list[BudgetFigure]:
    return [r for r in records if isinstance(r, BudgetFigure) and r.scope_kind is ScopeKind.OVERALL]


@pytest.mark.parametrize("doc, first, last, year, kind, status, yen", OVERALL)
def test_overall_total(corpus, doc, first, last, year, kind, status, yen) -> None:
    [fig] = [r for r in overall(corpus[doc]) if r.source == SourceSpan(doc, first, last)]
    assert (fig.fiscal_year, fig.budget, fig.status, fig.yen) == (year, kind, status, yen)
    assert (fig.scope, fig.agency, fig.area, fig.origin) == ("", "", None, Origin.HEADLINE)


@pytest.mark.parametrize("doc", [FY2025, FY2024, FY2023, FY2020])
def test_no_other_overall_totals(corpus, doc) -> None:
    """Exactly the statements listed above, each with its own line, and nothing else."""
    expected = sorted((first, last) for d, first, last, *_ in OVERALL if d == doc)
    assert sorted((r.source.line, r.source.end_line) for r in overall(corpus[doc])) == expected


def test_printed_strings_kept(corpus) -> None:
    by_line = {r.source.line: r for r in overall(corpus[FY2024])}
    assert by_line[10].printed == "2, 126. 2億円"  # 002:10
    assert by_line[12].printed == "1, 378. 9億円"  # 002:13
    assert {r.printed for r in overall(corpus[FY2025]) if r.source.line == 31} == {"2，０５１．５億円"}  # 000:31


def test_documents_disagreeing_on_fy2024_both_survive(corpus) -> None:
    """000:42 states FY2024's initial total as 2,128.6億円, 002:10 as 2,126.2億円: each stays with its source."""
    fy2024_initial = {
        (r.source.doc, r.yen) for doc in (FY2025, FY2024) for r in overall(corpus[doc])
        if (r.fiscal_year, r.budget) == (2024, I)
    }
    assert fy2024_initial == {(FY2025, 212860000000), (FY2024, 212620000000)}


def test_measure_pages_are_never_overall_totals(corpus) -> None:
    lines = {(r.source.doc, n) for doc in corpus for r in overall(corpus[doc])
             for n in range(r.source.line, r.source.end_line + 1)}
    # 003:84-85 令和２年度予算政府案 / １５．３億円 and 003:99-100 令和元年度補正予算案 / ４６．１億円 (NISC's page);
    # 002:924-926 令和6年度予算額 / 3億円, 002:934-936 and 957-959 令和5年度補正予算額 / 2億円 (GIGAスクール page)
    for doc, line in [(FY2020, 85), (FY2020, 100), (FY2024, 926), (FY2024, 936), (FY2024, 959)]:
        assert (doc, line) not in lines
    assert not any(r.yen in (1530000000, 4610000000) for r in overall(corpus[FY2020]))
    page = "\n".join(read_text(DOCS[FY2020].path).split("\n")[81:120])  # 003:82-120 on its own
    assert parse(page, FY2020) == []


# ------------------------------------------------------------------ area charts

# (document, first line, last line, area, label as printed, yen, percent)
AREA_CHART = [
    (FY2025, 133, 137, 1, "経済社会の活力の向上及び持続的発展", 9730000000, "4.7"),  # 000:133-137, label 000:163
    (FY2025, 139, 143, 2, "国民が安全で安心して暮らせるデジタル社会の実現", 36330000000, "17.7"),  # 000:165
    (FY2025, 145, 149, 3, "国際社会の平和・安定及び我が国の安全保障への寄与", 138830000000, "67.7"),  # 000:167
    (FY2025, 151, 155, 4, "横断的施策（人材育成等)", 16870000000, "8.2"),  # 000:169, closing bracket half-width as printed
    (FY2025, 157, 161, 5, "その他", 3400000000, "1.7"),  # 000:171
    (FY2023, 111, 113, 1, "経済社会の活⼒の向上及び持続的発展", 4910000000, "3.6"),  # 001:111-113, label 001:134 (⼒)
    (FY2023, 115, 117, 2, "国⺠が安全で安⼼して暮らせる社会の実現", 26470000000, "19.2"),  # 001:136
    (FY2023, 119, 121, 3, "国際社会の平和・安定及び我が国の安全保障", 87800000000, "63.7"),  # 001:138
    (FY2023, 123, 125, 4, "横断的施策（⼈材育成等）", 15030000000, "10.9"),  # 001:140
    (FY2023, 127, 129, 5, "推進体制", 530000000, "0.4"),  # 001:142
    (FY2023, 131, 133, 6, "その他", 3160000000, "2.3"),  # 001:144
    (FY2020, 707, 708, 1, "経済社会の活力の向上及び持続的発展", 2370000000, "2.8"),  # 003:707-708 （23.7億円：2.8 %）
    (FY2020, 710, 711, 2, "国民が安全で安心して暮らせる社会の実現", 39320000000, "47.1"),  # 003:710-711
    (FY2020, 713, 716, 3, "国際社会の平和・安定及び我が国の安全保障", 27770000000, "33.3"),  # 003:713-716, wrapped label
    (FY2020, 718, 719, 4, "横断的施策（人材育成等）", 13740000000, "16.5"),  # 003:718-719
    (FY2020, 721, 722, 5, "推進体制", 230000000, "0.3"),  # 003:721-722 （5）推進体制 / （2.3億円：0.3%）
    (FY2020, 724, 725, 1, "経済社会の活力の向上及び持続的発展", 2370000000, "2.8"),  # 003:724-725, label 003:739-741
    (FY2020, 727, 728, 2, "国民が安全で安心して暮らせる社会の実現", 39320000000, "47.1"),  # 003:743-745
    (FY2020, 730, 731, 3, "国際社会の平和・安定及び我が国の安全保障", 27770000000, "33.3"),  # 003:747-749
    (FY2020, 733, 734, 4, "横断的施策（人材育成等）", 13740000000, "16.5"),  # 003:751
    (FY2020, 736, 737, 5, "推進体制", 230000000, "0.3"),  # 003:753
]
MAIN = {FY2025: (2025, I, ENACTED), FY2023: (2023, I, DRAFT), FY2020: (2020, I, DRAFT)}


@pytest.mark.parametrize("doc, first, last, area, label, yen, percent", AREA_CHART)
def test_area_chart_entry(corpus, doc, first, last, area, label, yen, percent) -> None:
    span = SourceSpan(doc, first, last)
    [fig] = [r for r in corpus[doc] if isinstance(r, BudgetFigure) and r.source == span]
    assert (fig.scope_kind, fig.origin, fig.area, fig.scope, fig.yen) == (
        ScopeKind.STRATEGY_AREA, Origin.AREA_CHART, area, label, yen)
    assert (fig.fiscal_year, fig.budget, fig.status) == MAIN[doc]
    [share] = [r for r in corpus[doc] if isinstance(r, AreaShare) and r.source == span]
    assert (share.area, share.label, share.percent) == (area, label, percent)
    assert (share.fiscal_year, share.budget, share.status) == MAIN[doc]


def test_area_chart_counts_match_the_list(corpus) -> None:
    for doc, records in corpus.items():
        figs = [r for r in records if isinstance(r, BudgetFigure) and r.scope_kind is ScopeKind.STRATEGY_AREA]
        shares = [r for r in records if isinstance(r, AreaShare)]
        listed = [row for row in AREA_CHART if row[0] == doc]
        assert len(figs) == len(shares) == len(listed), doc
        # the summary table's own area totals (000:2 「（１）… (97.3億円) …」) are nisc_tables' business
        assert all(f.origin is Origin.AREA_CHART for f in figs)


# ------------------------------------------------------------------ agency shares

AGENCY_SHARES = {
    FY2025: [  # 000:82-114, 令和7年度当初予算額 (000:80)
        ("防衛省", "67.8", 82), ("総務省", "8.2", 85), ("文部科学省", "5.9", 88), ("NISC", "5.6", 91),
        ("経済産業省", "2.8", 94), ("警察庁", "2.8", 97), ("財務省", "2.5", 100),
        ("厚生労働省", "1.6", 103),  # 000:103 厚生労 / 000:105 働省 / 000:106 1.6%
        ("法務省", "0.9", 108), ("外務省", "0.8", 111),  # 000:112 「0.8% その他」
        ("その他", "1.2", 112),  # 000:114 1.2%
    ],
    FY2023: [  # 001:66-103, 令和５年度予算政府案 (001:62)
        ("防衛省", "64.0", 66),  # 001:68 「64.0%総務省」
        ("総務省", "10.4", 68), ("文部科学省", "8.1", 72), ("デジタル庁", "6.0", 76), ("経済産業省", "3.3", 80),
        ("警察庁", "2.9", 84), ("厚生労働省", "1.9", 88), ("国土交通省", "0.8", 92), ("NISC", "0.6", 95),
        ("外務省", "0.5", 98), ("その他", "1.5", 101),
    ],
}


@pytest.mark.parametrize("doc", sorted(AGENCY_SHARES))
def test_agency_shares(corpus, doc) -> None:
    got = [(r.agency, r.percent, r.source.line) for r in corpus[doc] if isinstance(r, AgencyShare)]
    assert got == AGENCY_SHARES[doc]
    assert {(r.fiscal_year, r.budget, r.status) for r in corpus[doc] if isinstance(r, AgencyShare)} == {MAIN[doc]}


@pytest.mark.parametrize("doc", sorted(AGENCY_SHARES))
def test_agency_shares_sum_to_100(corpus, doc) -> None:
    total = sum(Decimal(r.percent) for r in corpus[doc] if isinstance(r, AgencyShare))
    assert abs(total - 100) <= Decimal("0.5")  # 000: 100.1, 001: 100.0


def test_area_shares_sum_to_100(corpus) -> None:
    for doc, span in [(FY2025, (133, 161)), (FY2023, (111, 133)), (FY2020, (707, 722)), (FY2020, (724, 737))]:
        shares = [r for r in corpus[doc] if isinstance(r, AreaShare) and span[0] <= r.source.line <= span[1]]
        assert abs(sum(Decimal(r.percent) for r in shares) - 100) <= Decimal("0.5"), (doc, span)


def test_fy2020_nameless_agency_chart_is_one_warning(corpus) -> None:
    """003:672-693 prints twelve percentages (30.7% … 11.1%) with no agency names."""
    assert not any(isinstance(r, AgencyShare) for r in corpus[FY2020])
    [warning] = [r for r in corpus[FY2020] if isinstance(r, Warning_)]
    assert warning.source == SourceSpan(FY2020, 672, 693)
    assert warning.snippet.startswith("30.7% 17.6%") and warning.snippet.endswith("11.1%")


def test_no_warnings_elsewhere(corpus) -> None:
    assert [r for doc in (FY2025, FY2024, FY2023) for r in corpus[doc] if isinstance(r, Warning_)] == []


# ------------------------------------------------------------------ garbled input and layout variations

COLS = [Column(2025, I, ENACTED), Column(2024, SUPP, ENACTED), Column(2024, I, ENACTED)]


def records(text: str) -> list:
    return parse_totals(text, "t", columns=COLS)


def test_garbled_headline_amount_is_a_warning() -> None:
    got = records("政府のサイバーセキュリティに関する予算\n\n１２．ｘ億円\n\n令和7年度当初予算額\n")
    assert [(type(r), r.source.line, r.snippet) for r in got] == [(Warning_, 3, "１２．ｘ億円")]


def test_percent_without_a_name_is_a_warning() -> None:
    text = "各府省庁等のサイバーセキュリティに関する予算\n令和7年度当初予算額\n\n防衛省\n67.8%\n\n20.0%\n\n総務省\n12.2%\n"
    got = records(text)
    assert [(type(r), r.source) for r in got] == [(Warning_, SourceSpan("t", 4, 10))]


def test_shares_not_adding_up_are_a_warning() -> None:
    got = records("防衛省\n67.8%\n\n総務省\n8.2%\n\n文部科学省\n5.9%\n")  # the rest of 000:82-114 cut off
    assert [type(r) for r in got] == [Warning_]


def test_amount_without_caption_or_narrative_is_a_warning() -> None:
    got = records("政府のサイバーセキュリティに関する予算\n\n2,051.5億円\n\n表紙\n")
    assert [(type(r), r.source.line) for r in got] == [(Warning_, 3)]


def test_captioned_amount_contradicting_the_narrative_is_a_warning() -> None:
    text = ("政府のサイバーセキュリティに関する予算\n\n2,000.0億円\n\n令和7年度当初予算額\n\n"
            "○ 令和７年度当初予算におけるサイバーセキュリティ関連予算は、2,051.5億円が措置されている。\n")
    got = records(text)
    assert [(type(r), r.source.line) for r in got] == [(Warning_, 3), (BudgetFigure, 7)]
    assert got[1].yen == 205150000000


def test_bracket_disagreeing_with_the_stated_difference_is_not_taken() -> None:
    text = ("（令和6年度当初予算額 ２,０００．０億円）\n\n資料\n\n表紙\n\n説明\n\n"
            "○ 令和７年度当初予算におけるサイバーセキュリティ関連予算は、令和６年度当初予算額に対し\n"
            "約７７．１億円の減額となる、 ２,０５１.５億円が措置されている。\n")
    assert [(type(r), r.yen) for r in records(text) if isinstance(r, BudgetFigure)] == [
        (BudgetFigure, 205150000000)]


def test_chart_captioned_for_another_year_is_a_warning() -> None:
    got = records("令和6年度当初予算額\n\n防衛省\n67.8%\n\n総務省\n32.2%\n")
    assert [type(r) for r in got] == [Warning_]


def test_layout_variation_markdown_list_chart_and_half_width_numbers() -> None:
    """Names and percentages on one line in a Markdown list; half-width (n) area numbers."""
    text = ("# 各府省庁等のサイバーセキュリティに関する予算\n\n## 令和7年度当初予算額\n\n"
            "- 防衛省 70.0%\n- 厚生労働省\t30.0%\n\n"
            "# サイバーセキュリティ戦略 分野別内訳\n\n(1)\n100.0 億円\n40.0%\n(2)\n150.0 億円\n60.0%\n"
            "(1)経済社会の活力の向上及び持続的発展\n(2)国民が安全で安心して暮らせるデジタル社会の実現\n")
    got = records(text)
    assert [(r.agency, r.percent) for r in got if isinstance(r, AgencyShare)] == [("防衛省", "70.0"), ("厚生労働省", "30.0")]
    assert [(r.area, r.scope, r.yen) for r in got if isinstance(r, BudgetFigure)] == [
        (1, "経済社会の活力の向上及び持続的発展", 10000000000), (2, "国民が安全で安心して暮らせるデジタル社会の実現", 15000000000)]
    assert not any(isinstance(r, Warning_) for r in got)


def test_unlabelled_pairs_are_a_warning() -> None:
    got = records("サイバーセキュリティ戦略 分野別内訳\n\n40.0 億円\n\n40.0%\n\n60.0 億円\n\n60.0%\n")
    assert [(type(r), r.source) for r in got] == [(Warning_, SourceSpan("t", 3, 9))]


LINES = ["政府のサイバーセキュリティに関する予算", "令和7年度当初予算額", "令和0年度予算", "２,０５１.５億円", "12.x億円",
         "（令和6年度当初予算額", "２,１２８．６億円）", "（１）", "(2)国民", "97.3 億円", "4.7%", "0.8% その他", "厚生労",
         "（23.7億円：2.8 %）", "- ", "# ", "○ 令和７年度当初予算におけるサイバーセキュリティ関連予算は、約７７．１億円の",
         "令和６年度当初予算額に対し約7.1億円の減額となる、 ２,０５１.５億円が措置されている。", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=30))
def test_never_crashes_and_always_cites_a_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    for r in records(text):
        assert 1 <= r.source.line <= r.source.end_line <= len(lines)
        if isinstance(r, BudgetFigure):
            assert r.yen > 0
