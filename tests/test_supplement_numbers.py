"""Numbered supplementary budgets (補正①, 補正②, 第2次補正) are phases of their own.

The bundled FY2025 summary (corpus/000_b360cdfc8cdc379a.txt) prints its supplementary column's
label as 「令和6年度」 / 「補正予算」 (lines 68–69). An edition that numbers it 「補正予算②」 yields
the same figures with pk:supplementNumber 2: 厚生労働省's 「90.4億円」 on line 9, and the area
subtotal 「(283.0億円)」 on line 8; a cell of 補正② is ranked apart from the unnumbered one.
"""

from __future__ import annotations

from pathlib import Path

from policykg.graph.pipeline import build
from policykg.graph.store import load_dataset
from policykg.queries.run import run_query
from policykg.sources import corpus_dir

FY2025_FILE = "000_b360cdfc8cdc379a.txt"


def _rows(ds, name: str, **params: str) -> list[dict]:
    result = run_query(ds, name, params)
    names = [str(v).lstrip("?") for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


def test_a_numbered_supplementary_column_numbers_its_figures(tmp_path: Path) -> None:
    lines = (corpus_dir() / FY2025_FILE).read_text(encoding="utf-8").split("\n")
    assert (lines[67], lines[68]) == ("令和6年度", "補正予算")
    lines[68] = "補正予算②"
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "numbered.txt").write_text("\n".join(lines), encoding="utf-8")
    (folder / "manifest.toml").write_text('''
[[document]]
id = "numbered-fy2025"
file = "numbered.txt"
original_file = "numbered.txt"
title = "政府のサイバーセキュリティに関する予算（令和7年度当初予算額）"
issuer = "内閣官房 内閣サイバーセキュリティセンター"
issuer_key = "nisc"
fiscal_year = 2025
layout = "nisc-budget-pdftext"
strategy = "2021"
''', encoding="utf-8")
    result = build(tmp_path / "build", manifest=folder / "manifest.toml", corpus=[])
    ds = load_dataset(result.graph_path.parent)
    rows = _rows(ds, "budget-lines", measure="厚生労働省及び関係機関等における情報セキュリティ対策推進費",
                 budget="supplementary")
    table = [r for r in rows if r["origin"] == "summary-table"]
    assert [(r["line"], r["fiscal_year"], r["supplement"], r["amount_jpy"], r["rank"]) for r in table] == [
        (9, 2024, 2, 9_040_000_000, "preferred")]
    areas = _rows(ds, "totals", scope_kind="strategy-area", budget="supplementary")
    assert {(r["line"], r["supplement"], r["amount_jpy"]) for r in areas if r["area"] == 2} == {(8, 2, 28_300_000_000)}
    # the page restates 「９０．４億円」 under 「令和６年度補正予算額」 (line 477): not numbered, a cell of its own
    page = [r for r in rows if r["origin"] == "measure-page"]
    assert [(r["line"], r["supplement"], r["rank"]) for r in page] == [(477, None, "preferred")]


def test_the_bundled_tables_number_no_supplementary_budget(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "budget-lines", budget="supplementary") + _rows(
        bundled_dataset, "totals", budget="supplementary")
    assert rows and {r["supplement"] for r in rows} == {None}
