"""The built graph on disk: written atomically, reopened without re-parsing documents.

Layout of a build folder (default ``build/`` in the working directory, or
``$POLICYKG_HOME``):

* ``policykg.nq`` — every named graph as sorted N-Quads (deterministic);
* ``build-report.json`` — counts by class and record type, and every warning as a record
  (document, line, end_line, kind, message, text); :func:`read_build_report` reads it back.

A failed build leaves the previous files untouched: each file is written to a
temporary name in the same folder and moved into place with ``os.replace``. One
build at a time writes into a folder (:func:`build_lock`, a ``flock`` on the folder):
a second one waits, and temporaries a killed build left are removed when the next
one writes.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset

from policykg.errors import ExitCode, PolicyKGError
from policykg.records import BuildWarning

GRAPH_FILE = "policykg.nq"
REPORT_FILE = "build-report.json"


class StoreError(PolicyKGError):
    """No built graph where one was expected."""

    exit_code = ExitCode.NO_GRAPH


def default_build_dir() -> Path:
    return Path(os.environ.get("POLICYKG_HOME", "build"))


#: Mode of the files policykg writes (mkstemp's temporary files are 0600: readable by their owner only).
FILE_MODE = 0o644


def atomic_write(path: Path, chunks: Iterable[str]) -> None:
    """Write text to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.chmod(tmp, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def build_lock(build_dir: Path, progress: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold ``build_dir``'s write lock (an advisory ``flock`` on the folder itself; no lock file).

    A second build writing into the same folder waits until the first has replaced both of
    its files, so their files never interleave. Under the lock, temporaries that an earlier,
    killed build left behind (``.policykg.nq.*``, ``.build-report.json.*``) are removed.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(build_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"another policykg build is writing into {build_dir}: waiting for it")
            fcntl.flock(fd, fcntl.LOCK_EX)
        for name in (GRAPH_FILE, REPORT_FILE):
            for stale in build_dir.glob(f".{name}.*"):
                stale.unlink(missing_ok=True)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_build(lines: list[str], report: dict, build_dir: Path,
                progress: Callable[[str], None] = lambda _: None) -> Path:
    """Write the sorted N-Quads and the report; returns the graph path."""
    graph_path = build_dir / GRAPH_FILE
    text = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    # Both files are complete in temporary names before either replaces the old one; one
    # build at a time writes into a folder.
    with build_lock(build_dir, progress):
        return _write_pair(lines, text, build_dir, graph_path)


def _write_pair(lines: list[str], text: str, build_dir: Path, graph_path: Path) -> Path:
    fd_g, tmp_g = tempfile.mkstemp(prefix=f".{GRAPH_FILE}.", dir=build_dir)
    fd_r, tmp_r = tempfile.mkstemp(prefix=f".{REPORT_FILE}.", dir=build_dir)
    os.chmod(tmp_g, FILE_MODE)
    os.chmod(tmp_r, FILE_MODE)
    try:
        with os.fdopen(fd_g, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line + "\n")
        with os.fdopen(fd_r, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp_g, graph_path)
        os.replace(tmp_r, build_dir / REPORT_FILE)
    finally:
        for tmp in (tmp_g, tmp_r):
            Path(tmp).unlink(missing_ok=True)
    return graph_path


def load_dataset(build_dir: Path | None = None) -> Dataset:
    """Open a built graph (all named graphs; queries see their union)."""
    path = (build_dir or default_build_dir()) / GRAPH_FILE
    if not path.is_file():
        raise StoreError(f"no built graph at {path}: run `policykg build` first")
    ds = Dataset(default_union=True)
    ds.parse(str(path), format="nquads")
    return ds


@dataclass(frozen=True)
class BuildReportFile:
    """``build-report.json`` read back: the documents, counts and warnings as records."""

    documents: tuple[str, ...]
    records: dict[str, dict[str, int]]
    classes: dict[str, int]
    quads: int
    warnings: tuple[BuildWarning, ...]


def read_build_report(build_dir: Path | None = None) -> BuildReportFile:
    """The build report of the graph in ``build_dir`` (StoreError when it is missing or unreadable)."""
    path = (build_dir or default_build_dir()) / REPORT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BuildReportFile(tuple(data["documents"]), data["records"], data["classes"], int(data["quads"]),
                               tuple(BuildWarning.from_json(w) for w in data["warnings"]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StoreError(f"cannot read {path} ({e}): run `policykg build` first") from e
