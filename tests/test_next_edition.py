"""A next edition differs from the bundled ones the way real editions do, and loads.

Each test builds the bundled FY2025 summary (corpus/000_b360cdfc8cdc379a.txt) beside a
variant of it made here: a moved plan end year, a row under an agency the registry
does not know, a reworded area heading. The expected facts are the edits themselves,
with the lines they were made on (checked by hand in the bundled text first).
"""

from __future__ import annotations

import hashlib

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from policykg.cli import main
from policykg.errors import BuildError
from policykg.graph.build import BuildReport, add_document, doc_iri
from policykg.graph.pipeline import build
from policykg.graph.store import load_dataset, read_build_report
from policykg.namespace import ID, PK
from policykg.queries.run import run_query
from policykg.records import FundingFlow, SourceSpan
from policykg.registry import Registry
from policykg.sources import corpus_dir, load_manifest
from rdflib import Graph, URIRef

FY2025_FILE = "000_b360cdfc8cdc379a.txt"
VARIANT = "nisc-budget-fy2025-variant"


def _bundled_lines() -> list[str]:
    return (corpus_dir() / FY2025_FILE).read_text(encoding="utf-8").split("\n")


def _entry(doc_id: str, file: str, *, strategy: str = "2021", sha256: str) -> str:
    return f'''
[[document]]
id = "{doc_id}"
file = "{file}"
original_file = "{file}"
sha256 = "{sha256}"
title = "政府のサイバーセキュリティに関する予算（令和7年度当初予算額）"
issuer = "内閣官房 内閣サイバーセキュリティセンター"
issuer_key = "nisc"
fiscal_year = 2025
layout = "nisc-budget-pdftext"
strategy = "{strategy}"
columns = [
  {{ fiscal_year = 2025, budget = "initial", status = "enacted" }},
  {{ fiscal_year = 2024, budget = "supplementary", status = "enacted" }},
  {{ fiscal_year = 2024, budget = "initial", status = "enacted" }},
]
'''


def _corpus(tmp_path: Path, lines: list[str], *, strategy: str = "2021", with_bundled: bool = True) -> Path:
    """A manifest of the bundled FY2025 text (unless not wanted) and the variant."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / FY2025_FILE).write_bytes((corpus_dir() / FY2025_FILE).read_bytes())
    (folder / "variant.txt").write_text("\n".join(lines), encoding="utf-8")
    digest = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in (FY2025_FILE, "variant.txt")}
    manifest = (_entry("nisc-budget-fy2025", FY2025_FILE, sha256=digest[FY2025_FILE]) if with_bundled else "") + _entry(
        VARIANT, "variant.txt", strategy=strategy, sha256=digest["variant.txt"])
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    return folder / "manifest.toml"


def _edit(lines: list[str], number: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` on 1-based line ``number`` (which must hold ``old``)."""
    assert old in lines[number - 1], (number, lines[number - 1])
    lines[number - 1] = lines[number - 1].replace(old, new)


def _rows(build_dir: Path, name: str, **params: str) -> list[dict]:
    result = run_query(load_dataset(build_dir), name, params)
    names = [str(v) for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


def test_a_moved_plan_end_year_is_each_documents_statement(tmp_path: Path) -> None:
    """fy2025:404 prints CYNEX's 計画年度 「令和３年度～令和７年度」; the variant prints 令和８年度."""
    lines = _bundled_lines()
    _edit(lines, 404, "令和３年度～令和７年度", "令和３年度～令和８年度")
    result = build(tmp_path / "kg", manifest=_corpus(tmp_path, lines))
    periods = _rows(result.graph_path.parent, "measure-facts", measure="mic-cynex", fact="plan-period")
    assert [(r["source"], r["plan_start"], r["plan_end"], r["line"]) for r in periods] == [
        ("nisc-budget-fy2025", 2021, 2025, 404),
        (VARIANT, 2021, 2026, 404),
    ]
    ds = load_dataset(result.graph_path.parent)
    assert not list(ds.quads((ID["measure/mic-cynex"], PK.planEndYear, None, None)))


def test_a_row_under_an_agency_the_registry_does_not_know_keeps_its_figures(tmp_path: Path) -> None:
    """A 【内閣府】 row after fy2025:4 (【総務省】IoT… 15.8億円 ― 15.8億円), inside area (1)."""
    lines = _bundled_lines()
    assert lines[3].startswith("【総務省】IoTの安心・安全かつ適正な利用環境の構築")
    lines.insert(4, "【内閣府】地方創生テレワークのセキュリティ確保 1.2億円 ― 0.8億円")
    result = build(tmp_path / "kg", manifest=_corpus(tmp_path, lines, with_bundled=False))
    figures = [r for r in _rows(result.graph_path.parent, "budget-lines", source=VARIANT)
               if r["measure_as_stated"] == "地方創生テレワークのセキュリティ確保"]
    assert sorted((r["fiscal_year"], r["budget"], r["amount_jpy"], r["line"], r["agency"]) for r in figures) == [
        (2024, "initial", 80_000_000, 5, "内閣府"),
        (2025, "initial", 120_000_000, 5, "内閣府"),
    ]
    warnings = {(w.kind, w.line, w.text) for w in read_build_report(result.graph_path.parent).warnings}
    assert ("unknown-agency", 5, "内閣府") in warnings
    assert ("unknown-measure", 5, "地方創生テレワークのセキュリティ確保") in warnings


def test_a_reworded_area_heading_is_matched_by_its_number(tmp_path: Path) -> None:
    """fy2025:2 is 「（１）経済社会の活力の向上及び持続的発展 (97.3億円) (27.7億円) (63.2億円)」."""
    lines = _bundled_lines()
    _edit(lines, 2, "持続的発展 ", "持続的発展への貢献 ")
    result = build(tmp_path / "kg", manifest=_corpus(tmp_path, lines, with_bundled=False))
    totals = [r for r in _rows(result.graph_path.parent, "totals", source=VARIANT) if r["line"] == 2]
    assert sorted((r["fiscal_year"], r["budget"], r["amount_jpy"]) for r in totals) == [
        (2024, "initial", 6_320_000_000), (2024, "supplementary", 2_770_000_000), (2025, "initial", 9_730_000_000)]
    assert {r["scope"] for r in totals} == {"経済社会の活力の向上及び持続的発展"}  # the registry's area (1)
    [warning] = [w for w in read_build_report(result.graph_path.parent).warnings if w.kind == "area-label"]
    assert (warning.line, warning.text) == (2, "経済社会の活力の向上及び持続的発展への貢献")


def test_a_record_that_fails_leaves_nothing_behind() -> None:
    """A flow of an unregistered measure with funder 国 cannot name its funder: the minted
    measure it would have made (and its warning) go too, and the error names the line."""
    [doc] = [d for d in load_manifest() if d.id == "nisc-budget-fy2025"]
    g, report = Graph(), BuildReport()
    flow = FundingFlow("どこにもない事業", "国", "IPA", "補助", None, "国 補助 IPA", SourceSpan(doc.id, 9, 9))
    with pytest.raises(BuildError, match=r"^nisc-budget-fy2025:9 \(000_b360cdfc8cdc379a.txt\): funder 国"):
        add_document(g, doc, [flow], Registry.load(), report)
    assert not list(g.triples((None, PK.minted, None)))
    assert set(g.subjects()) == {doc_iri(doc.id)}  # the document's description only
    assert report.warnings == []


def test_a_refused_build_names_the_document_and_line_in_one_line(tmp_path: Path) -> None:
    """The variant names no strategy edition, so the area total at line 2 has no area to
    belong to: the one-line error names that document and line, and nothing is written."""
    manifest = _corpus(tmp_path, _bundled_lines(), strategy="", with_bundled=False)
    out = tmp_path / "kg"
    result = CliRunner().invoke(main, ["build", "--manifest", str(manifest), "--build-dir", str(out)])
    assert result.exit_code != 0
    [error] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert f"{VARIANT}:2 (variant.txt)" in error and "strategy" in error
    assert not out.exists() or not any(out.iterdir())


def test_the_registry_graph_is_untouched_by_minted_names(tmp_path: Path) -> None:
    lines = _bundled_lines()
    lines.insert(4, "【内閣府】地方創生テレワークのセキュリティ確保 1.2億円 ― 0.8億円")
    result = build(tmp_path / "kg", manifest=_corpus(tmp_path, lines, with_bundled=False))
    ds = load_dataset(result.graph_path.parent)
    minted = {s for s, _, _, _ in ds.quads((None, PK.minted, None, None))}
    graphs = {str(c) for s in minted for _, _, _, c in ds.quads((s, PK.minted, None, None))}
    assert graphs == {str(doc_iri(VARIANT))}
    assert len(minted) == 2 and all(str(s).rsplit("/", 1)[-1].startswith("unregistered-") for s in minted)
    report = json.loads((result.graph_path.parent / "build-report.json").read_text(encoding="utf-8"))
    assert {w["kind"] for w in report["warnings"]} >= {"unknown-agency", "unknown-measure"}
    assert isinstance(next(iter(minted)), URIRef)


# ------------------------------------------------ the bundled corpus, document by document

def test_new_marks_are_each_pages_statement(bundled_build: Path) -> None:
    """（新規） at fy2025:1614 (生成AI… 令和６年度補正予算額 21.5億円（新規）) and fy2024:270, 340; 【新】 on the
    FY2020 NISC page (003_…txt:90, 102 …); fy2020:371 marks a line outside any titled measure:
    a warning, not a guess."""
    marks = {(r["source"], r["line"]): r["measure"]
             for r in _rows(bundled_build, "measure-facts", fact="new")}
    assert marks[("nisc-budget-fy2025", 1614)] == "生成AI等を活用したサイバーセキュリティ対策強化"
    assert marks[("nisc-budget-fy2024", 270)] == "サプライチェーン・中小企業サイバーセキュリティ対策促進事業"
    assert marks[("nisc-budget-fy2024", 340)] == "独法等の監視に係る次期システム構築事業"
    assert sum(1 for source, _ in marks if source == "nisc-budget-fy2020") == 8
    assert len(marks) == 11
    warned = {(w.document, w.line) for w in read_build_report(bundled_build).warnings if "新規" in w.message}
    assert warned == {("nisc-budget-fy2020", 371)}


def test_page_titles_show_each_editions_wording(bundled_build: Path) -> None:
    """The same measure, titled three ways: fy2023:698, fy2024:565 （セキュリティ班）, fy2025:1152
    （セキュリティ・危機管理担当）."""
    titles = [(r["source"], r["line"], r["value"])
              for r in _rows(bundled_build, "measure-facts", measure="サイバーセキュリティ確保環境整備費",
                             fact="page-title")]
    assert titles == [
        ("nisc-budget-fy2023", 698, "サイバーセキュリティ確保環境整備費"),
        ("nisc-budget-fy2024", 565, "サイバーセキュリティ確保環境整備費（セキュリティ班）"),
        ("nisc-budget-fy2025", 1152, "サイバーセキュリティ確保環境整備費（セキュリティ・危機管理担当）"),
    ]


def test_one_new_name_under_two_agencies_is_two_measures(tmp_path: Path) -> None:
    """Two editions print a measure the registry does not know under 内閣府 and under 消費者庁: two
    minted measures with one agency each (the build does not refuse, and nothing is merged)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    manifest = ""
    for n, agency in enumerate(("内閣府", "消費者庁")):
        lines = _bundled_lines()
        lines.insert(4, f"【{agency}】消費者向けセキュリティ啓発 1.2億円 ― 0.8億円")
        (folder / f"v{n}.txt").write_text("\n".join(lines), encoding="utf-8")
        manifest += _entry(f"variant-{n}", f"v{n}.txt",
                           sha256=hashlib.sha256((folder / f"v{n}.txt").read_bytes()).hexdigest())
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    result = build(tmp_path / "kg", manifest=folder / "manifest.toml")
    rows = [r for r in _rows(result.graph_path.parent, "budget-lines", fiscal_year="2025")
            if r["measure_as_stated"] == "消費者向けセキュリティ啓発"]
    assert sorted((r["source"], r["agency"], r["amount_jpy"]) for r in rows) == [
        ("variant-0", "内閣府", 120_000_000), ("variant-1", "消費者庁", 120_000_000)]
    assert len({r["measure_iri"] for r in rows}) == 2
