"""Stores behind one interface: rdflib in memory, Oxigraph in memory, Oxigraph on disk.

``open_store(build_dir, backend)`` opens the built graph (``policykg.nq`` of the build
folder's current generation, :func:`policykg.graph.store.resolve_build`) and returns a
:class:`Store`. Every backend answers the same calls — :meth:`Store.select` for a
SPARQL query with parameters bound as RDF terms, and the few triple look-ups entity
resolution needs — and returns rdflib terms and an rdflib ``Result``, so the named
queries print the same rows on each.

* ``rdflib`` — rdflib's in-memory ``Dataset`` (default graph = union of the named
  graphs). The reference engine; fine for the bundled corpus (~15k quads), far
  too slow for analytic queries past ~100k.
* ``oxigraph`` — pyoxigraph's in-memory store, loaded from the sorted N-Quads
  (the build's own artefact; pyoxigraph parses ~1M quads in a few seconds).
* ``oxigraph-disk`` — pyoxigraph's RocksDB store in ``<build>/oxigraph/``, opened
  read-only (several processes may share it); written by ``policykg build`` (about
  0.7 s for the bundled graph) or else on first use, and rewritten when the
  N-Quads change: keyed by the graph's SHA-256 as its build recorded it (a rebuild
  of the same corpus keeps the store), by the file's size and modification time for
  a plain graph file (one no build recorded, such as ``policykg synth`` output).
  Reopens in ~25 ms where loading the bundled graph into memory takes ~0.17 s, but
  answers 2–4× slower than the in-memory store on large graphs (benchmarks/results.md).
* ``auto`` — the on-disk store when it is already written and fresh for the
  graph (never stale: its stamp must name the graph's SHA-256), so a
  ``policykg query`` answers without loading anything; else ``oxigraph`` (in
  memory) while :data:`MEMORY_FRACTION` of the available memory holds it
  (Oxigraph peaked at about 4× the N-Quads size), else ``oxigraph-disk``. rdflib
  only when asked for: even on the bundled corpus it
  answers ``yoy-change`` in ~11 s where Oxigraph takes ~0.2 s, and it parses the
  graph ~30× slower; the named queries give the same rows on every store.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result

from policykg.errors import QueryError
from policykg.graph.narrow import narrowed
from policykg.graph.store import Generation, StoreError, load_dataset, resolve_build

log = logging.getLogger(__name__)

OXIGRAPH_DIR = "oxigraph"
_STAMP = "policykg-source.json"
#: ``auto`` loads Oxigraph in memory while 4 × the N-Quads size fits in this share of free memory.
MEMORY_FRACTION = 0.5
_DECIMAL = str(XSD.decimal)


class Backend(str, Enum):
    AUTO = "auto"
    RDFLIB = "rdflib"
    OXIGRAPH = "oxigraph"
    OXIGRAPH_DISK = "oxigraph-disk"


# --- term conversion -------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def to_rdflib(term: object) -> URIRef | Literal | BNode | None:
    """A pyoxigraph term as the rdflib term rdflib's N-Quads parser would make (rdflib terms are
    immutable, so a result's repeated IRIs and labels share one).

    >>> to_rdflib(ox.Literal("2024", datatype=ox.NamedNode(str(XSD.integer))))
    rdflib.term.Literal('2024', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    >>> to_rdflib(ox.Literal("64", datatype=ox.NamedNode(str(XSD.decimal))))
    rdflib.term.Literal('64.0', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    >>> to_rdflib(ox.Literal("総務省", language="ja")), to_rdflib(ox.Literal("x"))
    (rdflib.term.Literal('総務省', lang='ja'), rdflib.term.Literal('x'))
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == _DECIMAL:
            return decimal_literal(term.value)
        return Literal(term.value, datatype=None if dt == str(XSD.string) else URIRef(dt))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise StoreError(f"cannot convert the Oxigraph term {term!r}")


def decimal_literal(lexical: str) -> Literal:
    """An xsd:decimal in one lexical form on every backend: always with a fraction digit.

    Oxigraph keeps decimals canonical (``64``), rdflib keeps what was parsed
    (``64.0``) or what Python computed (``23``, ``1E+1``).

    >>> [str(decimal_literal(x)) for x in ("64", "64.0", "-38.6", "1E+1", "0.50")]
    ['64.0', '64.0', '-38.6', '10.0', '0.50']
    """
    text = format(Decimal(lexical), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def canonical(result: Result) -> Result:
    """``result`` with its xsd:decimal values written as :func:`decimal_literal` writes them, and
    each row's bindings in projection order (rdflib keeps the engine's order)."""
    if result.type != "SELECT":
        return result
    fixed = Result("SELECT")
    fixed.vars = result.vars
    fixed.bindings = [  # in projection order, as the JSON results list them
        {k: decimal_literal(str(v)) if isinstance(v, Literal) and v.datatype == XSD.decimal else v
         for k in result.vars if (v := row.get(k)) is not None}
        for row in result.bindings
    ]
    return fixed


def to_oxigraph(term: object) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An rdflib term as a pyoxigraph term.

    >>> to_oxigraph(Literal(2024))
    <Literal value=2024 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise StoreError(f"cannot bind {term!r} as an RDF term")


# --- stores ----------------------------------------------------------------------------------

class RdflibStore:
    """rdflib's in-memory Dataset behind the Store calls."""

    backend = Backend.RDFLIB

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds  # the raw engine: ds.query(any SPARQL)

    def select(self, query: object, bindings: Mapping[str, object] | None = None,
               project: tuple[str, ...] = ()) -> Result:
        """Run ``query`` (text or prepared) with ``bindings`` as rdflib initBindings."""
        return canonical(self.ds.query(query, initBindings=dict(bindings or {})))

    def __len__(self) -> int:
        return len(self.ds)

    def subjects(self, p, o) -> Iterator:
        return self.ds.subjects(p, o, unique=True)

    def objects(self, s, p) -> Iterator:
        return self.ds.objects(s, p, unique=True)

    def subject_objects(self, p) -> Iterator:
        return self.ds.subject_objects(p, unique=True)

    def value(self, s, p):
        return self.ds.value(s, p)


#: Fills the default graph with the RDF merge of the named graphs (each triple once).
UNION_UPDATE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


class OxigraphStore:
    """A pyoxigraph Store (in memory or on disk) whose default graph is the merge of the named graphs.

    Oxigraph's ``use_default_graph_as_union`` is a bag union — a triple stated in
    five documents matches five times, which multiplies joins and sums — so the
    store holds the merge, each triple once, in its default graph
    (:data:`UNION_UPDATE`), as rdflib's ``Dataset(default_union=True)`` sees it.
    """

    def __init__(self, store: ox.Store, backend: Backend) -> None:
        self.store = store  # the raw engine: store.query(any SPARQL); GRAPH ?g sees the documents
        self.backend = backend

    def __len__(self) -> int:
        return len(self.store)

    def select(self, query: str, bindings: Mapping[str, object] | None = None,
               project: tuple[str, ...] = (), *, narrow: bool = True) -> Result:
        """Run ``query`` with ``bindings`` (variable name -> RDF term).

        The bound terms narrow the work (:func:`policykg.graph.narrow.narrowed`:
        a one-row VALUES at the start of each group that binds the variable, where
        the planner starts from it). Where a binding cannot narrow the query they
        become ``substitutions``, which Oxigraph accepts only for a projected
        variable: bound variables missing from ``project`` (the query's columns)
        are added to the projection (:func:`with_projected`) and dropped from the
        result. ``narrow=False`` always uses substitutions (what the equivalence
        tests and the benchmark compare against).
        """
        terms = {k: to_oxigraph(v) for k, v in (bindings or {}).items()}
        subs = {}
        if terms and narrow and (text := narrowed(query, terms)) is not None:
            query = text
        elif terms:
            if project:
                query = with_projected(query, tuple(v for v in terms if v not in project))
            subs = {ox.Variable(k): v for k, v in terms.items()}
        try:
            answer = self.store.query(query, substitutions=subs or None)
        except SyntaxError as e:
            raise QueryError(f"Oxigraph cannot run the query: {e}") from e
        except OSError as e:  # evaluation errors surface as OSError
            raise QueryError(f"Oxigraph failed on the query: {e}") from e
        except BaseException as e:  # a Rust panic that unwinds (pyo3's PanicException derives from BaseException)
            if type(e).__name__ != "PanicException":
                raise
            raise QueryError("the query engine (pyoxigraph) failed on this query: "
                             f"{str(e).splitlines()[0][:200] if str(e) else 'panic'}; try --backend rdflib") from e
        if isinstance(answer, ox.QueryBoolean):
            result = Result("ASK")
            result.askAnswer = bool(answer)
            return result
        names = list(project) or [v.value for v in answer.variables]
        result = Result("SELECT")
        result.vars = [Variable(n) for n in names]
        rows = []
        for solution in answer:
            row = {}
            for n in names:
                term = solution[n]
                if term is not None:
                    row[Variable(n)] = to_rdflib(term)
            rows.append(row)
        result.bindings = rows
        return result

    def _quads(self, s, p, o) -> Iterator[ox.Quad]:
        return self.store.quads_for_pattern(
            None if s is None else to_oxigraph(s), None if p is None else to_oxigraph(p),
            None if o is None else to_oxigraph(o), ox.DefaultGraph())

    def subjects(self, p, o) -> Iterator:
        return (to_rdflib(q.subject) for q in self._quads(None, p, o))

    def objects(self, s, p) -> Iterator:
        return (to_rdflib(q.object) for q in self._quads(s, p, None))

    def subject_objects(self, p) -> Iterator:
        return ((to_rdflib(q.subject), to_rdflib(q.object)) for q in self._quads(None, p, None))

    def value(self, s, p):
        return next(self.objects(s, p), None)


_SELECT = re.compile(r"\bSELECT(\s+(?:DISTINCT|REDUCED)\b)?", re.IGNORECASE)
_GROUP_BY = re.compile(r"\bGROUP\s+BY\b", re.IGNORECASE)


def with_projected(text: str, variables: tuple[str, ...]) -> str:
    r"""``text`` with ``variables`` added to the outer projection (and outer GROUP BY).

    Oxigraph substitutes only projected variables. A substituted variable has
    one value in every row, so projecting it (or grouping by it) changes no row;
    the runner drops the extra columns again. Only variable names from the
    query's own header are inserted — values stay RDF terms.

    >>> with_projected("# SELECT in a comment\nSELECT DISTINCT ?a WHERE { ?a ?p ?doc }", ("doc",))
    '# SELECT in a comment\nSELECT DISTINCT ?doc ?a WHERE { ?a ?p ?doc }'
    >>> with_projected("SELECT ?a (SUM(?x) AS ?s) WHERE { ?a ?p ?x } GROUP BY ?a", ("p",))
    'SELECT ?p ?a (SUM(?x) AS ?s) WHERE { ?a ?p ?x } GROUP BY ?p ?a'
    """
    if not variables:
        return text
    extra = " ".join(f"?{v}" for v in variables if re.fullmatch(r"\w+", v))
    # blank out comments so a keyword inside one is never matched
    masked = re.sub(r"(?m)^\s*#.*$", lambda m: " " * len(m[0]), text)
    select = _SELECT.search(masked)
    if select is None:  # ASK: substitutions need no projection
        return text
    if re.match(r"\s*\*", masked[select.end():]):
        return text
    groups = list(_GROUP_BY.finditer(masked))
    if groups:
        at = groups[-1].end()
        text = f"{text[:at]} {extra}{text[at:]}"
    return f"{text[:select.end()]} {extra}{text[select.end():]}"


Store = RdflibStore | OxigraphStore


# --- opening ---------------------------------------------------------------------------------

def graph_path(build_dir: Path | None) -> Path:
    """The graph file of the build in ``build_dir`` (of its current generation)."""
    return resolve_build(build_dir).graph_path


def choose_backend(nquads_bytes: int, available_bytes: int | None) -> Backend:
    """What ``auto`` picks for an N-Quads file of ``nquads_bytes``.

    >>> choose_backend(3_000_000, 8 << 30).value, choose_backend(200_000_000, 8 << 30).value
    ('oxigraph', 'oxigraph')
    >>> choose_backend(2_000_000_000, 4 << 30).value
    'oxigraph-disk'
    """
    if available_bytes is None or 4 * nquads_bytes <= MEMORY_FRACTION * available_bytes:
        return Backend.OXIGRAPH
    return Backend.OXIGRAPH_DISK


def _available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def open_store(build_dir: Path | None = None, backend: Backend | str = Backend.AUTO) -> Store:
    """Open the built graph on ``backend`` (see the module docstring for ``auto``)."""
    backend = Backend(backend)
    gen = resolve_build(build_dir)  # once: every backend reads this generation's graph
    path = gen.graph_path
    if backend is Backend.AUTO:
        if (written := fresh_disk_store(gen)) is not None:
            log.info("auto: oxigraph-disk, %s is fresh for %s", written, path)
            return OxigraphStore(ox.Store.read_only(str(written)), Backend.OXIGRAPH_DISK)
        backend = choose_backend(path.stat().st_size, _available_memory())
        log.info("auto: %s for %s (%d bytes)", backend.value, path, path.stat().st_size)
    if backend is Backend.RDFLIB:
        return RdflibStore(load_dataset(gen))
    if backend is Backend.OXIGRAPH:
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        store.update(UNION_UPDATE)
        return OxigraphStore(store, Backend.OXIGRAPH)
    return OxigraphStore(ox.Store.read_only(str(ensure_disk_store(gen))), Backend.OXIGRAPH_DISK)


def _stamp(nquads: Path, sha256: str = "") -> dict:
    """What the on-disk store was loaded from: the graph's recorded SHA-256, else the file's size and time."""
    if sha256:
        return {"file": nquads.name, "sha256": sha256}
    st = nquads.stat()
    return {"file": nquads.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _disk_target(source: Generation | Path) -> tuple[Path, Path, dict]:
    """The graph file, the on-disk store's folder and the stamp a fresh store carries."""
    if isinstance(source, Generation):
        nquads, target, sha256 = source.graph_path, source.folder / OXIGRAPH_DIR, source.graph_sha256()
    else:
        nquads, target, sha256 = source, source.parent / OXIGRAPH_DIR, ""
    return nquads, target, _stamp(nquads, sha256)


def fresh_disk_store(source: Generation | Path) -> Path | None:
    """The on-disk Oxigraph store of ``source`` if it is written and fresh (its stamp names this
    graph), else None; never writes."""
    _, target, stamp = _disk_target(source)
    try:
        return target if json.loads((target / _STAMP).read_text(encoding="utf-8")) == stamp else None
    except (OSError, ValueError):
        return None


def ensure_disk_store(source: Generation | Path) -> Path:
    """The on-disk Oxigraph store (``<build>/oxigraph``) of a build's generation or of a plain
    N-Quads file, written if missing or stale."""
    if (target := fresh_disk_store(source)) is not None:
        return target
    nquads, target, stamp = _disk_target(source)
    write_disk_store(nquads, target, stamp)
    return target


def write_disk_store(nquads: Path, target: Path, stamp: dict | None = None) -> None:
    """Bulk-load ``nquads`` into a new RocksDB folder, then swap it in for ``target``.

    Readers see the old folder or the new one; a failure leaves the old one.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        store = ox.Store(str(tmp))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.update(UNION_UPDATE)
        store.optimize()
        store.flush()
        del store
        (tmp / _STAMP).write_text(json.dumps(stamp or _stamp(nquads)), encoding="utf-8")
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "store")
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def disk_usage(path: Path) -> int:
    """Bytes of all files under ``path`` (or of the file)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def open_query_store(build_dir: Path | None = None) -> ox.Store:
    """The built graph in a pyoxigraph in-memory store: the ``oxigraph`` backend of
    :func:`policykg.graph.backends.open_store`, whose default graph holds the RDF
    merge of the named graphs (each triple once, as rdflib's union sees it; Oxigraph's
    own ``use_default_graph_as_union`` is a bag union that multiplies rows and sums)."""
    return open_store(build_dir, Backend.OXIGRAPH).store
