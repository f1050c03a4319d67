"""Hostile manifests through the real `policykg build`: each is refused with one clear line (exit 3),
no traceback, nothing of any file's contents printed, and the graph built before stays byte-identical.

The cases of issue 12 ("A manifest that corrupts the graph"): ids with a newline, a number, spaces,
HTML, quotes, upper case or trailing space; years given as a float or a boolean; short_row_columns
out of range or of the wrong type; a file outside the corpus folder (relative, absolute, through a
symlink; /etc/passwd is never read, and its first line never shows); a missing or wrong sha256; an
unknown field; a manifest that is not a list of documents.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.sources import corpus_dir

FY2020 = "003_ddf944621e8ed638.txt"  # nisc-budget-fy2020, the bundled text

GOOD = {
    "id": '"nisc-budget-fy2020"', "file": f'"{FY2020}"', "original_file": f'"{FY2020}"',
    "title": '"政府のサイバーセキュリティに関する予算（令和2年度）"', "issuer": '"内閣官房 内閣サイバーセキュリティセンター"',
    "issuer_key": '"nisc"', "fiscal_year": "2020", "layout": '"nisc-budget-pdftext"', "strategy": '"2018"',
}

# name → (fields changed, text the error must contain)
CASES = {
    "id-newline": ({"id": '"a\\nb"'}, "id: String should match pattern"),
    "id-number": ({"id": "42"}, "id: Input should be a valid string"),
    "id-space": ({"id": '"nisc budget"'}, "id: String should match pattern"),
    "id-html": ({"id": '"<b>x</b>"'}, "id: String should match pattern"),
    "id-quote": ({"id": "'a\"b'"}, "id: String should match pattern"),
    "id-trailing-space": ({"id": '"nisc-budget-fy2020 "'}, "id: String should match pattern"),
    "id-upper-case": ({"id": '"NISC-budget-fy2020"'}, "id: String should match pattern"),
    "id-full-width": ({"id": '"ｎｉｓｃ"'}, "id: String should match pattern"),
    "year-float": ({"fiscal_year": "2025.9"}, "fiscal_year: Input should be a valid integer"),
    "year-bool": ({"fiscal_year": "true"}, "fiscal_year: Input should be a valid integer"),
    "year-string": ({"fiscal_year": '"2025"'}, "fiscal_year: Input should be a valid integer"),
    "year-range": ({"fiscal_year": "1066"}, "fiscal_year: Input should be greater than or equal to 1989"),
    "short-rows-range": ({"columns": '[{ fiscal_year = 2020, budget = "initial", status = "draft" }]',
                          "columns_line": "10", "short_row_columns": "[0, 7]"}, "short_row_columns [0, 7]"),
    "short-rows-type": ({"columns": '[{ fiscal_year = 2020, budget = "initial", status = "draft" }]',
                         "columns_line": "10", "short_row_columns": '["a", "b"]'},
                        "short_row_columns.0: Input should be a valid integer"),
    "column-year-float": ({"columns": '[{ fiscal_year = 2020.5, budget = "initial", status = "draft" }]',
                           "columns_line": "10"}, "columns.0.fiscal_year: Input should be a valid integer"),
    "column-twice": ({"columns": '[{ fiscal_year = 2020, budget = "initial", status = "draft" }, '
                                 '{ fiscal_year = 2020, budget = "initial", status = "draft" }]'},
                     "manifest.toml:1: document #1: columns: Value error, column 2020 initial draft named twice"),
    "unknown-field": ({"colums": "[]"}, "colums: Extra inputs are not permitted"),
    "missing-sha256": ({"sha256": None}, "sha256: Field required"),
    "bad-sha256": ({"sha256": '"abc"'}, "sha256: String should match pattern"),
    "wrong-sha256": ({"sha256": '"' + "0" * 64 + '"'}, "checksum differs from the manifest"),
    "path-relative": ({"file": '"../outside.txt"'}, "is not inside the corpus folder"),
    "path-absolute": ({"file": '"/etc/passwd"'}, "is not inside the corpus folder"),
    "path-symlink": ({"file": '"link.txt"'}, "is not inside the corpus folder"),
    "title-control": ({"title": '"a\\u0007b"'}, "title: Value error, control characters"),
}


def _manifest(folder: Path, changes: dict[str, str | None]) -> Path:
    fields = dict(GOOD, sha256='"' + hashlib.sha256((folder / FY2020).read_bytes()).hexdigest() + '"')
    fields.update(changes)
    body = "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)
    path = folder / "manifest.toml"
    path.write_text("[[document]]\n" + body, encoding="utf-8")
    return path


def _build(manifest: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policykg.cli", "build", "--manifest", str(manifest),
                           "--build-dir", str(out)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    """A corpus folder with the FY2020 text, and a good build of it to protect."""
    root = tmp_path_factory.mktemp("manifests")
    folder = root / "corpus"
    folder.mkdir()
    (folder / FY2020).write_bytes((corpus_dir() / FY2020).read_bytes())
    (root / "outside.txt").write_bytes((corpus_dir() / FY2020).read_bytes())
    os.symlink(root / "outside.txt", folder / "link.txt")
    out = root / "kg"
    result = _build(_manifest(folder, {}), out)
    assert result.returncode == 0, result.stderr
    return folder, out, (out / "policykg.nq").read_bytes()


def test_the_good_manifest_builds(built) -> None:
    folder, out, graph = built
    assert b"<https://w3id.org/policykg/id/doc/nisc-budget-fy2020>" in graph


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_manifest_is_refused_and_the_graph_kept(built, name: str) -> None:
    folder, out, graph = built
    changes, message = CASES[name]
    result = _build(_manifest(folder, changes), out)
    assert result.returncode == 3, (result.returncode, result.stderr)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "root:" not in result.stderr  # /etc/passwd's first line, never read nor shown
    assert (out / "policykg.nq").read_bytes() == graph
    assert sorted(p.name for p in out.iterdir()) == [".gen-1", "build-report.json", "current", "oxigraph",
                                                     "policykg.nq"]  # oxigraph: the first build's query store


@pytest.mark.parametrize("text, message", [
    ("document = 42\n", "holds only [[document]] tables"),
    ("[[document]]\nid = \"x\"\n[other]\na = 1\n", "holds only [[document]] tables"),
    ("[[document]\n", "cannot read manifest"),
])
def test_malformed_manifest_file(built, text: str, message: str) -> None:
    folder, out, graph = built
    manifest = folder / "manifest.toml"
    manifest.write_text(text, encoding="utf-8")
    result = _build(manifest, out)
    assert result.returncode == 3 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (out / "policykg.nq").read_bytes() == graph
