"""Scale benchmark of the NISC loaders: a summary table of N generated rows.

The text is tests/hostile/base.txt (the first 60 lines of the FY2025 edition: its summary
tables and headline) with N rows appended to its area (4), each a measure of its own
(「【総務省】試験施策{i}番の実施 {a}億円 ― {b}億円」). Measured, in seconds: each loader on its own
(the table's columns, the summary table, the totals, the measure pages) and ``parse_document``
as a whole, which also checks the figures read: 2 per generated row, summing to what was
generated. The loaders are linear in the rows; before this benchmark was written, the measure-page
guard scanned every line for every row and the totals summed line lengths per line (quadratic:
8,000 rows took 126 s, so 150,000 would take about half a day).

Writes benchmarks/loaders-results.json and benchmarks/loaders-results.md.

    python benchmarks/loaders_scale.py [--rows 150000] [--rows 20000 …] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from pathlib import Path

from policykg.loaders import nisc_columns, nisc_pages, nisc_tables, nisc_totals, parse_document
from policykg.records import BudgetFigure, MeasureMention, Origin
from policykg.registry import Kind, Registry, looks_like_agency
from policykg.sources import load_corpus

HERE = Path(__file__).resolve().parent
BASE = HERE.parent / "tests" / "hostile" / "base.txt"


def table_text(rows: int) -> tuple[str, int, int]:
    """base.txt with ``rows`` generated rows; the sums (yen) of their first and third columns."""
    lines, first, third = [], 0, 0
    for i in range(rows):
        a, b = 10 * (i % 900) + 1 + i % 10, 10 * (i % 70) + 15  # tenths of 億円
        lines.append(f"【総務省】試験施策{i}番の実施 {a // 10}.{a % 10}億円 ― {b // 10}.{b % 10}億円")
        first, third = first + a * 10**7, third + b * 10**7
    return BASE.read_text(encoding="utf-8") + "\n".join(lines) + "\n", first, third


def run(rows: int, registry: Registry) -> dict:
    doc = replace(next(d for d in load_corpus() if d.id == "nisc-budget-fy2025"), columns_line=0)
    text, first, third = table_text(rows)
    times: dict[str, float] = {}

    def timed(name: str, f):
        start = time.perf_counter()
        value = f()
        times[name] = round(time.perf_counter() - start, 2)
        return value

    columns, short = timed("columns", lambda: nisc_columns.document_columns(doc, text))
    table = timed("summary table", lambda: nisc_tables.parse_summary_table(
        text, doc.id, columns=columns, short_row_columns=short, name_only_rows=False,
        is_agency=lambda name: registry.find(Kind.AGENCY, name) is not None or looks_like_agency(name)))
    timed("totals", lambda: nisc_totals.parse_totals(text, doc.id, columns=columns))
    measures = [r for r in table if isinstance(r, MeasureMention)]
    timed("measure pages", lambda: nisc_pages.parse_measure_pages(
        text, doc.id, measures=measures, columns=[(c.fiscal_year, c.budget, c.status) for c in columns],
        registry=registry))
    records = timed("parse_document", lambda: parse_document(doc, text, registry))
    generated = [r for r in records if isinstance(r, BudgetFigure) and r.origin is Origin.SUMMARY_TABLE
                 and r.scope.startswith("試験施策")]
    assert len(generated) == 2 * rows, (len(generated), rows)
    assert sum(r.yen for r in generated if r.fiscal_year == 2025) == first
    assert sum(r.yen for r in generated if r.fiscal_year == 2024) == third
    return {"rows": rows, "lines": text.count("\n"), "seconds": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="rows to generate (repeatable; default 150000)")
    parser.add_argument("--no-write", action="store_true", help="print only, write no results file")
    args = parser.parse_args()
    registry = Registry.load()
    results = []
    for rows in args.rows or [150_000]:
        result = run(rows, registry)
        print(json.dumps(result, ensure_ascii=False))
        results.append(result)
    if args.no_write:
        return
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    (HERE / "loaders-results.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n",
                                               encoding="utf-8")
    stages = list(results[0]["seconds"])
    md = ["# NISC loaders at scale", "", f"`python benchmarks/loaders_scale.py` on {machine} (seconds).", "",
          "| rows | " + " | ".join(stages) + " |", "| ---: | " + " | ".join("---:" for _ in stages) + " |"]
    md += [f"| {r['rows']:,} | " + " | ".join(str(r["seconds"][s]) for s in stages) + " |" for r in results]
    (HERE / "loaders-results.md").write_text("\n".join(md) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
