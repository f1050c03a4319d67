"""The reconciled budget table (``queries/budget-table.rq``) as CSV or an XLSX workbook, long or wide.

* **long**: the query's rows — one per measure × fiscal year × budget kind × status, the cell's
  preferred figure with its source line and how many other statements agree or disagree;
* **wide**: one row per measure, one column per fiscal year × kind × status
  (``FY2025 initial enacted``; a numbered supplementary budget, 補正②, is a column of its own:
  ``FY2024 supplementary 2 enacted``), each cell the preferred figure of that measure and column in
  integer yen: a cell is one figure of one document, never a sum (of documents or of
  measures). A measure's row follows its successor's (``pk:continues``), so a renamed or
  merged measure's history reads down one block;
* **sources** (XLSX): every figure of the table with its document (id, title, file, sha256),
  line and, where the document's text is in the bundled corpus or a ``$POLICYKG_CORPUS``
  folder with the same sha256, the text of that line.

CSV is UTF-8 with a byte-order mark (so that Excel reads the Japanese as UTF-8) and CRLF line
ends; an XLSX (openpyxl) holds the long, wide and sources sheets, integer yen as numbers. Every
file is written atomically: readers see the old file or the whole new one.

>>> column_name(2025, "initial", "enacted"), column_name(2024, "supplementary", "enacted", 2)
('FY2025 initial enacted', 'FY2024 supplementary 2 enacted')
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from rdflib import DCTERMS, Literal

from policykg.errors import ExitCode, PolicyKGError
from policykg.graph.backends import Store
from policykg.graph.store import FILE_MODE
from policykg.money import Unit, in_unit
from policykg.namespace import PK
from policykg.sources import corpus_folders_from_env, load_corpus, read_text

from .run import load_query, run_query

__all__ = ["BOM", "OutputError", "Shape", "Table", "TableFormat", "budget_table", "column_name", "csv_bytes",
           "export_table", "sources", "wide", "xlsx_bytes"]

QUERY = "budget-table"
BOM = "\ufeff"
#: Columns of the wide form before the year columns.
WIDE_KEYS = ("agency", "measure", "successor", "measure_iri")
SOURCE_COLUMNS = ("source", "line", "title", "file", "sha256", "measure", "fiscal_year", "budget", "status",
                  "printed", "text", "figure")
_BUDGETS = ("initial", "supplementary")
_STATUSES = ("request", "draft", "enacted")


class TableFormat(str, Enum):
    CSV = "csv"
    XLSX = "xlsx"


class Shape(str, Enum):
    LONG = "long"
    WIDE = "wide"


class OutputError(PolicyKGError):
    """The table file cannot be written (nothing is written)."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Table:
    """Rows of plain Python values (``int``, ``str``, ``None`` for an empty cell) under named columns."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _value(term: object) -> int | str | None:
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return value if isinstance(value, int) and not isinstance(value, bool) else str(term)
    return str(term)


def budget_table(store: Store, params: Mapping[str, str] | None = None) -> Table:
    """The long table: ``budget-table`` run on ``store`` with ``params`` (bound as RDF terms)."""
    nq = load_query(QUERY)
    result = run_query(store, nq, params or {})
    names = [str(v) for v in result.vars]
    rows = tuple(tuple(_value(row[i]) for i in range(len(names))) for row in result)
    return Table(tuple(names), rows)


def with_unit(table: Table, unit: Unit) -> Table:
    """``table`` with ``amount_<unit>`` after ``amount_jpy``: the amount as an exact decimal string.

    >>> with_unit(Table(("measure", "amount_jpy"), (("m", 1_584_000_000), ("n", None))), Unit.OKU).rows
    (('m', 1584000000, '15.84'), ('n', None, None))
    """
    at = table.columns.index("amount_jpy") + 1
    rows = tuple((*r[:at], None if r[at - 1] is None else in_unit(r[at - 1], unit), *r[at:]) for r in table.rows)
    return Table((*table.columns[:at], f"amount_{Unit(unit).value}", *table.columns[at:]), rows)


def column_name(fiscal_year: int, budget: str, status: str, supplement: int | None = None) -> str:
    """The wide form's column of one fiscal year, budget kind (and supplementary budget number) and status."""
    return f"FY{fiscal_year} {budget}{'' if supplement is None else f' {supplement}'} {status}"


def _cell(row: dict) -> tuple[int, str, str, int | None]:
    """The wide column of a long row: (fiscal year, budget, status, supplement)."""
    return (row["fiscal_year"], row["budget"], row["status"], row["supplement"])


def _order_key(column: tuple[int, str, str, int | None]) -> tuple[int, int, int, int]:
    year, budget, status, supplement = column
    return (year, _BUDGETS.index(budget) if budget in _BUDGETS else len(_BUDGETS),
            -1 if supplement is None else supplement,
            _STATUSES.index(status) if status in _STATUSES else len(_STATUSES))


def wide(long: Table) -> Table:
    """Measures × (fiscal year, kind, status), each cell one preferred figure (integer yen).

    Rows: measures in the order the long table first names them (its newest year first, in
    document order), each successor's block together — the successor, then the measures it
    continues. Columns: fiscal years ascending, initial before supplementary (unnumbered, then
    補正①, 補正② …), request, draft, enacted. Two figures for one cell are an error (the ranks give
    one per cell), never summed.
    """
    rows = long.dicts()
    columns = sorted({_cell(r) for r in rows}, key=_order_key)
    first: dict[object, int] = {}
    keys: dict[tuple, dict] = {}
    cells: dict[tuple, dict[tuple, int]] = {}
    for i, r in enumerate(rows):
        first.setdefault(r["successor_iri"], i)
        key = (r["successor_iri"], r["measure_iri"])
        keys.setdefault(key, {"first": i, **{k: r[k] for k in WIDE_KEYS}})
        cell = _cell(r)
        if cell in cells.setdefault(key, {}):
            raise PolicyKGError(f"two preferred figures for {r['measure']} {column_name(*cell)}: "
                                f"{cells[key][cell]} and {r['amount_jpy']} yen (a ranking error)")
        cells[key][cell] = r["amount_jpy"]
    ordered = sorted(keys, key=lambda k: (first[k[0]], k[0] != k[1], keys[k]["first"]))
    out = tuple((*(keys[k][c] for c in WIDE_KEYS), *(cells[k].get(c) for c in columns)) for k in ordered)
    return Table((*WIDE_KEYS, *(column_name(*c) for c in columns)), out)


def sources(store: Store, long: Table) -> Table:
    """Every figure of ``long`` with its document's title, file and sha256, its line and the line's text."""
    documents: dict[str, dict] = {}
    for r in long.dicts():
        if r["source"] not in documents:
            documents[r["source"]] = _document(store, r["source"])
    texts = _texts({d["sha256"] for d in documents.values() if d["sha256"]})
    out = []
    for r in long.dicts():
        doc = documents[r["source"]]
        lines = texts.get(doc["sha256"])
        text = lines[r["line"] - 1].strip() if lines and 0 < r["line"] <= len(lines) else None
        out.append((r["source"], r["line"], doc["title"], doc["file"], doc["sha256"], r["measure"], r["fiscal_year"],
                    r["budget"], r["status"], r["printed"], text, r["figure"]))
    return Table(SOURCE_COLUMNS, tuple(out))


def _document(store: Store, doc_id: str) -> dict:
    iri = next(iter(store.subjects(DCTERMS.identifier, Literal(doc_id))), None)
    if iri is None:
        return {"title": None, "file": None, "sha256": None}
    titles = {t.language: str(t) for t in store.objects(iri, DCTERMS.title) if isinstance(t, Literal)}
    file = next(iter(store.objects(iri, PK.originalFile)), None)
    digest = next(iter(store.objects(iri, PK.sha256)), None)
    return {"title": titles.get("ja") or next(iter(titles.values()), None),
            "file": None if file is None else str(file), "sha256": None if digest is None else str(digest)}


def _texts(digests: set[str]) -> dict[str, list[str]]:
    """The lines of each corpus document (bundled and ``$POLICYKG_CORPUS``) whose text has one of ``digests``."""
    found = {}
    for doc in load_corpus(corpus=corpus_folders_from_env()):
        if doc.sha256 in digests and doc.sha256 not in found:
            found[doc.sha256] = read_text(doc.path, expected_sha256=doc.sha256).splitlines()
    return found


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark, CRLF line ends, an empty field for no value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Table]], *, active: int = 0) -> bytes:
    """A workbook with one sheet per (name, table): bold frozen header, filters, integers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for name, table in sheets:
        sheet = book.create_sheet(name)
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        if table.rows:
            sheet.auto_filter.ref = sheet.dimensions
        for i, column in enumerate(table.columns, start=1):
            values = [column, *(row[i - 1] for row in table.rows)]
            if any(isinstance(v, int) and v >= 10_000 for v in values[1:]):  # yen: 3,040,000,000
                for cell in sheet[get_column_letter(i)][1:]:
                    cell.number_format = "#,##0"
            width = max(_display_width(v) for v in values)
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    book.active = active
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _display_width(value: object) -> int:
    text = "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        os.chmod(tmp, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Written:
    """What :func:`export_table` wrote: the file and its row counts."""

    path: Path
    rows: int  # long rows (one per cell)
    measures: int  # wide rows


def export_table(store: Store, out: Path, *, fmt: TableFormat, shape: Shape = Shape.LONG,
                 params: Mapping[str, str] | None = None, unit: Unit | None = None) -> Written:
    """Run ``budget-table`` with ``params`` and write it to ``out`` (atomically).

    CSV: the ``shape`` asked for. XLSX: the sheets ``long``, ``wide`` and ``sources``; the workbook
    opens on the ``shape`` sheet. ``unit``: the long form gains ``amount_<unit>`` after
    ``amount_jpy``, the amount as an exact decimal string (:func:`policykg.money.in_unit`).
    """
    fmt, shape = TableFormat(fmt), Shape(shape)
    long = budget_table(store, params)
    broad = wide(long)
    if unit is not None:
        long = with_unit(long, unit)
    if fmt is TableFormat.CSV:
        data = csv_bytes(long if shape is Shape.LONG else broad)
    else:
        sheets = [("long", long), ("wide", broad), ("sources", sources(store, long))]
        data = xlsx_bytes(sheets, active=0 if shape is Shape.LONG else 1)
    write_atomic(Path(out), data)
    return Written(Path(out), len(long.rows), len(broad.rows))
