"""`policykg publish` round trip through a real Virtuoso 7 started on loopback by the test.

Virtuoso comes from Debian's virtuoso-opensource-7-bin, which .ci/run installs: in CI
(``CI`` set) a missing Virtuoso fails these tests; elsewhere they are skipped with the reason.

Facts checked by hand against the corpus:
* corpus/002_1a1f949df8b9b077.txt:10 (nisc-budget-fy2024): overall FY2024 initial budget
  "2, 126. 2億円" = 212,620,000,000 yen, figure id:figure/nisc-budget-fy2024/L10-1;
* corpus/002_1a1f949df8b9b077.txt:79: 【厚生労働省】厚生労働省及び関係機関等における情報セキュリティ対策推進費
  30.4億円, figure id:figure/nisc-budget-fy2024/L79-1, measure id:measure/mhlw-information-security-promotion.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.graph.virtuoso import VirtuosoError, find_binaries, virtuoso_server

PK = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
FY2024 = ID + "doc/nisc-budget-fy2024"

pytestmark = pytest.mark.external  # every test here publishes into a Virtuoso started for it


@pytest.fixture(scope="module")
def build_dir(bundled_build: Path) -> Path:
    return bundled_build


@pytest.fixture(scope="module")
def virtuoso():
    try:
        find_binaries()
    except VirtuosoError as e:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test publishing against Virtuoso: {e}")
        pytest.skip(str(e))
    with virtuoso_server() as v:
        yield v


def expected_counts(build_dir: Path) -> dict[str, int]:
    """Triples per named graph, straight from the built N-Quads file."""
    quads = set(ox.parse(path=str(build_dir / "policykg.nq"), format=ox.RdfFormat.N_QUADS))
    return dict(Counter(q.graph_name.value for q in quads))


def run_publish(v, build_dir: Path, *extra: str, user: str | None = None, password: str | None = None):
    env = {"POLICYKG_PUBLISH_USER": user if user is not None else v.user,
           "POLICYKG_PUBLISH_PASSWORD": password if password is not None else v.password}
    args = ["publish", "--build-dir", str(build_dir), "--endpoint", v.sparql_url, "--graph-store", v.gsp_url, *extra]
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_publish_round_trip(virtuoso, build_dir: Path) -> None:
    result = run_publish(virtuoso, build_dir)
    assert result.exit_code == 0, result.output
    expected = expected_counts(build_dir)
    assert len(expected) == 8  # five documents, the ontology, the registry and the ranks
    assert "published 8 graphs" in result.output
    assert virtuoso.graph_counts("https://w3id.org/policykg/") == expected
    rows = virtuoso.sparql_select(
        f"PREFIX pk: <{PK}> SELECT ?amount ?line WHERE {{ GRAPH <{FY2024}> {{ "
        f"<{ID}figure/nisc-budget-fy2024/L10-1> pk:amountJPY ?amount ; pk:line ?line }} }}")
    assert rows == [{"amount": "212620000000", "line": "10"}]
    rows = virtuoso.sparql_select(
        f"PREFIX pk: <{PK}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT ?amount ?label WHERE {{ <{ID}figure/nisc-budget-fy2024/L79-1> pk:amountJPY ?amount ; pk:scope ?m . "
        "?m skos:prefLabel ?label FILTER(LANG(?label) = 'ja') }")
    assert rows == [{"amount": "3040000000", "label": "厚生労働省及び関係機関等における情報セキュリティ対策推進費"}]


def test_publish_refuses_to_overwrite_without_replace(virtuoso, build_dir: Path) -> None:
    if not virtuoso.graph_counts("https://w3id.org/policykg/"):
        run_publish(virtuoso, build_dir)
    result = run_publish(virtuoso, build_dir)
    assert result.exit_code == 7
    assert "already holds" in result.output and "--replace" in result.output
    assert "nothing was sent" in result.output


def test_replace_removes_stale_triples(virtuoso, build_dir: Path) -> None:
    run_publish(virtuoso, build_dir, "--replace")
    stale = "urn:policykg:test:stale"
    virtuoso.isql(f"SPARQL INSERT DATA {{ GRAPH <{FY2024}> {{ <{stale}> <{PK}amountJPY> 1 }} }};")
    assert virtuoso.graph_counts(FY2024)[FY2024] == expected_counts(build_dir)[FY2024] + 1
    result = run_publish(virtuoso, build_dir, "--replace", "--chunk", "1000")  # 4017 triples: 5 requests
    assert result.exit_code == 0, result.output
    assert f"{FY2024}: {expected_counts(build_dir)[FY2024]} triples in 5 request(s)" in result.output
    assert virtuoso.graph_counts("https://w3id.org/policykg/") == expected_counts(build_dir)
    assert virtuoso.sparql_select(f"SELECT ?p WHERE {{ <{stale}> ?p ?o }}") == []


def test_wrong_password_is_reported(virtuoso, build_dir: Path) -> None:
    result = run_publish(virtuoso, build_dir, "--replace", password="not-the-password")
    assert result.exit_code == 7
    assert "401 Unauthorized" in result.output and FY2024.rsplit("/", 1)[0] in result.output


def test_anonymous_write_is_refused_by_the_store(virtuoso, build_dir: Path) -> None:
    anonymous_gsp = virtuoso.gsp_url.removesuffix("-auth")  # Virtuoso's unauthenticated GSP endpoint
    args = ["publish", "--build-dir", str(build_dir), "--endpoint", virtuoso.sparql_url,
            "--graph-store", anonymous_gsp, "--replace"]
    result = CliRunner().invoke(main, args, env={"POLICYKG_PUBLISH_USER": ""}, catch_exceptions=False)
    assert result.exit_code == 7
    assert "403" in result.output and "sending graph <https://w3id.org/policykg/id/" in result.output
