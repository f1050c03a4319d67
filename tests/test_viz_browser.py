"""Every diagram view of the bundled graph in real headless Chromium (Debian's package,
driven by Playwright; never a browser download).

Per view: the page loads with no console or page errors and no request leaving the
machine; vis-network draws exactly the projection's nodes and edges; hovering a
known node shows its tooltip with a known figure and its source line; the search
box finds a node by its Japanese label. A label with markup is shown as text.
A screenshot per view is saved under the session's temporary folder, and also
into $POLICYKG_VIZ_SCREENSHOTS when set (how docs/img/viz-*.png were made).

Figures were checked by hand in corpus/000_b360cdfc8cdc379a.txt (nisc-budget-fy2025).
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Dataset

from policykg.viz import project
from policykg.viz.browser import PageLog, chromium, executable, open_page
from policykg.viz.render import render_html

pytestmark = pytest.mark.browser

# view → (options, node key, texts its tooltip must show, Japanese label to search)
CASES = {
    # 000_…txt:3 「産業サイバーセキュリティ対策の強化に向けた環境整備事業 54.1億円 ― 44.0億円」
    "overview": ({}, "measure/meti-industrial-cybersecurity-environment",
                 ["FY2025 当初", "54.1億円", "nisc-budget-fy2025:3"], "産業サイバーセキュリティ対策の強化に向けた環境整備事業"),
    "funding": ({"fiscal_year": 2025}, "measure/meti-industrial-cybersecurity-environment",
                ["54.1億円", "nisc-budget-fy2025:3", "44.0億円"], "独立行政法人情報処理推進機構"),
    # 000_…txt:5 「政府端末情報を活用した…実証事業 13.0億円 ― 10.0億円」
    "entity": ({"entity": "NICT"}, "measure/mic-government-terminal-information-demonstration",
               ["13.0億円", "nisc-budget-fy2025:5"], "国立研究開発法人情報通信研究機構"),
    # 000_…txt:11 「政府機関情報セキュリティ横断監視・即応調整チームの運用 16.0億円 ― 9.8億円」
    "law": ({}, "measure/cas-gsoc-operation", ["16.0億円", "nisc-budget-fy2025:11"], "サイバーセキュリティ基本法"),
    "compare": ({"years": (2024, 2025)}, "measure/meti-industrial-cybersecurity-environment",
                ["44.0億円 (nisc-budget-fy2025:3) → 54.1億円 (nisc-budget-fy2025:3)"], "IoTの安心・安全かつ適正な利用環境の構築"),
}
assert len(CASES) == 5


@pytest.fixture(scope="module")
def ds(bundled_dataset: Dataset) -> Dataset:
    return bundled_dataset


@pytest.fixture(scope="module")
def context():
    executable()  # a clear error when Debian's chromium is missing
    with chromium() as ctx:
        yield ctx


def node_xy(page, node_id: int) -> tuple[float, float]:
    return tuple(page.evaluate(
        """id => { const n = PKV.network; const p = n.canvasToDOM(n.getPositions([id])[id]);
                   const r = document.getElementById('mynetwork').getBoundingClientRect();
                   return [r.left + p.x, r.top + p.y]; }""", node_id))


def node_id(page, key: str) -> int:
    return page.evaluate("key => PK_DATA.nodes.find(n => n.key === key).id", key)


def hover_tip(page, x: float, y: float) -> str:
    page.mouse.move(x - 40, y - 40)
    page.mouse.move(x, y, steps=4)
    page.wait_for_selector("#pk-tip", state="visible", timeout=5_000)
    return page.inner_text("#pk-tip")


@pytest.mark.parametrize("view", sorted(CASES))
def test_view_in_browser(view: str, ds: Dataset, context, tmp_path_factory: pytest.TempPathFactory) -> None:
    options, key, texts, search_label = CASES[view]
    g = project(view, ds, **options)
    out = tmp_path_factory.getbasetemp() / "viz-pages" / f"viz-{view}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(g), encoding="utf-8")
    log = PageLog()
    page = open_page(context, out, log)
    try:
        shots = [tmp_path_factory.getbasetemp() / "viz-shots"]  # the first draw
        if os.environ.get("POLICYKG_VIZ_SCREENSHOTS"):
            shots.append(Path(os.environ["POLICYKG_VIZ_SCREENSHOTS"]))
        for folder in shots:
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"viz-{view}.png"))
        drawn = page.evaluate("[PKV.network.body.nodeIndices.length, PKV.network.body.edgeIndices.length]")
        if view == "overview":  # opens grouped: one node per agency's measures and programmes (test_overview_*)
            assert drawn[0] == page.evaluate("PK_DATA.groups.length + PK_DATA.nodes.filter(n => n.g === undefined).length")
            assert drawn[0] < g.number_of_nodes() / 2
            page.evaluate("key => PKV.expand(PK_DATA.nodes.find(n => n.key === key).g)", key)
        else:
            assert drawn == [g.number_of_nodes(), g.number_of_edges()]
        tip = hover_tip(page, *node_xy(page, node_id(page, key)))
        assert tip.splitlines()[0].endswith(g.nodes[key]["label_ja"])
        for text in texts:
            assert text in tip
        page.fill("#pk-search", search_label)
        page.press("#pk-search", "Enter")
        wanted = next(n for n, d in g.nodes(data=True) if d["label_ja"] == search_label)
        assert page.evaluate("PKV.selected") == node_id(page, wanted)
        assert page.evaluate("PKV.network.getSelectedNodes()") == [node_id(page, wanted)]
        assert page.inner_text("#pk-found").startswith("1/")
    finally:
        page.close()
    assert log.console_errors == [] and log.page_errors == []
    assert log.external_requests == []
    assert all(url.startswith("file:") for url in log.requests)


def test_funding_edge_tooltip(ds: Dataset, context, tmp_path: Path) -> None:
    g = project("funding", ds, fiscal_year=2025)
    out = tmp_path / "funding.html"
    out.write_text(render_html(g), encoding="utf-8")
    page = open_page(context, out, PageLog())
    # 000_…txt:216-231 「国 交付 … 独立行政法人情報処理推進機構(IPA)」 and :221 「国 補助 独立行政法人情報処理推進機構(IPA)」
    # under the 54.1億円 measure (000_…txt:3): the page prints no amount for either flow, so the edge
    # is dashed and says so, and the measure's 54.1億円 is not on it.
    a = node_xy(page, node_id(page, "measure/meti-industrial-cybersecurity-environment"))
    b = node_xy(page, node_id(page, "body/ipa"))
    tip = hover_tip(page, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    assert tip.splitlines()[0] == "交付金・補助, FY2025, 金額の記載なし"
    assert "nisc-budget-fy2025:216" in tip and "nisc-budget-fy2025:221" in tip and "54.1億円" not in tip
    drawn = page.evaluate("""() => PKV.edges.get().filter(e => e.label && e.label.startsWith('交付金・補助'))
                                   .map(e => [e.label, e.dashes === true, e.width || null])""")
    assert drawn == [["交付金・補助 · 金額の記載なし", True, None]]
    page.close()


def test_markup_in_labels_is_text(context, tmp_path: Path) -> None:
    evil = '<script>window.PWNED=1</script>"><img src=x onerror="window.PWNED=2">'
    g = nx.DiGraph(title='<b>bold?</b>', view="overview", documents=["doc"])
    g.add_node("a", cls="Agency", label_ja=evil, label_en="", labels=[evil], budget=[])
    g.add_node("m", cls="Measure", label_ja="施策</script><b>x</b>", label_en="", labels=["施策</script><b>x</b>"],
               budget=[], agency="a")
    g.add_edge("a", "m", kind="agency", sources=["doc:1"])
    out = tmp_path / "evil.html"
    out.write_text(render_html(g), encoding="utf-8")
    log = PageLog()
    page = open_page(context, out, log)
    assert page.evaluate("window.PWNED") is None
    assert page.locator("img").count() == 0 and page.locator("#pk-title b").count() == 0
    assert page.inner_text("#pk-title") == "<b>bold?</b>"
    assert page.evaluate("PK_DATA.nodes[0].label") == evil  # drawn on the canvas in lines (the overview wraps)
    assert page.evaluate("PKV.nodes.get(0).label") == page.evaluate("PK_DATA.nodes[0].wl")
    tip = hover_tip(page, *node_xy(page, 0))
    assert evil in tip and page.locator("#pk-tip img, #pk-tip script").count() == 0
    page.fill("#pk-search", "</script><b>")
    page.press("#pk-search", "Enter")
    assert page.evaluate("PKV.selected") == 1
    assert page.evaluate("window.PWNED") is None
    page.close()
    assert log.external_requests == [] and log.page_errors == []


def test_agency_filter_matches_projection(ds: Dataset, context, tmp_path: Path) -> None:
    g = project("overview", ds)
    out = tmp_path / "overview.html"
    out.write_text(render_html(g), encoding="utf-8")
    page = open_page(context, out, PageLog())
    mic = project("overview", ds, agency="総務省")  # the same filter, done by the projection
    page.select_option("#pk-agency", label="総務省")
    drawn = page.evaluate("[PKV.network.body.nodeIndices.length, PKV.network.body.edgeIndices.length]")
    assert drawn == [mic.number_of_nodes(), mic.number_of_edges()]
    page.select_option("#pk-class", "Program")
    keys = page.evaluate("PKV.nodes.getIds().map(id => PK_DATA.nodes[id].key)")
    assert sorted(keys) == sorted(n for n, d in mic.nodes(data=True) if d["cls"] == "Program")
    page.click("#pk-reset")  # back to the grouped first draw
    assert page.evaluate("PKV.nodes.length") == page.evaluate(
        "PK_DATA.groups.length + PK_DATA.nodes.filter(n => n.g === undefined).length")
    page.close()


def test_groups_expand_on_click(context, tmp_path: Path) -> None:
    g = nx.DiGraph(title="groups", view="overview", documents=[])
    g.add_node("ag", cls="Agency", label_ja="総務省", labels=["総務省"], budget=[])
    for i in range(40):
        g.add_node(f"m{i}", cls="Measure", label_ja=f"施策{i}", labels=[f"施策{i}"], budget=[], agency="ag")
        g.add_edge("ag", f"m{i}", kind="agency")
        g.add_node(f"b{i}", cls="ImplementingBody", label_ja=f"機関{i}", labels=[f"機関{i}"], budget=[])
        g.add_edge(f"m{i}", f"b{i}", kind="implementedBy")
    out = tmp_path / "groups.html"
    out.write_text(render_html(g, max_drawn=20), encoding="utf-8")
    page = open_page(context, out, PageLog())
    assert "81 ノードのうち 80 を" in page.inner_text("#pk-note")
    # the agency, a group of 40 measures and a group of 40 bodies; two merged links
    assert page.evaluate("[PKV.nodes.length, PKV.edges.length]") == [3, 2]
    group = page.evaluate("PK_DATA.groups.findIndex(g => g.k === 'Measure')")
    x, y = node_xy(page, f"g{group}")
    page.mouse.click(x, y)
    page.wait_for_function("PKV.nodes.length === 42")
    assert page.evaluate("PKV.edges.length") == 80  # 40 agency links, 40 links into the body group
    page.fill("#pk-search", "機関7")  # a member of a closed group: its group opens
    page.press("#pk-search", "Enter")
    assert page.evaluate("PKV.nodes.length") == 81 and page.evaluate("PKV.edges.length") == 80
    page.close()


def test_english_labels(ds: Dataset, context, tmp_path: Path) -> None:
    out = tmp_path / "law-en.html"
    out.write_text(render_html(project("law", ds), lang="en"), encoding="utf-8")
    page = open_page(context, out, PageLog())
    labels = page.evaluate("PKV.nodes.get().map(n => n.label)")
    assert "Basic Act on Cybersecurity" in labels and "Cabinet Secretariat" in labels
    assert "Law (square)" in page.inner_text("#pk-legend")
    page.close()


def _overlaps(page) -> list[tuple[str, str]]:
    """Pairs of drawn nodes whose boxes (shape and label, as vis-network measures them) overlap."""
    boxes = page.evaluate("() => { const n = PKV.network; "
                          "return n.body.nodeIndices.map(id => [String(id), n.getBoundingBox(id)]); }")
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:]
            if p["left"] < q["right"] and q["left"] < p["right"] and p["top"] < q["bottom"] and q["top"] < p["bottom"]]


@pytest.mark.parametrize("lang,agency", [("ja", None), ("en", None), ("ja", "総務省")])
def test_overview_labels_do_not_overlap(ds: Dataset, context, tmp_path: Path, lang: str, agency: str | None) -> None:
    g = project("overview", ds, agency=agency)
    out = tmp_path / "overview.html"
    out.write_text(render_html(g, lang=lang), encoding="utf-8")
    log = PageLog()
    page = open_page(context, out, log)
    drawn = page.evaluate("PKV.network.body.nodeIndices.length")
    assert drawn > 10 and _overlaps(page) == []
    # readable at the first draw: fitted, the labels are drawn at no less than half their size
    assert page.evaluate("PKV.network.getScale()") >= 0.5
    if agency is None:  # grouped: 13 agencies; MIC's 9 measures of the bundled corpus are one node until clicked
        assert page.evaluate("PK_DATA.nodes.filter(n => n.k === 'Agency').length") == 13
        group = page.evaluate("PK_DATA.groups.findIndex(g => g.k === 'Measure' && g.label.startsWith("
                              "lang === 'en' ? 'Ministry of Internal Affairs' : '総務省'))".replace("lang", repr(lang)))
        assert page.evaluate(f"PK_DATA.groups[{group}].n") == sum(
            1 for _, d in g.nodes(data=True) if d["cls"] == "Measure" and d.get("agency") == "agency/mic")
        x, y = node_xy(page, f"g{group}")
        page.mouse.click(x, y)
        page.wait_for_function(f"PKV.nodes.length === {drawn - 1} + PK_DATA.groups[{group}].n")
    else:  # one agency: every node drawn with its label
        assert drawn == g.number_of_nodes()
    page.close()
    assert log.console_errors == [] and log.page_errors == []
