"""New entities and rename candidates: what the build minted, and what it may have been called before.

A name the registry does not know is minted by the build (``pk:minted true``,
see :mod:`policykg.graph.resolve`): the report lists every such entity with the
lines that name it (``queries/report/new-entities.rq`` and
``new-entity-citations.rq``). For a minted **measure** it also lists likely
predecessors (``queries/report/rename-candidates.rq``): measures of the same
agency that other editions state and the new measure's own documents do not
list in their summary tables. Nothing is merged; the registry declares a rename.

The SPARQL finds the candidates and the amount evidence; this module only scores
and ranks them:

* **amount** — a figure of the candidate (another document) with the same fiscal
  year, budget kind and integer yen as a figure of the new measure: the next
  edition restates last year's figure in its 前年度 column. Counted per
  (fiscal year, budget kind) column;
* **name similarity** — :func:`similarity`, difflib's ``SequenceMatcher`` ratio of
  the two names after :func:`policykg.registry.lookup_key` (NFKC, white space
  removed, casefolded, 強靱/強靭 and middle dots folded), the best over the
  candidate's label, its registry aliases and the names the documents state for it.

Candidates are ranked by the number of columns with an amount match, then by
similarity; those with no amount match and a similarity below
:data:`MIN_SIMILARITY` are left out, and the first :data:`TOP` are kept.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from policykg.queries.run import load_query, query_dir, run_query
from policykg.registry import lookup_key
from rdflib import Dataset

__all__ = [
    "MIN_SIMILARITY",
    "TOP",
    "AmountMatch",
    "Candidate",
    "NewEntity",
    "Renames",
    "cite",
    "declaration",
    "new_entities",
    "rank",
    "rename_candidates",
    "similarity",
    "toml_string",
]

#: Candidates shown per minted measure.
TOP = 3
#: A candidate without an amount match is shown only from this similarity up.
MIN_SIMILARITY = 0.5
#: Registry sections (``[[measure]]`` …) by the class of a minted entity.
KIND_OF_CLASS = {
    "Agency": "agency",
    "ImplementingBody": "body",
    "StrategyArea": "area",
    "Program": "program",
    "Law": "law",
    "Measure": "measure",
}

Cite = tuple[str, int]  # (document id, line)


@dataclass(frozen=True)
class NewEntity:
    """A minted entity: the names it is printed as, where, and how many figures have it as scope."""

    iri: str
    kind: str  # registry section: agency, body, area, program, law, measure
    names: tuple[str, ...]  # as printed (one per spelling)
    agency: str  # a measure: the label of the agency it is listed under ("" otherwise)
    agency_key: str  # that agency's registry key ("" when the agency is minted too)
    cited: tuple[Cite, ...]
    figures: int

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class AmountMatch:
    """One figure of the new measure equal (year, kind, yen) to one figure of the candidate."""

    fiscal_year: int
    budget: str
    yen: int
    new: Cite
    new_printed: str
    new_status: str
    old: Cite
    old_printed: str
    old_status: str


@dataclass(frozen=True)
class Candidate:
    iri: str
    label: str  # skos:prefLabel (the registry's label_ja, or a minted name)
    key: str  # registry key; "" for a minted candidate
    aliases: tuple[str, ...]  # the registry's aliases (skos:altLabel), sorted
    cited: tuple[
        Cite, ...
    ]  # lines of its figures in documents that do not name the new measure
    compared: str  # the name of the candidate the similarity was computed with
    similarity: float
    matches: tuple[AmountMatch, ...]

    @property
    def columns_matched(self) -> int:
        """How many (fiscal year, budget kind) columns have an amount match."""
        return len({(m.fiscal_year, m.budget) for m in self.matches})


@dataclass(frozen=True)
class Renames:
    """A minted measure and its ranked candidates (possibly none)."""

    measure: NewEntity
    candidates: tuple[Candidate, ...]


def similarity(a: str, b: str) -> float:
    """Name similarity in [0, 1]: ``SequenceMatcher`` ratio of the lookup keys (NFKC, no spaces …).

    >>> similarity("ＩｏＴの 安心", "IoTの安心")
    1.0
    >>> round(similarity("産業サイバーセキュリティ強靱化事業", "産業サイバーセキュリティ強化事業"), 2)
    0.97
    """
    return SequenceMatcher(None, lookup_key(a), lookup_key(b), autojunk=False).ratio()


def _q(ds: Dataset, name: str):
    return run_query(ds, load_query(query_dir() / "report" / f"{name}.rq"))


def _text(term) -> str:
    return "" if term is None else str(term)


def new_entities(ds: Dataset) -> list[NewEntity]:
    """Every minted entity, by registry section then first printed name."""
    cited: dict[str, set[Cite]] = defaultdict(set)
    for r in _q(ds, "new-entity-citations"):
        cited[str(r.entity)].add((str(r.source), int(r.line)))
    rows: dict[str, dict] = {}
    for r in _q(ds, "new-entities"):
        entity = rows.setdefault(
            str(r.entity),
            {
                "kind": KIND_OF_CLASS[str(r["class"]).rsplit("#", 1)[-1]],
                "names": [],
                "agency": _text(r.agency),
                "agency_key": _text(r.agency_key),
                "figures": int(r.figures),
            },
        )
        if str(r.name) not in entity["names"]:
            entity["names"].append(str(r.name))
    found = [
        NewEntity(
            iri,
            e["kind"],
            tuple(sorted(e["names"])),
            e["agency"],
            e["agency_key"],
            tuple(sorted(cited.get(iri, ()))),
            e["figures"],
        )
        for iri, e in rows.items()
    ]
    order = list(KIND_OF_CLASS.values())
    return sorted(
        found, key=lambda e: (order.index(e.kind), e.agency, lookup_key(e.name), e.iri)
    )


def rename_candidates(ds: Dataset, new: list[NewEntity]) -> list[Renames]:
    """For each minted measure of ``new``, its ranked candidates (see the module docstring)."""
    figures: dict[tuple[str, str], set[Cite]] = defaultdict(set)
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    matches: dict[tuple[str, str], set[AmountMatch]] = defaultdict(set)
    about: dict[tuple[str, str], tuple[str, str]] = {}
    aliases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in _q(ds, "rename-candidates"):
        pair = (str(r.measure), str(r.candidate))
        about[pair] = (str(r.candidate_name), _text(r.candidate_key))
        figures[pair].add((str(r.source), int(r.line)))
        names[pair].update(
            n
            for n in (str(r.candidate_name), _text(r.stated), _text(r.candidate_alias))
            if n
        )
        if r.candidate_alias is not None:
            aliases[pair].add(str(r.candidate_alias))
        if r.match_source is not None:
            matches[pair].add(
                AmountMatch(
                    int(r.fiscal_year),
                    str(r.budget),
                    int(r.amount_jpy),
                    (str(r.match_source), int(r.match_line)),
                    str(r.match_printed),
                    str(r.match_status),
                    (str(r.source), int(r.line)),
                    str(r.printed),
                    str(r.status),
                )
            )
    by_measure: dict[str, list[Candidate]] = defaultdict(list)
    for (measure, candidate), (label, key) in about.items():
        printed = next(e for e in new if e.iri == measure).names
        score, compared = max(
            (similarity(p, n), n)
            for p in printed
            for n in sorted(names[(measure, candidate)])
        )
        by_measure[measure].append(
            Candidate(
                candidate,
                label,
                key,
                tuple(sorted(aliases[(measure, candidate)])),
                tuple(sorted(figures[(measure, candidate)])),
                compared,
                score,
                tuple(sorted(matches[(measure, candidate)], key=_match_order)),
            )
        )
    return [
        Renames(m, tuple(rank(by_measure.get(m.iri, []))))
        for m in new
        if m.kind == "measure"
    ]


def _match_order(m: AmountMatch) -> tuple:
    return (-m.fiscal_year, m.budget, m.new, m.old)


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Amount matches first (more columns first), then similarity; weak ones left out; the first TOP."""
    kept = [c for c in candidates if c.matches or c.similarity >= MIN_SIMILARITY]
    kept.sort(
        key=lambda c: (-c.columns_matched, -c.similarity, lookup_key(c.label), c.iri)
    )
    return kept[:TOP]


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's).

    >>> print(toml_string('a "b" \\\\ 新'))
    "a \\"b\\" \\\\ 新"
    """
    return json.dumps(text, ensure_ascii=False)


def cite(c: Cite) -> str:
    return f"{c[0]}:{c[1]}"


def declaration(renames: Renames) -> str:
    """TOML for ``core/data/registry.toml`` declaring the new measure the top candidate renamed.

    A registered candidate gets the new name in its ``aliases`` (the next build then
    resolves the name to it); the alternative, a new measure that ``continues`` it, is
    given commented out. A minted candidate is registered with the new name as an alias.
    """
    m, top = renames.measure, renames.candidates[0]
    parent = m.agency_key or "<agency key>"
    lines = (
        []
        if m.agency_key
        else [f"# register the agency {m.agency} first (see New entities); then:"]
    )
    new_sources = [cite(c) for c in m.cited]
    if top.key:
        aliases = ", ".join(toml_string(a) for a in (*top.aliases, m.name))
        lines += [
            f"# {m.name} ({', '.join(new_sources)}) is {top.label} renamed:",
            f'# in the [[measure]] entry with key = "{top.key}", set (its sources may cite the new lines)',
            f"aliases = [{aliases}]",
            f"# or, if it is a new measure that continues {top.label}, a new entry:",
            "# [[measure]]",
            '# key = "<ascii-slug>"',
            f"# label_ja = {toml_string(m.name)}",
            f'# parent = "{parent}"',
            f'# continues = ["{top.key}"]',
            f"# sources = [{', '.join(toml_string(s) for s in new_sources)}]",
        ]
    else:
        sources = [cite(c) for c in top.cited] + new_sources
        lines += [
            f"# {m.name} is {top.label} renamed; neither is registered: register the earlier name",
            "[[measure]]",
            'key = "<ascii-slug>"',
            f"label_ja = {toml_string(top.label)}",
            f'parent = "{parent}"',
            f"aliases = [{toml_string(m.name)}]",
            f"sources = [{', '.join(toml_string(s) for s in sources)}]",
        ]
    return "\n".join(lines)
