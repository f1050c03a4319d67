"""Tests of the NISC measure-page loader (loaders/nisc_pages*.py).

Every expected fact below was read by hand in the bundled corpus; the comment
on each gives ``file:line`` (000 = FY2025, 001 = FY2023, 002 = FY2024 Markdown,
003 = FY2020) and the printed text. ``measures`` are built here from the summary
table lines themselves (「【agency】name amount …」), not by the table loader.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from policykg.loaders.nisc_pages import parse_measure_pages
from policykg.normalize import nfkc, parse_amount, squash
from policykg.records import (
    BudgetFigure,
    BudgetKind,
    BudgetStatus,
    FundingFlow,
    LegalBasis,
    MeasureAttribute,
    MeasureMention,
    PlanPeriod,
    ProgramMention,
    SourceSpan,
    Warning_,
)
from policykg.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "nisc_pages"
I, S = BudgetKind.INITIAL, BudgetKind.SUPPLEMENTARY
E, D, R = BudgetStatus.ENACTED, BudgetStatus.DRAFT, BudgetStatus.REQUEST

# doc key -> (document id, file, summary-table line range, table columns)
DOCS = {
    "000": ("nisc-budget-fy2025", "000_b360cdfc8cdc379a.txt", (1, 59), [(2025, I, E), (2024, S, E), (2024, I, E)]),
    "001": ("nisc-budget-fy2023", "001_feb53fcdf8afa2d7.txt", (1, 56), [(2023, I, D)]),
    "002": ("nisc-budget-fy2024", "002_1a1f949df8b9b077.txt", (69, 118), [(2024, I, E), (2023, S, E), (2023, I, E)]),
    "003": ("nisc-budget-fy2020", "003_ddf944621e8ed638.txt", (1, 54), [(2020, I, D), (2019, S, D), (2019, I, E)]),
}

# -- building the inputs from the table lines -------------------------------------
_ROW = re.compile(r"^\s*#*\s*【(?P<agency>[^】]+)】\s*(?P<rest>.*)$")
_AREA = re.compile(r"^\s*#*\s*[（(]\s*(?P<n>[1-9１-９])\s*[）)]\s*(?P<label>[^\t(（]*(?:[（(]人材育成等[）)])?)")
_CELLS = re.compile(r"(?:\s+(?:[\d０-９][\d０-９.,．，\s]*?\s?億円|[―—－-]))+\s*$")


def table_measures(text: str, doc: str, first: int, last: int) -> list[MeasureMention]:
    """Measure rows 「【agency】name amount …」 of lines first..last (a wrapped FY2020
    name is joined from the lines up to its amounts)."""
    lines = text.split("\n")
    out, area, label, no = [], None, "", first
    while no <= last:
        line = lines[no - 1]
        if a := _AREA.match(line):
            area, label = int(nfkc(a["n"])), a["label"].strip()
        m = _ROW.match(line)
        if not m:
            no += 1
            continue
        rest, end = m["rest"].split("\t")[0], no
        if not rest.strip():
            parts = []
            while "億円" not in lines[end]:
                parts.append(lines[end].strip())
                end += 1
            end += 1
            rest = "".join(parts)
        out.append(MeasureMention(_CELLS.sub("", rest).strip(), m["agency"].strip(), area, label,
                                  SourceSpan(doc, no, end)))
        no = end + 1
    return out


@cache
def registry() -> Registry:
    return Registry.load()


@cache
def corpus_text(key: str) -> str:
    return (ROOT / "corpus" / DOCS[key][1]).read_text(encoding="utf-8")


@cache
def records(key: str) -> tuple:
    doc, _, (first, last), columns = DOCS[key]
    text = corpus_text(key)
    measures = table_measures(text, doc, first, last)
    return tuple(parse_measure_pages(text, doc, measures=measures, columns=columns, registry=registry()))


def of_type(key: str, cls) -> list:
    return [r for r in records(key) if isinstance(r, cls)]


def test_table_measures_helper_reads_every_row() -> None:
    # 000:3-27 and 51-59: 30 rows; 001: 26; 002:71-118: 31; 003:12-54: 18 (two wrap: 38-42, 48-52)
    counts = {k: len(table_measures(corpus_text(k), DOCS[k][0], *DOCS[k][2])) for k in DOCS}
    assert counts == {"000": 30, "001": 26, "002": 31, "003": 18}
    wrapped = table_measures(corpus_text("003"), "d", 38, 42)[0]
    assert wrapped.agency == "個人情報保護委" and wrapped.name.endswith("監視・監督体制の拡充及び強化")


# -- hand-checked budget figures ----------------------------------------------------
# (doc, line, measure as printed in the table, year, kind, status, yen, inclusive)
FIGURES = [
    # 000:176 「令和7年度予算額 54億円（44億円）」; （44億円） = 令和6年度当初, confirmed by 000:3 「… 54.1億円 ― 44.0億円」
    ("000", 176, "産業サイバーセキュリティ対策の強化に向けた環境整備事業", 2025, I, E, 5_400_000_000, False),
    ("000", 176, "産業サイバーセキュリティ対策の強化に向けた環境整備事業", 2024, I, E, 4_400_000_000, False),
    # 000:273-274 「令和７年度当初予算 1,584百万円 / (令和６年度当初予算 1,584百万円)」
    ("000", 273, "IoTの安心・安全かつ適正な利用環境の構築", 2025, I, E, 1_584_000_000, False),
    ("000", 274, "IoTの安心・安全かつ適正な利用環境の構築", 2024, I, E, 1_584_000_000, False),
    # 000:365-366 「令和７年度当初予算 1,300百万円 （令和６年度当初予算 1,000百万円）」
    ("000", 365, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", 2025, I, E, 1_300_000_000, False),
    ("000", 366, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", 2024, I, E, 1_000_000_000, False),
    # 000:396-398 「令和７年度当初予算 899百万円 （令和６年度当初予算 850百万円、令和５年度補正 1,254百万円の内数）」
    ("000", 396, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2025, I, E, 899_000_000, False),
    ("000", 397, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2024, I, E, 850_000_000, False),
    ("000", 398, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2023, S, E, 1_254_000_000, True),
    # 000:476-478 「令和７年度予算 ：３２．２億円 / 令和６年度補正予算 ：９０．４億円 / 令和６年度当初予算 ：１９．５億円」
    ("000", 476, "厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2025, I, E, 3_220_000_000, False),
    ("000", 477, "厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2024, S, E, 9_040_000_000, False),
    ("000", 478, "厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2024, I, E, 1_950_000_000, False),
    # 000:486-487 「令和７年度当初予算額： １５．０億円（１１．２億円） / 令和６年度補正予算額： ２．２億円」
    ("000", 486, "情報セキュリティ対策の強化", 2025, I, E, 1_500_000_000, False),
    ("000", 486, "情報セキュリティ対策の強化", 2024, I, E, 1_120_000_000, False),
    ("000", 487, "情報セキュリティ対策の強化", 2024, S, E, 220_000_000, False),
    # 000:532 「令和７年度当初予算額： ０．３億円（０．７億円）」
    ("000", 532, "サイバー空間に関する外交及び国際連携", 2025, I, E, 30_000_000, False),
    ("000", 532, "サイバー空間に関する外交及び国際連携", 2024, I, E, 70_000_000, False),
    # 000:572 「７年度予算額１６．０億円 （６年度予算額 ９．８億円）」 (era-less years are 令和)
    ("000", 572, "政府機関情報セキュリティ横断監視・即応調整チームの運用", 2025, I, E, 1_600_000_000, False),
    ("000", 572, "政府機関情報セキュリティ横断監視・即応調整チームの運用", 2024, I, E, 980_000_000, False),
    # 000:602-603 「令和７年度当初予算 1,195百万円 （令和６年度当初予算 1,742百万円、令和５年度補正 1,254百万円の内数）」
    ("000", 602, "ナショナルサイバートレーニングセンターの強化", 2025, I, E, 1_195_000_000, False),
    ("000", 603, "ナショナルサイバートレーニングセンターの強化", 2024, I, E, 1_742_000_000, False),
    ("000", 603, "ナショナルサイバートレーニングセンターの強化", 2023, S, E, 1_254_000_000, True),
    # 000:728 「【令和７年度予算額 ： １１．６億円】（１４．０億円）」
    ("000", 728, "航空管制セキュリティシステム", 2025, I, E, 1_160_000_000, False),
    ("000", 728, "航空管制セキュリティシステム", 2024, I, E, 1_400_000_000, False),
    # 000:801-802: two measures, each with its figures on its own title line
    ("000", 801, "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", 2025, I, E, 570_000_000, False),
    ("000", 801, "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", 2024, I, E, 40_000_000, False),
    ("000", 802, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", 2025, I, E, 510_000_000, False),
    ("000", 802, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", 2024, I, E, 40_000_000, False),
    # 000:880 「７年度予算額５．０億円 （６年度補正予算額１９．７億円）」
    ("000", 880, "政府機関等に対するサイバーセキュリティの実践的検証", 2025, I, E, 500_000_000, False),
    ("000", 880, "政府機関等に対するサイバーセキュリティの実践的検証", 2024, S, E, 1_970_000_000, False),
    # 000:889-890 「令和７年度予算額 ： ２．８億円 / 令和６年度補正予算： ６．９億円」
    ("000", 889, "サイバー捜査用資機材の増強等", 2025, I, E, 280_000_000, False),
    ("000", 890, "サイバー捜査用資機材の増強等", 2024, S, E, 690_000_000, False),
    # 000:1006 「令和7年度予算額２.８億円（２.８億円）」
    ("000", 1006, "政府情報システムのためのセキュリティ評価事業", 2025, I, E, 280_000_000, False),
    ("000", 1006, "政府情報システムのためのセキュリティ評価事業", 2024, I, E, 280_000_000, False),
    # 000:1040 「７年度予算額：2．４億円 （６年度予算額０．４憶円）」 (the second amount misprints 憶)
    ("000", 1040, "重要インフラ分野の演習等企画実施", 2025, I, E, 240_000_000, False),
    # 000:1154 「７年度予算額 １．３億円（６年度予算額 １．３億円）」
    ("000", 1154, "サイバーセキュリティ確保環境整備費", 2025, I, E, 130_000_000, False),
    ("000", 1154, "サイバーセキュリティ確保環境整備費", 2024, I, E, 130_000_000, False),
    # 000:1179-1180 「令和7年度予算額：0.9億円 （令和6年度当初予算額：0.8億円、令和6年度補正予算額：0.2億円）」
    ("000", 1179, "金融業界横断的なサイバーセキュリティ演習の実施", 2025, I, E, 90_000_000, False),
    ("000", 1180, "金融業界横断的なサイバーセキュリティ演習の実施", 2024, I, E, 80_000_000, False),
    ("000", 1180, "金融業界横断的なサイバーセキュリティ演習の実施", 2024, S, E, 20_000_000, False),
    # 000:1214-1215 「…強化費 令和7年度予算額 ：0.8億円 / 令和6年度当初予算額：0.3億円」
    ("000", 1214, "こども家庭庁におけるセキュリティ対策体制強化費", 2025, I, E, 80_000_000, False),
    ("000", 1215, "こども家庭庁におけるセキュリティ対策体制強化費", 2024, I, E, 30_000_000, False),
    # 000:1340-1343, before the title at 1345 on a 「国土交通省の施策例」 page
    ("000", 1340, "国土交通省（CSIRT等）や所管事業者における情報セキュリティ対策の強化", 2025, I, E, 60_000_000, False),
    ("000", 1341, "国土交通省（CSIRT等）や所管事業者における情報セキュリティ対策の強化", 2024, S, E, 500_000_000, False),
    ("000", 1343, "国土交通省（CSIRT等）や所管事業者における情報セキュリティ対策の強化", 2024, I, E, 60_000_000, False),
    # 000:1366-1368 title 「生成ＡＩを活用した…」 (registry alias of the table's 「生成ＡＩ等を活用した…」), 「令和７年度予算額 ： ０．３億円」
    ("000", 1368, "生成ＡＩ等を活用したフィッシングサイト判定の高度化・効率化", 2025, I, E, 30_000_000, False),
    # 000:1394 「令和７年度予算額：８７６．３億円（令和６年度当初予算額：１０６４．０億円）」
    ("000", 1394, "情報システムの防護", 2025, I, E, 87_630_000_000, False),
    ("000", 1394, "情報システムの防護", 2024, I, E, 106_400_000_000, False),
    # 000:1420 title and figures on one line
    ("000", 1420, "リスク管理枠組み（RMF）の導入", 2025, I, E, 34_080_000_000, False),
    ("000", 1420, "リスク管理枠組み（RMF）の導入", 2024, I, E, 29_080_000_000, False),
    # 000:1457, 000:1525
    ("000", 1457, "防衛産業におけるサイバーセキュリティ対策の強化", 2025, I, E, 13_420_000_000, False),
    ("000", 1457, "防衛産業におけるサイバーセキュリティ対策の強化", 2024, I, E, 11_980_000_000, False),
    ("000", 1525, "サイバー分野における教育機能の強化", 2025, I, E, 2_540_000_000, False),
    ("000", 1525, "サイバー分野における教育機能の強化", 2024, I, E, 2_550_000_000, False),
    # 000:1601-1605 「令和７年度予算額 １.６億円 （令和６年度予算額 ３.２億円） 令和６年度補正予算額 ２.１億円」
    ("000", 1601, "GIGAスクールにおける学びの充実", 2025, I, E, 160_000_000, False),
    ("000", 1603, "GIGAスクールにおける学びの充実", 2024, I, E, 320_000_000, False),
    ("000", 1605, "GIGAスクールにおける学びの充実", 2024, S, E, 210_000_000, False),
    # 000:1614 「令和６年度補正予算額 21.5億円（新規）」
    ("000", 1614, "生成ＡＩ等を活用したサイバーセキュリティ対策強化", 2024, S, E, 2_150_000_000, False),
    # --- 001 (FY2023 draft: every figure is 令和5年度 initial, status draft)
    ("001", 158, "産業サイバーセキュリティ強靭化事業", 2023, I, D, 2_350_000_000, False),  # 「令和５年度予算案額 23.5 億円」
    ("001", 208, "サイバーセキュリティ統合知的・⼈材育成基盤の構築", 2023, I, D, 850_000_000, False),  # 「令和５年度予算政府案 8.5億円」
    ("001", 245, "中⼩企業サイバーセキュリティ対策促進事業", 2023, I, D, 200_000_000, False),  # 「令和５年度予算案額 2.0 億円」
    ("001", 309, "厚⽣労働省及び関係機関等における情報セキュリティ対策推進費", 2023, I, D, 2_710_000_000, False),  # 「：２７．１億円」
    ("001", 315, "サイバーセキュリティ経済基盤構築事業", 2023, I, D, 1_960_000_000, False),  # 「19.6 億円」
    # 001:363-364 two columns: 「情報セキュリティ対策の強化 サイバー空間に関する外交及び国際連携 / …：６．６億円 …：０．６億円」
    ("001", 364, "情報セキュリティ対策の強化", 2023, I, D, 660_000_000, False),
    ("001", 364, "サイバー空間に関する外交及び国際連携", 2023, I, D, 60_000_000, False),
    ("001", 487, "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", 2023, I, D, 50_000_000, False),
    ("001", 566, "独⽴⾏政法⼈及び指定法⼈におけるサイバーセキュリティ施策の評価委託", 2023, I, D, 30_000_000, False),
    ("001", 572, "違法・有害情報対策に伴う経費", 2023, I, D, 200_000_000, False),  # 「令和５年度政府予算案：約２．０億円」
    ("001", 699, "サイバーセキュリティ確保環境整備費", 2023, I, D, 130_000_000, False),  # 「５年度予算政府案額 １．３億円【うち…】」
    ("001", 773, "サイバーセキュリティインシデントに係る調査", 2023, I, D, 80_000_000, False),
    ("001", 786, "⾦融業界横断的なサイバーセキュリティ演習の実施", 2023, I, D, 90_000_000, False),
    ("001", 904, "サイバーセキュリティ協議会の運⽤", 2023, I, D, 80_000_000, False),
    ("001", 974, "情報システムの防護", 2023, I, D, 47_740_000_000, False),  # 「４７７．４億円」
    ("001", 1002, "リスク管理枠組み（RMF）の導⼊", 2023, I, D, 30_110_000_000, False),
    ("001", 1039, "防衛産業におけるサイバーセキュリティ対策の強化", 2023, I, D, 6_850_000_000, False),
    ("001", 1093, "サイバー分野における研究機能の強化", 2023, I, D, 1_460_000_000, False),
    ("001", 1101, "サイバーテロ対策⽤資機材の増強等", 2023, I, D, 430_000_000, False),  # 「：４．３億円国境を越えて…」
    ("001", 1190, "サイバー分野における教育機能の強化", 2023, I, D, 2_010_000_000, False),
    ("001", 1371, "IoTの安⼼・安全かつ適正な利⽤環境の構築", 2023, I, D, 1_200_000_000, False),
    ("001", 1453, "GIGAスクールにおける学びの充実", 2023, I, D, 300_000_000, False),  # 「令和5年度予算額（案） 3億円」
    # 001:1481 title 「…技術検証体制構築」 = table name less 「に関する調査費」; 1509 「０．２億円」 = table 0.2
    ("001", 1509, "サプライチェーンリスク対応のための技術検証体制構築に関する調査費", 2023, I, D, 20_000_000, False),
    # 001:1518-1520 untitled 「国⼟交通省の施策例」 page, area (4): the only 国土交通省 row of area 4 (001:55)
    ("001", 1520, "情報システムセキュリティ強化経費", 2023, I, D, 60_000_000, False),
    # --- 002 (Markdown; FY2024 enacted; columns 2024 initial, 2023 supplementary, 2023 initial)
    ("002", 152, "産業サイバーセキュリティ強靱化事業", 2024, I, E, 2_300_000_000, False),  # 「## 令和6年度予算額 23億円（24億円）」
    ("002", 152, "産業サイバーセキュリティ強靱化事業", 2023, I, E, 2_400_000_000, False),  # (24億円) ~ table 23.5 (002:71)
    ("002", 234, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", 2024, I, E, 1_000_000_000, False),
    ("002", 235, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", 2022, S, E, 2_000_000_000, False),  # 「(令和4年度二次補正 2,000百万円)」
    ("002", 260, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2024, I, E, 850_000_000, False),
    ("002", 261, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2023, I, E, 850_000_000, False),
    ("002", 270, "サプライチェーン・中小企業サイバーセキュリティ対策促進事業", 2024, I, E, 70_000_000, False),  # 「0.7億円（新規）」
    ("002", 298, "産業サイバーセキュリティ対策の強化に向けた環境整備事業", 2023, S, E, 510_000_000, False),
    ("002", 340, "独法等の監視に係る次期システム構築事業", 2024, I, E, 5_700_000_000, False),  # 「57億円（新規）」
    # 002:368-370 tab-separated 「令和6年度予算\t: 30.4億円 / 令和5年度補正予算\t: 53.3億円 / 令和5年度当初予算\t: 27.1億円」
    ("002", 368, "厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2024, I, E, 3_040_000_000, False),
    ("002", 369, "厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2023, S, E, 5_330_000_000, False),
    ("002", 370, "厚生労働省及び関係機関等における情報セキュリティ対策推進費", 2023, I, E, 2_710_000_000, False),
    ("002", 405, "サイバーセキュリティ経済基盤構築事業", 2024, I, E, 2_000_000_000, False),  # 「20億円（20億円）」
    ("002", 405, "サイバーセキュリティ経済基盤構築事業", 2023, I, E, 2_000_000_000, False),
    # 002:477 after the ①②③ sub-item sections, matching the table exactly (17.4, 12.7 at 002:81)
    ("002", 477, "ナショナルサイバートレーニングセンターの強化", 2024, I, E, 1_742_000_000, False),
    ("002", 477, "ナショナルサイバートレーニングセンターの強化", 2023, I, E, 1_270_000_000, False),
    ("002", 488, "情報セキュリティ対策の強化", 2024, I, E, 1_120_000_000, False),  # 「### 情報セキュリティ対策の強化 / 令和6年度予算額 : 11.2億円」
    ("002", 493, "サイバー空間に関する外交及び国際連携", 2024, I, E, 70_000_000, False),
    ("002", 522, "サイバー捜査用資機材の増強等", 2024, I, E, 360_000_000, False),  # 「令和6年度予算額\t：\t3.6億円」
    ("002", 523, "サイバー捜査用資機材の増強等", 2023, S, E, 230_000_000, False),
    ("002", 524, "サイバー捜査用資機材の増強等", 2023, I, E, 320_000_000, False),
    ("002", 547, "違法・有害情報対策に伴う経費", 2024, I, E, 260_000_000, False),
    ("002", 548, "違法・有害情報対策に伴う経費", 2023, I, E, 200_000_000, False),
    ("002", 567, "サイバーセキュリティ確保環境整備費", 2024, I, E, 130_000_000, False),  # 「6年度予算額 1.3億円」
    ("002", 568, "サイバーセキュリティ確保環境整備費", 2023, I, E, 130_000_000, False),
    ("002", 603, "金融業界横断的なサイバーセキュリティ演習の実施", 2024, I, E, 90_000_000, False),
    ("002", 606, "金融業界横断的なサイバーセキュリティ演習の実施", 2023, I, E, 90_000_000, False),
    ("002", 606, "金融業界横断的なサイバーセキュリティ演習の実施", 2023, S, E, 150_000_000, False),
    ("002", 640, "サイバーセキュリティ協議会の運用", 2024, I, E, 60_000_000, False),
    ("002", 641, "サイバーセキュリティ協議会の運用", 2023, I, E, 80_000_000, False),
    ("002", 674, "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", 2024, I, E, 40_000_000, False),
    ("002", 675, "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", 2023, S, E, 470_000_000, False),
    ("002", 676, "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト", 2023, I, E, 50_000_000, False),
    ("002", 702, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", 2024, I, E, 40_000_000, False),
    ("002", 703, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", 2023, S, E, 440_000_000, False),
    ("002", 704, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", 2023, I, E, 30_000_000, False),
    # 002:733-735 numbers split by a space: 「0. 3億円」 「0. 5億円」 「0. 8億円」
    ("002", 733, "サイバーセキュリティインシデントに係る調査", 2024, I, E, 30_000_000, False),
    ("002", 734, "サイバーセキュリティインシデントに係る調査", 2023, S, E, 50_000_000, False),
    ("002", 735, "サイバーセキュリティインシデントに係る調査", 2023, I, E, 80_000_000, False),
    ("002", 780, "情報システムの防護", 2024, I, E, 106_400_000_000, False),  # 「1,064.0億円(…:477.4億円)」
    ("002", 780, "情報システムの防護", 2023, I, E, 47_740_000_000, False),
    ("002", 812, "リスク管理枠組み (RMF) の導入", 2024, I, E, 29_080_000_000, False),
    ("002", 812, "リスク管理枠組み (RMF) の導入", 2023, I, E, 30_110_000_000, False),
    ("002", 841, "防衛産業におけるサイバーセキュリティ対策の強化", 2024, I, E, 11_980_000_000, False),
    ("002", 841, "防衛産業におけるサイバーセキュリティ対策の強化", 2023, I, E, 6_850_000_000, False),  # 「(…:68.5億円)」
    ("002", 860, "サイバー分野における研究機能の強化", 2024, I, E, 2_090_000_000, False),
    ("002", 860, "サイバー分野における研究機能の強化", 2023, I, E, 1_460_000_000, False),
    ("002", 878, "サイバーテロ対策用資機材の増強等", 2024, I, E, 1_170_000_000, False),
    ("002", 879, "サイバーテロ対策用資機材の増強等", 2023, S, E, 40_000_000, False),
    ("002", 880, "サイバーテロ対策用資機材の増強等", 2023, I, E, 430_000_000, False),  # 「令和5年度当初予算額 : 4.3億円」
    ("002", 905, "サイバー分野における教育機能の強化", 2024, I, E, 2_550_000_000, False),
    ("002", 905, "サイバー分野における教育機能の強化", 2023, I, E, 2_010_000_000, False),
    # 002:924-936 label and amount on lines two apart: 「令和6年度予算額 / 3億円 / (前年度予算額 / 3億円) / 令和5年度補正予算額 / 2億円」
    ("002", 924, "GIGAスクールにおける学びの充実", 2024, I, E, 300_000_000, False),
    ("002", 928, "GIGAスクールにおける学びの充実", 2023, I, E, 300_000_000, False),
    ("002", 934, "GIGAスクールにおける学びの充実", 2023, S, E, 200_000_000, False),
    ("002", 1004, "サプライチェーンリスク対応のための技術検証体制構築に関する調査費", 2024, I, E, 10_000_000, False),  # 「0. 1億円」
    ("002", 1005, "サプライチェーンリスク対応のための技術検証体制構築に関する調査費", 2023, S, E, 320_000_000, False),
    ("002", 1006, "サプライチェーンリスク対応のための技術検証体制構築に関する調査費", 2023, I, E, 20_000_000, False),  # 「(… 0. 2億円)」
    # --- 003 (FY2020: 令和2年度予算政府案 = draft; 令和元年度補正予算案 = draft; 令和元年度当初 = enacted)
    ("003", 84, "内閣サイバーセキュリティセンター予算", 2020, I, D, 1_530_000_000, False),  # 「令和２年度予算政府案 / １５．３億円」 (84-85)
    ("003", 99, "内閣サイバーセキュリティセンター予算", 2019, S, D, 4_610_000_000, False),  # 「令和元年度補正予算案 / ４６．１億円」
    ("003", 138, "内閣サイバーセキュリティセンター予算", 2018, S, E, 1_300_000_000, False),  # 「<参考> 平成３０年度補正予算 １３．０億円」
    ("003", 138, "内閣サイバーセキュリティセンター予算", 2019, I, E, 2_490_000_000, False),  # 「<参考> 令和元年度当初予算 ２４．９億円」
    ("003", 170, "サイバーセキュリティ対策に係る教養の充実等", 2020, I, D, 930_000_000, False),
    ("003", 181, "デジタルフォレンジック用資機材の増強等", 2019, I, E, 450_000_000, False),
    ("003", 182, "デジタルフォレンジック用資機材の増強等", 2020, I, D, 1_000_000_000, False),
    # 003:247-248 「【主な経費】 （１） ナショナル…の構築 １５．０億円<令和２年度予算政府案> / （２） IoT… １４．６億円の内数<…>」
    ("003", 247, "ナショナルサイバートレーニングセンターの構築", 2020, I, D, 1_500_000_000, False),
    ("003", 248, "IoTの安心・安全かつ適正な利用環境の構築", 2020, I, D, 1_460_000_000, True),
    # 003:304-305 two columns
    ("003", 305, "情報セキュリティ対策の強化", 2020, I, D, 480_000_000, False),
    ("003", 305, "サイバー空間に関する外交及び国際連携", 2020, I, D, 20_000_000, False),
    # 003:378-381 「金額は令和2年度予算政府案額 （（）内は令和元年度当初予算額）」 … 「○サイバーセキュリティ経済基盤構築事業 ： 20.0億円（21.0億円）」
    ("003", 381, "サイバーセキュリティ経済基盤構築事業", 2020, I, D, 2_000_000_000, False),
    ("003", 381, "サイバーセキュリティ経済基盤構築事業", 2019, I, E, 2_100_000_000, False),
    ("003", 390, "サイバー・フィジカル・セキュリティ対策促進事業", 2020, I, D, 450_000_000, False),
    ("003", 390, "サイバー・フィジカル・セキュリティ対策促進事業", 2019, I, E, 350_000_000, False),
    ("003", 398, "産業系サイバーセキュリティ推進事業", 2020, I, D, 1_930_000_000, False),
    ("003", 398, "産業系サイバーセキュリティ推進事業", 2019, I, E, 1_930_000_000, False),
    ("003", 429, "システム・ネットワークの充実・強化", 2020, I, D, 19_680_000_000, False),
    ("003", 436, "サイバーに関する最新技術の活用", 2020, I, D, 4_510_000_000, False),
    # 003:464-466 untitled 「個人情報保護委員会」 page: the commission's only row (003:38-42)
    ("003", 466, "特定個人情報（マイナンバーをその内容に含む個人情報）に係るセキュリティの確保を図るための委員会における監視・監督体制の拡充及び強化", 2020, I, D, 1_630_000_000, False),
    ("003", 513, "金融業界横断的なサイバーセキュリティ演習の実施", 2020, I, D, 80_000_000, False),  # 「0.８億円（令和元年度当初予算：0.7億円）」
    ("003", 513, "金融業界横断的なサイバーセキュリティ演習の実施", 2019, I, E, 70_000_000, False),
    # 003:605-607 「… 令和２年度予算政府案：３３．９億円 / （令和２年度予算概算要求：３４．１億円）」: the request is REQUEST
    ("003", 605, "情報セキュリティ対策の一層の強化を図り、安全・安心で国民に信頼される情報システム構築に向けた取組", 2020, I, D, 3_390_000_000, False),
    ("003", 607, "情報セキュリティ対策の一層の強化を図り、安全・安心で国民に信頼される情報システム構築に向けた取組", 2020, I, R, 3_410_000_000, False),
    # 003:638-639 「令和２年度予算政府案：0.5億円 （令和元年度当初予算：０.5億円）」
    ("003", 638, "国土交通省（CSIRT等）や所管重要インフラ事業者における情報セキュリティ対策の強化", 2020, I, D, 50_000_000, False),
    ("003", 639, "国土交通省（CSIRT等）や所管重要インフラ事業者における情報セキュリティ対策の強化", 2019, I, E, 50_000_000, False),
]

# Lines whose amounts are NOT a measure's figure (sub-items, totals, unlabelled, garbled); each must
# yield a warning and no figure.
NOT_FIGURES = [
    ("000", 467),  # 「１ 厚生労働省及び関係機関における情報セキュリティ対策の推進 １９．７億円（１８．１億円）」: sub-item
    ("000", 469),  # 「２ 重要インフラの情報セキュリティに関する取組の強化 １２．５億円（ １．４億円）」: sub-item
    ("000", 489),  # 「令和７年度当初予算額 ： １５．３億円」: 外務省 total (table: 15.0 + 0.3)
    ("000", 490),  # 「令和６年度補正予算額 ： ２．２億円」 printed with that total
    ("000", 1330),  # 「令和７年度予算額 74百万円」 under the 強化 title: the table prints ― for 強化 (000:24)
    ("000", 1331),
    ("000", 1333),  # 「令和６年補正① 296百万円」 in the same block of lines
    ("000", 1334),  # 「令和６年補正② 193百万円」
    ("000", 1583),  # 「学校DX戦略アドバイザー リーディングDXスクール 令和６年度補正予算額 ２億円」: sub-item
    ("001", 303),  # 「２５．７億円」 unlabelled sub-item amount
    ("001", 366),  # 「令和５年度予算政府案額 ：７．２億円」 under a two-title line: the 外務省 total
    ("001", 912),  # 「【主な経費】 地方公共団体の…に要する経費 ０．７億円<…>」: a sub-item's cost
    ("001", 1218),  # 「令和５年度予算政府案 12.7億」: no 円, unreadable
    ("002", 218),  # IoT page without its title (002:189-219): 「令和6年度予算額1,584百万円」
    ("002", 219),
    ("002", 374),  # under 「## 1 厚生労働省及び関係機関における…推進」: sub-item
    ("002", 385),  # under 「## 2 重要インフラの…」
    ("002", 386),
    ("002", 483),  # 「## 外務省サイバーセキュリティ施策」 total 7.5
    ("002", 484),
    ("002", 624),  # 「【主な経費】 …に要する経費 令和6年度予算額 74百万円」
    ("002", 625),  # its continuation 「(令和5年度予算額 74百万円)」
    ("002", 763),  # 「## ○国土交通省（CSIRT等）…」 not a FY2024 table row: sum of two rows
    ("002", 957),  # under 「#### リーディングDXスクール」 in 「### ○GIGAスクール構想の加速化事業」
    ("003", 88),  # 「ＩＴ室への情報システム関係予算一括計上分を含めた場合 ２４．６億円」
    ("003", 102),  # 「○GSOCシステムの構築【新】 ２８．９億円」: sub-item of the NISC budget
    ("003", 157),  # 「※上記のほか、…運営経費等として、5．6億円（令和２年度当初予算案）」
    ("003", 249),  # 「（３） サイバーセキュリティ情報共有推進事業 ３．６億円<…>」: not a table row
    ("003", 292),  # 「…検討に要する経費 １．０億円 <…>」
    ("003", 309),  # 「令和元年度当初予算 ：６．０億円」: 外務省 total under two titles
    ("003", 310),
    ("003", 364),  # 「○セキュリティに係る情報共有や対策促進（IPA交付金） ： 58.5億円の内数」
    ("003", 371),  # 「○中小企業サイバーセキュリティ対策支援促進事業 ： 4.0億円（新規）」
    ("003", 569),  # 「【令和２年度予算政府案：０．６億円（０．３億円）】」: sub-item before the title (003:601)
    ("003", 582),
    ("003", 592),
    ("003", 630),  # 「３２．９億円（ ３３．１億円）」 unlabelled sub-item amount
]


def _key(r: BudgetFigure) -> tuple:
    return (r.source.line, r.scope, r.fiscal_year, r.budget, r.status, r.yen, r.inclusive)


@pytest.mark.parametrize("fact", FIGURES, ids=lambda f: f"{f[0]}:{f[1]}:{f[3]}{f[4].value[0]}")
def test_figure(fact) -> None:
    key, line, scope, year, kind, status, yen, inclusive = fact
    found = [_key(r) for r in of_type(key, BudgetFigure)]
    assert (line, scope, year, kind, status, yen, inclusive) in found, [f for f in found if f[0] == line]


@pytest.mark.parametrize("fact", NOT_FIGURES, ids=lambda f: f"{f[0]}:{f[1]}")
def test_not_a_figure(fact) -> None:
    key, line = fact
    assert not [r for r in of_type(key, BudgetFigure) if r.source.line <= line <= r.source.end_line]
    assert [r for r in of_type(key, Warning_) if r.source.line <= line <= r.source.end_line]


def test_figures_are_exactly_the_checked_ones() -> None:
    """No figure beyond the hand-checked list: a new one must be checked and added."""
    for key in DOCS:
        checked = {f[1:] for f in FIGURES if f[0] == key}
        assert {_key(r) for r in of_type(key, BudgetFigure)} == checked


def test_subitem_amounts_never_go_to_the_parent() -> None:
    # The parent measures of sub-items whose amounts differ from the parent's figures.
    subitems = [
        ("000", "厚生労働省及び関係機関等における情報セキュリティ対策推進費", {1_970_000_000, 1_810_000_000, 1_250_000_000, 140_000_000}),  # 000:467-469
        ("002", "厚生労働省及び関係機関等における情報セキュリティ対策推進費", {2_900_000_000, 2_570_000_000, 140_000_000}),  # 002:374-385
        ("003", "内閣サイバーセキュリティセンター予算", {2_460_000_000, 2_890_000_000, 560_000_000, 70_000_000, 740_000_000}),  # 003:88-157
        ("003", "高等教育機関におけるセキュリティ人材の育成", {60_000_000, 690_000_000, 440_000_000, 30_000_000}),  # 003:569-592
        ("001", "地方公共団体の情報セキュリティ対策の推進", {70_000_000}),  # 001:912 (【主な経費】)
        ("002", "GIGAスクールにおける学びの充実", set()),  # 002:957 (no figure from that line at all)
    ]
    for key, parent, amounts in subitems:
        figures = [r for r in of_type(key, BudgetFigure) if r.scope == parent]
        assert not {r.yen for r in figures} & amounts, (key, parent)
    assert not [r for r in of_type("002", BudgetFigure) if r.source.line == 957]


_ERA = {"令和": 2018, "平成": 1988}


def _years_printed(text: str) -> set[int]:
    years = set()
    for m in re.finditer(r"(?<![0-9])(令和|平成)?\s*(元|[0-9]{1,2})\s*年", nfkc(text)):
        base = _ERA[m[1] or "令和"]
        years.add(base + (1 if m[2] == "元" else int(m[2])))
    return years


def _convention_notes(lines: list[str], line: int) -> str:
    """The 「金額は…」 / 「（）内は…」 notes printed within 20 lines of ``line``."""
    near = lines[max(0, line - 21) : line + 20]
    return "\n".join(t for t in near if "金額は" in t or "）内" in t)


@pytest.mark.parametrize("key", DOCS)
def test_no_figure_contradicts_its_own_text(key: str) -> None:
    lines = corpus_text(key).split("\n")
    figures = of_type(key, BudgetFigure)
    assert len(figures) >= 20
    for r in figures:
        text = "\n".join(lines[r.source.line - 1 : r.source.end_line])
        assert r.printed in text, r  # the amount is printed on the cited lines
        amount = parse_amount(r.printed)
        assert (amount.yen, amount.number, amount.unit) == (r.yen, r.number, r.unit), r
        years = _years_printed(text)
        if not years:  # a bare amount on a page that states 「金額は…」 / 「（）内は…」 (003:378-379)
            years = _years_printed(_convention_notes(lines, r.source.line))
        assert r.fiscal_year in years or r.fiscal_year + 1 in years or "前年度" in text, r
        if r.budget is S:
            assert "補正" in text, r
        assert (r.status is R) == ("概算要求" in text), r
        after = nfkc(text[text.index(r.printed) + len(r.printed):])
        assert r.inclusive == after.lstrip().startswith("の内数"), r


# -- attributes and plan periods -----------------------------------------------------
ATTRIBUTES = [
    # 000:248-252 (IoT page)
    ("000", 248, "IoTの安心・安全かつ適正な利用環境の構築", "事業主体", "国立研究開発法人情報通信研究機構（①の一部） 、民間企業（通信事業者、ベンダ 等）"),
    ("000", 249, "IoTの安心・安全かつ適正な利用環境の構築", "事業スキーム", "補助事業（①の一部）、実証事業（請負）、調査研究（請負） 等"),
    ("000", 250, "IoTの安心・安全かつ適正な利用環境の構築", "補助対象", "人件費、機器費 等"),
    ("000", 251, "IoTの安心・安全かつ適正な利用環境の構築", "補助率", "定額"),
    ("000", 252, "IoTの安心・安全かつ適正な利用環境の構築", "計画年度", "令和元年度～令和７年度"),
    # 000:368-372 (政府端末 page)
    ("000", 368, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "事業主体", "国立研究開発法人情報通信研究機構（NICT）"),
    ("000", 369, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "事業スキーム", "補助事業"),
    ("000", 371, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "補助率", "定額補助"),
    # 000:400-404 (CYNEX page), 000:589-593 (NCTC page), 000:1616-1620 (生成ＡＩ page)
    ("000", 402, "サイバーセキュリティ統合知的・人材育成基盤の構築", "補助対象", "機器購入費、環境構築費、運営費"),
    ("000", 589, "ナショナルサイバートレーニングセンターの強化", "事業主体", "国立研究開発法人情報通信研究機構（NICT）"),
    ("000", 593, "ナショナルサイバートレーニングセンターの強化", "計画年度", "平成26年度～令和７年度"),
    ("000", 1617, "生成ＡＩ等を活用したサイバーセキュリティ対策強化", "事業スキーム", "調査研究（請負①）、補助事業（②、③）、 実証事業（請負④）"),
    ("000", 1618, "生成ＡＩ等を活用したサイバーセキュリティ対策強化", "補助対象", "機器購入費、環境構築費、人件費"),
    # 002 (Markdown, 「- (事業主体) …」 and 「 (事業スキーム) …  」 forms)
    ("002", 228, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "事業主体", "国立研究開発法人情報通信研究機構(NICT)"),
    ("002", 230, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "補助対象", "機器購入費、環境構築費、運営費"),
    ("002", 255, "サイバーセキュリティ統合知的・人材育成基盤の構築", "事業スキーム", "補助事業"),
    ("002", 257, "サイバーセキュリティ統合知的・人材育成基盤の構築", "補助率", "定額補助"),
    ("002", 471, "ナショナルサイバートレーニングセンターの強化", "事業主体", "国立研究開発法人情報通信研究機構(NICT)"),
    ("002", 475, "ナショナルサイバートレーニングセンターの強化", "計画年度", "平成26年度～令和7年度"),
]

PERIODS = [
    ("000", 252, "IoTの安心・安全かつ適正な利用環境の構築", 2019, 2025),  # 「令和元年度～令和７年度」
    ("000", 372, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", 2022, 2025),  # 「令和４年度～令和７年度」
    ("000", 404, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2021, 2025),  # 「令和３年度～令和７年度」
    ("000", 593, "ナショナルサイバートレーニングセンターの強化", 2014, 2025),  # 「平成26年度～令和７年度」
    ("000", 1620, "生成ＡＩ等を活用したサイバーセキュリティ対策強化", 2024, 2025),  # 「令和６年度～令和７年度」
    ("002", 232, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", 2022, 2025),  # 「令和4年度～令和7年度」
    ("002", 258, "サイバーセキュリティ統合知的・人材育成基盤の構築", 2021, 2025),
    ("002", 475, "ナショナルサイバートレーニングセンターの強化", 2014, 2025),
]


@pytest.mark.parametrize("fact", ATTRIBUTES, ids=lambda f: f"{f[0]}:{f[1]}")
def test_attribute(fact) -> None:
    key, line, measure, label, value = fact
    assert MeasureAttribute(measure, label, value, SourceSpan(DOCS[key][0], line, line)) in of_type(key, MeasureAttribute)


@pytest.mark.parametrize("fact", PERIODS, ids=lambda f: f"{f[0]}:{f[1]}")
def test_plan_period(fact) -> None:
    key, line, measure, start, end = fact
    found = [(r.measure, r.start_year, r.end_year) for r in of_type(key, PlanPeriod) if r.source.line == line]
    assert found == [(measure, start, end)]


def test_attributes_of_an_untitled_page_are_warnings() -> None:
    # 002:212-216: the IoT page lost its title in the Markdown rendering (002:189 starts with 「●」)
    assert not [r for r in of_type("002", MeasureAttribute) if 212 <= r.source.line <= 216]
    warned = {r.source.line for r in of_type("002", Warning_) if r.message.startswith("attribute")}
    assert {212, 213, 214, 215, 216} <= warned


# -- legal bases -----------------------------------------------------------------------
BASIC_ACT = "サイバーセキュリティ基本法"
AUDIT = "各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト"  # 000:14, 001:14, 002:89
IAA_EVALUATION = "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託"  # 000:15
LEGAL = [
    # 000:242 「（電波法第103条の2第4項第12号に規定する事務）」
    ("000", 242, 242, "IoTの安心・安全かつ適正な利用環境の構築", "電波法", "103の2", "4", "12"),
    # 000:553-554 「サイバー / セキュリティ基本法第13条に基づき」 (the law name wraps)
    ("000", 553, 554, "政府機関情報セキュリティ横断監視・即応調整チームの運用", BASIC_ACT, "13", "", ""),
    # 000:574 「■サイバーセキュリティ基本法第十三条に基づき」 (kanji numerals)
    ("000", 574, 574, "政府機関情報セキュリティ横断監視・即応調整チームの運用", BASIC_ACT, "13", "", ""),
    # 001:491 「サイバーセキュリティ基本法第31条第1項」
    ("001", 491, 491, "独⽴⾏政法⼈及び指定法⼈におけるサイバーセキュリティ施策の評価委託", BASIC_ACT, "31", "1", ""),
    # 001:508 「一 第二十六条第一項第二号に掲げる事務」 on a page that names only the basic act
    ("001", 508, 508, "独⽴⾏政法⼈及び指定法⼈におけるサイバーセキュリティ施策の評価委託", BASIC_ACT, "26", "1", "2"),
    # 001:741 「第26条①３」 (①: paragraph 1, ３: item 3), the page names 「サイバーセキュリティ基本法」 at 001:727
    ("001", 741, 741, "サイバーセキュリティインシデントに係る調査", BASIC_ACT, "26", "1", "3"),
    ("001", 1339, 1339, "IoTの安⼼・安全かつ適正な利⽤環境の構築", "電波法", "103の2", "4", "12"),
    # 001:1346 「国立研究開発法人情報通信研究機構法に基づき」 (no article)
    ("001", 1346, 1346, "IoTの安⼼・安全かつ適正な利⽤環境の構築", "国立研究開発法人情報通信研究機構法", "", "", ""),
    ("002", 708, 708, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", BASIC_ACT, "31", "1", ""),
    ("002", 715, 715, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", BASIC_ACT, "31", "", ""),  # 「第三十一条」
    ("002", 743, 743, "サイバーセキュリティインシデントに係る調査", BASIC_ACT, "26", "1", "3"),  # 「第26条①3」
    # Articles printed under their caption without the law: the caption is the registry's caption
    # of that article of サイバーセキュリティ基本法 (inferred). 000:764-765 「※（所掌事務等） / 第26条①２」 and
    # 000:768-769 「※（事務の委託） / 第31条①により」 stand above both titles of a page shared by two
    # measures (000:801, 000:802): stated for each.
    ("000", 765, 765, AUDIT, BASIC_ACT, "26", "1", "2"),
    ("000", 765, 765, IAA_EVALUATION, BASIC_ACT, "26", "1", "2"),
    ("000", 769, 769, AUDIT, BASIC_ACT, "31", "1", ""),
    ("000", 769, 769, IAA_EVALUATION, BASIC_ACT, "31", "1", ""),
    ("001", 478, 478, AUDIT, BASIC_ACT, "26", "1", "2"),  # 001:477-478 「※（所掌事務等） / 第26条①２」
    ("002", 686, 686, AUDIT, BASIC_ACT, "26", "1", "2"),  # 002:685-686 「※（所掌事務等） / 第26条①2」
]
# Where the law is not printed with the article (the page names one law, or the caption gives it):
# the record says why. Everywhere else the law is printed.
LEGAL_INFERRED = {("000", 765), ("000", 769), ("001", 478), ("001", 505), ("001", 508), ("001", 741),
                  ("002", 686), ("002", 715), ("002", 717), ("002", 743)}
# Article references whose page names no law and prints no caption: warnings, never a guess of the law.
LEGAL_WARNINGS = [("000", 1478), ("000", 1480)]


@pytest.mark.parametrize("fact", LEGAL, ids=lambda f: f"{f[0]}:{f[1]}")
def test_legal_basis(fact) -> None:
    key, line, end, measure, law, article, para, item = fact
    found = [(r.measure, squash(r.law), r.article, r.paragraph, r.item) for r in of_type(key, LegalBasis)
             if (r.source.line, r.source.end_line) == (line, end)]
    assert (measure, law, article, para, item) in found, found


def test_inferred_laws_say_why() -> None:
    inferred = {(key, r.source.line) for key in DOCS for r in of_type(key, LegalBasis) if r.inference}
    assert inferred == LEGAL_INFERRED
    for key in DOCS:
        for r in of_type(key, LegalBasis):
            if r.inference:
                assert r.inference.startswith("law not printed with the article: "), r
                assert "the page names one law" in r.inference or "its caption 「" in r.inference, r


@pytest.mark.parametrize("fact", LEGAL_WARNINGS, ids=lambda f: f"{f[0]}:{f[1]}")
def test_unnamed_law_is_a_warning(fact) -> None:
    key, line = fact
    assert not [r for r in of_type(key, LegalBasis) if r.source.line == line]
    assert [r for r in of_type(key, Warning_) if r.source.line == line and "without a law" in r.message]


# -- funding flows ---------------------------------------------------------------------
FLOWS = [
    # 000:221 「国 補助 独立行政法人情報処理推進機構(IPA)」
    ("000", 221, "産業サイバーセキュリティ対策の強化に向けた環境整備事業", "独立行政法人情報処理推進機構", "補助"),
    # 000:228 「民間企業等国 委託」
    ("000", 228, "産業サイバーセキュリティ対策の強化に向けた環境整備事業", "民間企業等", "委託"),
    # 000:248-249 事業主体 「…情報通信研究機構（①の一部）」 with 事業スキーム 「補助事業（①の一部）」
    ("000", 248, "IoTの安心・安全かつ適正な利用環境の構築", "国立研究開発法人情報通信研究機構", "補助"),
    ("000", 368, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "国立研究開発法人情報通信研究機構", "補助"),
    ("000", 589, "ナショナルサイバートレーニングセンターの強化", "国立研究開発法人情報通信研究機構", "補助"),
    # 000:985-986 「（独）情報処理推進機構国 / 交付金」
    ("000", 985, "政府情報システムのためのセキュリティ評価事業", "（独）情報処理推進機構", "交付金"),
    # 000:1001 「専門性を有する民間事業者等に委託。」
    ("000", 1001, "政府情報システムのためのセキュリティ評価事業", "民間事業者等", "委託"),
    # 000:1616-1617 「…情報通信研究機構（②、③）」 with 「補助事業（②、③）」
    ("000", 1616, "生成ＡＩ等を活用したサイバーセキュリティ対策強化", "国立研究開発法人情報通信研究機構", "補助"),
    # 001:189 「委託 ⺠間企業等国」
    ("001", 189, "産業サイバーセキュリティ強靭化事業", "⺠間企業等", "委託"),
    # 001:193-198 「交付⾦ / 独⽴⾏政法⼈情報処理推進機構(IPA) / （２） / 国」
    ("001", 193, "産業サイバーセキュリティ強靭化事業", "独⽴⾏政法⼈情報処理推進機構", "交付金"),
    # 001:276-277 「補助（定額） / 国 独⽴⾏政法⼈情報処理推進機構(IPA)」
    ("001", 276, "中⼩企業サイバーセキュリティ対策促進事業", "独⽴⾏政法⼈情報処理推進機構", "補助"),
    # 001:347 「委託 ⺠間専⾨機関国」
    ("001", 347, "サイバーセキュリティ経済基盤構築事業", "⺠間専⾨機関", "委託"),
    # 001:496-497 「(独)情報処理 / 推進機構(ＩＰＡ)に委託して実施します」
    ("001", 496, "独⽴⾏政法⼈及び指定法⼈におけるサイバーセキュリティ施策の評価委託", "(独)情報処理推進機構", "委託"),
    # 001:832-833 「政令で指定されたJPCERTコーディネーションセンターに委託して実施」
    ("001", 833, "サイバーセキュリティ協議会の運⽤", "JPCERTコーディネーションセンター", "委託"),
    ("002", 228, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業", "国立研究開発法人情報通信研究機構", "補助"),
    ("002", 471, "ナショナルサイバートレーニングセンターの強化", "国立研究開発法人情報通信研究機構", "補助"),
    ("002", 647, "サイバーセキュリティ協議会の運用", "JPCERTコーディネーションセンター", "委託"),
    # 002:708 「（独）情報処理推進機構（IPA）に委託して実施します」
    ("002", 708, "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託", "（独）情報処理推進機構", "委託"),
    # 003:398 「○産業系サイバーセキュリティ推進事業（IPA交付金）」
    ("003", 398, "産業系サイバーセキュリティ推進事業", "IPA", "交付金"),
]
# Scheme instruments whose recipient the garbled box leaves ambiguous: warned, no flow.
FLOW_WARNINGS = [
    ("000", 216),  # 「国 交付」: the recipient IPA is fifteen lines away (000:231)
    ("000", 223),  # 「国 委託 / (1)－① / 民間専門機関」
    ("000", 994),  # 「（独）情報処理推進機構 民間事業者等国 / 交付金」: two recipients
    ("001", 349),  # 「交付⾦ / 国」 with IPA seven lines down
    ("003", 364),  # 「（IPA交付金）」 of a sub-item that is not a table row
]


@pytest.mark.parametrize("fact", FLOWS, ids=lambda f: f"{f[0]}:{f[1]}")
def test_funding_flow(fact) -> None:
    key, line, measure, recipient, instrument = fact
    found = [(r.measure, r.funder, r.recipient, r.instrument) for r in of_type(key, FundingFlow) if r.source.line == line]
    assert (measure, "国", recipient, instrument) in found, found


@pytest.mark.parametrize("fact", FLOW_WARNINGS, ids=lambda f: f"{f[0]}:{f[1]}")
def test_ambiguous_flow_is_a_warning(fact) -> None:
    key, line = fact
    assert not [r for r in of_type(key, FundingFlow) if r.source.line <= line <= r.source.end_line]
    assert [r for r in of_type(key, Warning_) if r.source.line == line and ("funding" in r.message)]


def test_markdown_scheme_without_recipient_gives_no_flow() -> None:
    # 002:166-169 「(1) サプライチェーン・サイバーセキュリティ対策基盤構築(委託)」 「(2) …(交付金)」: no recipient printed
    assert not [r for r in of_type("002", FundingFlow) if 150 <= r.source.line <= 188]


# -- programmes ------------------------------------------------------------------------
NICT = "国立研究開発法人情報通信研究機構"
PROGRAMS = [
    ("000", 191, "SECURITY ACTION制度", "", "産業サイバーセキュリティ対策の強化に向けた環境整備事業"),
    # 000:327 「…実証事業を実施（CYXROSSプロジェクト）」; operator: the page's only 事業主体 (000:368)
    ("000", 327, "CYXROSSプロジェクト", NICT, "政府端末情報を活用したサイバーセキュリティ情報の収集・分析に係る実証事業"),
    # 000:393 「共通基盤（CYNEX）を国立研究開発法人情報通信研究機構（NICT）に構築」
    ("000", 393, "CYNEX", NICT, "サイバーセキュリティ統合知的・人材育成基盤の構築"),
    # 000:583-584 「国立研究開発 / 法人 情報通信研究機構（NICT）に設置した「ナショナルサイバートレーニングセンター」」
    ("000", 584, "ナショナルサイバートレーニングセンター", "国立研究開発法人 情報通信研究機構", "ナショナルサイバートレーニングセンターの強化"),
    ("000", 595, "CYDER（実践的サイバー防御演習）", NICT, "ナショナルサイバートレーニングセンターの強化"),  # 000:595
    ("000", 714, "SecHack365", NICT, "ナショナルサイバートレーニングセンターの強化"),  # 000:714
    ("000", 967, "ISMAP", "", "政府情報システムのためのセキュリティ評価事業"),
    ("001", 205, "CYNEX", NICT, "サイバーセキュリティ統合知的・⼈材育成基盤の構築"),
    # 001:333-334 「独⽴⾏政法⼈情報処理推進機構(IPA) / のサイバーレスキュー隊」
    ("001", 334, "サイバーレスキュー隊", "独⽴⾏政法⼈情報処理推進機構", "サイバーセキュリティ経済基盤構築事業"),
    ("001", 1199, "ナショナルサイバートレーニングセンター", NICT, "ナショナルサイバートレーニングセンターの強化"),
    ("001", 1209, "SecHack365", "", "ナショナルサイバートレーニングセンターの強化"),
    ("002", 419, "サイバーレスキュー隊", "独立行政法人情報処理推進機構", "サイバーセキュリティ経済基盤構築事業"),
    ("002", 457, "CIDLE", NICT, "ナショナルサイバートレーニングセンターの強化"),  # 002:457, 事業主体 002:471
    ("002", 284, "サイバーセキュリティお助け隊サービス", "", "サプライチェーン・中小企業サイバーセキュリティ対策促進事業"),
    ("003", 384, "サイバーレスキュー隊", "IPA", "サイバーセキュリティ経済基盤構築事業"),  # 003:384 「IPAのサイバーレスキュー隊」
    # 003:400 「IPAに設置する「産業サイバーセキュリティセンター」」
    ("003", 400, "産業サイバーセキュリティセンター", "IPA", "産業系サイバーセキュリティ推進事業"),
    # 003:258-259 「NICT / の「ナショナルサイバートレーニングセンター」」, before the page's two titles (003:262)
    ("003", 259, "ナショナルサイバートレーニングセンター", "NICT", ""),
    ("003", 511, "金融業界横断的なサイバーセキュリティ演習", "", "金融業界横断的なサイバーセキュリティ演習の実施"),
]


@pytest.mark.parametrize("fact", PROGRAMS, ids=lambda f: f"{f[0]}:{f[1]}")
def test_program(fact) -> None:
    key, line, program, operator, measure = fact
    found = [(r.program, r.operator, r.measure) for r in of_type(key, ProgramMention) if r.source.line == line]
    assert (program, operator, measure) in found, found


# -- every record resolves in the registry ----------------------------------------------
@pytest.mark.parametrize("key", DOCS)
def test_names_resolve_in_the_registry(key: str) -> None:
    from policykg.registry import Kind

    reg = registry()
    for r in of_type(key, ProgramMention):
        assert reg.find(Kind.PROGRAM, r.program) is not None, r
        if r.operator:
            assert reg.find(Kind.BODY, r.operator) or reg.find(Kind.AGENCY, r.operator), r
    for r in of_type(key, FundingFlow):
        assert reg.find(Kind.BODY, r.recipient) is not None, r
    for r in of_type(key, LegalBasis):
        assert reg.find(Kind.LAW, r.law) is not None, r


def test_fact_counts_per_document() -> None:
    """Guard: each document keeps at least 40 hand-checked facts in this file."""
    facts = FIGURES + NOT_FIGURES + ATTRIBUTES + PERIODS + LEGAL + LEGAL_WARNINGS + FLOWS + FLOW_WARNINGS + PROGRAMS
    counts = {key: sum(1 for f in facts if f[0] == key) for key in DOCS}
    assert all(n >= 40 for n in counts.values()), counts


# -- golden excerpts -------------------------------------------------------------------
def _as_dict(r) -> dict:
    out = {"type": type(r).__name__}
    for name, value in r.__dict__.items():
        if name == "source":
            out[name] = [value.line, value.end_line]
        elif hasattr(value, "value"):
            out[name] = value.value
        else:
            out[name] = value
    return out


def golden_cases() -> list[Path]:
    return sorted(GOLDEN.glob("*/*.txt"))


def test_golden_case_count() -> None:
    cases = golden_cases()
    assert len(cases) == 8
    assert {p.parent.name for p in cases} == set(DOCS)


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden(case: Path) -> None:
    key = case.parent.name
    doc, _, _, columns = DOCS[key]
    text = case.read_text(encoding="utf-8")
    n = len(text.split("\n"))
    measures = table_measures(text, doc, 1, n)
    got = [_as_dict(r) for r in parse_measure_pages(text, doc, measures=measures, columns=columns, registry=registry())]
    expected = json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))
    assert got == expected


# -- robustness --------------------------------------------------------------------------
def _corpus_lines() -> list[str]:
    return [line for key in DOCS for line in corpus_text(key).split("\n")]


def test_shuffled_pages_never_raise_and_cite_their_text() -> None:
    """Pages rearranged from real lines (as another edition might print them): no exception,
    and every figure's amount is still printed on the lines it cites."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pool = _corpus_lines()
    doc, _, (first, last), columns = DOCS["000"]
    measures = table_measures(corpus_text("000"), doc, first, last)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from(pool), min_size=1, max_size=120))
    def check(lines: list[str]) -> None:
        text = "\n".join(lines)
        for r in parse_measure_pages(text, doc, measures=measures, columns=columns, registry=registry()):
            assert 1 <= r.source.line <= r.source.end_line <= len(lines)
            if isinstance(r, BudgetFigure):
                assert r.printed in "\n".join(lines[r.source.line - 1 : r.source.end_line])

    check()


@pytest.mark.parametrize("key", DOCS)
def test_cut_pages_yield_no_new_figures(key: str) -> None:
    """A window of the pages (a page cut at its top, as a truncated extraction would) never
    yields a figure the whole document does not: losing context loses figures, never invents."""
    doc, _, (first, last), columns = DOCS[key]
    lines = corpus_text(key).split("\n")
    full = {_key(r) for r in of_type(key, BudgetFigure)}
    head = lines[first - 1 : last] + ["", "", ""]
    windows = 0
    for start in range(last, len(lines), 53):
        for length in (40, 200):
            text = "\n".join(head + lines[start : start + length])
            measures = table_measures(text, doc, 1, len(head))
            offset = start - len(head)
            for r in parse_measure_pages(text, doc, measures=measures, columns=columns, registry=registry()):
                if isinstance(r, BudgetFigure):
                    assert (r.source.line + offset, *_key(r)[1:]) in full, r
            windows += 1
    assert windows >= 20
