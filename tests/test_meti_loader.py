"""The METI WG paper loader: facts checked by hand against corpus/004_ed65d1af5f6a924e.txt."""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path

import pytest

from policykg.errors import LoaderError
from policykg.loaders.meti_wg import parse_meti_wg
from policykg.records import (
    BudgetFigure,
    BudgetKind,
    BudgetStatus,
    Origin,
    ProgramFact,
    ProgramMention,
    ScopeKind,
    SourceSpan,
    Warning_,
)
from policykg.registry import Kind, Registry

ROOT = Path(__file__).resolve().parents[1]
DOC = "meti-icsws-wg3-10"
TEXT = (ROOT / "corpus" / "004_ed65d1af5f6a924e.txt").read_text(encoding="utf-8")
GOLDEN = ROOT / "tests" / "golden" / "meti"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def records(reg: Registry) -> list:
    return parse_meti_wg(TEXT, DOC, registry=reg)


@pytest.fixture(scope="module")
def facts(records: list, reg: Registry) -> dict[tuple[str, str], ProgramFact]:
    """Facts by (programme key, fact key); fails on a clash."""
    out: dict[tuple[str, str], ProgramFact] = {}
    for r in records:
        if isinstance(r, ProgramFact):
            key = (reg.resolve(Kind.PROGRAM, r.program).key, r.key)
            assert key not in out, f"two values for {key}"
            out[key] = r
    return out


def operators(records: list, reg: Registry, program: str) -> set[str]:
    return {
        (reg.find(Kind.AGENCY, r.operator) or reg.resolve(Kind.BODY, r.operator)).key
        for r in records
        if isinstance(r, ProgramMention) and r.operator and reg.resolve(Kind.PROGRAM, r.program).key == program
    }


# (programme key, fact key, value, corpus line) — each read off the line cited.
HAND_CHECKED = [
    # 004:19-23 産業サイバーセキュリティ研究会, two columns per line
    ("icsws", "meeting-1-date", "2017-12-27", 19),
    ("icsws", "meeting-6-date", "2021-04-02", 19),
    ("icsws", "meeting-2-date", "2018-05-30", 20),
    ("icsws", "meeting-3-date", "2019-04-19", 21),  # 平成31年
    ("icsws", "meeting-4-date", "2020-04-17", 22),  # printed with ※ (電話開催, 004:25)
    ("icsws", "meeting-9-date", "2025-05-23", 22),
    ("icsws", "meeting-10-date", "2026-04-03", 23),
    # 004:55-60 WG 1
    ("icsws-wg1", "meeting-1-date", "2018-02-07", 55),
    ("icsws-wg1", "meeting-7-date", "2020-10", 55),  # 令和 2年10月 (書面開催): no day printed
    ("icsws-wg1", "meeting-7-format", "書面開催", 55),
    ("icsws-wg1", "meeting-4-date", "2018-12-25", 58),
    ("icsws-wg1", "meeting-6-date", "2020-03", 60),
    ("icsws-wg1", "meeting-12-date", "2026-03-10", 60),
    # 004:68-73 WG 2
    ("icsws-wg2", "meeting-1-date", "2018-03-16", 68),
    ("icsws-wg2", "meeting-9-date", "2023-03-27", 70),
    ("icsws-wg2", "meeting-12-date", "2026-03-03", 73),
    # 004:82-86 WG 3; this paper is its 第10回 of 令和8年3月12日 (004:7-9)
    ("icsws-wg3", "meeting-4-date", "2019-08-02", 85),  # 令和 元年8月 2日
    ("icsws-wg3", "meeting-5-date", "2020-03", 86),
    ("icsws-wg3", "meeting-5-format", "書面開催", 86),
    ("icsws-wg3", "meeting-10-date", "2026-03-12", 86),
    # 004:836 cohorts of the 中核人材育成プログラム; 004:834 totals
    ("core-human-resource-program", "cohort-1-participants", "76", 836),
    ("core-human-resource-program", "cohort-2-participants", "83", 836),
    ("core-human-resource-program", "cohort-3-participants", "69", 836),
    ("core-human-resource-program", "cohort-4-participants", "46", 836),
    ("core-human-resource-program", "cohort-5-participants", "48", 836),
    ("core-human-resource-program", "cohort-6-participants", "48", 836),
    ("core-human-resource-program", "cohort-7-participants", "65", 836),
    ("core-human-resource-program", "cohort-8-participants", "57", 836),
    ("core-human-resource-program", "cohort-9-participants", "55", 836),
    ("core-human-resource-program", "cohorts", "9", 834),
    ("core-human-resource-program", "participants-total", "550", 834),  # 約550名
    # 004:827 ICSCoE 2017年4月設置
    ("icscoe", "established", "2017-04", 827),
    # 004:749 セキュリティ・キャンプ コネクト 合計52名; 004:767 本開催 令和8年3月26日～29日
    ("security-camp-connect", "participants-total", "52", 749),
    # 004:942 AI course pre-session (令和7年9月にはプレ開催を行い、5名が受講) under the heading at 004:939
    ("security-camp-connect", "participants-pre-session", "5", 942),
    ("security-camp-connect", "event-dates", "2026-03-26/2026-03-29", 767),
    # 004:518 国産セキュリティ推進フォーラム 約80名
    ("domestic-security-forum", "participants", "80", 518),
    # 004:1093-1102 インド太平洋地域向け産業制御システム・サイバーセキュリティ演習
    ("indo-pacific-ics-exercise", "first-held-fiscal-year", "2018", 1093),
    ("indo-pacific-ics-exercise", "editions", "8", 1093),
    ("indo-pacific-ics-exercise", "participants-onsite", "65", 1095),
    ("indo-pacific-ics-exercise", "event-dates", "2025-11-18/2025-11-21", 1099),
    ("indo-pacific-ics-exercise", "participants-online", "100", 1102),  # ライブ配信約100名
    # 004:1124-1128 ICSCoE/AJCCBC programme (Bangkok)
    ("ajccbc-ciip-training", "event-dates", "2025-07-21/2025-07-25", 1124),
    ("ajccbc-ciip-training", "participants", "18", 1128),
    # 004:157 NICTER 約7,010億パケット (2025)
    ("nicter", "observed-packets", "701000000000", 157),
    # 004:578, 582 経済安全保障重要技術育成プログラム
    ("k-program-cyber", "period", "2024-07/2029-03", 578),
    ("k-program-cyber", "project-total-yen-before", "29000000000", 582),
    ("k-program-cyber", "project-total-cap-yen", "37600000000", 582),
    # 004:539 懸賞金事業を2026年度～2027年度にかけて実施する予定
    ("cybersecurity-prize-challenge", "planned-fiscal-years", "2026/2027", 539),
]


def test_hand_checked_facts_are_collected() -> None:
    assert len(HAND_CHECKED) == 48


@pytest.mark.parametrize(("program", "key", "value", "line"), HAND_CHECKED)
def test_hand_checked_fact(facts: dict, program: str, key: str, value: str, line: int) -> None:
    fact = facts[(program, key)]
    assert fact.value == value
    assert fact.source == SourceSpan(DOC, line, line)


def test_fact_details(facts: dict) -> None:
    total = facts[("core-human-resource-program", "participants-total")]
    assert total.approximate and total.printed == "9期生まで約550名が受講"  # 004:834
    connect = facts[("security-camp-connect", "participants-total")]
    assert (connect.year, connect.approximate, connect.printed) == (2025, False, "合計52名が参加")  # 25年度
    assert facts[("icsws", "meeting-1-date")].printed == "第1回：平成29年12月27日"  # full-width colon kept
    assert facts[("indo-pacific-ics-exercise", "event-dates")].printed == "日時：2025年11月18日～21日"
    assert facts[("nicter", "observed-packets")].year == 2025


def test_cohorts_add_up_to_the_printed_total(facts: dict) -> None:
    # 004:834 says 約550名 over 9 cohorts; 004:836 lists them: they sum to 547
    cohorts = [int(facts[("core-human-resource-program", f"cohort-{n}-participants")].value) for n in range(1, 10)]
    assert sum(cohorts) == 547


def test_every_meeting_date_is_read(records: list, reg: Registry) -> None:
    meetings = [r for r in records if isinstance(r, ProgramFact) and r.key.endswith("-date") and "meeting" in r.key]
    by_body = {}
    for r in meetings:
        by_body.setdefault(reg.resolve(Kind.PROGRAM, r.program).key, []).append(r)
    # 004:19-23: 10 meetings; WG1 004:55-60: 12; WG2 004:68-73: 12; WG3 004:82-86: 10
    assert {k: len(v) for k, v in by_body.items()} == {"icsws": 10, "icsws-wg1": 12, "icsws-wg2": 12, "icsws-wg3": 10}


def test_budget_figure_of_the_ipa_procurement(records: list) -> None:
    # 004:501 "2026年3月頃からIPAで順次調達を開始（R7年度補正予算 12.4億円）"; measure titled at 004:497
    [figure] = [r for r in records if isinstance(r, BudgetFigure)]
    assert figure == BudgetFigure(
        scope_kind=ScopeKind.MEASURE,
        scope="IPAによる有望セキュリティ・スタートアップ製品・サービス等の積極的な調達実証事業",
        agency="", area=None, fiscal_year=2025, budget=BudgetKind.SUPPLEMENTARY,
        status=BudgetStatus.ENACTED, yen=1_240_000_000, number="12.4", unit="億円",
        printed="12.4億円", origin=Origin.MEASURE_PAGE, source=SourceSpan(DOC, 501, 501),
    )


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("icscoe", {"ipa"}),  # 004:724 "IPA産業サイバーセキュリティセンター(ICSCoE)"
        ("ipa-startup-procurement", {"ipa"}),  # 004:497 "IPAによる…"
        ("digital-skills-platform", {"ipa"}),  # 004:1067 "デジタル人材スキルプラットフォーム (IPA)"
        ("cyber-hr-framework", {"nco"}),  # 004:736 "NCOによる人材フレームワーク", 004:1030
        ("iss-registration", {"meti"}),  # 004:1057 "経済産業省の情報セキュリティサービス審査登録制度"
        ("domestic-security-forum", {"meti", "jnsa"}),  # 004:523 "経産省とJNSAが共同で「…」"
        # 004:1101 主催：経済産業省、IPA産業サイバーセキュリティセンター、米国政府（…）及びEU政府（…）
        ("indo-pacific-ics-exercise", {"meti", "ipa", "us-government", "eu-government"}),
        # 004:1126 主催：AJCCBC、ICSCoE(IPA)、タイNational Cyber Security Agency(NCSA)、JICA
        ("ajccbc-ciip-training", {"ajccbc", "ipa", "thai-ncsa", "jica"}),
        ("security-camp", set()),  # the paper never says who runs it (004:718-741)
        ("core-human-resource-program", set()),  # run by ICSCoE (004:830), a programme, not a body
    ],
)
def test_operators(records: list, reg: Registry, program: str, expected: set[str]) -> None:
    assert operators(records, reg, program) == expected


def test_programmes_without_operator_are_mentioned_once(records: list, reg: Registry) -> None:
    camp = [r for r in records if isinstance(r, ProgramMention) and r.program == "セキュリティ・キャンプ"]
    assert [(r.operator, r.source.line) for r in camp] == [("", 106)]  # first named at 004:106


def test_unknown_organiser_is_a_warning(records: list) -> None:
    # 004:1127 プログラム提供者：ICSCoE(IPA)、Mahidol University
    warnings = [r for r in records if isinstance(r, Warning_)]
    assert [(w.snippet, w.source.line) for w in warnings] == [("Mahidol University", 1127)]


def test_team_size_is_not_taken_for_participants(facts: dict) -> None:
    # 004:869 "中核人材育成プログラム修了者ほか、計12社18名で対応体制を構築": a team, not a cohort
    assert not any(f.value == "18" and f.source.line == 869 for f in facts.values())


def test_every_record_resolves_in_the_registry(records: list, reg: Registry) -> None:
    for r in records:
        if isinstance(r, ProgramMention):
            reg.resolve(Kind.PROGRAM, r.program)
            if r.operator:
                assert reg.find(Kind.AGENCY, r.operator) or reg.find(Kind.BODY, r.operator), r
        elif isinstance(r, ProgramFact):
            reg.resolve(Kind.PROGRAM, r.program)
        elif isinstance(r, BudgetFigure):
            reg.resolve(Kind.MEASURE, r.scope)


def test_printed_strings_are_substrings_of_their_lines(records: list) -> None:
    lines = TEXT.split("\n")
    for r in records:
        if isinstance(r, ProgramFact):
            text = "".join(lines[r.source.line - 1 : r.source.end_line]).replace("**", "")
            assert r.printed in text, r


# --- not this layout -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "政府のサイバーセキュリティに関する予算\n【総務省】施策 1.0億円\n",
        "産業サイバーセキュリティ研究会\n(日付なし)\n",
    ],
)
def test_other_layouts_raise(reg: Registry, text: str) -> None:
    with pytest.raises(LoaderError) as info:
        parse_meti_wg(text, "x", registry=reg)
    assert info.value.source == "x" and info.value.line == 1


def test_nisc_document_is_refused(reg: Registry) -> None:
    nisc = (ROOT / "corpus" / "000_b360cdfc8cdc379a.txt").read_text(encoding="utf-8")
    with pytest.raises(LoaderError, match="not a 産業サイバーセキュリティ研究会 paper"):
        parse_meti_wg(nisc, "nisc-budget-fy2025", registry=reg)


# --- golden ---------------------------------------------------------------------------


def encode(record) -> dict:
    out = {"type": type(record).__name__}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif field.name == "source":
            value = str(value)
        out[field.name] = value
    return out


CASES = sorted(p.stem for p in GOLDEN.glob("*.txt"))


def test_golden_cases_collected() -> None:
    assert CASES == ["international", "structure"]


@pytest.mark.parametrize("case", CASES)
def test_golden(reg: Registry, case: str) -> None:
    text = (GOLDEN / f"{case}.txt").read_text(encoding="utf-8")
    expected = json.loads((GOLDEN / f"{case}.expected.json").read_text(encoding="utf-8"))
    got = [encode(r) for r in parse_meti_wg(text, f"golden-meti-{case}", registry=reg)]
    assert got == expected
