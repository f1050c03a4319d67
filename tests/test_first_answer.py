"""What makes `policykg query`'s first answer fast, and never stale.

The query checks rdflib's parser makes are kept on disk, keyed by the query text
(queries/run.py ``_parse_cache``); ``auto`` opens the on-disk store that
``policykg build`` wrote, only while its stamp names the graph's SHA-256. Time
itself is measured by benchmarks/run.py, not here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.errors import QueryError
from policykg.graph.backends import OXIGRAPH_DIR, Backend, fresh_disk_store, open_store
from policykg.graph.store import resolve_build
from policykg.queries import run


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    run._parsed.cache_clear()
    yield tmp_path / "cache" / "policykg" / "queries"
    run._parsed.cache_clear()


QUERY = """# by-id — a document by its identifier.
# @param id xsd:string  dcterms:identifier
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?doc ?title WHERE { ?doc dcterms:identifier ?id OPTIONAL { ?doc dcterms:title ?title } }
"""


def test_the_parse_is_kept_and_reused(cache: Path, tmp_path: Path, bundled_dataset) -> None:
    path = tmp_path / "by-id.rq"
    path.write_text(QUERY, encoding="utf-8")
    first = run.load_query(path)
    assert first.prepared is not None and first.columns == ("doc", "title")
    [kept] = cache.glob("*.json")
    assert json.loads(kept.read_text()) == {"columns": ["doc", "title"], "variables": ["doc", "id", "title"]}
    run._parsed.cache_clear()
    again = run.load_query(path)
    assert again.prepared is None and again.columns == first.columns  # from the cache: no parse
    rows = run.run_query(bundled_dataset, again, {"id": "nisc-budget-fy2024"})  # rdflib prepares it on use
    assert {str(r.doc) for r in rows} == {"https://w3id.org/policykg/id/doc/nisc-budget-fy2024"}


def test_an_edited_or_damaged_query_is_checked_again(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "by-id.rq"
    path.write_text(QUERY, encoding="utf-8")
    run.load_query(path)
    [kept] = cache.glob("*.json")
    kept.write_text("{not json", encoding="utf-8")  # a damaged entry: parsed again, rewritten
    run._parsed.cache_clear()
    assert run.load_query(path).prepared is not None
    assert json.loads(kept.read_text())["columns"] == ["doc", "title"]
    path.write_text(QUERY.replace("?doc dcterms:identifier ?id", "?doc dcterms:identifier ?key"), encoding="utf-8")
    with pytest.raises(QueryError, match=r"binds \?id, which the query never uses"):
        run.load_query(path)  # another text, another key: the check runs, nothing stale answers
    run._parsed.cache_clear()
    with pytest.raises(QueryError, match=r"binds \?id, which the query never uses"):
        run.load_query(path)  # the parameter check runs on the kept facts too
    path.write_text("DROP ALL", encoding="utf-8")
    with pytest.raises(QueryError, match="refused"):
        run.load_query(path)
    assert len(list(cache.glob("*.json"))) == 2  # the two queries that parse; a refused update is not kept


def test_an_unwritable_cache_costs_a_parse_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder would be
    run._parsed.cache_clear()
    path = tmp_path / "by-id.rq"
    path.write_text(QUERY, encoding="utf-8")
    assert run.load_query(path).columns == ("doc", "title")
    run._parsed.cache_clear()


def test_auto_opens_the_store_build_wrote_and_never_a_stale_one(bundled_build: Path, tmp_path: Path,
                                                              cache: Path) -> None:
    out = tmp_path / "kg"
    shutil.copytree(bundled_build, out, symlinks=True)
    assert fresh_disk_store(resolve_build(out)) is None
    assert open_store(out).backend is Backend.OXIGRAPH  # nothing written yet: loaded into memory
    result = CliRunner().invoke(main, ["build", "--build-dir", str(out)], catch_exceptions=False)
    assert f"query store: {out / OXIGRAPH_DIR}" in result.output
    assert fresh_disk_store(resolve_build(out)) == out / OXIGRAPH_DIR
    assert len(list(cache.glob("*.json"))) == 18  # the bundled queries, checked once by the build
    store = open_store(out)
    assert store.backend is Backend.OXIGRAPH_DISK
    args = ["query", "budget-by-agency", "--param", "source=nisc-budget-fy2025", "--build-dir", str(out)]
    on_disk = CliRunner().invoke(main, args, catch_exceptions=False).output
    in_memory = CliRunner().invoke(main, [*args, "--backend", "oxigraph"], catch_exceptions=False).output
    assert on_disk == in_memory and "5050000000" in on_disk  # 総務省 FY2025 initial (test_backends)
    # another graph in the build folder (as a rebuild of another corpus leaves it): the stamp no
    # longer names it, so auto loads the new graph rather than answer from the old store
    stamp = out / OXIGRAPH_DIR / "policykg-source.json"
    stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "sha256": "0" * 64}))
    assert fresh_disk_store(resolve_build(out)) is None
    assert open_store(out).backend is Backend.OXIGRAPH
