"""The named queries on the real graph, the runner's parameter binding and refusals, the
result formats and the ``policykg query`` command.

The graph is built once per session from the bundled corpus. Facts were checked by
hand against the corpus files (file:line in the comments). The key acceptance test
reads the summary tables straight from the corpus with its own regexes — not the
loader — and requires every printed figure in ``budget-lines``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import SKOS

from policykg.cli import main
from policykg.errors import QueryError
from policykg.queries.formats import display_width
from policykg.queries.entities import EntityIndex
from policykg.registry import lookup_key
from policykg.queries.run import format_result, list_queries, load_query, run_query

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ID = "https://w3id.org/policykg/id/"


@pytest.fixture(scope="session")
def build_dir(bundled_build: Path) -> Path:
    return bundled_build


@pytest.fixture(scope="session")
def ds(bundled_dataset: Dataset) -> Dataset:
    return bundled_dataset


def rows(ds: Dataset, name: str, **params: object) -> list[dict[str, object]]:
    """Query rows as dicts of Python values (int, str, bool; IRIs as str)."""
    result = run_query(ds, name, {k: str(v) for k, v in params.items()})
    out = []
    for row in result:
        values = [None if t is None else (str(t) if isinstance(t, URIRef) else t.toPython()) for t in row]
        out.append(dict(zip((str(v) for v in result.vars), values)))
    return out


# ------------------------------------------------------------------ the catalogue

EXPECTED_QUERIES = {
    "agency-shares", "area-shares", "body-activity", "budget-by-agency", "budget-lines", "budget-table", "conflicts",
    "funding-by-recipient", "funding-flows", "legal-bases", "measure-facts", "measure-history", "measures-by-law",
    "new-measures", "program-facts", "programs", "totals", "yoy-change",
}


def test_every_named_query_loads_with_a_documented_header() -> None:
    queries = list_queries()
    assert {q.name for q in queries} == EXPECTED_QUERIES
    for q in queries:
        assert q.description and q.example.startswith(f"policykg query {q.name}"), q.name
        assert "@columns" in q.text, q.name
        for p in q.params:
            assert p.description, (q.name, p.name)


def test_required_columns() -> None:
    required = {
        "budget-lines": "agency measure measure_as_stated fiscal_year budget status amount_jpy source line origin inclusive",
        "totals": "scope_kind scope area fiscal_year budget amount_jpy source line origin status",
        "agency-shares": "agency fiscal_year percent source line",
        "programs": "program operator measure source line",
        "legal-bases": "measure law article source paragraph item line",
        "funding-flows": "measure funder recipient instrument amount_jpy printed_amount amount_stated upper_bound source line end_line",
        "funding-by-recipient": "fiscal_year source recipient instrument stated_jpy stated_flows upper_bound_jpy "
                                "upper_bound_flows unstated_flows basis amount_jpy line end_line",
        "measure-history": "agency measure fiscal_year budget status amount_jpy source line document_year",
        "measure-facts": "agency measure fact value plan_start plan_end source document_year line",
    }
    for name, columns in required.items():
        assert set(columns.split()) <= set(load_query(name).columns), name


# ------------------------------------------- acceptance: every summary-table figure

I, S = "initial", "supplementary"
#: doc id → (file, table line ranges, columns in printed order, columns of a short row)
TABLES = {
    "nisc-budget-fy2025": ("000_b360cdfc8cdc379a.txt", [(2, 27), (50, 59)],
                           [(2025, I, "enacted"), (2024, S, "enacted"), (2024, I, "enacted")], None),
    "nisc-budget-fy2024": ("002_1a1f949df8b9b077.txt", [(70, 92), (107, 118)],
                           [(2024, I, "enacted"), (2023, S, "enacted"), (2023, I, "enacted")], None),
    "nisc-budget-fy2023": ("001_feb53fcdf8afa2d7.txt", [(5, 21), (41, 55)], [(2023, I, "draft")], None),
    # 003:59-66 column heads; a row with two amounts has no supplementary figure
    "nisc-budget-fy2020": ("003_ddf944621e8ed638.txt", [(12, 54)],
                           [(2020, I, "draft"), (2019, S, "draft"), (2019, I, "enacted")], (0, 2)),
}
_CELL = re.compile(r"\d[\d,.]*\s*億円|[―—]")
_TAIL = re.compile(r"(?:\s*(?:\d[\d,.]*\s*億円|[―—]))+\s*$")
_AREA = re.compile(r"^[(（]\s*(\d)\s*[)）]")


def _table_figures(doc: str) -> tuple[Counter, Counter, int]:
    """(measure figures, area subtotals, measure rows) read with plain regexes from the corpus."""
    name, ranges, columns, short = TABLES[doc]
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    found: list[tuple[str, int, list[str]]] = []
    pending = None  # a wrapped row (FY2020): 【agency】 line, name lines, then the amounts
    for first, last in ranges:
        for n in range(first, last + 1):
            text = unicodedata.normalize("NFKC", lines[n - 1]).strip()
            tail = _TAIL.search(text)
            if text.startswith("【"):
                if tail:
                    found.append(("measure", n, _CELL.findall(tail.group())))
                else:
                    pending = n
            elif pending and tail and tail.start() == 0:
                found.append(("measure", pending, _CELL.findall(tail.group())))
                pending = None
            elif (m := _AREA.match(text)) is not None:
                found.append((m[1], n, re.findall(r"[(（]\s*([\d,.]+\s*億円)\s*[)）]", text)))
    measures, areas = Counter(), Counter()
    for kind, n, cells in found:
        use = columns if len(cells) == len(columns) else [columns[i] for i in short or ()]
        assert len(use) == len(cells), (doc, n, cells)
        for cell, (year, budget, status) in zip(cells, use):
            if cell in "―—":
                continue
            yen = int(Decimal(re.sub(r"[\s,億円]", "", cell)) * 100_000_000)
            key = (doc, n, year, budget, status, yen)
            if kind == "measure":
                measures[key] += 1
            else:
                areas[(int(kind), *key)] += 1
    return measures, areas, sum(1 for kind, _, _ in found if kind == "measure")


def test_every_summary_table_figure_is_in_budget_lines(ds: Dataset) -> None:
    expected, rows_per_doc, figures_per_doc = Counter(), {}, {}
    for doc in TABLES:
        measures, _, n_rows = _table_figures(doc)
        expected += measures
        rows_per_doc[doc], figures_per_doc[doc] = n_rows, sum(measures.values())
    # guard: the regexes found every row (counted by hand in the files) and figure
    assert rows_per_doc == {"nisc-budget-fy2025": 30, "nisc-budget-fy2024": 31,
                            "nisc-budget-fy2023": 26, "nisc-budget-fy2020": 18}
    assert figures_per_doc == {"nisc-budget-fy2025": 62, "nisc-budget-fy2024": 69,
                               "nisc-budget-fy2023": 26, "nisc-budget-fy2020": 34}
    got = Counter(
        (r["source"], r["line"], r["fiscal_year"], r["budget"], r["status"], r["amount_jpy"])
        for r in rows(ds, "budget-lines", origin="summary-table")
    )
    assert expected - got == Counter(), "summary-table figures missing from budget-lines"
    assert got - expected == Counter(), "budget-lines has summary-table figures the tables do not print"


def test_every_area_subtotal_of_the_tables_is_in_totals(ds: Dataset) -> None:
    expected = Counter()
    for doc in TABLES:
        expected += _table_figures(doc)[1]
    assert sum(expected.values()) == 28  # 4 areas × 3 columns × 2 documents + 4 (FY2023)
    got = Counter(
        (r["area"], r["source"], r["line"], r["fiscal_year"], r["budget"], r["status"], r["amount_jpy"])
        for r in rows(ds, "totals", scope_kind="strategy-area", origin="summary-table")
    )
    assert got == expected


def test_no_figure_is_lost_by_the_joins(ds: Dataset) -> None:
    """Every figure node of the graph is a row of budget-lines (measures) or totals (the rest)."""
    from policykg.namespace import PK

    measures = {str(f) for f in ds.subjects(PK.scopeKind, PK.MeasureScope)}
    others = {str(f) for f, _, k in ds.triples((None, PK.scopeKind, None)) if k != PK.MeasureScope}
    assert len(measures) > 191 and others  # summary tables alone print 191 measure figures
    assert [r["figure"] for r in rows(ds, "budget-lines")] == sorted(measures, key=_figure_order(ds))
    assert {r["figure"] for r in rows(ds, "totals")} == others
    assert len(rows(ds, "totals")) == len(others)


def _figure_order(ds: Dataset):
    from policykg.namespace import PK

    def key(iri: str) -> tuple[str, int, str]:
        doc = iri.split("/")[-2]
        return doc, int(ds.value(URIRef(iri), PK.line)), iri

    return key


# ------------------------------------------------------------- hand-checked facts

def test_budget_lines_show_both_documents_side_by_side(ds: Dataset) -> None:
    found = rows(ds, "budget-lines", agency="厚生労働省", fiscal_year=2024, budget="initial",
                 origin="summary-table")
    got = {(r["source"], r["line"], r["amount_jpy"]) for r in found}
    # 002:79 「30.4億円」 (FY2024 document) and 000:9 「19.5億円」 (FY2025 document, third column)
    assert got == {("nisc-budget-fy2024", 79, 3_040_000_000), ("nisc-budget-fy2025", 9, 1_950_000_000)}
    assert {r["measure"] for r in found} == {"厚生労働省及び関係機関等における情報セキュリティ対策推進費"}
    assert all(r["status"] == "enacted" and r["inclusive"] is False for r in found)


def test_budget_lines_keep_the_name_as_printed(ds: Dataset) -> None:
    # 001:11 prints the ministry with the Kangxi radical ⽣ (U+2F63)
    [row] = rows(ds, "budget-lines", source="nisc-budget-fy2023", origin="summary-table", measure="厚生労働省及び関係機関等における情報セキュリティ対策推進費")
    assert row["measure_as_stated"] == "厚\u2f63労働省及び関係機関等における情報セキュリティ対策推進費"
    assert (row["line"], row["amount_jpy"], row["status"]) == (11, 2_710_000_000, "draft")


def test_wrapped_fy2020_row_cites_its_first_and_last_line(ds: Dataset) -> None:
    # 003:48-52: 【厚生労働省】, two lines of name, then 「33.9億円 40.4億円」
    found = rows(ds, "budget-lines", source="nisc-budget-fy2020", agency="厚生労働省")
    assert {(r["fiscal_year"], r["status"], r["amount_jpy"], r["line"], r["end_line"]) for r in found
            if r["origin"] == "summary-table"} == {(2020, "draft", 3_390_000_000, 48, 52),
                                                  (2019, "enacted", 4_040_000_000, 48, 52)}


def test_totals_overall_both_documents_for_fy2024(ds: Dataset) -> None:
    found = rows(ds, "totals", scope_kind="overall", fiscal_year=2024, budget="initial")
    got = {(r["source"], r["line"], r["amount_jpy"]) for r in found}
    assert ("nisc-budget-fy2024", 10, 212_620_000_000) in got  # 002:10 「2, 126. 2億円」
    assert ("nisc-budget-fy2025", 42, 212_860_000_000) in got  # 000:42 「２,１２８．６億円」 (restated)
    assert {r["scope"] for r in found} == {"政府全体"}
    fy2025 = rows(ds, "totals", scope_kind="overall", fiscal_year="令和7年度", source="nisc-budget-fy2025")
    assert ("nisc-budget-fy2025", 31, 205_150_000_000) in {(r["source"], r["line"], r["amount_jpy"]) for r in fy2025}
    fy2019 = rows(ds, "totals", scope_kind="overall", fiscal_year="令和元年度")
    # 003:68 「（令和元年度当初予算 712.9億円）」
    assert {(r["line"], r["amount_jpy"], r["status"]) for r in fy2019} == {(68, 71_290_000_000, "enacted")}


def test_agency_shares(ds: Dataset) -> None:
    [row] = rows(ds, "agency-shares", agency="防衛省", fiscal_year=2025)
    # 000:81-82 「防衛省」「67.8%」
    assert (row["source"], row["line"], row["percent"]) == ("nisc-budget-fy2025", 82, Decimal("67.8"))


def test_budget_by_agency_sums_one_document(ds: Dataset) -> None:
    found = rows(ds, "budget-by-agency", source="nisc-budget-fy2025", agency="総務省", budget="initial")
    by_year = {r["fiscal_year"]: (r["listed_sum_jpy"], r["measures"]) for r in found}
    # 000:4,5,6,12,26: 15.8 + 13.0 + 9.0 + 12.0 + 0.7 = 50.5億円 (FY2025 column)
    assert by_year[2025] == (5_050_000_000, 5)
    # same rows, third column: 15.8 + 10.0 + 8.5 + 17.4 + 0.7 = 52.4億円
    assert by_year[2024] == (5_240_000_000, 5)
    assert {r["source"] for r in found} == {"nisc-budget-fy2025"}


def test_yoy_change_same_document(ds: Dataset) -> None:
    [row] = rows(ds, "yoy-change", measure="厚生労働省及び関係機関等における情報セキュリティ対策推進費",
                 source="nisc-budget-fy2025")
    # 000:9 「32.2億円 90.4億円 19.5億円」: FY2025 initial against FY2024 initial on the same row
    assert (row["fiscal_year"], row["amount_jpy"], row["previous_amount_jpy"]) == (2025, 3_220_000_000, 1_950_000_000)
    assert (row["comparison"], row["previous_source"], row["previous_line"]) == ("same-document", "nisc-budget-fy2025", 9)
    assert row["change_jpy"] == 1_270_000_000 and row["change_percent"] == Decimal("65.1")


def test_yoy_change_falls_back_across_documents(ds: Dataset) -> None:
    # Without 000:9's FY2024 figure, FY2024 initial comes from the FY2024 document (002:79).
    copy = Dataset(default_union=True)
    for quad in ds.quads((None, None, None, None)):
        copy.add(quad)
    copy.remove((URIRef(ID + "figure/nisc-budget-fy2025/L9-3"), None, None, None))
    [row] = rows(copy, "yoy-change", measure="mhlw-information-security-promotion", source="nisc-budget-fy2025")
    assert row["comparison"] == "across-documents"
    assert (row["previous_source"], row["previous_line"], row["previous_amount_jpy"]) == ("nisc-budget-fy2024", 79, 3_040_000_000)


def test_measure_history_by_label_and_by_variant_spelling(ds: Dataset) -> None:
    label = rows(ds, "measure-history", measure="産業サイバーセキュリティ対策の強化に向けた環境整備事業")
    cited = {(r["source"], r["line"], r["fiscal_year"], r["amount_jpy"], r["predecessor"]) for r in label}
    assert ("nisc-budget-fy2025", 3, 2025, 5_410_000_000, False) in cited  # 000:3 「54.1億円」
    # a predecessor (registry: continues 産業サイバーセキュリティ強靱化事業): 001:6 「23.5億円」 (強靭)
    assert ("nisc-budget-fy2023", 6, 2023, 2_350_000_000, True) in cited
    assert all(r["document_year"] in (2020, 2023, 2024, 2025) for r in label)
    # the FY2023 spelling 強靭 and the FY2024 spelling 強靱 name the same measure
    variant = rows(ds, "measure-history", measure="産業サイバーセキュリティ強靭化事業")
    assert {(r["source"], r["line"], r["amount_jpy"]) for r in variant} >= {
        ("nisc-budget-fy2023", 6, 2_350_000_000), ("nisc-budget-fy2024", 71, 2_340_000_000)}
    spaced = rows(ds, "measure-history", measure="ナショナル サイバートレーニングセンターの　強化")
    # 003:18 「ナショナルサイバートレーニングセンターの構築 15.0億円」 is its predecessor
    assert ("nisc-budget-fy2020", 18, 1_500_000_000, True) in {
        (r["source"], r["line"], r["amount_jpy"], r["predecessor"]) for r in spaced}


def test_body_activity_nict(ds: Dataset) -> None:
    found = {(r["role"], r["name"], r["source"], r["line"]) for r in rows(ds, "body-activity", body="NICT")}
    # 000:589 「（事業主体） 国立研究開発法人情報通信研究機構（NICT）」, 000:595 「①CYDER（実践的サイバー防御演習）」
    assert ("implements", "ナショナルサイバートレーニングセンターの強化", "nisc-budget-fy2025", 589) in found
    assert ("operates", "CYDER", "nisc-budget-fy2025", 595) in found
    assert ("receives", "ナショナルサイバートレーニングセンターの強化", "nisc-budget-fy2025", 589) in found


def test_body_activity_ipa_by_japanese_name(ds: Dataset) -> None:
    found = rows(ds, "body-activity", body="情報処理推進機構")
    receives = {(r["name"], r["counterpart"], r["instrument"], r["source"], r["line"]) for r in found
                if r["role"] == "receives"}
    # 002:708 「（独）情報処理推進機構（IPA）に委託して実施します」
    assert ("独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", "内閣官房", "委託",
            "nisc-budget-fy2024", 708) in receives
    # 000:985-986 「（独）情報処理推進機構国」「交付金」
    assert ("政府情報システムのためのセキュリティ評価事業", "経済産業省", "交付金", "nisc-budget-fy2025", 985) in receives


def test_legal_bases_and_measures_by_law(ds: Dataset) -> None:
    iot = rows(ds, "legal-bases", law="電波法")
    # 000:241 「電波法第103条の2第4項第12号に規定する事務」
    assert {(r["measure"], r["article"], r["paragraph"], r["item"]) for r in iot} == {
        ("IoTの安心・安全かつ適正な利用環境の構築", "103の2", "4", "12")}
    assert {r["measure"] for r in rows(ds, "measures-by-law", law="電波法", article="第103条の2")} == {
        "IoTの安心・安全かつ適正な利用環境の構築"}
    art13 = rows(ds, "measures-by-law", law="サイバーセキュリティ基本法", article="第１３条")
    # 000:553-554 「サイバーセキュリティ基本法第13条に基づき…GSOC」
    assert {r["measure"] for r in art13} == {"政府機関情報セキュリティ横断監視・即応調整チームの運用"}
    assert ("nisc-budget-fy2025", 553) in {(r["source"], r["line"]) for r in art13}
    everything = rows(ds, "measures-by-law", law="サイバーセキュリティ基本法")
    assert {r["article"] for r in everything} >= {"13", "26", "31"}


def test_programs_cyder(ds: Dataset) -> None:
    found = rows(ds, "programs", program="実践的サイバー防御演習")
    assert ("国立研究開発法人情報通信研究機構", "ナショナルサイバートレーニングセンターの強化",
            "nisc-budget-fy2025", 595, True) in {
        (r["operator"], r["measure"], r["source"], r["line"], r["operator_cited"]) for r in found}
    assert {r["program"] for r in found} == {"CYDER"}


def test_program_facts(ds: Dataset) -> None:
    [row] = rows(ds, "program-facts", program="OTセキュリティを含む重要情報インフラ保護に関する人材育成プログラム",
                 key="participants")
    # 004:1128 「参加者：18名（ブルネイ、…）」
    assert (row["value"], row["source"], row["line"], row["approximate"]) == ("18", "meti-icsws-wg3-10", 1128, False)


def test_funding_flows_to_ipa(ds: Dataset) -> None:
    found = rows(ds, "funding-flows", recipient="IPA", funder="内閣官房")
    assert {(r["source"], r["line"], r["instrument"]) for r in found} >= {("nisc-budget-fy2024", 708, "委託")}
    assert {r["recipient"] for r in found} == {"独立行政法人情報処理推進機構"}


# ------------------------------------------------------- parameters and refusals

HOSTILE = ['"> } ; DROP ALL #', "nisc-budget-fy2024\" } UNION { ?s ?p ?o } #", "x'\n} DELETE WHERE { ?s ?p ?o } #"]


def _rq(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


ID_QUERY = """# by-id — a document by its identifier.
# @param id xsd:string  dcterms:identifier
# @example policykg query by-id.rq --param id=nisc-budget-fy2024
# @columns ?doc
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?doc WHERE { ?doc dcterms:identifier ?id }
"""


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_bound_as_literals(ds: Dataset, tmp_path: Path, value: str) -> None:
    quads = len(ds)
    nq = load_query(_rq(tmp_path, "by-id", ID_QUERY))
    text = nq.text
    assert [str(r.doc) for r in run_query(ds, nq, {"id": "nisc-budget-fy2024"})] == [ID + "doc/nisc-budget-fy2024"]
    assert list(run_query(ds, nq, {"id": value})) == []
    assert rows(ds, "measures-by-law", law="サイバーセキュリティ基本法", article=value) == []
    with pytest.raises(QueryError, match="no measure named"):
        rows(ds, "measure-history", measure=value)
    with pytest.raises(QueryError, match="is not one of"):
        rows(ds, "budget-lines", origin=value)
    assert nq.text == text and len(ds) == quads


def test_hostile_values_collected() -> None:
    assert len(HOSTILE) == 3


@pytest.mark.parametrize("update", [
    "DROP ALL",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX pk: <https://w3id.org/policykg/ontology#>\nDELETE WHERE { ?s pk:amountJPY ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR DEFAULT",
    "# a comment first\nDELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused(tmp_path: Path, update: str) -> None:
    with pytest.raises(QueryError, match="refused: a SPARQL Update"):
        load_query(_rq(tmp_path, "update", update))


def test_refusal_is_decided_by_parsing_not_words(ds: Dataset, tmp_path: Path) -> None:
    text = '# never INSERT, DELETE or DROP ALL here\nSELECT ("DROP ALL; CLEAR DEFAULT" AS ?x) WHERE {}\n'
    assert [str(r.x) for r in run_query(ds, _rq(tmp_path, "words", text), {})] == ["DROP ALL; CLEAR DEFAULT"]
    for text, why in [("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
                      ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
                      ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "only SELECT and ASK"),
                      ("SELECT WHERE", "not a valid SPARQL query"),
                      ("SELECT ?s WHERE { ?s nope:p ?o }", "cannot prepare"),
                      ("# only a comment\n", "no SPARQL query")]:
        with pytest.raises(QueryError, match=why):
            load_query(_rq(tmp_path, "bad", text))


def test_unknown_missing_and_malformed_params(ds: Dataset, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match=r"no parameter 'year' \(declared: fiscal_year, agency, measure"):
        rows(ds, "budget-lines", year=2024)
    with pytest.raises(QueryError, match="needs parameter"):
        rows(ds, "measure-history")
    with pytest.raises(QueryError, match="not a fiscal-year"):
        rows(ds, "budget-lines", fiscal_year="next year")
    with pytest.raises(QueryError, match="no source document 'fy2024'; documents: meti-icsws-wg3-10"):
        rows(ds, "budget-lines", source="fy2024")
    with pytest.raises(QueryError, match="unknown query 'budget-line'"):
        load_query("budget-line")
    unused = "# x — y\n# @param year xsd:integer  a year\nSELECT ?s WHERE { ?s ?p ?o }\n"
    with pytest.raises(QueryError, match="never uses"):
        load_query(_rq(tmp_path, "unused", unused))


def test_entity_resolution(ds: Dataset) -> None:
    index = EntityIndex(ds)
    ipa = ID + "body/ipa"
    for name in ("IPA", "ＩＰＡ", "情報処理推進機構", "独立行政法人情報処理推進機構", "ipa", f"<{ipa}>"):
        assert str(index.resolve("body", name)) == ipa, name
    # 001:11 spelling with the Kangxi radical ⽣
    assert str(index.resolve("measure", "厚⽣労働省及び関係機関等における情報セキュリティ対策推進費")) == (
        ID + "measure/mhlw-information-security-promotion")
    with pytest.raises(QueryError, match="close matches: 厚生労働省"):
        index.resolve("agency", "厚生労省")
    with pytest.raises(QueryError, match="is ambiguous"):  # a measure and a programme share this name
        index.resolve("entity", "IPAによる有望セキュリティ・スタートアップ製品・サービス等の積極的な調達実証事業")
    with pytest.raises(QueryError, match="no agency with IRI"):
        index.resolve("agency", ipa)


def test_entity_index_keys_are_nfkc_lookup_keys(ds: Dataset) -> None:
    # 情報処理推進機構 is the body's prefLabel (registry.toml); its key is the NFKC-folded, casefolded form.
    names = EntityIndex(ds).names("body")
    assert names["ipa"] == {URIRef(ID + "body/ipa")}
    assert names["情報処理推進機構"] == {URIRef(ID + "body/ipa")}
    assert all(key == lookup_key(key) for key in names)


def test_run_query_resolves_with_the_index_it_is_given(ds: Dataset) -> None:
    g = Graph()
    for s, p, o, _ in ds.quads():  # the merge of the documents' graphs
        g.add((s, p, o))
    index = EntityIndex(g)
    assert index.resolve("body", "IPA") == URIRef(ID + "body/ipa")  # reads the bodies' names once
    for prop in (SKOS.altLabel, SKOS.notation):  # a built graph does not change; this one does
        g.remove((URIRef(ID + "body/ipa"), prop, None))
    # The index kept the names it read: the runner binds ?body with it, not with a new look-up.
    bound = run_query(g, "body-activity", {"body": "IPA"}, index=index)
    assert format_result(bound, "tsv") == format_result(run_query(ds, "body-activity", {"body": "IPA"}), "tsv")
    with pytest.raises(QueryError, match="no body named 'IPA'"):
        run_query(g, "body-activity", {"body": "IPA"})  # a new index reads the changed graph
    with pytest.raises(ValueError, match="another store"):
        run_query(ds, "body-activity", {"body": "IPA"}, index=index)


def test_an_unbound_optional_param_does_not_filter(ds: Dataset) -> None:
    everything = rows(ds, "budget-lines")
    fy2024 = rows(ds, "budget-lines", fiscal_year=2024)
    assert fy2024 and all(r["fiscal_year"] == 2024 for r in fy2024)
    assert {r["fiscal_year"] for r in everything} >= {2019, 2020, 2023, 2024, 2025}
    assert len(everything) > len(fy2024)


# ---------------------------------------------------------------------- formats

def _mhlw_fy2024(ds: Dataset):
    return run_query(ds, "budget-lines", {"agency": "厚生労働省", "fiscal_year": "2024", "budget": "initial",
                                          "origin": "summary-table"})


def test_json_is_sparql_results_json(ds: Dataset) -> None:
    data = json.loads(format_result(_mhlw_fy2024(ds), "json"))
    assert data["head"]["vars"] == list(load_query("budget-lines").columns)
    bindings = data["results"]["bindings"]
    assert len(bindings) == 2
    for b in bindings:
        assert b["amount_jpy"]["type"] == "literal"
        assert b["amount_jpy"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
        assert b["agency"] == {"type": "literal", "value": "厚生労働省", "xml:lang": "ja"}
        assert b["measure_iri"]["type"] == "uri"
    assert {b["amount_jpy"]["value"] for b in bindings} == {"3040000000", "1950000000"}


def test_csv_is_sparql_results_csv(ds: Dataset) -> None:
    text = format_result(_mhlw_fy2024(ds), "csv")
    assert text.endswith("\r\n")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0] == list(load_query("budget-lines").columns)
    assert {(r[table[0].index("source")], r[table[0].index("amount_jpy")]) for r in table[1:]} == {
        ("nisc-budget-fy2024", "3040000000"), ("nisc-budget-fy2025", "1950000000")}


def test_tsv_is_sparql_results_tsv(ds: Dataset) -> None:
    lines = format_result(_mhlw_fy2024(ds), "tsv").split("\n")
    header = lines[0].split("\t")
    assert header == ["?" + c for c in load_query("budget-lines").columns]
    assert lines[-1] == "" and len(lines) == 4
    row = dict(zip(header, lines[1].split("\t")))
    assert row["?agency"] == '"厚生労働省"@ja'
    assert row["?amount_jpy"] in ("3040000000", "1950000000")  # integers unquoted
    assert row["?inclusive"] == '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    assert row["?source"].startswith('"nisc-budget-fy202') and row["?measure_iri"].startswith("<https://")


def test_table_aligns_japanese_text(ds: Dataset) -> None:
    lines = format_result(_mhlw_fy2024(ds), "table").splitlines()
    assert lines[-1] == "(2 rows)"
    start = display_width(lines[0][: lines[0].index("measure")])
    for line in lines[2:-1]:
        assert display_width(line[: line.index("厚生労働省及び")]) == start


# -------------------------------------------------------------------------- CLI

def test_cli_list() -> None:
    result = CliRunner().invoke(main, ["query", "--list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert {line.split(":")[0] for line in result.output.splitlines() if not line.startswith(" ")} == EXPECTED_QUERIES


def test_cli_runs_a_named_query(build_dir: Path) -> None:
    args = ["query", "budget-lines", "--build-dir", str(build_dir), "--param", "agency=厚生労働省",
            "-p", "fiscal_year=令和6年度", "-p", "budget=initial", "-p", "origin=summary-table", "--format", "csv"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0
    assert ",3040000000," in result.output and ",1950000000," in result.output


def test_cli_runs_a_file_and_reports_errors(build_dir: Path, tmp_path: Path) -> None:
    path = _rq(tmp_path, "by-id", ID_QUERY)
    ok = CliRunner().invoke(main, ["query", str(path), "--build-dir", str(build_dir), "-p", "id=nisc-budget-fy2020",
                                   "--format", "tsv"], catch_exceptions=False)
    assert ok.output == f"?doc\n<{ID}doc/nisc-budget-fy2020>\n"
    bad = CliRunner().invoke(main, ["query", "totals", "--build-dir", str(build_dir), "-p", "scope=all"],
                             catch_exceptions=False)
    assert bad.exit_code == 2 and "has no parameter 'scope'" in bad.output
    nothing = CliRunner().invoke(main, ["query", "totals", "--build-dir", str(tmp_path / "none")],
                                 catch_exceptions=False)
    assert nothing.exit_code == 5
    usage = CliRunner().invoke(main, ["query", "totals", "-p", "scope_kind"], catch_exceptions=False)
    assert usage.exit_code == 2 and "KEY=VALUE" in usage.output
