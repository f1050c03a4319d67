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
from policykg.graph.build import ONTOLOGY_GRAPH, REGISTRY_GRAPH, doc_iri, registry_graph
from policykg.graph.rank import RANKS_GRAPH
from policykg.namespace import ID, PK
from policykg.registry import Kind, Registry, lookup_key
from policykg.sources import load_manifest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

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
    return {(s, p, o) for s, p, o in g if p != RDF.type and is_entity(o) and s not in cited and s not in documents}


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
    assert [(w.document, w.kind, w.message) for w in warnings] == [
        ("registry", "registry-link", "agency b subOrganizationOf a: the registry cites no line for it"),
        ("registry", "registry-link", "agency c subOrganizationOf a: no document of this build states it"),
    ]
    assert (ID["agency/b"], ORG_SUB, ID["agency/a"]) in g
    assert not list(g.subjects(RDF.type, RDF.Statement))
    cited = Graph()
    assert registry_graph(cited, Registry.load(path), cite=None)[0].message.endswith("cites no line for it")
    assert len(list(cited.subjects(RDF.type, RDF.Statement))) == 1
