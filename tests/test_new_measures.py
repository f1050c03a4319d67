"""What is new in an edition: 新規 marks and measures first listed, as data.

Checked by hand: the FY2025 summary table (corpus/000_b360cdfc8cdc379a.txt) lists ten measures
that the FY2024 table (002_1a1f949df8b9b077.txt lines 70–118) does not — lines 11, 13, 16, 18,
19, 20, 23, 24, 25 and 59 — and its page prints 「令和６年度補正予算額 21.5億円（新規）」 at line 1614
for 生成AI等を活用したサイバーセキュリティ対策強化. The FY2020 edition is the earliest in the corpus.
"""

from __future__ import annotations

from policykg.queries.run import run_query


def _rows(ds, name: str, **params: str) -> list[dict]:
    result = run_query(ds, name, params)
    names = [str(v).lstrip("?") for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


def test_the_fy2025_edition_lists_ten_measures_the_fy2024_edition_does_not(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "new-measures", source="nisc-budget-fy2025")
    first = {(r["line"], r["measure"]) for r in rows if r["basis"] == "first-listed"}
    assert first == {
        (11, "政府機関情報セキュリティ横断監視・即応調整チームの運用"),
        (13, "航空管制セキュリティシステム"),
        (16, "政府機関等に対するサイバーセキュリティの実践的検証"),
        (18, "政府情報システムのためのセキュリティ評価事業"),
        (19, "重要インフラ分野の演習等企画実施"),
        (20, "こども家庭庁におけるセキュリティ対策体制強化費"),
        (23, "生成AI等を活用したフィッシングサイト判定の高度化・効率化"),
        (24, "地方公共団体の情報セキュリティ対策の強化"),
        (25, "地方公共団体の情報セキュリティ対策の見直し"),
        (59, "生成AI等を活用したサイバーセキュリティ対策強化"),
    }
    assert {r["previous_edition"] for r in rows if r["basis"] == "first-listed"} == {2024}


def test_a_new_mark_is_a_row_with_its_line(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "new-measures", source="nisc-budget-fy2025", agency="総務省")
    [mark] = [r for r in rows if r["basis"] == "new-mark"]
    assert (mark["measure"], mark["line"], mark["value"]) == (
        "生成AI等を活用したサイバーセキュリティ対策強化", 1614, "令和６年度補正予算額 21.5億円（新規）")


def test_the_earliest_edition_has_no_first_listed_rows(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "new-measures", source="nisc-budget-fy2020")
    assert rows and {r["basis"] for r in rows} == {"new-mark"}
    later = _rows(bundled_dataset, "new-measures", source="nisc-budget-fy2023")
    assert {r["previous_edition"] for r in later if r["basis"] == "first-listed"} == {2020}
