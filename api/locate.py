"""Where :func:`policykg.open` finds the built graph, and the per-user cache of the bundled corpus's build.

In order: the ``build_dir`` argument; ``$POLICYKG_HOME``; ``./build`` if it
holds a graph; else the cache folder of the bundled corpus,
``$XDG_CACHE_HOME/policykg/<version>-<key>`` (``~/.cache/policykg/…`` without
``XDG_CACHE_HOME``), built on first use. ``<key>`` is a SHA-256 over the package
version, the bundled corpus (manifest and files), the registry, the ontology and
shapes, and the source of the modules that make the graph (``policykg``,
``policykg.loaders``, ``policykg.graph``): any change to one of them names
another folder, so a cached build is never stale. The cache builds the bundled
corpus only (not the folders of ``$POLICYKG_CORPUS``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from policykg import __version__
from policykg.graph.store import GRAPH_FILE, REPORT_FILE, StoreError, resolve_build

log = logging.getLogger(__name__)

__all__ = ["bundled_key", "cache_dir", "locate_build"]

#: The packages whose files decide what a build of the bundled corpus contains.
_INPUTS = ("policykg", "policykg.corpus", "policykg.ontology", "policykg.loaders", "policykg.graph")
_SUFFIXES = (".py", ".toml", ".txt", ".ttl")


def bundled_key() -> str:
    """The cache key of a build of the bundled corpus with this installation (16 hex digits).

    >>> len(bundled_key()), bundled_key() == bundled_key()
    (16, True)
    """
    digest = hashlib.sha256(__version__.encode("utf-8"))
    for package in _INPUTS:
        root = Path(str(resources.files(package)))
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _SUFFIXES
                           and "__pycache__" not in p.parts):
            relative = path.relative_to(root).as_posix()
            if package != "policykg" or "/" not in relative or relative.startswith("data/"):
                digest.update(f"{package}/{relative}\0".encode("utf-8"))
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    """The cache folder of the bundled corpus's build for this installation (may not exist yet)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policykg" / f"{__version__}-{bundled_key()}"


def _stderr(message: str) -> None:
    sys.stderr.write(f"policykg: {message}\n")
    sys.stderr.flush()


def locate_build(build_dir: Path | str | None = None, *,
                 progress: Callable[[str], None] = _stderr) -> Path:
    """The build folder :func:`policykg.open` reads (building the bundled corpus into the cache if needed).

    An explicit ``build_dir`` or ``$POLICYKG_HOME`` must hold a graph (StoreError
    otherwise: nothing is built into a folder the caller named).
    """
    if build_dir is not None or os.environ.get("POLICYKG_HOME"):
        folder = Path(build_dir if build_dir is not None else os.environ["POLICYKG_HOME"]).expanduser()
        if not _has_graph(folder):
            raise StoreError(f"no built graph at {folder / GRAPH_FILE}: run `policykg build --build-dir {folder}`")
        return folder
    if _has_graph(Path("build")):
        return Path("build")
    folder = cache_dir()
    if not _has_graph(folder):
        from policykg.graph.pipeline import build

        progress(f"building the bundled corpus into {folder} (once per installation, about half a minute)")
        # The loaders log each line they cannot attribute; the build report keeps them all, so a
        # notebook gets one line saying where, not Python's last-resort handler printing every one.
        quiet = logging.NullHandler()
        logging.getLogger("policykg").addHandler(quiet)
        try:
            result = build(folder, corpus=[], progress=progress)
        finally:
            logging.getLogger("policykg").removeHandler(quiet)
        warnings = len(getattr(getattr(result, "report", None), "warnings", ()))
        progress(f"built {folder / GRAPH_FILE} ({warnings} warnings in {folder / REPORT_FILE})")
    return folder


def _has_graph(folder: Path) -> bool:
    try:
        resolve_build(folder)
    except StoreError:
        return False
    return True
