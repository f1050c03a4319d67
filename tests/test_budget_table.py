"""The reconciled budget table: the ``budget-table`` query and ``policykg table`` (CSV, XLSX).

Facts were checked by hand against the corpus files (file:line in the comments); the FY2025
rows and amounts below are typed from the FY2025 summary table, not taken from policykg.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from policykg.cli import main
from policykg.graph.backends import Backend, open_store
from policykg.queries.run import run_query
from policykg.queries.table import BOM, Shape, TableFormat, budget_table, column_name, export_table, wide
from policykg.sources import load_manifest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FY2025_FILE = CORPUS / "000_b360cdfc8cdc379a.txt"  # nisc-budget-fy2025
FY2024_FILE = CORPUS / "002_1a1f949df8b9b077.txt"  # nisc-budget-fy2024
MHLW = "厚生労働省及び関係機関等における情報セキュリティ対策推進費"
METI_LINE = "産業サイバーセキュリティ対策の強化に向けた環境整備事業"

#: The FY2025 summary table (000:2-27 and 50-59), every 「【省庁】名 金額 金額 金額」 row whose first
#: amount (令和7年度当初) is not 「―」: line, agency, measure as printed, first amount in 億円.
#: Lines 24, 25 and 59 (「― 3.0億円 ―」, 「― 1.9億円 ―」, 「― 21.5億円 ―」) have no FY2025 figure.
FY2025_ROWS = [
    (3, "経済産業省", "産業サイバーセキュリティ対策の強化に向けた環境整備事業", "54.1"),
    (4, "総務省", "IoTの安心・安全かつ適正な利用環境の構築", "15.8"),
    (5, "総務省", "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "13.0"),
    (6, "総務省", "サイバーセキュリティ統合知的・人材育成基盤の構築", "9.0"),
    (9, "厚生労働省", "厚生労働省及び関係機関等における情報セキュリティ対策推進費", "32.2"),
    (10, "外務省", "情報セキュリティ対策の強化", "15.0"),
    (11, "内閣官房", "政府機関情報セキュリティ横断監視・即応調整チームの運用", "16.0"),
    (12, "総務省", "ナショナルサイバートレーニングセンターの強化", "12.0"),
    (13, "国土交通省", "航空管制セキュリティシステム", "11.6"),
    (14, "内閣官房", "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", "5.7"),
    (15, "内閣官房", "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", "5.1"),
    (16, "内閣官房", "政府機関等に対するサイバーセキュリティの実践的検証", "5.0"),
    (17, "警察庁", "サイバー捜査用資機材の増強等", "2.8"),
    (18, "経済産業省", "政府情報システムのためのセキュリティ評価事業", "2.8"),
    (19, "内閣官房", "重要インフラ分野の演習等企画実施", "2.4"),
    (20, "こども家庭庁", "こども家庭庁におけるセキュリティ対策体制強化費", "0.8"),
    (21, "デジタル庁", "サイバーセキュリティ確保環境整備費", "1.3"),
    (22, "金融庁", "金融業界横断的なサイバーセキュリティ演習の実施", "0.9"),
    (23, "警察庁", "生成ＡＩ等を活用したフィッシングサイト判定の高度化・効率化", "0.3"),
    (26, "総務省", "地方公共団体の情報セキュリティ対策の推進", "0.7"),
    (27, "国土交通省", "国土交通省（CSIRT等）や所管事業者における情報セキュリティ対策の強化", "0.6"),
    (51, "防衛省", "情報システムの防護", "876.3"),
    (52, "防衛省", "リスク管理枠組み（RMF）の導入", "340.8"),
    (53, "防衛省", "防衛産業におけるサイバーセキュリティ対策の強化", "134.2"),
    (54, "外務省", "サイバー空間に関する外交及び国際連携", "0.3"),
    (57, "防衛省", "サイバー分野における教育機能の強化", "25.4"),
    (58, "文部科学省", "GIGAスクールにおける学びの充実", "1.6"),
]
FY2025 = {"fiscal_year": "2025", "budget": "initial", "status": "enacted"}


@pytest.fixture(scope="module")
def store(bundled_build: Path):
    return open_store(bundled_build, Backend.OXIGRAPH)  # in memory: writes nothing into the shared build


def _line(path: Path, n: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[n - 1]


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def test_the_hand_list_is_the_summary_table() -> None:
    """The list above is what the corpus prints: each row's line starts 【agency】measure amount."""
    for line, agency, measure, oku in FY2025_ROWS:
        assert _line(FY2025_FILE, line).startswith(f"【{agency}】{measure} {oku}億円 "), line
    assert len(FY2025_ROWS) == 27
    for line in (24, 25, 59):
        assert _line(FY2025_FILE, line).split()[1] == "―"


def test_fy2025_initial_holds_each_summary_row_once_and_adds_up(store) -> None:
    table = budget_table(store, FY2025)
    rows = table.dicts()
    got = sorted((r["line"], r["agency"], _nfkc(r["measure"]), r["amount_jpy"]) for r in rows)
    expected = sorted((line, agency, _nfkc(measure), int(Decimal(oku) * 10**8))
                      for line, agency, measure, oku in FY2025_ROWS)
    assert got == expected
    assert {r["source"] for r in rows} == {"nisc-budget-fy2025"} and {r["origin"] for r in rows} == {"summary-table"}
    assert len({r["measure_iri"] for r in rows}) == len(rows) == 27  # each measure once
    hand_sum = sum(Decimal(oku) for *_, oku in FY2025_ROWS) * 10**8
    assert hand_sum == Decimal("1585.7") * 10**8  # 54.1 + 15.8 + … + 1.6億円
    assert sum(r["amount_jpy"] for r in rows) == hand_sum
    # no restatement counted twice: the measure pages restate 27 of these figures (000:176
    # 「令和7年度予算額 54億円（44億円）」 restates line 3's 54.1億円; 000:1330 「令和７年度予算額 74百万円」
    # restates 推進's 0.7億円 of line 26), counted as agreeing statements, not rows: budget-lines
    # lists all 54 statements
    stated = len(run_query(store, "budget-lines", FY2025))
    assert stated == 54 and sum(r["agreeing"] for r in rows) == stated - 27 == 27
    assert sum(r["disagreeing"] for r in rows) == 0
    assert budget_table(store, {**FY2025, "source": "nisc-budget-fy2025"}).rows == table.rows
    assert {r["rank_reason"] for r in rows} == {"own-edition"}
    row3 = next(r for r in rows if r["line"] == 3)
    assert row3["agreeing_at"] == "nisc-budget-fy2025:176" and "54億円" in _line(FY2025_FILE, 176)


def test_a_cell_with_disagreements_shows_its_counts(store) -> None:
    [row] = budget_table(store, {"measure": MHLW, "fiscal_year": "2024", "budget": "initial"}).dicts()
    # 002:79 「…推進費	30.4億円	53.3億円	27.1億円」: the FY2024 edition's own table, first column
    assert "30.4億円" in _line(FY2024_FILE, 79).split("\t")[1]
    assert (row["amount_jpy"], row["printed"], row["source"], row["line"], row["status"], row["rank_reason"]) == (
        3_040_000_000, "30.4億円", "nisc-budget-fy2024", 79, "enacted", "own-edition")
    # 000:9 「… 32.2億円 90.4億円 19.5億円」 (third column: FY2024 initial) and 000:478
    # 「令和６年度当初予算 ：１９．５億円」 disagree; 002:368 「令和6年度予算	: 30.4億円」 agrees
    assert _line(FY2025_FILE, 9).split()[-1] == "19.5億円" and "１９．５億円" in _line(FY2025_FILE, 478)
    assert "30.4億円" in _line(FY2024_FILE, 368)
    assert (row["disagreeing"], row["disagreeing_at"]) == (2, "nisc-budget-fy2025:9 nisc-budget-fy2025:478")
    assert (row["agreeing"], row["agreeing_at"]) == (1, "nisc-budget-fy2024:368")


def test_inclusive_only_cells_have_no_row(store) -> None:
    """000:603 「令和５年度補正 1,254百万円の内数」 is the only FY2023 supplementary figure of the
    training centre: part of a larger sum, no preferred figure, no row."""
    assert "1,254百万円の内数" in _line(FY2025_FILE, 603)
    rows = budget_table(store, {"measure": "mic-national-cyber-training-center", "fiscal_year": "2023"}).dicts()
    assert sorted((r["budget"], r["status"], r["source"], r["line"]) for r in rows) == [
        ("initial", "draft", "nisc-budget-fy2023", 51), ("initial", "enacted", "nisc-budget-fy2024", 81)]


def test_successor_follows_continues_without_adding_up(store) -> None:
    rows = budget_table(store, {"successor": METI_LINE, "fiscal_year": "2024", "budget": "initial"}).dicts()
    # 000:3 「… 54.1億円 ― 44.0億円」: the FY2025 edition restates FY2024 under the merged name;
    # 002:71, 75, 80: the FY2024 edition's own rows of three measures it continues
    assert "44.0億円" in _line(FY2025_FILE, 3)
    for n, oku in ((71, "23.4億円"), (75, "0.7億円"), (80, "20.2億円")):
        assert _line(FY2024_FILE, n).split("\t")[1] == oku
    got = sorted((r["source"], r["line"], r["amount_jpy"], r["rank_reason"]) for r in rows)
    assert got == [("nisc-budget-fy2024", 71, 2_340_000_000, "own-edition"),
                   ("nisc-budget-fy2024", 75, 70_000_000, "own-edition"),
                   ("nisc-budget-fy2024", 80, 2_020_000_000, "own-edition"),
                   ("nisc-budget-fy2025", 3, 4_400_000_000, "nearest-edition")]
    assert {r["successor"] for r in rows} == {METI_LINE}
    assert len({r["measure_iri"] for r in rows}) == 4  # four measures, none summed into another
    table = budget_table(store, {"successor": METI_LINE})
    broad = wide(table).dicts()
    assert [r["measure"] for r in broad][0] == METI_LINE  # the successor first, then what it continues
    assert {r["measure"] for r in broad[1:]} == {
        "産業サイバーセキュリティ強靱化事業", "サイバーセキュリティ経済基盤構築事業",
        "サプライチェーン・中小企業サイバーセキュリティ対策促進事業", "中小企業サイバーセキュリティ対策促進事業"}
    assert broad[0]["FY2024 initial enacted"] == 4_400_000_000  # never 44.0 + 44.3億円
    # a predecessor asked as successor has a successor of its own: no rows
    assert budget_table(store, {"successor": "産業サイバーセキュリティ強靱化事業"}).rows == ()


def test_wide_cells_are_the_long_figures(store) -> None:
    long = budget_table(store)
    broad = wide(long)
    cells = {(r["measure_iri"], column_name(r["fiscal_year"], r["budget"], r["status"], r["supplement"])):
             r["amount_jpy"] for r in long.dicts()}
    assert len(cells) == len(long.rows)  # one row per measure × year × kind × status
    found = {(r["measure_iri"], c): v for r in broad.dicts() for c, v in r.items()
             if c.startswith("FY") and v is not None}
    assert found == cells
    assert broad.columns[:4] == ("agency", "measure", "successor", "measure_iri")
    years = [c for c in broad.columns if c.startswith("FY")]
    assert years.index("FY2024 initial enacted") < years.index("FY2024 supplementary enacted") < years.index(
        "FY2025 initial enacted")


def test_a_numbered_supplementary_budget_is_a_column_of_its_own(numbered_build: Path) -> None:
    """The FY2025 summary with its supplementary column labelled 「補正予算②」 (000:68-69 print
    「令和6年度」 / 「補正予算」): 厚生労働省's 「90.4億円」 (000:9) is 補正②; its page's 「令和６年度補正予算
    ：９０．４億円」 (000:477), printed without the number, joins the cell of the one number stated
    (graph/rank.py) — one row, one wide column 「補正 2」, the page an agreeing statement."""
    store = open_store(numbered_build, Backend.OXIGRAPH)
    long = budget_table(store, {"measure": MHLW, "fiscal_year": "2024", "budget": "supplementary"})
    assert [((r["supplement"] or 0), r["line"], r["amount_jpy"], r["agreeing"]) for r in long.dicts()] == [
        (2, 9, 9_040_000_000, 1)]
    [row] = wide(long).dicts()
    assert row["FY2024 supplementary 2 enacted"] == 9_040_000_000 and "FY2024 supplementary enacted" not in row


def test_csv_has_a_bom_and_round_trips_japanese(store, tmp_path: Path) -> None:
    out = tmp_path / "fy2025.csv"
    written = export_table(store, out, fmt=TableFormat.CSV, params=FY2025)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and BOM == "\ufeff"
    assert data.count(b"\xef\xbb\xbf") == 1 and b"\r\n" in data
    with out.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.DictReader(f))
    table = budget_table(store, FY2025)
    assert written.rows == len(back) == 27
    assert back == [{k: "" if v is None else str(v) for k, v in r.items()} for r in table.dicts()]
    mhlw = next(r for r in back if r["measure"] == MHLW)
    assert (mhlw["agency"], mhlw["amount_jpy"], mhlw["printed"], mhlw["line"]) == (
        "厚生労働省", "3220000000", "32.2億円", "9")
    export_table(store, out, fmt=TableFormat.CSV, shape=Shape.WIDE, params=FY2025)
    header, *rows = csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")))
    assert header == ["agency", "measure", "successor", "measure_iri", "FY2025 initial enacted"]
    assert len(rows) == 27 and ["厚生労働省", MHLW, MHLW] == rows[[r[1] for r in rows].index(MHLW)][:3]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_xlsx_has_three_sheets_japanese_and_numbers(store, tmp_path: Path) -> None:
    out = tmp_path / "table.xlsx"
    export_table(store, out, fmt=TableFormat.XLSX, shape=Shape.WIDE,
                 params={"fiscal_year": "2024", "budget": "initial", "status": "enacted"})
    book = load_workbook(out)
    assert book.sheetnames == ["long", "wide", "sources"] and book.active.title == "wide"
    long = [dict(zip([c.value for c in book["long"][1]], row, strict=True))
            for row in book["long"].iter_rows(min_row=2, values_only=True)]
    mhlw = next(r for r in long if r["measure"] == MHLW)
    assert mhlw["agency"] == "厚生労働省" and mhlw["printed"] == "30.4億円"
    assert mhlw["amount_jpy"] == 3_040_000_000 and type(mhlw["amount_jpy"]) is int
    assert type(mhlw["line"]) is int and (mhlw["agreeing"], mhlw["disagreeing"]) == (1, 2)
    wide_rows = list(book["wide"].iter_rows(values_only=True))
    assert wide_rows[0] == ("agency", "measure", "successor", "measure_iri", "FY2024 initial enacted")
    assert ("厚生労働省", MHLW, MHLW) == next(r for r in wide_rows if r[1] == MHLW)[:3]
    assert next(r for r in wide_rows if r[1] == MHLW)[4] == 3_040_000_000
    sources = [dict(zip([c.value for c in book["sources"][1]], row, strict=True))
               for row in book["sources"].iter_rows(min_row=2, values_only=True)]
    assert len(sources) == len(long)
    manifest = {d.id: d for d in load_manifest()}
    cited = next(r for r in sources if r["measure"] == MHLW)
    doc = manifest["nisc-budget-fy2024"]
    assert (cited["source"], cited["line"], cited["title"], cited["file"], cited["sha256"]) == (
        "nisc-budget-fy2024", 79, "政府のサイバーセキュリティに関する予算（令和6年度予算額）資料3",
        "002_1a1f949df8b9b077.txt", doc.sha256)
    assert cited["text"] == _line(FY2024_FILE, 79).strip()  # the line, as printed
    assert {r["source"] for r in sources} == {"nisc-budget-fy2024", "nisc-budget-fy2025"}


def test_cli_writes_the_table(bundled_build: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "fy2025.csv"
    args = ["table", "--build-dir", str(bundled_build), "-p", "fiscal_year=令和7年度", "-p", "budget=initial",
            "--param", "status=enacted", "--out", str(out)]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0 and result.output == f"wrote {out} (27 figures, 27 measures)\n"
    assert out.read_bytes().startswith(BOM.encode("utf-8") + b"agency,measure,")
    xlsx = tmp_path / "all.xlsx"
    result = runner.invoke(main, ["table", "--build-dir", str(bundled_build), "--out", str(xlsx)],
                           catch_exceptions=False)
    assert result.exit_code == 0 and load_workbook(xlsx).sheetnames == ["long", "wide", "sources"]
    wide_csv = tmp_path / "wide.txt"
    result = runner.invoke(main, ["table", "--build-dir", str(bundled_build), "--shape", "wide", "--format", "csv",
                                  "--out", str(wide_csv), "-p", "agency=厚生労働省"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert wide_csv.read_text(encoding="utf-8-sig").splitlines()[1].startswith(f"厚生労働省,{MHLW},{MHLW},")


def test_cli_errors_are_one_line_with_their_exit_code(bundled_build: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "t.csv"
    out.write_text("old", encoding="utf-8")
    bad = runner.invoke(main, ["table", "--build-dir", str(bundled_build), "-p", "budget=both", "--out", str(out)],
                        catch_exceptions=False)
    assert bad.exit_code == 2 and bad.output == "error: parameter budget: 'both' is not one of initial, supplementary\n"
    unknown = runner.invoke(main, ["table", "--build-dir", str(bundled_build), "-p", "rank=normal", "--out", str(out)],
                            catch_exceptions=False)
    assert unknown.exit_code == 2 and unknown.output.startswith("error: query 'budget-table' has no parameter 'rank'")
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    unwritable = runner.invoke(main, ["table", "--build-dir", str(bundled_build), "--out", str(blocked / "t.csv")],
                               catch_exceptions=False)
    assert unwritable.exit_code == 2 and unwritable.output.startswith(f"error: cannot write {blocked / 't.csv'}: ")
    assert len(unwritable.output.splitlines()) == 1
    missing = runner.invoke(main, ["table", "--build-dir", str(tmp_path / "none"), "--out", str(out)],
                            catch_exceptions=False)
    assert missing.exit_code == 5 and missing.output.startswith("error: ")
    assert out.read_text(encoding="utf-8") == "old"  # nothing written by a failed run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "t.csv"]
