"""The named queries give the same rows on every store: rdflib, Oxigraph in memory, Oxigraph on disk.

The bundled graph is built once; each query runs with its ``@example`` parameters,
with none, and with a few more, and the SPARQL TSV, JSON and table outputs must be
byte-identical across the stores.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.graph.backends import OXIGRAPH_DIR, Backend, ensure_disk_store, open_store
from policykg.graph.store import resolve_build, write_build
from policykg.queries.entities import EntityIndex
from policykg.queries.run import format_result, list_queries, load_query, run_query


def _example(name: str) -> dict[str, str]:
    words = shlex.split(load_query(name).example)
    return dict(words[i + 1].partition("=")[::2] for i, w in enumerate(words) if w == "--param")


NEEDS_PARAMS = {"body-activity", "measure-history", "measures-by-law"}
MORE = [
    ("budget-lines", {"source": "nisc-budget-fy2020", "origin": "measure-page"}),
    ("budget-lines", {"measure": "mhlw-information-security-promotion", "budget": "initial", "status": "enacted"}),
    ("budget-by-agency", {"agency": "総務省", "fiscal_year": "2024"}),
    ("measures-by-law", {"law": "電波法", "article": "第103条の2"}),
    ("measures-by-law", {"law": "サイバーセキュリティ基本法"}),
    ("body-activity", {"body": "情報処理推進機構"}),
    ("totals", {"scope_kind": "agency", "fiscal_year": "令和7年度"}),
    ("program-facts", {"key": "participants"}),
    ("funding-flows", {"funder": "経済産業省"}),
    ("legal-bases", {"measure": "mic-iot-safe-environment"}),
    ("agency-shares", {"agency": "防衛省"}),
    ("yoy-change", {"agency": "総務省", "source": "nisc-budget-fy2024"}),
    ("measure-facts", {"fact": "plan-period"}),
    ("budget-lines", {"rank": "preferred", "fiscal_year": "2025"}),
    ("totals", {"rank": "preferred", "scope_kind": "overall"}),
    ("budget-table", {"successor": "meti-industrial-cybersecurity-environment", "source": "nisc-budget-fy2024"}),
]
# lang=en on every query (labels in English, " [ja]" where an entity has none) and lang=ja (as unbound)
LANG = [(nq.name, {**_example(nq.name), "lang": "en"}) for nq in list_queries()] + [
    ("budget-lines", {"lang": "ja", "fiscal_year": "2025"}),
    ("budget-by-agency", {"lang": "en"}),
    ("funding-flows", {"lang": "en", "funder": "経済産業省"}),
]
CASES = (
    [(nq.name, _example(nq.name)) for nq in list_queries()]
    + [(nq.name, {}) for nq in list_queries() if nq.name not in NEEDS_PARAMS | {"yoy-change"}]
    + MORE
    + LANG
)


def test_cases_cover_every_query() -> None:
    assert len(CASES) == 18 + 14 + 16 + 18 + 3
    assert {name for name, _ in CASES} == {nq.name for nq in list_queries()}


def _copy(bundled_build: Path, folder: Path) -> Path:
    """A copy of the shared build: the on-disk store writes ``oxigraph/`` into the build folder."""
    out = folder / "kg"
    shutil.copytree(bundled_build, out, symlinks=True)
    return out


@pytest.fixture(scope="module")
def stores(bundled_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = _copy(bundled_build, tmp_path_factory.mktemp("kg"))
    return {b: open_store(out, b) for b in (Backend.RDFLIB, Backend.OXIGRAPH, Backend.OXIGRAPH_DISK)}


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{'-'.join(p.values()) or 'all'}" for n, p in CASES])
def test_same_rows_on_every_store(stores: dict, name: str, params: dict[str, str]) -> None:
    outputs = {}
    for backend, store in stores.items():
        result = run_query(store, name, params)
        outputs[backend] = tuple(format_result(result, fmt) for fmt in ("tsv", "json", "table"))
    reference = outputs[Backend.RDFLIB]
    assert outputs[Backend.OXIGRAPH] == reference
    assert outputs[Backend.OXIGRAPH_DISK] == reference
    if params == _example(name) and name != "program-facts":  # the corpus states no CYDER fact
        assert reference[0].count("\n") > 1, "the example gives at least one row"


def test_stores_hold_no_query_state_and_index_alike(stores: dict) -> None:
    reference = EntityIndex(stores[Backend.RDFLIB])
    for backend, store in stores.items():
        run_query(store, "body-activity", {"body": "IPA"})
        assert set(vars(store)) <= {"ds", "store", "backend"}, backend  # the raw engine only
        index = EntityIndex(store)
        for kind in ("entity", "measure", "body"):
            assert index.names(kind) == reference.names(kind), (backend, kind)
        assert str(index.resolve("body", "ＩＰＡ")) == "https://w3id.org/policykg/id/body/ipa"
        assert str(index.document("nisc-budget-fy2025")) == "https://w3id.org/policykg/id/doc/nisc-budget-fy2025"


def test_oxigraph_default_graph_is_the_merge_not_a_bag(stores: dict) -> None:
    # measure mic-iot-safe-environment's agency is stated by four documents and the registry
    # (build/policykg.nq): as a bag union it would match five times.
    text = ("SELECT ?a WHERE { <https://w3id.org/policykg/id/measure/mic-iot-safe-environment> "
            "<https://w3id.org/policykg/ontology#agency> ?a }")
    for backend in (Backend.OXIGRAPH, Backend.OXIGRAPH_DISK):
        assert [str(r[0]) for r in stores[backend].select(text)] == ["https://w3id.org/policykg/id/agency/mic"]
    graphs = stores[Backend.OXIGRAPH].store.query(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { <https://w3id.org/policykg/id/measure/"
        "mic-iot-safe-environment> <https://w3id.org/policykg/ontology#agency> ?a } }")
    assert int(next(iter(graphs))["n"].value) == 5  # the named graphs are kept


def test_disk_store_follows_the_nquads(bundled_build: Path, tmp_path: Path) -> None:
    """A plain N-Quads file (no build recorded its SHA-256): the store follows its size and time."""
    out = tmp_path / "kg"
    out.mkdir()
    nq = out / "policykg.nq"
    nq.write_bytes((bundled_build / "policykg.nq").read_bytes())
    assert not (out / OXIGRAPH_DIR).exists()
    store = ensure_disk_store(nq)
    assert store == out / OXIGRAPH_DIR
    stamp = (store / "policykg-source.json").read_text()
    assert ensure_disk_store(nq) == store and (store / "policykg-source.json").read_text() == stamp
    os.utime(nq, ns=(nq.stat().st_atime_ns, nq.stat().st_mtime_ns + 10**9))  # a rebuilt graph
    ensure_disk_store(nq)
    assert (store / "policykg-source.json").read_text() != stamp
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_oxigraph_disk_store_is_keyed_by_the_graph_sha256(tmp_path: Path) -> None:
    """In a build folder the store follows the SHA-256 the build recorded in the generation's
    report: a rebuild of the same graph (a new generation, a new file) keeps it, another graph
    replaces it, and it always answers for the graph ``current`` names."""
    def build(value: str) -> None:
        write_build([f'<urn:s> <urn:p> "{value}" <urn:g> .'], {"quads": 1, "documents": [], "records": {},
                                                                "classes": {}, "warnings": []}, tmp_path)

    def answer() -> str:
        store = open_store(tmp_path, Backend.OXIGRAPH_DISK)
        return str(next(iter(store.select("SELECT ?o WHERE { <urn:s> <urn:p> ?o }")))[0])

    build("one")
    assert answer() == "one"
    stamp = json.loads((tmp_path / OXIGRAPH_DIR / "policykg-source.json").read_text())
    assert stamp == {"file": "policykg.nq", "sha256": resolve_build(tmp_path).graph_sha256()}
    loaded = (tmp_path / OXIGRAPH_DIR).stat().st_ino
    build("one")  # the same graph again: .gen-2, same SHA-256
    assert resolve_build(tmp_path).name == ".gen-2" and answer() == "one"
    assert (tmp_path / OXIGRAPH_DIR).stat().st_ino == loaded  # not rewritten
    build("two")
    assert answer() == "two" and (tmp_path / OXIGRAPH_DIR).stat().st_ino != loaded


def test_cli_backend_option_prints_the_same(bundled_build: Path, tmp_path: Path) -> None:
    out = _copy(bundled_build, tmp_path)
    runner = CliRunner()
    args = ["query", "budget-by-agency", "--param", "source=nisc-budget-fy2025", "--build-dir", str(out)]
    outputs = {b: runner.invoke(main, [*args, "--backend", b], catch_exceptions=False).output
               for b in ("auto", "rdflib", "oxigraph", "oxigraph-disk")}
    assert len(set(outputs.values())) == 1
    # 000:4,5,6,12,26: 総務省's FY2025 initial summary-table rows add up to 50.5億円
    assert "総務省" in outputs["oxigraph"] and "5050000000" in outputs["oxigraph"]
