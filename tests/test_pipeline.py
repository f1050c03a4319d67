"""The main job end to end: determinism, atomic output and bad input."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.errors import BuildError, LoaderError, ManifestError
from policykg.graph.build import build_dataset, doc_iri
from policykg.graph.store import GRAPH_FILE, REPORT_FILE, read_build_report
from policykg.records import BuildWarning
from policykg.graph.pipeline import build
from policykg.namespace import ID, PK
from policykg.records import FundingFlow, SourceSpan
from policykg.registry import Registry
from policykg.sources import corpus_dir, load_manifest


def test_same_corpus_gives_byte_identical_output(bundled_build: Path, tmp_path: Path) -> None:
    """Two builds of the bundled corpus: the session's shared one (built first, before any other
    test ran) and a fresh one here (after many tests ran in this process)."""
    first = (bundled_build / GRAPH_FILE).read_bytes()
    second = build(tmp_path / "b").graph_path.read_bytes()
    assert first == second
    assert (tmp_path / "b" / REPORT_FILE).read_bytes() == (bundled_build / REPORT_FILE).read_bytes()
    lines = first.decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert "_:" not in first.decode("utf-8")  # no blank nodes: IRIs are deterministic


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_output_does_not_depend_on_the_hash_seed(bundled_build: Path, tmp_path: Path, seed: str) -> None:
    """A build in a fresh interpreter with another PYTHONHASHSEED gives the same bytes: no set or
    dict order of strings decides a fact (page titles once did, through a set of a measure's names)."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-m", "policykg", "build", "--build-dir", str(tmp_path)], env=env,
                   check=True, capture_output=True)
    assert (tmp_path / GRAPH_FILE).read_bytes() == (bundled_build / GRAPH_FILE).read_bytes()


def test_cli_build_reports_counts_and_writes_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--build-dir", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "BudgetFigure" in result.output
    assert (tmp_path / GRAPH_FILE).is_file() and (tmp_path / REPORT_FILE).is_file()
    # readable by others like any output file, whatever the umask
    assert {(tmp_path / f).stat().st_mode & 0o777 for f in (GRAPH_FILE, REPORT_FILE)} == {0o644}


def _corpus_with(tmp_path: Path, name: str, content: bytes, layout: str = "nisc-budget-pdftext") -> Path:
    """A manifest naming one bundled document plus one hostile file."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(corpus_dir() / "003_ddf944621e8ed638.txt", folder)
    (folder / name).write_bytes(content)
    bundled = (corpus_dir() / "manifest.toml").read_text(encoding="utf-8")
    fy2020 = bundled[bundled.index('[[document]]\nid = "nisc-budget-fy2020"'):bundled.index('[[document]]\nid = "meti')]
    hostile = f'''
[[document]]
id = "hostile"
file = "{name}"
original_file = "{name}"
sha256 = "{hashlib.sha256(content).hexdigest()}"
title = "hostile"
issuer = "NISC"
issuer_key = "nisc"
fiscal_year = 2025
layout = "{layout}"
strategy = "2021"
columns = [{{ fiscal_year = 2025, budget = "initial", status = "enacted" }}]
'''
    (folder / "manifest.toml").write_text(fy2020 + hostile, encoding="utf-8")
    return folder / "manifest.toml"


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"", "empty file", 1),
        ("政府のサイバーセキュリティに関する予算\n【総務省】施策 1.0億円\n".encode("shift_jis"), "not UTF-8", 1),
        ("政府のサイバーセキュリティに関する予算\n".encode("utf-16"), "not UTF-8", 1),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8", 1),
        ("ok line\n政府の予算\x00\n".encode("utf-8"), "NUL byte", 2),
        ("これは予算の文書ではない。\n".encode("utf-8"), "does not look like layout", 1),
        ("政府のサイバーセキュリティに関する予算\n表はない\n".encode("utf-8"), "no summary-table rows", 1),
    ],
)
def test_bad_input_names_file_and_line_and_writes_nothing(tmp_path: Path, content: bytes, message: str, line: int) -> None:
    manifest = _corpus_with(tmp_path, "bad.txt", content)
    out = tmp_path / "out"
    with pytest.raises(LoaderError) as info:
        build(out, manifest=manifest)
    assert message in str(info.value)
    assert info.value.line == line
    assert "bad.txt" in info.value.source or info.value.source == "hostile"
    assert not (out / GRAPH_FILE).exists()


def test_failed_build_leaves_previous_graph_intact(bundled_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(bundled_build, out, symlinks=True)  # a good previous build
    good = (out / GRAPH_FILE).read_bytes()
    before = sorted(p.name for p in out.iterdir())
    manifest = _corpus_with(tmp_path, "bad.txt", b"\xff\xfe junk")
    result = CliRunner().invoke(main, ["build", "--build-dir", str(out), "--manifest", str(manifest)])
    assert result.exit_code == 3
    assert "bad.txt" in result.output and "not UTF-8" in result.output
    assert (out / GRAPH_FILE).read_bytes() == good
    assert sorted(p.name for p in out.iterdir()) == before  # no temp files left


def test_unknown_layout_is_a_manifest_error(tmp_path: Path) -> None:
    manifest = _corpus_with(tmp_path, "x.txt", "text\n".encode(), layout="pdf-scan")
    with pytest.raises(ManifestError, match="layout: Input should be 'nisc-budget-pdftext'"):
        build(tmp_path / "out", manifest=manifest)


def test_build_report_warnings_are_records_with_their_lines(bundled_build: Path) -> None:
    """build-report.json keeps each warning as a record; two checked by hand against the corpus:
    nisc-budget-fy2025 (corpus/000_b360cdfc8cdc379a.txt) line 994 is 「交付金」 under
    「（独）情報処理推進機構 民間事業者等国」 (a scheme box naming two possible recipients);
    nisc-budget-fy2024 (corpus/002_1a1f949df8b9b077.txt) line 417 a sub-item closing 「（委託）」
    that names no recipient."""
    report = read_build_report(bundled_build)
    assert len(report.warnings) == 74 and report.quads == 19384
    assert all(isinstance(w, BuildWarning) and w.document in report.documents for w in report.warnings)
    by_line = {(w.document, w.line): w for w in report.warnings}
    w = by_line[("nisc-budget-fy2025", 994)]
    assert (w.end_line, w.kind, w.message, w.text) == (
        994, "loader", "funding scheme: 交付金 with no unambiguous recipient", "交付金")
    w = by_line[("nisc-budget-fy2024", 417)]
    assert (w.end_line, w.lines, w.message) == (417, "417", "funding scheme: sub-item (委託) names no recipient")
    assert w.text.startswith("(1) 日々高度化が進み")
    assert str(w).startswith("nisc-budget-fy2024:417: funding scheme: sub-item (委託) names no recipient: '(1)")
    root = Path(__file__).resolve().parents[1] / "corpus"
    fy2025 = (root / "000_b360cdfc8cdc379a.txt").read_text(encoding="utf-8").split("\n")
    fy2024 = (root / "002_1a1f949df8b9b077.txt").read_text(encoding="utf-8").split("\n")
    assert fy2025[994 - 1] == "交付金" and fy2025[993 - 1] == "（独）情報処理推進機構 民間事業者等国"
    assert fy2024[417 - 1].startswith("(1) ") and fy2024[417 - 1].endswith("（委託）")


def test_funder_kuni_is_the_registered_measures_agency() -> None:
    # nisc-budget-fy2025:221 「国 補助 独立行政法人情報処理推進機構(IPA)」 under
    # 産業サイバーセキュリティ対策の強化に向けた環境整備事業, whose registry parent is meti.
    [doc] = [d for d in load_manifest() if d.id == "nisc-budget-fy2025"]
    flow = FundingFlow("産業サイバーセキュリティ対策の強化に向けた環境整備事業", "国", "IPA", "補助", None,
                       "国 補助 独立行政法人情報処理推進機構(IPA)", SourceSpan(doc.id, 221, 221))
    ds, _ = build_dataset([(doc, [flow])], Registry.load())
    g = ds.graph(doc_iri(doc.id))
    node = ID["flow/nisc-budget-fy2025/L221-1"]
    assert g.value(node, PK.funder) == ID["agency/meti"]
    assert g.value(node, PK.measure) == ID["measure/meti-industrial-cybersecurity-environment"]
    unregistered = FundingFlow("どこにもない事業", "国", "IPA", "補助", None, "国 補助 IPA", SourceSpan(doc.id, 9, 9))
    with pytest.raises(BuildError, match=r"nisc-budget-fy2025:9 \(000_b360cdfc8cdc379a.txt\): funder 国 but the measure has no agency"):
        build_dataset([(doc, [unregistered])], Registry.load())
