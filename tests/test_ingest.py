"""`policykg add FILE`: a new document's round trip into a user corpus folder, from a text
file and from a PDF, and input that must be refused with nothing written.

The documents are the bundled texts with every era year moved one year on (a next
edition: 令和7年度 → 令和8年度 throughout, so title, table header and measure pages agree),
written as .txt or printed into a PDF with reportlab's built-in CID font
HeiseiKakuGo-W5, one text line per PDF line and one PDF page per page of the text (a
run of three blank lines). The expected figures were read by hand off the cited lines
of the bundled texts (corpus/000_… is FY2025, corpus/003_… FY2020, corpus/004_… the
METI paper); the year move leaves every amount and every line number as it was.

The FY2025 text is not printed into a PDF: it holds private-use bullet characters
(\\uf0d8 …) that the CID font cannot encode (reportlab writes garbage over the following
characters), so the PDF round trip uses the FY2020 text, which has none. The FY2023
text (Kangxi radicals) is not used either.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from policykg.cli import main
from policykg.errors import ManifestError
from policykg.graph import ingest
from policykg.loaders.pdf_text import pdf_to_text
from policykg.sources import (
    CORPUS_ENV,
    MANIFEST_FILE,
    Layout,
    corpus_dir,
    load_manifest,
)
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FY2025 = corpus_dir() / "000_b360cdfc8cdc379a.txt"
FY2024 = corpus_dir() / "002_1a1f949df8b9b077.txt"
FY2020 = corpus_dir() / "003_ddf944621e8ed638.txt"
METI = corpus_dir() / "004_ed65d1af5f6a924e.txt"
FONT = "HeiseiKakuGo-W5"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_YEAR = re.compile(r"(?<![0-9０-９])(?P<year>元|[0-9０-９]{1,2})(?P<tail>\s*年度?)")


# ------------------------------------------------------------------ helpers


def shift_years(text: str) -> str:
    """Every era year one year on: 令和/平成 N年(度) and a bare N年度 (「７年度予算額」).

    元 counts as 1, full-width digits stay full-width; a bare N年 without 度 (「1年間」)
    and a Gregorian year are left alone.
    """

    def move(m: re.Match[str]) -> str:
        before = text[max(0, m.start() - 3) : m.start()].replace(" ", "")
        year, tail = m["year"], m["tail"]
        if not before.endswith(("令和", "平成")) and (
            year == "元" or not tail.endswith("度")
        ):
            return m.group(0)
        new = str((1 if year == "元" else int(unicodedata.normalize("NFKC", year))) + 1)
        full_width = year != "元" and year[0] in "０１２３４５６７８９"
        return (new.translate(FULL_WIDTH) if full_width else new) + tail

    return _YEAR.sub(move, text)


def make_pdf(
    path: Path, text: str, *, encrypt: StandardEncryption | None = None
) -> Path:
    """``text`` printed one line per PDF line, a page per run of three or more blank lines."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pages: list[list[str]] = [[]]
    blank = 0
    for line in text.split("\n"):
        if line.strip() and blank >= 3 and any(x.strip() for x in pages[-1]):
            pages.append([])
        blank = 0 if line.strip() else blank + 1
        pages[-1].append(line)
    size, lead, margin = 7, 10, 30
    width = margin * 2 + size * max(len(line) for line in text.split("\n"))
    height = margin * 2 + lead * max(len(page) for page in pages)
    pdf = canvas.Canvas(str(path), pagesize=(width, height), encrypt=encrypt)
    for page in pages:
        pdf.setFont(FONT, size)
        for n, line in enumerate(page):
            pdf.drawString(margin, height - margin - n * lead, line)
        pdf.showPage()
    pdf.save()
    return path


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden temporary files too) by its SHA-256; {} if absent."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def query(build_dir: Path, name: str, **params: str) -> list[dict[str, str]]:
    """The rows of ``policykg query NAME --format csv``."""
    args: list[object] = ["query", name, "--build-dir", build_dir, "--format", "csv"]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def figures(
    rows: list[dict[str, str]], *, line: int
) -> list[tuple[int, str, str, int, str]]:
    return sorted(
        (
            int(r["fiscal_year"]),
            r["budget"],
            r["status"],
            int(r["amount_jpy"]),
            r["printed"],
        )
        for r in rows
        if int(r["line"]) == line
    )


def document_figures(build_dir: Path, source: str) -> list[dict[str, str]]:
    """Every figure of ``source``: of its measures (budget-lines) and its totals."""
    return query(build_dir, "budget-lines", source=source) + query(
        build_dir, "totals", source=source
    )


def figure_key(row: dict[str, str]) -> tuple[str, int, str, str, int]:
    """What a figure says: its measure (or area), fiscal year, kind, status and yen."""
    scope = row.get("measure_iri") or row["scope_iri"]
    return (
        scope,
        int(row["fiscal_year"]),
        row["budget"],
        row["status"],
        int(row["amount_jpy"]),
    )


@pytest.fixture(autouse=True)
def _bundled_corpus_untouched(monkeypatch: pytest.MonkeyPatch):
    """No $POLICYKG_CORPUS from the environment, and no test writes into the bundled corpus."""
    monkeypatch.delenv(CORPUS_ENV, raising=False)
    before = fingerprint(corpus_dir())
    yield
    assert fingerprint(corpus_dir()) == before


@pytest.fixture(scope="module")
def fy2026_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("texts") / "budget-fy2026.txt"
    path.write_text(shift_years(FY2025.read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def user_corpus(tmp_path_factory: pytest.TempPathFactory, fy2026_text: Path) -> Path:
    """A user corpus folder holding the FY2026 text, added once; tests copy it."""
    folder = tmp_path_factory.mktemp("user") / "corpus"
    with pytest.MonkeyPatch.context() as env:
        env.delenv(CORPUS_ENV, raising=False)
        ingest.add_document(fy2026_text, corpus=folder)
    return folder


def test_shift_years() -> None:
    assert shift_years(
        "令和7年度当初予算額\n（令和６年度当初予算額 ２,１２８．６億円）"
    ) == ("令和8年度当初予算額\n（令和７年度当初予算額 ２,１２８．６億円）")
    assert (
        shift_years("令和元年度補正予算案 ７年度予算額 平成３０年７月")
        == "令和2年度補正予算案 ８年度予算額 平成３１年７月"
    )
    assert shift_years("毎年40名、1年間。2025年度") == "毎年40名、1年間。2025年度"


# ------------------------------------------------------------------ the text round trip


def test_text_round_trip(tmp_path: Path, fy2026_text: Path) -> None:
    """The FY2025 text as a FY2026 edition: detected, stored, built and queried."""
    lines = fy2026_text.read_text(encoding="utf-8").split("\n")
    # the lines the figures below depend on; 000:33 「令和7年度当初予算額」 is the title caption,
    # 000:68-74 the table header, 000:273 a line of 総務省's IoT measure page
    assert lines[32] == "令和8年度当初予算額"
    assert [lines[67], lines[68], lines[70], lines[71], lines[73]] == [
        "令和7年度",
        "補正予算",
        "令和7年度",
        "当初予算",
        "令和8年度",
    ]
    assert (
        lines[8]
        == "【厚生労働省】厚生労働省及び関係機関等における情報セキュリティ対策推進費 32.2億円 90.4億円 19.5億円"
    )
    assert (
        lines[2]
        == "【経済産業省】産業サイバーセキュリティ対策の強化に向けた環境整備事業 54.1億円 ― 44.0億円"
    )
    assert lines[272] == "令和８年度当初予算 1,584百万円"

    folder = tmp_path / "corpus"
    result = invoke("add", fy2026_text, "--corpus", folder)
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert "  layout       nisc-budget-pdftext" in out
    assert "  fiscal year  2026" in out
    assert (
        "                 from the table header's first column and the title caption (lines 68, 33)"
        in out
    )
    assert "  phase        enacted" in out
    assert (
        "  columns      2026 initial enacted | 2025 supplementary enacted | 2025 initial enacted"
        in out
    )
    assert (
        "                 from the table header, lines 68-74: 令和7年度 補正予算 | 令和7年度 当初予算 | 令和8年度"
        in out
    )
    assert "  id           nisc-budget-fy2026" in out

    digest = hashlib.sha256(fy2026_text.read_bytes()).hexdigest()
    stored = folder / f"000_{digest[:16]}.txt"
    assert sorted(p.name for p in folder.iterdir()) == [stored.name, MANIFEST_FILE]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    assert (
        out[-1]
        == f"added nisc-budget-fy2026: wrote {stored} and appended its entry to {folder / MANIFEST_FILE}"
    )
    [doc] = load_manifest(folder / MANIFEST_FILE)
    assert (doc.id, doc.path, doc.sha256, doc.original_file) == (
        "nisc-budget-fy2026",
        stored,
        digest,
        fy2026_text.name,
    )
    assert (doc.fiscal_year, doc.layout, doc.phase, doc.strategy, doc.columns_line) == (
        2026,
        Layout.NISC_PDFTEXT,
        "enacted",
        "2021",
        68,
    )
    assert [str(c) for c in doc.columns] == [
        "2026 initial enacted",
        "2025 supplementary enacted",
        "2025 initial enacted",
    ]

    kg = tmp_path / "kg"
    result = invoke("build", "--corpus", folder, "--build-dir", kg)
    assert result.exit_code == 0, result.output
    assert (
        "documents: nisc-budget-fy2025, nisc-budget-fy2024, nisc-budget-fy2023, nisc-budget-fy2020, "
        "meti-icsws-wg3-10, nisc-budget-fy2026" in result.stdout.splitlines()
    )

    table = query(
        kg, "budget-lines", source="nisc-budget-fy2026", origin="summary-table"
    )
    # line 9: 32.2億円 90.4億円 19.5億円 under FY2026 initial, FY2025 supplementary, FY2025 initial
    assert figures(table, line=9) == [
        (2025, "initial", "enacted", 1_950_000_000, "19.5億円"),
        (2025, "supplementary", "enacted", 9_040_000_000, "90.4億円"),
        (2026, "initial", "enacted", 3_220_000_000, "32.2億円"),
    ]
    assert {r["measure"] for r in table if r["line"] == "9"} == {
        "厚生労働省及び関係機関等における情報セキュリティ対策推進費"
    }
    # line 3: 54.1億円 ― 44.0億円, the dash is no figure
    assert figures(table, line=3) == [
        (2025, "initial", "enacted", 4_400_000_000, "44.0億円"),
        (2026, "initial", "enacted", 5_410_000_000, "54.1億円"),
    ]
    pages = query(
        kg, "budget-lines", source="nisc-budget-fy2026", origin="measure-page"
    )
    assert figures(pages, line=273) == [
        (2026, "initial", "enacted", 1_584_000_000, "1,584百万円")
    ]
    overall = query(kg, "totals", source="nisc-budget-fy2026", scope_kind="overall")
    # line 31 「2，０５１．５億円」 under the caption of line 33; line 42 「（令和7年度当初予算額 ２,１２８．６億円）」
    assert figures(overall, line=31) == [
        (2026, "initial", "enacted", 205_150_000_000, "2，０５１．５億円")
    ]
    assert figures(overall, line=42) == [
        (2025, "initial", "enacted", 212_860_000_000, "２,１２８．６億円")
    ]
    # the bundled FY2025 document keeps its own figures of line 9, FY2025 initial 32.2億円 among them
    bundled = query(
        kg, "budget-lines", source="nisc-budget-fy2025", origin="summary-table"
    )
    assert (2025, "initial", "enacted", 3_220_000_000, "32.2億円") in figures(
        bundled, line=9
    )


# ------------------------------------------------------------------ the PDF round trip


def test_pdf_of_a_bundled_text_is_refused_as_a_duplicate(tmp_path: Path) -> None:
    """The text layer of a PDF printed from the FY2020 text is not byte-identical to it (no
    leading blank line; pdfminer reads 「－」 back as 「−」), so its checksum cannot tell: the
    same budget (the table's first column, FY2020 initial draft) does."""
    pdf = make_pdf(tmp_path / "budget-fy2020.pdf", FY2020.read_text(encoding="utf-8"))
    assert pdf_to_text(pdf.read_bytes(), str(pdf)) + "\n" != FY2020.read_text(
        encoding="utf-8"
    )
    folder = tmp_path / "corpus"
    result = invoke("add", pdf, "--corpus", folder)
    assert result.exit_code == 9
    assert result.stderr.splitlines() == [
        (
            f"error: {pdf}: nisc-budget-fy2020 ({FY2020}) is the budget summary of the same budget (2020 initial "
            "draft): most likely this document, its text extracted anew; nothing added (give --id if it is another "
            "document)"
        )
    ]
    assert not folder.exists()
    # a user who knows better names it
    result = invoke(
        "add",
        pdf,
        "--corpus",
        folder,
        "--id",
        "nisc-budget-fy2020-reprint",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "  id           nisc-budget-fy2020-reprint" in result.stdout.splitlines()
    assert not folder.exists()


def test_pdf_round_trip_gives_the_figures_of_the_text(tmp_path: Path) -> None:
    """The FY2020 text as a FY2021 edition, added once as .txt and once as a PDF (into two
    folders): the summary table yields the same figures, and each figure's line is a line of
    the text stored for it."""
    text = shift_years(FY2020.read_text(encoding="utf-8"))
    txt = tmp_path / "budget-fy2021.txt"
    txt.write_text(text, encoding="utf-8")
    pdf = make_pdf(tmp_path / "budget-fy2021.pdf", text)
    built = {}
    for path in (txt, pdf):
        folder = tmp_path / f"corpus-{path.suffix[1:]}"
        result = invoke("add", path, "--corpus", folder)
        assert result.exit_code == 0, result.output
        out = result.stdout.splitlines()
        assert "  fiscal year  2021" in out
        assert (
            "  columns      2021 initial draft | 2020 supplementary draft | 2020 initial enacted"
            in out
        )
        assert "  short rows   fill columns 0, 2" in out
        assert "  id           nisc-budget-fy2021" in out
        [doc] = load_manifest(folder / MANIFEST_FILE)
        kg = tmp_path / f"kg-{path.suffix[1:]}"
        assert invoke("build", "--corpus", folder, "--build-dir", kg).exit_code == 0
        built[path.suffix] = doc, document_figures(kg, "nisc-budget-fy2021")

    (txt_doc, txt_all), (pdf_doc, pdf_all) = built[".txt"], built[".pdf"]
    assert txt_doc.path.read_bytes() == txt.read_bytes()
    # the text layer, as `add` stores it
    pdf_text = pdf_to_text(pdf.read_bytes(), str(pdf)).rstrip("\n") + "\n"
    assert pdf_doc.path.read_text(encoding="utf-8") == pdf_text
    assert (pdf_doc.original_file, pdf_doc.original_sha256) == (
        pdf.name,
        hashlib.sha256(pdf.read_bytes()).hexdigest(),
    )

    from_txt, from_pdf = (
        [r for r in rows if r["origin"] == "summary-table"]
        for rows in (txt_all, pdf_all)
    )
    # 34 figures of 18 table rows (this edition's area headings print no totals)
    assert len(from_txt) == len(from_pdf) == 34
    assert sorted(map(figure_key, from_pdf)) == sorted(map(figure_key, from_txt))
    # the rest reads the same too: 26 measure-page (cut into pages where the text is), 10
    # area-chart and 5 headline figures
    assert len(txt_all) == len(pdf_all) == 75
    assert sorted(map(figure_key, pdf_all)) == sorted(map(figure_key, txt_all))
    # the PDF's text lacks the text's first, blank line: its figures sit one line up, on the same printed line
    txt_lines = txt_doc.path.read_text(encoding="utf-8").split("\n")
    pdf_lines = pdf_text.split("\n")
    by_key = {figure_key(r): int(r["line"]) for r in from_txt}
    for row in from_pdf:
        # a table row may wrap over lines (end_line), a total is on one line
        line, end_line = int(row["line"]), int(row.get("end_line") or row["line"])
        assert line == by_key[figure_key(row)] - 1
        assert pdf_lines[line - 1 : end_line] == txt_lines[line : end_line + 1]
        assert row["printed"] in " ".join(pdf_lines[line - 1 : end_line])
    # 003:12 「【内閣官房】 内閣サイバーセキュリティセンター予算 15.3億円 46.1億円 24.9億円」, line 11 of the PDF's text
    assert (
        pdf_lines[10]
        == "【内閣官房】 内閣サイバーセキュリティセンター予算 15.3億円 46.1億円 24.9億円"
    )
    assert figures(from_pdf, line=11) == [
        (2020, "initial", "enacted", 2_490_000_000, "24.9億円"),
        (2020, "supplementary", "draft", 4_610_000_000, "46.1億円"),
        (2021, "initial", "draft", 1_530_000_000, "15.3億円"),
    ]
    # 003:14 「【警察庁】 デジタルフォレンジック用資機材の増強等 10.0億円 4.5億円」: a short row, columns 0 and 2
    forensics = [
        r
        for r in from_pdf
        if r.get("measure") == "デジタルフォレンジック用資機材の増強等"
    ]
    assert {int(r["line"]) for r in forensics} == {13}
    assert (
        pdf_lines[12]
        == "【警察庁】 デジタルフォレンジック用資機材の増強等 10.0億円 4.5億円"
    )
    assert figures(forensics, line=13) == [
        (2020, "initial", "enacted", 450_000_000, "4.5億円"),
        (2021, "initial", "draft", 1_000_000_000, "10.0億円"),
    ]


def test_pdf_pages_are_cut_where_the_text_cuts_them(tmp_path: Path) -> None:
    """pdf_to_text puts three blank lines between two pages, as the bundled texts do (the
    measure-page loader starts a page there), one after each text box."""
    text = "政府のサイバーセキュリティに関する予算\n令和3年度予算政府案\n\n\n\n（１）第二頁\n本文"
    pdf = make_pdf(tmp_path / "two-pages.pdf", text)
    assert pdf_to_text(pdf.read_bytes(), "two-pages.pdf").split("\n") == [
        "政府のサイバーセキュリティに関する予算",
        "令和3年度予算政府案",
        "",
        "",
        "",
        "（１）第二頁",
        "本文",
        "",
    ]


# ------------------------------------------------------------------ refused input


def _text(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _fy2027(tmp_path: Path, *, line: int = 0, old: str = "", new: str = "") -> Path:
    """The FY2025 text two years on, with ``old`` replaced by ``new`` on ``line``."""
    lines = shift_years(shift_years(FY2025.read_text(encoding="utf-8"))).split("\n")
    if line:
        assert lines[line - 1] == old, lines[line - 1]
        lines[line - 1] = new
    return _text(tmp_path, "budget-fy2027.txt", "\n".join(lines))


def _scanned(tmp_path: Path) -> Path:
    pdf = canvas.Canvas(str(tmp_path / "scanned.pdf"))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.showPage()
    pdf.save()
    return tmp_path / "scanned.pdf"


def _protected(tmp_path: Path) -> Path:
    text = shift_years(FY2020.read_text(encoding="utf-8"))
    return make_pdf(
        tmp_path / "protected.pdf",
        text,
        encrypt=StandardEncryption("secret", ownerPassword="owner"),
    )


def _truncated(tmp_path: Path, *, eof: bool = False) -> Path:
    whole = make_pdf(
        tmp_path / "whole.pdf", shift_years(FY2020.read_text(encoding="utf-8"))
    ).read_bytes()
    path = tmp_path / ("damaged.pdf" if eof else "truncated.pdf")
    path.write_bytes(whole[: len(whole) // 2] + (b"\n%%EOF\n" if eof else b""))
    return path


#: (id, the file to add, extra arguments, exit code, what the one-line error says after the file name)
def _notice(tmp_path: Path) -> Path:
    return _text(
        tmp_path, "notice.txt", "町内会だより\n令和7年4月1日\n清掃活動のお知らせ\n"
    )


def _docx(tmp_path: Path) -> Path:
    return _text(tmp_path, "budget.docx", "政府のサイバーセキュリティに関する予算")


def _fy2026_again(tmp_path: Path) -> Path:
    return _text(tmp_path, "copy.txt", shift_years(FY2025.read_text(encoding="utf-8")))


def _phase_unreadable(tmp_path: Path) -> Path:
    """000:69 「補正予算」 under 「令和6年度」 (令和8年度 here): a phase no label has."""
    return _fy2027(tmp_path, line=69, old="補正予算", new="補正予備費")


def _year_unreadable(tmp_path: Path) -> Path:
    """000:68 「令和6年度」 garbled: what is left of the header (lines 71-74) has two
    columns, and no row fits them (line 3: 「… 54.1億円 ― 44.0億円」)."""
    return _fy2027(tmp_path, line=68, old="令和8年度", new="令和８年厦")


def _cell_unreadable(tmp_path: Path) -> Path:
    """002:69, the header line of the Markdown rendering (FY2024), with a cell no label."""
    text = FY2024.read_text(encoding="utf-8")
    damaged = text.replace("\t令和5年度 補正予算\t", "\t令和5年度 予備費\t", 1)
    assert damaged != text
    return _text(tmp_path, "budget-fy2024.md", damaged)


SHA_FY2025 = "944fea8818a40f69d3095cdeb49a641a13e36b3305e824d04ae040895e31e4c5"
HEADER_LABEL = (
    "table header label is not a fiscal-year label such as 令和6年度 当初予算"
)
#: The file to add, extra arguments, the exit code and the start of the one-line error
#: after the file's name.
REFUSED = [
    pytest.param(
        _scanned,
        [],
        3,
        ":0: PDF without a text layer (scanned pages?)",
        id="scanned-pdf",
    ),
    pytest.param(_protected, [], 3, ":0: password-protected PDF", id="password-pdf"),
    pytest.param(
        _truncated, [], 3, ":0: truncated PDF: no %%EOF marker", id="truncated-pdf"
    ),
    pytest.param(
        lambda p: _truncated(p, eof=True), [], 3, ":0: corrupt PDF", id="damaged-pdf"
    ),
    pytest.param(
        _notice, [], 3, ":1: not a document of a known series", id="other-series"
    ),
    pytest.param(
        lambda p: _text(p, "empty.txt", "\n\n"),
        [],
        3,
        ":1: empty file",
        id="empty-text",
    ),
    pytest.param(
        _docx, [], 3, ":0: not a .pdf, .txt, .md file: '.docx'", id="unsupported-suffix"
    ),
    pytest.param(
        lambda p: FY2025,
        [],
        9,
        f": already in the corpus as nisc-budget-fy2025 ({FY2025}): the same file (sha256 {SHA_FY2025})",
        id="same-file",
    ),
    pytest.param(
        lambda p: METI,
        [],
        9,
        ": already in the corpus as meti-icsws-wg3-10",
        id="same-meti-file",
    ),
    pytest.param(
        lambda p: _text(p, "meti-crlf.txt", METI.read_text(encoding="utf-8").replace("\n", "\r\n")),
        [],
        9,
        f": already in the corpus as meti-icsws-wg3-10 ({METI}): the same text, up to white space, line endings",
        id="same-meti-text-crlf",
    ),
    pytest.param(
        _fy2026_again,
        [],
        9,
        ": already in the corpus as nisc-budget-fy2026",
        id="same-text",
    ),
    pytest.param(
        _fy2027,
        ["--id", "nisc-budget-fy2025"],
        9,
        f": the id 'nisc-budget-fy2025' is already taken by {FY2025}; nothing added",
        id="taken-id",
    ),
    pytest.param(
        _fy2027, ["--id", "FY 2027"], 3, ": 'FY 2027' is not a document id", id="bad-id"
    ),
    pytest.param(
        _phase_unreadable,
        [],
        3,
        f":69: {HEADER_LABEL}: its budget phase cannot be read",
        id="header-phase",
    ),
    pytest.param(
        _year_unreadable,
        [],
        3,
        ":71: the table header names 2 column(s) but no table row fits them (line 3 prints 3 amounts)",
        id="header-year",
    ),
    pytest.param(
        _cell_unreadable,
        [],
        3,
        ":69: table header cell '令和5年度 予備費' is not a fiscal-year label",
        id="header-cell",
    ),
]


def test_refused_case_count() -> None:
    assert len(REFUSED) == len({case.id for case in REFUSED}) == 16


@pytest.mark.parametrize("make,args,exit_code,message", REFUSED)
def test_refused_input_changes_nothing(
    tmp_path: Path,
    user_corpus: Path,
    make,
    args: list[str],
    exit_code: int,
    message: str,
) -> None:
    """Into a user corpus folder (it holds the FY2026 text) and into a folder not made yet:
    a one-line error naming the file, the documented exit code, nothing written."""
    path = make(tmp_path)
    folder = shutil.copytree(user_corpus, tmp_path / "corpus")
    before = fingerprint(folder)
    # the FY2026 text is a duplicate of the user folder's document only
    fresh = [] if "nisc-budget-fy2026" in message else [tmp_path / "new"]
    for target in [folder, *fresh]:
        result = invoke("add", path, "--corpus", target, *args)
        assert result.exit_code == exit_code, result.output
        assert result.stdout == ""
        [error] = result.stderr.splitlines()
        assert error.startswith(f"error: {path}{message}"), error
    assert fingerprint(folder) == before
    assert not (tmp_path / "new").exists()


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("add", tmp_path / "nowhere.pdf", "--corpus", tmp_path / "corpus")
    assert result.exit_code == 2
    assert "'nowhere.pdf' does not exist" in result.stderr.replace(
        str(tmp_path) + "/", ""
    )
    assert not (tmp_path / "corpus").exists()


def test_dry_run_shows_the_entry_and_figures_and_writes_nothing(
    tmp_path: Path, user_corpus: Path
) -> None:
    path = _fy2027(tmp_path)
    folder = shutil.copytree(user_corpus, tmp_path / "corpus")
    before = fingerprint(folder)
    result = invoke("add", path, "--corpus", folder, "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = out[
        out.index("dry run: nothing written; the manifest entry would be:") + 2 :
    ]
    assert "[[document]]" in entry
    assert {
        'id = "nisc-budget-fy2027"',
        f'file = "001_{digest[:16]}.txt"',
        f'sha256 = "{digest}"',
        "fiscal_year = 2027",
        'layout = "nisc-budget-pdftext"',
        'phase = "enacted"',
        "columns_line = 68",
        '  { fiscal_year = 2027, budget = "initial", status = "enacted" },',
    } <= set(entry)
    # the summary table's figures, as the build would state them: 000:9 and the headline of 000:31
    assert (
        "  summary-table 厚生労働省 厚生労働省及び関係機関等における情報セキュリティ対策推進費 | 2026 "
        "supplementary enacted | 9,040,000,000 yen | 90.4億円 | line 9"
    ) in out
    assert (
        "  headline      (overall) | 2027 initial enacted | 205,150,000,000 yen | 2，０５１．５億円 | line 31"
        in out
    )
    assert (
        "figures by origin: area-chart 5, headline 7, measure-page 62, summary-table 74"
        in out
    )
    assert fingerprint(folder) == before
    assert invoke("add", path, "--corpus", tmp_path / "new", "--dry-run").exit_code == 0
    assert not (tmp_path / "new").exists()


def test_a_failed_manifest_write_takes_the_text_back(
    tmp_path: Path, user_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text is written first, then the manifest (checked before it is renamed into place):
    when that check fails, the text file goes again and no temporary file stays."""

    def refuse(path: Path):
        raise ManifestError(f"{path}: refused by the test")

    monkeypatch.setattr(ingest, "load_manifest", refuse)
    path = _fy2027(tmp_path)
    folder = shutil.copytree(user_corpus, tmp_path / "corpus")
    before = fingerprint(folder)
    for target in (folder, tmp_path / "new"):
        with pytest.raises(ManifestError, match="refused by the test"):
            ingest.add_document(path, corpus=target)
    assert fingerprint(folder) == before
    assert not (tmp_path / "new").exists()


def test_the_next_meti_paper_is_added(tmp_path: Path) -> None:
    """004:7 「WG3 第10回」 and 004:9 「令和8年3月12日」 made the 11th meeting of 2026-05-20."""
    lines = METI.read_text(encoding="utf-8").split("\n")
    assert (lines[6], lines[8]) == ("WG3 第10回", "令和8年3月12日")
    lines[6], lines[8] = "WG3 第11回", "令和8年5月20日"
    path = _text(tmp_path, "wg3-11.md", "\n".join(lines))
    folder = tmp_path / "corpus"
    result = invoke("add", path, "--corpus", folder)
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert "  layout       meti-wg-markdown" in out
    assert "  fiscal year  2026" in out  # May 2026 is in FY2026
    assert (
        "  issuer       経済産業省 商務情報政策局 サイバーセキュリティ課 (meti)" in out
    )
    [doc] = load_manifest(folder / MANIFEST_FILE)
    assert (doc.id, doc.fiscal_year, doc.layout, doc.columns) == (
        "meti-icsws-wg3-11",
        2026,
        Layout.METI_WG,
        (),
    )
    assert (
        doc.title
        == "事務局説明資料 産業サイバーセキュリティ研究会 WG3 第11回（令和8年5月20日）"
    )
