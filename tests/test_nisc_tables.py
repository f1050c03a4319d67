"""The summary-table loader on real excerpts (golden files) and on the whole corpus.

Every figure asserted here was read by hand off the corpus line cited.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from policykg.loaders.nisc_tables import parse_summary_table
from policykg.records import BudgetFigure, BudgetKind, BudgetStatus, MeasureMention, SourceSpan, Warning_
from policykg.records import record_to_json
from policykg.registry import Kind, Registry
from policykg.sources import Column, load_manifest, read_text

GOLDEN = Path(__file__).parent / "golden" / "nisc_tables"
CASES = tomllib.loads((GOLDEN / "cases.toml").read_text(encoding="utf-8"))
DOCS = {d.id: d for d in load_manifest()}
REGISTRY = Registry.load()


def is_agency(name: str) -> bool:
    return REGISTRY.find(Kind.AGENCY, name) is not None


def parse(text: str, doc_id: str) -> list:
    doc = DOCS[doc_id]
    return parse_summary_table(
        text, doc_id, columns=doc.columns, short_row_columns=doc.short_row_columns,
        is_agency=is_agency, name_only_rows=doc.layout.value == "nisc-budget-markdown",
    )


def as_json(records: list, offset: int) -> list[dict]:
    return [record_to_json(r, offset) for r in records]


def test_golden_case_count() -> None:
    assert len(CASES) == 4


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    meta = CASES[case]
    text = (GOLDEN / f"{case}.txt").read_text(encoding="utf-8")
    got = as_json(parse(text, meta["document"]), meta["first_line"] - 1)
    expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    assert got == expected


@pytest.fixture(scope="module")
def corpus_records() -> dict[str, list]:
    return {
        doc_id: parse(read_text(doc.path), doc_id)
        for doc_id, doc in DOCS.items()
        if doc.columns
    }


def figures(records: list, line: int) -> list[tuple[int, str, str, int]]:
    return [
        (r.fiscal_year, r.budget.value, r.status.value, r.yen)
        for r in records
        if isinstance(r, BudgetFigure) and r.source.line == line
    ]


# (document, line, [(fiscal year, budget kind, status, yen), …]) read off the corpus by hand.
HAND_CHECKED = [
    # 000:3 【経済産業省】産業サイバーセキュリティ対策の強化に向けた環境整備事業 54.1億円 ― 44.0億円
    ("nisc-budget-fy2025", 3, [(2025, "initial", "enacted", 5_410_000_000), (2024, "initial", "enacted", 4_400_000_000)]),
    # 000:9 厚生労働省 32.2億円 90.4億円 19.5億円
    ("nisc-budget-fy2025", 9, [(2025, "initial", "enacted", 3_220_000_000), (2024, "supplementary", "enacted", 9_040_000_000),
                               (2024, "initial", "enacted", 1_950_000_000)]),
    # 000:16 政府機関等に対するサイバーセキュリティの実践的検証 5.0億円 19.7億円 ―
    ("nisc-budget-fy2025", 16, [(2025, "initial", "enacted", 500_000_000), (2024, "supplementary", "enacted", 1_970_000_000)]),
    # 000:23 生成ＡＩ等を活用したフィッシングサイト判定の高度化・効率化 0.3億円 ― ―
    ("nisc-budget-fy2025", 23, [(2025, "initial", "enacted", 30_000_000)]),
    # 000:24 地方公共団体の情報セキュリティ対策の強化 ― 3.0億円 ―
    ("nisc-budget-fy2025", 24, [(2024, "supplementary", "enacted", 300_000_000)]),
    # 000:51 情報システムの防護 876.3億円 ― 1064.0億円
    ("nisc-budget-fy2025", 51, [(2025, "initial", "enacted", 87_630_000_000), (2024, "initial", "enacted", 106_400_000_000)]),
    # 000:58 GIGAスクールにおける学びの充実 1.6億円 2億円 3.2億円
    ("nisc-budget-fy2025", 58, [(2025, "initial", "enacted", 160_000_000), (2024, "supplementary", "enacted", 200_000_000),
                                (2024, "initial", "enacted", 320_000_000)]),
    # 000:50 area (3) totals (1388.3億円) (0.6億円) (1,522.1億円)
    ("nisc-budget-fy2025", 50, [(2025, "initial", "enacted", 138_830_000_000), (2024, "supplementary", "enacted", 60_000_000),
                                (2024, "initial", "enacted", 152_210_000_000)]),
    # 002:79 厚生労働省 30.4億円 53.3億円 27.1億円 (disagrees with 000:9 on FY2024 initial: both stay)
    ("nisc-budget-fy2024", 79, [(2024, "initial", "enacted", 3_040_000_000), (2023, "supplementary", "enacted", 5_330_000_000),
                                (2023, "initial", "enacted", 2_710_000_000)]),
    # 002:76 産業サイバーセキュリティ対策の強化に向けた環境整備事業 — 5.1億円 —
    ("nisc-budget-fy2024", 76, [(2023, "supplementary", "enacted", 510_000_000)]),
    # 002:108 情報システムの防護 1,064.0億円 — 477.4億円
    ("nisc-budget-fy2024", 108, [(2024, "initial", "enacted", 106_400_000_000), (2023, "initial", "enacted", 47_740_000_000)]),
    # 002:118 サプライチェーンリスク対応… 0.1億円 3.2億円 0.2億円
    ("nisc-budget-fy2024", 118, [(2024, "initial", "enacted", 10_000_000), (2023, "supplementary", "enacted", 320_000_000),
                                 (2023, "initial", "enacted", 20_000_000)]),
    # 001:11 厚⽣労働省及び関係機関等… 27.1 億円 (space before the unit)
    ("nisc-budget-fy2023", 11, [(2023, "initial", "draft", 2_710_000_000)]),
    # 001:41 area (3) total （ 878.0 億円）
    ("nisc-budget-fy2023", 41, [(2023, "initial", "draft", 87_800_000_000)]),
    # 001:55 国⼟交通省 情報システムセキュリティ強化経費 0.6 億円
    ("nisc-budget-fy2023", 55, [(2023, "initial", "draft", 60_000_000)]),
    # 003:12 内閣サイバーセキュリティセンター予算 15.3億円 46.1億円 24.9億円
    ("nisc-budget-fy2020", 12, [(2020, "initial", "draft", 1_530_000_000), (2019, "supplementary", "draft", 4_610_000_000),
                                (2019, "initial", "enacted", 2_490_000_000)]),
    # 003:14 デジタルフォレンジック用資機材の増強等 10.0億円 4.5億円: two amounts = FY2020 draft and FY2019 initial
    ("nisc-budget-fy2020", 14, [(2020, "initial", "draft", 1_000_000_000), (2019, "initial", "enacted", 450_000_000)]),
    # 003:16 サイバーセキュリティ対策に係る教養の充実等 9.3億円 ―
    ("nisc-budget-fy2020", 16, [(2020, "initial", "draft", 930_000_000)]),
    # 003:22 地方公共団体の情報セキュリティ対策の推進 1.0億円 １.0億円 (full-width digit)
    ("nisc-budget-fy2020", 22, [(2020, "initial", "draft", 100_000_000), (2019, "initial", "enacted", 100_000_000)]),
    # 003:46 高等教育機関におけるセキュリティ人材の育成 １１．３億円 11.4億円
    ("nisc-budget-fy2020", 46, [(2020, "initial", "draft", 1_130_000_000), (2019, "initial", "enacted", 1_140_000_000)]),
    # 003:48-52 厚生労働省, name wrapped over 49-50, amounts on 52: 33.9億円 40.4億円
    ("nisc-budget-fy2020", 48, [(2020, "initial", "draft", 3_390_000_000), (2019, "initial", "enacted", 4_040_000_000)]),
]


def test_hand_checked_count() -> None:
    assert len(HAND_CHECKED) == 21


@pytest.mark.parametrize(("doc", "line", "expected"), HAND_CHECKED)
def test_hand_checked_figures(corpus_records: dict, doc: str, line: int, expected: list) -> None:
    assert figures(corpus_records[doc], line) == expected


def test_row_counts_per_document(corpus_records: dict) -> None:
    # Rows counted by hand: 000 has 30 measure rows (lines 3-6, 9-27, 51-54, 57-59), 002 has 31
    # table rows (71-118), 001 has 26 (6-55), 003 has 18 (12-54).
    table_rows = {
        doc: {r.source.line for r in recs if isinstance(r, MeasureMention) and r.source.line >= {"nisc-budget-fy2024": 69}.get(doc, 0)}
        for doc, recs in corpus_records.items()
    }
    assert {doc: len(lines) for doc, lines in table_rows.items()} == {
        "nisc-budget-fy2025": 30, "nisc-budget-fy2024": 31, "nisc-budget-fy2023": 26, "nisc-budget-fy2020": 18,
    }


def test_no_warnings_on_the_bundled_tables(corpus_records: dict) -> None:
    assert [r for recs in corpus_records.values() for r in recs if isinstance(r, Warning_)] == []


def test_printed_names_keep_original_code_points(corpus_records: dict) -> None:
    names = {r.name for r in corpus_records["nisc-budget-fy2023"] if isinstance(r, MeasureMention)}
    assert "厚⽣労働省及び関係機関等における情報セキュリティ対策推進費" in names  # 001:11, ⽣ = U+2F63
    wrapped = [r for r in corpus_records["nisc-budget-fy2020"] if isinstance(r, MeasureMention) and r.source.line == 38]
    assert wrapped[0].name == "特定個人情報（マイナンバーをその内容に含む個人情報）に係るセキュリティの確保を図るための委員会における監視・監督体制の拡充及び強化"
    assert wrapped[0].source == SourceSpan("nisc-budget-fy2020", 38, 42)


COLS3 = [Column(2025, BudgetKind.INITIAL, BudgetStatus.ENACTED), Column(2024, BudgetKind.SUPPLEMENTARY, BudgetStatus.ENACTED),
         Column(2024, BudgetKind.INITIAL, BudgetStatus.ENACTED)]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("【総務省】ナショナルサイバートレーニングセンターの強化 12.0億円 ―", "2 amounts, expected 3"),
        ("【総務省】ナショナルサイバートレーニングセンターの強化 1,0 6 4.0億円 ― 17.4億円", "unreadable amount"),
        ("【総務省】ナショナルサイバートレーニングセンターの強化 １２．ｘ億円 ― 17.4億円", "unreadable amount"),
        ("【総務省】ナショナルサイバートレーニングセンターの強化\n\n（２）国民が安全で安心して暮らせる (1.0億円) (2.0億円) (3.0億円)",
         "0 amounts"),
    ],
)
def test_bad_rows_are_reported_not_guessed(row: str, message: str) -> None:
    records = parse_summary_table(row + "\n", "hostile.txt", columns=COLS3, is_agency=is_agency)
    warnings = [r for r in records if isinstance(r, Warning_)]
    measure_figures = [r for r in records if isinstance(r, BudgetFigure) and r.scope_kind.value == "measure"]
    assert measure_figures == []
    assert len(warnings) == 1 and message in warnings[0].message
    assert warnings[0].source.doc == "hostile.txt" and warnings[0].source.line == 1
