"""Every relation cites its line: document statements, registry links, legal bases.

A **relation** is a triple ``s p o`` of a document's named graph or of the registry graph
(not the ontology, not the ranks graph: policykg's reading of the figures) such that

* ``o`` is an entity IRI: ``id:agency/…``, ``id:body/…``, ``id:program/…``, ``id:law/…``,
  ``id:measure/…`` or ``id:area/…`` (registered or minted), and ``p`` is not ``rdf:type``;
* ``s`` is not a node that cites its own line (``pk:line`` on ``s`` in that graph: figures,
  shares, funding flows, programme facts, plan periods, measure attributes and the
  ``rdf:Statement`` nodes themselves are facts of one line, each with its source), and not
  the graph's ``pk:SourceDocument`` (its publisher is the manifest's metadata about the
  file, not a statement of the text).

So relations are links between entities (``measure pk:agency agency``, ``programme
pk:operatedBy body``, ``body org:subOrganizationOf agency``, ``measure pk:continues
measure`` …) and a legal basis's law (``basis pk:law law``). Each must have, in the same
graph, an ``rdf:Statement`` with the same subject, predicate and object that carries
``prov:wasDerivedFrom`` (a document of the build) and ``pk:line``/``pk:endLine`` inside
that document. Where the cited lines do not print the relation as such (a registry link
read from a page's structure, an article cited without its law), the statement is marked
``pk:inferred true`` with a ``pk:inferenceNote``. The facts below were read by hand in
``corpus/`` (000 = FY2025, 001 = FY2023, 002 = FY2024, 003 = FY2020, 004 = METI WG3).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

from policykg.graph.build import ONTOLOGY_GRAPH, REGISTRY_GRAPH, doc_iri, registry_graph
from policykg.graph.rank import RANKS_GRAPH
from policykg.namespace import ID, PK
from policykg.registry import Kind, Registry, lookup_key
from policykg.sources import load_manifest

ORG_SUB = URIRef("http://www.w3.org/ns/org#subOrganizationOf")
ENTITY_PREFIXES = tuple(str(ID[f"{kind.value}/"]) for kind in Kind)
MANIFEST = load_manifest()
TEXTS = {doc.id: doc.path.read_text(encoding="utf-8").split("\n") for doc in MANIFEST}


def is_entity(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(ENTITY_PREFIXES)


def relation_graphs(ds: Dataset) -> list[Graph]:
    return [g for g in ds.graphs() if g.identifier not in (ONTOLOGY_GRAPH, RANKS_GRAPH)
            and (g.identifier == REGISTRY_GRAPH or str(g.identifier).startswith(str(ID["doc/"])))]


def relations(g: Graph) -> set[tuple]:
    """The relations of one graph (see the module docstring)."""
    documents = set(g.subjects(RDF.type, PK.SourceDocument))
    cited = set(g.subjects(PK.line, None))
    # policykg's translation of a label (pk:LabelTranslation) is no relation and has no line: no document printed it
    translations = set(g.subjects(RDF.type, PK.LabelTranslation))
    return {(s, p, o) for s, p, o in g if p != RDF.type and is_entity(o) and s not in cited | documents | translations}


def statements(g: Graph) -> dict[tuple, list[dict]]:
    """Reified statements of one graph by (subject, predicate, object): their citations."""
    out: dict[tuple, list[dict]] = {}
    for st in g.subjects(RDF.type, RDF.Statement):
        key = (g.value(st, RDF.subject), g.value(st, RDF.predicate), g.value(st, RDF.object))
        doc = g.value(st, PROV.wasDerivedFrom)
        out.setdefault(key, []).append({
            "doc": str(doc).rsplit("/", 1)[-1] if doc is not None else None,
            "line": _int(g.value(st, PK.line)), "end": _int(g.value(st, PK.endLine)),
            "inferred": g.value(st, PK.inferred) == Literal(True),
            "note": str(g.value(st, PK.inferenceNote) or ""),
        })
    return out


def _int(term) -> int | None:
    return None if term is None else int(term)


def cites(ds: Dataset, graph: URIRef, s: URIRef, p: URIRef, o: URIRef) -> list[dict]:
    return statements(ds.graph(graph)).get((s, p, o), [])


def printed(doc: str, line: int, end: int) -> str:
    return lookup_key("".join(TEXTS[doc][line - 1 : end]))


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.load()


# -- the registry's links ------------------------------------------------------------


def test_registry_link_citations_name_both_ends(reg: Registry) -> None:
    """Each line cited for a registry link prints a name of the entity or of the target, and
    the lines cited for one link name both (the hand-found evidence cannot drift)."""
    checked = 0
    for kind in Kind:
        for e in reg.entities(kind):
            for link in e.links():
                target = reg.parent_of(e) if link.role == "parent" else reg.get(Kind.MEASURE, link.target)
                ends = [{lookup_key(n) for n in x.names()} for x in (e, target)]
                assert link.sources, f"{kind.value} {e.key} {link.role} {link.target}: no line cited"
                texts = []
                for source in link.sources:
                    doc, _, span = source.partition(":")
                    first, _, last = span.partition("-")
                    assert 1 <= int(first) <= int(last or first) <= len(TEXTS[doc]), source
                    texts.append(printed(doc, int(first), int(last or first)))
                    assert any(n in texts[-1] for names in ends for n in names), f"{e.key}: {source}"
                union = "".join(texts)
                assert all(any(n in union for n in names) for names in ends), f"{e.key} {link.role} {link.target}"
                checked += 1
    assert checked == 110


def test_a_programme_operator_cites_its_line(bundled_dataset: Dataset) -> None:
    """000:584 「法人 情報通信研究機構（NICT）に設置した「ナショナルサイバートレーニングセンター」において、」:
    the registry's link and the document's statement cite the same line, neither inferred."""
    s, o = ID["program/national-cyber-training-center"], ID["body/nict"]
    assert "ナショナルサイバートレーニングセンター" in TEXTS["nisc-budget-fy2025"][583]
    assert TEXTS["nisc-budget-fy2025"][583].startswith("法人 情報通信研究機構（NICT）に設置した")
    expected = {"doc": "nisc-budget-fy2025", "line": 584, "end": 584, "inferred": False, "note": ""}
    assert expected in cites(bundled_dataset, REGISTRY_GRAPH, s, PK.operatedBy, o)
    assert expected in cites(bundled_dataset, doc_iri("nisc-budget-fy2025"), s, PK.operatedBy, o)
    # and in the other editions: 001:1198-1199 (the sentence wraps), 002:442, 003:258-259
    assert {(c["doc"], c["line"], c["end"]) for c in cites(bundled_dataset, REGISTRY_GRAPH, s, PK.operatedBy, o)} == {
        ("nisc-budget-fy2025", 584, 584), ("nisc-budget-fy2023", 1198, 1199),
        ("nisc-budget-fy2024", 442, 442), ("nisc-budget-fy2020", 258, 259)}


def test_an_operator_read_from_the_page_is_marked_inferred(bundled_dataset: Dataset) -> None:
    """CYDER is part ① (000:595 「①CYDER（実践的サイバー防御演習）」) of the page of the centre NICT
    set up (000:584); no line says NICT runs CYDER: inferred, with the reason."""
    found = cites(bundled_dataset, REGISTRY_GRAPH, ID["program/cyder"], PK.operatedBy, ID["body/nict"])
    assert {(c["line"], c["inferred"]) for c in found} == {(584, True), (595, True)}
    assert all("Part ①" in c["note"] and "000:595" in c["note"] for c in found)
    assert TEXTS["nisc-budget-fy2025"][594].strip() == "①CYDER（実践的サイバー防御演習）"


def test_continues_cites_its_line(bundled_dataset: Dataset) -> None:
    """The FY2025 page 「産業サイバーセキュリティ対策の強化に向けた環境整備事業」 (000:175-176) lists
    「(3)産業サイバーセキュリティ強靭化事業」 (000:208) as its part: a merge the text does not call a
    continuation, so the link is inferred."""
    s, o = ID["measure/meti-industrial-cybersecurity-environment"], ID["measure/meti-industrial-cybersecurity-resilience"]
    assert TEXTS["nisc-budget-fy2025"][207].strip() == "(3)産業サイバーセキュリティ強靭化事業"
    assert TEXTS["nisc-budget-fy2025"][174].strip() == "産業サイバーセキュリティ対策の強化に向けた環境整備事業"
    found = cites(bundled_dataset, REGISTRY_GRAPH, s, PK.continues, o)
    assert {(c["doc"], c["line"], c["end"]) for c in found} == {("nisc-budget-fy2025", 175, 176),
                                                                 ("nisc-budget-fy2025", 208, 208)}
    assert all(c["inferred"] and "Part (3)" in c["note"] for c in found)


def test_sub_organisation_cites_its_line(bundled_dataset: Dataset) -> None:
    """004:1250 「内閣官房（デジタル行財政改革会議事務局、国家サイバー統括室）、総務省、…」: printed."""
    found = cites(bundled_dataset, REGISTRY_GRAPH, ID["agency/nco"], ORG_SUB, ID["agency/cas"])
    assert found == [{"doc": "meti-icsws-wg3-10", "line": 1250, "end": 1250, "inferred": False, "note": ""}]
    assert TEXTS["meti-icsws-wg3-10"][1249].startswith("内閣官房（デジタル行財政改革会議事務局、国家サイバー統括室）")
    # 防衛装備庁 → 防衛省: only listed side by side (004:46); the link is the curator's knowledge
    atla = cites(bundled_dataset, REGISTRY_GRAPH, ID["agency/atla"], ORG_SUB, ID["agency/mod"])
    assert [(c["line"], c["inferred"]) for c in atla] == [(46, True)]


def test_a_registered_measures_agency_cites_its_table_rows(bundled_dataset: Dataset) -> None:
    """「【内閣官房】政府機関情報セキュリティ横断監視・即応調整チームの運用 16.0億円 ― 9.8億円」 (000:11)."""
    found = cites(bundled_dataset, REGISTRY_GRAPH, ID["measure/cas-gsoc-operation"], PK.agency, ID["agency/cas"])
    assert found == [{"doc": "nisc-budget-fy2025", "line": 11, "end": 11, "inferred": False, "note": ""}]
    assert TEXTS["nisc-budget-fy2025"][10].startswith("【内閣官房】政府機関情報セキュリティ横断監視・即応調整チームの運用")


def test_a_link_without_a_line_is_reported(tmp_path: Path) -> None:
    """A registry link that cites no line (or only documents outside the build) is a build
    warning, never a silent uncited link."""
    path = tmp_path / "registry.toml"
    path.write_text('[[agency]]\nkey = "a"\nlabel_ja = "甲省"\nsources = ["doc-x:1"]\n'
                    '[[agency]]\nkey = "b"\nlabel_ja = "乙庁"\nparent = "a"\nsources = ["doc-x:2"]\n'
                    '[[agency]]\nkey = "c"\nlabel_ja = "丙庁"\nparent = "a"\nparent_sources = ["doc-y:3"]\n',
                    encoding="utf-8")
    g = Graph()
    warnings = registry_graph(g, Registry.load(path), cite={"doc-x"})
    assert [(w.document, w.kind, w.message, w.text) for w in warnings] == [
        ("registry", "registry-link", "agency b subOrganizationOf a: the registry cites no line for it", ""),
        ("registry", "registry-link",
         "1 registry link(s) cite only documents this build does not have: stated without a line",
         "agency c subOrganizationOf a"),
    ]
    assert (ID["agency/b"], ORG_SUB, ID["agency/a"]) in g
    assert not list(g.subjects(RDF.type, RDF.Statement))
    cited = Graph()
    assert registry_graph(cited, Registry.load(path), cite=None)[0].message.endswith("cites no line for it")
    assert len(list(cited.subjects(RDF.type, RDF.Statement))) == 1


# -- every relation, every statement -----------------------------------------------


def test_every_relation_has_a_line(bundled_dataset: Dataset, reg: Registry) -> None:
    graphs = relation_graphs(bundled_dataset)
    assert {g.identifier for g in graphs} == {REGISTRY_GRAPH} | {doc_iri(d.id) for d in MANIFEST}
    missing, counted = [], {}
    for g in graphs:
        cited = {key for key, found in statements(g).items() if any(c["line"] and c["doc"] for c in found)}
        found = relations(g)
        counted[g.identifier] = len(found)
        missing += [(str(g.identifier), *triple) for triple in sorted(found - cited)]
    assert missing == []
    # guard: the registry's relations are its links (a law's parent is none), each document has many
    links = sum(1 for k in Kind if k is not Kind.LAW for e in reg.entities(k) for _ in e.links())
    assert counted.pop(REGISTRY_GRAPH) == links == 110
    assert all(n >= 10 for n in counted.values()) and sum(counted.values()) >= 300, counted


def test_every_statement_cites_a_line_of_its_document(bundled_dataset: Dataset) -> None:
    """Every rdf:Statement (document and registry graphs): one document of the build (in a
    document's graph, that document) and a line range inside it; an inference says why."""
    n = 0
    for g in relation_graphs(bundled_dataset):
        own = None if g.identifier == REGISTRY_GRAPH else str(g.identifier).rsplit("/", 1)[-1]
        for found in statements(g).values():
            for c in found:
                assert c["doc"] in TEXTS and c["doc"] == (own or c["doc"]), c
                assert c["line"] is not None and c["end"] is not None, c
                assert 1 <= c["line"] <= c["end"] <= len(TEXTS[c["doc"]]), c
                assert c["inferred"] == bool(c["note"]), c
                n += 1
    assert n >= 500


# -- legal bases: the law of an article the page prints without it --------------------


def basis(ds: Dataset, doc: str, line: int, measure: str, law: str, article: str, para: str = "",
          item: str = "") -> list:
    """(basis IRI, citations of measure pk:legalBasis basis, citations of basis pk:law law) at
    ``line`` of ``doc``, for each basis of ``measure`` with that law, article, paragraph and item."""
    g = ds.graph(doc_iri(doc))
    out = []
    for b in g.objects(ID[f"measure/{measure}"], PK.legalBasis):
        values = tuple(str(g.value(b, p) or "") for p in (PK.article, PK.paragraph, PK.item))
        if values == (article, para, item) and (b, PK.law, ID[f"law/{law}"]) in g:
            stated = cites(ds, doc_iri(doc), ID[f"measure/{measure}"], PK.legalBasis, b)
            of_law = cites(ds, doc_iri(doc), b, PK.law, ID[f"law/{law}"])
            out.append((b, [c for c in stated if c["line"] == line], [c for c in of_law if c["line"] == line]))
    return out


def test_article_under_its_caption_takes_the_law_of_that_caption(bundled_dataset: Dataset) -> None:
    """000:764-765 「※（所掌事務等）」 / 「第26条①２ 国の行政機関、独立行政法人及び指定法人にお」: the page
    names no law; 「所掌事務等」 is the caption of 第26条 of サイバーセキュリティ基本法 (the ※ note of
    「サイバーセキュリティ基本法」※ at 001:727, 001:740-741). Attached, marked inferred, with why."""
    text = TEXTS["nisc-budget-fy2025"]
    assert text[763].strip() == "※（所掌事務等）" and text[764].startswith("第26条①２ 国の行政機関")
    assert not any(lookup_key(name) in printed("nisc-budget-fy2025", 738, 807)
                   for e in Registry.load().entities(Kind.LAW) for name in e.names())
    [(b, stated, law)] = basis(bundled_dataset, "nisc-budget-fy2025", 765, "cas-management-audit-penetration-test",
                               "cybersecurity-basic-act", "26", "1", "2")
    assert str(b).startswith(str(ID["basis/cybersecurity-basic-act/"]))
    for citations in (stated, law):
        [c] = citations
        assert (c["doc"], c["line"], c["end"], c["inferred"]) == ("nisc-budget-fy2025", 765, 765, True)
        assert "its caption 「所掌事務等」 (line 764)" in c["note"]
        assert "サイバーセキュリティ基本法 第26条" in c["note"]
    # the page (000:738-807) is shared by two measures titled below the article (000:801, 000:802)
    assert "measures titled at lines 801 and 802" in stated[0]["note"]
    [(_, [other], _)] = basis(bundled_dataset, "nisc-budget-fy2025", 765, "cas-iaa-evaluation-outsourcing",
                              "cybersecurity-basic-act", "26", "1", "2")
    assert other["inferred"] and other["note"] == stated[0]["note"]


@pytest.mark.parametrize(("doc", "line", "measure", "article", "para", "item", "caption"), [
    # 000:768-769 「※（事務の委託）」 / 「第31条①により、独立行政法人及び指定法人における監査を」
    ("nisc-budget-fy2025", 769, "cas-iaa-evaluation-outsourcing", "31", "1", "", "事務の委託"),
    # 001:477-478 「※（所掌事務等）」 / 「第26条①２ 国の行政機関、…」 (no law on the page)
    ("nisc-budget-fy2023", 478, "cas-management-audit-penetration-test", "26", "1", "2", "所掌事務等"),
    # 002:685-686 「※（所掌事務等）」 / 「第26条①2 国の行政機関、…」
    ("nisc-budget-fy2024", 686, "cas-management-audit-penetration-test", "26", "1", "2", "所掌事務等"),
])
def test_other_articles_without_a_law_are_attached_by_their_caption(
        bundled_dataset: Dataset, doc: str, line: int, measure: str, article: str, para: str, item: str,
        caption: str) -> None:
    assert TEXTS[doc][line - 2].strip() == f"※（{caption}）"
    [(_, stated, law)] = basis(bundled_dataset, doc, line, measure, "cybersecurity-basic-act", article, para, item)
    for [c] in (stated, law):
        assert (c["line"], c["inferred"]) == (line, True)
        assert f"its caption 「{caption}」 (line {line - 1})" in c["note"]


def test_article_on_a_page_naming_one_law_is_marked_inferred(bundled_dataset: Dataset) -> None:
    """001:741 「第26条①３」 on the page that names 「サイバーセキュリティ基本法」※ (001:727): both clues."""
    [(_, [c], _)] = basis(bundled_dataset, "nisc-budget-fy2023", 741, "cas-incident-investigation",
                          "cybersecurity-basic-act", "26", "1", "3")
    assert c["line"] == 741 and c["inferred"]
    assert "its caption 「所掌事務等」 (line 740)" in c["note"]
    assert "the page names one law, サイバーセキュリティ基本法 (line 727)" in c["note"]


def test_a_printed_law_is_not_inferred(bundled_dataset: Dataset) -> None:
    """000:553-554 「サイバー / セキュリティ基本法第13条に基づき」."""
    [(_, [c], [law])] = basis(bundled_dataset, "nisc-budget-fy2025", 553, "cas-gsoc-operation",
                              "cybersecurity-basic-act", "13")
    assert (c["line"], c["end"], c["inferred"], c["note"]) == (553, 554, False, "")
    assert law == c


def test_articles_the_context_gives_no_law_for_are_reported(bundled_build: Path, bundled_dataset: Dataset) -> None:
    """000:1478 「係る計画の提出 (第４条第1項第3号)」 and 000:1480 「防衛大臣による計画の認定 (第4条第3項)防」:
    the page names no law and prints no caption: still warnings, no legal basis."""
    from policykg.graph.store import read_build_report

    report = read_build_report(bundled_build)
    unnamed = sorted((w.document, w.line) for w in report.warnings if "without a law named" in w.message)
    assert unnamed == [("nisc-budget-fy2025", 1478), ("nisc-budget-fy2025", 1480)]
    g = bundled_dataset.graph(doc_iri("nisc-budget-fy2025"))
    lines = {int(g.value(st, PK.line)) for st in g.subjects(RDF.predicate, PK.legalBasis)}
    assert not lines & {1478, 1480}


# -- the caption clue on its own: one law, several laws, none ---------------------------


def _shared_page_excerpt() -> tuple[str, list]:
    """The two 内閣官房 table rows (000:14-15) and the page they share (000:738-807)."""
    from policykg.records import MeasureMention, SourceSpan

    lines = TEXTS["nisc-budget-fy2025"]
    text = "\n".join([lines[13], lines[14], "", "", "", *lines[737:807]])
    names = ("各府省庁等の情報システムに対するマネジメント監査及びペネトレーションテスト",
             "独立行政法人及び指定法人におけるサイバーセキュリティ施策の評価委託")
    return text, [MeasureMention(n, "内閣官房", 2, "", SourceSpan("d", i + 1, i + 1)) for i, n in enumerate(names)]


def _legal_records(registry: Registry):
    from policykg.loaders.nisc_pages import parse_measure_pages
    from policykg.records import BudgetKind, BudgetStatus, LegalBasis, Warning_

    text, measures = _shared_page_excerpt()
    columns = [(2025, BudgetKind.INITIAL, BudgetStatus.ENACTED), (2024, BudgetKind.SUPPLEMENTARY, BudgetStatus.ENACTED),
               (2024, BudgetKind.INITIAL, BudgetStatus.ENACTED)]
    out = parse_measure_pages(text, "d", measures=measures, columns=columns, registry=registry)
    return ([r for r in out if isinstance(r, LegalBasis)],
            [r for r in out if isinstance(r, Warning_) and "law" in r.message])


def test_caption_of_one_law_attaches_of_several_or_none_reports(reg: Registry) -> None:
    import dataclasses

    from policykg.registry import Entity

    bases, warnings = _legal_records(reg)
    # excerpt lines: 33 = 000:765 (第26条①２), 37 = 000:769 (第31条①); two measures each
    assert sorted((b.source.line, b.article, b.measure[:6]) for b in bases) == [
        (33, "26", "各府省庁等の"), (33, "26", "独立行政法人"), (37, "31", "各府省庁等の"), (37, "31", "独立行政法人")]
    assert all(b.law == "サイバーセキュリティ基本法" and b.inference for b in bases)
    assert warnings == []

    other = Entity(Kind.LAW, "other-act", "他の法律", "", (), captions=(("26", "所掌事務等"),))
    entities = [e for k in Kind for e in reg.entities(k)]
    bases, warnings = _legal_records(Registry([*entities, other]))
    assert [b.article for b in bases] == ["31", "31"]  # 第26条: two laws give it that caption
    several = ("article reference without a law named: its caption 「所掌事務等」 is that of article 26 of "
               "several laws (サイバーセキュリティ基本法, 他の法律)")
    assert [(w.source.line, w.message) for w in warnings] == [(33, several)]

    bare = [dataclasses.replace(e, captions=(), caption_sources=()) if e.kind is Kind.LAW else e for e in entities]
    bases, warnings = _legal_records(Registry(bare))
    assert bases == []
    def none(caption: str, article: int) -> str:
        return (f"article reference without a law named on the page (its caption 「{caption}」 is no registered "
                f"law's article {article})")

    assert [(w.source.line, w.message) for w in warnings] == [(33, none("所掌事務等", 26)), (37, none("事務の委託", 31))]


def test_a_minted_measures_agency_cites_its_row() -> None:
    """A measure the registry does not know, first named by a table row's figure (「【内閣府】…」 as a
    next edition might print it): its agency is stated with that row's line, once even when the
    row's mention states it again."""
    from policykg.graph.build import build_dataset
    from policykg.records import (
        BudgetFigure,
        BudgetKind,
        BudgetStatus,
        MeasureMention,
        Origin,
        ScopeKind,
        SourceSpan,
    )

    [doc] = [d for d in MANIFEST if d.id == "nisc-budget-fy2025"]
    row = SourceSpan(doc.id, 7, 7)
    figure = BudgetFigure(ScopeKind.MEASURE, "どこにもない事業", "内閣府", 2, 2025, BudgetKind.INITIAL,
                          BudgetStatus.ENACTED, 100_000_000, "1.0", "億円", "1.0億円", Origin.SUMMARY_TABLE, row)
    mention = MeasureMention("どこにもない事業", "内閣府", 2, "", row)
    ds, report = build_dataset([(doc, [figure, mention])], Registry.load())
    g = ds.graph(doc_iri(doc.id))
    [(measure, agency)] = [(s, o) for s, o in g.subject_objects(PK.agency) if "unregistered" in str(s)]
    assert "unregistered" in str(agency)  # 内閣府 is not registered either: minted as an agency
    assert [(c["line"], c["inferred"]) for c in statements(g)[(measure, PK.agency, agency)]] == [(7, False)]
    assert {w.kind for w in report.warnings} >= {"unknown-measure", "unknown-agency"}
    assert not [r for r in relations(g) if r not in statements(g)]
    # the figure alone (no mention record) states it too
    ds, _ = build_dataset([(doc, [figure])], Registry.load())
    g = ds.graph(doc_iri(doc.id))
    assert [(c["line"], c["inferred"]) for c in statements(g)[(measure, PK.agency, agency)]] == [(7, False)]
