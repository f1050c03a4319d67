"""The main job: corpus → records → graph → files, callable from Python and the CLI."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from policykg.graph.build import BuildReport, build_dataset, iter_quads_sorted
from policykg.graph.store import default_build_dir, write_build
from policykg.loaders import parse_document
from policykg.registry import Registry
from policykg.errors import BuildError, LoaderError
from policykg.graph.validate import validate_dataset
from policykg.records import Warning_
from policykg.sources import check_same_text, check_unique, corpus_folders_from_env, garbled, load_corpus, read_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    graph_path: Path
    report: BuildReport
    quads: int


def build(
    build_dir: Path | None = None,
    *,
    manifest: Path | None = None,
    corpus: Sequence[Path] | None = None,
    registry: Registry | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> BuildResult:
    """Parse every document of the manifest and the user corpus folders and write the graph;
    all or nothing.

    ``manifest`` replaces the bundled manifest; ``corpus`` names user corpus folders
    (each with its own ``manifest.toml``), by default those of ``$POLICYKG_CORPUS``.
    Any error (unreadable file, unknown layout, a document id or file twice, build
    failure) is raised before a single output file is replaced.
    """
    build_dir = build_dir or default_build_dir()
    registry = registry or Registry.load()
    folders = corpus_folders_from_env() if corpus is None else list(corpus)
    texts = []
    for doc in load_corpus(manifest, folders):
        text = read_text(doc.path, expected_sha256=doc.sha256)
        if not doc.sha256:  # a manifest without checksum: record the file's own (strict UTF-8 round-trips)
            doc = replace(doc, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
        texts.append((doc, text))
    check_unique([doc for doc, _ in texts])  # the checksums computed just now too
    check_same_text(texts)  # and the same text in other bytes (line endings, a BOM, full-width …)
    parsed = []
    for doc, text in texts:
        progress(f"reading {doc.id} ({doc.path.name}, {doc.layout.value})")
        parsed.append((doc, skip_garbled(_parse(doc, text, registry))))
    progress("building the graph")
    ds, report = build_dataset(parsed, registry)
    progress("validating against the core SHACL shapes")
    check_shapes(ds)
    lines = list(iter_quads_sorted(ds))
    if len(lines) != report.triples:  # one line per quad, or the file would not be this graph
        raise BuildError(f"the graph's {report.triples} quads serialised as {len(lines)} N-Quads lines; "
                         "previous graph kept")
    path = write_build(lines, report_dict(report), build_dir, progress)
    return BuildResult(path, report, len(lines))


def _parse(doc, text: str, registry: Registry) -> list:
    """parse_document, with the file named in a loader error that names only the document id."""
    try:
        return parse_document(doc, text, registry)
    except LoaderError as e:
        if e.source != doc.id:
            raise
        raise LoaderError(f"{doc.path} [{doc.id}]", e.line, e.snippet, e.message) from e


def skip_garbled(records: list) -> list:
    """Replace each record whose text holds garbled characters by a warning (once per line).

    A name like 「ॖথ३ॹথॺ︵事案︶対処能⼒भ向上」 (a garbled PDF text layer) would
    otherwise become a new measure with a real figure attached to it.
    """
    out, warned = [], set()
    for rec in records:
        if isinstance(rec, Warning_):
            out.append(rec)
            continue
        bad = {f.name: garbled(v) for f in fields(rec) if isinstance(v := getattr(rec, f.name), str) and garbled(v)}
        if not bad:
            out.append(rec)
            continue
        field, chars = next(iter(bad.items()))
        if rec.source not in warned:
            warned.add(rec.source)
            out.append(Warning_(f"garbled characters {chars!r} in the {field}; record skipped",
                                getattr(rec, field), rec.source))
    return out


def check_shapes(ds) -> None:
    """Raise BuildError (nothing written) when the new graph violates a core shape."""
    violations = validate_dataset(ds).violations
    if violations:
        shown = "; ".join(str(v) for v in violations[:5])
        more = f" … and {len(violations) - 5} more" if len(violations) > 5 else ""
        raise BuildError(f"the new graph violates {len(violations)} core SHACL constraint(s); "
                         f"previous graph kept: {shown}{more}")


def report_dict(report: BuildReport) -> dict:
    records: dict[str, dict[str, int]] = {}
    for (doc, kind), n in sorted(report.records.items()):
        records.setdefault(doc, {})[kind] = n
    return {
        "documents": report.documents,
        "records": records,
        "classes": dict(sorted(report.classes.items())),
        "quads": report.triples,
        "warnings": [w.to_json() for w in report.warnings],
    }
