"""The synthetic graph: reproducible, valid under the SHACL shapes, and sensible to the named queries."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyshacl import validate
from rdflib import Dataset, Graph

from policykg.cli import main
from policykg.graph.backends import Backend, open_store
from policykg.synth import write_synth
from policykg.queries.run import list_queries, run_query


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    assert write_synth(a, triples=5000, seed=4) == write_synth(b, triples=5000, seed=4)
    write_synth(c, triples=5000, seed=5)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_size_is_about_what_was_asked(tmp_path: Path) -> None:
    # whole documents at a time: at 5,000 quads one document with its figures' ranks is ~800 quads
    for n, slack in ((5_000, 1.2), (50_000, 1.1)):
        written = write_synth(tmp_path / f"{n}.nq", triples=n, seed=0)
        assert n <= written <= slack * n
        assert sum(1 for _ in open(tmp_path / f"{n}.nq", encoding="utf-8")) == written


def test_conforms_to_the_shapes(tmp_path: Path) -> None:
    path = tmp_path / "s.nq"
    write_synth(path, triples=4000, seed=2)
    ds = Dataset(default_union=True)
    ds.parse(str(path), format="nquads")
    union = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    shapes = Graph().parse(str(resources.files("policykg.ontology") / "shapes.ttl"))
    ok, _, text = validate(union, shacl_graph=shapes, advanced=True)
    assert ok, text


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("synth")
    result = CliRunner().invoke(main, ["synth", "--triples", "30000", "--seed", "7", "--out",
                                       str(out / "policykg.nq")], catch_exceptions=False)
    assert result.output.startswith(f"wrote {out / 'policykg.nq'} (")
    return open_store(out, Backend.OXIGRAPH)


def _rows(store, name: str, params: dict[str, str]) -> list[dict]:
    result = run_query(store, name, params)
    return [{str(k): v for k, v in zip(result.vars, row)} for row in result]


def test_every_named_query_has_rows_with_its_example(store) -> None:
    import shlex

    checked = 0
    for nq in list_queries():
        words = shlex.split(nq.example)
        params = dict(words[i + 1].partition("=")[::2] for i, w in enumerate(words) if w == "--param")
        assert _rows(store, nq.name, params), nq.name
        checked += 1
    assert checked == 18


def test_agency_totals_are_the_sum_of_the_listed_measures(store) -> None:
    # by construction: each document's agency total is the sum of the agency's non-「内数」 measure figures
    sums = {(str(r["agency_iri"]), r["source"].value, r["fiscal_year"].toPython()): r["listed_sum_jpy"].toPython()
            for r in _rows(store, "budget-by-agency", {"budget": "initial"}) if r["status"].value == "draft"}
    totals = {(str(r["scope_iri"]), r["source"].value, r["fiscal_year"].toPython()): r["amount_jpy"].toPython()
              for r in _rows(store, "totals", {"scope_kind": "agency"})}
    assert len(totals) > 50
    assert {k: sums.get(k) for k in totals} == totals


def test_yoy_change_is_amount_minus_previous(store) -> None:
    found = _rows(store, "yoy-change", {})
    assert len(found) > 50
    for r in found:
        assert r["comparison"].value == "same-document"
        assert r["change_jpy"].toPython() == r["amount_jpy"].toPython() - r["previous_amount_jpy"].toPython()
        expected = round(Decimal(1000) * r["change_jpy"].toPython() / r["previous_amount_jpy"].toPython()) / 10
        assert abs(r["change_percent"].toPython() - Decimal(expected)) <= Decimal("0.1")
