"""`policykg serve` as a real process on loopback, queried by SPARQLWrapper, curl and a plain HTTP client.

Facts checked by hand against the corpus:
* corpus/002_1a1f949df8b9b077.txt:10 (nisc-budget-fy2024) prints the overall FY2024 initial
  budget "2, 126. 2億円" = 212,620,000,000 yen: figure id:figure/nisc-budget-fy2024/L10-1;
* corpus/002_1a1f949df8b9b077.txt:79 prints 【厚生労働省】…情報セキュリティ対策推進費 30.4億円
  = 3,040,000,000 yen: figure id:figure/nisc-budget-fy2024/L79-1.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Dataset
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from policykg.queries.run import format_result, query_dir, run_query
from policykg.graph.virtuoso import free_port

PK = "https://w3id.org/policykg/ontology#"
FIG_TOTAL = "https://w3id.org/policykg/id/figure/nisc-budget-fy2024/L10-1"
FIG_MHLW = "https://w3id.org/policykg/id/figure/nisc-budget-fy2024/L79-1"
AMOUNT_Q = f"PREFIX pk: <{PK}> SELECT ?amount ?line WHERE {{ <{FIG_TOTAL}> pk:amountJPY ?amount ; pk:line ?line }}"
SLOW_Q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # 14k² pairs: ~17 s on one core
TIMEOUT = 2.0
MAX_ROWS = 500
SERVER: dict[str, int] = {}

pytestmark = pytest.mark.server  # every test here starts `policykg serve` (or queries the one started)


@pytest.fixture(scope="module")
def build_dir(bundled_build: Path) -> Path:
    return bundled_build


@pytest.fixture(scope="module")
def endpoint(build_dir: Path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykg.cli", "serve", "--build-dir", str(build_dir), "--port", str(port),
         "--timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, f"policykg serve exited: {proc.stdout.read()}"
        try:
            if requests.get(base + "/", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "policykg serve did not come up in 90 s"
        time.sleep(0.2)
    SERVER["pid"] = proc.pid
    yield base + "/sparql"
    proc.terminate()
    proc.wait(timeout=20)


def test_sparqlwrapper_select_json(endpoint: str) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(AMOUNT_Q)
    sw.setReturnFormat(JSON)
    data = sw.query().convert()
    assert data["head"]["vars"] == ["amount", "line"]
    [row] = data["results"]["bindings"]
    assert row["amount"] == {"type": "literal", "value": "212620000000",
                             "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert row["line"]["value"] == "10"


def test_default_graph_is_the_merge_not_a_bag_union(endpoint: str, bundled_dataset: Dataset) -> None:
    # The build report counts 436 BudgetFigure entities (README); a figure's type triple is
    # stated once per document, and must count once.
    q = f"PREFIX pk: <{PK}> SELECT (COUNT(*) AS ?n) WHERE {{ ?f a pk:BudgetFigure }}"
    r = requests.get(endpoint, params={"query": q}, timeout=30)
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "436"
    # the same rows as the CLI's engine (rdflib) for a named query, unparameterised
    text = (query_dir() / "budget-lines.rq").read_text(encoding="utf-8")
    r = requests.post(endpoint, data={"query": text}, headers={"Accept": "text/csv"}, timeout=30)
    served = list(csv.reader(io.StringIO(r.text)))
    reference = list(csv.reader(io.StringIO(format_result(run_query(bundled_dataset, "budget-lines"), "csv"))))
    assert served[0] == reference[0]
    assert sorted(served[1:]) == sorted(reference[1:]) and len(served) > 300


def test_sparqlwrapper_post_csv_and_construct(endpoint: str) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setMethod("POST")
    sw.setQuery(f"PREFIX pk: <{PK}> SELECT ?amount WHERE {{ <{FIG_MHLW}> pk:amountJPY ?amount }}")
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode("utf-8").split("\r\n")[:2] == ["amount", "3040000000"]
    sw.setQuery(f"CONSTRUCT WHERE {{ <{FIG_MHLW}> ?p ?o }}")
    sw.setReturnFormat(TURTLE)
    triples = list(ox.parse(sw.query().convert(), format=ox.RdfFormat.TURTLE))
    amounts = [t.object.value for t in triples if t.predicate.value == PK + "amountJPY"]
    assert amounts == ["3040000000"]


def test_sparqlwrapper_malformed_query(endpoint: str) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery("SELECT * WHERE { ?s ?p }")
    sw.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="malformed query"):
        sw.query()


def test_curl_get_post_and_direct_body(endpoint: str) -> None:
    get = subprocess.run(["curl", "-sS", "-f", "-G", "--data-urlencode", f"query={AMOUNT_Q}",
                          "-H", "Accept: text/csv", endpoint], capture_output=True, text=True, check=True)
    assert list(csv.reader(io.StringIO(get.stdout))) == [["amount", "line"], ["212620000000", "10"]]
    form = subprocess.run(["curl", "-sS", "-f", "--data-urlencode", f"query={AMOUNT_Q}",
                           "-H", "Accept: text/tab-separated-values", endpoint],
                          capture_output=True, text=True, check=True)
    assert form.stdout.splitlines() == ["?amount\t?line", "212620000000\t10"]
    direct = subprocess.run(["curl", "-sS", "-f", "-H", "Content-Type: application/sparql-query",
                             "-H", "Accept: application/sparql-results+xml", "--data-binary", AMOUNT_Q, endpoint],
                            capture_output=True, text=True, check=True)
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    literal = ET.fromstring(direct.stdout).find(".//r:binding[@name='amount']/r:literal", ns)
    assert literal.text == "212620000000"


def test_curl_refuses_update(endpoint: str) -> None:
    out = subprocess.run(["curl", "-sS", "-w", "%{http_code}", "--data-urlencode",
                          "update=INSERT DATA { <urn:a> <urn:b> <urn:c> }", endpoint],
                         capture_output=True, text=True, check=True)
    assert out.stdout.endswith("403") and "read-only" in out.stdout


@pytest.mark.parametrize("accept, media, check", [
    ("application/sparql-results+json", "application/sparql-results+json",
     lambda body: json.loads(body)["results"]["bindings"][0]["amount"]["value"]),
    ("application/sparql-results+xml", "application/sparql-results+xml",
     lambda body: ET.fromstring(body).find(".//{http://www.w3.org/2005/sparql-results#}literal").text),
    ("text/csv", "text/csv", lambda body: body.split("\r\n")[1].split(",")[0]),
    ("text/tab-separated-values", "text/tab-separated-values", lambda body: body.splitlines()[1].split("\t")[0]),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv", lambda body: body.split("\r\n")[1].split(",")[0]),
])
def test_select_formats(endpoint: str, accept: str, media: str, check) -> None:
    r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert check(r.content.decode("utf-8")) == "212620000000"


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
])
def test_construct_formats(endpoint: str, accept: str, fmt: ox.RdfFormat) -> None:
    q = f"PREFIX pk: <{PK}> CONSTRUCT {{ ?f pk:amountJPY ?a }} WHERE {{ ?f pk:amountJPY ?a FILTER(?f = <{FIG_TOTAL}>) }}"
    r = requests.post(endpoint, data={"query": q}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    [t] = list(ox.parse(r.content, format=fmt))
    assert (t.subject.value, t.object.value) == (FIG_TOTAL, "212620000000")


def test_ask_and_describe(endpoint: str) -> None:
    r = requests.get(endpoint, params={"query": f"ASK {{ <{FIG_TOTAL}> ?p ?o }}"}, timeout=30)
    assert r.json()["boolean"] is True
    r = requests.get(endpoint, params={"query": f"DESCRIBE <{FIG_MHLW}>"}, headers={"Accept": "text/turtle"})
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value == PK + "line" and t.object.value == "79" for t in triples)


def test_not_acceptable(endpoint: str) -> None:
    r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 406 and "text/csv" in r.text
    construct = f"CONSTRUCT WHERE {{ <{FIG_TOTAL}> ?p ?o }}"
    r = requests.get(endpoint, params={"query": construct}, headers={"Accept": "text/csv"}, timeout=30)
    assert r.status_code == 406 and "text/turtle" in r.text


def test_cors(endpoint: str) -> None:
    r = requests.options(endpoint, headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"}, timeout=30)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Origin": "http://example.org"}, timeout=30)
    assert r.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("request_kwargs, status, message", [
    ({"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 403, "read-only"),
    ({"data": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}}, 403, "read-only"),
    ({"data": {"query": "PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }"}}, 403, "SPARQL Update (DELETE WHERE)"),
    ({"data": {"query": "LOAD <http://example.org/data.ttl>"}}, 403, "SPARQL Update (LOAD)"),
    ({"data": {"query": "DROP ALL"}}, 403, "SPARQL Update (DROP)"),
    ({"data": {"query": "SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"}}, 403, "SERVICE"),
    ({"data": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "malformed query at line 1, column "),
    ({"data": {"foo": "bar"}}, 400, "unknown operation"),
    ({"data": "x", "headers": {"Content-Type": "text/plain"}}, 415, "application/sparql-query"),
])
def test_refusals(endpoint: str, request_kwargs: dict, status: int, message: str) -> None:
    r = requests.post(endpoint, timeout=30, **request_kwargs)
    assert r.status_code == status
    assert message in r.text
    assert r.headers["content-type"].startswith("text/plain")


def test_update_never_changes_the_graph(endpoint: str) -> None:
    requests.post(endpoint, data={"update": f"DELETE WHERE {{ <{FIG_TOTAL}> ?p ?o }}"}, timeout=30)
    r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Accept": "text/csv"}, timeout=30)
    assert "212620000000" in r.text


def test_row_limit(endpoint: str) -> None:
    r = requests.get(endpoint, params={"query": "SELECT * { ?s ?p ?o }"}, timeout=30)
    assert r.status_code == 422
    assert f"more than {MAX_ROWS} rows" in r.text
    ok = requests.get(endpoint, params={"query": f"SELECT * {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"}, timeout=30)
    assert ok.status_code == 200 and ok.headers["x-policykg-rows"] == str(MAX_ROWS)


def test_timeout_stops_the_query_and_the_endpoint_recovers(endpoint: str) -> None:
    start = time.monotonic()
    r = requests.get(endpoint, params={"query": SLOW_Q}, timeout=60)
    elapsed = time.monotonic() - start
    assert r.status_code == 503
    assert f"longer than {TIMEOUT:g} s" in r.text
    assert elapsed < TIMEOUT + 5
    for _ in range(4):  # both workers (one of them the replacement) answer again
        r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Accept": "text/csv"}, timeout=60)
        assert r.status_code == 200 and "212620000000" in r.text


def test_service_description(endpoint: str) -> None:
    r = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    q = (f"PREFIX sd: <{sd}> PREFIX void: <http://rdfs.org/ns/void#> "
         "SELECT ?endpoint ?name ?n WHERE { ?s a sd:Service ; sd:endpoint ?endpoint ; "
         "sd:supportedLanguage sd:SPARQL11Query ; sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_CSV> ; "
         "sd:defaultDataset/sd:namedGraph [ sd:name ?name ; sd:graph/void:triples ?n ] }")
    rows = {s["name"].value: (s["endpoint"].value, int(s["n"].value)) for s in store.query(q)}
    assert set(rows) == {f"https://w3id.org/policykg/id/doc/{d}" for d in (
        "nisc-budget-fy2025", "nisc-budget-fy2024", "nisc-budget-fy2023", "nisc-budget-fy2020", "meti-icsws-wg3-10")
    } | {"https://w3id.org/policykg/id/graph/ontology", "https://w3id.org/policykg/id/graph/registry",
           "https://w3id.org/policykg/id/graph/ranks"}
    assert {e for e, _ in rows.values()} == {endpoint}
    counted = requests.get(endpoint, params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH "
                           "<https://w3id.org/policykg/id/doc/nisc-budget-fy2024> { ?s ?p ?o } }"}).json()
    n = int(counted["results"]["bindings"][0]["n"]["value"])
    assert rows["https://w3id.org/policykg/id/doc/nisc-budget-fy2024"][1] == n > 0


def test_default_graph_uri_selects_one_document(endpoint: str) -> None:
    q = f"PREFIX pk: <{PK}> SELECT (COUNT(*) AS ?n) WHERE {{ <{FIG_TOTAL}> pk:amountJPY ?a }}"
    doc = "https://w3id.org/policykg/id/doc/"
    counts = {}
    for d in ("nisc-budget-fy2024", "nisc-budget-fy2025"):
        r = requests.get(endpoint, params={"query": q, "default-graph-uri": doc + d}, timeout=30)
        counts[d] = int(r.json()["results"]["bindings"][0]["n"]["value"])
    assert counts == {"nisc-budget-fy2024": 1, "nisc-budget-fy2025": 0}


def test_html_page_lists_named_queries_escaped(endpoint: str) -> None:
    r = requests.get(endpoint.removesuffix("sparql"), timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    start = html.index('<script type="application/json" id="policykg-data">') + len(
        '<script type="application/json" id="policykg-data">')
    block = html[start:html.index("</script>", start)]
    assert "<" not in block  # the query texts' "<…>" IRIs are escaped, so no text can close the block
    embedded = json.loads(block)["queries"]
    assert len(embedded) == 18
    assert "budget-lines" in {q["name"] for q in embedded}
    assert "PREFIX pk: <https://w3id.org/policykg/ontology#>" in embedded[0]["text"]
    # nothing from elsewhere: every script, style sheet and link is a relative path on this endpoint
    assert re.findall(r'(?:src|href)="([^"]*)"', html) and all(
        not re.match(r"[a-z]+:|//", u) or u == "data:," for u in re.findall(r'(?:src|href)="([^"]*)"', html))


def test_non_loopback_host_needs_flag(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "policykg.cli", "serve", "--build-dir", str(tmp_path),
                           "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "--allow-remote" in proc.stderr


def test_port_in_use_is_a_clear_error(build_dir: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "policykg.cli", "serve", "--build-dir", str(build_dir),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr


def test_format_parameter_for_spreadsheets(endpoint: str) -> None:
    r = requests.get(endpoint, params={"format": "csv", "query": AMOUNT_Q}, timeout=30)
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.split("\r\n")[:2] == ["amount,line", "212620000000,10"]
    r = requests.get(endpoint, params={"format": "xlsx", "query": AMOUNT_Q}, timeout=30)
    assert r.status_code == 406 and "unknown format 'xlsx'" in r.text


@pytest.mark.browser
def test_query_page_in_a_real_browser(endpoint: str) -> None:
    """Headless Chromium loads /?query=…, the editor runs it and YASR builds the table, escaping the values
    (more of the editor page, in Playwright with its CSP enforced: tests/test_editor.py)."""
    import os
    import urllib.parse

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test the query page in Chromium (.ci/run installs it)")
        pytest.skip("chromium not installed")
    q = (f'PREFIX pk: <{PK}> SELECT ?amount ?x WHERE {{ <{FIG_TOTAL}> pk:amountJPY ?amount '
         'VALUES ?x { "<b>bold</b>" } }')
    page = endpoint.removesuffix("sparql") + "?query=" + urllib.parse.quote(q)
    dom = subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "--virtual-time-budget=15000", page], capture_output=True, text=True, timeout=120).stdout
    result = dom[dom.index('class="yasr_results"'):]
    assert re.search(r">amount</span>.*>x</span>", result, re.S)
    assert '<span class="nonIri">"212620000000"<sup>^^' in result
    assert '<span class="nonIri">&lt;b&gt;bold&lt;/b&gt;</span>' in result and "<b>bold</b>" not in result


def test_workers_killed_from_outside_are_replaced(endpoint: str, workers_of) -> None:
    """As if the OOM killer took every query worker: the next queries are still answered."""
    import os
    import signal

    pid = SERVER["pid"]

    def workers() -> list[int]:
        return workers_of(pid)

    deadline = time.monotonic() + 60  # a worker killed by an earlier timeout test may still be restarting
    while len(workers()) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(workers()) == 5  # --workers 2, the two reserved for named queries and entity pages, a spare
    workers = workers()
    for w in workers:
        os.kill(w, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while True:  # the first queries find dead workers and start replacements (1 s or so each)
        r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Accept": "text/csv"}, timeout=60)
        if r.status_code == 200:
            break
        # while replacements start: busy (503), or a worker killed just as it took the query (500,
        # answered once: a query whose worker dies is never retried on the others)
        assert (r.status_code == 503 and "stayed busy" in r.text) or (
            r.status_code == 500 and "died under this query" in r.text), r.text
        assert time.monotonic() < deadline, "the query workers were not replaced in 60 s"
    for _ in range(4):
        r = requests.get(endpoint, params={"query": AMOUNT_Q}, headers={"Accept": "text/csv"}, timeout=60)
        assert r.status_code == 200 and "212620000000" in r.text


def test_named_query_route_binds_parameters_like_the_cli(endpoint: str, bundled_dataset: Dataset) -> None:
    base = endpoint.removesuffix("sparql")
    index = requests.get(base + "queries", timeout=30).json()
    assert len(index) == 18 and {p["name"] for p in index["budget-lines"]["params"]} >= {"agency", "fiscal_year"}
    params = {"agency": "厚生労働省", "fiscal_year": "令和6年度", "format": "csv"}
    r = requests.get(base + "queries/budget-lines", params=params, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    served = list(csv.DictReader(io.StringIO(r.text)))
    cli = format_result(run_query(bundled_dataset, "budget-lines",
                                  {"agency": "厚生労働省", "fiscal_year": "2024"}), "csv")
    assert r.text == cli
    # corpus/002_1a1f949df8b9b077.txt:79: 30.4億円, FY2024 initial, in the FY2024 summary table
    assert {"source": "nisc-budget-fy2024", "line": "79", "amount_jpy": "3040000000"}.items() <= served[0].items()
    assert int(r.headers["x-policykg-rows"]) == len(served)


@pytest.mark.parametrize("path, status, message", [
    ("queries/budget-lines?agency=no-such-agency", 400, "no agency named 'no-such-agency'"),
    ("queries/measure-history", 400, "needs parameter(s) measure"),
    ("queries/totals?scope_kind=overall&scope_kind=agency", 400, "given twice"),
    ("queries/nope", 404, "no named query 'nope'"),
    ("queries/..%2Fpyproject", 404, "Not Found"),  # no route: a name never reaches the file system
    ("queries/totals?format=xml", 406, "text/csv"),
])
def test_named_query_route_errors(endpoint: str, path: str, status: int, message: str) -> None:
    r = requests.get(endpoint.removesuffix("sparql") + path, timeout=60)
    assert r.status_code == status and message in r.text
