"""Who gets the next query worker: a per-client limit, bounded waiting, a fair hand-out, preemption.

The endpoint has two lanes of worker processes (:class:`~policykg.serve.pool.QueryPool`):

* **general** workers (``--workers``) run ad-hoc SPARQL and ``/draw``: any query, up to the timeout;
* **reserved** workers (``--reserved``) run only the bundled, cheap operations — named queries
  (``/queries/<name>``) and entity pages (``/id/…``) — so those are answered while every general
  worker runs some client's query to its timeout. Neither lane's jobs run on the other's workers (a
  named query on a general worker would find it cold, its charts not drawn, and take from ad-hoc
  queries the workers the quota below leaves them); with ``--reserved 0`` they run on general ones.

A client is its remote address (``request.client.host``; an IPv6 client is its /64, since one host
holds a whole /64 — :func:`client_key`). At most ``per_client`` queries of one client run at once
in each lane (``--per-client``; per lane, so a client's long SPARQL query does not hold up its own
entity pages). Its further queries wait, at most ``max_waiting`` of them (more: **429**), and none
longer than ``wait`` seconds (then **503**); both answers carry ``Retry-After`` and a one-line
message naming the limit.

When a worker frees, it goes to the waiting client that has the fewest queries running in that lane,
ties going to the client served longest ago (round robin). So a client with nothing running is served
before any client with a backlog, and one client's backlog never delays another client's first query.

**Preemption.** An ad-hoc query that has used a second of CPU (``demote_after``; the bundled
queries sent as SPARQL use up to ~0.2 s, the endpoint's own parse check included) is *demoted* by
the pool (its worker gets the lowest CPU priority; :class:`~policykg.serve.pool.QueryPool`), and
its client — or the client of a query stopped at the timeout — counts as running long queries for
the next ``long_memory`` seconds (60): its next queries are *suspect* from their start. When a
client with nothing running in the general lane has waited ``patience`` seconds (0.25) for a
general worker and one of them runs a demoted or suspect query, the scheduler stops such a query
— the one of the client with most queries waiting, then the one running longest — answered 503
(:class:`Preempted`): the timeout is what a
query may take when it keeps nobody else waiting; long queries get the workers short ones leave.
A spare worker takes the stopped one's place at once and the waiting client gets it. One
preemption is under way at a time, and only a client with nothing running triggers one, and only
if none of its own queries ran long within ``long_memory``: flooding clients do not stop each
other's queries (each restart would cost a second of CPU at full priority), normal clients
stop theirs.

**A quota for long queries.** Suspect queries (of clients that ran long queries lately) run on at
most half the general workers (``W // 2``, at least one; the pool runs them at the lowest CPU
priority from their start); their further queries wait. So however many clients flood, once each
has run one long query they share that half, and the other half stays for everyone else.

What this guarantees, with ``W`` general workers, ``R ≥ 1`` reserved workers and ``per_client = K``:

* named queries and entity pages never wait for ad-hoc SPARQL: they wait only for other named
  queries and pages (each well under a second), handed out fairly;
* fewer than ``W / K`` flooding clients (each keeping ``K`` queries running to the timeout) cannot
  keep ad-hoc SPARQL of others waiting for a worker: at least one general worker is never theirs,
  and a client with nothing running goes before them on every worker that frees (defaults
  ``W = 3``, ``K = 1``); they share the CPU with it, at the lowest priority once they run long;
* with any number of them, a query of a client with nothing running, while any general worker
  runs a long query (past a second of CPU, or of a client that ran long queries lately — a
  flooder's, from its start), waits at most ``patience`` plus the time for the pool to stop that
  query (≤ 0.1 s; a spare worker takes its place), plus its turn among other such clients waiting
  at the same moment — only the first second of CPU of each flooder's first query is not yet
  "long";
* with the quota, no suspect query starts while ``W // 2`` general workers (at least one) run long
  queries, whatever the number of clients that ran long ones lately (defaults: 1 of 3);
* a client's own backlog waits for its own queries: at most ``max_waiting`` wait, for ``wait`` s.

Clients with many addresses count as many clients: the limit is per address (or /64), not per person.
All methods run on the server's event loop (one thread); waiting costs a future, not a thread, so
a long queue never exhausts the thread pool that runs the queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ipaddress
import itertools
import logging
import math
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from policykg.errors import PolicyKGError

log = logging.getLogger(__name__)

__all__ = ["Busy", "Lane", "Preempted", "Scheduler", "Slot", "client_key"]

#: clients whose last turn is remembered for the round robin before idle ones are forgotten
_REMEMBERED = 10_000
#: how often a waiting query looks whether it may preempt, seconds
_LOOK_EVERY = 0.1


class Lane(enum.Enum):
    """Which workers a job may run on."""

    GENERAL = "general"  # ad-hoc SPARQL and /draw
    RESERVED = "reserved"  # named queries and entity pages: on reserved workers, or general ones when those are busy


class Busy(PolicyKGError):
    """A query refused before it ran: 429 (the client's own queue is full) or 503 (waited too long)."""

    def __init__(self, status: int, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Preempted(Busy):
    """A long query stopped before its timeout to give its worker to a client that waited (503)."""


def client_key(host: str | None) -> str:
    """The client a remote address belongs to: an IPv4 address, or an IPv6 address's /64.

    >>> client_key("127.0.0.2"), client_key("::ffff:10.0.0.7"), client_key("2001:db8:1:2:aa::1")
    ('127.0.0.2', '10.0.0.7', '2001:db8:1:2::/64')
    >>> client_key(None), client_key("testclient")
    ('unknown', 'testclient')
    """
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an IP address (a Unix socket, starlette's test client): one client per name
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(eq=False)
class Slot:
    """A worker handed to a client's job. The pool's thread sets ``demoted``; the scheduler sets ``stop``
    to preempt the job, and the pool's thread, which looks at it every 0.2 s, stops the worker."""

    client: str
    lane: Lane  # the job's lane
    worker_lane: Lane  # the lane of the worker it runs on
    started: float = field(default_factory=time.monotonic)
    demoted: bool = False
    suspect: bool = False  # its client ran a long query lately: it may be preempted from its start
    stop: threading.Event = field(default_factory=threading.Event, repr=False)


@dataclass(eq=False)
class _Waiter:
    client: str
    lane: Lane
    seq: int  # arrival order, the last tie-break
    future: asyncio.Future = field(repr=False)
    arrived: float = field(default_factory=time.monotonic)


@dataclass
class Scheduler:
    """Hands out ``workers`` (lane -> count) to clients; see the module docstring.

    ``async with scheduler.slot(client, lane) as slot:`` waits for a worker; ``slot.worker_lane``
    is the lane of the worker to run on (general for every job when there are no reserved workers). :class:`Busy`
    when the client has ``max_waiting`` queries waiting already (429), when ``max_queue`` queries
    wait in all (503), or after ``wait`` seconds (503).
    """

    workers: Mapping[Lane, int]
    per_client: int = 1
    max_waiting: int = 8
    wait: float = 10.0
    max_queue: int = 1024
    patience: float = 0.25
    long_memory: float = 60.0
    _free: dict = field(init=False, repr=False)
    _running: Counter = field(default_factory=Counter, init=False, repr=False)  # (client, lane) -> running
    _slots: set = field(default_factory=set, init=False, repr=False)  # the Slots handed out
    _queues: dict = field(default_factory=dict, init=False, repr=False)  # (client, lane) -> deque of _Waiter
    _served: dict = field(default_factory=dict, init=False, repr=False)  # (client, lane) -> last grant's number
    _long: dict = field(default_factory=dict, init=False, repr=False)  # client -> when a query of it last ran long
    _grants: itertools.count = field(default_factory=itertools.count, init=False, repr=False)
    _arrivals: itertools.count = field(default_factory=itertools.count, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.per_client < 1 or self.max_waiting < 0 or self.wait <= 0:
            raise ValueError("per_client must be at least 1, max_waiting at least 0 and wait positive")
        if self.workers.get(Lane.GENERAL, 0) < 1:
            raise ValueError("the scheduler needs at least one general worker")
        self._free = {lane: self.workers.get(lane, 0) for lane in Lane}
        self.long_quota = max(1, self.workers[Lane.GENERAL] // 2)

    # -- what the routes call

    @contextlib.asynccontextmanager
    async def slot(self, client: str, lane: Lane) -> AsyncIterator[Slot]:
        slot = await self.acquire(client, lane)
        try:
            yield slot
        finally:
            self.release(slot)

    async def acquire(self, client: str, lane: Lane) -> Slot:
        """Wait for a worker for a job of ``client`` in ``lane``: its Slot, to :meth:`release` when done."""
        key = (client, lane)
        # after every hand-out no free worker is left that a waiting query could take, so a free worker
        # here is nobody else's: take it, unless this client's own earlier queries wait (FIFO per client)
        if not self._queues.get(key) and self._may_run(key):
            granted = self._take(lane)
            if granted is not None:
                return self._grant(key, granted)
        waiting = sum(len(q) for (c, _), q in self._queues.items() if c == client)
        if waiting >= self.max_waiting:
            raise Busy(429, f"too many queries from {client} at once: at most {self.per_client} running and "
                            f"{self.max_waiting} waiting per client (--per-client {self.per_client}); "
                            "send the next when one is answered", retry_after=1)
        if self.waiting() >= self.max_queue:
            raise Busy(503, f"the endpoint has {self.max_queue} queries waiting already; try again later",
                       retry_after=math.ceil(self.wait))
        waiter = _Waiter(client, lane, next(self._arrivals), asyncio.get_running_loop().create_future())
        self._queues.setdefault(key, deque()).append(waiter)
        self._dispatch()
        deadline = time.monotonic() + self.wait
        suspect = self._ran_long(client)
        try:
            while not waiter.future.done() and (left := deadline - time.monotonic()) > 0:
                await asyncio.wait({waiter.future}, timeout=min(left, _LOOK_EVERY))
                if suspect and not self._ran_long(client):  # its long query is forgotten: it may go now
                    suspect = False
                    self._dispatch()
                if not waiter.future.done():
                    self._preempt_for(waiter)
        except BaseException:  # cancelled (the client went away) while waiting, or just as it was granted
            if not self._forget(waiter):
                self.release(waiter.future.result())
            raise
        if self._forget(waiter):
            if self._ran_long(client) and lane is Lane.GENERAL and self._running[key] < self.per_client:
                raise Busy(503, f"this query waited {self.wait:g} s for a worker: queries of clients that ran long "
                                f"queries in the last {self.long_memory:g} s share {self.long_quota} of the "
                                f"{self.workers[Lane.GENERAL]} general workers; try again later",
                           retry_after=math.ceil(self.wait))
            if self._running[key] >= self.per_client:
                raise Busy(503, f"this query waited {self.wait:g} s for {client}'s earlier queries: at most "
                                f"{self.per_client} of one client run at once (--per-client {self.per_client}); "
                                "send the next when one is answered", retry_after=math.ceil(self.wait))
            busy = " and ".join(f"{self.workers[lane_]} {lane_.value}" for lane_ in self._lanes_for(lane))
            raise Busy(503, f"no query worker was free for {self.wait:g} s (all {busy} workers ran other "
                            "clients' queries); try again later", retry_after=math.ceil(self.wait))
        return waiter.future.result()

    def release(self, slot: Slot) -> None:
        """``slot``'s job is done (answered, failed or stopped): its worker goes to the next in line."""
        if slot not in self._slots:
            return
        self._slots.discard(slot)
        if slot.demoted:
            self._long[slot.client] = time.monotonic()
            if len(self._long) > _REMEMBERED:
                since = time.monotonic() - self.long_memory
                self._long = {c: t for c, t in self._long.items() if t > since}
        key = (slot.client, slot.lane)
        self._running[key] -= 1
        if self._running[key] <= 0:
            del self._running[key]
        self._free[slot.worker_lane] += 1
        self._dispatch()

    def waiting(self) -> int:
        """How many queries wait."""
        return sum(len(q) for q in self._queues.values())

    # -- the hand-out

    def _lanes_for(self, lane: Lane) -> tuple[Lane, ...]:
        return (Lane.RESERVED,) if lane is Lane.RESERVED and self.workers.get(Lane.RESERVED) else (Lane.GENERAL,)

    def _take(self, lane: Lane) -> Lane | None:
        for worker_lane in self._lanes_for(lane):
            if self._free[worker_lane] > 0:
                self._free[worker_lane] -= 1
                return worker_lane
        return None

    def _priority(self, key: tuple[str, Lane]) -> tuple[int, int, int]:
        """Lower goes first: fewest running in the lane, then served longest ago, then arrived first."""
        return self._running[key], self._served.get(key, -1), self._queues[key][0].seq

    def _grant(self, key: tuple[str, Lane], worker_lane: Lane) -> Slot:
        self._running[key] += 1
        self._served[key] = next(self._grants)
        if len(self._served) > _REMEMBERED:  # forget when idle clients were served: memory stays bounded
            for idle in [k for k in self._served if k not in self._running and k not in self._queues]:
                del self._served[idle]
        slot = Slot(key[0], key[1], worker_lane, suspect=self._ran_long(key[0]))
        self._slots.add(slot)
        return slot

    def _dispatch(self) -> None:
        """Give free workers to waiting clients, best first, until none is free or nobody can take one."""
        while True:
            best = None
            for key in self._queues:
                if not self._may_run(key):
                    continue
                if not any(self._free[lane] > 0 for lane in self._lanes_for(key[1])):
                    continue
                if best is None or self._priority(key) < self._priority(best):
                    best = key
            if best is None:
                return
            waiter = self._queues[best].popleft()
            if not self._queues[best]:
                del self._queues[best]
            waiter.future.set_result(self._grant(best, self._take(best[1])))

    def _preempt_for(self, waiter: _Waiter) -> None:
        """Stop one demoted general query for ``waiter`` if it may have one (see the module docstring)."""
        if waiter.lane is not Lane.GENERAL or self._running[(waiter.client, Lane.GENERAL)] or self._free[Lane.GENERAL]:
            return
        if time.monotonic() - waiter.arrived < self.patience or self._ran_long(waiter.client):
            return  # a worker may free any moment; or this client runs long queries itself
        general = [s for s in self._slots if s.worker_lane is Lane.GENERAL]
        long = [s for s in general if (s.demoted or s.suspect) and not s.stop.is_set()]
        if not long or any(s.stop.is_set() for s in general):
            return
        backlog = Counter(c for (c, _), q in self._queues.items() for _ in q)
        victim = max(long, key=lambda s: (backlog[s.client], -s.started))
        victim.stop.set()
        log.warning("preempting the query of %s after %.1f s: %s waited %.2f s with nothing running", victim.client,
                    time.monotonic() - victim.started, waiter.client, time.monotonic() - waiter.arrived)

    def _may_run(self, key: tuple[str, Lane]) -> bool:
        """Whether a query of ``key`` may start now (a worker being free aside): the per-client limit
        and the quota of suspect queries."""
        if self._running[key] >= self.per_client:
            return False
        if key[1] is Lane.GENERAL and self._ran_long(key[0]):
            held = sum(1 for s in self._slots if s.worker_lane is Lane.GENERAL and (s.suspect or s.demoted))
            return held < self.long_quota
        return True

    def _ran_long(self, client: str) -> bool:
        """Whether a query of ``client`` was demoted within the last ``long_memory`` seconds, or one
        running now is (so a flooder counts as one from its first query's first half second of CPU)."""
        if time.monotonic() - self._long.get(client, -math.inf) < self.long_memory:
            return True
        return any(s.demoted and s.client == client for s in self._slots)

    def _forget(self, waiter: _Waiter) -> bool:
        """Take ``waiter`` out of its queue if it is still there (not granted): whether it was."""
        key = (waiter.client, waiter.lane)
        queue = self._queues.get(key)
        if waiter.future.done() or queue is None or waiter not in queue:
            return False
        queue.remove(waiter)
        if not queue:
            del self._queues[key]
        waiter.future.cancel()
        return True
