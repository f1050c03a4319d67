"""The README's "Python (notebook)" section, run as a notebook: its ```python cells in order, in one
namespace, against the bundled build; each cell's printed output must equal the ```text block after
it, so the README cannot drift. ``python tests/test_notebook.py`` rewrites those blocks (against
./build, or $POLICYKG_HOME).

Facts checked by hand against the corpus:
* corpus/000_b360cdfc8cdc379a.txt:12 (nisc-budget-fy2025) prints
  「【総務省】ナショナルサイバートレーニングセンターの強化 12.0億円 ― 17.4億円」: FY2025 initial
  12.0億円 = 1,200,000,000 yen (17.4億円 is the FY2024 initial column);
* the same table's 総務省 rows with an FY2025 initial figure are lines 4 (15.8億円), 5 (13.0億円),
  6 (9.0億円), 12 (12.0億円) and 26 (0.7億円); lines 24 and 25 print 「―」 in that column:
  50.5億円 = 5,050,000,000 yen;
* line 31 prints the FY2025 total 「2，０５１．５億円」 = 205,150,000,000 yen.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Python (notebook)"
CELL = re.compile(r"```python\n(.*?)```\n\n(?:[^`]*?\n\n)?```text\n(.*?)```", re.S)
_PAIR = re.compile(r"(```python\n)(.*?)(```\n\n(?:[^`]*?\n\n)?```text\n)(.*?)(```)", re.S)


def section(text: str) -> tuple[int, int]:
    """Where the section starts and ends in the README text (the next ``## `` heading)."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return start, (end if end >= 0 else len(text))


def cells(text: str) -> list[tuple[str, str]]:
    start, end = section(text)
    return CELL.findall(text[start:end])


def run_cells(code: list[str]) -> tuple[list[str], dict]:
    """Each cell's printed output, and the namespace after the last."""
    namespace: dict = {"__name__": "__notebook__"}
    outputs = []
    for i, source in enumerate(code):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(source, f"<README cell {i + 1}>", "exec"), namespace)  # noqa: S102 - the README's own code
        outputs.append(out.getvalue())
    return outputs, namespace


def test_the_section_has_the_cells_it_documents() -> None:
    found = cells(README.read_text(encoding="utf-8"))
    assert len(found) == 6, [c[:40] for c, _ in found]
    joined = "\n".join(c for c, _ in found)
    for call in ("policykg.open(", "kg.query(", ".amount_jpy.sum()", "kg.sparql(", "kg.network(", "kg.entity(",
                 "kg.search("):
        assert call in joined, call


@pytest.fixture(scope="module")
def notebook(bundled_build: Path) -> tuple[list[tuple[str, str]], list[str], dict]:
    found = cells(README.read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICYKG_HOME", str(bundled_build))
        outputs, namespace = run_cells([code for code, _ in found])
    return found, outputs, namespace


@pytest.mark.parametrize("i", range(6))
def test_each_cell_prints_its_readme_output(notebook, i: int) -> None:
    found, outputs, _ = notebook
    assert outputs[i] == found[i][1], f"README cell {i + 1} prints:\n{outputs[i]}\nrun: python tests/test_notebook.py"


def test_the_notebook_states_the_hand_checked_figures(notebook) -> None:
    _, _, ns = notebook
    assert int(ns["total"].amount_jpy.iloc[0]) == 205_150_000_000 and int(ns["total"].line.iloc[0]) == 31
    mic = ns["mic"]
    row = mic[mic.measure == "ナショナルサイバートレーニングセンターの強化"].iloc[0]
    assert (int(row.amount_jpy), row.printed, row.source, int(row.line)) == (
        1_200_000_000, "12.0億円", "nisc-budget-fy2025", 12)
    assert sorted(int(x) for x in mic.line) == [4, 5, 6, 12, 26]
    assert mic.amount_jpy.sum() == 5_050_000_000 and str(mic.amount_jpy.dtype) == "Int64"
    fy2025 = ns["fy2025"]
    preferred = fy2025[fy2025["rank"] == "preferred"]
    assert [(int(r.amount_jpy), r.source, int(r.line)) for r in preferred.itertuples()] == [
        (1_200_000_000, "nisc-budget-fy2025", 12)]
    figures = ns["figures"]
    at12 = figures[figures.line == 12]
    assert sorted(zip(at12.fiscal_year.astype(int), at12.amount_jpy.astype(int))) == [
        (2024, 1_740_000_000), (2025, 1_200_000_000)]
    hits = ns["kg"].search("トレーニング")
    assert "/id/measure/mic-national-cyber-training-center" in set(hits.path)


def update_readme(readme: Path = README) -> int:
    """Rewrite the output block of every cell with what it prints now; returns the cells run."""
    text = readme.read_text(encoding="utf-8")
    start, end = section(text)
    body = text[start:end]
    pairs = list(_PAIR.finditer(body))
    outputs, _ = run_cells([m[2] for m in pairs])
    it = iter(outputs)
    body = _PAIR.sub(lambda m: m[1] + m[2] + m[3] + next(it) + m[5], body)
    readme.write_text(text[:start] + body + text[end:], encoding="utf-8")
    return len(pairs)


if __name__ == "__main__":
    sys.stdout.write(f"rewrote {update_readme()} output blocks of {README} "
                     f"(build: {os.environ.get('POLICYKG_HOME', 'default')})\n")
