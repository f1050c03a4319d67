"""SHACL shapes as data (tests/shapes/*.ttl) and `policykg validate`.

Each case file is a small data graph, merged with tests/shapes/_context.ttl, whose
header names the expected result: ``# expect: conforms`` or one
``# expect: SEVERITY SHAPE PATH`` line per (severity, shape, path) that must be
reported — exactly those, nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from policykg.cli import main
from policykg.graph.store import GRAPH_FILE
from policykg.graph.validate import ReportFormat, format_report, shapes_graph, validate_graph
from policykg.namespace import ID, PK

CASES_DIR = Path(__file__).parent / "shapes"
CONTEXT = CASES_DIR / "_context.ttl"
CASES = sorted(p for p in CASES_DIR.glob("*.ttl"))


def expected(path: Path) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            words = line.split(":", 1)[1].split()
            if words != ["conforms"]:
                severity, shape, path_ = words[:3]  # anything after is a comment
                found.add((severity, shape, "" if path_ == "-" else path_))
    return found


def test_case_count() -> None:
    # Guard against a filter silently emptying the parametrised cases.
    assert len(CASES) == 69


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_shape_case(case: Path) -> None:
    g = Graph().parse(CONTEXT)
    g.parse(case)
    report = validate_graph(g)
    got = {(f.severity, f.shape, f.path) for f in report.findings}
    assert got == expected(case), "\n".join(str(f) for f in report.findings)
    assert report.conforms == (not any(s == "Violation" for s, _, _ in expected(case)))


def test_every_shape_has_a_good_and_a_bad_case() -> None:
    shapes = {f"pks:{str(s).rsplit('#', 1)[1]}" for s in shapes_graph().subjects(RDF.type, SH.NodeShape)
              if isinstance(s, URIRef)}
    bad = {shape for case in CASES for _, shape, _ in expected(case)}
    assert shapes - bad == set(), "shapes without a failing case"
    good_targets = set()
    for case in CASES:
        if not expected(case):
            g = Graph().parse(case)
            good_targets |= set(g.objects(None, RDF.type))
    sg = shapes_graph()
    for s in sg.subjects(RDF.type, SH.NodeShape):
        if isinstance(s, URIRef):
            targets = set(sg.objects(s, SH.targetClass))
            assert targets & good_targets, f"{s}: no conforming case has an instance of its target classes"


def test_every_ontology_class_is_targeted() -> None:
    from policykg.graph.build import ontology_graph
    from rdflib import OWL

    classes = set(ontology_graph().subjects(RDF.type, OWL.Class))
    targets = set(shapes_graph().objects(None, SH.targetClass))
    assert len(classes) == 18
    assert classes - targets == set()


@pytest.fixture(scope="module")
def built(bundled_build: Path) -> Path:
    return bundled_build


def test_cli_validate_conforms(built: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--build-dir", str(built)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("conforms: 0 violations")


def test_broken_graph_as_json_and_turtle() -> None:
    g = Graph().parse(CONTEXT)
    g.parse(CASES_DIR / "figure-no-status.ttl")
    report = validate_graph(g)
    data = json.loads(format_report(report, ReportFormat.JSON))
    assert data["conforms"] is False and data["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    [result] = data["results"]
    assert (result["shape"], result["path"], result["source"]) == ("pks:BudgetFigure", "pk:status", "d:79")
    results = Graph().parse(data=format_report(report, ReportFormat.TURTLE), format="turtle")
    assert (None, SH.resultPath, PK.status) in results


def test_cli_validate_broken_graph_exits_6_and_names_the_source(built: Path, tmp_path: Path) -> None:
    # nisc-budget-fy2024 line 79: 厚生労働省 FY2024 initial 30.4億円 — drop its status.
    figure = f"<{ID['figure/nisc-budget-fy2024/L79-1']}> <{PK.status}> "
    lines = (built / GRAPH_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(figure)]
    assert len(kept) == len(lines) - 1
    (tmp_path / GRAPH_FILE).write_text("".join(kept), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--build-dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 6
    data = json.loads(result.stdout)
    assert [(r["shape"], r["path"], r["source"]) for r in data["results"]] == [
        ("pks:BudgetFigure", "pk:status", "nisc-budget-fy2024:79")]
    assert "error: 1 violation(s) of the core SHACL shapes" in result.output


def test_cli_validate_without_graph_exits_5(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--build-dir", str(tmp_path / "none")])
    assert result.exit_code == 5 and "policykg build" in result.output


def test_build_refuses_a_graph_that_violates_a_core_shape(built: Path, tmp_path: Path, monkeypatch) -> None:
    """A builder bug that drops a status is caught before anything is replaced."""
    import shutil

    import policykg.graph.pipeline as pipeline

    out = tmp_path / "out"
    shutil.copytree(built, out)
    previous = (out / GRAPH_FILE).read_bytes()
    real = pipeline.build_dataset

    def broken(parsed, registry):
        ds, report = real(parsed, registry)
        ds.remove((ID["figure/nisc-budget-fy2024/L79-1"], PK.status, None, None))
        return ds, report

    monkeypatch.setattr(pipeline, "build_dataset", broken)
    result = CliRunner().invoke(main, ["build", "--build-dir", str(out)])
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert re.search(r"error: the new graph violates 1 core SHACL.*pk:status.*nisc-budget-fy2024:79", result.output)
    assert (out / GRAPH_FILE).read_bytes() == previous
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in built.iterdir())  # no temp file
