"""English output: a label for every registry entity, its origin as data, the lang parameter,
--lang and --unit on the CLI, the named-query route, English diagrams.

Facts checked by hand against the corpus: nisc-budget-fy2025 (corpus/000_b360cdfc8cdc379a.txt)
line 12 is 【総務省】ナショナルサイバートレーニングセンターの強化 12.0億円 (FY2025 initial,
1,200,000,000 yen); nisc-budget-fy2024 (corpus/002_1a1f949df8b9b077.txt) line 350 prints
「Government Security Operation Coordination team」 beside 政府関係機関情報セキュリティ横断監視・即応調整チーム.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import subprocess
import sys
import tomllib
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from rdflib import RDF, Dataset, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from policykg.cli import main
from policykg.graph.resolve import KIND_CLASS, entity_iri
from policykg.graph.store import load_dataset
from policykg.namespace import PK
from policykg.queries.run import format_result, list_queries, run_query
from policykg.registry import Kind, Registry
from policykg.sources import corpus_dir

REG = Registry.load()
#: Registry entities per kind (core/data/registry.toml, counted by hand).
COUNTS = {Kind.AGENCY: 20, Kind.AREA: 12, Kind.BODY: 17, Kind.PROGRAM: 47, Kind.LAW: 13, Kind.MEASURE: 55}
NCTC = "Strengthening the National Cyber Training Center"
MIC = "Ministry of Internal Affairs and Communications"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).casefold()


def _corpus_lines() -> dict[str, list[str]]:
    manifest = tomllib.loads((corpus_dir() / "manifest.toml").read_text(encoding="utf-8"))
    return {d["id"]: (corpus_dir() / d["file"]).read_text(encoding="utf-8").split("\n") for d in manifest["document"]}


def test_registry_counts_and_every_entity_has_an_english_label_of_known_origin() -> None:
    assert {k: len(REG.entities(k)) for k in Kind} == COUNTS
    for kind in Kind:
        for e in REG.entities(kind):
            assert e.label_en, (kind, e.key)
            assert bool(e.label_en_by) != bool(e.label_en_sources), (kind, e.key)
    translated = [e for k in Kind for e in REG.entities(k) if e.label_en_by]
    printed = [e for k in Kind for e in REG.entities(k) if e.label_en_sources]
    assert (len(translated), len(printed)) == (146, 18)
    assert REG.get(Kind.MEASURE, "mic-national-cyber-training-center").label_en == NCTC


def test_document_english_labels_cite_lines_that_print_them() -> None:
    lines = _corpus_lines()
    cited = 0
    for kind in Kind:
        for e in REG.entities(kind):
            for source in e.label_en_sources:
                doc, _, span = source.partition(":")
                first, _, last = span.partition("-")
                text = " ".join(lines[doc][int(first) - 1:int(last or first)])
                assert _fold(e.label_en) in _fold(text), (e.key, source, text)
                cited += 1
    assert cited == 18
    gsoc = REG.get(Kind.PROGRAM, "gsoc")
    assert gsoc.label_en_sources == ("nisc-budget-fy2024:350",)
    assert "Government Security Operation Coordination team" in lines["nisc-budget-fy2024"][349]


@pytest.fixture(scope="module")
def union(bundled_dataset: Dataset):
    return bundled_dataset


def test_every_class_is_complete_in_the_graph(union: Dataset) -> None:
    """Per class: registered entities (with a key) and how many have exactly one English prefLabel."""
    for kind, expected in COUNTS.items():
        registered = {s for s in union.subjects(RDF.type, KIND_CLASS[kind]) if (s, SKOS.notation, None) in union}
        english = {s for s in registered
                   if len({o for o in union.objects(s, SKOS.prefLabel) if getattr(o, "language", None) == "en"}) == 1}
        assert len(registered) == expected, kind
        assert registered - english == set(), (kind, sorted(registered - english)[:3])


def test_label_origins_are_data(union: Dataset) -> None:
    nctc = entity_iri(REG.get(Kind.MEASURE, "mic-national-cyber-training-center"))
    [node] = [n for n in union.subjects(PK.labelOrigin, PK.PolicykgTranslation) if (n, RDF.subject, nctc) in union]
    assert (node, RDF.type, PK.LabelTranslation) in union
    assert (node, RDF.object, Literal(NCTC, lang="en")) in union
    assert (node, RDF.predicate, SKOS.prefLabel) in union
    assert (node, PK.line, None) not in union  # no document printed it
    translations = set(union.subjects(PK.labelOrigin, PK.PolicykgTranslation))
    printed = set(union.subjects(PK.labelOrigin, PK.DocumentLabel))
    assert (len(translations), len(printed)) == (146, 18)
    gsoc = entity_iri(REG.get(Kind.PROGRAM, "gsoc"))
    [stmt] = [n for n in printed if (n, RDF.subject, gsoc) in union]
    assert (stmt, RDF.type, RDF.Statement) in union
    assert (stmt, PK.line, Literal(350)) in union
    assert (stmt, PROV.wasDerivedFrom, URIRef("https://w3id.org/policykg/id/doc/nisc-budget-fy2024")) in union
    assert (stmt, RDF.object, Literal("Government Security Operation Coordination team", lang="en")) in union


def test_every_named_query_that_shows_labels_has_a_lang_parameter() -> None:
    queries = list_queries()
    assert len(queries) == 18
    for nq in queries:
        assert nq.param("lang").type == "one-of(ja|en)", nq.name


def _csv(args: list[str]) -> list[dict[str, str]]:
    proc = subprocess.run([sys.executable, "-m", "policykg.cli", *args, "--format", "csv"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=True)
    return list(csv.DictReader(io.StringIO(proc.stdout)))


def test_cli_budget_lines_in_english(bundled_build: Path) -> None:
    args = ["query", "budget-lines", "--param", "fiscal_year=2025", "--param", "agency=総務省",
            "--build-dir", str(bundled_build)]
    en = _csv([*args, "--lang", "en"])
    ja = _csv(args)
    [row] = [r for r in en if (r["source"], r["line"]) == ("nisc-budget-fy2025", "12")]
    assert (row["agency"], row["measure"], row["amount_jpy"]) == (MIC, NCTC, "1200000000")
    assert row["measure_as_stated"] == "ナショナルサイバートレーニングセンターの強化"  # the printed name stays
    [row_ja] = [r for r in ja if (r["source"], r["line"]) == ("nisc-budget-fy2025", "12")]
    assert (row_ja["agency"], row_ja["measure"]) == ("総務省", "ナショナルサイバートレーニングセンターの強化")
    assert len(en) == len(ja) == 10
    assert not any(r["measure"].endswith(" [ja]") for r in en)  # every registered measure has English


def test_lang_ja_is_the_default_byte_for_byte(bundled_dataset: Dataset) -> None:
    for name, params in [("budget-lines", {"fiscal_year": "2025"}), ("programs", {}), ("totals", {})]:
        default = format_result(run_query(bundled_dataset, name, params), "tsv")
        assert format_result(run_query(bundled_dataset, name, {**params, "lang": "ja"}), "tsv") == default
        assert '"@ja\t' in default  # Japanese labels, as they always were


def test_lang_option_needs_a_lang_parameter(bundled_build: Path, tmp_path: Path) -> None:
    rq = tmp_path / "plain.rq"
    rq.write_text("# plain — no parameters\nSELECT ?s WHERE { ?s a <https://w3id.org/policykg/ontology#Law> }\n",
                  encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["query", str(rq), "--lang", "en", "--build-dir", str(bundled_build)])
    assert result.exit_code == 2 and "has no lang parameter" in result.output
    result = runner.invoke(main, ["query", "totals", "--lang", "en", "--param", "lang=en",
                                  "--build-dir", str(bundled_build)])
    assert result.exit_code == 2 and "once" in result.output


def test_unit_columns_are_exact(bundled_build: Path) -> None:
    runner = CliRunner()
    expected = {"yen": "1200000000", "oku": "12", "million": "1200", "billion": "1.2"}
    factors = {"yen": 1, "oku": 10**8, "million": 10**6, "billion": 10**9}
    for unit, value in expected.items():
        result = runner.invoke(main, ["query", "budget-lines", "--unit", unit, "--format", "csv", "--param",
                                      "fiscal_year=2025", "--build-dir", str(bundled_build)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.output)))
        header = list(rows[0])
        assert header[header.index("amount_jpy") + 1] == f"amount_{unit}"
        [row] = [r for r in rows if (r["source"], r["line"]) == ("nisc-budget-fy2025", "12")]
        assert row[f"amount_{unit}"] == value
        for r in rows:  # every amount exactly: no float rounding, no exponent
            assert Decimal(r[f"amount_{unit}"]) * factors[unit] == Decimal(r["amount_jpy"]), r
            assert "e" not in r[f"amount_{unit}"].lower()
    # no --unit: no extra column
    result = runner.invoke(main, ["query", "budget-lines", "--format", "csv", "--param", "fiscal_year=2025",
                                  "--build-dir", str(bundled_build)], catch_exceptions=False)
    assert not any(c.startswith("amount_") and c != "amount_jpy" for c in result.output.split("\r\n")[0].split(","))


def test_table_in_english_with_a_unit(bundled_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "fy2025-en.csv"
    result = CliRunner().invoke(main, ["table", "-p", "fiscal_year=2025", "-p", "budget=initial", "-p", "agency=総務省",
                                       "--lang", "en", "--unit", "oku", "--out", str(out),
                                       "--build-dir", str(bundled_build)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    [row] = [r for r in rows if r["measure"] == NCTC]
    assert (row["agency"], row["amount_jpy"], row["amount_oku"], row["source"], row["line"]) == (
        MIC, "1200000000", "12", "nisc-budget-fy2025", "12")


def _generate():
    path = Path(__file__).parent / "editions" / "generate.py"
    spec = importlib.util.spec_from_file_location("editions_generate_en", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_minted_entity_falls_back_to_japanese_with_a_marker(tmp_path: Path) -> None:
    """The FY2026 edition of tests/editions renames the IoT row (「…利用環境の整備」, its line 4):
    a minted measure without English shows its Japanese name followed by " [ja]"."""
    generate = _generate()
    spec = generate.EDITIONS[0]
    edition = generate.make_edition(spec)
    renamed = "IoTの安心・安全かつ適正な利用環境の整備"
    assert any(n.name == renamed for n in edition.new_names)
    src = tmp_path / f"{spec.id}.txt"
    src.write_text(edition.text, encoding="utf-8")
    runner = CliRunner()
    folder, build_dir = tmp_path / "corpus", tmp_path / "build"
    for args in (["add", str(src), "--corpus", str(folder), "--id", spec.id],
                 ["build", "--corpus", str(folder), "--build-dir", str(build_dir)]):
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    ds = load_dataset(build_dir)
    rows = run_query(ds, "budget-lines", {"source": spec.id, "lang": "en"})
    names = {str(r["measure"]) for r in rows}
    assert f"{renamed} [ja]" in names
    assert NCTC in names  # registered measures of the new edition are in English
    ja = {str(r["measure"]) for r in run_query(ds, "budget-lines", {"source": spec.id})}
    assert renamed in ja and not any(n.endswith(" [ja]") for n in ja)


@pytest.fixture(scope="module")
def endpoint(bundled_build: Path, serving):
    with serving(bundled_build, "--workers", "1", ready="/") as (url, proc):
        yield url


@pytest.mark.server
def test_named_query_route_in_english(endpoint: str) -> None:
    params = {"fiscal_year": "2025", "agency": "総務省"}
    en = requests.get(f"{endpoint}/queries/budget-lines", params={**params, "lang": "en"},
                      headers={"Accept": "text/csv"}, timeout=60)
    assert en.status_code == 200, en.text
    rows = list(csv.DictReader(io.StringIO(en.text)))
    [row] = [r for r in rows if (r["source"], r["line"]) == ("nisc-budget-fy2025", "12")]
    assert (row["agency"], row["measure"], row["amount_jpy"]) == (MIC, NCTC, "1200000000")
    ja = requests.get(f"{endpoint}/queries/budget-lines", params=params, headers={"Accept": "text/csv"}, timeout=60)
    assert "ナショナルサイバートレーニングセンターの強化" in ja.text and NCTC not in ja.text
    bad = requests.get(f"{endpoint}/queries/budget-lines", params={"lang": "fr"}, timeout=60)
    assert bad.status_code == 400


def test_english_diagram_names_and_units(bundled_dataset: Dataset) -> None:
    from policykg.viz import project
    from policykg.viz.render import to_network

    g = project("overview", bundled_dataset, agency="総務省")
    net, _ = to_network(g, lang="en")
    [node] = [n for n in net.nodes if n["label"] == NCTC]
    tip = "\n".join(node.get("tip", []))
    assert "FY2025 initial enacted: ¥1.2 bn — nisc-budget-fy2025:12" in tip
    text = "\n".join(str(n) for n in net.nodes) + "\n".join(str(e) for e in net.edges)
    assert "億円" not in text
    net_ja, _ = to_network(g, lang="ja")
    [node_ja] = [n for n in net_ja.nodes if n["label"] == "ナショナルサイバートレーニングセンターの強化"]
    assert any("12.0億円" in line for line in node_ja.get("tip", []))



def test_report_in_english(bundled_build: Path) -> None:
    """The report's page-vs-table check of nisc-budget-fy2024:81 (17.4億円) and :477 names the measure in English."""
    from policykg.report.checks import collect
    from policykg.report.render import ReportFormat, render

    en = render(collect(bundled_build, lang="en"), ReportFormat.MD)
    ja = render(collect(bundled_build), ReportFormat.MD)
    row = "| ok | nisc-budget-fy2024 FY2024 initial/enacted Strengthening the National Cyber Training Center | 17.4億円"
    assert row in en and row not in ja
    assert row.replace("Strengthening the National Cyber Training Center", "ナショナルサイバートレーニングセンターの強化") in ja
    assert ja == (Path(__file__).parents[1] / "docs" / "report.md").read_text(encoding="utf-8")
