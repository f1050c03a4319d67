"""Fixtures shared by the test modules."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Dataset

from policykg.graph.pipeline import build
from policykg.graph.store import load_dataset
from policykg.graph.virtuoso import free_port


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every entry of a build folder: a file by its SHA-256, a folder by its name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in folder.iterdir()}


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the bundled corpus for the whole session. Read it, never write into it:
    a test that changes a graph, or opens the on-disk store (which writes ``oxigraph/`` into
    the build folder), copies it first. Checked at the end of the session."""
    path = tmp_path_factory.mktemp("bundled")
    build(path)
    before = _fingerprint(path)
    yield path
    assert _fingerprint(path) == before, "a test wrote into the shared build: copy it first"


@pytest.fixture(scope="session")
def bundled_dataset(bundled_build: Path) -> Dataset:
    """The shared build loaded once (rdflib). Query it, never change it: checked at the end."""
    ds = load_dataset(bundled_build)
    before = set(ds.quads((None, None, None, None)))
    yield ds
    assert set(ds.quads((None, None, None, None))) == before, "a test changed the shared dataset"


# A test using one of these fixtures must carry the marker (pyproject.toml lists the markers), so
# that `-m "not browser and not external"` really leaves out what needs chromium or Virtuoso.
MARKER_OF_FIXTURE = {"context": "browser", "endpoint": "server", "virtuoso": "external"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [f"{item.nodeid} uses {fixture} but is not marked {marker}"
                for item in items for fixture, marker in MARKER_OF_FIXTURE.items()
                if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(marker) is None]
    if unmarked:
        raise pytest.UsageError("\n".join(unmarked))


@pytest.fixture(scope="session")
def numbered_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the bundled FY2025 summary alone with its supplementary column labelled
    「補正予算②」 (corpus/000_b360cdfc8cdc379a.txt lines 68–69 print 「令和6年度」 / 「補正予算」).
    Read it, never write into it."""
    from policykg.sources import corpus_dir

    lines = (corpus_dir() / "000_b360cdfc8cdc379a.txt").read_text(encoding="utf-8").split("\n")
    assert (lines[67], lines[68]) == ("令和6年度", "補正予算") and "９０．４億円" in lines[476]
    lines[68] = "補正予算②"
    folder = tmp_path_factory.mktemp("numbered")
    (folder / "numbered.txt").write_text("\n".join(lines), encoding="utf-8")
    digest = hashlib.sha256((folder / "numbered.txt").read_bytes()).hexdigest()
    (folder / "manifest.toml").write_text(f'''
[[document]]
id = "numbered-fy2025"
file = "numbered.txt"
original_file = "numbered.txt"
sha256 = "{digest}"
title = "政府のサイバーセキュリティに関する予算（令和7年度当初予算額）"
issuer = "内閣官房 内閣サイバーセキュリティセンター"
issuer_key = "nisc"
fiscal_year = 2025
layout = "nisc-budget-pdftext"
strategy = "2021"
''', encoding="utf-8")
    return build(folder / "build", manifest=folder / "manifest.toml", corpus=[]).graph_path.parent


@contextlib.contextmanager
def _serving(build_dir: Path, *options: str, ready: str = "/", wait: float = 120,
             ) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `policykg serve` on a free loopback port: (base URL without a trailing slash, process),
    once GET ``ready`` answers 200; stopped on exit."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "serve", "--build-dir", str(build_dir),
                             "--port", str(port), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    try:
        while True:
            assert proc.poll() is None, f"policykg serve exited: {proc.stdout.read()}"
            try:
                if requests.get(url + ready, timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"policykg serve did not come up in {wait:g} s"
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def query_workers(pid: int) -> list[int]:
    """The query worker processes of the `policykg serve` process ``pid``: the children of its
    multiprocessing fork server (which forks them), from /proc."""
    def children(p: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            return []

    servers = [c for c in children(pid) if "multiprocessing.forkserver" in Path(f"/proc/{c}/cmdline").read_text()]
    return sorted(w for server in servers for w in children(server))


@pytest.fixture(scope="session")
def workers_of():
    """``workers_of(pid)``: the query worker processes of a `policykg serve` (:func:`query_workers`)."""
    return query_workers


@pytest.fixture(scope="session")
def serving():
    """``with serving(build_dir, *serve options, ready="/path") as (url, process): …`` — see :func:`_serving`."""
    return _serving


@pytest.fixture(scope="session")
def fy2020_manifest():
    """``make(folder, title) -> manifest.toml``: a corpus folder holding the bundled FY2020 text
    (nisc-budget-fy2020) alone, under ``title``, with its manifest."""
    from policykg.sources import corpus_dir

    name = "003_ddf944621e8ed638.txt"

    def make(folder: Path, title: str = "政府のサイバーセキュリティに関する予算（令和2年度）") -> Path:
        folder.mkdir(parents=True)
        (folder / name).write_bytes((corpus_dir() / name).read_bytes())
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        (folder / "manifest.toml").write_text(f'''[[document]]
id = "nisc-budget-fy2020"
file = "{name}"
original_file = "{name}"
sha256 = "{digest}"
title = "{title}"
issuer = "内閣官房 内閣サイバーセキュリティセンター"
issuer_key = "nisc"
fiscal_year = 2020
layout = "nisc-budget-pdftext"
strategy = "2018"
''', encoding="utf-8")
        return folder / "manifest.toml"

    return make
