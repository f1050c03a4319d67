"""The endpoint's editor page (YASGUI, bundled), ``/static/``, ``/draw`` and their security headers,
on a real `policykg serve` process, and in headless Chromium with the page's own
Content-Security-Policy enforced (Playwright's ``bypass_csp`` is off here).

Facts checked by hand against the corpus:
* corpus/002_1a1f949df8b9b077.txt:79 (nisc-budget-fy2024) prints 【厚生労働省】厚生労働省及び関係機関等における
  情報セキュリティ対策推進費 30.4億円 = 3,040,000,000 yen, FY2024 initial: the first row of
  budget-lines with its @example parameters (agency=厚生労働省, fiscal_year=2024); the measure is
  id:measure/mhlw-information-security-promotion, its agency id:agency/mhlw.
* corpus/002_1a1f949df8b9b077.txt:10 prints the FY2024 total 2,126.2億円 = 212,620,000,000 yen
  (figure id:figure/nisc-budget-fy2024/L10-1).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest
import requests

from policykg.namespace import PREFIXES
from policykg.queries.run import list_queries
from policykg.serve.csp import PAGE_CSP
from policykg.serve.page import example_params

CHECKOUT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/policykg/id/"
MEASURE = ID + "measure/mhlw-information-security-promotion"
FIG_TOTAL = ID + "figure/nisc-budget-fy2024/L10-1"
STATIC = ("yasgui/yasgui.min.js", "yasgui/yasgui.min.css", "yasgui/LICENSE", "yasgui/VERSION.txt",
          "editor.js", "editor.css")


def wait_for(page, expression: str, timeout: float = 60.0) -> None:
    """Poll ``expression`` in the page (Playwright's wait_for_function evaluates strings with eval,
    which the page's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"!!({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def endpoint(bundled_build: Path, serving):
    with serving(bundled_build, "--workers", "2", "--timeout", "60", ready="/") as (url, proc):
        yield url + "/"


@pytest.fixture(scope="module")
def context():
    from playwright.sync_api import sync_playwright

    from policykg.viz.browser import ARGS, executable

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), headless=True, args=ARGS)
        try:
            yield browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        finally:
            browser.close()


class Log:
    """Every request and console error of the pages of a context; other origins are blocked."""

    def __init__(self, context, base: str) -> None:
        self.requests: list[str] = []
        self.elsewhere: list[str] = []
        self.errors: list[str] = []
        self.base = base

        def route(r):
            url = r.request.url
            self.requests.append(url)
            if url.startswith(base) or url.startswith(("data:", "blob:", "about:")):
                r.continue_()
            else:
                self.elsewhere.append(url)
                r.abort()

        context.route("**/*", route)
        context.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        context.on("weberror", lambda e: self.errors.append(str(e.error)))


def test_example_params_of_every_named_query() -> None:
    queries = list_queries()
    assert len(queries) == 18
    params = {q.name: example_params(q.example) for q in queries}
    assert params["budget-lines"] == [("agency", "厚生労働省"), ("fiscal_year", "2024")]
    assert params["measures-by-law"] == [("law", "サイバーセキュリティ基本法"), ("article", "13")]
    assert all(params.values()), [n for n, p in params.items() if not p]  # every @example names a parameter


@pytest.mark.server
def test_page_headers_and_gallery(endpoint: str) -> None:
    r = requests.get(endpoint, timeout=30)
    assert r.headers["content-security-policy"] == PAGE_CSP
    csp = dict(d.strip().split(" ", 1) for d in PAGE_CSP.split(";"))
    assert csp["default-src"] == csp["script-src"] == csp["connect-src"] == "'self'"
    assert "http" not in PAGE_CSP and "unsafe-eval" not in PAGE_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    # no inline script: each <script> has a src on this endpoint, or is a JSON data block
    scripts = re.findall(r"<script([^>]*)>", r.text)
    assert scripts == [' type="application/json" id="policykg-data"', ' src="static/yasgui/yasgui.min.js"',
                       ' src="static/editor.js"']
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", r.text)
    # the gallery: every named query, Run through /queries/<name> with its example's parameters
    items = re.findall(r'<li data-query="([^"]+)">', r.text)
    assert len(items) == 18 and items == sorted(items)
    run = re.search(r'<li data-query="budget-lines">.*?<a class="run button" href="([^"]+)"', r.text, re.S)[1]
    assert run == ("queries/budget-lines?agency=%E5%8E%9A%E7%94%9F%E5%8A%B4%E5%83%8D%E7%9C%81"
                   "&amp;fiscal_year=2024&amp;format=json")
    rows = requests.get(endpoint + run.replace("&amp;", "&"), timeout=60).json()["results"]["bindings"]
    first = {k: v["value"] for k, v in rows[0].items()}
    assert {"agency": "厚生労働省", "amount_jpy": "3040000000", "printed": "30.4億円", "source": "nisc-budget-fy2024",
            "line": "79", "fiscal_year": "2024", "budget": "initial"}.items() <= first.items()
    assert '<form id="search" action="search" method="get"' in r.text and 'name="q"' in r.text


@pytest.mark.server
def test_static_files(endpoint: str) -> None:
    version = (CHECKOUT / "serve/static/yasgui/VERSION.txt").read_text(encoding="utf-8")
    types = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain", "": "text/plain"}
    for name in STATIC:
        r = requests.get(endpoint + "static/" + name, timeout=30)
        assert r.status_code == 200, name
        assert r.headers["content-type"].split(";")[0] == types[Path(name).suffix]
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["content-security-policy"] == PAGE_CSP
        assert r.headers["cache-control"] == "public, max-age=86400"
        again = requests.get(endpoint + "static/" + name, headers={"If-None-Match": r.headers["etag"]}, timeout=30)
        assert again.status_code == 304 and again.content == b""
        if name.startswith("yasgui/yasgui.min."):
            assert f"{Path(name).name:<24} sha256 {hashlib.sha256(r.content).hexdigest()}" in version
    for missing in ("nope.js", "../server.py", "%2e%2e/server.py", "yasgui/yasgui.min.js.map"):
        assert requests.get(endpoint + "static/" + missing, timeout=30).status_code == 404, missing


@pytest.mark.server
def test_draw_route(endpoint: str) -> None:
    r = requests.get(endpoint + "draw", params={"iri": [MEASURE, ID + "agency/mhlw", FIG_TOTAL]}, timeout=120)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'self'" and "unsafe" not in csp["script-src"] + csp["style-src"]
    assert csp["script-src"].count("'sha256-") == len(re.findall(r"<script>.*?</script>", r.text, re.S)) == 2
    assert "https://" not in r.headers["content-security-policy"]
    # the two entities' neighbourhood (the figure IRI is not an entity, left out)
    data = json.loads(re.search(r"^var PK_DATA = (.*);$", r.text, re.M)[1])
    labels = {n["key"]: n["label"] for n in data["nodes"]}
    assert labels["measure/mhlw-information-security-promotion"] == "厚生労働省及び関係機関等における情報セキュリティ対策推進費"
    assert labels["agency/mhlw"] == "厚生労働省" and int(r.headers["x-policykg-nodes"]) == len(labels)
    assert not any(k.startswith("figure/") for k in labels) and 'src="http' not in r.text
    refused = {
        "no IRI": {}, "51 IRIs": {"iri": [f"{MEASURE}-{i}" for i in range(51)]},
        "not an entity IRI": {"iri": "https://example.org/x"}, "javascript:": {"iri": "javascript:alert(1)"},
        "depth 9": {"iri": MEASURE, "depth": "9"}, "unknown parameter": {"iri": MEASURE, "view": "law"},
        "only a figure": {"iri": FIG_TOTAL},
    }
    for what, params in refused.items():
        r = requests.get(endpoint + "draw", params=params, timeout=60)
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain"), what
    assert "1 to 50" in requests.get(endpoint + "draw", params=refused["51 IRIs"], timeout=60).text


@pytest.mark.server
@pytest.mark.browser
def test_editor_runs_a_gallery_query_and_draws(endpoint: str, context) -> None:
    log = Log(context, endpoint)
    page = context.new_page()
    page.goto(endpoint)
    wait_for(page, "window.policykgEditor && window.policykgEditor.ready")
    assert page.locator("#yasgui .CodeMirror").count() == 1
    editor = page.evaluate("policykgEditor.yasgui.getTab().getYasqe().getValue()")
    assert editor.startswith("PREFIX pk: <https://w3id.org/policykg/ontology#>\nPREFIX id: <" + ID + ">\n")
    assert page.evaluate("policykgEditor.yasgui.getTab().getYasqe().config.autocompleters") == [
        "policykg-prefixes", "variables"]
    assert page.evaluate("policykgEditor.yasgui.getTab().getEndpoint()") == endpoint + "sparql"
    # prefix completion offers the project's prefixes (policykg.namespace.PREFIXES), fetched from nowhere
    page.evaluate("policykgEditor.yasgui.getTab().getYasqe().setValue('')")
    page.click("#yasgui .CodeMirror")
    page.keyboard.type("PREFIX ")
    page.wait_for_selector(".CodeMirror-hints li", timeout=10_000)
    assert page.locator(".CodeMirror-hints li").all_text_contents() == [
        f"{p}: <{iri}>" for p, iri in sorted(PREFIXES.items())]
    page.keyboard.press("Escape")
    # a class and a property being typed: YASQE's LOV completers (lov.linkeddata.es) are off
    page.evaluate("policykgEditor.yasgui.getTab().getYasqe().setValue('SELECT * WHERE { ?s a ')")
    page.evaluate("(() => { const y = policykgEditor.yasgui.getTab().getYasqe(); y.focus(); y.setCursor(0, 99); })()")
    page.keyboard.type("foaf:Pers ?p foaf:na")
    time.sleep(1)
    # (with them on, the CSP blocks the request to lov.linkeddata.es and Chromium logs a console error)
    assert log.elsewhere == [] and log.errors == [] and page.locator(".CodeMirror-hints li").count() == 0
    # Run in the gallery: budget-lines with agency=厚生労働省, fiscal_year=2024, in a new tab
    page.click('#gallery li[data-query="budget-lines"] .run')
    page.wait_for_selector(".yasr_results table tbody tr td span.nonIri", timeout=60_000)
    assert page.locator(".tabPanel.active .CodeMirror").count() == 1
    assert page.evaluate("policykgEditor.yasgui.getTab().getName()") == "budget-lines"
    rows = page.evaluate("""[...document.querySelectorAll('.tabPanel.active .yasr_results table tbody tr')]
                            .map(tr => tr.textContent)""")
    assert any("3040000000" in r and "30.4億円" in r and "nisc-budget-fy2024" in r and '"79"' in r
               and "summary-table" in r for r in rows), rows
    shots = [CHECKOUT / "docs/img"] if os.environ.get("POLICYKG_EDITOR_SCREENSHOT") else []
    for folder in shots:
        page.screenshot(path=str(folder / "editor.png"))
    # Draw: the result's entity IRIs as a diagram
    href = page.get_attribute("#draw", "href")
    iris = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["iri"]
    assert iris[0] == MEASURE and all(i.startswith(ID) for i in iris)  # entities first, then the figures
    with context.expect_page() as opened:
        page.click("#draw")
    diagram = opened.value
    wait_for(diagram, "window.PKV && window.PKV.ready && window.PKV.firstDraw !== null")
    labels = diagram.evaluate("PK_DATA.nodes.map(n => n.label)")
    assert "厚生労働省" in labels and "厚生労働省及び関係機関等における情報セキュリティ対策推進費" in labels
    assert diagram.evaluate("PKV.network.body.nodeIndices.length") == len(labels)
    diagram.close()
    page.close()
    assert log.errors == []
    assert log.elsewhere == [] and all(u.startswith((endpoint, "data:")) for u in log.requests), log.requests


@pytest.mark.server
@pytest.mark.browser
def test_values_are_text_and_only_http_iris_are_links(endpoint: str, context) -> None:
    """A shared /?query=… link fills the editor and runs; markup in a value stays text, a javascript:
    IRI is not a link."""
    log = Log(context, endpoint)
    q = ('PREFIX pk: <https://w3id.org/policykg/ontology#> SELECT ?amount ?x ?z ?w WHERE { '
         f'<{FIG_TOTAL}> pk:amountJPY ?amount . BIND(CONCAT("<im", "g src=x onerror=window.pkPwned=1>") AS ?x) '
         f'BIND(IRI("javascript:window.pkPwned=2") AS ?z) BIND(<{MEASURE}> AS ?w) }}')
    page = context.new_page()
    page.goto(endpoint + "?query=" + urllib.parse.quote(q))
    wait_for(page, "document.querySelector('.yasr_results table tbody tr td span.nonIri')")
    assert page.evaluate("policykgEditor.yasgui.getTab().getYasqe().getValue()") == q
    cells = page.evaluate("""[...document.querySelectorAll('.yasr_results table tbody tr td')]
                             .map(td => td.textContent)""")
    assert cells[1:] == ['"212620000000"^^xsd:integer', "<img src=x onerror=window.pkPwned=1>",
                         "<javascript:window.pkPwned=2>", "id:measure/mhlw-information-security-promotion"]
    assert page.locator(".yasr_results img").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator(".yasr_results .iri-text").all_text_contents() == ["javascript:window.pkPwned=2"]
    assert page.locator(".yasr_results a.iri").evaluate_all("as => as.map(a => a.href)") == [
        "http://www.w3.org/2001/XMLSchema#integer", MEASURE]
    page.locator(".yasr_results .iri-text").click()
    assert page.evaluate("window.pkPwned") is None and page.url.startswith(endpoint)
    page.close()
    # YASR's DOMPurify parses the value in an inert document; Chromium reports the event handler
    # it meets there against the page's CSP (nothing runs: pkPwned stays unset). Nothing else.
    assert all("inline event handler" in e for e in log.errors), log.errors
    assert log.elsewhere == []


def test_the_wheel_carries_the_static_files(tmp_path: Path) -> None:
    # built from a copy: setuptools' scratch folder (.setuptools-build) stays out of the checkout
    source = tmp_path / "src"
    shutil.copytree(CHECKOUT, source, ignore=shutil.ignore_patterns(
        ".git", "build", ".setuptools-build", "*.egg-info", ".pytest_cache", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=600)
    [wheel] = tmp_path.glob("policykg-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {f"policykg/serve/static/{n}" for n in STATIC} <= names
        js = z.read("policykg/serve/static/yasgui/yasgui.min.js")
    assert js == (CHECKOUT / "serve/static/yasgui/yasgui.min.js").read_bytes()
    assert hashlib.sha256(js).hexdigest() == "55034eaac74c55f55fbd1eeed008ae38a79053651cbed2b453f1fcfd895a4b75"


def test_entity_view_of_several_seeds_is_the_union_of_their_neighbourhoods(bundled_dataset) -> None:
    from policykg.viz import project

    nict = ID + "body/nict"
    both = project("entity", bundled_dataset, entities=(MEASURE, nict, MEASURE))
    one, other = project("entity", bundled_dataset, entity=MEASURE), project("entity", bundled_dataset, entity=nict)
    assert set(both) == set(one) | set(other) and set(both.edges) == set(one.edges) | set(other.edges)
    assert sorted(n for n, d in both.nodes(data=True) if d.get("centre")) == ["body/nict", MEASURE.removeprefix(ID)]
    assert both.nodes["agency/mhlw"]["label_ja"] == "厚生労働省"  # the measure's agency, one hop away
    assert both.graph["title"] == "2 件 の周辺（深さ 1） / neighbourhood of 2 entities, depth 1"

MEASURE_PATH = "id/measure/mic-national-cyber-training-center"


@pytest.mark.browser
@pytest.mark.server
def test_search_to_entity_page_to_diagram(endpoint: str, context) -> None:
    """A journalist's path, every page under its own CSP: the search box → the results → the measure's
    entity page (corpus/000_b360cdfc8cdc379a.txt:12, nisc-budget-fy2025: 【総務省】ナショナルサイバー
    トレーニングセンターの強化 12.0億円 = 1,200,000,000 yen) → its neighbourhood diagram (/draw).
    No console error, no request to any other origin."""
    log = Log(context, endpoint)
    page = context.new_page()
    try:
        page.goto(endpoint)
        page.fill("#search-q", "トレーニング")
        page.press("#search-q", "Enter")
        page.wait_for_load_state("load")
        assert "/search?q=" in page.url
        link = page.locator(f'a[href$="{MEASURE_PATH}"]')
        assert link.count() == 1 and "ナショナルサイバートレーニングセンターの強化" in link.inner_text()
        link.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(MEASURE_PATH)
        assert page.locator("h1").inner_text() == "ナショナルサイバートレーニングセンターの強化"
        text = page.inner_text("body")
        assert "1,200,000,000" in text and "12.0億円" in text and "nisc-budget-fy2025" in text
        row = page.locator("tr", has_text="1,200,000,000").filter(has_text="nisc-budget-fy2025").first
        assert "12" in row.inner_text() and "【総務省】ナショナルサイバートレーニングセンターの強化" in row.inner_text()
        assert page.locator("svg").count() >= 1  # the budget series chart
        page.click("#draw")
        page.wait_for_load_state("load")
        assert "/draw?iri=" in page.url
        wait_for(page, "window.PKV && PKV.network && PKV.network.body.nodeIndices.length > 1")
        labels = page.evaluate("PK_DATA.nodes.map(n => n.label)")
        assert "ナショナルサイバートレーニングセンターの強化" in labels and "総務省" in labels
    finally:
        page.close()
    assert log.elsewhere == [] and log.errors == [], (log.elsewhere, log.errors)
