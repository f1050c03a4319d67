"""SPARQL evaluation in worker processes that can be killed: the endpoint's per-query timeout.

pyoxigraph cannot cancel a running query (``Store.query`` has no timeout or
interrupt, and results such as ``ORDER BY`` or ``COUNT`` are computed before the
first row comes out), and a thread cannot be stopped from outside. So each query
runs in one of a few worker processes (forked by a fork server), each holding its own read-only copy of
the built graph (a pyoxigraph in-memory store loaded from ``policykg.nq``: 15k
quads in ~0.05 s). A query that overruns the timeout gets its worker killed
(SIGKILL): the CPU is freed at once, the client gets :class:`QueryTimeout`, and
a fresh worker replaces it in the background. Which client's query runs when
is decided before it gets here (:mod:`.scheduler`: lanes, per-client limit,
fair hand-out); a query running long is demoted to the lowest CPU priority
(:class:`QueryPool`).

Result rows are counted in the worker while they are produced: more than
``max_rows`` rows (triples for CONSTRUCT/DESCRIBE) stop the query with
:class:`TooManyRows` — the endpoint never sends a silently truncated result.

The worker only ever calls ``Store.query`` (never ``update``) on its private
in-memory copy, so nothing a client sends can change the graph; the HTTP layer
refuses updates and SERVICE before a query gets here.
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import multiprocessing
import os
import queue
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import PolicyKGError, QueryError
from policykg.graph.backends import open_query_store
from policykg.graph.store import GRAPH_FILE, StoreError, resolve_build
from policykg.namespace import PREFIXES
from policykg.serve.entity import EntityNotFound, evaluate_entity
from policykg.serve.named import bundled_queries, evaluate_named
from policykg.serve.protocol import (GRAPH_FORMATS, RESULT_FORMATS, Forbidden, NotAcceptable, QueryTimeout,
                                     TooManyRows, WorkerFailed, check_query)
from policykg.serve.scheduler import Lane, Preempted, Slot

log = logging.getLogger(__name__)

__all__ = ["Answer", "NotAcceptable", "QueryPool", "QueryTimeout", "TooManyRows", "WorkerFailed",
           "RESULT_FORMATS", "GRAPH_FORMATS"]

@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    rows: int  # solutions, triples, or 1 for ASK
    seconds: float


@dataclass(frozen=True)
class Job:
    query: str
    accept: tuple[str, ...]  # media types acceptable to the client, best first
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    named: str = ""  # a bundled query run by the CLI's runner instead of ``query`` (see .named_route)
    params: tuple[tuple[str, str], ...] = ()
    entity: str = ""  # the path after /id/ of an entity page (see .entity); accept[0] is the form wanted
    prefix: str = "/"  # the server's own path prefix, for the page's links
    # a module-level function ``f(build_dir, *args) -> (body, media type, rows)`` run instead (``/draw``)
    call: tuple = ()


def evaluate(store: ox.Store, job: Job, max_rows: int) -> tuple[bytes, str, int]:
    """Run ``job`` on ``store``: ``(body, media type, rows)``; QueryError, TooManyRows or NotAcceptable."""
    kwargs: dict = {}  # the store's default graph is the merge of the named graphs
    try:  # the HTTP layer refuses a graph that is not an IRI; this keeps a worker alive should one get here
        if job.default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        if job.named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    except ValueError as e:
        raise QueryError(f"a default-graph-uri or named-graph-uri is not an IRI: {e}") from e
    check_query(job.query)  # updates, SERVICE, too deep or unparsable: refused from the parsed query
    try:
        result = store.query(job.query, **kwargs)
    except (SyntaxError, ValueError) as e:
        raise QueryError(f"malformed query: {e}") from e
    except OSError as e:  # evaluation errors surface as OSError
        raise QueryError(f"query failed: {e}") from e
    except BaseException as e:  # a Rust panic in pyoxigraph (pyo3's PanicException derives from BaseException)
        if type(e).__name__ != "PanicException":
            raise
        raise QueryError(f"the query engine (pyoxigraph) failed on this query: {str(e).splitlines()[0][:200]}") from e
    if isinstance(result, ox.QueryBoolean):
        media = _pick(job.accept, RESULT_FORMATS, exclude=("text/csv", "text/tab-separated-values"))
        return result.serialize(format=RESULT_FORMATS[media]), media, 1
    if isinstance(result, ox.QuerySolutions):
        media = _pick(job.accept, RESULT_FORMATS)
        # TSV has exactly one line per solution: count while pyoxigraph writes, then convert
        # (TSV keeps every term exactly, so pyoxigraph's JSON/XML/CSV writers get the same solutions).
        out = _LineCounter(max_rows + 1, "rows")
        result.serialize(out, format=ox.QueryResultsFormat.TSV)
        body, fmt = bytes(out.buffer), RESULT_FORMATS[media]
        if fmt != ox.QueryResultsFormat.TSV:
            body = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
        return body, media, out.lines - 1
    media = _pick(job.accept, GRAPH_FORMATS)
    out = _LineCounter(max_rows, "triples")  # N-Triples: one line per triple
    result.serialize(out, format=ox.RdfFormat.N_TRIPLES)
    body, fmt = bytes(out.buffer), GRAPH_FORMATS[media]
    if fmt != ox.RdfFormat.N_TRIPLES:
        prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
        body = ox.serialize(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), format=fmt, prefixes=prefixes)
    return body, media, out.lines


def _pick(accept: tuple[str, ...], offers: dict, exclude: tuple[str, ...] = ()) -> str:
    for media in accept:
        if media in offers and media not in exclude:
            return media
    raise NotAcceptable("this query's result can be given as " + ", ".join(
        m for m in offers if m not in exclude) + f"; the request accepts only {', '.join(accept) or 'nothing'}")


class _LineCounter:
    """A binary writer that keeps what pyoxigraph writes and stops it past ``limit`` lines.

    >>> w = _LineCounter(2, "rows")
    >>> w.write(b"?a\\n1\\n"), w.lines
    (5, 2)
    >>> try:
    ...     w.write(b"2\\n")
    ... except TooManyRows as e:
    ...     print(str(e).split(";")[0])
    the result has more than 1 rows (the endpoint's row limit)
    """

    def __init__(self, limit: int, what: str) -> None:
        self.limit, self.what = limit, what
        self.buffer = bytearray()
        self.lines = 0

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            shown = self.limit - 1 if self.what == "rows" else self.limit  # the TSV header is a line too
            raise TooManyRows(f"the result has more than {shown} {self.what} (the endpoint's row limit); "
                              "narrow the query or page through it with LIMIT and OFFSET")
        self.buffer += data
        return len(data)

    def flush(self) -> None:
        pass


def _worker_main(conn, build_dir: str, max_rows: int, memory_bytes: int = 0, chart=None,
                 queries=None) -> None:  # pragma: no cover
    sys.setrecursionlimit(20_000)  # rdflib's SPARQL parser recurses per bracket (protocol.MAX_NESTING bounds it)
    if memory_bytes:  # an allocation past the cap fails in this worker only, which is then replaced
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        store = open_query_store(Path(build_dir))
    except PolicyKGError as e:
        conn.send(("fail", str(e)))
        return
    graphs = {}
    for g in store.named_graphs():
        graphs[g.value] = sum(1 for _ in store.quads_for_pattern(None, None, None, g))
    conn.send(("ready", graphs))
    gc.freeze()  # what the fork server imported and the store stay out of every collection (and shared)
    # an entity page's chart takes ~0.15 s of matplotlib; the graph never changes, so each is drawn once
    # per worker (at most 256 kept: a few MB)
    draw = None if chart is None else functools.lru_cache(maxsize=256)(lambda kind, iri: chart(store, kind, iri))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        start = time.perf_counter()
        try:
            if job.call:
                body, media, rows = job.call[0](Path(build_dir), *job.call[1])
            elif job.entity:
                body, media, rows = evaluate_entity(store, job.entity, job.accept[0], prefix=job.prefix, chart=draw,
                                                    max_rows=max_rows)
            elif job.named:
                body, media, rows = evaluate_named(store, queries or {}, job.named, job.params, job.accept, max_rows)
            else:
                body, media, rows = evaluate(store, job, max_rows)
            conn.send(("ok", body, media, rows, time.perf_counter() - start))
        except (QueryError, TooManyRows, NotAcceptable, EntityNotFound) as e:
            conn.send(("error", type(e).__name__, str(e)))
        except MemoryError:
            conn.send(("error", "MemoryError", ""))


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) process ``pid`` has used, from /proc; None where there is no /proc.

    >>> import os
    >>> cpu_seconds(os.getpid()) >= 0, cpu_seconds(2**22 + 1)
    (True, None)
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


#: how often a running query's CPU time (for demotion) and its slot's stop (preemption) are looked at, seconds
_CHECK_EVERY = 0.1
#: the nice value of a demoted worker (the lowest priority)
_DEMOTED_NICE = 19


def _renice(pid: int) -> bool:
    """Give process ``pid`` the lowest CPU priority: True (also when it is gone, which the next poll says)."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, _DEMOTED_NICE)
    except OSError:
        pass
    return True


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object
    lane: Lane


@dataclass
class QueryPool:
    """Query processes in two lanes (see :mod:`.scheduler`); :meth:`run` is blocking and thread-safe.

    ``workers`` general workers (any query) and ``reserved`` workers that the server gives only
    named queries and entity pages. Which job runs on which lane is the caller's choice (the
    server's :class:`~policykg.serve.scheduler.Scheduler`); the pool only keeps the workers alive.

    **Demotion**: an ad-hoc query (a general-lane job) that has used ``demote_after`` seconds of CPU
    (0: never; small queries use a few ms) gets its worker reniced to 19, and so does, from its start,
    a query the scheduler marks suspect (its client ran long queries lately): on a busy machine the
    CPU goes to the short queries first, and a few clients running queries to the timeout cannot
    slow everyone else's answers (on two CPUs, two such queries would otherwise take all of both).
    An unprivileged process cannot raise its priority again, so a reniced worker is replaced once
    its query is answered.
    """

    build_dir: Path
    workers: int = 3
    timeout: float = 10.0
    max_rows: int = 10_000
    memory_mb: int = 0  # address-space cap per worker (RLIMIT_AS), 0 for none
    reserved: int = 2
    demote_after: float = 1.0
    #: workers kept started beside the lanes, so a stopped worker is replaced at once (then a new spare starts)
    spares: int = 1
    graphs: dict[str, int] = field(default_factory=dict)  # named graph -> triples, from the first worker
    #: ``chart(store, kind, iri) -> <svg> | None`` for entity pages: a module-level function (pickled by name)
    chart: object = None
    _idle: dict = field(default_factory=lambda: {lane: queue.Queue() for lane in Lane}, repr=False)
    _spare: queue.Queue = field(default_factory=queue.Queue, repr=False)
    _all: list = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _closed: bool = False

    def start(self) -> QueryPool:
        self.build_dir = Path(self.build_dir).resolve()
        resolve_build(self.build_dir)  # StoreError now, not in each worker; each worker resolves it when it starts
        lanes = [Lane.GENERAL] * self.workers + [Lane.RESERVED] * self.reserved
        launched = [self._launch(lane) for lane in lanes]  # all load the graph at once
        spares = [self._launch(Lane.GENERAL) for _ in range(self.spares)]
        for worker in launched:
            self._idle[worker.lane].put(self._ready(worker))
        for worker in spares:
            self._spare.put(self._ready(worker))
        return self

    def size(self, lane: Lane) -> int:
        """How many workers ``lane`` has (running, idle or being replaced)."""
        return self.workers if lane is Lane.GENERAL else self.reserved

    def _launch(self, lane: Lane) -> _Worker:
        # forked by multiprocessing's fork server: a fresh single-threaded process (never a fork of this
        # threaded server) that has imported the worker's modules once, so a worker, a replacement
        # after a timeout or crash too, starts in ~0.2 s of CPU instead of ~0.6 s for a new interpreter
        ctx = multiprocessing.get_context("forkserver")
        # not matplotlib, which the charts import when first drawn: it turns on pyparsing's packrat cache
        # for the whole process, and rdflib's SPARQL parser (the check of every ad-hoc query) then takes
        # twice as long; only workers that draw charts (reserved ones, for entity pages) import it
        ctx.set_forkserver_preload([__name__, *([self.chart.__module__] if self.chart is not None else [])])
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker_main,
                           args=(child, str(self.build_dir), self.max_rows, self.memory_mb * 2**20, self.chart,
                                 bundled_queries()),
                           daemon=True)
        proc.start()
        child.close()
        with self._lock:
            self._all.append(proc)
        return _Worker(proc, parent, lane)

    def _ready(self, worker: _Worker) -> _Worker:
        if not worker.conn.poll(120):
            worker.process.kill()
            raise StoreError(f"a query worker did not load {self.build_dir / GRAPH_FILE} in 120 s")
        msg = worker.conn.recv()
        if msg[0] != "ready":
            raise StoreError(msg[1])
        with self._lock:
            self.graphs = msg[1]
        return worker

    def _spawn(self, lane: Lane) -> _Worker:
        return self._ready(self._launch(lane))

    def run(self, job: Job, lane: Lane = Lane.GENERAL, slot: Slot | None = None) -> Answer:
        """Evaluate ``job`` on a worker of ``lane``: Answer, or QueryTimeout, TooManyRows, NotAcceptable,
        QueryError, WorkerFailed; Preempted when the scheduler sets ``slot.stop`` (this marks
        ``slot.demoted`` when it demotes the query).

        A worker that dies under a query (a crash of the engine, its memory cap, or a kill
        from outside) is replaced and the query is answered with the failure once: it is
        never retried on another worker, so a query that crashes the engine costs one
        worker restart, not all of them.
        """
        deadline = time.monotonic() + self.timeout  # waiting for a free worker is bounded too
        return self._run_once(job, lane, deadline, slot or Slot("", lane, lane))

    def _run_once(self, job: Job, lane: Lane, deadline: float, slot: Slot) -> Answer:
        while True:
            try:
                worker = self._idle[lane].get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise QueryTimeout(f"all {self.size(lane)} {lane.value} query workers stayed busy for "
                                   f"{self.timeout:g} s; try again later") from None
            if worker.process.is_alive():
                break
            self._replace(worker, "died while idle")  # e.g. killed from outside: replace, take another
        try:
            worker.conn.send(job)
            start = time.monotonic()
            outcome = self._wait(worker, slot)
            if outcome == "timeout":
                slot.demoted = slot.lane is Lane.GENERAL  # ran long, however little CPU it got on a busy machine
                self._replace(worker, "ran past the timeout")
                worker = None
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s (the endpoint's timeout) "
                                   "and was stopped; narrow it down or add LIMIT")
            if outcome == "stopped":
                self._replace(worker, "was preempted")
                worker = None
                raise Preempted(503, f"the query was stopped after {time.monotonic() - start:.1f} s to let another "
                                     f"client's query run: a long query (past {self.demote_after:g} s of CPU) "
                                     "gives way to clients that wait; it may run for the whole "
                                     f"{self.timeout:g} s timeout when the endpoint is less busy",
                                retry_after=math.ceil(self.timeout))
            msg = worker.conn.recv()
            if outcome == "demoted":
                self._replace(worker, "ran at the lowest priority")
                worker = None
        except (EOFError, OSError, BrokenPipeError) as e:  # the worker died (the engine crashed, or its memory cap)
            code = worker.process.exitcode if worker.process.join(1) is None else None
            self._replace(worker, "died under a query")
            worker = None
            cause = f"exit code {code}" if code is not None else (str(e) or type(e).__name__)
            cap = f": it needed more than its {self.memory_mb:,} MiB (--worker-memory) or crashed the engine" \
                if self.memory_mb else ""
            raise WorkerFailed(f"the query worker died under this query ({cause}){cap}; the query was not answered "
                               "and will not be retried") from e
        finally:
            if worker is not None:
                self._idle[worker.lane].put(worker)
        if msg[0] == "ok":
            return Answer(msg[1], msg[2], msg[3], msg[4])
        if msg[1] == "MemoryError":
            raise QueryTimeout(self._memory_message())
        cls = {"TooManyRows": TooManyRows, "NotAcceptable": NotAcceptable, "Forbidden": Forbidden,
               "EntityNotFound": EntityNotFound}.get(msg[1], QueryError)
        raise cls(msg[2])

    def _wait(self, worker: _Worker, slot: Slot) -> str:
        """Wait for ``worker``'s answer: "answered", "demoted" (answered after a demotion), "timeout" or
        "stopped" (``slot.stop`` was set)."""
        pid = worker.process.pid
        start, used = time.monotonic(), cpu_seconds(pid)
        reniced = slot.suspect and slot.lane is Lane.GENERAL and _renice(pid)
        while True:
            left = start + self.timeout - time.monotonic()
            if left <= 0:
                return "timeout"
            if worker.conn.poll(min(left, _CHECK_EVERY)):
                return "demoted" if reniced or slot.demoted else "answered"
            if slot.stop.is_set():
                return "stopped"
            if slot.demoted or not self.demote_after or slot.lane is Lane.RESERVED:
                continue  # named queries and pages are bounded: never demoted (their workers stay warm)
            now = cpu_seconds(pid)
            spent = time.monotonic() - start if now is None or used is None else now - used
            if spent >= self.demote_after:
                reniced = _renice(pid) or reniced
                slot.demoted = True

    def _memory_message(self) -> str:
        return (f"the query needed more than the {self.memory_mb:,} MiB a query worker may use "
                "(the endpoint's --worker-memory) and was stopped; narrow it down or add LIMIT")

    def _replace(self, worker: _Worker, why: str) -> None:
        worker.process.kill()
        worker.process.join(5)
        with self._lock:
            if worker.process in self._all:
                self._all.remove(worker.process)
        log.warning("stopped %s query worker %s (it %s); starting a new one", worker.lane.value,
                    worker.process.pid, why)
        try:
            spare = self._spare.get_nowait()
        except queue.Empty:
            spare = None
        if spare is not None and spare.process.is_alive():
            spare.lane = worker.lane  # takes the stopped one's place at once; a new spare starts
            self._idle[worker.lane].put(spare)
            into, lane = self._spare, Lane.GENERAL
        else:
            into, lane = self._idle[worker.lane], worker.lane

        def respawn() -> None:
            if not self._closed:
                try:
                    into.put(self._spawn(lane))
                except PolicyKGError:
                    log.exception("could not start a replacement query worker")

        threading.Thread(target=respawn, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            procs = list(self._all)
        for proc in procs:
            proc.kill()
            proc.join(5)
