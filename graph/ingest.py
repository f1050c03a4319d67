"""``policykg add FILE``: register a new document (PDF, text or Markdown) in a corpus folder.

What :func:`add_document` does, all or nothing:

1. reads the file: a ``.pdf``'s text layer (:func:`policykg.loaders.pdf_text.pdf_to_text`),
   a ``.txt`` or ``.md`` as it is (strict UTF-8);
2. detects its manifest fields from the text (:func:`policykg.loaders.detect.detect_document`:
   layout family, title, issuer, fiscal year, budget phase, strategy edition, columns);
3. refuses a duplicate: the same file, the same text or the same id as a document of the
   bundled corpus, of ``$POLICYKG_CORPUS`` or of the target folder, and (unless an id is
   given) a budget summary whose table's first column (fiscal year, kind, status) is that
   of a summary already there: the same document, e.g. a PDF printed from its text;
4. runs the loaders and builds the document's named graph against the core SHACL shapes,
   so a document that ``policykg build`` could not read is refused now;
5. writes the text into the corpus folder (the bundled one, or a user corpus folder,
   created if missing) as ``NNN_<sha256[:16]>.txt`` and appends the entry to its
   ``manifest.toml``, comments kept, each write to a temporary file renamed into place.

A dry run stops after step 4. Any error leaves the corpus folders as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import DuplicateDocumentError, LoaderError, ManifestError
from policykg.graph.build import build_dataset
from policykg.graph.pipeline import check_shapes, skip_garbled
from policykg.graph.store import FILE_MODE
from policykg.loaders import parse_document
from policykg.loaders.detect import Detection, detect_document
from policykg.loaders.pdf_text import pdf_to_text
from policykg.records import BudgetFigure, Origin, Record, Warning_
from policykg.registry import Registry
from policykg.sources import (
    MANIFEST_FILE,
    MAX_FILE_BYTES,
    Document,
    Layout,
    check_line_lengths,
    corpus_dir,
    corpus_folders_from_env,
    load_corpus,
    load_manifest,
    read_text,
    text_key,
)

__all__ = ["SUFFIXES", "AddResult", "add_document", "describe"]

#: The files ``policykg add`` reads.
SUFFIXES = (".pdf", ".txt", ".md")
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_NEW_MANIFEST = (
    "# A policykg user corpus folder: documents registered with `policykg add FILE --corpus DIR`,\n"
    "# in the format of the bundled corpus/manifest.toml. `policykg build --corpus DIR` (or\n"
    "# POLICYKG_CORPUS=DIR) includes them.\n"
)
_NISC = (Layout.NISC_PDFTEXT, Layout.NISC_MARKDOWN)
#: Figures listed one by one in a report: the summary table's and the totals.
_LISTED = (Origin.SUMMARY_TABLE, Origin.HEADLINE, Origin.AREA_CHART)


@dataclass(frozen=True)
class AddResult:
    """What ``policykg add`` detected, wrote (or would write) and what the loaders read."""

    source: Path  # the file given
    document: Document  # the manifest entry as the build will read it
    detection: Detection
    entry: str  # the manifest entry, TOML with its comments
    manifest: Path
    records: tuple[Record, ...]
    warnings: int  # lines the loaders or the graph build could not read or attribute
    written: bool


def add_document(
    path: Path,
    *,
    corpus: Path | None = None,
    doc_id: str | None = None,
    dry_run: bool = False,
    registry: Registry | None = None,
) -> AddResult:
    """Register ``path`` in ``corpus`` (default: the bundled corpus folder); see the module docstring."""
    path = Path(path)
    registry = registry or Registry.load()
    folder = Path(corpus) if corpus is not None else corpus_dir()
    raw, text, original_sha256 = _read(path)
    sha256 = hashlib.sha256(raw).hexdigest()
    detection = detect_document(text, str(path), registry)
    existing = _existing(folder)
    _refuse_duplicate(path, existing, sha256, original_sha256)
    _refuse_same_text(path, existing, text)
    doc_id = _doc_id(path, detection, existing, doc_id)
    manifest = folder / MANIFEST_FILE
    in_folder = [d for d in existing if d.path.parent.resolve() == folder.resolve()]
    name = f"{len(in_folder):03d}_{sha256[:16]}.txt"
    if (folder / name).exists():
        raise ManifestError(f"{folder / name}: a file of that name is already in the corpus folder; nothing added")
    document = _document(path, folder / name, doc_id, detection, sha256, original_sha256)
    records = tuple(_check(path, document, text, registry))
    entry = manifest_entry(document, detection, source_name=path.name)
    warnings = sum(1 for r in records if isinstance(r, Warning_))
    if not dry_run:
        _write(folder, name, raw, manifest, entry)
    return AddResult(path, document, detection, entry, manifest, records, warnings, not dry_run)


def _read(path: Path) -> tuple[bytes, str, str]:
    """The bytes to keep in the corpus, their text, and the original's checksum (PDF only)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoaderError(str(path), 0, path.suffix, f"not a {', '.join(SUFFIXES)} file")
    if suffix == ".pdf":
        try:
            data = path.read_bytes()
        except OSError as e:
            raise LoaderError(str(path), 0, "", f"cannot read: {e}") from e
        text = pdf_to_text(data, str(path))
        raw = (text.rstrip("\n") + "\n").encode("utf-8")
        if len(raw) > MAX_FILE_BYTES:
            raise LoaderError(str(path), 0, f"{len(raw)} bytes", f"text larger than {MAX_FILE_BYTES} bytes refused")
        check_line_lengths(raw, str(path))
        return raw, raw.decode("utf-8"), hashlib.sha256(data).hexdigest()
    text = read_text(path)
    return path.read_bytes(), text, ""


def _existing(folder: Path) -> list[Document]:
    """The documents ``policykg build`` would read with ``folder`` added: bundled, $POLICYKG_CORPUS, folder."""
    folders = corpus_folders_from_env()
    if (folder / MANIFEST_FILE).is_file():
        folders.append(folder)
    return load_corpus(None, folders)


def _refuse_duplicate(path: Path, existing: list[Document], sha256: str, original_sha256: str) -> None:
    mine = {original_sha256: "file", sha256: "text"} if original_sha256 else {sha256: "file"}
    for doc in existing:
        sums = {doc.sha256 or _file_sha256(doc.path), doc.original_sha256} - {""}
        for digest, what in mine.items():
            if digest in sums:
                raise DuplicateDocumentError(f"{path}: already in the corpus as {doc.id} ({doc.path}): the same "
                                             f"{what} (sha256 {digest}); nothing added")


def _refuse_same_text(path: Path, existing: list[Document], text: str) -> None:
    """The text of a document already there, in other bytes (CRLF line endings, a BOM, full-width
    characters): ``policykg build`` would refuse the corpus (:func:`policykg.sources.check_same_text`)."""
    key = text_key(text)
    for doc in existing:
        try:
            same = text_key(read_text(doc.path)) == key
        except LoaderError:
            continue  # a document the build cannot read says so itself
        if same:
            raise DuplicateDocumentError(f"{path}: already in the corpus as {doc.id} ({doc.path}): the same text, up "
                                         "to white space, line endings, invisible characters and character width; "
                                         "nothing added")


def _file_sha256(path: Path) -> str:
    """The checksum of a manifest entry's file that states none (a hand-written entry)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return ""
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _doc_id(path: Path, detection: Detection, existing: list[Document], wanted: str | None) -> str:
    """``wanted``, or the id proposed from the series and year (with the phase when that id is taken)."""
    taken = {d.id: d for d in existing}
    if wanted is not None:
        if not _ID.fullmatch(wanted):
            raise ManifestError(f"{path}: {wanted!r} is not a document id (lower-case letters, digits and -)")
        if wanted in taken:
            raise DuplicateDocumentError(f"{path}: the id {wanted!r} is already taken by {taken[wanted].path}; "
                                         "nothing added (choose another --id)")
        return wanted
    if detection.header is not None:
        main = detection.header.columns[0]
        for doc in existing:
            if doc.layout in _NISC and doc.columns[:1] == (main,):
                raise DuplicateDocumentError(
                    f"{path}: {doc.id} ({doc.path}) is the budget summary of the same budget ({main}): most likely "
                    "this document, its text extracted anew; nothing added (give --id if it is another document)")
    candidates = [detection.id_stem] + ([f"{detection.id_stem}-{detection.phase.value}"] if detection.phase.value
                                        else [])
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    holders = ", ".join(f"{c} ({taken[c].path})" for c in candidates)
    raise DuplicateDocumentError(f"{path}: the ids proposed for it are taken: {holders}; nothing added "
                                 "(give one with --id if it is another document)")


def _document(path: Path, target: Path, doc_id: str, d: Detection, sha256: str, original_sha256: str) -> Document:
    issuer, issuer_key = d.issuer.value  # type: ignore[misc]
    header = d.header
    return Document(
        id=doc_id, path=target, original_file=path.name, sha256=sha256, title=str(d.title.value),
        title_en=d.title_en, issuer=issuer, issuer_key=issuer_key, fiscal_year=int(d.fiscal_year.value),  # type: ignore[arg-type]
        layout=d.layout.value, strategy=str(d.strategy.value),  # type: ignore[arg-type]
        columns=header.columns if header else (), columns_line=header.line if header else 0,
        short_row_columns=header.short_row_columns if header else (), phase=str(d.phase.value),
        original_sha256=original_sha256,
    )


def _check(path: Path, doc: Document, text: str, registry: Registry) -> list[Record]:
    """The document's records; its named graph must build and conform to the core shapes."""
    try:
        records = skip_garbled(parse_document(doc, text, registry))
    except LoaderError as e:
        if e.source != doc.id:
            raise
        raise LoaderError(f"{path} [{doc.id}]", e.line, e.snippet, e.message) from e
    ds, _ = build_dataset([(doc, records)], registry)
    check_shapes(ds)
    return records


def manifest_entry(doc: Document, d: Detection, *, source_name: str) -> str:
    """The ``[[document]]`` entry of ``doc``, with a comment saying where each field was found."""
    def s(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    notes = [f"# added by `policykg add` from {source_name}; detected from the text:"]
    for label, found in (("layout", d.layout), ("title", d.title), ("issuer", d.issuer), ("fiscal year", d.fiscal_year),
                         ("phase", d.phase), ("strategy", d.strategy)):
        notes.append(f"#   {label}: {found.where()}")
    if d.header is not None:
        notes.append(f"#   columns: the table header, lines {d.header.line}-{d.header.end_line}: {d.header.printed}")
    out = [*notes, "[[document]]", f"id = {s(doc.id)}", f"file = {s(doc.path.name)}",
           f"original_file = {s(doc.original_file)}"]
    if doc.original_sha256:
        out.append(f"original_sha256 = {s(doc.original_sha256)}")
    out += [f"sha256 = {s(doc.sha256)}", f"title = {s(doc.title)}"]
    if doc.title_en:
        out.append(f"title_en = {s(doc.title_en)}")
    out += [f"issuer = {s(doc.issuer)}", f"issuer_key = {s(doc.issuer_key)}",
            f"fiscal_year = {doc.fiscal_year}", f"layout = {s(doc.layout.value)}"]
    if doc.phase:
        out.append(f"phase = {s(doc.phase)}")
    if doc.strategy:
        out.append(f"strategy = {s(doc.strategy)}")
    if doc.columns:
        out += [f"columns_line = {doc.columns_line}", "columns = ["]
        for c in doc.columns:
            number = f", supplement = {c.supplement}" if c.supplement else ""
            out.append(f"  {{ fiscal_year = {c.fiscal_year}, budget = {s(c.budget.value)}, "
                       f"status = {s(c.status.value)}{number} }},")
        out.append("]")
    if doc.short_row_columns:
        out.append(f"short_row_columns = {list(doc.short_row_columns)}")
    return "\n".join(out) + "\n"


def _write(folder: Path, name: str, raw: bytes, manifest: Path, entry: str) -> None:
    """The text file, then the manifest; on any failure neither stays (nor a folder made for them)."""
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    written: list[Path] = []
    try:
        _replace_into(target, raw)
        written.append(target)
        old = manifest.read_text(encoding="utf-8") if manifest.exists() else _NEW_MANIFEST
        text = old if old.endswith("\n") else old + "\n"
        _replace_into(manifest, (text + "\n" + entry).encode("utf-8"), check=load_manifest)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        if made:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


def _replace_into(path: Path, data: bytes, *, check=None) -> None:
    """Write ``data`` to a temporary file beside ``path``, check it, and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.chmod(tmp, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def describe(result: AddResult, *, figures: bool = False) -> list[str]:
    """What ``policykg add`` prints: each field and where it was found, then what the loaders read."""
    d, doc = result.detection, result.document
    out = [f"{result.source}: detected"]
    rows = [("layout", doc.layout.value, d.layout), ("title", doc.title, d.title),
            ("issuer", f"{doc.issuer} ({doc.issuer_key})", d.issuer), ("fiscal year", doc.fiscal_year, d.fiscal_year),
            ("phase", doc.phase or "-", d.phase), ("strategy", doc.strategy or "-", d.strategy)]
    for label, value, found in rows:
        out.append(f"  {label:<12} {value}")
        out.append(f"  {'':<12}   from {found.where()}")
    if d.header is not None:
        out.append(f"  {'columns':<12} " + " | ".join(map(str, doc.columns)))
        out.append(f"  {'':<12}   from the table header, lines {d.header.line}-{d.header.end_line}: {d.header.printed}")
        for c in d.header.captions:
            out.append(f"  {'':<12}   (a year printed alone takes the phase of the title caption, line {c.line}: "
                       f"{c.printed})")
        short = ", ".join(map(str, doc.short_row_columns)) or "none (a row with fewer amounts is not read)"
        out.append(f"  {'short rows':<12} fill columns {short}")
    out.append(f"  {'sha256':<12} {doc.sha256}" + (f" (of the text; the PDF: {doc.original_sha256})"
                                                    if doc.original_sha256 else ""))
    out.append(f"  {'id':<12} {doc.id}")
    out += _figures(result, listed=figures)
    if result.written:
        out.append(f"added {doc.id}: wrote {doc.path} and appended its entry to {result.manifest}")
    else:
        out += ["dry run: nothing written; the manifest entry would be:", "", result.entry.rstrip("\n")]
    return out


def _figures(result: AddResult, *, listed: bool) -> list[str]:
    figures = [r for r in result.records if isinstance(r, BudgetFigure)]
    kinds = Counter(type(r).__name__ for r in result.records)
    origins = Counter(f.origin.value for f in figures)
    out = ["records: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
           "figures by origin: " + (", ".join(f"{k} {n}" for k, n in sorted(origins.items())) or "none"),
           f"lines not read (warnings): {result.warnings}"]
    if listed:
        out.append("table and total figures (origin, scope, year, kind, status, yen, as printed, line):")
        for f in figures:
            if f.origin in _LISTED:
                scope = f"{f.agency} {f.scope}".strip() or "(overall)"
                out.append(f"  {f.origin.value:<13} {scope} | {f.fiscal_year} {f.budget.value} {f.status.value} | "
                           f"{f.yen:,} yen | {f.printed} | line {f.source.line}")
    return out

