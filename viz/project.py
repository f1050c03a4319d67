"""Projections of the built graph into networkx graphs, one per diagram view.

``project(view, ds, **options)`` returns a :class:`networkx.DiGraph` whose nodes
carry ``cls`` (Agency, ImplementingBody, Program, Law, Article, Measure),
``label_ja``, ``label_en``, ``labels`` (every label, for search), ``agency``
(a measure's agency id) and ``budget`` (the measure's figures, each with its
document and line); edges carry ``kind``, ``instrument``, ``fy``, ``amount_jpy``,
``printed`` and ``sources`` (``doc:line`` strings); a funding edge measure → recipient
also ``amount_stated``, ``upper_bound`` and its ``flows`` (:func:`flow_amount`): its
amount is the flows' own, never the measure's budget. ``G.graph`` holds ``view``,
``title``, ``caption`` parts and ``documents``. The CLI's ``policykg viz`` calls
the same function. Data is read with the SPARQL files in ``queries/viz/``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal

from policykg.errors import QueryError
from policykg.namespace import ID
from policykg.queries.entities import EntityIndex
from policykg.queries.run import load_query, run_query

log = logging.getLogger(__name__)

VIEWS = ("overview", "funding", "entity", "law", "compare")
KINDS = ("initial", "supplementary")
_STATUS_RANK = {"enacted": 0, "draft": 1, "request": 2}
_CLASS = {"Agency", "ImplementingBody", "Program", "Law", "Measure"}


@dataclass(frozen=True)
class Figure:
    """One budget figure of a measure as a document states it."""

    fy: int
    kind: str  # initial | supplementary
    status: str  # request | draft | enacted | ""
    amount_jpy: int | None
    printed: str
    inclusive: bool
    source: str  # document id
    line: int
    doc_fy: int  # the fiscal year of that document (its pk:fiscalYear)
    rank: str = ""  # preferred | normal | deprecated (graph/rank.py); "" in a graph without ranks

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def short_id(iri: object) -> str:
    """The node id of an entity IRI: its path under the id namespace.

    >>> short_id("https://w3id.org/policykg/id/body/nict")
    'body/nict'
    """
    return str(iri).removeprefix(str(ID))


def _viz_query(name: str):
    return load_query(Path(str(resources.files("policykg.queries"))) / "viz" / f"{name}.rq")


def _rows(ds: Graph, name: str, params: dict[str, str] | None = None) -> list[dict[str, object]]:
    result = run_query(ds, _viz_query(name), params)
    out = []
    for row in result:
        out.append({str(v): (row[v].toPython() if isinstance(row[v], Literal) else row[v])
                    for v in result.vars})
    return out


@dataclass
class _Facts:
    """What the views are made of, read once from the graph."""

    nodes: dict[str, dict]
    relations: list[dict]
    figures: dict[str, list[Figure]]
    flows: list[dict]
    plans: dict[str, list[dict]] = field(default_factory=dict)  # measure → plan periods, latest document last


def read_facts(ds: Graph) -> _Facts:
    """Entities, relations, figures and flows of the built graph (four SPARQL queries)."""
    nodes: dict[str, dict] = {}
    for r in _rows(ds, "entities"):
        cls = short_id(r["class"]).rsplit("#", 1)[-1]
        if cls not in _CLASS:
            continue
        nid = short_id(r["iri"])
        node = nodes.setdefault(nid, {"cls": cls, "label_ja": "", "label_en": "", "labels": [],
                                      "agency": "", "iri": str(r["iri"])})
        label, lang = str(r["label"]), r["lang"]
        if label not in node["labels"]:
            node["labels"].append(label)
        if lang == "ja" and not node["label_ja"]:
            node["label_ja"] = label
        if lang == "en" and not node["label_en"]:
            node["label_en"] = label
        if r["agency_iri"] is not None:
            node["agency"] = short_id(r["agency_iri"])
    for node in nodes.values():
        node["label_ja"] = node["label_ja"] or node["label_en"] or node["labels"][0]
    relations = _rows(ds, "relations")
    figures: dict[str, list[Figure]] = defaultdict(list)
    for r in _rows(ds, "figures"):
        figures[short_id(r["measure"])].append(Figure(
            int(r["fy"]), str(r["kind"]), str(r["status"] or ""),
            None if r["amount_jpy"] is None else int(r["amount_jpy"]), str(r["printed"] or ""),
            bool(r["inclusive"]), str(r["source"]), int(r["line"]), int(r["doc_fy"]), str(r["rank"] or "")))
    plans: dict[str, list[dict]] = defaultdict(list)
    for r in _rows(ds, "plans"):
        plans[short_id(r["measure"])].append(r)
    return _Facts(nodes, relations, dict(figures), _rows(ds, "flows"), dict(plans))


def pick_figure(figs: list[Figure], fy: int, kind: str) -> Figure | None:
    """The figure a view shows for ``fy``/``kind``: the preferred figure of its cell (the
    ranks of graph/rank.py, README "Ranks") of the most advanced phase stated, enacted >
    draft > request. In a graph without ranks: stated with an amount, not 内数, the document
    of that fiscal year first, then enacted > draft > request, then source order."""
    cands = [f for f in figs if f.fy == fy and f.kind == kind and f.amount_jpy is not None and not f.inclusive]
    if not cands:
        return None
    if any(f.rank for f in cands):
        preferred = [f for f in cands if f.rank == "preferred"]
        return min(preferred, key=lambda f: _STATUS_RANK.get(f.status, 3)) if preferred else None
    return min(cands, key=lambda f: (f.doc_fy != fy, _STATUS_RANK.get(f.status, 3),
                                     f.source, f.line))


def _add_node(g: nx.DiGraph, facts: _Facts, nid: str, **extra: object) -> None:
    if nid in g:
        g.nodes[nid].update(extra)
        return
    base = facts.nodes.get(nid) or {"cls": "Organization", "label_ja": nid, "label_en": "", "labels": [nid],
                                    "agency": "", "iri": str(ID) + nid}
    budget = [f.__dict__ | {"where": f.where} for f in facts.figures.get(nid, [])]
    g.add_node(nid, **(base | {"budget": budget} | extra))


def _add_edge(g: nx.DiGraph, u: str, v: str, kind: str, source: object = None, line: object = None,
              **extra: object) -> None:
    if g.has_edge(u, v) and g.edges[u, v]["kind"] == kind:
        data = g.edges[u, v]
    else:
        g.add_edge(u, v, kind=kind, sources=[], instrument="", fy=None, amount_jpy=None, printed="")
        data = g.edges[u, v]
    if source is not None and line is not None:
        where = f"{source}:{line}"
        if where not in data["sources"]:
            data["sources"].append(where)
    data.update({k: v for k, v in extra.items() if v is not None})


def _relation_graph(facts: _Facts, kinds: tuple[str, ...]) -> nx.DiGraph:
    """Entities linked by the given relation kinds (pk:agency drawn agency → measure)."""
    g = nx.DiGraph()
    for r in facts.relations:
        p = short_id(r["p"]).rsplit("#", 1)[-1]
        if p not in kinds:
            continue
        s, o = short_id(r["s"]), short_id(r["o"])
        if p == "legalBasis":
            law = short_id(r["law"]) if r["law"] is not None else None
            if law is None:
                continue
            _add_node(g, facts, law)
            _add_node(g, facts, s)
            if r["article"] is not None:
                _add_node(g, facts, o, cls="Article", label_ja=str(r["basis_label"] or o),
                          label_en="", labels=[str(r["basis_label"] or o)], budget=[])
                _add_edge(g, law, o, "article")
                _add_edge(g, o, s, "legalBasis", r["source"], r["line"])
            else:
                _add_edge(g, law, s, "legalBasis", r["source"], r["line"])
            continue
        _add_node(g, facts, s)
        _add_node(g, facts, o)
        if p == "agency":
            _add_edge(g, o, s, p, r["source"], r["line"])
        else:
            _add_edge(g, s, o, p, r["source"], r["line"])
    return g


def _documents(g: nx.DiGraph) -> list[str]:
    docs = {w.rsplit(":", 1)[0] for _, _, d in g.edges(data=True) for w in d.get("sources", [])}
    docs |= {f["source"] for _, d in g.nodes(data=True) for f in d.get("budget", [])}
    return sorted(docs)


def project(view: str, ds: Graph, *, entity: str | None = None, depth: int = 1,
            fiscal_year: int | None = None, kind: str = "initial",
            years: tuple[int, int] | None = None, agency: str | None = None,
            entities: tuple[str, ...] = ()) -> nx.DiGraph:
    """The networkx projection of ``view`` (one of :data:`VIEWS`) of the built graph ``ds``.

    ``entity``/``depth`` for ``entity`` (or ``entities``: several seeds, the union of their
    neighbourhoods, e.g. the entity IRIs of a query result); ``fiscal_year``/``kind`` for ``funding``;
    ``years`` (from, to) and ``kind`` for ``compare``; ``agency`` (any label) limits
    ``overview`` and ``compare`` to one agency's measures.
    """
    if view not in VIEWS:
        raise QueryError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    if kind not in KINDS:
        raise QueryError(f"unknown budget kind {kind!r}; kinds: {', '.join(KINDS)}")
    facts = read_facts(ds)
    index = EntityIndex(ds)
    agency_id = short_id(index.resolve("agency", agency, param="agency")) if agency else None
    if view == "overview":
        g = _relation_graph(facts, ("agency", "implementedBy", "program"))
        _recipient_edges(g, facts)
        g.graph.update(title="施策の全体像 / Overview: agencies → measures → bodies and programmes")
    elif view == "law":
        g = _relation_graph(facts, ("legalBasis",))
        for m in [n for n, d in g.nodes(data=True) if d["cls"] == "Measure"]:
            ag = g.nodes[m].get("agency")
            if ag:
                _add_node(g, facts, ag)
                _add_edge(g, m, ag, "agency")
        g.graph.update(title="法令と施策 / Laws and articles → measures → agencies")
    elif view == "entity":
        seeds = (entity,) if entity else tuple(entities)
        if not seeds:
            raise QueryError("the entity view needs an entity (e.g. --entity NICT)")
        full = _relation_graph(facts, ("agency", "implementedBy", "program", "operatedBy", "legalBasis"))
        _funding_edges(full, facts, None, kind)
        centres = list(dict.fromkeys(short_id(index.resolve("entity", e, param="entity")) for e in seeds))
        for centre in centres:
            if centre not in full:
                _add_node(full, facts, centre)
        g = nx.compose_all([nx.DiGraph(nx.ego_graph(full, c, radius=depth, undirected=True)) for c in centres])
        for centre in centres:
            g.nodes[centre]["centre"] = True
        centre = centres[0]
        name = g.nodes[centre]["label_ja"] if len(centres) == 1 else f"{len(centres)} 件"
        what = "neighbourhood" if len(centres) == 1 else f"neighbourhood of {len(centres)} entities"
        g.graph.update(title=f"{name} の周辺（深さ {depth}） / {what}, depth {depth}", centre=centre)
    elif view == "funding":
        fy = fiscal_year or max((int(f["doc_fy"]) for f in facts.flows if f["doc_fy"] is not None), default=0)
        g = nx.DiGraph()
        _funding_edges(g, facts, fy, kind)
        g.graph.update(title=f"資金の流れ FY{fy}（{'当初' if kind == 'initial' else '補正'}） / "
                             f"Funding flows, FY{fy} {kind}", fiscal_year=fy)
    else:
        g = _compare(facts, years, kind)
    if agency_id and view in ("overview", "compare"):
        keep = {n for n, d in g.nodes(data=True) if d.get("cls") == "Measure" and d.get("agency") == agency_id}
        keep |= {agency_id} | {v for m in keep for v in nx.all_neighbors(g, m)}
        g = nx.DiGraph(g.subgraph(keep))
    if not len(g):
        years = sorted({int(f["doc_fy"]) for f in facts.flows if f["doc_fy"] is not None})
        hint = f"; funding flows are stated for FY{', FY'.join(map(str, years))}" if view == "funding" else ""
        raise QueryError(f"the {view} view is empty for these options{hint}")
    g.graph.update(view=view, kind=kind, documents=_documents(g))
    log.info("projection %s: %d nodes, %d edges", view, g.number_of_nodes(), g.number_of_edges())
    return g


def _funding_edges(g: nx.DiGraph, facts: _Facts, fy: int | None, kind: str) -> None:
    """funder → measure (the measure's budget for fy/kind) → recipient (the flows' own amounts).

    With ``fy`` None every flow is added, dated by its document."""
    flows: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for f in facts.flows:
        doc_fy = None if f["doc_fy"] is None else int(f["doc_fy"])
        if fy is not None and doc_fy != fy:
            continue
        m, funder, rec = short_id(f["measure"]), short_id(f["funder"]), short_id(f["recipient"])
        for n in (funder, m, rec):
            _add_node(g, facts, n)
        fig = pick_figure(facts.figures.get(m, []), doc_fy, kind) if doc_fy else None
        _add_edge(g, funder, m, "funds", fy=doc_fy, amount_jpy=fig.amount_jpy if fig else None,
                  printed=fig.printed if fig else "", figure=fig.where if fig else "")
        if fig:
            _add_edge(g, funder, m, "funds", fig.source, fig.line)
        _add_edge(g, m, rec, "funding", f["source"], f["line"], fy=doc_fy)
        flows[m, rec].append(f)
    for (m, rec), stated in flows.items():
        g.edges[m, rec].update(flow_amount(stated))


def flow_amount(flows: list[dict]) -> dict:
    """What a measure → recipient edge says about money: only the flows' own printed amounts.

    The edge's amount is the sum of its flows' amounts when every one of them prints one
    (``upper_bound`` when one is 「…の内数」); otherwise ``amount_stated`` is False and there
    is no amount — the measure's budget is never put in its place. ``flows`` lists each
    flow's instrument, amount and line for the tooltip.

    >>> one = {"instrument": "補助", "instrument_en": "subsidy", "amount_stated": False, "amount_jpy": None,
    ...        "printed_amount": None, "upper_bound": None, "source": "d", "line": 221}
    >>> flow_amount([one])["amount_stated"], flow_amount([one])["amount_jpy"]
    (False, None)
    """
    names = dict(sorted((str(f["instrument"]), str(f["instrument_en"])) for f in flows))
    stated = all(f["amount_stated"] for f in flows)
    return {
        "instrument": "・".join(names), "instrument_en": " / ".join(names.values()),
        "amount_stated": stated,
        "amount_jpy": sum(int(f["amount_jpy"]) for f in flows) if stated else None,
        "upper_bound": stated and any(bool(f["upper_bound"]) for f in flows),
        "printed": str(flows[0]["printed_amount"]) if stated and len(flows) == 1 else "",
        "flows": [{"instrument": str(f["instrument"]), "instrument_en": str(f["instrument_en"]),
                   "amount_jpy": None if f["amount_jpy"] is None else int(f["amount_jpy"]),
                   "printed": str(f["printed_amount"] or ""), "upper_bound": bool(f["upper_bound"]),
                   "where": f"{f['source']}:{f['line']}"} for f in flows],
    }


def _recipient_edges(g: nx.DiGraph, facts: _Facts) -> None:
    """measure → recipient of its funding flows, all years (instruments and sources on the edge).

    The bodies a measure pays (IPA, JPCERT/CC …) are named in its funding scheme, not
    as 事業主体, so without these edges the overview would leave them out. No year or
    amount is put on the edge: it stands for flows stated in several documents."""
    instruments: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for f in facts.flows:
        m, rec = short_id(f["measure"]), short_id(f["recipient"])
        if m not in g:
            continue
        _add_node(g, facts, rec)
        instruments[m, rec][str(f["instrument"])] = str(f["instrument_en"])
        if g.has_edge(m, rec):  # also its 事業主体: one edge, both statements' sources
            where = f"{f['source']}:{f['line']}"
            if where not in g.edges[m, rec]["sources"]:
                g.edges[m, rec]["sources"].append(where)
        else:
            _add_edge(g, m, rec, "funding", f["source"], f["line"])
    for (m, rec), names in instruments.items():
        g.edges[m, rec].update(instrument="・".join(sorted(names)),
                               instrument_en=" / ".join(names[k] for k in sorted(names)))


def _compare(facts: _Facts, years: tuple[int, int] | None, kind: str) -> nx.DiGraph:
    all_years = sorted({f.fy for figs in facts.figures.values() for f in figs})
    if years is None and len(all_years) < 2:
        raise QueryError("the compare view needs figures of two fiscal years")
    a, b = years or (all_years[-2], all_years[-1])
    g = nx.DiGraph()
    for m, figs in sorted(facts.figures.items()):
        fa, fb = pick_figure(figs, a, kind), pick_figure(figs, b, kind)
        if fa is None and fb is None:
            continue
        ended = ""
        if fa is None:
            change = "new"
        elif fb is None:
            # the latest document's plan period: ended before FY b, or only not listed in it
            plan = (facts.plans.get(m) or [None])[-1]
            if plan is not None and int(plan["plan_end"]) < b:
                change, ended = "ended", f"{plan['source']}:{plan['line']}"
            else:
                change = "not-listed"
        elif fb.amount_jpy > fa.amount_jpy:
            change = "grown"
        elif fb.amount_jpy < fa.amount_jpy:
            change = "shrunk"
        else:
            change = "same"
        _add_node(g, facts, m, change=change, amount_a=fa.amount_jpy if fa else None,
                  amount_b=fb.amount_jpy if fb else None, figure_a=fa.where if fa else "",
                  figure_b=fb.where if fb else "", plan_end=ended)
        ag = g.nodes[m].get("agency")
        if ag:
            _add_node(g, facts, ag)
            _add_edge(g, ag, m, "agency")
    g.graph.update(title=f"FY{a} → FY{b} の比較（{'当初' if kind == 'initial' else '補正'}） / "
                         f"FY{a} vs FY{b}, {kind}: new, grown, shrunk, ended, not listed", years=(a, b))
    return g
