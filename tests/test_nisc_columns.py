"""The summary table's columns read from each document's own header (loaders/nisc_columns.py).

The expected columns were read by hand off the cited lines of the bundled texts.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from policykg.errors import LoaderError
from policykg.graph.pipeline import build
from policykg.loaders import parse_document
from policykg.loaders.nisc_columns import NoHeaderError, captions, document_columns, read_columns
from policykg.records import BudgetFigure, BudgetKind, BudgetStatus, Origin
from policykg.registry import Registry
from policykg.sources import Column, corpus_dir, load_manifest, read_text

I, S = BudgetKind.INITIAL, BudgetKind.SUPPLEMENTARY
ENACTED, DRAFT, REQUEST = BudgetStatus.ENACTED, BudgetStatus.DRAFT, BudgetStatus.REQUEST
DOCS = {d.id: d for d in load_manifest()}
TEXTS = {i: read_text(d.path) for i, d in DOCS.items()}
REGISTRY = Registry.load()

#: Hand-read: (document, first and last header line, columns in table order, short-row columns).
BUNDLED = [
    # 000:68-74 「令和6年度/補正予算」「令和6年度/当初予算」「令和7年度」, the last one printed apart and
    # without its phase (the caption 「令和7年度当初予算額」 of line 33 gives it); rows such as line 9
    # 「32.2億円 90.4億円 19.5億円」 put FY2025 first. Line 3 prints a dash in the supplementary column.
    ("nisc-budget-fy2025", 68, 74, [Column(2025, I, ENACTED), Column(2024, S, ENACTED), Column(2024, I, ENACTED)], ()),
    # 002:69 「⇥令和6年度 当初予算⇥令和5年度 補正予算⇥令和5年度 当初予算」 (again at 106)
    ("nisc-budget-fy2024", 69, 69, [Column(2024, I, ENACTED), Column(2023, S, ENACTED), Column(2023, I, ENACTED)], ()),
    # 001:2-3 「令和５年度/予算政府案」 (again at 57-58): one column
    ("nisc-budget-fy2023", 2, 3, [Column(2023, I, DRAFT)], ()),
    # 003:59-66 「令和２年度/予算政府案」「令和元年度/補正予算案」「令和元年度/当初予算」; rows print two
    # amounts when there is no supplementary figure (line 14 「10.0億円 4.5億円」)
    ("nisc-budget-fy2020", 59, 66, [Column(2020, I, DRAFT), Column(2019, S, DRAFT), Column(2019, I, ENACTED)], (0, 2)),
]


def test_bundled_case_count() -> None:
    assert len(BUNDLED) == len([d for d in DOCS.values() if d.layout.value.startswith("nisc-")]) == 4


@pytest.mark.parametrize("doc_id,line,end_line,columns,short", BUNDLED, ids=[b[0] for b in BUNDLED])
def test_bundled_headers(doc_id: str, line: int, end_line: int, columns: list, short: tuple) -> None:
    header = read_columns(TEXTS[doc_id], doc_id)
    assert list(header.columns) == columns
    assert (header.line, header.end_line, header.short_row_columns) == (line, end_line, short)
    doc = DOCS[doc_id]  # the manifest says the same
    assert (list(doc.columns), doc.columns_line, doc.short_row_columns) == (columns, line, short)


def test_year_printed_alone_takes_the_caption_of_its_year() -> None:
    header = read_columns(TEXTS["nisc-budget-fy2025"], "nisc-budget-fy2025")
    assert [(c.line, c.printed) for c in header.captions] == [(33, "令和7年度当初予算額")]
    assert header.printed == "令和6年度 補正予算 | 令和6年度 当初予算 | 令和7年度"


def _with_manifest(tmp_path: Path, doc_id: str, **fields: str) -> Path:
    """A corpus folder holding one bundled document, its manifest entry changed by ``fields``."""
    doc = DOCS[doc_id]
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(doc.path, folder / doc.path.name)
    entry = (corpus_dir() / "manifest.toml").read_text(encoding="utf-8").split("[[document]]")
    [mine] = [e for e in entry if f'id = "{doc_id}"' in e]
    for key, value in fields.items():
        pattern = rf"^{key} = (?:\[\n(?:.*\n)*?\]|.*)$"
        mine = re.sub(pattern, f"{key} = {value}" if value else "", mine, flags=re.M) if re.search(
            pattern, mine, re.M) else mine + f"{key} = {value}\n"
    (folder / "manifest.toml").write_text("[[document]]" + mine, encoding="utf-8")
    return folder / "manifest.toml"


def test_manifest_columns_that_disagree_with_the_header_stop_the_build(tmp_path: Path) -> None:
    # the FY2025 columns in the order the text layer prints their labels: not the table's order
    swapped = ('[{ fiscal_year = 2024, budget = "supplementary", status = "enacted" }, '
               '{ fiscal_year = 2024, budget = "initial", status = "enacted" }, '
               '{ fiscal_year = 2025, budget = "initial", status = "enacted" }]')
    manifest = _with_manifest(tmp_path, "nisc-budget-fy2025", columns=swapped)
    with pytest.raises(LoaderError) as e:
        build(tmp_path / "out", manifest=manifest)
    message = str(e.value)
    assert message.startswith(f"{manifest.parent / '000_b360cdfc8cdc379a.txt'} [nisc-budget-fy2025]:68: ")
    assert "disagree with the table header of 000_b360cdfc8cdc379a.txt (lines 68-74)" in message
    assert "2025 initial enacted, 2024 supplementary enacted, 2024 initial enacted" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("field,value,message", [
    ("columns_line", "70", "columns_line 70 disagrees"),
    ("short_row_columns", "[0, 2]", "short_row_columns [0, 2] disagree"),
])
def test_manifest_line_and_short_rows_are_checked_too(tmp_path: Path, field: str, value: str, message: str) -> None:
    manifest = _with_manifest(tmp_path, "nisc-budget-fy2025", **{field: value})
    doc = load_manifest(manifest)[0]
    with pytest.raises(LoaderError, match=re.escape(message)) as e:
        document_columns(doc, TEXTS["nisc-budget-fy2025"])
    assert e.value.line == 68


def test_manifest_without_columns_reads_the_header(tmp_path: Path) -> None:
    manifest = _with_manifest(tmp_path, "nisc-budget-fy2020", columns="", columns_line="", short_row_columns="")
    doc = load_manifest(manifest)[0]
    assert doc.columns == () and doc.short_row_columns == ()
    records = parse_document(doc, TEXTS["nisc-budget-fy2020"], REGISTRY)
    # 003:14 「デジタルフォレンジック用資機材の増強等 10.0億円 4.5億円」: columns 0 and 2
    assert sorted((r.fiscal_year, r.budget, r.status, r.yen) for r in records
                  if isinstance(r, BudgetFigure) and r.source.line == 14) == [
        (2019, I, ENACTED, 450_000_000), (2020, I, DRAFT, 1_000_000_000)]
    assert records == parse_document(DOCS["nisc-budget-fy2020"], TEXTS["nisc-budget-fy2020"], REGISTRY)


# ------------------------------------------------------------------ reworded and shifted headers


def shift_era(text: str, years: int) -> str:
    """Every 令和 year moved by ``years`` (元 is 1; full-width digits stay full-width)."""
    def move(m: re.Match[str]) -> str:
        raw = m["n"]
        n = 1 if raw == "元" else int(raw.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        new = str(n + years)
        if raw != "元" and raw[0] in "０１２３４５６７８９":
            new = new.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return f"令和{'元' if new in ('1', '１') else new}{m['t']}"
    return re.sub(r"令和(?P<n>元|[0-9０-９]{1,2})(?P<t>\s*年)", move, text)


def test_era_years_shifted_by_one() -> None:
    text = shift_era(TEXTS["nisc-budget-fy2025"], 1)
    assert "令和7年度\n補正予算" in text and "令和8年度当初予算額" in text
    assert read_columns(text, "x").columns == (Column(2026, I, ENACTED), Column(2025, S, ENACTED),
                                               Column(2025, I, ENACTED))
    text = shift_era(TEXTS["nisc-budget-fy2025"], -2)
    assert read_columns(text, "x").columns == (Column(2023, I, ENACTED), Column(2022, S, ENACTED),
                                               Column(2022, I, ENACTED))
    text = shift_era(TEXTS["nisc-budget-fy2020"], 1)  # 令和元年度 → 令和2年度, 令和２年度 → 令和３年度
    assert "令和３年度\n予算政府案" in text and "令和2年度\n補正予算案" in text
    assert read_columns(text, "x").columns == (Column(2021, I, DRAFT), Column(2020, S, DRAFT),
                                               Column(2020, I, ENACTED))


def test_request_header_instead_of_initial() -> None:
    text = TEXTS["nisc-budget-fy2025"].replace("令和7年度当初予算額", "令和8年度概算要求額").replace(
        "令和7年度\n", "令和8年度\n")
    header = read_columns(text, "x")
    assert header.columns[0] == Column(2026, I, REQUEST)
    assert header.captions[0].printed == "令和8年度概算要求額"


def test_markdown_header_in_another_order_keeps_its_printed_order() -> None:
    text = TEXTS["nisc-budget-fy2024"].replace(
        "\t令和6年度 当初予算\t令和5年度 補正予算\t令和5年度 当初予算",
        "\t令和5年度 当初予算\t令和6年度 政府案\t令和5年度 補正予算")
    assert read_columns(text, "x").columns == (Column(2023, I, ENACTED), Column(2024, I, DRAFT),
                                               Column(2023, S, ENACTED))


def test_plain_text_header_puts_the_latest_year_first_and_keeps_the_rest_in_printed_order() -> None:
    text = "令和６年度\n当初予算\n\n令和６年度\n補正予算\n\n令和７年度\n予算政府案\n"
    assert read_columns(text, "x").columns == (Column(2025, I, DRAFT), Column(2024, I, ENACTED),
                                               Column(2024, S, ENACTED))


def test_four_columns_with_numbered_supplementary_budgets() -> None:
    text = ("\t令和７年度 当初予算\t令和６年度 補正予算①\t令和６年度 第2次補正予算\t令和６年度 当初予算\n"
            "【総務省】施策\t1.0億円\t—\t2.0億円\t3.0億円\n")
    header = read_columns(text, "x")
    assert header.columns == (Column(2025, I, ENACTED), Column(2024, S, ENACTED, 1), Column(2024, S, ENACTED, 2),
                              Column(2024, I, ENACTED))
    assert header.short_row_columns == ()  # a supplementary cell prints a dash: rows are never short


def test_header_on_one_line_with_heisei_and_gannen() -> None:
    text = "平成３１年度予算政府案 平成30年度補正予算 平成30年度当初予算\n【警察庁】施策 10.0億円 4.5億円\n"
    header = read_columns(text, "x")
    assert header.columns == (Column(2019, I, DRAFT), Column(2018, S, ENACTED), Column(2018, I, ENACTED))
    assert header.short_row_columns == (0, 2)
    assert read_columns("令和元年度\n当初予算\n", "x").columns == (Column(2019, I, ENACTED),)


# ------------------------------------------------------------------ unreadable headers


def test_no_header_is_an_error_with_the_first_row() -> None:
    text = "\n（１）経済社会の活力 (97.3億円)\n【総務省】施策 15.8億円\n"
    with pytest.raises(NoHeaderError) as e:
        read_columns(text, "x")
    assert e.value.line == 3 and "no summary-table header" in e.value.message


def test_unreadable_label_cell_is_an_error_with_its_line() -> None:
    text = TEXTS["nisc-budget-fy2024"].replace("\t令和5年度 補正予算\t", "\t令和5年度 予備費\t", 1)
    with pytest.raises(LoaderError) as e:
        read_columns(text, "x")
    assert e.value.line == 69 and "'令和5年度 予備費' is not a fiscal-year label" in e.value.message


def test_year_printed_alone_without_a_caption_is_an_error() -> None:
    text = TEXTS["nisc-budget-fy2025"].replace("令和7年度当初予算額", "本年度当初予算額")
    with pytest.raises(LoaderError) as e:
        read_columns(text, "x")
    assert e.value.line == 74 and "prints no budget phase" in e.value.message


def test_header_printed_again_with_other_columns_is_an_error() -> None:
    text = TEXTS["nisc-budget-fy2024"]
    cut = text.index("\t令和6年度 当初予算", text.index("\t令和6年度 当初予算") + 1)
    text = text[:cut] + text[cut:].replace("令和5年度 補正予算", "令和5年度 補正予算案", 1)
    with pytest.raises(LoaderError) as e:
        read_columns(text, "x")
    assert e.value.line == 106 and "other columns than at line 69" in e.value.message


def test_captions() -> None:
    found = [(c.line, c.printed, c.column) for c in captions(TEXTS["nisc-budget-fy2024"])][:2]
    assert found == [(8, "## 令和6年度予算額", Column(2024, I, ENACTED)), (96, "## 令和6年度予算額", Column(2024, I, ENACTED))]


def test_parse_document_with_a_shifted_edition() -> None:
    """A FY2026 edition made from the FY2025 text: no columns in the manifest, figures in FY2026/FY2025."""
    doc = replace(DOCS["nisc-budget-fy2025"], columns=(), columns_line=0, sha256="")
    records = parse_document(doc, shift_era(TEXTS["nisc-budget-fy2025"], 1), REGISTRY)
    # 000:9 「厚生労働省及び関係機関等における情報セキュリティ対策推進費 32.2億円 90.4億円 19.5億円」
    assert [(r.fiscal_year, r.budget, r.status, r.yen) for r in records if isinstance(r, BudgetFigure)
            and r.source.line == 9 and r.origin is Origin.SUMMARY_TABLE] == [
        (2026, I, ENACTED, 3_220_000_000), (2025, S, ENACTED, 9_040_000_000), (2025, I, ENACTED, 1_950_000_000)]
