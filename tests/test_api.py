"""The Python API (``policykg.open``): typed DataFrames, bindings, refusals, entities, networks, search,
and where the build is found.

Facts checked by hand against the corpus (nisc-budget-fy2025 = corpus/000_b360cdfc8cdc379a.txt):
* 000:17 「【警察庁】サイバー捜査用資機材の増強等 2.8億円 6.9億円 3.1億円」 and 000:23
  「【警察庁】生成ＡＩ等を活用したフィッシングサイト判定の高度化・効率化 0.3億円 ― ―」: the FY2025
  initial figures of 警察庁's listed measures, 2.8 + 0.3 = 3.1億円 = 310,000,000 yen;
* 000:12 「【総務省】ナショナルサイバートレーニングセンターの強化 12.0億円 ― 17.4億円」: FY2025 initial
  1,200,000,000 yen, FY2024 initial 1,740,000,000 yen, both at line 12;
* 000:82 「防衛省」 and 000:83 「67.8%」: 防衛省's share of the FY2025 budget (agency-shares, line 82);
* 000:589 「（事業主体） 国立研究開発法人情報通信研究機構（NICT）」 and nisc-budget-fy2024:471
  (corpus/002_1a1f949df8b9b077.txt) 「- (事業主体) 国立研究開発法人情報通信研究機構(NICT)」:
  the training-centre measure is implemented by NICT;
* 000:553–554 「…（NISC）は、サイバー／セキュリティ基本法第13条に基づき」 (the statement cites its
  first line) and 000:574 「■サイバーセキュリティ基本法第十三条に基づき」: article 13 of the law, printed
  with its name (not inferred);
* core/data/registry.toml: the programme CYDER has the aliases 実践的サイバー防御演習 and
  CYDER(実践的サイバー防御演習); 総務省's English label is Ministry of Internal Affairs and Communications.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner
from rdflib import URIRef

import policykg
from policykg.api import IRI, KnowledgeGraph, locate
from policykg.cli import main
from policykg.errors import ExitCode, QueryError
from policykg.graph.store import GRAPH_FILE, StoreError
from policykg.queries.search import MAX_TEXT, Name, SearchIndex

NCTC = "https://w3id.org/policykg/id/measure/mic-national-cyber-training-center"


@pytest.fixture(scope="module")
def kg(bundled_build: Path) -> KnowledgeGraph:
    return policykg.open(bundled_build)


# --- typed columns -----------------------------------------------------------------------------

def test_yen_years_and_lines_are_nullable_integers_and_add_up(kg: KnowledgeGraph) -> None:
    df = kg.query("budget-lines", agency="警察庁", fiscal_year=2025, origin="summary-table", rank="preferred")
    assert {c: str(df[c].dtype) for c in ("amount_jpy", "fiscal_year", "line", "inclusive", "measure",
                                          "measure_iri", "supplement")} == {
        "amount_jpy": "Int64", "fiscal_year": "Int64", "line": "Int64", "inclusive": "boolean",
        "measure": "string", "measure_iri": "string", "supplement": "Int64"}
    assert sorted(zip(df.line.astype(int), df.amount_jpy.astype(int))) == [(17, 280_000_000), (23, 30_000_000)]
    assert df.amount_jpy.sum() == 310_000_000  # not the digit strings "280000000" + "30000000"
    assert df.supplement.isna().all() and not df.inclusive.any()


def test_decimals_are_float64_only_where_the_literal_is_a_decimal(kg: KnowledgeGraph) -> None:
    df = kg.query("agency-shares", fiscal_year=2025)
    assert str(df.percent.dtype) == "Float64" and str(df.line.dtype) == "Int64"
    mod = df[df.agency == "防衛省"].iloc[0]
    assert (float(mod.percent), int(mod.line)) == (67.8, 82)


def test_an_optional_column_is_na_where_unbound(kg: KnowledgeGraph) -> None:
    df = kg.sparql("PREFIX pk: <https://w3id.org/policykg/ontology#> "
                   "SELECT ?f ?n WHERE { ?f pk:scope ?m ; pk:line ?line OPTIONAL { ?f pk:supplementNumber ?n } }",
                   m=IRI(NCTC), line=12)
    assert len(df) == 2 and str(df.n.dtype) == "Int64" and df.n.isna().all()


def test_an_empty_result_has_the_declared_columns(kg: KnowledgeGraph) -> None:
    df = kg.query("budget-lines", fiscal_year=1999)
    assert len(df) == 0
    assert list(df.columns)[:4] == ["agency", "measure", "measure_as_stated", "fiscal_year"]
    assert (str(df.amount_jpy.dtype), str(df.inclusive.dtype), str(df.agency.dtype)) == ("Int64", "boolean", "string")
    assert df.amount_jpy.sum() == 0


def test_parameters_as_the_cli_takes_them(kg: KnowledgeGraph) -> None:
    a = kg.query("measure-history", measure="ナショナルサイバートレーニングセンターの強化")
    b = kg.query("measure-history", measure="ナショナル サイバー トレーニング センターの強化")  # spacing folded
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(QueryError, match="no parameter 'year'"):
        kg.query("budget-lines", year=2025)


# --- SPARQL and bindings -----------------------------------------------------------------------

Q_LINE = ("PREFIX pk: <https://w3id.org/policykg/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> "
          "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?fy ?amount WHERE { ?f pk:scope ?m ; pk:line ?line ; "
          "pk:fiscalYear ?fy ; pk:amountJPY ?amount ; prov:wasDerivedFrom/dcterms:identifier ?doc } ORDER BY ?fy")


def test_bindings_are_rdf_terms(kg: KnowledgeGraph) -> None:
    for measure in (IRI(NCTC), URIRef(NCTC)):
        df = kg.sparql(Q_LINE, m=measure, line=12, doc="nisc-budget-fy2025")
        assert [(int(r.fy), int(r.amount)) for r in df.itertuples()] == [(2024, 1_740_000_000), (2025, 1_200_000_000)]
    # a str is a literal, never an IRI nor query text
    assert kg.sparql(Q_LINE, m=NCTC, line=12).empty
    assert kg.sparql(Q_LINE, m=IRI(NCTC), line=12, doc='nisc-budget-fy2025" } #').empty


def test_ask_and_unknown_bindings(kg: KnowledgeGraph) -> None:
    ask = kg.sparql("PREFIX pk: <https://w3id.org/policykg/ontology#> ASK { ?m pk:agency ?a }", m=IRI(NCTC),
                    a=IRI("https://w3id.org/policykg/id/agency/mic"))
    assert ask.ask.tolist() == [True] and str(ask.ask.dtype) == "boolean"
    with pytest.raises(QueryError, match="name no variable"):
        kg.sparql(Q_LINE, lines=12)
    with pytest.raises(QueryError, match="cannot bind"):
        kg.sparql(Q_LINE, line=[12])


@pytest.mark.parametrize("text, refused", [
    ("DROP ALL", "SPARQL Update"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL Update"),
    ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "only SELECT and ASK"),
])
def test_updates_service_and_from_are_refused(kg: KnowledgeGraph, text: str, refused: str) -> None:
    before = len(kg.store)
    with pytest.raises(QueryError, match=refused):
        kg.sparql(text)
    assert len(kg.store) == before


# --- entities and networks ---------------------------------------------------------------------

def test_entity(kg: KnowledgeGraph) -> None:
    e = kg.entity("ナショナルサイバートレーニングセンターの強化")
    assert (e.iri, e.kind, e.key, e.label_ja, e.path) == (
        NCTC, "measure", "mic-national-cyber-training-center", "ナショナルサイバートレーニングセンターの強化",
        "/id/measure/mic-national-cyber-training-center")
    preferred = e.figures[(e.figures.fiscal_year == 2025) & (e.figures["rank"] == "preferred")]
    assert [(int(r.amount_jpy), r.source, int(r.line)) for r in preferred.itertuples()] == [
        (1_200_000_000, "nisc-budget-fy2025", 12)]
    by = e.relations[e.relations.relation == "pk:implementedBy"]
    assert sorted(zip(by.source, by.line.astype(int))) == [("nisc-budget-fy2024", 471), ("nisc-budget-fy2025", 589)]
    assert set(by.other_label) == {"国立研究開発法人情報通信研究機構"}
    assert "CYDER" in set(e.programmes.other_label) and e.programmes.other.is_unique
    cyder = kg.entity("ｃｙｄｅｒ")
    assert (cyder.kind, cyder.label_en) == ("program", "CYDER")
    assert {"実践的サイバー防御演習", "CYDER(実践的サイバー防御演習)"} <= set(cyder.aliases)
    with pytest.raises(QueryError, match="no entity named"):
        kg.entity("存在しない施策")
    law = kg.entity("サイバーセキュリティ基本法")
    art13 = law.relations[law.relations.other_label == "サイバーセキュリティ基本法第13条"]
    assert (law.kind, set(art13.direction), set(art13.relation)) == ("law", {"in"}, {"pk:law"})
    assert sorted(zip(art13.source, art13.line.astype(int), art13.inferred)) == [
        ("nisc-budget-fy2025", 553, False), ("nisc-budget-fy2025", 574, False)]


def test_network_is_the_viz_projection(kg: KnowledgeGraph) -> None:
    g = kg.network("entity", entity="CYDER")
    assert isinstance(g, nx.DiGraph)
    edge = g.edges["program/cyder", "body/nict"]
    assert edge["kind"] == "operatedBy" and "nisc-budget-fy2025:595" in edge["sources"]
    assert g.nodes["body/nict"]["label_ja"] == "国立研究開発法人情報通信研究機構"
    with pytest.raises(QueryError, match="unknown view"):
        kg.network("pie")
    with pytest.raises(QueryError, match="unknown option"):
        kg.network("entity", entitiy="CYDER")
    funding = kg.network("funding", fiscal_year=2025)
    assert funding.graph["fiscal_year"] == 2025 and funding.number_of_edges() > 0


# --- search ------------------------------------------------------------------------------------

def _n(iri: str, label: str, via: str = "prefLabel", lang: str = "ja") -> Name:
    return Name(f"https://w3id.org/policykg/id/measure/{iri}", "Measure", label, lang, via)


def test_search_ranks_exact_then_prefix_then_substring_then_shorter_then_iri() -> None:
    index = SearchIndex([
        _n("c-sub", "ナショナルサイバートレーニング"), _n("b-pre-long", "トレーニングセンターの強化"),
        _n("a-pre-short", "トレーニング施設"), _n("z-exact", "Training", lang="en"), _n("y-exact", "トレーニング"),
        _n("d-sub-tie", "新トレーニング"), _n("e-sub-tie", "旧トレーニング"),
    ])
    hits = index.search("トレーニング")
    assert [h.iri.rsplit("/", 1)[-1] for h in hits] == [
        "y-exact", "a-pre-short", "b-pre-long", "d-sub-tie", "e-sub-tie", "c-sub"]
    assert [h.match for h in hits] == ["exact", "prefix", "prefix", "substring", "substring", "substring"]
    assert [h.iri for h in index.search("ﾄﾚｰﾆﾝｸﾞ")] == [h.iri for h in hits]  # half-width kana: NFKC
    assert [h.path for h in index.search("TRAINING")] == ["/id/measure/z-exact"]  # casefolded
    assert len(index.search("トレーニング", limit=2)) == 2


def test_an_entity_is_listed_once_by_its_best_name() -> None:
    index = SearchIndex([_n("x", "CYDER", via="altLabel"), _n("x", "実践的サイバー防御演習CYDER"),
                         _n("x", "CYDER", via="prefLabel")])
    [hit] = index.search("cyder")
    assert (hit.matched, hit.match, hit.via) == ("CYDER", "exact", "prefLabel")


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_TEXT + 1)])
def test_search_refuses_empty_and_long_text(text: str) -> None:
    with pytest.raises(QueryError):
        SearchIndex([_n("x", "x")]).search(text)


def test_search_the_bundled_graph(kg: KnowledgeGraph) -> None:
    hits = kg.search("トレーニング")
    measure = hits[hits.path == "/id/measure/mic-national-cyber-training-center"]
    assert measure.label_ja.tolist() == ["ナショナルサイバートレーニングセンターの強化"]
    assert measure.kind.tolist() == ["measure"]
    mic = kg.search("Internal Affairs").iloc[0]
    assert (mic.kind, mic.label_ja, mic.path) == ("agency", "総務省", "/id/agency/mic")
    cyder = kg.search("CYDER").iloc[0]
    assert (cyder.kind, cyder.match, cyder.path) == ("program", "exact", "/id/program/cyder")
    assert kg.search("存在しない名前").empty
    assert all(str(t) == "string" for t in kg.search("NICT").dtypes)


def test_policykg_search_command(bundled_build: Path) -> None:
    run = CliRunner().invoke(main, ["search", "トレーニング", "--build-dir", str(bundled_build)],
                             catch_exceptions=False)
    assert run.exit_code == 0 and "/id/measure/mic-national-cyber-training-center" in run.stdout
    # the measure's English label (policykg's translation, core/data/registry.toml), partial and any case
    run = CliRunner().invoke(main, ["search", "training", "--format", "json", "--build-dir", str(bundled_build)],
                             catch_exceptions=False)
    hits = {h["iri"]: h for h in json.loads(run.stdout)["hits"]}
    measure = hits["https://w3id.org/policykg/id/measure/mic-national-cyber-training-center"]
    assert measure["label_en"] == "Strengthening the National Cyber Training Center"
    assert measure["label_ja"] == "ナショナルサイバートレーニングセンターの強化"
    run = CliRunner().invoke(main, ["search", "Internal Affairs", "--format", "json", "--build-dir",
                                    str(bundled_build)], catch_exceptions=False)
    first = json.loads(run.stdout)["hits"][0]
    assert (first["iri"], first["label_ja"]) == ("https://w3id.org/policykg/id/agency/mic", "総務省")
    run = CliRunner().invoke(main, ["search", "cyder", "--format", "csv", "--limit", "1", "--build-dir",
                                    str(bundled_build)], catch_exceptions=False)
    assert run.stdout.splitlines()[1].startswith("program,https://w3id.org/policykg/id/program/cyder,CYDER,")
    run = CliRunner().invoke(main, ["search", "存在しない名前", "--build-dir", str(bundled_build)])
    assert run.exit_code == 0 and "(0 hits)" in run.stdout and "no entity has a name containing" in run.stderr
    run = CliRunner().invoke(main, ["search", " ", "--build-dir", str(bundled_build)])
    assert run.exit_code == ExitCode.USAGE and "give a text to search for" in run.stderr


# --- where the build is found ------------------------------------------------------------------

def test_an_explicit_folder_or_policykg_home_must_hold_a_graph(tmp_path: Path, bundled_build: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICYKG_HOME", raising=False)
    with pytest.raises(StoreError, match="no built graph"):
        locate.locate_build(tmp_path)
    monkeypatch.setenv("POLICYKG_HOME", str(tmp_path))
    with pytest.raises(StoreError, match="no built graph"):
        locate.locate_build()
    monkeypatch.setenv("POLICYKG_HOME", str(bundled_build))
    assert locate.locate_build() == bundled_build


def test_the_bundled_corpus_is_built_once_into_a_cache_keyed_by_version(
        tmp_path: Path, bundled_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No build in ./build nor $POLICYKG_HOME: the cache folder is built on first use (here the
    shared build's files stand in for the 20-second build), reused after, and a new version names
    another folder, so a cached build is never stale."""
    import policykg.graph.pipeline as pipeline

    built: list[Path] = []

    def fake_build(folder: Path, *, corpus, progress) -> None:
        assert corpus == []  # the bundled corpus only, not $POLICYKG_CORPUS
        built.append(folder)
        folder.mkdir(parents=True)
        shutil.copy(bundled_build / GRAPH_FILE, folder / GRAPH_FILE)

    monkeypatch.delenv("POLICYKG_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pipeline, "build", fake_build)
    said: list[str] = []
    first = locate.locate_build(progress=said.append)
    assert first == tmp_path / "cache" / "policykg" / f"{policykg.__version__}-{locate.bundled_key()}"
    assert built == [first] and said[0].startswith("building the bundled corpus into ")
    assert locate.locate_build(progress=said.append) == first and built == [first]
    assert policykg.open(backend="oxigraph").build_dir == first
    monkeypatch.setattr(locate, "__version__", "0.0.0-other")
    assert locate.locate_build(progress=said.append) != first and len(built) == 2
    (tmp_path / "build").mkdir()
    shutil.copy(bundled_build / GRAPH_FILE, tmp_path / "build" / GRAPH_FILE)
    assert locate.locate_build() == Path("build")  # ./build with a graph comes before the cache


def test_import_policykg_stays_light() -> None:
    code = ("import sys, policykg; light = not {'pandas', 'policykg.api', 'rdflib'} & set(sys.modules); "
            "print(light, policykg.open.__module__, 'open' in dir(policykg))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "policykg.api.graph", "True"]


def test_the_rdflib_backend_gives_the_same_frames(kg: KnowledgeGraph, bundled_build: Path) -> None:
    other = policykg.open(bundled_build, backend="rdflib")
    assert other.store.backend.value == "rdflib"
    params = {"agency": "総務省", "fiscal_year": 2025, "origin": "summary-table", "rank": "preferred"}
    pd.testing.assert_frame_equal(other.query("budget-lines", **params), kg.query("budget-lines", **params))
    pd.testing.assert_frame_equal(other.sparql(Q_LINE, m=IRI(NCTC), line=12), kg.sparql(Q_LINE, m=IRI(NCTC), line=12))
    with pytest.raises(QueryError, match="SPARQL Update"):
        other.sparql("CLEAR DEFAULT")


def test_first_use_builds_the_bundled_corpus_with_progress(tmp_path: Path) -> None:
    """The real thing, in a fresh process with no build anywhere: policykg.open() builds the bundled
    corpus into the cache (progress on stderr, the loaders' warnings left to the build report), and
    the second open reuses it."""
    code = ("import policykg\n"
            "kg = policykg.open()\n"
            "df = kg.query('budget-lines', measure='ナショナルサイバートレーニングセンターの強化', fiscal_year=2025,"
            " rank='preferred')\n"
            "print(int(df.amount_jpy.iloc[0]), df.source.iloc[0], int(df.line.iloc[0]))\n"
            "print(policykg.open().build_dir == kg.build_dir, kg.build_dir)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("POLICYKG_HOME", "POLICYKG_CORPUS")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    figure, same = proc.stdout.splitlines()
    assert figure == "1200000000 nisc-budget-fy2025 12"
    assert same.startswith("True ") and same.endswith(f"{policykg.__version__}-{locate.bundled_key()}")
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("policykg: building the bundled corpus into ") and len(lines) <= 12
    assert lines[-1].startswith("policykg: built ") and "warnings in" in lines[-1]
    assert sum("building the bundled corpus" in line for line in lines) == 1
