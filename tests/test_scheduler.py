"""The scheduler that hands query workers to clients (serve/scheduler.py), on its own event loop.

Each case holds workers with jobs that end when the test says so, and checks who got a worker,
in which order and on which lane: the per-client limit, the round robin that puts a client with
nothing running before another's backlog, the reserved lane ad-hoc queries never get, and the
two refusals (429 when a client's own queue is full, 503 past the waiting deadline), and
preemption: a long (demoted) query stopped for a client that waits with nothing running.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from policykg.serve.scheduler import Busy, Lane, Scheduler, Slot

G, R = Lane.GENERAL, Lane.RESERVED


class Jobs:
    """Jobs on ``scheduler`` that hold their worker until :meth:`finish`; ``order`` records each grant."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.order: list[tuple[str, Lane]] = []  # (job name, lane of the worker it got)
        self.done: dict[str, asyncio.Event] = {}
        self.tasks: dict[str, asyncio.Task] = {}
        self.slots: dict[str, Slot] = {}

    def start(self, name: str, client: str, lane: Lane = G) -> asyncio.Task:
        self.done[name] = asyncio.Event()

        async def job() -> Lane:
            async with self.scheduler.slot(client, lane) as slot:
                self.order.append((name, slot.worker_lane))
                self.slots[name] = slot
                await self.done[name].wait()
                return slot.worker_lane

        self.tasks[name] = asyncio.get_running_loop().create_task(job())
        return self.tasks[name]

    async def finish(self, name: str) -> None:
        self.done[name].set()
        await self.tasks[name]
        await settle()

    def granted(self) -> list[str]:
        return [name for name, _ in self.order]


async def settle() -> None:
    for _ in range(5):  # let every task that was handed a worker run up to its first wait
        await asyncio.sleep(0)


def test_per_client_limit_and_a_new_client_goes_before_a_backlog() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 2}, per_client=1, wait=30))
        jobs.start("a1", "A")
        jobs.start("a2", "A")  # A's second waits although a worker is free: one of A's at a time
        jobs.start("a3", "A")
        await settle()
        assert jobs.granted() == ["a1"]
        jobs.start("b1", "B")  # B's first takes the free worker at once
        await settle()
        assert jobs.granted() == ["a1", "b1"]
        jobs.start("c1", "C")  # both workers busy: C waits behind A's backlog in time, not in turn
        await settle()
        await jobs.finish("a1")  # the freed worker goes to C (nothing running) before A's a2
        assert jobs.granted() == ["a1", "b1", "c1"]
        await jobs.finish("b1")
        assert jobs.granted()[-1] == "a2"
        await jobs.finish("c1")  # a3 waits for a2 (per client), not for a worker
        assert jobs.granted() == ["a1", "b1", "c1", "a2"] and jobs.scheduler.waiting() == 1
        await jobs.finish("a2")
        await jobs.finish("a3")
        assert jobs.granted() == ["a1", "b1", "c1", "a2", "a3"] and jobs.scheduler.waiting() == 0

    asyncio.run(case())


def test_round_robin_over_waiting_clients() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 1}, per_client=1, wait=30))
        jobs.start("x", "X")
        for n in (1, 2, 3):  # each client queues three while X holds the only worker
            for client in "ABC":
                jobs.start(f"{client.lower()}{n}", client)
        await settle()
        await jobs.finish("x")
        while len(jobs.order) < 10:
            await jobs.finish(jobs.order[-1][0])
        assert jobs.granted() == ["x", "a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"]

    asyncio.run(case())


def test_reserved_lane_is_never_given_to_ad_hoc_queries_nor_the_general_to_named_ones() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 1, R: 1}, per_client=1, wait=0.3))
        jobs.start("a-sparql", "A", G)
        jobs.start("b-named", "B", R)  # the reserved worker
        jobs.start("a-named", "A", R)  # per client and per lane: A's named query does not wait for its SPARQL
        await settle()
        assert jobs.order == [("a-sparql", G), ("b-named", R)]
        await jobs.finish("b-named")
        assert jobs.order[-1] == ("a-named", R)
        start = time.monotonic()
        with pytest.raises(Busy) as refused:  # the reserved worker is busy, not free: the deadline
            await jobs.scheduler.acquire("C", G)
        assert refused.value.status == 503 and refused.value.retry_after == 1
        assert "no query worker was free for 0.3 s (all 1 general workers ran other clients' queries)" \
            in str(refused.value)
        assert 0.25 < time.monotonic() - start < 2
        await jobs.finish("a-named")  # the reserved worker is free now, and still not for SPARQL
        with pytest.raises(Busy):
            await jobs.scheduler.acquire("C", G)
        await jobs.finish("a-sparql")
        jobs.start("d-named", "D", R)
        with pytest.raises(Busy):  # nor is the free general worker for a named query
            await jobs.start("e-named", "E", R)
        assert jobs.order[-1] == ("d-named", R)
        assert (await jobs.scheduler.acquire("C", G)).worker_lane is G  # it was free all along
        await jobs.finish("d-named")
        # without reserved workers, named queries run on general ones
        solo = Jobs(Scheduler({G: 1}, per_client=1, wait=0.3))
        solo.start("f-named", "F", R)
        await settle()
        assert solo.order == [("f-named", G)]

    asyncio.run(case())


def test_full_queue_is_429_and_a_waiting_backlog_expires_with_its_reason() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 2}, per_client=1, max_waiting=2, wait=0.3))
        jobs.start("a1", "A")
        jobs.start("a2", "A")
        jobs.start("a3", "A")
        await settle()
        with pytest.raises(Busy) as refused:  # two of A's wait already: refused at once
            await jobs.scheduler.acquire("A", G)
        assert refused.value.status == 429 and refused.value.retry_after == 1
        assert str(refused.value).startswith("too many queries from A at once: at most 1 running and 2 waiting "
                                             "per client (--per-client 1)")
        assert jobs.scheduler.waiting() == 2
        await asyncio.sleep(0.5)  # a2 and a3 pass their deadline (a worker was free all along: A's limit)
        for name in ("a2", "a3"):
            assert jobs.tasks[name].done()
            error = jobs.tasks[name].exception()
            assert isinstance(error, Busy) and error.status == 503
            assert "waited 0.3 s for A's earlier queries: at most 1 of one client run at once" in str(error)
        assert jobs.scheduler.waiting() == 0 and jobs.granted() == ["a1"]
        jobs.start("b1", "B")  # the other worker was never taken by A's backlog
        await settle()
        assert jobs.granted() == ["a1", "b1"]

    asyncio.run(case())


def test_a_cancelled_waiter_leaves_no_trace() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 1}, per_client=1, wait=30))
        jobs.start("a1", "A")
        waiting = jobs.start("b1", "B")  # the client goes away while waiting
        await settle()
        waiting.cancel()
        await settle()
        assert jobs.scheduler.waiting() == 0
        jobs.start("c1", "C")
        await jobs.finish("a1")
        assert jobs.granted() == ["a1", "c1"]
        await jobs.finish("c1")
        # everything released: the worker is free again for anyone
        assert (await jobs.scheduler.acquire("D", G)).worker_lane is G

    asyncio.run(case())


def test_a_client_with_nothing_running_preempts_a_long_query_after_its_patience() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 2, R: 1}, per_client=1, wait=30, patience=0.25))
        jobs.start("b1", "B")  # B and A hold both general workers; A has a backlog too
        jobs.start("a1", "A")
        jobs.start("a2", "A")
        await settle()
        jobs.start("c1", "C")  # C waits with nothing running
        await asyncio.sleep(0.4)
        assert not any(slot.stop.is_set() for slot in jobs.slots.values())  # neither query is long: they may end
        jobs.slots["b1"].demoted = True  # B's query has used a second of CPU
        await asyncio.sleep(0.15)
        assert jobs.slots["b1"].stop.is_set() and not jobs.slots["a1"].stop.is_set()  # the long one
        await jobs.finish("b1")  # the pool stops the worker and the job ends: C gets it, before A's a2
        assert jobs.granted() == ["b1", "a1", "c1"]
        await asyncio.sleep(0.4)
        assert not jobs.slots["a1"].stop.is_set()  # A waits (a2) but has a query running: never preempts

    asyncio.run(case())


def test_preemption_stops_the_flooder_first_one_at_a_time_never_for_itself() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 2, R: 1}, per_client=1, wait=30, patience=0.25))
        jobs.start("b1", "B")
        jobs.start("a1", "A")
        jobs.start("a2", "A")
        await settle()
        jobs.slots["b1"].demoted = jobs.slots["a1"].demoted = True
        start = time.monotonic()
        jobs.start("c1", "C")
        while not any(slot.stop.is_set() for slot in jobs.slots.values()):
            await asyncio.sleep(0.02)
        assert 0.2 < time.monotonic() - start < 0.6  # after C's patience, not before
        # A's (A has a query waiting), not B's, although B's started first
        assert jobs.slots["a1"].stop.is_set() and not jobs.slots["b1"].stop.is_set()
        await asyncio.sleep(0.3)
        assert not jobs.slots["b1"].stop.is_set()  # one preemption at a time
        await jobs.finish("a1")
        assert jobs.granted() == ["b1", "a1", "c1"]
        await asyncio.sleep(0.4)  # A, nothing running now but its last query ran long, does not preempt B
        assert not jobs.slots["b1"].stop.is_set()
        # a reserved-lane job never preempts: E waits for the reserved worker D holds
        jobs.slots["c1"].demoted = True
        jobs.start("d1", "D", R)
        jobs.start("e1", "E", R)
        await asyncio.sleep(0.4)
        assert not any(jobs.slots[n].stop.is_set() for n in ("b1", "c1"))
        assert jobs.granted() == ["b1", "a1", "c1", "d1"]

    asyncio.run(case())


def test_a_client_that_ran_long_lately_is_preemptible_from_the_start() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 1}, per_client=1, wait=30))
        jobs.start("a1", "A")
        await settle()
        jobs.slots["a1"].demoted = True  # A's first query ran long and ended
        await jobs.finish("a1")
        jobs.start("a2", "A")  # the next one starts suspect, before using any CPU
        jobs.start("b1", "B")
        await settle()
        assert jobs.slots["a2"].suspect and not jobs.slots["a2"].demoted
        await asyncio.sleep(0.45)
        assert jobs.slots["a2"].stop.is_set()  # B did not wait for A's query to use a second of CPU
        await jobs.finish("a2")
        assert jobs.granted() == ["a1", "a2", "b1"] and not jobs.slots["b1"].suspect

    asyncio.run(case())


def test_clients_that_ran_long_share_half_the_general_workers() -> None:
    async def case() -> None:
        jobs = Jobs(Scheduler({G: 4}, per_client=1, wait=0.6, patience=30, long_memory=1.2))
        assert jobs.scheduler.long_quota == 2
        for client in "ABC":  # each has run one long query
            jobs.start(f"{client.lower()}0", client)
            await settle()
            jobs.slots[f"{client.lower()}0"].demoted = True
            await jobs.finish(f"{client.lower()}0")
        for client in "ABC":
            jobs.start(f"{client.lower()}1", client)
        await settle()
        assert jobs.granted()[3:] == ["a1", "b1"]  # C's waits although two workers are free
        jobs.start("d1", "D")  # a client with no long query: at once
        jobs.start("e1", "E")
        await settle()
        assert jobs.granted()[5:] == ["d1", "e1"]
        await jobs.finish("d1")  # a free worker, still not for C
        assert jobs.granted()[-1] == "e1" and jobs.scheduler.waiting() == 1
        await jobs.finish("a1")  # a suspect query ended: C's turn
        assert jobs.granted()[-1] == "c1"
        jobs.start("a2", "A")
        await asyncio.sleep(0.8)  # A's next waits out its deadline, with the reason
        error = jobs.tasks["a2"].exception()
        assert isinstance(error, Busy) and error.status == 503
        assert "queries of clients that ran long queries in the last 1.2 s share 2 of the 4 general workers" \
            in str(error)
        jobs.start("a3", "A")  # ... until its long query is forgotten: then it runs as anyone's
        await asyncio.sleep(1.0)
        assert jobs.granted()[-1] == "a3" and not jobs.slots["a3"].suspect

    asyncio.run(case())
