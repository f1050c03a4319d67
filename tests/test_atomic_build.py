"""The graph and its build report are one atomic unit: a build killed at any point leaves a
matching pair (the old one or the new one), and the next build leaves no temporary and no half
generation (graph/store.py's docstring gives the design).

Three ways of killing a writer, each checked by reading the pair back as policykg's readers do
(:func:`resolve_build`, then both files of that generation): the report's quad count and the
graph SHA-256 it records must be the graph's.

* ``policykg build`` (the real CLI, in a subprocess) sent SIGKILL at each step of the write —
  the driver below replaces ``store._step``, which the writer calls between its steps — from a
  folder of the current layout, of the earlier one (plain files) and from an empty folder;
* a process writing big generations in a loop, SIGKILLed at random moments;
* readers reading while a writer writes generation after generation.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from policykg.graph.backends import OXIGRAPH_DIR
from policykg.graph.store import (CURRENT, GRAPH_FILE, REPORT_FILE, StoreError, load_dataset, read_build_report,
                                  resolve_build, write_build)


#: Runs ``policykg ARGS…`` with ``store._step`` replaced: SIGKILL at the step named by argv[1].
DRIVER = """
import os, signal, sys
import policykg.graph.store as store
def step(name, point=sys.argv[1]):
    if name == point:
        os.kill(os.getpid(), signal.SIGKILL)
store._step = step
from policykg.cli import main
main(sys.argv[2:], prog_name="policykg")
"""

#: The writer's steps, in order, from a folder of each layout (a step a layout does not take is left out).
STEPS = {
    "generations": ["graph-written", "generation-written", "link-current", "current-swapped", "pruned"],
    "plain": ["graph-written", "generation-written", "link-current", "current-swapped", "link-policykg.nq",
              "policykg.nq-linked", "link-build-report.json", "build-report.json-linked", "pruned"],
    "empty": ["graph-written", "generation-written", "policykg.nq-linked", "build-report.json-linked",
              "link-current", "current-swapped", "pruned"],
}
#: The first step after which readers see the new pair (before it: the old pair, or none).
SWITCH = {"generations": "current-swapped", "plain": "policykg.nq-linked", "empty": "current-swapped"}
CASES = [(layout, step) for layout, steps in STEPS.items() for step in steps]


def _build(manifest: Path, out: Path, kill_at: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", DRIVER, kill_at, "build", "--manifest", str(manifest),
                           "--build-dir", str(out)], capture_output=True, text=True, timeout=300)


def read_pair(out: Path) -> tuple[bytes, bytes]:
    """The graph and report bytes of the build in ``out``, resolved once; checks that they match."""
    gen = resolve_build(out)
    graph, report = gen.graph_path.read_bytes(), gen.report_path.read_bytes()
    data = json.loads(report)
    assert data["quads"] == graph.count(b"\n"), (gen, data["quads"], graph.count(b"\n"))
    if "graph_sha256" in data or gen.name:
        assert data["graph_sha256"] == hashlib.sha256(graph).hexdigest(), gen
    return graph, report


def check_tidy(out: Path) -> None:
    """Only the current generation, the one before it, ``current`` and the two stable links."""
    # the on-disk query store `policykg build` writes is a cache keyed by the graph's SHA-256 (a
    # stale one is never opened: tests/test_first_answer.py), not part of the pair
    names = {p.name for p in out.iterdir()} - {OXIGRAPH_DIR}
    current = os.readlink(out / CURRENT)
    gens = sorted((p for p in names if p.startswith(".gen-")), key=lambda n: int(n.removeprefix(".gen-")))
    assert names == {CURRENT, GRAPH_FILE, REPORT_FILE, *gens}, names
    assert gens[-1] == current and len(gens) <= 2, gens
    for gen in gens:
        assert sorted(p.name for p in (out / gen).iterdir()) == [REPORT_FILE, GRAPH_FILE], gen
    assert (os.readlink(out / GRAPH_FILE), os.readlink(out / REPORT_FILE)) == (
        f"{CURRENT}/{GRAPH_FILE}", f"{CURRENT}/{REPORT_FILE}")


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory, fy2020_manifest) -> dict:
    """An old build and a new one (the FY2020 text under two titles), and the folders to start from."""
    root = tmp_path_factory.mktemp("atomic")
    old_manifest = fy2020_manifest(root / "old", "旧")
    new_manifest = fy2020_manifest(root / "new", "新")
    for name, manifest in (("old-build", old_manifest), ("new-build", new_manifest)):
        done = _build(manifest, root / name)
        assert done.returncode == 0, done.stderr
    old, new = read_pair(root / "old-build"), read_pair(root / "new-build")
    assert old[0] != new[0] and old[1] != new[1]
    # the earlier layout: the same pair as plain files, the report without the graph's SHA-256
    plain = root / "plain-build"
    plain.mkdir()
    (plain / GRAPH_FILE).write_bytes(old[0])
    report = json.loads(old[1])
    del report["graph_sha256"]
    (plain / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                     encoding="utf-8")
    return {"old": old, "new": new, "new_manifest": new_manifest,
            "start": {"generations": root / "old-build", "plain": plain, "empty": None}}


def test_step_count() -> None:
    assert len(CASES) == 21


@pytest.mark.parametrize(("layout", "step"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_a_build_killed_at_each_step_leaves_a_matching_pair(pairs: dict, tmp_path: Path, layout: str,
                                                            step: str) -> None:
    out = tmp_path / "kg"
    start = pairs["start"][layout]
    if start is None:
        out.mkdir()
    else:
        shutil.copytree(start, out, symlinks=True)
    killed = _build(pairs["new_manifest"], out, kill_at=step)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    steps = STEPS[layout]
    switched = steps.index(step) >= steps.index(SWITCH[layout])
    if layout == "empty" and not switched:
        with pytest.raises(StoreError, match="no built graph"):
            resolve_build(out)
    else:
        graph, report = read_pair(out)
        if switched:
            assert (graph, report) == pairs["new"]
        else:  # the old pair (of a plain folder: its report without the graph's SHA-256)
            assert (graph, report) == (pairs["old"][0], (start / REPORT_FILE).read_bytes())
        assert (out / GRAPH_FILE).read_bytes() == graph  # the stable path: the same graph
        if layout != "plain":  # (while a plain folder is upgraded, its plain report stays one step longer)
            assert (out / REPORT_FILE).read_bytes() == report
    # the next build removes what the killed one left and makes its own pair the build
    write_build(pairs["new"][0].decode("utf-8").splitlines(), _without_sha(pairs["new"][1]), out)
    assert read_pair(out) == pairs["new"]
    check_tidy(out)


def _without_sha(report: bytes) -> dict:
    data = json.loads(report)
    del data["graph_sha256"]
    return data


WRITER = """
import sys
from pathlib import Path
from policykg.graph.store import write_build
out, size = Path(sys.argv[1]), int(sys.argv[2])
base = [f'<urn:x:s{j:07d}> <urn:x:p> "{j}" <urn:x:g> .' for j in range(size)]
for i in range(int(sys.argv[3])):
    lines = base[: size - (i % 7) * 1000] + [f'<urn:x:z> <urn:x:run> "{sys.argv[4]}-{i}" <urn:x:g> .']
    write_build(lines, {"quads": len(lines), "documents": [], "records": {}, "classes": {}, "warnings": []}, out)
    print(i, flush=True)
"""


def _writer(out: Path, size: int, count: int, tag: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(size), str(count), tag],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_writer_killed_at_random_moments_leaves_a_matching_pair(tmp_path: Path) -> None:
    out = tmp_path / "kg"
    rng = random.Random(12)
    written = half = 0
    for run in range(16):
        proc = _writer(out, 150_000, 1000, str(run))
        time.sleep(rng.uniform(0.3, 2.0))
        proc.send_signal(signal.SIGKILL)
        stdout, _ = proc.communicate(timeout=60)
        written += len(stdout.split())
        if (out / CURRENT).is_symlink():
            read_pair(out)
            current = int(os.readlink(out / CURRENT).removeprefix(".gen-"))
            half += any(int(p.name.removeprefix(".gen-")) > current for p in out.glob(".gen-*"))
    assert written >= 16, "the writer never finished a generation: nothing was tested"
    done = _writer(out, 1000, 1, "last")
    assert done.wait(timeout=60) == 0, done.stderr.read()
    read_pair(out)
    check_tidy(out)


def test_readers_during_builds_never_see_a_mismatch(tmp_path: Path) -> None:
    out = tmp_path / "kg"
    first = _writer(out, 1000, 1, "first")
    assert first.wait(timeout=60) == 0
    writer = _writer(out, 100_000, 40, "busy")
    reads, seen, failures = 0, set(), []

    def read() -> None:
        nonlocal reads
        while writer.poll() is None:
            try:
                graph, _ = read_pair(out)
            except AssertionError as e:
                failures.append(e)
                return
            seen.add(hashlib.sha256(graph).hexdigest())
            reads += 1

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    for r in readers:
        r.join(timeout=300)
    assert writer.returncode == 0, writer.stderr.read()
    assert not failures, failures[0]
    assert len(seen) >= 3 and reads >= 40, (len(seen), reads)  # the readers saw the builds go by
    read_pair(out)
    check_tidy(out)


def test_a_plain_graph_beside_the_links_has_no_report(tmp_path: Path) -> None:
    """``policykg synth --out build/policykg.nq`` over a build: its graph is read, and the report
    (of the generation) is not taken for its own."""
    write_build(['<urn:a> <urn:b> "1" .'], {"quads": 1, "documents": [], "records": {}, "classes": {},
                                           "warnings": []}, tmp_path)
    (tmp_path / GRAPH_FILE).unlink()
    (tmp_path / GRAPH_FILE).write_text('<urn:a> <urn:b> "2" .\n<urn:a> <urn:b> "3" .\n', encoding="utf-8")
    assert len(load_dataset(tmp_path)) == 2
    with pytest.raises(StoreError, match="not of the graph file"):
        read_build_report(tmp_path)
