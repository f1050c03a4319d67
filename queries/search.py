"""Search the graph's entities by any part of any name, Japanese or English (``policykg search``).

A :class:`SearchIndex` holds every name of every agency, implementing body,
programme, law, measure and strategy area — skos:prefLabel, skos:altLabel,
rdfs:label in any language, and the pk:nameAsStated of the figures scoped to it —
read once with ``queries/search/labels.rq``. Names and the searched text are
compared by :func:`policykg.registry.lookup_key` (NFKC, white space removed,
casefolded, 強靱/強靭 and middle dots unified), so ｔｒａｉｎｉｎｇ, Training
and トレーニング in half-width kana all match. The original string is what a hit shows.

Ranking, deterministic: an entity's best name decides; exact match before
prefix before substring, then the shorter name, then the IRI. A label added
later (an English prefLabel of every measure, say) is searched with no change here.

>>> index = SearchIndex([
...     Name("https://w3id.org/policykg/id/agency/mic", "Agency", "総務省", "ja", "prefLabel"),
...     Name("https://w3id.org/policykg/id/agency/mic", "Agency",
...          "Ministry of Internal Affairs and Communications", "en", "prefLabel"),
...     Name("https://w3id.org/policykg/id/program/cyder", "Program", "CYDER", "ja", "prefLabel"),
... ])
>>> [(h.kind, h.label_ja, h.match) for h in index.search("internal affairs")]
[('agency', '総務省', 'substring')]
>>> [(h.path, h.matched) for h in index.search("ｃｙｄｅｒ")]
[('/id/program/cyder', 'CYDER')]
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rdflib import Graph, Literal

from policykg.errors import QueryError
from policykg.graph.backends import Store
from policykg.namespace import ID
from policykg.registry import lookup_key

from .formats import display_width
from .run import load_query, run_query

__all__ = ["COLUMNS", "Hit", "MAX_TEXT", "Name", "SearchIndex", "format_hits", "search"]

#: Longest search text accepted (characters); the endpoint answers 400 beyond it.
MAX_TEXT = 200
#: The kind word of each class (as the query parameters and entity paths name them).
KINDS = {"Agency": "agency", "ImplementingBody": "body", "Program": "program", "Law": "law",
         "Measure": "measure", "StrategyArea": "area"}
_MATCHES = ("exact", "prefix", "substring")
#: The fields of a hit, in the order the CSV, JSON and DataFrame give them.
COLUMNS = ("kind", "iri", "label_ja", "label_en", "matched", "match", "via", "path")
_TABLE = ("kind", "label_ja", "label_en", "matched", "match", "path")
#: Of two equally good names of one entity, the hit shows the first by this order.
_VIA = {"prefLabel": 0, "altLabel": 1, "label": 2, "nameAsStated": 3}


@dataclass(frozen=True)
class Name:
    """One name of one entity, as the graph holds it."""

    iri: str
    cls: str  # the class's local name (Measure, Agency …)
    label: str  # the original string
    lang: str  # "ja", "en" or "" (untagged)
    via: str  # prefLabel, altLabel, label or nameAsStated


@dataclass(frozen=True)
class Hit:
    """An entity found: its best-matching name and how it matched."""

    kind: str
    iri: str
    label_ja: str
    label_en: str
    matched: str  # the name that matched, as the graph holds it
    match: str  # exact, prefix or substring
    via: str
    path: str  # the entity page, under https://w3id.org/policykg/ (/id/measure/<key>)

    def as_dict(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in COLUMNS}


def check_text(text: str) -> str:
    """``text`` stripped; QueryError when it is empty or longer than :data:`MAX_TEXT`.

    >>> check_text("  CYDER ")
    'CYDER'
    >>> check_text(" ")
    Traceback (most recent call last):
    ...
    policykg.errors.QueryError: give a text to search for
    """
    stripped = text.strip()
    if not lookup_key(stripped):
        raise QueryError("give a text to search for")
    if len(stripped) > MAX_TEXT:
        raise QueryError(f"the search text is {len(stripped)} characters; at most {MAX_TEXT}")
    return stripped


class SearchIndex:
    """Every entity name by its lookup key; :meth:`search` ranks the entities whose names hold a text."""

    def __init__(self, names: Iterable[Name]) -> None:
        self._keys: list[tuple[str, Name]] = []
        self._labels: dict[str, dict[str, str]] = {}  # iri -> lang -> first prefLabel
        for n in sorted(set(names), key=lambda n: (n.iri, n.via, n.label, n.lang)):
            key = lookup_key(n.label)
            if key:
                self._keys.append((key, n))
            if n.via == "prefLabel" and n.lang in ("ja", "en"):
                self._labels.setdefault(n.iri, {}).setdefault(n.lang, n.label)

    @classmethod
    def from_store(cls, store: Graph | Store) -> SearchIndex:
        """The names of the built graph in ``store`` (``queries/search/labels.rq``)."""
        result = run_query(store, load_query(_query_path("labels")))
        names = []
        for row in result:
            label = row.label
            lang = label.language or "" if isinstance(label, Literal) else ""
            names.append(Name(str(row.iri), str(row["class"]).rsplit("#", 1)[-1], str(label), lang, str(row.via)))
        return cls(names)

    def __len__(self) -> int:
        return len(self._keys)

    def search(self, text: str, *, limit: int = 20) -> list[Hit]:
        """The entities with a name holding ``text``, best first (at most ``limit``)."""
        if limit < 1:
            raise QueryError(f"limit must be at least 1, not {limit}")
        key = lookup_key(check_text(text))
        best: dict[str, tuple[int, int, int, str, Name]] = {}
        for name_key, n in self._keys:
            if key not in name_key:
                continue
            grade = 0 if name_key == key else 1 if name_key.startswith(key) else 2
            rank = (grade, len(name_key), _VIA.get(n.via, 9), n.label, n)
            if n.iri not in best or rank[:4] < best[n.iri][:4]:
                best[n.iri] = rank
        ordered = sorted(best.items(), key=lambda item: (item[1][0], item[1][1], item[0]))
        return [self._hit(iri, grade, n) for iri, (grade, *_, n) in ordered[:limit]]

    def _hit(self, iri: str, grade: int, n: Name) -> Hit:
        labels = self._labels.get(iri, {})
        path = "/id/" + iri.removeprefix(str(ID)) if iri.startswith(str(ID)) else ""
        return Hit(KINDS.get(n.cls, n.cls.lower()), iri, labels.get("ja", ""), labels.get("en", ""), n.label,
                   _MATCHES[grade], n.via, path)


def search(store: Graph | Store, text: str, *, limit: int = 20) -> list[Hit]:
    """Search the built graph in ``store`` (a new index each call; keep a :class:`SearchIndex` for many)."""
    return SearchIndex.from_store(store).search(text, limit=limit)


def _query_path(name: str) -> Path:
    return Path(str(resources.files("policykg.queries"))) / "search" / f"{name}.rq"


def format_hits(text: str, hits: Sequence[Hit], fmt: str = "table") -> str:
    """``hits`` as ``table`` (aligned, for reading), ``csv`` (UTF-8, a header, CRLF as the SPARQL CSV) or
    ``json`` (``{"query": text, "hits": [...]}``).

    >>> hit = Hit("program", "https://w3id.org/policykg/id/program/cyder", "CYDER", "CYDER", "CYDER", "exact",
    ...           "prefLabel", "/id/program/cyder")
    >>> print(format_hits("cyder", [hit]))
    kind     label_ja  label_en  matched  match  path
    -------  --------  --------  -------  -----  -----------------
    program  CYDER     CYDER     CYDER    exact  /id/program/cyder
    (1 hit)
    <BLANKLINE>
    """
    if fmt == "json":
        return json.dumps({"query": text, "hits": [h.as_dict() for h in hits]}, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows([getattr(h, c) for c in COLUMNS] for h in hits)
        return out.getvalue()
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r}; use table, csv or json")
    rows = [[getattr(h, c) for c in _TABLE] for h in hits]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in rows]) for i, c in enumerate(_TABLE)]

    def pad(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - display_width(c)) for c, w in zip(cells, widths)).rstrip()

    lines = [pad(_TABLE), "  ".join("-" * w for w in widths), *(pad(r) for r in rows)]
    lines.append(f"({len(hits)} hit{'' if len(hits) == 1 else 's'})")
    return "\n".join(lines) + "\n"
