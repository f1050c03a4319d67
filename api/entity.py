"""One entity of the graph with its names, figures, relations and programmes (:meth:`KnowledgeGraph.entity`).

Read with the SPARQL files in ``queries/entity/`` (labels, figures, relations),
the entity resolved like a query parameter of type ``entity``: an IRI, a registry
key or any label, in any spelling variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from policykg.graph.backends import Store
from policykg.namespace import ID, PREFIXES
from policykg.queries.entities import EntityIndex
from policykg.queries.run import NamedQuery, load_query, run_query
from policykg.queries.search import KINDS

from .frames import to_frame

__all__ = ["Entity", "read_entity"]


@dataclass(frozen=True)
class Entity:
    """An agency, body, programme, law, measure or strategy area, as the built graph holds it.

    ``figures``: one row per budget figure scoped to it (fiscal_year, budget,
    supplement, status, amount_jpy, printed, inclusive, origin, rank, rank_reason,
    source, line …); ``relations``: one row per link to another entity and
    statement citing it (direction, relation as ``pk:agency``, other, other_class
    as ``pk:Agency``, other_label, source, line, inferred: false where the line prints the
    link, <NA> where no statement cites it …); ``programmes``: the rows of ``relations`` whose other end is a
    programme, one per programme (its first citing line).
    """

    iri: str
    kind: str  # agency, body, program, law, measure, area
    key: str | None
    label_ja: str | None
    label_en: str | None
    aliases: tuple[str, ...]
    figures: pd.DataFrame = field(repr=False)
    relations: pd.DataFrame = field(repr=False)
    programmes: pd.DataFrame = field(repr=False)

    @property
    def path(self) -> str:
        """The entity page, under https://w3id.org/policykg/ (``/id/measure/<key>``)."""
        return "/id/" + self.iri.removeprefix(str(ID))


def _curie(iri: str) -> str:
    """``pk:agency`` for the ontology's IRIs (and the prefixes of :data:`policykg.namespace.PREFIXES`)."""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and prefix:
            return f"{prefix}:{iri[len(base):]}"
    return iri


def _query(name: str) -> NamedQuery:
    return load_query(Path(str(resources.files("policykg.queries"))) / "entity" / f"{name}.rq")


def read_entity(store: Store, index: EntityIndex, name_or_iri: str) -> Entity:
    """The entity named ``name_or_iri`` (QueryError when no entity, or more than one, has that name)."""
    iri = index.resolve("entity", str(name_or_iri), param="entity")
    params = {"entity": str(iri)}
    labels = to_frame(run_query(store, _query("labels"), params, index=index))
    cls = str(labels["class"].iloc[0]).rsplit("#", 1)[-1]
    pref = labels[labels.via == "prefLabel"]
    by_lang = {lang: str(group.label.iloc[0]) for lang, group in pref.groupby("lang", sort=True)}
    names = [str(x) for x in labels.label.dropna()]
    shown = set(by_lang.values())
    aliases = tuple(sorted({n for n in names if n not in shown}))
    key = labels.key.dropna()
    relations = to_frame(run_query(store, _query("relations"), params, index=index))
    relations["relation"] = relations.relation.map(_curie, na_action="ignore").astype("string")
    relations["other_class"] = relations.other_class.map(_curie, na_action="ignore").astype("string")
    relations.loc[relations.source.notna() & relations.inferred.isna(), "inferred"] = False  # stated as printed
    programmes = relations[relations.other_class == "pk:Program"]
    programmes = programmes.drop_duplicates("other").reset_index(drop=True)
    figures = to_frame(run_query(store, _query("figures"), params, index=index))
    return Entity(str(iri), KINDS.get(cls, cls.lower()), str(key.iloc[0]) if len(key) else None,
                  by_lang.get("ja"), by_lang.get("en"), aliases, figures, relations, programmes)
