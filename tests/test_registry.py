"""The entity registry: real printed variants from the corpus resolve, bad data is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policykg.errors import RegistryError, UnknownEntityError
from policykg.normalize import nfkc
from policykg.registry import Entity, Kind, Registry, lookup_key

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = {
    "000": "000_b360cdfc8cdc379a.txt",
    "001": "001_feb53fcdf8afa2d7.txt",
    "002": "002_1a1f949df8b9b077.txt",
    "003": "003_ddf944621e8ed638.txt",
    "004": "004_ed65d1af5f6a924e.txt",
}


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.load()


def line(doc: str, number: int) -> str:
    return (CORPUS / FILES[doc]).read_text(encoding="utf-8").split("\n")[number - 1]


# --- resolution of printed variants ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "printed", "key"),
    [
        (Kind.AGENCY, "経済産業省", "meti"),  # 000:3
        (Kind.AGENCY, "経産省", "meti"),  # 004:102
        (Kind.AGENCY, "厚⽣労働省", "mhlw"),  # 001:11, Kangxi ⽣
        (Kind.AGENCY, "厚生労" + "働省", "mhlw"),  # 000:103-105 split over lines
        (Kind.AGENCY, "国⼟交通省", "mlit"),  # 001:55, Kangxi ⼟
        (Kind.AGENCY, "⾦融庁", "fsa"),  # 001:21, Kangxi ⾦
        (Kind.AGENCY, "⽂部科学省", "mext"),  # 001:53, Kangxi ⽂
        (Kind.AGENCY, "個人情報保護委", "ppc"),  # 003:40
        (Kind.AGENCY, "NISC", "nisc"),  # 000:91
        (Kind.AGENCY, "こども家庭庁", "cfa"),  # 000:20
        (Kind.BODY, "（国研）情報通信研究機構", "nict"),  # 000:348
        (Kind.BODY, "国立研究開発法人情報通信研究機構", "nict"),  # 000:248
        (Kind.BODY, "（独）情報処理推進機構", "ipa"),  # 000:985
        (Kind.BODY, "独⽴⾏政法⼈情報処理推進機構", "ipa"),  # 001:194, Kangxi
        (Kind.BODY, "JPCERT/ CC", "jpcert-cc"),  # 001:881
        (Kind.BODY, "民間専門機関", "private-contractors"),  # 000:226
        (Kind.BODY, "民間企業等", "private-contractors"),  # 000:228
        (Kind.PROGRAM, "CYDER (実践的サイバー防御演習)", "cyder"),  # 002:444
        (Kind.PROGRAM, "政府関係機関情報セキュリティ横断監視・即応調整チーム", "gsoc"),  # 000:554
        (Kind.PROGRAM, "政府機関情報セキュリティ横断監視・即応調整チーム", "gsoc"),  # 000:11
        (Kind.PROGRAM, "J-CRAT", "j-crat"),  # 001:334
        (Kind.LAW, "サイバーセキュリティ基本法", "cybersecurity-basic-act"),  # 000:574
        (Kind.LAW, "電波法", "radio-act"),  # 000:242
        (Kind.MEASURE, "産業サイバーセキュリティ強靭化事業", "meti-industrial-cybersecurity-resilience"),
        (Kind.MEASURE, "産業サイバーセキュリティ強靱化事業", "meti-industrial-cybersecurity-resilience"),
        (Kind.MEASURE, "リスク管理枠組み (RMF) の導入", "mod-rmf"),  # 002:109
        (Kind.MEASURE, "リスク管理枠組み（RMF）の導⼊", "mod-rmf"),  # 001:43
        (Kind.MEASURE, "生成ＡＩ等を活用したサイバーセキュリティ対策強化", "mic-generative-ai-cybersecurity"),
        (Kind.MEASURE, "国交通省所管事業者等への情報セキュリティ対策経費", "mlit-operators-security-expenses"),
        (Kind.MEASURE, "サイバーセキュリティ確保環境整備費（セキュリティ・危機管理担当）",  # 000:1152 page title
         "digital-agency-cybersecurity-environment"),
        (Kind.MEASURE, "サプライチェーンリスク対応のための技術検証体制構築",  # 002:1002 page title
         "cas-supply-chain-risk-verification-survey"),
        (Kind.MEASURE, "生成ＡＩを活用したフィッシングサイト判定の高度化・効率化", "npa-phishing-site-detection"),  # 000:1366
        (Kind.PROGRAM, "IPA産業サイバーセキュリティセンター", "icscoe"),  # 004:1101
        (Kind.PROGRAM, "産業サイバーセキュリティセンター", "icscoe"),  # 003:400
        (Kind.PROGRAM, "サイバーレスキュー隊", "j-crat"),  # 003:384
        (Kind.PROGRAM, "第二GSOC", "second-gsoc"),  # 002:346
        (Kind.BODY, "タイNational Cyber Security Agency(NCSA)", "thai-ncsa"),  # 004:1126
        (Kind.LAW, "サイバー対処能力法", "cyber-response-capability-act"),  # 004:579
        (Kind.LAW, "改正地方自治法", "local-autonomy-act"),  # 000:1304
        (Kind.AGENCY, "国家サイバー統括室", "nco"),  # 004:46
        (
            Kind.MEASURE,
            "国土交通省（CSIRT等）や所管重要インフラ事業者における情報セキュリティ対策の強化",  # 003:54
            "mlit-csirt-and-operators-security",
        ),
    ],
)
def test_resolve_printed_variants(reg: Registry, kind: Kind, printed: str, key: str) -> None:
    assert reg.resolve(kind, printed).key == key


def test_kangxi_name_read_from_corpus_line(reg: Registry) -> None:
    # 001:11 【厚⽣労働省】厚⽣労働省及び関係機関等における情報セキュリティ対策推進費 27.1 億円
    text = line("001", 11)
    agency, name = re.match(r"【(.+?)】(\S+)", text).groups()
    assert agency != "厚生労働省"  # the printed code points are Kangxi radicals
    assert reg.resolve(Kind.AGENCY, agency).label_ja == "厚生労働省"
    assert reg.resolve(Kind.MEASURE, name).key == "mhlw-information-security-promotion"


def test_unknown_name_shows_normalised_key(reg: Registry) -> None:
    with pytest.raises(UnknownEntityError) as info:
        reg.resolve(Kind.AGENCY, "その他")  # 000:112 share-chart residue, not an agency
    assert info.value.key == "その他"
    assert "その他" in str(info.value)
    with pytest.raises(UnknownEntityError) as info:
        reg.resolve(Kind.BODY, "ＩＰＡＤ")
    assert info.value.key == "ipad"
    assert reg.find(Kind.AGENCY, "その他") is None


def test_get_by_key(reg: Registry) -> None:
    nisc = reg.get(Kind.AGENCY, "nisc")
    assert nisc.label_ja == "内閣サイバーセキュリティセンター"
    assert reg.parent_of(nisc).key == "cas"
    with pytest.raises(UnknownEntityError):
        reg.get(Kind.AGENCY, "nope")


def test_lookup_key_folds_variants() -> None:
    assert lookup_key("強靱") == lookup_key("強靭")
    assert lookup_key("サプライチェーン･中小企業") == lookup_key("サプライチェーン・中小企業")
    assert lookup_key(" ＩｏＴ の 安心 ") == "iotの安心"


# --- scan ------------------------------------------------------------------------


def test_scan_finds_programmes_in_corpus_line(reg: Registry) -> None:
    # 000:348 "NICTER（国研）情報通信研究機構"
    text = line("000", 348)
    found = [(e.key, nfkc(text)[s:t]) for e, s, t in reg.scan(Kind.PROGRAM, text)]
    assert found == [("nicter", "NICTER")]
    bodies = [(e.key, nfkc(text)[s:t]) for e, s, t in reg.scan(Kind.BODY, text)]
    assert bodies == [("nict", "(国研)情報通信研究機構")]  # longest alias wins


def test_scan_programmes_of_a_page(reg: Registry) -> None:
    # 000:327 "…（NICT）の能力を活用して分析する実証事業を実施（CYXROSSプロジェクト）。"
    keys = [e.key for e, _, _ in reg.scan(Kind.PROGRAM, line("000", 327))]
    assert keys == ["cyxross"]
    # 001:334 "のサイバーレスキュー隊（J-CRAT※2）により、…"
    hits = reg.scan(Kind.PROGRAM, line("001", 334))
    assert [e.key for e, _, _ in hits] == ["j-crat", "j-crat"]


def test_scan_prefers_the_longer_programme(reg: Registry) -> None:
    # 004:107 "⑥ **セキュリティ・キャンプ コネクト**で、…": the camp itself is not found inside
    hits = reg.scan(Kind.PROGRAM, line("004", 107))
    assert [e.key for e, _, _ in hits] == ["security-camp-connect"]


def test_nisc_is_not_merged_with_the_national_cybersecurity_office(reg: Registry) -> None:
    # NISC (000:91) and 国家サイバー統括室 (004:46) are not linked: the corpus does not say so
    assert reg.get(Kind.AGENCY, "nco").parent == "cas"
    assert reg.find(Kind.AGENCY, "国家サイバー統括室") != reg.find(Kind.AGENCY, "NISC")


def test_scan_ascii_boundaries(reg: Registry) -> None:
    assert reg.scan(Kind.BODY, "IPAD と NICTER") == []
    hits = reg.scan(Kind.BODY, "IPAとNICTが")
    assert [(e.key, s, t) for e, s, t in hits] == [("ipa", 0, 3), ("nict", 4, 8)]


def test_scan_offsets_are_into_nfkc_text(reg: Registry) -> None:
    text = "（独）情報処理推進機構"  # 000:985, full-width brackets
    [(entity, start, end)] = reg.scan(Kind.BODY, text)
    assert entity.key == "ipa"
    assert nfkc(text)[start:end] == "(独)情報処理推進機構"


# --- areas -----------------------------------------------------------------------


def test_areas_by_edition_number_and_label(reg: Registry) -> None:
    # 003:710 (FY2020, 2018 strategy) and 000:8 (FY2025, 2021 strategy)
    assert reg.area("2018", 2, "国民が安全で安心して暮らせる社会の実現").key == "s2018-2"
    assert reg.area("2021", 2, "国民が安全で安心して暮らせるデジタル社会の実現").key == "s2021-2"
    # 001:136: the FY2023 chart prints the shorter wording for the 2021 area
    assert reg.area("2021", 2, "国⺠が安全で安⼼して暮らせる社会の実現").key == "s2021-2"
    # 001:142-144 (5)推進体制 (6)その他; 000:171 (5)その他 is kept apart
    assert reg.area("2021", 5, "推進体制").key == "s2021-5"
    assert reg.area("2021", 6, "その他").key == "s2021-6"
    assert reg.area("2021", 5, "その他").key == "s2021-5-other"
    # 000:169 prints a half-width closing bracket
    assert reg.area("2021", 4, "横断的施策（人材育成等)").key == "s2021-4"
    with pytest.raises(UnknownEntityError):
        reg.area("2021", 1, "推進体制")
    with pytest.raises(UnknownEntityError):
        reg.area("2018", 6, "その他")


def test_area_label_with_printed_number(reg: Registry) -> None:
    # 000:50 heading as printed, number prefix included
    label = "（３）国際社会の平和・安定及び我が国の安全保障への寄与"
    assert reg.area("2021", 3, label).key == "s2021-3"


# --- every summary-table row resolves -------------------------------------------

# (file, first line, last line) of the four NISC summary tables.
TABLES = [("000", 1, 59), ("001", 1, 56), ("002", 69, 118), ("003", 1, 56)]
_ROW = re.compile(r"\s*【(?P<agency>[^】]+)】\s*(?P<name>.+?)\s+(?:[\d.,]+\s*億円|[―—])")


def table_rows() -> list[tuple[str, int, str, str]]:
    rows = []
    for doc, first, last in TABLES:
        lines = (CORPUS / FILES[doc]).read_text(encoding="utf-8").split("\n")
        number = first
        while number <= last:
            text = nfkc(lines[number - 1])
            match = _ROW.match(text)
            if match is None and text.startswith("【") and "億円" not in text:
                # 003:38-42 and 003:48-52: agency, wrapped name, then amounts
                agency = text.strip()[1:-1]
                name_lines = []
                number += 1
                while "億円" not in lines[number - 1]:
                    name_lines.append(lines[number - 1].strip())
                    number += 1
                rows.append((doc, number, agency, "".join(name_lines)))
            elif match is not None:
                rows.append((doc, number, match["agency"], match["name"]))
            number += 1
    return rows


ROWS = table_rows()


def test_table_rows_collected() -> None:
    # FY2025 000:3-59: 4+19+4+3; FY2023 001:6-55: 3+11+6+6; FY2024 002:71-118: 6+15+6+4; FY2020 003:12-54: 18
    assert [sum(r[0] == d for r in ROWS) for d in ("000", "001", "002", "003")] == [30, 26, 31, 18]


@pytest.mark.parametrize(("doc", "number", "agency", "name"), ROWS)
def test_every_table_row_resolves(reg: Registry, doc: str, number: int, agency: str, name: str) -> None:
    measure = reg.resolve(Kind.MEASURE, name)
    assert measure.parent == reg.resolve(Kind.AGENCY, agency).key or (
        agency == "内閣官房" and measure.parent == "cas"
    )


def test_wrapped_ppc_row(reg: Registry) -> None:
    # 003:38-40 【個人情報保護委】 + a name wrapped over two lines
    assert line("003", 38) == "【個人情報保護委】"
    name = line("003", 39) + line("003", 40)
    assert reg.resolve(Kind.MEASURE, name).key == "ppc-my-number-supervision"


# --- data integrity --------------------------------------------------------------


def test_continuations_point_to_existing_measures(reg: Registry) -> None:
    links = {e.key: e.continues for e in reg.entities(Kind.MEASURE) if e.continues}
    for key, earlier in links.items():
        for other in earlier:
            assert reg.get(Kind.MEASURE, other).kind is Kind.MEASURE
    # 000:198-212: the FY2025 environment programme merges three METI measures
    assert set(links["meti-industrial-cybersecurity-environment"]) == {
        "meti-cybersecurity-economic-foundation",
        "meti-supply-chain-sme-cybersecurity-promotion",
        "meti-industrial-cybersecurity-resilience",
    }
    assert links["mic-national-cyber-training-center"] == ("mic-national-cyber-training-center-build",)
    assert [e.key for e in reg.continued_by("meti-sme-cybersecurity-promotion")] == [
        "meti-supply-chain-sme-cybersecurity-promotion"
    ]


def test_every_entity_cites_a_source(reg: Registry) -> None:
    for kind in Kind:
        for entity in reg.entities(kind):
            assert entity.sources, f"{kind.value} {entity.key} cites no source"


def test_cited_sources_exist(reg: Registry) -> None:
    docs = {
        "nisc-budget-fy2025": "000",
        "nisc-budget-fy2023": "001",
        "nisc-budget-fy2024": "002",
        "nisc-budget-fy2020": "003",
        "meti-icsws-wg3-10": "004",
    }
    sizes = {d: len((CORPUS / f).read_text(encoding="utf-8").split("\n")) for d, f in FILES.items()}
    for kind in Kind:
        for entity in reg.entities(kind):
            for source in entity.sources:
                doc, span = source.split(":")
                assert doc in docs, source
                last = int(span.split("-")[-1])
                assert 1 <= int(span.split("-")[0]) <= last <= sizes[docs[doc]], source


def test_cited_lines_name_the_entity(reg: Registry) -> None:
    """Each cited span prints a name of the entity, of its parent, or of a measure it continues."""
    docs = {"nisc-budget-fy2025": "000", "nisc-budget-fy2023": "001", "nisc-budget-fy2024": "002",
            "nisc-budget-fy2020": "003", "meti-icsws-wg3-10": "004"}
    texts = {d: (CORPUS / FILES[f]).read_text(encoding="utf-8").split("\n") for d, f in docs.items()}
    checked = 0
    for kind in Kind:
        for entity in reg.entities(kind):
            related = [entity]
            if entity.parent:
                related.append(reg.parent_of(entity))
            related += [reg.get(Kind.MEASURE, k) for k in entity.continues]
            names = {lookup_key(n) for e in related for n in e.names()}
            for source in entity.sources:
                doc, span = source.split(":")
                first, _, last = span.partition("-")
                cited = lookup_key("".join(texts[doc][int(first) - 1 : int(last or first)]))
                assert any(n in cited for n in names), f"{kind.value} {entity.key}: {source}"
                checked += 1
    assert checked >= 250


def test_measure_labels_are_printed(reg: Registry) -> None:
    """Every measure name and alias occurs in the corpus (NFKC, spaces and line breaks ignored)."""
    corpus = lookup_key("".join((CORPUS / f).read_text(encoding="utf-8") for f in FILES.values()))
    for entity in reg.entities(Kind.MEASURE):
        for name in (entity.label_ja, *entity.aliases):
            assert lookup_key(name) in corpus, f"{entity.key}: {name!r} is not printed"


def test_sorted_entities(reg: Registry) -> None:
    keys = [e.key for e in reg.entities(Kind.AGENCY)]
    assert keys == sorted(keys)
    assert "cas" in keys and "sonota" not in keys


# --- validation ------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_alias_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[agency]]\nkey = "a"\nlabel_ja = "経済産業省"\naliases = ["METI"]\nsources = ["x:1"]\n'
        '[[agency]]\nkey = "b"\nlabel_ja = "経産省"\naliases = ["ＭＥＴＩ"]\nsources = ["x:1"]\n',
    )
    with pytest.raises(RegistryError, match="meti"):
        Registry.load(path)


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[[agency]]\nkey = "a"\nlabel_ja = "甲"\n[[agency]]\nkey = "a"\nlabel_ja = "乙"\n')
    with pytest.raises(RegistryError, match="duplicate"):
        Registry.load(path)


def test_unknown_parent_and_continues_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[[measure]]\nkey = "m"\nlabel_ja = "甲"\nparent = "nobody"\n')
    with pytest.raises(RegistryError, match="nobody"):
        Registry.load(path)
    path = write(tmp_path, '[[measure]]\nkey = "m"\nlabel_ja = "甲"\ncontinues = ["gone"]\n')
    with pytest.raises(RegistryError, match="gone"):
        Registry.load(path)


def test_unknown_field_and_bad_source_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="unknown fields"):
        Registry.load(write(tmp_path, '[[body]]\nkey = "b"\nlabel_ja = "甲"\nparnet = "x"\n'))
    with pytest.raises(RegistryError, match="citation"):
        Registry.load(write(tmp_path, '[[body]]\nkey = "b"\nlabel_ja = "甲"\nsources = ["000 l.3"]\n'))


def test_entity_names() -> None:
    e = Entity(Kind.AGENCY, "meti", "経済産業省", "METI", ("経産省", "METI"))
    assert e.names() == ("経済産業省", "METI", "経産省")
