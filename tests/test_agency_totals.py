"""Agency totals that say what they are, and empty results that explain themselves.

Checked by hand in corpus/000_b360cdfc8cdc379a.txt (nisc-budget-fy2025): the summary table
lists one 文部科学省 measure, 「GIGAスクールにおける学びの充実 1.6億円」 (line 58); the share chart
prints 「文部科学省」 / 「5.9%」 (lines 88–89) of the headline 「2，０５１．５億円」. The FY2024 edition
(002_1a1f949df8b9b077.txt) prints no share chart; FY2023's and FY2025's do.
"""

from __future__ import annotations

from decimal import Decimal

from click.testing import CliRunner
from policykg.cli import main
from policykg.queries.explain import explain_empty
from policykg.queries.run import load_query, run_query


def _rows(ds, name: str, **params: str) -> list[dict]:
    result = run_query(ds, name, params)
    names = [str(v).lstrip("?") for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


def test_a_listed_sum_names_its_basis_beside_the_share_derived_total(bundled_dataset) -> None:
    rows = _rows(bundled_dataset, "budget-by-agency", agency="文部科学省", source="nisc-budget-fy2025", budget="initial")
    [row] = [r for r in rows if r["fiscal_year"] == 2025]
    assert (row["listed_sum_jpy"], row["measures"], row["lines"]) == (160_000_000, 1, "58")
    assert row["basis"] == "sum of the measures listed in the summary table; not the agency's total"
    assert (row["share_percent"], row["share_line"], row["overall_jpy"]) == (Decimal("5.9"), 88, 205_150_000_000)
    assert row["derived_total_jpy"] == 12_103_850_000  # 5.9% × 2,051.5億円, derived, not a stated figure
    assert row["derived_tolerance_jpy"] == 102_575_000  # ± 0.05% of the total


def test_no_share_no_derived_total(bundled_dataset) -> None:
    """The FY2024 edition prints no share chart: its rows carry the listed sum only."""
    rows = _rows(bundled_dataset, "budget-by-agency", source="nisc-budget-fy2024")
    assert rows and all(r["share_percent"] is None and r["derived_total_jpy"] is None for r in rows)


def test_an_empty_share_result_says_why(bundled_dataset, bundled_build) -> None:
    reason = explain_empty(bundled_dataset, load_query("agency-shares"), {"fiscal_year": "令和6年度"})
    assert reason == ("no rows: no document states pk:AgencyShare for fiscal year 2024; stated by "
                      "nisc-budget-fy2023 (FY2023); nisc-budget-fy2025 (FY2025).")
    result = CliRunner().invoke(main, ["query", "agency-shares", "--build-dir", str(bundled_build),
                                       "--param", "source=nisc-budget-fy2024"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "(0 rows)" in result.stdout
    assert "no rows: nisc-budget-fy2024 states no pk:AgencyShare; stated by nisc-budget-fy2023, " in result.stderr


def test_a_result_with_rows_or_without_a_declared_class_gets_no_explanation(bundled_dataset) -> None:
    assert explain_empty(bundled_dataset, load_query("agency-shares"), {"fiscal_year": "2025"}) is None
    assert explain_empty(bundled_dataset, load_query("budget-lines"), {"fiscal_year": "1999"}) is None
