"""The diagram projections (``policykg.viz.project``) on the real graph, the page and
SVG renderers' escaping, and the ``policykg viz`` command.

Facts were checked by hand against the corpus (file:line in the comments);
corpus/000_b360cdfc8cdc379a.txt is nisc-budget-fy2025.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Dataset

from policykg.cli import main
from policykg.errors import QueryError
from policykg.viz import Format, project, write
from policykg.viz.project import Figure, pick_figure, read_facts
from policykg.viz.render import render_html, to_network
from policykg.viz.static import render_svg


@pytest.fixture(scope="session")
def build_dir(bundled_build: Path) -> Path:
    return bundled_build


@pytest.fixture(scope="session")
def ds(bundled_dataset: Dataset) -> Dataset:
    return bundled_dataset


def test_funding_flow_fy2025(ds: Dataset) -> None:
    g = project("funding", ds, fiscal_year=2025, kind="initial")
    assert g.graph["fiscal_year"] == 2025
    # 000_…txt:216-231 「国 交付 / (1)－②、(3)－①、(3)－③ / … / 独立行政法人情報処理推進機構(IPA)」 and :221
    # 「国 補助 独立行政法人情報処理推進機構(IPA)」 under 産業サイバーセキュリティ対策の強化に向けた環境整備事業,
    # whose FY2025 figure is 54.1億円 in the summary table (000_…txt:3). The page prints no amount for
    # either flow: the edge has none (not the 54.1億円, which the page splits with 民間 委託 lines).
    m = "measure/meti-industrial-cybersecurity-environment"
    edge = g.edges[m, "body/ipa"]
    assert edge["kind"] == "funding" and edge["instrument"] == "交付金・補助" and edge["fy"] == 2025
    assert edge["sources"] == ["nisc-budget-fy2025:216", "nisc-budget-fy2025:221"]
    assert edge["amount_stated"] is False and edge["amount_jpy"] is None and "figure" not in edge
    assert [(f["instrument"], f["amount_jpy"], f["where"]) for f in edge["flows"]] == [
        ("交付金", None, "nisc-budget-fy2025:216"), ("補助", None, "nisc-budget-fy2025:221")]
    # The measure's budget stays on the agency → measure edge, with its line.
    funds = g.edges["agency/meti", m]
    assert (funds["printed"], funds["amount_jpy"], funds["figure"]) == ("54.1億円", 5_410_000_000, "nisc-budget-fy2025:3")
    # 000_…txt:223-226 「国 委託 / (1)－① / 民間専門機関」 and :228 「民間企業等国 委託」: private companies.
    assert g.edges[m, "body/private-contractors"]["instrument"] == "委託"
    assert g.edges[m, "body/private-contractors"]["sources"] == ["nisc-budget-fy2025:223", "nisc-budget-fy2025:228"]
    # No FY2025 flow prints an amount of its own, so no measure → recipient edge has one.
    assert all(d["amount_jpy"] is None for _, _, d in g.edges(data=True) if d["kind"] == "funding")
    # Only flows stated in FY2025 documents: the FY2023 flow of 産業サイバーセキュリティ強靱化事業 is absent.
    assert all(d["fy"] == 2025 for _, _, d in g.edges(data=True))
    assert "measure/meti-industrial-cybersecurity-resilience" not in g


def test_funding_edges_width_and_label_from_the_flows_own_amount(ds: Dataset) -> None:
    # 003_…txt:398 「○産業系サイバーセキュリティ推進事業（IPA交付金） ： 19.3億円（19.3億円）」: the flow's
    # own amount (the line prints it for the flow); 003_…txt:550 「国立大学法人運営費交付金の内数」: none.
    g = project("funding", ds, fiscal_year=2020)
    stated = g.edges["measure/meti-industrial-cybersecurity-promotion", "body/ipa"]
    assert (stated["amount_stated"], stated["amount_jpy"], stated["printed"]) == (True, 1_930_000_000, "19.3億円")
    unstated = g.edges["measure/mext-higher-education-security-human-resources", "body/national-universities"]
    assert (unstated["amount_stated"], unstated["amount_jpy"]) == (False, None)
    # in English the amount is in English units, from the yen (1,930,000,000 yen = ¥1.93 bn)
    for lang, not_stated, amount in (("ja", "金額の記載なし", "19.3億円"), ("en", "amount not stated", "¥1.93 bn")):
        net, _ = to_network(g, lang=lang)
        keys = {e["id"]: e["key"] for e in net.nodes}
        edges = {(keys[e["from"]], keys[e["to"]]): e for e in net.edges}
        drawn = edges["measure/meti-industrial-cybersecurity-promotion", "body/ipa"]
        assert drawn["label"].endswith(f" · {amount}") and drawn["width"] > 1 and "dashes" not in drawn
        assert drawn["tip"][0].endswith(f", FY2020, {amount}")
        dashed = edges["measure/mext-higher-education-security-human-resources", "body/national-universities"]
        assert dashed["dashes"] is True and dashed["label"].endswith(f" · {not_stated}") and "width" not in dashed
        assert dashed["tip"][0].endswith(f", FY2020, {not_stated}")
    svg = render_svg(g)
    assert svg.count('stroke-dasharray="6 4"') == sum(1 for *_, d in g.edges(data=True) if d.get("amount_stated") is False)


def test_figures_carry_their_documents_fiscal_year(ds: Dataset) -> None:
    # corpus/manifest.toml: meti-icsws-wg3-10 is a FY2025 document though its id names no year.
    facts = read_facts(ds)
    years = {(f.source, f.doc_fy) for figs in facts.figures.values() for f in figs}
    assert years == {("nisc-budget-fy2025", 2025), ("nisc-budget-fy2024", 2024), ("nisc-budget-fy2023", 2023),
                     ("nisc-budget-fy2020", 2020), ("meti-icsws-wg3-10", 2025)}


def test_pick_figure_prefers_the_document_of_that_year_by_its_fiscal_year() -> None:
    def fig(source: str, doc_fy: int, status: str) -> Figure:
        return Figure(2025, "initial", status, 3_000_000_000, "30.0億円", False, source, 10, doc_fy)

    earlier = fig("nisc-budget-fy2024", 2024, "draft")  # a FY2024 document's draft for FY2025
    same_year = fig("meti-icsws-wg3-10", 2025, "request")  # a FY2025 document, no year in its id
    assert pick_figure([earlier, same_year], 2025, "initial") == same_year
    assert pick_figure([earlier, fig("nisc-budget-fy2025", 2025, "enacted"), same_year], 2025, "initial").source == (
        "nisc-budget-fy2025")  # same year: enacted before request


def test_entity_nict_neighbourhood(ds: Dataset) -> None:
    g = project("entity", ds, entity="NICT")
    assert g.graph["centre"] == "body/nict" and g.nodes["body/nict"]["centre"]
    # 000_…txt:368 and :400 name NICT as 事業主体 of these two measures.
    for m in ("measure/mic-government-terminal-information-demonstration", "measure/mic-cynex"):
        assert g.has_edge(m, "body/nict")
        assert {"nisc-budget-fy2025:368", "nisc-budget-fy2025:400"} & set(g.edges[m, "body/nict"]["sources"])
    # The measure's budget series keeps each figure's document and line (000_…txt:5: 13.0億円
    # for FY2025 and 10.0億円 for FY2024 on the same line).
    budget = g.nodes["measure/mic-government-terminal-information-demonstration"]["budget"]
    on_line_5 = {(f["fy"], f["kind"], f["printed"]) for f in budget if f["where"] == "nisc-budget-fy2025:5"}
    assert on_line_5 == {(2025, "initial", "13.0億円"), (2024, "initial", "10.0億円")}
    # Any label finds the same entity: the Japanese name with full-width spacing variants.
    same = project("entity", ds, entity="国立研究開発法人情報通信研究機構")
    assert set(same) == set(g)


def test_entity_by_other_labels(ds: Dataset) -> None:
    assert project("entity", ds, entity="IPA").graph["centre"] == "body/ipa"
    assert project("entity", ds, entity="CYDER").graph["centre"] == "program/cyder"
    law = project("entity", ds, entity="サイバーセキュリティ基本法", depth=2)
    assert law.nodes[law.graph["centre"]]["cls"] == "Law"
    assert any(d["cls"] == "Measure" for _, d in law.nodes(data=True))
    with pytest.raises(QueryError, match="no entity named"):
        project("entity", ds, entity="存在しない機関")


def test_overview_and_law(ds: Dataset) -> None:
    g = project("overview", ds)
    classes = {d["cls"] for _, d in g.nodes(data=True)}
    assert classes == {"Agency", "Measure", "ImplementingBody", "Program"}
    assert g.has_edge("agency/mic", "measure/mic-cynex") and g.has_edge("measure/mic-cynex", "body/nict")
    assert all(g.nodes[u]["cls"] == "Agency" for u, _, d in g.edges(data=True) if d["kind"] == "agency")
    # The bodies a measure pays are in the overview through its funding scheme:
    # 「国 補助 独立行政法人情報処理推進機構(IPA)」 (000_b360cdfc8cdc379a.txt:221) and
    # 「交付⾦ / 独⽴⾏政法⼈情報処理推進機構(IPA)」 (001_feb53fcdf8afa2d7.txt:193-194).
    # 「国 交付 … 独立行政法人情報処理推進機構(IPA)」 (000_b360cdfc8cdc379a.txt:216-231) too.
    ipa = g.edges["measure/meti-industrial-cybersecurity-environment", "body/ipa"]
    assert (ipa["kind"], ipa["instrument"], ipa["sources"]) == (
        "funding", "交付金・補助", ["nisc-budget-fy2025:216", "nisc-budget-fy2025:221"])
    ipa = g.edges["measure/meti-industrial-cybersecurity-resilience", "body/ipa"]
    assert (ipa["instrument"], ipa["sources"]) == ("交付金", ["nisc-budget-fy2023:193"])
    # CYNEX's 事業主体 NICT is also its subsidy's recipient: one edge keeps the 事業主体 kind.
    assert g.edges["measure/mic-cynex", "body/nict"]["kind"] == "implementedBy"
    assert g.edges["measure/mic-cynex", "body/nict"]["instrument"] == "補助"
    one = project("overview", ds, agency="総務省")
    assert {d["agency"] for _, d in one.nodes(data=True) if d["cls"] == "Measure"} == {"agency/mic"}
    law = project("law", ds)
    laws = {d["label_ja"] for _, d in law.nodes(data=True) if d["cls"] == "Law"}
    assert "サイバーセキュリティ基本法" in laws
    article = next(n for n, d in law.nodes(data=True) if d["label_ja"] == "サイバーセキュリティ基本法第26条第1項第2号")
    assert law.nodes[article]["cls"] == "Article"
    assert all(law.nodes[m]["cls"] == "Measure" for m in law.successors(article))


def test_compare_2024_2025(ds: Dataset) -> None:
    g = project("compare", ds, years=(2024, 2025))
    # 000_…txt:3: 54.1億円 in FY2025 against 44.0億円 in FY2024 — grown.
    d = g.nodes["measure/meti-industrial-cybersecurity-environment"]
    assert (d["change"], d["amount_a"], d["amount_b"]) == ("grown", 4_400_000_000, 5_410_000_000)
    # 000_…txt:4: 15.8億円 both years — unchanged.
    assert g.nodes["measure/mic-iot-safe-environment"]["change"] == "same"
    for n, d in g.nodes(data=True):
        if d["cls"] == "Measure":
            assert (d["amount_a"] is None) == (d["change"] == "new")
            assert (d["amount_b"] is None) == (d["change"] in ("ended", "not-listed"))


def test_unknown_view_and_kind(ds: Dataset) -> None:
    with pytest.raises(QueryError, match="unknown view"):
        project("sankey", ds)
    with pytest.raises(QueryError, match="unknown budget kind"):
        project("funding", ds, kind="final")
    # No document of FY2019 states a flow (flows come from the FY2020/2023/2024/2025 documents).
    with pytest.raises(QueryError, match="funding view is empty.*FY2020, FY2023, FY2024, FY2025"):
        project("funding", ds, fiscal_year=2019)


def hostile_graph() -> nx.DiGraph:
    g = nx.DiGraph(title='<b>title</b> "q"', view="overview", documents=["doc<1>"])
    evil = '<script>window.PWNED=1</script>"><img src=x onerror="window.PWNED=2">'
    g.add_node("a", cls="Agency", label_ja=evil, label_en="", labels=[evil], budget=[], agency="")
    g.add_node("m", cls="Measure", label_ja="施策</script>", label_en="", labels=["施策</script>"], agency="a",
               budget=[{"fy": 2025, "kind": "initial", "status": "draft", "amount_jpy": 100_000_000,
                        "printed": "1.0億円<i>", "inclusive": False, "source": "d", "line": 1, "where": "d:1"}])
    g.add_edge("a", "m", kind="agency", sources=["d:2"], instrument="", fy=None, amount_jpy=None, printed="")
    return g


def test_page_escapes_document_text() -> None:
    html = render_html(hostile_graph())
    body = html.split("<script>var PK_DATA", 1)[0].rsplit("</script>", 1)[-1] + html.split("var PK_DATA", 1)[1]
    assert "<script>window.PWNED" not in html and "<img src=x" not in html
    assert "施策</script>" not in body
    assert "&lt;b&gt;title&lt;/b&gt;" in html  # the page title, escaped by the template
    assert not re.search(r"https?://(?!www\.w3\.org)", body)  # no address for the page to load


def test_svg_escapes_and_parses() -> None:
    import xml.etree.ElementTree as ET

    svg = render_svg(hostile_graph())
    root = ET.fromstring(svg)  # well-formed: every label escaped
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(t and "<script>window.PWNED=1</script>" in t for t in texts)


def test_network_lists_filled_directly(ds: Dataset) -> None:
    g = project("overview", ds)
    net, groups = to_network(g, max_drawn=1500)
    assert len(net.nodes) == g.number_of_nodes() and len(net.edges) == g.number_of_edges() and groups == []
    # by default the overview (100 nodes) opens grouped: 13 agencies ungrouped, every other node in a
    # group of its class and agency or alone (e.g. 金融庁's one measure)
    net, groups = to_network(g)
    assert len(net.nodes) == g.number_of_nodes() and sum(gr["n"] for gr in groups) == sum(
        1 for n in net.nodes if "g" in n)
    assert all("g" not in n for n in net.nodes if n["k"] == "Agency")
    mic = next(gr for gr in groups if gr["cls"] == "Measure" and gr["agency"] == "agency/mic")
    assert mic["label"] == "総務省: 施策 ×9"  # the 9 MIC measures of the registry
    assert net.cdn_resources == "in_line"
    big = nx.DiGraph()
    big.add_node("ag", cls="Agency", label_ja="府省", labels=["府省"])
    for i in range(60):
        big.add_node(f"m{i}", cls="Measure", label_ja=f"施策{i}", labels=[], agency="ag")
        big.add_edge("ag", f"m{i}", kind="agency")
    net, groups = to_network(big, max_drawn=10)
    assert groups and groups[0]["n"] == 60 and groups[0]["label"] == "府省: 施策 ×60"
    assert all(n.get("g") == 0 for n in net.nodes if n["k"] == "Measure")


def test_cli_writes_html_and_svg(build_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "nict.html"
    result = runner.invoke(main, ["viz", "entity", "--entity", "NICT", "--build-dir", str(build_dir),
                                  "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "entity: 15 nodes" in result.output
    data = json.loads(re.search(r"var PK_DATA = (\{.*?\});\n", out.read_text()).group(1))
    assert {n["key"] for n in data["nodes"]} >= {"body/nict", "measure/mic-cynex"}
    svg = tmp_path / "law.svg"
    result = runner.invoke(main, ["viz", "law", "--lang", "en", "--build-dir", str(build_dir), "--out", str(svg)],
                           catch_exceptions=False)
    assert result.exit_code == 0 and svg.read_text().startswith("<svg")
    bad = runner.invoke(main, ["viz", "entity", "--entity", "nosuch", "--build-dir", str(build_dir),
                               "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2 and "no entity named 'nosuch'" in bad.output
    assert not (tmp_path / "x.html").exists()
    bad = runner.invoke(main, ["viz", "compare", "--years", "2024", "--build-dir", str(build_dir),
                               "--out", str(tmp_path / "y.html")])
    assert bad.exit_code == 2 and "FROM,TO" in bad.output


def test_write_formats(ds: Dataset, tmp_path: Path) -> None:
    g = project("law", ds)
    write(g, tmp_path / "law.html", fmt=Format.HTML, lang="en")
    assert "Laws and articles" in (tmp_path / "law.html").read_text()


def test_pick_figure_prefers_the_edition_of_that_year_by_its_fiscal_year() -> None:
    """The document's pk:fiscalYear decides, not its id: an edition named without "fy2025"
    still wins for FY2025 figures (here 19.5億円 restated by a FY2025 edition vs 30.4億円)."""
    from policykg.viz.project import Figure, pick_figure

    older = Figure(2024, "initial", "enacted", 3_040_000_000, "30.4億円", False, "edition-a", 79, 2024)
    newer = Figure(2024, "initial", "enacted", 1_950_000_000, "19.5億円", False, "edition-b", 9, 2025)
    assert pick_figure([newer, older], 2024, "initial") is older
    assert pick_figure([older, newer], 2025, "initial") is None
    again = Figure(2025, "initial", "enacted", 205_150_000_000, "2,051.5億円", False, "zz-edition", 31, 2025)
    other = Figure(2025, "initial", "draft", 205_000_000_000, "2,050.0億円", False, "aa-nisc-budget-fy2025", 3, 2026)
    assert pick_figure([other, again], 2025, "initial") is again


def test_pick_figure_takes_the_preferred_figure_of_the_latest_phase() -> None:
    """With ranks in the graph the view follows them (README "Ranks"): the preferred figure,
    enacted before draft; a normal-ranked restatement is never shown."""
    from policykg.viz.project import Figure, pick_figure

    own = Figure(2024, "initial", "enacted", 3_040_000_000, "30.4億円", False, "nisc-budget-fy2024", 79, 2024, "preferred")
    later = Figure(2024, "initial", "enacted", 1_950_000_000, "19.5億円", False, "nisc-budget-fy2025", 9, 2025, "normal")
    draft = Figure(2024, "initial", "draft", 3_000_000_000, "30.0億円", False, "nisc-budget-fy2024-draft", 5, 2024,
                   "preferred")
    assert pick_figure([later, draft, own], 2024, "initial") is own
    assert pick_figure([later, draft], 2024, "initial") is draft
    assert pick_figure([later], 2024, "initial") is None


def test_the_views_show_the_preferred_figure_of_the_bundled_graph(ds: Dataset) -> None:
    """厚生労働省 FY2024 initial: 30.4億円 (nisc-budget-fy2024:79, preferred), not the FY2025
    edition's restated 19.5億円."""
    facts = read_facts(ds)
    [key] = [k for k in facts.figures if k.endswith("mhlw-information-security-promotion")]
    picked = pick_figure(facts.figures[key], 2024, "initial")
    assert (picked.printed, picked.where, picked.rank) == ("30.4億円", "nisc-budget-fy2024:79", "preferred")


def test_compare_tells_not_listed_from_ended(ds: Dataset) -> None:
    """The FY2025 edition no longer lists twelve measures of the FY2024 table (lines 71, 75, 78,
    80, 84, 88, 91, 92, 111, 112, 117, 118 of 002_…txt): not listed, not ended — no document
    gives them a plan period that ends before FY2025. A plan period ending in FY2024 makes one
    'ended', citing the statement."""
    from policykg.namespace import ID, PK
    from rdflib import RDF, Literal
    from rdflib.namespace import PROV

    g = project("compare", ds, years=(2024, 2025))
    gone = {d["figure_a"] for _, d in g.nodes(data=True) if d.get("change") == "not-listed"}
    assert gone == {f"nisc-budget-fy2024:{n}" for n in (71, 75, 78, 80, 84, 88, 91, 92, 111, 112, 117, 118)}
    assert not [n for n, d in g.nodes(data=True) if d.get("change") == "ended"]

    copy = Dataset(default_union=True)
    for quad in ds.quads((None, None, None, None)):
        copy.add(quad)
    doc = ID["doc/nisc-budget-fy2024"]
    plan = ID["plan/test/L1-1"]
    for p, o in ((RDF.type, PK.PlanPeriod), (PK.measure, ID["measure/cas-incident-investigation"]),
                 (PK.planStartYear, Literal(2022)), (PK.planEndYear, Literal(2024)), (PK.line, Literal(1)),
                 (PK.endLine, Literal(1)), (PROV.wasDerivedFrom, doc)):
        copy.graph(doc).add((plan, p, o))
    d = project("compare", copy, years=(2024, 2025)).nodes["measure/cas-incident-investigation"]
    assert (d["change"], d["plan_end"]) == ("ended", "nisc-budget-fy2024:1")
