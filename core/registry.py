"""The registry of known entities: agencies, bodies, programmes, laws, measures, areas.

Curated facts live in ``policykg/data/registry.toml`` (each entity with the
corpus lines that justify it); this module loads and validates them and builds
an alias index per kind (the pattern of rdflib's ``plugin.py`` registry).

Names are compared through :func:`lookup_key`: NFKC, white space removed,
casefolded, 強靱 folded to 強靭 and middle-dot variants unified. An unknown
name raises :class:`~policykg.errors.UnknownEntityError` showing that key.

>>> reg = Registry.load()
>>> reg.resolve(Kind.AGENCY, "経産省").key
'meti'
>>> reg.resolve(Kind.AGENCY, "厚⽣労働省").label_ja  # Kangxi radical ⽣
'厚生労働省'
>>> [(e.key, s, t) for e, s, t in reg.scan(Kind.PROGRAM, "NICTのCYDER・NICTER")]
[('cyder', 5, 10), ('nicter', 11, 17)]
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path

from policykg.errors import RegistryError, UnknownEntityError
from policykg.normalize import nfkc, squash

__all__ = ["DEFAULT_PATH", "TRANSLATED_BY", "Entity", "Kind", "Link", "Registry", "lookup_key"]

log = logging.getLogger(__name__)

#: The bundled data file.
DEFAULT_PATH = Path(__file__).parent / "data" / "registry.toml"


class Kind(str, Enum):
    AGENCY = "agency"
    BODY = "body"
    PROGRAM = "program"
    LAW = "law"
    MEASURE = "measure"
    AREA = "area"


#: The value of ``label_en_by`` for an English label policykg translated (none printed in the corpus).
TRANSLATED_BY = "policykg"

#: Kinds in which a ``parent`` key of an entity of each kind is looked up.
_PARENT_KINDS: dict[Kind, tuple[Kind, ...]] = {
    Kind.AGENCY: (Kind.AGENCY,),
    Kind.BODY: (Kind.AGENCY, Kind.BODY),
    Kind.PROGRAM: (Kind.BODY, Kind.AGENCY, Kind.PROGRAM),
    Kind.LAW: (Kind.AGENCY,),
    Kind.MEASURE: (Kind.AGENCY,),
    Kind.AREA: (),
}

_AREA_PREFIX = re.compile(r"^\(\d\)")
_SOURCE_RE = re.compile(r"[a-z0-9-]+:\d+(?:-\d+)?")
# Variant characters that the documents print for the same name.
_FOLD = str.maketrans({"靱": "靭", "·": "・", "•": "・", "‧": "・", "∙": "・"})
# After folding: characters of a key and the variants each matches in a text.
_VARIANTS = {"靭": "靭靱", "・": "・·•‧∙"}


@dataclass(frozen=True)
class Entity:
    kind: Kind
    key: str  # ASCII slug, unique within kind, used in IRIs
    label_ja: str
    label_en: str  # "" if unknown
    aliases: tuple[str, ...]  # printed variants (ja and en)
    parent: str = ""  # see _PARENT_KINDS: supervising agency, operator, parent agency
    kind_detail: str = ""  # body: incorporated-administrative-agency …; law: act
    continues: tuple[str, ...] = ()  # measure: keys of earlier measures it continues
    sources: tuple[str, ...] = ()  # "doc-id:line" citations
    number: int = 0  # area: number in its strategy edition
    edition: str = ""  # area: strategy edition ("2018", "2021")
    note: str = ""  # curator's remark (why an alias or a link is there)
    # The lines that state each link, and why the curator reads a link from lines that
    # do not print it in so many words (then the link is marked inferred):
    parent_sources: tuple[str, ...] = ()
    parent_inferred: str = ""
    continues_sources: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (measure key, citations)
    continues_inferred: tuple[tuple[str, str], ...] = ()  # (measure key, why)
    # law: article number -> its caption (見出し, 「所掌事務等」), with the lines that tie them to the law
    captions: tuple[tuple[str, str], ...] = ()
    caption_sources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where label_en comes from: the lines that print it (the document's own English) or,
    # for a name the corpus never prints in English, label_en_by = "policykg" (our translation)
    label_en_sources: tuple[str, ...] = ()
    label_en_by: str = ""

    def names(self) -> tuple[str, ...]:
        """Label(s) and aliases: every string this entity is found by."""
        names = (self.label_ja, self.label_en, *self.aliases)
        return tuple(dict.fromkeys(n for n in names if n))

    def links(self) -> list[Link]:
        """The parent link and each ``continues`` link, with the lines that state them.

        >>> m = Registry.load().get(Kind.MEASURE, "meti-industrial-cybersecurity-environment")
        >>> [(link.role, link.target, link.sources[-1]) for link in m.links()][-1]
        ('continues', 'meti-industrial-cybersecurity-resilience', 'nisc-budget-fy2025:208')
        """
        out = [Link("parent", self.parent, self.parent_sources, self.parent_inferred)] if self.parent else []
        sources, why = dict(self.continues_sources), dict(self.continues_inferred)
        out += [Link("continues", key, sources.get(key, ()), why.get(key, "")) for key in self.continues]
        return out


@dataclass(frozen=True)
class Link:
    """A link of a registry entity: ``role`` parent (its agency, operator or parent
    organisation) or continues (an earlier measure), the target's key, the citations
    (``doc-id:line``) that state it and, for a link read from lines that do not print it
    as such, the curator's reason (the build marks the link ``pk:inferred``)."""

    role: str
    target: str
    sources: tuple[str, ...]
    inferred: str = ""


def lookup_key(name: str) -> str:
    """The normalised key names are compared by.

    >>> lookup_key("産業サイバーセキュリティ強靱化事業") == lookup_key("産業サイバーセキュリティ強靭化事業")
    True
    >>> lookup_key("リスク管理枠組み （ＲＭＦ） の導⼊")
    'リスク管理枠組み(rmf)の導入'
    """
    return squash(name).casefold().translate(_FOLD)


#: How the names of government organisations end (内閣府, 消費者庁, 個人情報保護委員会 …).
_AGENCY_SUFFIX = re.compile(r"(?:省|庁|府|官房|委員会|委|本部|会議|院|局|事務局)$")
_NOT_A_NAME = re.compile(r"[0-9円:：()（）、。・]")


def looks_like_agency(name: str) -> bool:
    """Whether a printed name is shaped like a government organisation's.

    Table rows begin with the agency in brackets (【総務省】); other bracketed labels
    (【主な経費】, 【新】, 【令和７年度予算額 ： １１．６億円】) are not agencies.

    >>> [looks_like_agency(n) for n in ("内閣府", "消費者庁", "個人情報保護委", "主な経費", "新", "令和7年度予算額:11.6億円")]
    [True, True, True, False, False, False]
    """
    key = squash(name)
    return 2 <= len(key) <= 20 and not _NOT_A_NAME.search(key) and bool(_AGENCY_SUFFIX.search(key))


def _alias_pattern(alias: str) -> str:
    """A regex matching ``alias`` in NFKC text, white space allowed between characters."""
    key = lookup_key(alias)
    parts = []
    for ch in key:
        variants = _VARIANTS.get(ch)
        parts.append(f"[{re.escape(variants)}]" if variants else re.escape(ch))
    body = r"\s*".join(parts)
    if key[0].isascii() and key[0].isalnum():
        body = r"(?<![A-Za-z0-9])" + body
    if key[-1].isascii() and key[-1].isalnum():
        body += r"(?![A-Za-z0-9])"
    return body


def _entity(kind: Kind, raw: dict, origin: str) -> Entity:
    allowed = {f.name for f in fields(Entity)} - {"kind"}
    unknown = set(raw) - allowed
    if unknown:
        raise RegistryError(f"{origin}: {kind.value} entry has unknown fields {sorted(unknown)}")
    for name in ("key", "label_ja"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise RegistryError(f"{origin}: {kind.value} entry lacks {name}: {raw!r}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", raw["key"]):
        raise RegistryError(f"{origin}: key is not an ASCII slug: {raw['key']!r}")
    key = raw["key"]
    citations = [*raw.get("sources", ()), *raw.get("parent_sources", ()), *raw.get("label_en_sources", ())]
    for name in ("continues_sources", "caption_sources"):
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise RegistryError(f"{origin}: {key}: {name} is not a table")
        citations += [s for lists in table.values() for s in lists]
    for source in citations:
        if not isinstance(source, str) or not _SOURCE_RE.fullmatch(source):
            raise RegistryError(f"{origin}: {key}: bad source citation {source!r}")
    values = dict(raw)
    for name in ("aliases", "continues", "sources", "parent_sources", "label_en_sources"):
        values[name] = tuple(raw.get(name, ()))
    for name in ("continues_sources", "caption_sources"):
        values[name] = tuple(sorted((k, tuple(v)) for k, v in raw.get(name, {}).items()))
    for name in ("continues_inferred", "captions"):
        values[name] = tuple(sorted(raw.get(name, {}).items()))
    values.setdefault("label_en", "")
    entity = Entity(kind=kind, **values)
    _check_evidence(entity, origin)
    return entity


def _check_evidence(e: Entity, origin: str) -> None:
    """Link citations name links the entity has; captions belong to laws."""
    def refuse(what: str) -> None:
        raise RegistryError(f"{origin}: {e.kind.value} {e.key!r}: {what}")

    if (e.parent_sources or e.parent_inferred) and not e.parent:
        refuse("parent_sources or parent_inferred without a parent")
    if e.parent_inferred and not e.parent_sources:
        refuse("parent_inferred without parent_sources (the lines it is read from)")
    cited = {k for k, _ in e.continues_sources}
    if extra := cited - set(e.continues):
        refuse(f"continues_sources for measures it does not continue: {sorted(extra)}")
    if extra := {k for k, _ in e.continues_inferred} - cited:
        refuse(f"continues_inferred without continues_sources: {sorted(extra)}")
    if e.label_en_by not in ("", TRANSLATED_BY):
        refuse(f"label_en_by is {e.label_en_by!r}; the one translator is {TRANSLATED_BY!r}")
    if (e.label_en_by or e.label_en_sources) and not e.label_en:
        refuse("label_en_by or label_en_sources without a label_en")
    if e.label_en_by and e.label_en_sources:
        refuse("label_en is either printed (label_en_sources) or policykg's translation (label_en_by), not both")
    if e.label_en and not (e.label_en_by or e.label_en_sources):
        refuse("label_en without its origin: label_en_sources (the lines printing it) or label_en_by = \"policykg\"")
    if (e.captions or e.caption_sources) and e.kind is not Kind.LAW:
        refuse("captions are for laws")
    if extra := {k for k, _ in e.caption_sources} - {k for k, _ in e.captions}:
        refuse(f"caption_sources for articles without a caption: {sorted(extra)}")
    for article, caption in e.captions:
        if not isinstance(caption, str) or not caption:
            refuse(f"caption of article {article} is not a string")


class Registry:
    """Known entities by kind and canonical key, with an alias index."""

    def __init__(self, entities: list[Entity]) -> None:
        self._by_key: dict[Kind, dict[str, Entity]] = {k: {} for k in Kind}
        self._by_name: dict[Kind, dict[str, list[Entity]]] = {k: {} for k in Kind}
        for entity in entities:
            self._add(entity)
        self._check_links()
        self._scanners: dict[Kind, tuple[re.Pattern[str], dict[str, Entity]]] = {}

    def _add(self, entity: Entity) -> None:
        keys = self._by_key[entity.kind]
        if entity.key in keys:
            raise RegistryError(f"duplicate {entity.kind.value} key {entity.key!r}")
        keys[entity.key] = entity
        index = self._by_name[entity.kind]
        for name in {lookup_key(n) for n in entity.names()}:
            holders = index.setdefault(name, [])
            for other in holders:
                # Areas (numbered per strategy edition) may share labels; nothing else may.
                same_slot = (other.edition, other.number) == (entity.edition, entity.number)
                if entity.kind is not Kind.AREA or same_slot:
                    raise RegistryError(
                        f"{entity.kind.value} name {name!r} of {entity.key!r} "
                        f"is already a name of {other.key!r}"
                    )
            holders.append(entity)

    def _check_links(self) -> None:
        for kind, entities in self._by_key.items():
            for entity in entities.values():
                if entity.parent:
                    self.parent_of(entity)
                for key in entity.continues:
                    if kind is not Kind.MEASURE or key not in entities:
                        raise RegistryError(
                            f"{kind.value} {entity.key!r} continues unknown measure {key!r}"
                        )
                if kind is Kind.AREA and (not entity.edition or entity.number < 1):
                    raise RegistryError(f"area {entity.key!r} lacks edition or number")

    @classmethod
    def load(cls, path: Path | None = None) -> Registry:
        """Load and validate a registry file (default: the bundled data file)."""
        path = DEFAULT_PATH if path is None else Path(path)
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise RegistryError(f"cannot read registry {path}: {e}") from e
        unknown = set(data) - {k.value for k in Kind}
        if unknown:
            raise RegistryError(f"{path}: unknown entity kinds {sorted(unknown)}")
        entities = [
            _entity(kind, raw, str(path)) for kind in Kind for raw in data.get(kind.value, [])
        ]
        log.debug("loaded %d entities from %s", len(entities), path)
        return cls(entities)

    def find(self, kind: Kind, name: str) -> Entity | None:
        """The entity printed as ``name``, or None. Ambiguous names raise RegistryError."""
        holders = self._by_name[kind].get(lookup_key(name), [])
        if len(holders) > 1:
            keys = [e.key for e in holders]
            raise RegistryError(f"{kind.value} name {name!r} is ambiguous: {keys}")
        return holders[0] if holders else None

    def resolve(self, kind: Kind, name: str) -> Entity:
        """The entity printed as ``name``; raises UnknownEntityError when unknown."""
        entity = self.find(kind, name)
        if entity is None:
            raise UnknownEntityError(kind.value, name, lookup_key(name))
        return entity

    def get(self, kind: Kind, key: str) -> Entity:
        """The entity with canonical ``key``."""
        try:
            return self._by_key[kind][key]
        except KeyError as e:
            raise UnknownEntityError(kind.value, key, key) from e

    def entities(self, kind: Kind) -> list[Entity]:
        """All entities of ``kind``, sorted by key."""
        return sorted(self._by_key[kind].values(), key=lambda e: e.key)

    def parent_of(self, entity: Entity) -> Entity | None:
        """The entity that ``entity.parent`` names (agency, operator …), or None."""
        if not entity.parent:
            return None
        found = [
            self._by_key[k][entity.parent]
            for k in _PARENT_KINDS[entity.kind]
            if entity.parent in self._by_key[k]
        ]
        if len(found) != 1:
            raise RegistryError(
                f"{entity.kind.value} {entity.key!r}: parent {entity.parent!r} "
                f"names {len(found)} entities"
            )
        return found[0]

    def laws_with_caption(self, article: str, caption: str) -> list[Entity]:
        """Laws whose article ``article`` has the caption (見出し) ``caption`` (compared by lookup key).

        >>> [e.key for e in Registry.load().laws_with_caption("26", "（所掌事務等）".strip("（）"))]
        ['cybersecurity-basic-act']
        """
        wanted = lookup_key(caption)
        return [e for e in self.entities(Kind.LAW)
                if any(a == article and lookup_key(c) == wanted for a, c in e.captions)]

    def continued_by(self, key: str) -> list[Entity]:
        """Measures that list measure ``key`` in their ``continues``."""
        return [e for e in self.entities(Kind.MEASURE) if key in e.continues]

    def area(self, edition: str, number: int, label: str) -> Entity:
        """The area ``number`` of strategy ``edition`` whose names include ``label``.

        A printed number prefix ("（２）") on ``label`` is ignored.
        """
        wanted = _AREA_PREFIX.sub("", lookup_key(label))
        for entity in self.entities(Kind.AREA):
            if entity.edition == edition and entity.number == number:
                if wanted in {lookup_key(n) for n in entity.names()}:
                    return entity
        raise UnknownEntityError(Kind.AREA.value, f"({edition}) ({number}) {label}", wanted)

    def scan(self, kind: Kind, text: str) -> list[tuple[Entity, int, int]]:
        """Every non-overlapping occurrence of a name of ``kind`` in ``nfkc(text)``.

        Offsets are into the NFKC-normalised text; the longest name wins at a
        position; ASCII names need non-alphanumeric neighbours ("IPA" is not
        found in "IPAD").
        """
        pattern, groups = self._scanner(kind)
        found = []
        for match in pattern.finditer(nfkc(text)):
            found.append((groups[match.lastgroup], match.start(), match.end()))
        return found

    def _scanner(self, kind: Kind) -> tuple[re.Pattern[str], dict[str, Entity]]:
        if kind not in self._scanners:
            names = [
                (lookup_key(n), n, e) for e in self.entities(kind) for n in e.names()
            ]
            names.sort(key=lambda t: (-len(t[0]), t[0]))
            groups: dict[str, Entity] = {}
            alternatives = []
            for i, (_, name, entity) in enumerate(names):
                groups[f"n{i}"] = entity
                alternatives.append(f"(?P<n{i}>{_alias_pattern(name)})")
            never = r"(?!x)x"
            pattern = re.compile("|".join(alternatives) or never, re.IGNORECASE)
            self._scanners[kind] = (pattern, groups)
        return self._scanners[kind]
