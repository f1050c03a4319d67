"""Score a built graph against the figures an edition made by ``generate.py`` must yield.

``score(expected, lines, totals, doc)`` takes the edition's expected figures and the rows of the
``budget-lines`` and ``totals`` queries (dicts of Python values, as the tests read them) and says,
for that document's summary-table rows, area subtotals, area chart and headline totals:

* **found**: an expected figure with a row at its line with the same fiscal year, budget kind,
  status, integer yen and name (the measure's name as printed and its agency; a total's area);
* **missing**: an expected figure with no such row;
* **wrong**: a row of one of those origins that matches no expected figure (a wrong amount, year,
  kind, status or name, or a figure the edition does not print).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

ORIGINS = ("summary-table", "headline", "area-chart")


def _key(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


@dataclass
class Score:
    doc: str
    expected: int
    found: int
    missing: list
    wrong: list

    @property
    def percent(self) -> float:
        return 100.0 * self.found / self.expected if self.expected else 100.0

    def __str__(self) -> str:
        return (f"{self.doc}: {self.found}/{self.expected} figures found ({self.percent:.1f}%), "
                f"{len(self.missing)} missing, {len(self.wrong)} wrong")


def _matches(e, row: dict, *, measure: bool) -> bool:
    line, end = row["line"], row.get("end_line") or row["line"]
    same = (
        line <= e.line <= end
        and row["fiscal_year"] == e.fiscal_year
        and row["budget"] == e.budget
        and row["status"] == e.status
        and row["amount_jpy"] == e.yen
        and row["origin"] == e.origin
    )
    if not same:
        return False
    if measure:
        return _key(row["measure_as_stated"]) == _key(e.measure) and _key(row["agency"]) == _key(e.agency)
    if e.area is not None:
        return row["scope_kind"] == "strategy-area" and row["area"] == e.area
    return row["scope_kind"] == "overall"


def score(expected, lines: list[dict], totals: list[dict], doc: str) -> Score:
    lines = [r for r in lines if r["source"] == doc and r["origin"] in ORIGINS]
    totals = [r for r in totals if r["source"] == doc and r["origin"] in ORIGINS and r["scope_kind"] != "agency"]
    used: set[int] = set()
    found, missing = 0, []
    for e in expected:
        rows, measure = (lines, True) if e.measure else (totals, False)
        hit = next((i for i, r in enumerate(rows) if id(r) not in used and _matches(e, r, measure=measure)), None)
        if hit is None:
            missing.append(e)
        else:
            used.add(id(rows[hit]))
            found += 1
    wrong = [r for r in (*lines, *totals) if id(r) not in used]
    return Score(doc, len(expected), found, missing, wrong)
