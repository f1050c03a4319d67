"""Slow clients cannot lock others out of a real `policykg serve` (issue 12): loopback, distinct clients.

On Linux every 127.0.0.0/8 address is a local source address, so each test client binds its
own (127.0.0.2, 127.0.0.3, …) while the server listens on 127.0.0.1, and the server tells the
clients apart by their remote address, as it would on the network.

* Two clients each keep a query running to the timeout (``--timeout 3``, the default three
  general workers): a third client's named query, entity page and small ad-hoc SPARQL query
  are answered 200 well before the timeout. Before the scheduler, the two held both workers
  and the third client's queries got 503 after the whole timeout.
* A flooding client's second query waits for its first (``--per-client 1``) and its ninth
  waiting one is refused at once with 429; both answers say which limit and carry ``Retry-After``.
  ``X-Forwarded-For`` does not make it another client (no ``--trust-proxy``).
* The soak test (``benchmarks/soak.py``, shortened): 32 clients, two of them flooding timeouts, one
  sending queries that crash or are refused, one sending its body slowly, the rest normal.

The FY2024 overall initial budget, 2,126.2億円 = 212,620,000,000 yen, is printed at
corpus/002_1a1f949df8b9b077.txt:10 (nisc-budget-fy2024) — the small query's answer.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
SLOW_Q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # 14k² pairs: far past 3 s
SMALL_Q = ("PREFIX pk: <https://w3id.org/policykg/ontology#> SELECT ?amount WHERE { "
           "<https://w3id.org/policykg/id/figure/nisc-budget-fy2024/L10-1> pk:amountJPY ?amount }")
TIMEOUT = 3.0


def _soak_module():
    """benchmarks/soak.py (not a package: loaded from its path)."""
    spec = importlib.util.spec_from_file_location("benchmarks_soak", ROOT / "benchmarks" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


soak = _soak_module()


WORKER_MIB = 1024


@pytest.fixture(scope="module")
def served(bundled_build: Path, serving):
    options = ("--timeout", str(TIMEOUT), "--worker-memory", str(WORKER_MIB))
    with serving(bundled_build, *options, ready="/") as (url, proc):
        yield url, proc.pid


@pytest.fixture()
def server(served) -> str:
    return served[0]


def sparql_path(query: str) -> str:
    return "/sparql?query=" + urllib.parse.quote(query)


def test_two_clients_at_the_timeout_do_not_hold_up_a_third(server: str) -> None:
    results: dict[str, soak.Reply] = {}

    def flood(source: str) -> None:
        results[source] = soak.request(server, sparql_path(SLOW_Q), source=source, timeout=30)

    floods = [threading.Thread(target=flood, args=(s,)) for s in ("127.0.0.2", "127.0.0.3")]
    for t in floods:
        t.start()
    time.sleep(1.0)  # both slow queries are running (and demoted) by now
    third = "127.0.0.4"
    named = soak.request(server, "/queries/totals?scope_kind=overall&fiscal_year=2024&format=csv", source=third)
    page = soak.request(server, "/id/measure/mic-national-cyber-training-center", source=third,
                        accept="text/turtle")
    small = soak.request(server, sparql_path(SMALL_Q), source=third)
    for t in floods:
        t.join(60)
    assert named.status == 200 and "212620000000" in named.body, named
    assert page.status == 200 and "ナショナルサイバートレーニングセンター" in page.body, page
    assert small.status == 200 and small.body.splitlines()[1] == "212620000000", small
    assert named.seconds + page.seconds + small.seconds < 1.5, (named.seconds, page.seconds, small.seconds)
    for source in ("127.0.0.2", "127.0.0.3"):  # the floods themselves ran to the timeout
        reply = results[source]
        assert reply.status == 503 and f"longer than {TIMEOUT:g} s" in reply.body, reply
        assert TIMEOUT - 0.5 < reply.seconds < TIMEOUT + 3, reply


def test_a_client_waits_for_its_own_queries_and_is_refused_past_its_queue(server: str) -> None:
    flooder = "127.0.0.5"
    replies: list[soak.Reply] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        # a different X-Forwarded-For on each: without --trust-proxy it names nobody
        reply = soak.request(server, sparql_path(SLOW_Q), source=flooder, timeout=30,
                             headers={"X-Forwarded-For": f"10.0.0.{i}"})
        with lock:
            replies.append(reply)

    first = threading.Thread(target=send, args=(0,))
    first.start()
    time.sleep(0.5)  # the first one runs
    rest = [threading.Thread(target=send, args=(i,)) for i in range(1, 10)]
    for t in rest:
        t.start()
    time.sleep(0.5)
    other = soak.request(server, sparql_path(SMALL_Q), source="127.0.0.6")  # another client: served at once
    for t in [first, *rest]:
        t.join(60)
    assert other.status == 200 and other.seconds < 1.0, other
    by_status: dict[int, list[soak.Reply]] = {}
    for reply in replies:
        by_status.setdefault(reply.status, []).append(reply)
    assert sorted(by_status) == [429, 503] and len(by_status[429]) == 1, {s: len(r) for s, r in by_status.items()}
    [full] = by_status[429]
    assert full.seconds < 0.5 and full.retry_after == "1"
    assert full.body.startswith("too many queries from 127.0.0.5 at once: at most 1 running and 8 waiting "
                                "per client (--per-client 1)"), full.body
    ran = [r for r in by_status[503] if "longer than" in r.body]
    waited = [r for r in by_status[503] if "earlier queries" in r.body]
    # the first ran to the timeout; the next was handed the worker as the first stopped and ran to the
    # timeout too, or waited out its deadline; the others waited out theirs, all as 127.0.0.5
    assert len(ran) in (1, 2) and len(ran) + len(waited) == 9, [r.body for r in by_status[503]]
    assert all(r.retry_after == str(int(TIMEOUT)) and "for 127.0.0.5's earlier queries: at most 1 of one client "
               "run at once (--per-client 1)" in r.body for r in waited), waited[0].body


def test_soak_normal_clients_are_answered_while_others_flood_crash_and_trickle(served) -> None:
    server, pid = served
    figures = soak.soak(server, duration=15, clients=32, seed=12, pid=pid)
    print(soak.markdown(figures, "policykg serve --timeout 3 --worker-memory 1024"))
    normal = figures["normal"]
    assert figures["clients"] == {"normal": 28, "flooding": 2, "crashing": 1, "slow-body": 1}
    assert normal["requests"] > 300, figures  # ~28 clients × 15 s / (0.35 s think + answer)
    assert normal["errors"] == {}, figures
    assert normal["p95_ms"] <= 1000, figures
    # the others got answers (their refusals as designed), never a dropped connection (status 0)
    assert all("0" not in figures[kind]["by_status"] for kind in figures["clients"]), figures
    assert figures["flooding"]["by_status"].get("503", 0) >= 4, figures
    assert figures["crashing"]["by_status"].get("400", 0) >= 1, figures
    assert figures["slow-body"]["by_status"] == {"200": figures["slow-body"]["requests"]} and \
        figures["slow-body"]["requests"] >= 1, figures
    # memory: no worker past its cap (RLIMIT_AS bounds its resident memory too); the server process,
    # which holds bodies of at most 1 MB and answers built within a worker's cap, stays small
    memory = figures["memory_mib"]
    assert memory["largest_worker"] <= WORKER_MIB and memory["server"] < 400, memory
