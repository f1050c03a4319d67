"""``policykg chart`` and :mod:`policykg.viz.chart` on the bundled build.

The preferred figures of ナショナルサイバートレーニングセンターの強化 (id:measure/mic-national-cyber-training-center),
checked by hand against the corpus:
* FY2023 initial draft 12.7億円: corpus/001_feb53fcdf8afa2d7.txt:51 (nisc-budget-fy2023)
  「【総務省】ナショナルサイバートレーニングセンターの強化 12.7 億円」;
* FY2023 initial enacted 12.7億円 and FY2024 initial 17.4億円: corpus/002_1a1f949df8b9b077.txt:81
  (nisc-budget-fy2024) 「…の強化	17.4億円	—	12.7億円」;
* FY2025 initial enacted 12.0億円: corpus/000_b360cdfc8cdc379a.txt:12 (nisc-budget-fy2025)
  「…の強化 12.0億円 ― 17.4億円」.
No supplementary figure is printed for it (the ― columns).
総務省 in the FY2025 summary table (corpus/000_b360cdfc8cdc379a.txt lines 4, 5, 6, 12, 26): FY2025 initial
15.8 + 13.0 + 9.0 + 12.0 + 0.7 = 50.5億円.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.graph.backends import open_store
from policykg.viz.chart import drawn_bars, measure_series

MEASURE = "ナショナルサイバートレーニングセンターの強化"
EXPECTED = [
    (2023, "initial", 0, "draft", 1_270_000_000),
    (2023, "initial", 0, "enacted", 1_270_000_000),
    (2024, "initial", 0, "enacted", 1_740_000_000),
    (2025, "initial", 0, "enacted", 1_200_000_000),
]


def _chart(build: Path, out: Path, *args: str):
    return CliRunner().invoke(main, ["chart", *args, "--out", str(out), "--build-dir", str(build)],
                              catch_exceptions=False)


def test_measure_series_is_its_preferred_figures(bundled_build: Path) -> None:
    series = measure_series(open_store(bundled_build, "oxigraph"), MEASURE)
    assert series.iri == "https://w3id.org/policykg/id/measure/mic-national-cyber-training-center"
    assert [(b.fiscal_year, b.budget, b.supplement, b.status, b.amount_jpy) for b in series.bars] == EXPECTED
    fy2025 = series.bars[-1]
    assert (fy2025.source, fy2025.line) == ("nisc-budget-fy2025", 12)


def test_chart_svg_is_deterministic_and_draws_the_figures(bundled_build: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (first, second):
        result = _chart(bundled_build, out, "measure-history", "--param", f"measure={MEASURE}")
        assert result.exit_code == 0, result.output
    assert f"wrote {first} (svg: {MEASURE}, 4 bars, 3 fiscal years)" in result.output.replace(str(second), str(first))
    assert first.read_bytes() == second.read_bytes()
    svg = first.read_text(encoding="utf-8")
    assert drawn_bars(svg) == EXPECTED
    assert "<dc:date>" not in svg and "<svg" in svg


def test_chart_png_and_english(bundled_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "mic.png"
    result = _chart(bundled_build, out, "agency-history", "-p", "agency=総務省", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "mic.svg"
    assert _chart(bundled_build, svg, "agency-history", "-p", "agency=総務省", "--lang", "en").exit_code == 0
    # FY2025 initial: the FY2025 summary table's 総務省 rows add up to 50.5億円 (budget-by-agency)
    assert (2025, "initial", 0, "enacted", 5_050_000_000) in drawn_bars(svg.read_text(encoding="utf-8"))


@pytest.mark.parametrize("args, code, message", [
    (("measure-history", "-p", "measure=no-such-measure"), 2, "no measure named 'no-such-measure'"),
    (("measure-history", "-p", "agency=総務省"), 2, "takes exactly one parameter, measure"),
    (("agency-history", "-p", "agency=総務省"), 2, "a chart is written as .svg or .png"),
])
def test_chart_errors(bundled_build: Path, tmp_path: Path, args: tuple, code: int, message: str) -> None:
    out = tmp_path / ("x.gif" if "agency-history" in args else "x.svg")
    result = CliRunner().invoke(main, ["chart", *args, "--out", str(out), "--build-dir", str(bundled_build)])
    assert result.exit_code == code and message in result.output, result.output
    assert not out.exists()


def test_no_graph_is_exit_5(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["chart", "measure-history", "-p", f"measure={MEASURE}", "--out",
                                       str(tmp_path / "x.svg"), "--build-dir", str(tmp_path / "none")])
    assert result.exit_code == 5
