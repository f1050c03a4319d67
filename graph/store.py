"""The built graph on disk: the graph and its report written as one atomic unit, reopened
without re-parsing documents.

Layout of a build folder (default ``build/`` in the working directory, or ``$POLICYKG_HOME``)::

    .gen-7/policykg.nq          every named graph as sorted N-Quads (deterministic)
    .gen-7/build-report.json    counts by class and record type, the graph's SHA-256
                                (graph_sha256) and every warning as a record (document, line,
                                end_line, kind, message, text); read back: read_build_report
    .gen-6/                     the build before, kept for readers that chose it just before
    current -> .gen-7           which generation is the build
    policykg.nq -> current/policykg.nq                  stable paths, for other tools
    build-report.json -> current/build-report.json
    oxigraph/                   the on-disk Oxigraph store, once opened (graph/backends.py)

**One rename decides which pair is the build.** A build writes a whole new generation
folder (both files, flushed to disk), then makes a symlink to it under a temporary name and
renames it over ``current``. A build killed at any point leaves ``current`` naming the old
generation or the new one, never a graph beside another graph's report. Readers resolve
``current`` once (:func:`resolve_build`) and read both files from that one folder, so a build
finishing while they read changes nothing for them. (A tool reading the two stable paths
separately follows ``current`` twice; to read a matching pair from outside, resolve
``current`` first, as ``readlink build/current`` does.)

Under the folder's lock (:func:`build_lock`, a ``flock`` on the folder; one build at a time
writes into it, a second waits) each build first removes what a killed build left behind
(temporary files and links, a generation never made current) and, once its own is current,
deletes every generation but the new one and the one before it.

A folder of the earlier layout (plain ``policykg.nq`` and ``build-report.json``) is read as it
is, and the next build upgrades it: it writes the generation and ``current``, then renames the
link ``policykg.nq -> current/policykg.nq`` over the plain graph — that rename is the switch:
before it, readers read the plain pair; after it, the new generation — and then the report's.
The rule readers follow: a ``policykg.nq`` that is that link, or none at all, means the
generation ``current`` names; any other ``policykg.nq`` (a plain file, the user's own link) is
a graph of its own, whose report is the plain ``build-report.json`` beside it (none, when that
is the link into ``current``: that report belongs to another graph).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
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
#: The link naming the current generation.
CURRENT = "current"
_GEN = ".gen-"
_GEN_NAME = re.compile(r"\.gen-([0-9]+)")
#: What the stable links in the build folder point at.
_LINK_TARGET = {GRAPH_FILE: f"{CURRENT}/{GRAPH_FILE}", REPORT_FILE: f"{CURRENT}/{REPORT_FILE}"}
#: Temporary names a build writes directly in the folder (removed at the start of the next one).
_TEMPORARY = (f".{GRAPH_FILE}.", f".{REPORT_FILE}.", f".{CURRENT}.")


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


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Generation:
    """One build's graph and report, as a reader should read them: both from the same build."""

    folder: Path  # the build folder
    graph_path: Path
    report_path: Path | None  # None: a graph file with no report of its own
    name: str = ""  # the generation folder (".gen-7"); "" for a plain graph file

    def graph_sha256(self) -> str:
        """The graph's SHA-256 as its build recorded it ("" for a plain graph file, or an older report).

        Only a generation's report is trusted for it: a plain ``policykg.nq`` may have been
        replaced beside its report (``policykg synth --out``, a copy)."""
        if not self.name or self.report_path is None:
            return ""
        try:
            return str(json.loads(self.report_path.read_text(encoding="utf-8")).get("graph_sha256", ""))
        except (OSError, ValueError, AttributeError):
            return ""


def _link(path: Path) -> str | None:
    """Where the symlink ``path`` points, or None when it is no symlink."""
    try:
        return os.readlink(path)
    except OSError:
        return None


def resolve_build(build_dir: Path | str | None = None) -> Generation:
    """The graph and report of the build in ``build_dir``, resolved once (StoreError when there is none).

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> resolve_build(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    policykg.graph.store.StoreError: no built graph at .../policykg.nq: run `policykg build` first
    >>> write_build(["<urn:a> <urn:b> <urn:c> ."], {"quads": 1}, folder).name
    'policykg.nq'
    >>> gen = resolve_build(folder); gen.name, gen.graph_path.relative_to(folder).as_posix()
    ('.gen-1', '.gen-1/policykg.nq')
    >>> shutil.rmtree(folder)
    """
    folder = Path(build_dir) if build_dir is not None else default_build_dir()
    graph = folder / GRAPH_FILE
    missing = StoreError(f"no built graph at {graph}: run `policykg build` first")
    if _link(graph) == _LINK_TARGET[GRAPH_FILE] or not os.path.lexists(graph):
        current = folder / CURRENT
        name = _link(current)
        if name is None:  # a copy that followed the links: ``current`` became a folder
            if not current.is_dir():
                raise missing
            name = CURRENT
        if not (_GEN_NAME.fullmatch(name) or name == CURRENT):
            raise StoreError(f"{current} points at {name!r}, not a generation of {folder}: run `policykg build`")
        gen = folder / name
        if not (gen / GRAPH_FILE).is_file():
            raise missing
        return Generation(folder, gen / GRAPH_FILE, gen / REPORT_FILE, name)
    if not graph.is_file():
        raise missing
    report = folder / REPORT_FILE
    return Generation(folder, graph, None if _link(report) == _LINK_TARGET[REPORT_FILE] else report)


def _generation(build: Generation | Path | str | None) -> Generation:
    return build if isinstance(build, Generation) else resolve_build(build)


def load_dataset(build: Generation | Path | str | None = None) -> Dataset:
    """Open a built graph (all named graphs; queries see their union): a build folder or a resolved generation."""
    gen = _generation(build)
    ds = Dataset(default_union=True)
    try:
        ds.parse(str(gen.graph_path), format="nquads")
    except FileNotFoundError as e:  # two builds finished since it was resolved: its generation is gone
        raise StoreError(f"{gen.graph_path} was removed by later builds while being read: try again") from e
    return ds


@dataclass(frozen=True)
class BuildReportFile:
    """``build-report.json`` read back: the documents, counts and warnings as records."""

    documents: tuple[str, ...]
    records: dict[str, dict[str, int]]
    classes: dict[str, int]
    quads: int
    warnings: tuple[BuildWarning, ...]
    graph_sha256: str = ""  # "" in a report written before it was recorded


def read_build_report(build: Generation | Path | str | None = None) -> BuildReportFile:
    """The build report of the graph in a build folder or generation (StoreError when missing or unreadable)."""
    gen = _generation(build)
    if gen.report_path is None:
        raise StoreError(f"{gen.folder / REPORT_FILE} is the report of {gen.folder / CURRENT}, not of the graph "
                         f"file {gen.graph_path}: run `policykg build` first")
    path = gen.report_path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BuildReportFile(tuple(data["documents"]), data["records"], data["classes"], int(data["quads"]),
                               tuple(BuildWarning.from_json(w) for w in data["warnings"]),
                               str(data.get("graph_sha256", "")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise StoreError(f"cannot read {path} ({e}): run `policykg build` first") from e


# --- writing -----------------------------------------------------------------------------------

def _step(name: str) -> None:
    """Called between the steps of :func:`write_build` (does nothing). ``tests/test_atomic_build.py``
    replaces it, in a build subprocess, to kill that build at each step."""


@contextmanager
def build_lock(build_dir: Path, progress: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold ``build_dir``'s write lock (an advisory ``flock`` on the folder itself; no lock file).

    A second build writing into the same folder waits until the first has made its generation
    current. Under the lock, what an earlier, killed build left behind is removed: temporary
    files and links (``.policykg.nq.*``, ``.build-report.json.*``, ``.current.*``) and
    generations other than the current one and the one before it.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(build_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"another policykg build is writing into {build_dir}: waiting for it")
            fcntl.flock(fd, fcntl.LOCK_EX)
        for stale in build_dir.iterdir():
            if stale.name.startswith(_TEMPORARY):
                _remove(stale)
        _prune(build_dir)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_build(lines: list[str], report: dict, build_dir: Path,
                progress: Callable[[str], None] = lambda _: None) -> Path:
    """Write the sorted N-Quads and the report (with the graph's SHA-256) as a new generation and
    make it current, all or nothing; returns the graph's stable path, ``build_dir/policykg.nq``."""
    with build_lock(build_dir, progress):
        _write_generation(lines, report, build_dir)
    return build_dir / GRAPH_FILE


def _write_generation(lines: list[str], report: dict, build_dir: Path) -> None:
    numbers = [int(m[1]) for p in build_dir.iterdir() if (m := _GEN_NAME.fullmatch(p.name))]
    gen = build_dir / f"{_GEN}{max(numbers, default=0) + 1}"
    gen.mkdir()
    digest = hashlib.sha256()
    with _new_file(gen / GRAPH_FILE) as f:
        for line in lines:
            data = (line + "\n").encode("utf-8")
            digest.update(data)
            f.write(data)
    _step("graph-written")
    text = json.dumps({**report, "graph_sha256": digest.hexdigest()}, ensure_ascii=False, indent=2,
                      sort_keys=True) + "\n"
    with _new_file(gen / REPORT_FILE) as f:
        f.write(text.encode("utf-8"))
    _fsync(gen)
    _step("generation-written")
    current = build_dir / CURRENT
    if _link(current) is None and current.is_dir():
        # a copy that followed the links made ``current`` a folder; the plain files beside it are
        # what readers read (resolve_build), so it can be set aside (and pruned) first
        os.rename(current, build_dir / f"{_GEN}set-aside")
    if not os.path.lexists(build_dir / GRAPH_FILE):  # a new folder: its stable paths exist once it has a build
        _link_stable(build_dir)
    _swap_link(current, gen.name)  # the one rename that makes the new pair the build
    _fsync(build_dir)
    _step("current-swapped")
    _link_stable(build_dir)
    _prune(build_dir)
    _fsync(build_dir)
    _step("pruned")


def _link_stable(build_dir: Path) -> None:
    """``policykg.nq`` and ``build-report.json`` as links into ``current``, the graph's first: in a
    folder of the earlier layout, that rename is the one that switches readers to ``current``."""
    for name in (GRAPH_FILE, REPORT_FILE):
        if _link(build_dir / name) != _LINK_TARGET[name]:
            _swap_link(build_dir / name, _LINK_TARGET[name])
            _step(f"{name}-linked")


@contextmanager
def _new_file(path: Path) -> Iterator:
    """A new file (mode 0644), flushed to disk when the block ends."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # whatever the umask
    with os.fdopen(fd, "wb") as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


def _fsync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_link(path: Path, target: str) -> None:
    """Point the symlink ``path`` at ``target`` with one rename (readers see the old link or the new one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    _step(f"link-{path.name}")
    os.replace(tmp, path)


def _prune(build_dir: Path) -> None:
    """Remove every generation but the current one and the newest before it (readers may have
    resolved it just before the last build finished)."""
    current = _link(build_dir / CURRENT)
    number = int(m[1]) if current and (m := _GEN_NAME.fullmatch(current)) else None
    older = [n for p in build_dir.iterdir() if (m := _GEN_NAME.fullmatch(p.name))
             and number is not None and (n := int(m[1])) < number]
    keep = {current, f"{_GEN}{max(older)}" if older else None}
    for path in build_dir.iterdir():
        if path.name.startswith(_GEN) and path.name not in keep:
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
