"""Entity pages (``/id/…``), the ontology page and ``--base`` on a real ``policykg serve``.

Facts checked by hand against the corpus:
* corpus/000_b360cdfc8cdc379a.txt:12 (nisc-budget-fy2025) prints
  「【総務省】ナショナルサイバートレーニングセンターの強化 12.0億円 ― 17.4億円」: the FY2025 initial
  figure 12.0億円 = 1,200,000,000 yen, id:figure/nisc-budget-fy2025/L12-1, of the measure
  id:measure/mic-national-cyber-training-center (registry key; label ナショナルサイバートレーニングセンターの強化);
* its agency is 総務省 (the 【総務省】 of the same line), id:agency/mic.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS

from policykg.serve.entity import EntityPage, Linker

PK = Namespace("https://w3id.org/policykg/ontology#")
MEASURE = "https://w3id.org/policykg/id/measure/mic-national-cyber-training-center"
FIGURE = "https://w3id.org/policykg/id/figure/nisc-budget-fy2025/L12-1"
LABEL = "ナショナルサイバートレーニングセンターの強化"
LINE_12 = "【総務省】ナショナルサイバートレーニングセンターの強化 12.0億円 ― 17.4億円"
BASE = "https://kg.example.org/policykg/"
PATH = "/id/measure/mic-national-cyber-training-center"


@pytest.fixture(scope="module")
def server(bundled_build: Path, serving):
    with serving(bundled_build, "--workers", "1", "--timeout", "60", "--base", BASE, ready="/ontology") as (url, proc):
        yield url


@pytest.mark.server
def test_turtle_by_accept_with_curl_and_requests(server: str) -> None:
    out = subprocess.run(["curl", "-s", "-f", "-H", "Accept: text/turtle", server + PATH],
                         capture_output=True, text=True, check=True).stdout
    g = Graph().parse(data=out, format="turtle")
    assert (URIRef(MEASURE), SKOS.prefLabel, Literal(LABEL, lang="ja")) in g
    assert g.value(URIRef(FIGURE), PK.amountJPY).toPython() == 1_200_000_000
    assert g.value(URIRef(FIGURE), PK.line).toPython() == 12
    r = requests.get(server + PATH, headers={"Accept": "text/turtle"}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "Accept" in r.headers["vary"]
    assert set(Graph().parse(data=r.text, format="turtle")) == set(g)
    nt = requests.get(server + PATH + ".nt", timeout=60)
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert set(Graph().parse(data=nt.text, format="nt")) == set(g)


@pytest.mark.server
def test_jsonld_by_suffix_and_accept(server: str) -> None:
    r = requests.get(server + PATH + ".jsonld", timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    json.loads(r.text)
    g = Graph().parse(data=r.text, format="json-ld")
    assert (URIRef(MEASURE), SKOS.prefLabel, Literal(LABEL, lang="ja")) in g
    assert g.value(URIRef(FIGURE), PK.scope) == URIRef(MEASURE)
    by_accept = requests.get(server + PATH, headers={"Accept": "application/ld+json"}, timeout=60)
    assert set(Graph().parse(data=by_accept.text, format="json-ld")) == set(g)
    # the statements about the measure come with their document and line: 【総務省】 of fy2025:12
    stated = [st for st in g.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"), URIRef(MEASURE))
              if g.value(st, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate")) == PK.agency
              and g.value(st, PK.line) == Literal(12)]
    assert stated and g.value(stated[0], URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#object")) == \
        URIRef("https://w3id.org/policykg/id/agency/mic")


@pytest.mark.server
def test_unknown_iri_is_404_with_one_line(server: str) -> None:
    for path in ("/id/measure/no-such-measure", "/id/measure/no-such-measure.ttl",
                 "/id/figure/nisc-budget-fy2025/L0-9"):
        r = requests.get(server + path, timeout=60)
        assert r.status_code == 404, path
        assert r.text.count("\n") == 1 and "no entity" in r.text
    assert requests.get(server + PATH, headers={"Accept": "image/png"}, timeout=60).status_code == 406


@pytest.mark.server
def test_html_page_of_a_figure_and_of_an_agency(server: str) -> None:
    fig = requests.get(server + "/id/figure/nisc-budget-fy2025/L12-1", timeout=60)
    assert fig.status_code == 200 and fig.headers["content-type"].startswith("text/html")
    assert ">1,200,000,000<" in fig.text and LINE_12 in fig.text
    agency = requests.get(server + "/id/agency/mic", timeout=60).text
    assert '<h1 id="label-ja">総務省</h1>' in agency and "<svg" in agency
    assert "/queries/budget-by-agency?agency=" + urllib.parse.quote("https://w3id.org/policykg/id/agency/mic",
                                                                      safe="") in agency
    # the English label and where it comes from: policykg's translation, or the document's own English
    measure = requests.get(server + "/id/measure/mic-national-cyber-training-center", timeout=60).text
    assert '<span id="label-en">Strengthening the National Cyber Training Center</span>' in measure
    assert "(policykg&#x27;s translation, not an official name)" in measure
    cyder = requests.get(server + "/id/program/cyder", timeout=60).text  # 000_…txt:595 prints 「CYDER」
    assert '<span id="label-en">CYDER</span>' in cyder and "(as printed at nisc-budget-fy2025:595)" in cyder


@pytest.mark.server
def test_base_is_used_never_the_host_header(server: str) -> None:
    sd = requests.get(server + "/sparql", headers={"Accept": "application/n-triples", "Host": "evil.example"},
                      timeout=60).text
    assert f"<{BASE}sparql>" in sd and "evil.example" not in sd
    page = requests.get(server + PATH, headers={"Host": "evil.example"}, timeout=60).text
    assert "evil.example" not in page
    assert 'href="/policykg/id/agency/mic"' in page  # graph IRIs link to this server's paths under the base
    assert f'href="/policykg/draw?iri={urllib.parse.quote(MEASURE, safe="")}"' in page
    rq = requests.get(server + "/queries/entity/entity-figures.rq", timeout=60)
    assert rq.status_code == 200 and "pk:scope" in rq.text


@pytest.mark.server
def test_ontology_page_and_forms(server: str) -> None:
    page = requests.get(server + "/ontology", timeout=60)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<section class="term" id="BudgetFigure"><h3><code>pk:BudgetFigure</code>' in page.text
    ttl = requests.get(server + "/ontology", headers={"Accept": "text/turtle"}, timeout=60)
    g = Graph().parse(data=ttl.text, format="turtle")
    assert (PK.BudgetFigure, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("http://www.w3.org/2002/07/owl#Class")) in g
    jsonld = requests.get(server + "/ontology.jsonld", timeout=60).text
    assert set(Graph().parse(data=jsonld, format="json-ld")) == set(g)


@pytest.mark.server
@pytest.mark.browser
def test_entity_page_in_headless_chromium(server: str) -> None:
    from policykg.viz.browser import chromium

    errors: list[str] = []
    outside: list[str] = []
    with chromium() as ctx:
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(server):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        response = page.goto(server + PATH)
        assert response.status == 200
        assert page.locator("#label-ja").inner_text() == LABEL
        row = page.locator(f'tr.figure[data-figure="{FIGURE}"]')
        assert row.count() == 1
        assert row.locator(".amount-jpy").inner_text() == "1,200,000,000"
        assert row.locator(".printed").inner_text() == "12.0億円"
        assert row.locator(".source").inner_text() == "nisc-budget-fy2025:12"
        assert row.locator(".quote").inner_text() == LINE_12
        assert "preferred" in row.locator(".rank").inner_text()
        assert page.locator("#chart svg").count() == 1
        assert page.locator("#chart svg [id^='bar-2025-initial-0-enacted-1200000000']").count() == 1
    assert not errors, errors
    assert not outside, outside


def test_document_text_is_escaped_and_only_http_iris_link() -> None:
    import pyoxigraph as ox

    hostile = ox.Literal("<script>alert(1)</script>&", language="ja")
    page = EntityPage(MEASURE, Linker("/"),
                      [{"p": ox.NamedNode(str(SKOS.prefLabel)), "o": hostile, "o_label_ja": None, "o_label_en": None},
                       {"p": ox.NamedNode(str(PK.agency)), "o": ox.NamedNode("javascript:alert(1)"),
                        "o_label_ja": ox.Literal("<b>x</b>"), "o_label_en": None}], [], [], [])
    text = page.render(None)
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in text
    assert 'href="javascript' not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    assert '<h1 id="label-ja">&lt;script&gt;' in text and '<span id="label-en">—</span>' in text


def test_w3id_redirects_match_the_graphs_iris() -> None:
    """docs/w3id/.htaccess sends each IRI path to the same path on the deployment, 303 (sparql 307)."""
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "w3id" / ".htaccess").read_text(encoding="utf-8")
    server = re.search(r"E=POLICYKG_SERVER:(\S+)\]", text)[1]
    rules = [(re.compile(m[1]), m[2].replace("%{ENV:POLICYKG_SERVER}", server), m[3])
             for m in re.finditer(r"^RewriteRule (\S+) (\S+) \[(R=\d+)", text, re.M)]
    assert len(rules) == 4

    def redirect(path: str) -> tuple[str, str] | None:
        for pattern, target, status in rules:
            if m := pattern.match(path):
                return re.sub(r"\$(\d)", lambda g: m[int(g[1])] or "", target), status
        return None

    assert redirect("id/measure/mic-national-cyber-training-center") == (
        server + "/id/measure/mic-national-cyber-training-center", "R=303")
    assert redirect("id/figure/nisc-budget-fy2025/L12-1.ttl") == (server + "/id/figure/nisc-budget-fy2025/L12-1.ttl",
                                                                   "R=303")
    assert redirect("ontology") == (server + "/ontology", "R=303")
    assert redirect("ontology.jsonld") == (server + "/ontology.jsonld", "R=303")
    assert redirect("sparql") == (server + "/sparql", "R=307")
    assert redirect("shapes") is None


def test_base_must_be_an_http_url(bundled_build: Path) -> None:
    from click.testing import CliRunner

    from policykg.cli import main

    result = CliRunner().invoke(main, ["serve", "--build-dir", str(bundled_build), "--port", "0",
                                       "--base", "kg.example.org/policykg"])
    assert result.exit_code == 2 and "--base 'kg.example.org/policykg' is not an http(s) URL" in result.output
