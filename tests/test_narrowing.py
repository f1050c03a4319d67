"""Bound parameters narrow Oxigraph's work without changing a row (graph/narrow.py).

The rewriter is checked on small queries whose answer is known, and then every
named query × parameter case of tests/test_backends.py (examples, none, more,
lang=en) and hostile parameter values run three ways — narrowed on Oxigraph,
with plain ``substitutions`` on Oxigraph (the path before narrowing), and with
``initBindings`` on rdflib — and must print byte-identical TSV and JSON. The same
comparison runs on a synthetic graph (``policykg synth``), whose measures, flows
and editions are many more than the bundled corpus holds.
"""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.graph.backends import Backend, OxigraphStore, open_store, to_oxigraph
from policykg.graph.narrow import _assigned_or_listed, narrowed, serialised, tokens
from policykg.queries.entities import EntityIndex
from policykg.queries.run import bind_params, format_result, list_queries, load_query, run_bound
from policykg.synth import write_synth



def _cases() -> list[tuple[str, dict[str, str]]]:
    """The parameter cases of tests/test_backends.py (pytest imports test files as modules of their own)."""
    spec = importlib.util.spec_from_file_location("backend_cases", Path(__file__).with_name("test_backends.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


CASES = _cases()
HOSTILE = ['"> } ; DROP ALL #', 'nisc-budget-fy2024" } UNION { ?s ?p ?o } #', "x'\n} DELETE WHERE { ?s ?p ?o } #",
           "a\\\" } VALUES ?x { 1 } #", "<urn:x> } #"]


# ------------------------------------------------------------------ the rewriter on known queries

def _store(*triples: str) -> ox.Store:
    store = ox.Store()
    store.load(input="\n".join(triples).encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


def _rows(store: ox.Store, text: str, **terms) -> list[tuple]:
    query = narrowed(text, terms)
    assert query is not None
    return sorted(tuple(None if x is None else str(x) for x in s) for s in store.query(query))


def test_outer_group_gets_one_values_row() -> None:
    text = "SELECT ?s WHERE { ?s <urn:p> ?v }"
    assert narrowed(text, {"v": ox.Literal("a")}) == 'SELECT ?s WHERE { VALUES ?v { "a" } ?s <urn:p> ?v }'
    store = _store('<urn:a> <urn:p> "a" .', '<urn:b> <urn:p> "b" .')
    assert _rows(store, text, v=ox.Literal("a")) == [("<urn:a>",)]


def test_braces_in_strings_iris_and_comments_are_not_groups() -> None:
    text = 'SELECT ?s WHERE { # { a comment\n ?s <urn:p> ?v FILTER(?v != "}{") }'
    out = narrowed(text, {"v": ox.Literal("a")})
    assert out == 'SELECT ?s WHERE { VALUES ?v { "a" } # { a comment\n ?s <urn:p> ?v FILTER(?v != "}{") }'


def test_subquery_narrowed_only_when_it_hands_the_variable_out() -> None:
    grouped = "SELECT ?v ?n WHERE { { SELECT ?v (COUNT(*) AS ?n) WHERE { ?s <urn:p> ?v } GROUP BY ?v } }"
    local = "SELECT ?v ?n WHERE { ?x <urn:q> ?v { SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:p> ?v } } }"
    limited = "SELECT ?v WHERE { { SELECT ?v WHERE { ?s <urn:p> ?v } ORDER BY ?v LIMIT 1 } }"
    term = {"v": ox.Literal("b")}
    assert narrowed(grouped, term).count("VALUES") == 2  # the outer group and the subquery's
    assert narrowed(local, term).count("VALUES") == 1  # the subquery's ?v is its own
    assert narrowed(limited, term).count("VALUES") == 1  # LIMIT 1 of all, then ?v = "b": maybe no row
    store = _store('<urn:a> <urn:p> "a" .', '<urn:b> <urn:p> "b" .', '<urn:c> <urn:p> "b" .',
                   '<urn:x> <urn:q> "b" .')
    assert _rows(store, grouped, **term) == [('"b"', '"2"^^<http://www.w3.org/2001/XMLSchema#integer>')]
    # COUNT over every ?s <urn:p> ?v of the graph (3), not over those with ?v = "b" (2)
    assert _rows(store, local, **term) == [('"b"', '"3"^^<http://www.w3.org/2001/XMLSchema#integer>')]
    assert _rows(store, limited, **term) == []  # the first ?v in order is "a"


def test_minus_and_values_data_are_left_alone() -> None:
    text = ('SELECT ?s WHERE { ?s <urn:p> ?v VALUES ?lang { "ja" "en" } '
            'MINUS { ?s <urn:gone> ?w OPTIONAL { ?w <urn:r> ?v } } { ?s <urn:q> ?v } }')
    out = narrowed(text, {"v": ox.Literal("a")})
    assert out.count("VALUES ?v") == 2  # the outer group and { ?s <urn:q> ?v }: not MINUS, not the data block
    assert '{ VALUES ?v { "a" } ?s <urn:q> ?v }' in out and 'MINUS { ?s <urn:gone> ?w OPTIONAL { ?w' in out


def test_not_narrowed_where_it_could_change_rows() -> None:
    term = ox.Literal("a")
    assert narrowed("SELECT ?v WHERE { BIND(1 AS ?v) }", {"v": term}) is None
    assert narrowed("SELECT (1 AS ?v) WHERE { ?s ?p ?o }", {"v": term}) is None
    assert narrowed('SELECT ?v WHERE { VALUES ?v { "a" "b" } }', {"v": term}) is None
    assert narrowed("SELECT ?v WHERE { ?s ?p ?v }", {"v": ox.BlankNode("b0")}) is None
    assert narrowed("ASK { ?s ?p ?v }", {"v": term}) is None  # ASK: substitutions
    assert narrowed("SELECT ?v WHERE { ?s ?p ?v ", {"v": term}) is None  # unbalanced: the engine reports it


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_literals_stay_one_term(value: str) -> None:
    store = _store(f"<urn:s> <urn:p> {ox.Literal(value)} .", '<urn:t> <urn:p> "other" .')
    text = "SELECT ?s WHERE { ?s <urn:p> ?v }"
    assert [t.kind for t in tokens(serialised(ox.Literal(value)))] == ["string"]
    assert _rows(store, text, v=ox.Literal(value)) == [("<urn:s>",)]
    assert _rows(store, text, v=ox.Literal(value + " ")) == []
    assert len(store) == 2
    block = f' VALUES ?v {{ {serialised(ox.Literal(value))} }}'
    assert narrowed(text, {"v": ox.Literal(value)}).replace(block, "", 1) == text  # only the block was added


def test_only_iris_and_literals_are_placed() -> None:
    with pytest.raises(ValueError, match="Invalid IRI"):
        ox.NamedNode("urn:a> } DROP ALL")  # pyoxigraph checks an IRI before it is a term
    with pytest.raises(TypeError):
        serialised(ox.BlankNode("b0"))


# ------------------------------------------------------------------ every named query × case

@pytest.fixture(scope="module")
def stores(bundled_build: Path) -> dict:
    return {b: open_store(bundled_build, b) for b in (Backend.RDFLIB, Backend.OXIGRAPH)}


def _three_ways(stores: dict, name: str, params: dict[str, str]) -> dict[str, tuple[str, str]]:
    nq = load_query(name)
    ox_store = stores[Backend.OXIGRAPH]
    bindings = bind_params(EntityIndex(ox_store), nq, params)
    results = {
        "narrowed": run_bound(ox_store, nq, bindings),
        "substitutions": ox_store.select(nq.text, bindings, project=nq.columns, narrow=False),
    }
    if Backend.RDFLIB in stores:
        results["rdflib"] = run_bound(stores[Backend.RDFLIB], nq, bindings)
    return {k: (format_result(r, "tsv"), format_result(r, "json")) for k, r in results.items()}


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{'-'.join(p.values()) or 'all'}" for n, p in CASES])
def test_narrowed_rows_equal_substitutions_and_rdflib(stores: dict, name: str, params: dict[str, str]) -> None:
    out = _three_ways(stores, name, params)
    assert out["narrowed"] == out["substitutions"] == out["rdflib"]
    nq = load_query(name)
    bindings = bind_params(EntityIndex(stores[Backend.OXIGRAPH]), nq, params)
    if bindings:  # narrowed, unless the query assigns a bound variable (measure-facts: BIND(… AS ?fact))
        assigned = ASSIGNED.get(name, set())
        narrowed_text = narrowed(nq.text, {k: to_oxigraph(v) for k, v in bindings.items()})
        assert (narrowed_text is None) == bool(assigned & set(bindings)), (name, bindings)


# the bound variables a named query assigns itself (by BIND or in its own VALUES): left to substitutions
ASSIGNED = {"measure-facts": {"fact"}}


def test_only_the_listed_queries_assign_a_parameter_variable() -> None:
    found = {}
    for q in list_queries():
        if hit := _assigned_or_listed(tokens(q.text)) & {p.var for p in q.params}:
            found[q.name] = hit
    assert found == ASSIGNED


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_values_on_every_path(stores: dict, value: str) -> None:
    before = len(stores[Backend.OXIGRAPH]), len(stores[Backend.RDFLIB].ds)
    for name, params in (("measures-by-law", {"law": "サイバーセキュリティ基本法", "article": value}),
                         ("program-facts", {"key": value})):
        out = _three_ways(stores, name, params)
        assert out["narrowed"] == out["substitutions"] == out["rdflib"]
        assert out["narrowed"][0].count("\n") == 1, (name, value)  # the header only: nothing matches
    assert (len(stores[Backend.OXIGRAPH]), len(stores[Backend.RDFLIB].ds)) == before  # nothing was written


def test_narrowing_on_a_synthetic_graph(tmp_path: Path) -> None:
    """Many editions, measures and flows: each query's example and a few more, narrowed vs substitutions."""
    nq = tmp_path / "policykg.nq"
    write_synth(nq, triples=20_000, seed=3)
    store = open_store(tmp_path, Backend.OXIGRAPH)
    assert isinstance(store, OxigraphStore)
    checked, empty = 0, []
    for q in list_queries():
        words = shlex.split(q.example)
        example = dict(words[i + 1].partition("=")[::2] for i, w in enumerate(words) if w == "--param")
        for params in (example, {**example, "lang": "en"}):
            out = _three_ways({Backend.OXIGRAPH: store}, q.name, params)
            assert out["narrowed"] == out["substitutions"], (q.name, params)
            if out["narrowed"][0].count("\n") == 1:
                empty.append(q.name)
            checked += 1
    assert checked == 36 and empty == []  # every example has rows: the comparison saw real answers
