"""Two builds into one folder never interleave, and a killed build's temporaries do not stay.

Through the real CLI on the bundled FY2020 text (nisc-budget-fy2020): while the folder's lock is
held (as a first build holds it while it writes its generation and makes it current), a second
`policykg build` waits — its graph does not appear — and finishes once the lock is released;
temporaries left by a build killed mid-write (files, links, a generation never made current) are
removed by the next build.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest




@pytest.fixture()
def manifest(tmp_path: Path, fy2020_manifest) -> Path:
    return fy2020_manifest(tmp_path / "corpus")


def _build(manifest: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "policykg.cli", "build", "--manifest", str(manifest),
                             "--build-dir", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_build_waits_for_the_lock(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "kg"
    out.mkdir()
    log = tmp_path / "stderr.txt"
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a first build holds it while writing
    try:
        with log.open("w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "build", "--manifest", str(manifest),
                                     "--build-dir", str(out)], stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 300
        while "waiting for it" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the second build never reached the lock"
            time.sleep(0.5)
        assert f"another policykg build is writing into {out}" in log.read_text(encoding="utf-8")
        time.sleep(1)
        assert proc.poll() is None and not (out / "policykg.nq").exists()  # it waits, writing nothing
    finally:
        os.close(fd)
    assert proc.wait(timeout=300) == 0, log.read_text(encoding="utf-8")
    assert (out / "policykg.nq").is_file() and (out / "build-report.json").is_file()


def test_temporaries_of_a_killed_build_are_removed(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "kg"
    out.mkdir()
    stale = [out / ".policykg.nq.k1ll3d", out / ".build-report.json.k1ll3d", out / ".current.123.link"]
    for path in stale:
        path.write_text("half a file", encoding="utf-8")
    (out / ".gen-4").mkdir()  # a generation a killed build never made current
    (out / ".gen-4" / "policykg.nq").write_text("half a graph", encoding="utf-8")
    stale.append(out / ".gen-4")
    keep = out / ".unrelated"
    keep.write_text("not ours", encoding="utf-8")
    proc = _build(manifest, out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert not any(p.exists() for p in stale) and keep.exists()
    assert sorted(p.name for p in out.iterdir()) == [".gen-1", ".unrelated", "build-report.json", "current",
                                                     "oxigraph", "policykg.nq"]  # oxigraph: the query store
