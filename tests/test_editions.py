"""Held-out editions: three made by ``tests/editions/generate.py`` go in through ``policykg add``.

Each edition varies a bundled NISC text the way the next edition of the series does (era years
+1, −2 and +2, every amount changed with the totals kept consistent, plan end years moved, measures
renamed, dropped and added, one under an agency new to the registry, wrapped rows, full-width digits,
a two-column table with dashes, a reworded area heading, a changed 事業主体 and scheme). The
expected figures are the generator's (``tests/editions/score.py`` compares them with the
``budget-lines`` and ``totals`` rows); no code or registry change is made for them.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from policykg.cli import main
from policykg.graph.store import load_dataset, read_build_report
from policykg.queries.run import run_query
from policykg.sources import corpus_dir

HERE = Path(__file__).parent / "editions"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"editions_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


generate = _module("generate")
scoring = _module("score")


def _rows(ds, name: str, **params: str) -> list[dict]:
    result = run_query(ds, name, params)
    names = [str(v).lstrip("?") for v in result.vars]
    return [dict(zip(names, (None if t is None else t.toPython() for t in row))) for row in result]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bundled corpus plus the three editions, each added with `policykg add`."""
    tmp = tmp_path_factory.mktemp("editions")
    folder, build_dir = tmp / "user-corpus", tmp / "build"
    bundled = {p.name: p.read_bytes() for p in corpus_dir().iterdir() if p.is_file()}
    editions = {}
    runner = CliRunner()
    for spec in generate.EDITIONS:
        edition = generate.make_edition(spec)
        path = tmp / f"{spec.id}.txt"
        path.write_text(edition.text, encoding="utf-8")
        result = runner.invoke(main, ["add", str(path), "--corpus", str(folder), "--id", spec.id],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        editions[spec.id] = edition
    result = runner.invoke(main, ["build", "--corpus", str(folder), "--build-dir", str(build_dir)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in corpus_dir().iterdir() if p.is_file()} == bundled
    ds = load_dataset(build_dir)
    return editions, build_dir, _rows(ds, "budget-lines"), _rows(ds, "totals"), ds


def test_the_generator_writes_what_its_spec_says() -> None:
    """Checked by hand on the FY2026 edition: line 4 is the renamed IoT row with its new amounts,
    line 20 the heading reworded, the supplementary column gone from the two-column edition."""
    ed = generate.make_edition(generate.EDITIONS[0])
    lines = ed.text.split("\n")
    iot = next(f for f in ed.figures if f.measure == "IoTの安心・安全かつ適正な利用環境の整備" and f.fiscal_year == 2026)
    assert lines[iot.line - 1].startswith("【総務省】IoTの安心・安全かつ適正な利用環境の整備 ")
    assert iot.yen == generate.parse_amount(lines[iot.line - 1].split(" ")[1])[0] * 10**7
    assert "（２）国民が安全・安心に暮らせるデジタル社会の実現に向けた取組 (" in ed.text
    assert "令和8年度当初予算額" in ed.text and "令和7年度当初予算額" in ed.text
    assert "生成ＡＩ等を活用したフィッシングサイト判定" not in ed.text.split("表紙")[0]
    two = generate.make_edition(generate.EDITIONS[2])
    assert {(f.fiscal_year, f.budget) for f in two.figures} == {(2027, "initial"), (2026, "initial")}
    # Totals add up: each area heading is the sum of the change made to its rows.
    for e in (ed, two):
        headline = [f for f in e.figures if f.origin == "headline" and f.fiscal_year == e.spec.shift + 2025]
        chart = [f for f in e.figures if f.origin == "area-chart"]
        assert headline and chart
        assert abs(sum(f.yen for f in chart) - headline[0].yen) <= 2 * 10**7  # rounding of 5 printed areas


@pytest.mark.parametrize("spec", generate.EDITIONS, ids=lambda s: s.id)
def test_each_edition_yields_its_figures(built, spec) -> None:
    editions, _, lines, totals, _ = built
    result = scoring.score(editions[spec.id].figures, lines, totals, spec.id)
    print(result)
    assert result.expected >= 70
    assert result.wrong == [], result.wrong[:5]
    assert result.percent >= 97.0, result.missing


@pytest.mark.parametrize("spec", generate.EDITIONS, ids=lambda s: s.id)
def test_every_new_name_is_a_warning_at_a_line_that_prints_it(built, spec) -> None:
    editions, build_dir, lines, _, _ = built
    edition = editions[spec.id]
    text = edition.text.split("\n")
    warnings = [w for w in read_build_report(build_dir).warnings if w.document == spec.id]
    for new in edition.new_names:
        key = unicodedata.normalize("NFKC", new.name)
        hits = [w for w in warnings if w.kind == f"unknown-{new.kind}" and key in unicodedata.normalize("NFKC", w.message + w.text)]
        assert hits, (new, [str(w) for w in warnings if w.kind.startswith("unknown")])
        assert all(w.line and key[:8] in unicodedata.normalize("NFKC", "".join(text[w.line - 1 : (w.end_line or w.line)])) for w in hits), hits
        if new.kind == "measure":  # its figures are kept
            assert any(r["source"] == spec.id and unicodedata.normalize("NFKC", r["measure_as_stated"]) == key for r in lines)


@pytest.mark.parametrize("spec", [s for s in generate.EDITIONS if s.pages], ids=lambda s: s.id)
def test_changed_page_facts_are_the_editions_statements(built, spec) -> None:
    """The 事業主体, scheme and plan end year the edition changed are its own statements, beside
    the bundled documents' versions of the same measure."""
    editions, _, _, _, ds = built
    edition = editions[spec.id]
    assert {f.fact for f in edition.facts} == {"implementer", "scheme", "plan-period"}
    for fact in edition.facts:
        rows = _rows(ds, "measure-facts", measure=fact.measure, fact=fact.fact)
        mine = [r for r in rows if r["source"] == spec.id]
        assert [(r["line"], r["value"]) for r in mine] == [(fact.line, _stated(edition, fact))], rows
        assert any(r["source"].startswith("nisc-budget-") for r in rows)  # the bundled versions stay
        if fact.fact == "plan-period":
            end = generate.shift_years(fact.value, 0)
            assert mine[0]["plan_end"] == _end_year(end)


def _stated(edition, fact) -> str:
    """The fact's text on its line, after its label: 「（事業主体） X」 → X."""
    line = edition.text.split("\n")[fact.line - 1]
    return line.split(")", 1)[-1].split("）", 1)[-1].strip()


def _end_year(value: str) -> int:
    era, number = next(iter(generate._ERA.findall(value.split("～")[-1])))
    n = 1 if number == "元" else int(unicodedata.normalize("NFKC", number))
    return (2018 if era == "令和" else 1988) + n
