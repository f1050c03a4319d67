"""Ranks: one preferred figure per cell, by the rule of graph/rank.py (a test per clause).

The bundled-corpus facts were checked by hand in the texts: 厚生労働省及び関係機関等における
情報セキュリティ対策推進費 is 「30.4億円」 (FY2024 initial) at nisc-budget-fy2024:79 and
「19.5億円」 in the FY2025 edition's 令和6年度当初 column at nisc-budget-fy2025:9, whose 令和6年度補正
column prints 「90.4億円」, restated 「９０．４億円」 on its page at line 477; the FY2024 edition prints
its headline 「2, 126. 2億円」 at line 10 and again at lines 98, 132, 143 and 145;
「１４．６億円の内数」 at nisc-budget-fy2020:248 restates the table's 14.6億円 of line 20.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from policykg.graph.rank import RANKS_GRAPH, rank_figures
from policykg.namespace import ID, PK
from policykg.queries.run import run_query
from rdflib import RDF, Dataset, Literal, URIRef

MHLW = "厚生労働省及び関係機関等における情報セキュリティ対策推進費"


def _rows(ds, name: str, **params: str) -> list[dict]:
    result = run_query(ds, name, params)
    names = [str(v).lstrip("?") for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


@pytest.fixture(scope="module")
def lines(bundled_dataset) -> list[dict]:
    return _rows(bundled_dataset, "budget-lines", measure=MHLW)


def _one(rows, **where) -> dict:
    [row] = [r for r in rows if all(r[k] == v for k, v in where.items())]
    return row


# --- clauses on the bundled corpus -------------------------------------------------------------


def test_the_edition_of_the_fiscal_year_is_preferred_over_a_later_restatement(lines) -> None:
    own = _one(lines, source="nisc-budget-fy2024", line=79, fiscal_year=2024, budget="initial", origin="summary-table")
    later = _one(lines, source="nisc-budget-fy2025", line=9, fiscal_year=2024, budget="initial")
    assert (own["amount_jpy"], own["rank"], own["rank_reason"]) == (3_040_000_000, "preferred", "own-edition")
    assert (later["amount_jpy"], later["rank"], later["rank_reason"]) == (1_950_000_000, "normal", "disagrees")


def test_without_an_edition_of_that_year_the_nearest_edition_is_preferred(lines) -> None:
    supp = [r for r in lines if (r["fiscal_year"], r["budget"]) == (2024, "supplementary")]
    table = _one(supp, source="nisc-budget-fy2025", line=9)
    page = _one(supp, source="nisc-budget-fy2025", line=477)
    assert (table["amount_jpy"], table["rank"], table["rank_reason"]) == (9_040_000_000, "preferred", "nearest-edition")
    assert (page["printed"], page["rank"], page["rank_reason"]) == ("９０．４億円", "normal", "repeated")


def test_the_first_line_of_a_repeated_headline_is_preferred(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "totals", scope_kind="overall", fiscal_year="2024", source="nisc-budget-fy2024")
    ranks = {(r["line"], r["rank"], r["rank_reason"]) for r in rows if r["budget"] == "initial"}
    assert ranks == {(10, "preferred", "own-edition"), (98, "normal", "repeated"), (132, "normal", "repeated"),
                     (143, "normal", "repeated"), (145, "normal", "repeated")}


def test_an_inclusive_figure_is_never_preferred(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "budget-lines", measure="IoTの安心・安全かつ適正な利用環境の構築", fiscal_year="2020")
    page = _one(rows, source="nisc-budget-fy2020", line=248)
    table = _one(rows, source="nisc-budget-fy2020", line=20, budget="initial")
    assert (page["inclusive"], page["rank"], page["rank_reason"]) == (True, "normal", "inclusive")
    assert (table["amount_jpy"], table["rank"]) == (1_460_000_000, "preferred")


def test_every_cell_has_exactly_one_preferred_figure(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "budget-lines") + _rows(bundled_dataset, "totals")
    cells = Counter()
    preferred = Counter()
    for r in rows:
        cell = (str(r.get("measure_iri") or r.get("scope_iri")), r["fiscal_year"], r["budget"], r["status"])
        cells[cell] += 1
        preferred[cell] += r["rank"] == "preferred"
    assert len(cells) > 200
    # Two cells are stated only as 「…の内数」 and have none: 「令和５年度補正 1,254百万円の内数」 at
    # nisc-budget-fy2025:398 (CYNEX) and :603 (the training centre), one sum shared by both.
    assert {cell: n for cell, n in preferred.items() if n != 1} == {
        (str(ID["measure/mic-cynex"]), 2023, "supplementary", "enacted"): 0,
        (str(ID["measure/mic-national-cyber-training-center"]), 2023, "supplementary", "enacted"): 0,
    }


def test_conflicts_lists_the_four_known_disagreements_with_the_preferred_side(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "conflicts")
    cells = {(r["scope"], r["fiscal_year"], r["preferred_printed"], r["preferred_source"], r["preferred_line"],
              r["preferred_reason"]) for r in rows}
    assert cells == {
        ("政府全体", 2024, "2, 126. 2億円", "nisc-budget-fy2024", 10, "own-edition"),
        ("サイバー捜査用資機材の増強等", 2024, "3.6億円", "nisc-budget-fy2024", 83, "own-edition"),
        (MHLW, 2024, "30.4億円", "nisc-budget-fy2024", 79, "own-edition"),
        ("国民が安全で安心して暮らせるデジタル社会の実現", 2024, "383.0億円", "nisc-budget-fy2024", 77, "own-edition"),
    }
    others = {(r["other_source"], r["other_line"], r["other_printed"], r["difference_jpy"]) for r in rows}
    assert others == {
        ("nisc-budget-fy2025", 42, "２,１２８．６億円", 240_000_000),
        ("nisc-budget-fy2025", 46, "２,１２８．６億円", 240_000_000),
        ("nisc-budget-fy2025", 17, "3.1億円", -50_000_000),
        ("nisc-budget-fy2025", 9, "19.5億円", -1_090_000_000),
        ("nisc-budget-fy2025", 478, "１９．５億円", -1_090_000_000),
        ("nisc-budget-fy2025", 8, "385.4億円", 240_000_000),
    }
    assert {r["other_reason"] for r in rows} == {"disagrees"}


def test_preferred_rank_narrows_budget_lines_to_one_figure_per_cell(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "budget-lines", measure=MHLW, rank="preferred")
    assert sorted((r["fiscal_year"], r["budget"], r["status"], r["amount_jpy"], r["source"], r["line"]) for r in rows) == [
        (2023, "initial", "draft", 2_710_000_000, "nisc-budget-fy2023", 11),
        (2023, "initial", "enacted", 2_710_000_000, "nisc-budget-fy2024", 79),
        (2023, "supplementary", "enacted", 5_330_000_000, "nisc-budget-fy2024", 79),
        (2024, "initial", "enacted", 3_040_000_000, "nisc-budget-fy2024", 79),
        (2024, "supplementary", "enacted", 9_040_000_000, "nisc-budget-fy2025", 9),
        (2025, "initial", "enacted", 3_220_000_000, "nisc-budget-fy2025", 9),
    ]


# --- clauses on made-up figures ----------------------------------------------------------------

SCOPE = ID["measure/example"]


def _figure(ds: Dataset, doc: str, n: int, *, fy: int = 2025, yen: int, number: str, unit: str = "億円",
            origin=PK.SummaryTable, line: int = 1, inclusive: bool = False) -> URIRef:
    iri = ID[f"figure/{doc}/L{line}-{n}"]
    g = ds.graph(ID[f"doc/{doc}"])
    for p, o in ((RDF.type, PK.BudgetFigure), (PK.scope, SCOPE), (PK.fiscalYear, Literal(fy)),
                 (PK.budgetKind, PK.Initial), (PK.status, PK.Enacted), (PK.amountJPY, Literal(yen)),
                 (PK.printedNumber, Literal(number)), (PK.unit, Literal(unit)), (PK.origin, origin),
                 (PK.line, Literal(line)), (PK.inclusive, Literal(inclusive))):
        g.add((iri, p, o))
    return iri


def _ranked(ds: Dataset, docs: list[tuple[str, int]]) -> dict[URIRef, tuple[str, URIRef | None]]:
    ranks = rank_figures(ds, [(ID[f"doc/{d}"], fy) for d, fy in docs])
    assert ranks.identifier == RANKS_GRAPH
    out = {}
    for f in set(ranks.subjects(PK.rank, None)):
        reason = str(ranks.value(f, PK.rankReason)).rsplit("#", 1)[1]
        out[f] = (reason, ranks.value(f, PK.preferredFigure))
    return out


def test_a_reissued_edition_of_the_same_year_outranks_the_earlier_entry() -> None:
    ds = Dataset()
    first = _figure(ds, "a", 1, yen=2_300_000_000, number="23.0")
    second = _figure(ds, "b", 1, yen=2_400_000_000, number="24.0")
    ranked = _ranked(ds, [("a", 2025), ("b", 2025)])
    assert ranked == {second: ("OwnEdition", None), first: ("Disagrees", second)}


def test_the_summary_table_outranks_the_headline_and_a_page_of_its_own_document() -> None:
    ds = Dataset()
    page = _figure(ds, "a", 1, yen=2_340_000_000, number="2,340", unit="百万円", origin=PK.MeasurePage, line=3)
    table = _figure(ds, "a", 2, yen=2_340_000_000, number="23.4", line=50)
    assert _ranked(ds, [("a", 2025)]) == {table: ("OwnEdition", None), page: ("Repeated", table)}


def test_rounding_of_the_printed_digits_decides_agreement() -> None:
    """「23億円」 (± 0.5億円) agrees with 23.4億円; 「22.8億円」 (± 0.05) does not."""
    ds = Dataset()
    own = _figure(ds, "a", 1, yen=2_340_000_000, number="23.4")
    agrees = _figure(ds, "b", 1, yen=2_300_000_000, number="23", line=2)
    differs = _figure(ds, "c", 1, yen=2_280_000_000, number="22.8", line=3)
    ranked = _ranked(ds, [("a", 2025), ("b", 2026), ("c", 2026)])
    assert ranked == {own: ("OwnEdition", None), agrees: ("Restatement", own), differs: ("Disagrees", own)}


def test_a_figure_its_own_document_contradicts_is_deprecated() -> None:
    ds = Dataset()
    table = _figure(ds, "a", 1, yen=2_340_000_000, number="23.4")
    page = _figure(ds, "a", 2, yen=3_000_000_000, number="30.0", origin=PK.MeasurePage, line=9)
    ranked = _ranked(ds, [("a", 2025)])
    assert ranked == {table: ("OwnEdition", None), page: ("ContradictsOwnDocument", table)}
    assert rank_figures(ds, [(ID["doc/a"], 2025)]).value(page, PK.rank) == PK.DeprecatedRank


def test_a_cell_stated_only_as_inclusive_has_no_preferred_figure() -> None:
    ds = Dataset()
    only = _figure(ds, "a", 1, yen=5_000_000_000, number="50.0", inclusive=True)
    assert _ranked(ds, [("a", 2025)]) == {only: ("InclusiveFigure", None)}


def test_a_nearer_later_edition_wins_a_tie_in_distance(tmp_path: Path) -> None:
    ds = Dataset()
    earlier = _figure(ds, "a", 1, fy=2025, yen=100_000_000, number="1.0")
    later = _figure(ds, "b", 1, fy=2025, yen=100_000_000, number="1.0")
    ranked = _ranked(ds, [("b", 2026), ("a", 2024)])
    assert ranked == {later: ("NearestEdition", None), earlier: ("Restatement", later)}
