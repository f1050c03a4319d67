"""``GET /search`` on a real ``policykg serve`` process over the bundled build.

Facts checked by hand: the registry's measure mic-national-cyber-training-center is
「ナショナルサイバートレーニングセンターの強化」 (nisc-budget-fy2025:12, corpus/000_b360cdfc8cdc379a.txt);
総務省's English label (core/data/registry.toml) is Ministry of Internal Affairs and Communications.
"""

from __future__ import annotations

import html.parser
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def base(bundled_build: Path, serving):
    with serving(bundled_build, "--workers", "1", ready="/queries") as (url, proc):
        yield url


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            self.links.append(dict(attrs)["href"])


def test_json_by_accept_and_by_format(base: str) -> None:
    r = requests.get(base + "/search", params={"q": "トレーニング"}, headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["query"] == "トレーニング"
    hit = next(h for h in data["hits"] if h["iri"].endswith("/measure/mic-national-cyber-training-center"))
    assert (hit["kind"], hit["label_ja"], hit["path"]) == (
        "measure", "ナショナルサイバートレーニングセンターの強化", "/id/measure/mic-national-cyber-training-center")
    r = requests.get(base + "/search", params={"q": "Internal Affairs", "format": "json", "limit": "1"}, timeout=10)
    [mic] = r.json()["hits"]
    assert (mic["label_ja"], mic["label_en"], mic["path"]) == (
        "総務省", "Ministry of Internal Affairs and Communications", "/id/agency/mic")


def test_html_lists_links_to_the_entity_paths(base: str) -> None:
    r = requests.get(base + "/search", params={"q": "トレーニング"}, headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    parser = _Links()
    parser.feed(r.text)
    assert "/id/measure/mic-national-cyber-training-center" in parser.links
    assert parser.links[0] == "/id/program/national-cyber-training-center"  # same grade, shorter name first
    r = requests.get(base + "/search", params={"q": "<script>"}, timeout=10)
    assert r.status_code == 200 and "<script>" not in r.text and "&lt;script&gt;" in r.text


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "  "}, {"q": "x" * 201}, {"q": "CYDER", "limit": "0"},
                                    {"q": "CYDER", "limit": "many"}, {"q": "CYDER", "format": "xml"}])
def test_bad_requests_are_400(base: str, params: dict) -> None:
    r = requests.get(base + "/search", params=params, timeout=10)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.count("\n") == 1


def test_two_hundred_characters_are_accepted(base: str) -> None:
    r = requests.get(base + "/search", params={"q": "x" * 200, "format": "json"}, timeout=10)
    assert r.status_code == 200 and r.json()["hits"] == []
