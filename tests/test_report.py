"""`policykg report`: facts checked by hand against the corpus, the committed example, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.report.checks import Figure, QualityReport, collect, disagreements
from policykg.report.render import Block, ReportFormat, render, render_html, render_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def built(bundled_build: Path) -> Path:
    return bundled_build


@pytest.fixture(scope="module")
def report(built: Path) -> QualityReport:
    return collect(built)


@pytest.mark.parametrize(("fmt", "name"), [("md", "report.md"), ("html", "report.html")])
def test_committed_example_is_what_report_produces_now(built: Path, fmt: str, name: str) -> None:
    result = CliRunner().invoke(main, ["report", "--build-dir", str(built), "--format", fmt],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == (DOCS / name).read_text(encoding="utf-8"), (
        f"docs/{name} is stale: regenerate with `policykg report --format {fmt} --out docs/{name}`")


def _pairs(report: QualityReport) -> set[tuple]:
    return {(d.scope, d.fiscal_year, d.budget, d.status, d.a.printed, d.a.cite, d.b.printed, d.b.cite)
            for d in report.disagreements}


def test_known_cross_document_disagreements(report: QualityReport) -> None:
    pairs = _pairs(report)
    # nisc-budget-fy2024:79 prints 30.4億円 (令和6年度当初) for 厚生労働省's measure; nisc-budget-fy2025:9 prints
    # 19.5億円 in its 令和6年度当初予算 column (columns_line 68 of the FY2025 manifest entry).
    assert ("厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2024, "initial", "enacted",
            "30.4億円", "nisc-budget-fy2024:79", "19.5億円", "nisc-budget-fy2025:9") in pairs
    # The overall FY2024 total: 「2, 126. 2億円」 (nisc-budget-fy2024:10) vs 「（令和6年度当初予算額 ２,１２８．６億円）」
    # (nisc-budget-fy2025:42).
    assert ("政府全体", 2024, "initial", "enacted", "2, 126. 2億円", "nisc-budget-fy2024:10",
            "２,１２８．６億円", "nisc-budget-fy2025:42") in pairs
    # Area (2) FY2024: (383.0億円) at nisc-budget-fy2024:77, (385.4億円) at nisc-budget-fy2025:8 (third column).
    assert ("国民が安全で安心して暮らせるデジタル社会の実現", 2024, "initial", "enacted", "383.0億円",
            "nisc-budget-fy2024:77", "385.4億円", "nisc-budget-fy2025:8") in pairs
    # 警察庁 サイバー捜査用資機材の増強等: 3.6億円 (nisc-budget-fy2024:83, first column) vs 3.1億円 (nisc-budget-fy2025:17).
    assert ("サイバー捜査用資機材の増強等", 2024, "initial", "enacted", "3.6億円", "nisc-budget-fy2024:83",
            "3.1億円", "nisc-budget-fy2025:17") in pairs
    assert len(pairs) == 4
    assert all(d.a.source != d.b.source for d in report.disagreements)


def test_rounding_is_not_a_disagreement(report: QualityReport) -> None:
    # IoT measure FY2024 initial: 15.8億円 (nisc-budget-fy2024:72) and 1,584百万円 (nisc-budget-fy2025:274):
    # 4,000,000 yen apart, within 0.05億円 + 0.5百万円.
    assert not [d for d in report.disagreements if "IoT" in d.scope]


def _fig(source: str, yen: int, number: str, status: str = "enacted", line: int = 1) -> Figure:
    return Figure(source, line, "m", "m", "measure", "", None, 2024, "initial", status, yen, number, "億円",
                  number + "億円", "summary-table", False)


def test_disagreement_rules_on_synthetic_figures() -> None:
    # Different statuses are different facts; rounding within both half units agrees; beyond it disagrees.
    assert disagreements([_fig("a", 3040000000, "30.4"), _fig("b", 1950000000, "19.5", status="draft")]) == []
    assert disagreements([_fig("a", 3040000000, "30.4"), _fig("b", 3000000000, "30")]) == []  # 30 → ±0.5億円
    assert disagreements([_fig("a", 3040000000, "30.4"), _fig("a", 1950000000, "19.5", line=2)]) == []  # one doc
    # 30.4 and 30.5 can both be 30.45 rounded: they agree; 30.4 and 30.6 cannot.
    assert disagreements([_fig("a", 3040000000, "30.4"), _fig("b", 3050000000, "30.5")]) == []
    found = disagreements([_fig("a", 3040000000, "30.4"), _fig("b", 3060000000, "30.6")])
    assert [(d.a.source, d.b.source, d.difference) for d in found] == [("a", "b", 20000000)]


def _check(report: QualityReport, key: str):
    return next(c for c in report.checks if c.key == key)


def test_listed_measures_exceed_an_area_total_in_the_fy2025_document(report: QualityReport) -> None:
    # nisc-budget-fy2025:2 「（１）… (97.3億円) (27.7億円) (63.2億円)」 and lines 3-6, third column (令和6年度当初):
    # 44.0 + 15.8 + 10.0 + 8.5 = 78.3億円 > 63.2億円: the document restates its FY2024 measures, not the area total.
    failing = _check(report, "listed-vs-area").failures
    assert [(r.what, r.stated, r.computed) for r in failing] == [
        ("nisc-budget-fy2025 FY2024 initial/enacted (1) 経済社会の活力の向上及び持続的発展",
         "63.2億円 (nisc-budget-fy2025:2)", "78.3億円 (4 measures)")]
    # The FY2025 column of the same area holds: 54.1 + 15.8 + 13.0 + 9.0 = 91.9億円 ≤ 97.3億円.
    rows = {r.what: r for r in _check(report, "listed-vs-area").rows}
    row = rows["nisc-budget-fy2025 FY2025 initial/enacted (1) 経済社会の活力の向上及び持続的発展"]
    assert row.ok and row.computed == "91.9億円 (4 measures)" and row.tolerance == "0.25億円"


def test_area_totals_vs_overall(report: QualityReport) -> None:
    rows = {r.what: r for r in _check(report, "areas-vs-overall").rows}
    # FY2025 chart (nisc-budget-fy2025:133-157): 97.3 + 363.3 + 1388.3 + 168.7 + 34.0 = 2,051.6億円 vs 2,051.5億円.
    row = rows["nisc-budget-fy2025 FY2025 initial/enacted (chart: equal)"]
    assert row.ok and row.computed == "2,051.6億円 (5 areas)" and row.difference == "0.1億円"
    # FY2024 in the FY2025 table (only four area subtotals, lines 2, 8, 50, 56): 63.2 + 385.4 + 1,522.1 + 128.4.
    row = rows["nisc-budget-fy2025 FY2024 initial/enacted (table subtotals: ≤)"]
    assert row.ok and row.computed == "2,099.1億円 (4 areas)"
    assert not _check(report, "areas-vs-overall").failures


def test_agency_shares_sum(report: QualityReport) -> None:
    # nisc-budget-fy2025:82-112: 67.8+8.2+5.9+5.6+2.8+2.8+2.5+1.6+0.9+0.8+1.2 = 100.1%, tolerance 11 × 0.05%.
    rows = {r.what: r for r in _check(report, "shares").rows}
    row = rows["nisc-budget-fy2025 FY2025 initial/enacted agency chart"]
    assert row.ok and row.computed == "100.1% (11 slices)" and row.tolerance == "0.55%"
    # The FY2020 area chart is printed twice (lines 707-721 and 724-736): checked as two charts, not one of 200%.
    assert sum(1 for r in _check(report, "shares").rows if r.what.startswith("nisc-budget-fy2020")) == 2


def test_page_in_million_yen_vs_table(report: QualityReport) -> None:
    rows = [r for r in _check(report, "page-vs-table").rows if "nisc-budget-fy2025:273" in r.sources]
    # nisc-budget-fy2025:273 「令和７年度当初予算 1,584百万円」 vs the table's 15.8億円 (line 4).
    assert [(r.ok, r.stated, r.computed, r.difference) for r in rows] == [
        (True, "15.8億円 (nisc-budget-fy2025:4, table)", "1,584百万円 (nisc-budget-fy2025:273, page)", "0.04億円")]


def test_documents_and_skipped_lines(report: QualityReport) -> None:
    docs = {d.id: d for d in report.documents}
    assert list(docs) == ["nisc-budget-fy2025", "nisc-budget-fy2024", "nisc-budget-fy2023", "nisc-budget-fy2020",
                          "meti-icsws-wg3-10"]
    fy2025 = docs["nisc-budget-fy2025"]
    assert fy2025.file == "000_b360cdfc8cdc379a.txt"
    assert dict(fy2025.classes)["AgencyShare"] == 11  # the 11 slices of lines 82-112
    # nisc-budget-fy2025:1040 「７年度予算額：2．４億円 （６年度予算額０．４憶円）」: 憶 is a misprint of 億.
    skipped = {s.line: s for s in fy2025.skipped}
    assert skipped["1040"].reason == "budget label with an unreadable amount"
    assert "０．４憶円" in skipped["1040"].text


def test_entities_seen_once(report: QualityReport) -> None:
    once = {e.label: e.citations for e in report.seen_once}
    # こども家庭庁 appears only in nisc-budget-fy2025:20 「【こども家庭庁】こども家庭庁における…」.
    assert once["こども家庭庁"] == ("nisc-budget-fy2025:20",)
    assert "厚生労働省" not in once


def test_html_and_markdown_escape_document_text() -> None:
    blocks = [Block("h2", "<b>x</b>"), Block("table", columns=("a",), rows=(("<script>alert(1)</script> | x",),))]
    page = render_html(blocks)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    md = render_markdown(blocks)
    assert "<script>" not in md and "\\| x" in md


def test_report_without_graph_exits_5(tmp_path: Path, built: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--build-dir", str(tmp_path)])
    assert result.exit_code == 5 and "policykg build" in result.output
    (tmp_path / "policykg.nq").write_bytes((built / "policykg.nq").read_bytes())  # graph without its build report
    result = CliRunner().invoke(main, ["report", "--build-dir", str(tmp_path)])
    assert result.exit_code == 5 and "build-report.json" in result.output and "Traceback" not in result.output


def test_report_out_file(built: Path, tmp_path: Path, report: QualityReport) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", "--build-dir", str(built), "--format", "html", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8") == render(report, ReportFormat.HTML)
