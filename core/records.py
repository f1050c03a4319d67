"""Typed records: what loaders return and the graph builder consumes.

Loaders never touch the graph; they return lists of these frozen dataclasses.
Every record carries a :class:`SourceSpan` (document id and 1-based line range
in the bundled corpus file), so every triple built from it can cite its source.
Names are kept *as printed* (original code points); resolution to canonical
entities happens in the graph builder through the registry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class BudgetKind(str, Enum):
    INITIAL = "initial"  # 当初予算
    SUPPLEMENTARY = "supplementary"  # 補正予算


class BudgetStatus(str, Enum):
    REQUEST = "request"  # 概算要求
    DRAFT = "draft"  # 予算政府案 / 予算案
    ENACTED = "enacted"  # 予算額 (成立)


class ScopeKind(str, Enum):
    MEASURE = "measure"
    OVERALL = "overall"
    STRATEGY_AREA = "strategy-area"
    AGENCY = "agency"


class Origin(str, Enum):
    """Where in a document a figure was printed."""

    SUMMARY_TABLE = "summary-table"  # 主な施策例及び予算額 table
    AREA_CHART = "area-chart"  # 分野別内訳 chart
    HEADLINE = "headline"  # the overall total on a cover page
    MEASURE_PAGE = "measure-page"  # a per-measure page


@dataclass(frozen=True, order=True)
class SourceSpan:
    doc: str  # corpus document id
    line: int  # first line, 1-based
    end_line: int  # last line, inclusive

    def __str__(self) -> str:
        if self.line == self.end_line:
            return f"{self.doc}:{self.line}"
        return f"{self.doc}:{self.line}-{self.end_line}"


@dataclass(frozen=True)
class BudgetFigure:
    """One stated budget figure."""

    scope_kind: ScopeKind
    scope: str  # measure name / area label / agency name as printed; "" for overall
    agency: str  # agency as printed (measures; "" otherwise)
    area: int | None  # strategy area number, where the scope is or sits in an area
    fiscal_year: int
    budget: BudgetKind
    status: BudgetStatus
    yen: int
    number: str  # number as printed, normalised (e.g. "2,126.2")
    unit: str  # unit as printed (億円, 百万円)
    printed: str  # the amount text exactly as printed
    origin: Origin
    source: SourceSpan
    inclusive: bool = False  # "…の内数": part of a larger sum, not a figure of its own
    supplement: int = 0  # the number of a supplementary budget where printed (補正① → 1, 第2次補正 → 2); 0: none
    inference: str = ""  # why the figure was attributed by inference (a page covering several rows); "": as printed


@dataclass(frozen=True)
class AgencyShare:
    agency: str  # as printed
    fiscal_year: int
    budget: BudgetKind
    status: BudgetStatus
    percent: str  # as printed, normalised decimal ("67.8")
    source: SourceSpan


@dataclass(frozen=True)
class AreaShare:
    area: int
    label: str
    fiscal_year: int
    budget: BudgetKind
    status: BudgetStatus
    percent: str
    source: SourceSpan


@dataclass(frozen=True)
class MeasureMention:
    """A measure named in a document (summary-table row or page title)."""

    name: str  # as printed
    agency: str  # as printed
    area: int | None
    area_label: str
    source: SourceSpan


@dataclass(frozen=True)
class MeasureAttribute:
    """A labelled line of a measure page: 事業主体, 事業スキーム, 補助対象, 補助率, 計画年度."""

    measure: str  # measure name as printed in the document's table or page title
    key: str  # the label as printed, e.g. 事業主体
    value: str  # the value as printed
    source: SourceSpan


@dataclass(frozen=True)
class PlanPeriod:
    measure: str
    start_year: int
    end_year: int
    printed: str
    source: SourceSpan


@dataclass(frozen=True)
class ProgramMention:
    program: str  # programme name as printed
    operator: str  # operator as printed ("" when the text names none)
    measure: str  # measure as printed ("" when not tied to a measure)
    source: SourceSpan


@dataclass(frozen=True)
class LegalBasis:
    measure: str
    law: str  # law name as printed (where the page does not print it: the registry's name of the law inferred)
    article: str  # "13", "103の2" …; "" when not stated
    paragraph: str
    item: str
    printed: str
    source: SourceSpan
    inference: str = ""  # why the law was inferred from the page's context; "" when printed with the article


@dataclass(frozen=True)
class FundingFlow:
    """Money from a funder to a recipient under a measure, with the amount only where the
    text states one for this flow (never the measure's budget)."""

    measure: str
    funder: str  # as printed ("国" is resolved to the measure's agency)
    recipient: str
    instrument: str  # 交付金 / 補助 / 委託 / 請負, as printed
    yen: int | None  # the amount stated for this flow; None: no amount stated
    printed: str
    source: SourceSpan  # covers the amount's line where one is stated
    printed_amount: str = ""  # the amount exactly as printed (「19.3億円」), "" when none is stated
    upper_bound: bool = False  # 「…の内数」: the flow is part of that amount, not a figure of its own


@dataclass(frozen=True)
class Warning_:
    """Something a loader could not read; reported with file:line, never dropped silently."""

    message: str
    snippet: str
    source: SourceSpan


@dataclass(frozen=True)
class BuildWarning:
    """A line the build did not turn into facts: where, what kind, why, and the text.

    ``kind`` is ``loader`` (a loader could not read or attribute the line, including
    garbled text), ``unknown-entity`` (a record naming an entity the registry does not
    know; skipped), ``unknown-measure`` (a measure the registry does not know: an IRI was
    minted), ``unknown-instrument`` (a funding flow of no known instrument; skipped) or
    ``not-mapped`` (a record type the graph cannot take).

    >>> w = BuildWarning("nisc-budget-fy2025", 216, 216, "loader", "funding scheme: 国 交付金 with no "
    ...                  "unambiguous recipient", "国 交付")
    >>> print(w)
    nisc-budget-fy2025:216: funding scheme: 国 交付金 with no unambiguous recipient: '国 交付'
    >>> BuildWarning.from_json(w.to_json()) == w
    True
    """

    document: str
    line: int | None  # None: the document as a whole
    end_line: int | None
    kind: str
    message: str
    text: str = ""

    @classmethod
    def at(cls, source: SourceSpan | str, kind: str, message: str, text: str = "") -> BuildWarning:
        if isinstance(source, SourceSpan):
            return cls(source.doc, source.line, source.end_line, kind, message, text)
        return cls(source, None, None, kind, message, text)

    @property
    def lines(self) -> str:
        """``"79"``, ``"248-249"``, or ``""`` for the whole document."""
        if self.line is None:
            return ""
        return str(self.line) if self.end_line in (None, self.line) else f"{self.line}-{self.end_line}"

    def cite(self) -> str:
        return f"{self.document}:{self.lines}" if self.lines else self.document

    def __str__(self) -> str:
        return f"{self.cite()}: {self.message}" + (f": {self.text!r}" if self.text else "")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> BuildWarning:
        return cls(**data)


Record = (
    BudgetFigure
    | AgencyShare
    | AreaShare
    | MeasureMention
    | MeasureAttribute
    | PlanPeriod
    | ProgramMention
    | LegalBasis
    | FundingFlow
    | Warning_
)


@dataclass(frozen=True)
class ProgramFact:
    """A fact a document states about a programme: a cohort size, a date, a count.

    ``key`` names the fact ("participants", "cohort-3-participants",
    "meeting-10-date", "established" …); ``value`` is normalised: an integer as
    a decimal string ("52"), an ISO date or month ("2026-03-12", "2020-03") or an
    ISO interval ("2025-11-18/2025-11-21").
    """

    program: str  # programme as printed
    key: str
    value: str
    printed: str  # the statement as printed
    source: SourceSpan
    year: int | None = None  # the year the fact is about, where printed
    approximate: bool = False  # printed with 約 (about)


Record = Record | ProgramFact


def record_to_json(record: Record, line_offset: int = 0) -> dict:
    """A record as plain JSON data (enums by value), its lines shifted by ``line_offset``.

    Golden tests compare excerpts with this form; ``line_offset`` maps excerpt
    lines back to corpus lines.
    """
    data = asdict(record)
    span = record.source
    data["source"] = {"doc": span.doc, "line": span.line + line_offset, "end_line": span.end_line + line_offset}
    data = {k: (v.value if isinstance(v, Enum) else v) for k, v in data.items()}
    return {"type": type(record).__name__, **data}
