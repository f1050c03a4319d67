"""The corpus manifest and strict reading of source files.

The manifest (``corpus/manifest.toml``) names each bundled document with a
stable id, title, issuer, fiscal year, layout family and table columns. Files
are read as strict UTF-8; anything else is a :class:`LoaderError` naming the
file and line, never a silent replacement character.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import LoaderError, ManifestError
from .normalize import nfkc, strip_invisible
from .records import BudgetKind, BudgetStatus

#: Files larger than this are refused before reading (bounded memory).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Lines longer than this (in UTF-8 bytes, without the line break) are refused: a summary-table line
#: is under 300 bytes, and one line becomes a literal of the graph, whose N-Quads readers have line
#: limits of their own (Oxigraph refuses a line over 16 MB). 1 MiB leaves room for escapes and IRIs.
MAX_LINE_BYTES = 1024 * 1024


class Layout(str, Enum):
    NISC_PDFTEXT = "nisc-budget-pdftext"
    NISC_MARKDOWN = "nisc-budget-markdown"
    METI_WG = "meti-wg-markdown"
    SYNTHETIC = "synthetic"  # made by policykg.synth from records; no text, no loader reads it


@dataclass(frozen=True)
class Column:
    """One column of a summary table: fiscal year, budget kind and status.

    ``supplement`` is the number of a supplementary budget when the header prints one
    (補正① or 第2次補正 → 1 or 2); 0 when none is printed.
    """

    fiscal_year: int
    budget: BudgetKind
    status: BudgetStatus
    supplement: int = 0

    def __str__(self) -> str:
        number = f" #{self.supplement}" if self.supplement else ""
        return f"{self.fiscal_year} {self.budget.value}{number} {self.status.value}"


@dataclass(frozen=True)
class Document:
    id: str
    path: Path
    original_file: str
    sha256: str
    title: str
    title_en: str
    issuer: str
    issuer_key: str
    fiscal_year: int
    layout: Layout
    strategy: str = ""
    columns: tuple[Column, ...] = ()
    columns_line: int = 0
    short_row_columns: tuple[int, ...] = ()
    phase: str = ""  # the document's budget phase (request, draft, enacted), as `policykg add` detected it
    original_sha256: str = ""  # checksum of the original file (a PDF) when the text was extracted from it


#: Environment variable naming user corpus folders (``os.pathsep``-separated) that every build includes.
CORPUS_ENV = "POLICYKG_CORPUS"
MANIFEST_FILE = "manifest.toml"


def corpus_dir() -> Path:
    """The bundled corpus folder (``policykg.corpus``, inside the installed package)."""
    return Path(str(resources.files("policykg.corpus")))


def corpus_folders_from_env() -> list[Path]:
    """The user corpus folders named by ``$POLICYKG_CORPUS`` (empty entries ignored)."""
    return [Path(p) for p in os.environ.get(CORPUS_ENV, "").split(os.pathsep) if p.strip()]


def load_corpus(manifest: Path | None = None, corpus: Sequence[Path] = ()) -> list[Document]:
    """The documents of the bundled manifest (or ``manifest``) and of each user corpus folder.

    A user corpus folder holds its own ``manifest.toml`` (the bundled manifest's format)
    and the files it names. Ids and declared checksums must be unique across all of them:
    a duplicate is a ManifestError naming both documents.
    """
    manifests = [manifest or corpus_dir() / MANIFEST_FILE]
    seen_folders = {manifests[0].parent.resolve()}
    for folder in corpus:
        if not Path(folder).is_dir():
            raise ManifestError(f"{folder}: corpus folder not found")
        if Path(folder).resolve() in seen_folders:
            continue
        seen_folders.add(Path(folder).resolve())
        if not (Path(folder) / MANIFEST_FILE).is_file():
            raise ManifestError(f"{folder}: no {MANIFEST_FILE} in this corpus folder "
                                "(`policykg add FILE --corpus DIR` creates one)")
        manifests.append(Path(folder) / MANIFEST_FILE)
    documents = [doc for path in manifests for doc in load_manifest(path)]
    check_unique(documents)
    return documents


def check_unique(documents: Sequence[Document]) -> None:
    """Raise ManifestError when two documents share an id or a checksum (of the text or the original)."""
    ids: dict[str, Document] = {}
    sums: dict[str, Document] = {}
    for doc in documents:
        if (other := ids.get(doc.id)) is not None:
            raise ManifestError(f"document id {doc.id!r} twice: {other.path} and {doc.path}")
        ids[doc.id] = doc
        for digest in dict.fromkeys(d for d in (doc.sha256, doc.original_sha256) if d):
            if (other := sums.get(digest)) is not None:
                raise ManifestError(f"{doc.path}:1: document {doc.id} is the same file as document {other.id} "
                                    f"({other.path}), sha256 {digest}: one document listed twice")
            sums[digest] = doc


def text_key(text: str) -> str:
    """A checksum of what a text says: the same for two copies of one document that differ only in
    line endings, white space, blank lines, invisible characters or character width (NFKC).

    >>> text_key("【総務省】ＩｏＴ 15.8億円\\r\\n\\n") == text_key("\\ufeff【総務省】IoT  15.8億円\\n")
    True
    """
    lines = (re.sub(r"\s+", " ", nfkc(line)).strip() for line in strip_invisible(text)[0].split("\n"))
    return hashlib.sha256("\n".join(line for line in lines if line).encode("utf-8")).hexdigest()


def check_same_text(texts: Sequence[tuple[Document, str]]) -> None:
    """Raise LoaderError when two documents hold the same text (:func:`text_key`): one document listed
    twice under two ids (its figures would be stated twice), e.g. a copy re-saved with other line endings."""
    seen: dict[str, Document] = {}
    for doc, text in texts:
        key = text_key(text)
        if (other := seen.get(key)) is not None:
            raise LoaderError(str(doc.path), 1, doc.id, f"the same text as document {other.id} ({other.path}), "
                              "up to white space, line endings, invisible characters and character width: one "
                              "document listed twice")
        seen[key] = doc


def load_manifest(path: Path | None = None) -> list[Document]:
    """Read the manifest; every file it names must exist and match its checksum."""
    path = path or corpus_dir() / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ManifestError(f"{path}: cannot read manifest: {e}") from e
    documents = []
    seen: set[str] = set()
    entries = data.get("document", [])
    if not isinstance(entries, list) or set(data) - {"document"}:
        raise ManifestError(f"{path}: a manifest holds only [[document]] tables")
    starts = [n for n, line in enumerate(text.split("\n"), 1) if re.match(r"\s*\[\[\s*document\s*\]\]", line)]
    for n, entry in enumerate(entries, 1):
        try:
            doc = _document(entry, path.parent)
        except (KeyError, ValueError, TypeError) as e:
            where = f"{path}:{starts[n - 1]}" if len(starts) == len(entries) else str(path)
            raise ManifestError(f"{where}: document #{n}: {e}") from None
        if doc.id in seen:
            raise ManifestError(f"{path}: duplicate document id {doc.id!r}")
        seen.add(doc.id)
        documents.append(doc)
    if not documents:
        raise ManifestError(f"{path}: no [[document]] entries")
    return documents


#: A document id, and an issuer key: lower-case ASCII letters, digits and hyphens (so two ids never
#: differ only in case or width, and every IRI minted from one is safe).
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
_SHA256 = r"^[0-9a-f]{64}$"
_YEAR = {"ge": 1989, "le": 2200}  # 平成元年 onwards


class _ColumnEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    fiscal_year: int = Field(**_YEAR)
    budget: Literal["initial", "supplementary"]
    status: Literal["request", "draft", "enacted"]
    supplement: int = Field(0, ge=0, le=20)


class _DocumentEntry(BaseModel):
    """One ``[[document]]`` of a manifest, typed exactly: no float or bool years, no unknown field."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(pattern=ID_PATTERN)
    file: str = Field(min_length=1, max_length=255)
    original_file: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=_SHA256)
    original_sha256: str = Field("", pattern=r"^([0-9a-f]{64})?$")
    title: str = Field(min_length=1, max_length=500)
    title_en: str = Field("", max_length=500)
    issuer: str = Field(min_length=1, max_length=200)
    issuer_key: str = Field(pattern=ID_PATTERN)
    fiscal_year: int = Field(**_YEAR)
    layout: Literal[tuple(layout.value for layout in Layout)]  # type: ignore[valid-type]
    strategy: str = Field("", pattern=r"^([0-9]{4})?$")
    columns: list[_ColumnEntry] = []
    columns_line: int = Field(0, ge=0)
    short_row_columns: list[int] = []
    phase: Literal["", "request", "draft", "enacted"] = ""

    @field_validator("file", "original_file", "title", "title_en", "issuer")
    @classmethod
    def _no_controls(cls, value: str) -> str:
        if any(ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 for ch in value):
            raise ValueError("control characters (a newline, a tab …) are not allowed")
        if value != value.strip():
            raise ValueError("leading or trailing white space is not allowed")
        return value

    @model_validator(mode="after")
    def _short_rows(self) -> _DocumentEntry:
        bad = [i for i in self.short_row_columns if not 0 <= i < len(self.columns)]
        if bad or len(set(self.short_row_columns)) != len(self.short_row_columns):
            raise ValueError(f"short_row_columns {self.short_row_columns} must be distinct positions in columns "
                             f"(0 … {len(self.columns) - 1})")
        if self.columns_line and not self.columns:
            raise ValueError("columns_line is given but columns is empty")
        return self

    @field_validator("columns")
    @classmethod
    def _columns_once(cls, columns: list[_ColumnEntry]) -> list[_ColumnEntry]:
        """Each column once: three identical columns would give three figures to one cell."""
        named = [(c.fiscal_year, c.budget, c.status, c.supplement) for c in columns]
        if twice := next((c for k, c in enumerate(named) if c in named[:k]), None):
            number = f" #{twice[3]}" if twice[3] else ""
            raise ValueError(f"column {' '.join(map(str, twice[:3]))}{number} named twice: each column of the "
                             "table once")
        return columns


def _schema_error(e: ValidationError) -> str:
    """The schema's complaints, one per field, never quoting the value given (it may be anything)."""
    parts = []
    for err in e.errors(include_url=False, include_input=False):
        where = ".".join(str(x) for x in err["loc"]) or "entry"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _document(entry: object, base: Path) -> Document:
    try:
        e = _DocumentEntry.model_validate(entry)
    except ValidationError as err:
        raise ValueError(_schema_error(err)) from None
    folder = base.resolve()
    doc_path = base / e.file
    real = doc_path.resolve()
    if folder not in real.parents:  # a relative path out, an absolute path, or a symlink leading out
        raise ManifestError(f"{base / 'manifest.toml'}: {e.id}: file {e.file!r} is not inside the corpus folder "
                            f"{folder} (after resolving links); nothing outside it is read")
    if not doc_path.is_file():
        raise ManifestError(f"{base / 'manifest.toml'}: {e.id}: file {e.file} not found")
    columns = tuple(Column(c.fiscal_year, BudgetKind(c.budget), BudgetStatus(c.status), c.supplement)
                    for c in e.columns)
    return Document(
        id=e.id,
        path=doc_path,
        original_file=e.original_file,
        sha256=e.sha256,
        title=e.title,
        title_en=e.title_en,
        issuer=e.issuer,
        issuer_key=e.issuer_key,
        fiscal_year=e.fiscal_year,
        layout=Layout(e.layout),
        strategy=e.strategy,
        columns=columns,
        columns_line=e.columns_line,
        short_row_columns=tuple(e.short_row_columns),
        phase=e.phase,
        original_sha256=e.original_sha256,
    )


#: Code points that never occur in these Japanese documents but do appear when a
#: PDF's text layer is garbled (the Devanagari/Bengali run of nisc-budget-fy2023:1309-1323),
#: plus the replacement character, private-use characters and C0/C1 controls.
_GARBLED = re.compile(r"[\u0900-\u0dff\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def garbled(text: str) -> str:
    """The garbled characters of ``text`` (empty when there are none).

    >>> garbled("ॖথ३ॹথॺ︵事案︶対処能⼒भ向上"), garbled("総務省 15.8億円")
    ('ॖথ३ॹথॺभ', '')
    """
    return "".join(_GARBLED.findall(text))


def read_text(path: Path, *, expected_sha256: str = "") -> str:
    """Read a source file as strict UTF-8.

    Raises LoaderError for: a file over MAX_FILE_BYTES, an empty file, a line over
    MAX_LINE_BYTES, bytes that are not UTF-8 (with the line of the first bad byte), NUL bytes (binary data)
    and a checksum that does not match the manifest.
    """
    name = str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoaderError(name, 0, f"{size} bytes", f"file larger than {MAX_FILE_BYTES} bytes refused")
    raw = path.read_bytes()
    if not raw.strip():
        raise LoaderError(name, 1, "", "empty file")
    check_line_lengths(raw, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        snippet = raw[max(0, e.start - 20) : e.start + 20].decode("utf-8", "backslashreplace")
        raise LoaderError(name, line, snippet, "not UTF-8 text (Shift_JIS, UTF-16 or binary?)") from e
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise LoaderError(name, line, "\\x00", "NUL byte: binary data, not text")
    if expected_sha256:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != expected_sha256:
            raise LoaderError(name, 0, digest, f"checksum differs from the manifest ({expected_sha256})")
    return text


def check_line_lengths(raw: bytes, name: str) -> None:
    """Raise LoaderError naming the first line of ``raw`` longer than :data:`MAX_LINE_BYTES`.

    >>> check_line_lengths(b"ok\\n" + b"x" * (MAX_LINE_BYTES + 1) + b"\\n", "doc.txt")
    Traceback (most recent call last):
    ...
    policykg.errors.LoaderError: doc.txt:2: line of 1048577 bytes refused (at most 1048576 bytes per line): 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'
    """
    lines = raw.split(b"\n")
    if max(map(len, lines)) <= MAX_LINE_BYTES:
        return
    number = next(n for n, line in enumerate(lines, 1) if len(line) > MAX_LINE_BYTES)
    line = lines[number - 1]
    snippet = line[:200].decode("utf-8", "backslashreplace")[:40] + "…"  # 40 characters, not cut inside one
    raise LoaderError(name, number, snippet, f"line of {len(line)} bytes refused (at most {MAX_LINE_BYTES} bytes "
                                             "per line)")
