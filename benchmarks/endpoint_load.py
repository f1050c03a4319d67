"""Load test of `policykg serve`: concurrent SPARQL clients on loopback, bounded in count and time.

Starts `policykg serve` on a free loopback port (or uses --url), then runs
``--clients`` threads for ``--duration`` seconds (at most ``--max-requests`` in
all). Each client cycles through a mix built from the named queries
(queries/*.rq): every query unparameterised, and every query without GROUP BY
also with its header's ``@example`` parameters bound as RDF terms — converted
by the query runner (`policykg.queries.run.convert`) and sent as a trailing
``VALUES`` clause in N-Triples term syntax (the SPARQL protocol has no other
way to pass bindings; the server never builds query text). Results are asked
for in turn as SPARQL JSON, CSV, TSV and XML.

A warm-up pass runs each request once and records its row count; under load a
response counts as an error unless it is 200 *and* has that row count.

Each client connects from its own loopback address (127.0.20.1, 127.0.20.2, …): the endpoint
runs at most ``--per-client`` queries of one address at once (serve/scheduler.py), so 32
threads from one address would be one client, its 32 queries queued behind each other.

Writes ``<out>.json`` and ``<out>.md`` (default benchmarks/endpoint-results.*):
throughput, latency p50/p95/p99/max overall and per query, errors, machine.
Target (issue 4): 32 clients for 60 s, zero errors, p95 ≤ 1 s.

    python benchmarks/endpoint_load.py                       # 32 clients, 60 s
    python benchmarks/endpoint_load.py --clients 8 --duration 10 --exclude yoy-change
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykg.graph.store import load_dataset  # noqa: E402
from policykg.queries.entities import EntityIndex  # noqa: E402
from policykg.queries.run import convert, list_queries, run_query  # noqa: E402
from policykg.graph.virtuoso import free_port  # noqa: E402

ACCEPTS = ("application/sparql-results+json", "text/csv", "text/tab-separated-values",
           "application/sparql-results+xml")


@dataclass(frozen=True)
class Request:
    name: str  # query name, "+example" when parameters are bound
    query: str
    accept: str


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (p in 0..100).

    >>> percentile([0.1, 0.2, 0.3, 0.4], 50), percentile([0.1, 0.2, 0.3, 0.4], 95), percentile([], 50)
    (0.2, 0.4, 0.0)
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def example_params(example: str) -> dict[str, str]:
    """The ``--param k=v`` pairs of a header's ``@example`` command line.

    >>> example_params("policykg query budget-lines --param agency=厚生労働省 --param fiscal_year=2024")
    {'agency': '厚生労働省', 'fiscal_year': '2024'}
    """
    words = shlex.split(example)
    return dict(words[i + 1].split("=", 1) for i, w in enumerate(words[:-1]) if w == "--param")


def build_mix(build_dir: Path, exclude: set[str]) -> tuple[list[Request], dict[str, int], list[str]]:
    """The requests, the row count the query runner (rdflib) gives for each, and variants left out."""
    ds = load_dataset(build_dir)
    index = EntityIndex(ds)
    mix: list[Request] = []
    reference: dict[str, int] = {}
    dropped: list[str] = []
    for nq in list_queries():
        if nq.name in exclude:
            continue
        texts = [(nq.name, nq.text)]
        reference[nq.name] = len(ds.query(nq.prepared_query()))  # unparameterised, even where a parameter is required
        params = example_params(nq.example)
        if params and "GROUP BY" not in nq.text.upper():  # a trailing VALUES joins after grouping
            terms = {nq.param(k).var: convert(index, nq.param(k), v) for k, v in params.items()}
            values = ("\nVALUES (" + " ".join(f"?{v}" for v in terms) + ") { ("
                      + " ".join(t.n3() for t in terms.values()) + ") }\n")
            texts.append((nq.name + "+example", nq.text + values))
            reference[nq.name + "+example"] = len(run_query(ds, nq, params, index=index))
        elif params:
            dropped.append(f"{nq.name}+example (GROUP BY: a trailing VALUES would join after grouping)")
        mix += [Request(name, text, ACCEPTS[len(mix) % len(ACCEPTS)]) for name, text in texts]
    return mix, reference, dropped


def start_server(build_dir: Path, args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "serve", "--build-dir", str(build_dir),
                             "--port", str(port), "--workers", str(args.workers), "--timeout", str(args.timeout),
                             "--max-rows", str(args.max_rows)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"policykg serve exited: {proc.stderr.read().decode()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("policykg serve did not come up in 120 s")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its children (Linux /proc).

    >>> process_tree_cpu(os.getpid()) > 0
    True
    """
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


class SourceAddress(requests.adapters.HTTPAdapter):
    """Connections from the local address ``source`` (any 127.0.0.0/8 address is local on Linux)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(source: str) -> requests.Session:
    s = requests.Session()
    s.mount("http://", SourceAddress(source))
    return s


def send(session: requests.Session, url: str, req: Request, timeout: float) -> tuple[int, int | None]:
    r = session.post(url, data={"query": req.query}, headers={"Accept": req.accept}, timeout=timeout)
    rows = r.headers.get("X-PolicyKG-Rows")
    return r.status_code, int(rows) if rows is not None else None


def run(args) -> dict:
    build_dir = Path(args.build_dir)
    mix, reference, dropped = build_mix(build_dir, set(args.exclude))
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(build_dir, args)
    try:
        expected: dict[Request, int] = {}
        warm: dict[str, float] = {}
        with requests.Session() as s:
            for req in mix:
                t0 = time.perf_counter()
                status, rows = send(s, url, req, args.timeout + 30)
                warm[f"{req.name} [{req.accept}]"] = round(time.perf_counter() - t0, 4)
                if status != 200:
                    raise SystemExit(f"warm-up: {req.name} answered {status}")
                expected[req] = rows
        for req in list(mix):  # keep a request only if the endpoint gives the runner's rows
            if expected[req] != reference[req.name]:
                dropped.append(f"{req.name} [{req.accept}] ({expected[req]} rows, the runner gives "
                               f"{reference[req.name]}: its parameter is not a plain join)")
                mix.remove(req)
        samples: list[tuple[str, float, str]] = []  # (name, seconds, "ok" or error)
        lock = threading.Lock()
        budget = [args.max_requests]
        start = time.monotonic()
        deadline = start + args.duration

        def client(i: int) -> None:
            mine = []
            loopback = urllib.parse.urlsplit(url).hostname in ("127.0.0.1", "localhost")
            with session_from(f"127.0.{20 + i // 250}.{i % 250 + 1}") if loopback else requests.Session() as s:
                j = i
                while time.monotonic() < deadline:
                    with lock:
                        if budget[0] <= 0:
                            break
                        budget[0] -= 1
                    req = mix[j % len(mix)]
                    j += 1
                    t0 = time.perf_counter()
                    try:
                        status, rows = send(s, url, req, args.timeout + 30)
                        outcome = "ok" if status == 200 and rows == expected[req] else (
                            f"HTTP {status}" if status != 200 else f"rows {rows} != {expected[req]}")
                    except requests.RequestException as e:
                        outcome = type(e).__name__
                    mine.append((req.name, time.perf_counter() - t0, outcome))
            with lock:
                samples.extend(mine)

        load_before = os.getloadavg()
        server_cpu = process_tree_cpu(proc.pid) if proc is not None else None
        client_cpu = time.process_time()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        load_after = os.getloadavg()
        client_cpu = time.process_time() - client_cpu
        if proc is not None:
            server_cpu = process_tree_cpu(proc.pid) - server_cpu
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    latencies = [s[1] for s in samples]
    errors: dict[str, int] = {}
    for _, _, outcome in samples:
        if outcome != "ok":
            errors[outcome] = errors.get(outcome, 0) + 1
    per_query = {}
    for name in sorted({s[0] for s in samples}):
        lat = [s[1] for s in samples if s[0] == name]
        per_query[name] = {"requests": len(lat), "p50_s": round(percentile(lat, 50), 4),
                           "p95_s": round(percentile(lat, 95), 4), "max_s": round(max(lat), 4)}
    return {
        "target": "32 clients for 60 s: zero errors, p95 <= 1 s",
        "clients": args.clients, "duration_s": args.duration, "elapsed_s": round(elapsed, 2),
        "server": {"workers": args.workers, "timeout_s": args.timeout, "max_rows": args.max_rows,
                   "url": "external" if args.url else "policykg serve on 127.0.0.1"},
        "mix": [f"{r.name} [{r.accept}]" for r in mix], "excluded": sorted(args.exclude), "dropped": dropped,
        "requests": len(samples), "errors": sum(errors.values()), "errors_by_kind": errors,
        "throughput_rps": round(len(samples) / elapsed, 1),
        "latency_s": {"p50": round(percentile(latencies, 50), 4), "p95": round(percentile(latencies, 95), 4),
                      "p99": round(percentile(latencies, 99), 4), "max": round(max(latencies, default=0), 4)},
        "cpu_s": {"server": None if server_cpu is None else round(server_cpu, 2), "clients": round(client_cpu, 2),
                   "server_ms_per_request": None if server_cpu is None or not samples
                   else round(1000 * server_cpu / len(samples), 1)},
        "per_query": per_query, "warm_up_s": warm,
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in load_after], "python": platform.python_version(),
                    "platform": platform.platform()},
        "met_target": not errors and percentile(latencies, 95) <= 1.0,
    }


def markdown(res: dict) -> str:
    lat = res["latency_s"]
    lines = [
        "# Endpoint load benchmark (`benchmarks/endpoint_load.py`)", "",
        f"`policykg serve` ({res['server']['workers']} workers, timeout {res['server']['timeout_s']} s, "
        f"max rows {res['server']['max_rows']}) on the bundled graph; {res['clients']} concurrent clients on "
        f"loopback for {res['elapsed_s']} s; machine: {res['machine']['cpus']} CPUs shared with the clients "
        f"(load average before/after {res['machine']['loadavg_before'][0]} / {res['machine']['loadavg_after'][0]}).", "",
        "| requests | errors | throughput | p50 | p95 | p99 | max | target met |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {res['requests']} | {res['errors']} | {res['throughput_rps']} req/s | {lat['p50'] * 1000:.0f} ms | "
        f"{lat['p95'] * 1000:.0f} ms | {lat['p99'] * 1000:.0f} ms | {lat['max'] * 1000:.0f} ms | "
        f"{'yes' if res['met_target'] else 'no'} |", "",
        f"CPU during the load: server (all processes) {res['cpu_s']['server']} s, "
        f"{res['cpu_s']['server_ms_per_request']} ms per request; the clients {res['cpu_s']['clients']} s "
        f"of {res['machine']['cpus']} × {res['elapsed_s']} s.", "",
        f"Excluded from the mix: {', '.join(res['excluded']) or 'nothing'}; variants left out: "
        f"{'; '.join(res['dropped']) or 'none'}. Errors by kind: "
        f"{res['errors_by_kind'] or 'none'}.", "",
        "| query | requests | p50 | p95 | max |", "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, q in res["per_query"].items():
        lines.append(f"| {name} | {q['requests']} | {q['p50_s'] * 1000:.0f} ms | {q['p95_s'] * 1000:.0f} ms | "
                     f"{q['max_s'] * 1000:.0f} ms |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests in all")
    ap.add_argument("--build-dir", default=str(ROOT / "build"))
    ap.add_argument("--url", default=None, help="an endpoint already running (else one is started)")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--max-rows", type=int, default=10_000)
    ap.add_argument("--exclude", action="append", default=[], metavar="QUERY", help="leave a named query out")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "endpoint-results"),
                    help="write OUT.json and OUT.md")
    args = ap.parse_args(argv)
    if not 1 <= args.clients <= 256 or not 0 < args.duration <= 600:
        ap.error("--clients must be 1..256 and --duration 0..600 s")
    res = run(args)
    Path(args.out + ".json").write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(markdown(res), encoding="utf-8")
    print(markdown(res))
    return 0 if res["met_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
