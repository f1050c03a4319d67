"""Numbered supplementary budgets (補正①, 補正②, 第2次補正) are phases of their own.

The bundled FY2025 summary (corpus/000_b360cdfc8cdc379a.txt) prints its supplementary column's
label as 「令和6年度」 / 「補正予算」 (lines 68–69). An edition that numbers it 「補正予算②」 yields
the same figures with pk:supplementNumber 2: 厚生労働省's 「90.4億円」 on line 9, and the area
subtotal 「(283.0億円)」 on line 8; a cell of 補正② is ranked apart from the unnumbered one.
"""

from __future__ import annotations

from pathlib import Path

from policykg.graph.store import load_dataset
from policykg.queries.run import run_query



def _rows(ds, name: str, **params: str) -> list[dict]:
    result = run_query(ds, name, params)
    names = [str(v).lstrip("?") for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


def test_a_numbered_supplementary_column_numbers_its_figures(numbered_build: Path) -> None:
    ds = load_dataset(numbered_build)
    rows = _rows(ds, "budget-lines", measure="厚生労働省及び関係機関等における情報セキュリティ対策推進費",
                 budget="supplementary")
    table = [r for r in rows if r["origin"] == "summary-table"]
    assert [(r["line"], r["fiscal_year"], r["supplement"], r["amount_jpy"], r["rank"]) for r in table] == [
        (9, 2024, 2, 9_040_000_000, "preferred")]
    areas = _rows(ds, "totals", scope_kind="strategy-area", budget="supplementary")
    assert {(r["line"], r["supplement"], r["amount_jpy"]) for r in areas if r["area"] == 2} == {(8, 2, 28_300_000_000)}
    # the page restates 「９０．４億円」 under 「令和６年度補正予算額」 (line 477) without the number: it joins the
    # cell of the one number stated (補正②) and repeats the table
    page = [r for r in rows if r["origin"] == "measure-page"]
    assert [(r["line"], r["supplement"], r["rank"], r["rank_reason"]) for r in page] == [(477, None, "normal", "repeated")]


def test_the_bundled_tables_number_no_supplementary_budget(bundled_dataset) -> None:
    """Only one page numbers them (000:1333–1334, below); no summary table does."""
    rows = _rows(bundled_dataset, "budget-lines", budget="supplementary", origin="summary-table") + _rows(
        bundled_dataset, "totals", budget="supplementary")
    assert rows and {r["supplement"] for r in rows} == {None}
    numbered = _rows(bundled_dataset, "budget-lines", budget="supplementary", origin="measure-page")
    assert sorted((r["line"], r["supplement"]) for r in numbered if r["supplement"]) == [(1333, 1), (1334, 2)]


def test_a_page_covering_several_rows_attributes_each_figure_to_the_row_that_confirms_it(bundled_dataset) -> None:
    """nisc-budget-fy2025 lines 1290–1334: one page titled 地方公共団体の情報セキュリティ対策の強化,
    headed 「…－⑮、⑱、⑲」 (three table items), prints 「令和７年度予算額 74百万円」 (1330),
    「（令和６年度当初予算 74百万円」 (1331), 「令和６年補正① 296百万円」 (1333) and 「令和６年補正② 193百万円」
    (1334). The summary table: 強化 「― 3.0億円 ―」 (line 24), 見直し 「― 1.9億円 ―」 (25), 推進
    「0.7億円 ― 0.7億円」 (26). Each amount agrees with exactly one 総務省 row."""
    rows = _rows(bundled_dataset, "budget-lines", source="nisc-budget-fy2025", origin="measure-page")
    got = {r["line"]: (r["measure"], r["fiscal_year"], r["budget"], r["supplement"], r["amount_jpy"])
           for r in rows if 1330 <= r["line"] <= 1334}
    assert got == {
        1330: ("地方公共団体の情報セキュリティ対策の推進", 2025, "initial", None, 74_000_000),
        1331: ("地方公共団体の情報セキュリティ対策の推進", 2024, "initial", None, 74_000_000),
        1333: ("地方公共団体の情報セキュリティ対策の強化", 2024, "supplementary", 1, 296_000_000),
        1334: ("地方公共団体の情報セキュリティ対策の見直し", 2024, "supplementary", 2, 193_000_000),
    }
    notes = {int(r.line): str(r.note) for r in bundled_dataset.query(
        "PREFIX pk: <https://w3id.org/policykg/ontology#> SELECT ?line ?note WHERE { "
        "?f a pk:BudgetFigure ; pk:inferred true ; pk:inferenceNote ?note ; pk:line ?line }")}
    assert sorted(notes) == [1330, 1331, 1334]  # 1333 agrees with its title's own row: as printed
    assert notes[1334].startswith("the page covers table items ⑮、⑱、⑲; the amount agrees only with the "
                                  "summary-table row of 地方公共団体の情報セキュリティ対策の見直し (line 25)")
    # the unnumbered table figure and the page's 補正① figure are one cell: the table is preferred
    strengthening = [r for r in _rows(bundled_dataset, "budget-lines", measure="地方公共団体の情報セキュリティ対策の強化")]
    assert sorted((r["line"], r["rank"]) for r in strengthening) == [(24, "preferred"), (1333, "normal")]
