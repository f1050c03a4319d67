"""Loaders: pure functions from a document's text to typed records.

:func:`parse_document` dispatches on the manifest's layout family; it reads no
files and builds no graph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from policykg.errors import LoaderError
from policykg.normalize import FOLDING_MARKS, parse_amount, squash, strip_invisible
from policykg.records import BudgetFigure, FundingFlow, MeasureMention, Record, SourceSpan, Warning_
from policykg.registry import Kind, Registry, looks_like_agency
from policykg.sources import Document, Layout

from . import meti_wg, nisc_columns, nisc_pages, nisc_tables, nisc_totals

#: A character a footnote mark beside an amount holds (the amounts without one are not parsed again).
_MARKISH = re.compile(rf"{FOLDING_MARKS.pattern}|[※*＊†‡§¶注(（]")
#: The phrase every document of the NISC series prints: its title.
NISC_SIGNATURE = "政府のサイバーセキュリティに関する予算"


def parse_document(doc: Document, text: str, registry: Registry) -> list[Record]:
    """All records of one document, in document order per loader.

    Invisible characters (a byte-order mark, zero-width spaces, bidi marks, a soft hyphen:
    :data:`policykg.normalize.INVISIBLE`) are removed first, each line that held any
    reported by a warning naming what was removed; line numbers stay those of the file.
    """
    clean, removed = strip_invisible(text)
    lines = text.split("\n") if removed else []
    notes: list[Record] = [
        Warning_(f"invisible characters removed before reading: {what}", lines[number - 1][:120],
                 SourceSpan(doc.id, number, number))
        for number, what in removed
    ]
    return notes + _note_marks(_parse(doc, clean, registry))


def _note_marks(records: list[Record]) -> list[Record]:
    """Each figure (or funding flow) printed with a footnote mark beside its amount (「15.8¹億円」,
    「15.8億円※」), followed by a warning naming the mark: it is kept in the printed amount and is
    no part of the number (:func:`policykg.normalize.parse_amount`)."""
    out: list[Record] = []
    noted: set[Warning_] = set()
    for rec in records:
        out.append(rec)
        printed = rec.printed if isinstance(rec, BudgetFigure) else rec.printed_amount if isinstance(
            rec, FundingFlow) else ""
        if not _MARKISH.search(printed):
            continue
        try:
            amount = parse_amount(printed)
        except ValueError:
            continue  # a printed statement around the amount, not the amount alone: read by its loader
        note = Warning_(f"footnote mark {amount.marks!r} beside the amount, kept out of the number: read as "
                        f"{amount.number}{amount.unit}", printed, rec.source)
        if amount.marks and note not in noted:  # once per line and amount (a page may restate a figure)
            noted.add(note)
            out.append(note)
    return out


def _parse(doc: Document, text: str, registry: Registry) -> list[Record]:
    if doc.layout in (Layout.NISC_PDFTEXT, Layout.NISC_MARKDOWN):
        _require_signature(doc, text, NISC_SIGNATURE)
        columns, short = nisc_columns.document_columns(doc, text)
        table = nisc_tables.parse_summary_table(
            text,
            doc.id,
            columns=columns,
            short_row_columns=short,
            # 【内閣府】 starts a row although the registry may not know it: its figures are kept
            # and the build mints the agency with a warning.
            is_agency=lambda name: registry.find(Kind.AGENCY, name) is not None or looks_like_agency(name),
            name_only_rows=doc.layout is Layout.NISC_MARKDOWN,
        )
        if not any(isinstance(r, MeasureMention) for r in table):
            raise LoaderError(doc.id, 1, text[:60], "no summary-table rows found: not a NISC budget summary")
        measures = _table_measures(table)
        totals = nisc_totals.parse_totals(text, doc.id, columns=columns)
        pages = nisc_pages.parse_measure_pages(
            text, doc.id, measures=measures, columns=[(c.fiscal_year, c.budget, c.status) for c in columns],
            registry=registry,
        )
        return [*table, *totals, *pages]
    if doc.layout is Layout.METI_WG:
        return meti_wg.parse_meti_wg(text, doc.id, registry=registry)
    raise LoaderError(doc.id, 1, doc.layout, "unknown layout family")  # pragma: no cover


def _require_signature(doc: Document, text: str, phrase: str) -> None:
    if squash(phrase) not in squash(text[:200_000]):
        raise LoaderError(doc.id, 1, text[:60], f"does not look like layout {doc.layout.value} (no {phrase!r})")


def _table_measures(records: Sequence[Record]) -> list[MeasureMention]:
    """The table's measure rows, once each (the Markdown rendering lists them twice)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for r in records:
        if isinstance(r, MeasureMention) and (r.agency, r.name) not in seen:
            seen.add((r.agency, r.name))
            out.append(r)
    return out

