"""SHACL shapes of the core classes: the built graph conforms, and broken facts do not."""

from __future__ import annotations

from importlib import resources

import pytest
from pyshacl import validate
from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef

from policykg.namespace import ID, PK

SHAPES = Graph().parse(str(resources.files("policykg.ontology") / "shapes.ttl"))


@pytest.fixture(scope="module")
def union(bundled_dataset: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in bundled_dataset.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def conforms(g: Graph, focus: URIRef | None = None) -> tuple[bool, str]:
    """pySHACL on the graph, or only on the shapes' targets among ``focus`` when given."""
    ok, _, text = validate(g, shacl_graph=SHAPES, advanced=True, focus_nodes=None if focus is None else [focus])
    return ok, text


def test_built_graph_conforms(union: Graph) -> None:
    ok, text = conforms(union)
    assert ok, text


# A real figure: nisc-budget-fy2024 line 79, 厚生労働省 FY2024 initial 30.4億円.
FIGURE = ID["figure/nisc-budget-fy2024/L79-1"]


def broken(union: Graph, remove: tuple, add: tuple | None = None) -> Graph:
    g = Graph()
    g += union
    g.remove(remove)
    if add:
        g.add(add)
    return g


@pytest.mark.parametrize(
    ("remove", "add", "path"),
    [
        ((FIGURE, PK.line, None), None, "line"),
        ((FIGURE, PK.amountJPY, None), (FIGURE, PK.amountJPY, Literal("30.4")), "amountJPY"),
        ((FIGURE, PK.status, None), None, "status"),
        ((FIGURE, PK.unit, None), (FIGURE, PK.unit, Literal("ドル")), "unit"),
        ((ID["measure/mhlw-information-security-promotion"], PK.agency, None), None, "agency"),
    ],
)
def test_broken_fact_is_reported(union: Graph, remove: tuple, add: tuple | None, path: str) -> None:
    assert (FIGURE, RDF.type, PK.BudgetFigure) in union
    # Validating only the broken node is at least as strict as validating the whole graph (the
    # same result on that node; the rest is checked by test_built_graph_conforms), and 5x faster.
    ok, text = conforms(broken(union, remove, add), focus=remove[0])
    assert not ok
    assert f"Result Path: pk:{path}" in text


def test_shapes_cover_every_core_class() -> None:
    targets = {o for o in SHAPES.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass"))}
    for cls in (PK.BudgetFigure, PK.Measure, PK.FundingFlow, PK.LegalBasis, PK.Agency, PK.ImplementingBody,
                PK.Program, PK.Law, PK.StrategyArea, PK.AgencyShare, PK.AreaShare, PK.SourceDocument):
        assert cls in targets, cls
    assert XSD.integer  # the shapes use typed literals
