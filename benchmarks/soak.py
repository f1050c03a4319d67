"""Soak test of `policykg serve`: normal clients among flooding, crashing and slow ones (issue 12).

Bounded and loopback only. Every client has its own source address in 127.0.0.0/8 (on Linux
any of them is a local address), so the server tells them apart as it would on a network:

* **normal** (``clients - 4`` of them, 127.0.10.x): one request at a time from a mix of named
  queries with their example parameters, small ad-hoc SPARQL, entity pages and /search, with
  0.2–0.5 s of think time. An answer counts as an error unless it is 200 and, where the
  server gives one, has the row count of the warm-up pass (``X-PolicyKG-Rows``).
* **flooding** (2, 127.0.1.x): each keeps three cross-product queries in flight, every one
  running to the server's timeout, and sends the next as soon as one is answered.
* **crashing** (127.0.2.1): queries that once crashed or stalled the endpoint — the ``ORDER BY``
  that panicked pyoxigraph, 10,000-deep nesting, the tokenizer body, a SERVICE hidden from a
  text scan, and a string doubled 34 times that kills its worker at its memory cap.
* **slow-body** (127.0.3.1): POSTs a small query 8 bytes every 0.25 s (~5 s a request).

Figures: requests and answers by status for each kind of client; latency p50/p95/max of the
normal clients; the peak resident memory of the server process and of any one worker, and
of all of them together, sampled every 0.25 s from /proc (when the server's pid is known).
Target: normal clients see no error and p95 ≤ 1 s.

    python benchmarks/soak.py                      # starts policykg serve; 32 clients, 60 s
    python benchmarks/soak.py --duration 20 --url http://127.0.0.1:8000

``tests/test_endpoint_fairness.py`` runs :func:`soak` for 15 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoint_load import percentile  # noqa: E402  (one nearest-rank percentile for both benchmarks)

ROOT = Path(__file__).resolve().parent.parent

SLOW_Q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # 14k² pairs: runs to any timeout
SMALL_Q = ("PREFIX pk: <https://w3id.org/policykg/ontology#> SELECT ?amount WHERE { "
           "<https://w3id.org/policykg/id/figure/nisc-budget-fy2024/L10-1> pk:amountJPY ?amount }")
CRASHING = {
    "order-by-panic": "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?o ?s LIMIT 10",
    "deep-nesting": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "tokenizer": "SELECT * {} #\n" + '"\\' * 18_000,
    "hidden-service": "SELECT ?c { BIND(1<'>' AS ?z) SERVICE <http://127.0.0.1:9/sparql> { ?c ?p ?o } } #'",
    "memory-bomb": "SELECT (STRLEN(?v34) AS ?n) { BIND(\"abcdefgh\" AS ?v0) "
                   + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(34)) + " }",
}


def _sparql(query: str) -> str:
    return "/sparql?query=" + urllib.parse.quote(query)


#: the normal clients' requests: (label, path, Accept)
NORMAL = [
    ("named:totals", "/queries/totals?scope_kind=overall&format=csv", "text/csv"),
    ("named:agency-shares", "/queries/agency-shares?fiscal_year=2025&format=json", "application/json"),
    ("named:area-shares", "/queries/area-shares?source=nisc-budget-fy2025&format=csv", "text/csv"),
    ("named:funding-flows", "/queries/funding-flows?recipient=IPA&format=tsv", "text/tab-separated-values"),
    ("named:legal-bases", "/queries/legal-bases?law=" + urllib.parse.quote("サイバーセキュリティ基本法") + "&format=csv",
     "text/csv"),
    ("named:program-facts", "/queries/program-facts?program=CYDER&format=json", "application/json"),
    ("named:conflicts", "/queries/conflicts?fiscal_year=2024&format=csv", "text/csv"),
    ("named:measure-facts", "/queries/measure-facts?measure=" + urllib.parse.quote("ナショナルサイバートレーニングセンターの強化")
     + "&format=csv", "text/csv"),
    ("sparql:amount", _sparql(SMALL_Q), "text/csv"),
    ("sparql:labels", _sparql("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                              "SELECT ?s ?label { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 20"),
     "application/sparql-results+json"),
    ("sparql:ask", _sparql("ASK { ?s a <https://w3id.org/policykg/ontology#BudgetFigure> }"),
     "application/sparql-results+json"),
    ("sparql:agencies", _sparql("PREFIX pk: <https://w3id.org/policykg/ontology#> "
                                "SELECT ?a { ?a a pk:Agency } ORDER BY ?a"), "text/csv"),
    ("entity:measure", "/id/measure/mic-national-cyber-training-center", "text/html"),
    ("entity:figure", "/id/figure/nisc-budget-fy2024/L10-1", "text/turtle"),
    ("entity:agency", "/id/agency/mic", "text/html"),
    ("search", "/search?q=" + urllib.parse.quote("トレーニング") + "&format=json", "application/json"),
]


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no HTTP answer (the connection failed; body says why)
    body: str
    seconds: float
    retry_after: str | None = None
    rows: str | None = None  # X-PolicyKG-Rows


def _split(base: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(base)
    return parts.hostname or "127.0.0.1", parts.port or 80


def request(base: str, path: str, *, source: str = "127.0.0.1", accept: str = "text/csv", method: str = "GET",
            body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
    """One request to ``base`` + ``path`` from the local address ``source`` (a fresh connection)."""
    host, port = _split(base)
    start = time.monotonic()
    conn = http.client.HTTPConnection(host, port, source_address=(source, 0), timeout=timeout)
    try:
        hdrs = {"Accept": accept, **(headers or {})}
        if body is not None:
            hdrs.setdefault("Content-Type", "application/sparql-query")
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        text = r.read().decode("utf-8", errors="replace")
        return Reply(r.status, text, time.monotonic() - start, r.getheader("Retry-After"),
                     r.getheader("X-PolicyKG-Rows"))
    except (OSError, http.client.HTTPException) as e:
        return Reply(0, f"{type(e).__name__}: {e}", time.monotonic() - start)
    finally:
        conn.close()


def slow_body_request(base: str, query: str, *, source: str, chunk: int = 8, pause: float = 0.25,
                      timeout: float = 60) -> Reply:
    """POST ``query`` as application/sparql-query, ``chunk`` bytes every ``pause`` seconds."""
    host, port = _split(base)
    body = query.encode("utf-8")
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout, source_address=(source, 0)) as s:
            s.sendall(f"POST /sparql HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/csv\r\n"
                      f"Content-Type: application/sparql-query\r\nContent-Length: {len(body)}\r\n"
                      "Connection: close\r\n\r\n".encode("ascii"))
            for i in range(0, len(body), chunk):
                s.sendall(body[i:i + chunk])
                time.sleep(pause)
            data = b""
            while chunk_ := s.recv(65_536):
                data += chunk_
    except OSError as e:
        return Reply(0, f"{type(e).__name__}: {e}", time.monotonic() - start)
    head, _, text = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return Reply(status, text.decode("utf-8", errors="replace"), time.monotonic() - start)


class Memory:
    """Samples the resident memory of a server process and all its descendants every 0.25 s (/proc)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.server_kib = self.worker_kib = self.total_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Memory:
        if self.pid is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            server = _rss_kib(self.pid)
            others = [_rss_kib(p) for p in _descendants(self.pid)]
            self.server_kib = max(self.server_kib, server)
            self.worker_kib = max([self.worker_kib, *others])
            self.total_kib = max(self.total_kib, server + sum(others))


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def _descendants(pid: int) -> list[int]:
    out, todo = [], _children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Tally:
    """What one kind of client got: replies by status, latencies, and the normal clients' errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.replies: list[tuple[str, Reply]] = []
        self.errors: list[tuple[str, Reply]] = []

    def add(self, label: str, reply: Reply, ok: bool = True) -> None:
        with self.lock:
            self.replies.append((label, reply))
            if not ok:
                self.errors.append((label, reply))

    def figures(self) -> dict:
        with self.lock:
            replies, errors = list(self.replies), list(self.errors)
        by_status: dict[str, int] = {}
        for _, r in replies:
            by_status[str(r.status)] = by_status.get(str(r.status), 0) + 1
        wrong: dict[str, int] = {}
        for _, r in errors:
            wrong[str(r.status)] = wrong.get(str(r.status), 0) + 1
        seconds = [r.seconds for _, r in replies]
        labels = sorted({label for label, _ in replies})
        per_label = {label: {"requests": len(lat), "p50_ms": round(1000 * percentile(lat, 50)),
                             "p95_ms": round(1000 * percentile(lat, 95)), "max_ms": round(1000 * max(lat))}
                     for label in labels for lat in [[r.seconds for x, r in replies if x == label]]}
        return {"requests": len(replies), "by_status": by_status, "errors": wrong, "per_label": per_label,
                "p50_ms": round(1000 * percentile(seconds, 50)), "p95_ms": round(1000 * percentile(seconds, 95)),
                "max_ms": round(1000 * max(seconds, default=0)),
                "first_errors": [f"{label}: {r.status} {r.body[:160].strip()}" for label, r in errors[:5]]}


def warm_up(base: str) -> dict[str, str | None]:
    """Each normal request once (which also warms every worker's caches): label -> its row count."""
    rows = {}
    for _ in range(3):  # reaches each lane's workers more than once
        for label, path, accept in NORMAL:
            reply = request(base, path, source="127.0.0.9", accept=accept)
            if reply.status != 200:
                raise RuntimeError(f"warm-up: {label} answered {reply.status}: {reply.body[:200]}")
            rows[label] = reply.rows
    return rows


def soak(base: str, *, duration: float = 60.0, clients: int = 32, seed: int = 0, pid: int | None = None) -> dict:
    """Run the clients of the module docstring against ``base`` for ``duration`` seconds; the figures."""
    if clients < 5 or not 0 < duration <= 600:
        raise ValueError("soak needs at least 5 clients and 0 < duration <= 600 s")
    expected = warm_up(base)
    stop = threading.Event()
    tallies = {kind: Tally() for kind in ("normal", "flooding", "crashing", "slow-body")}

    def normal(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        source = f"127.0.10.{i + 1}"
        while not stop.is_set():
            label, path, accept = rng.choice(NORMAL)
            reply = request(base, path, source=source, accept=accept, timeout=30)
            tallies["normal"].add(label, reply, reply.status == 200 and reply.rows == expected[label])
            stop.wait(rng.uniform(0.2, 0.5))

    def flooding(j: int) -> None:
        source = f"127.0.1.{j // 3 + 1}"  # three threads a client: one query running, two waiting
        while not stop.is_set():
            reply = request(base, _sparql(SLOW_Q), source=source, timeout=120)
            tallies["flooding"].add("flood", reply)
            if reply.status == 429:
                stop.wait(float(reply.retry_after or 1))

    def crashing() -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            for label, query in CRASHING.items():
                if stop.is_set():
                    break
                tallies["crashing"].add(label, request(base, "/sparql", source="127.0.2.1", method="POST",
                                                       body=query.encode("utf-8"), timeout=60))
                stop.wait(rng.uniform(0.3, 0.6))

    def slow_body() -> None:
        while not stop.is_set():
            reply = slow_body_request(base, SMALL_Q, source="127.0.3.1")
            tallies["slow-body"].add("slow-body", reply)

    threads = [threading.Thread(target=normal, args=(i,), daemon=True) for i in range(clients - 4)]
    threads += [threading.Thread(target=flooding, args=(j,), daemon=True) for j in range(6)]
    threads += [threading.Thread(target=crashing, daemon=True), threading.Thread(target=slow_body, daemon=True)]
    load_before = os.getloadavg()
    with Memory(pid) as memory:
        start = time.monotonic()
        for t in threads:
            t.start()
        stop.wait(duration)
        stop.set()
        for t in threads[:clients - 4]:
            t.join(35)  # normal clients finish their request in flight
        elapsed = time.monotonic() - start
        for t in threads[clients - 4:]:
            t.join(max(0.0, start + duration + 6 - time.monotonic()))  # the slow body; floods are left running
    figures = {kind: tally.figures() for kind, tally in tallies.items()}
    normal_figures = figures["normal"]
    return {
        "clients": {"normal": clients - 4, "flooding": 2, "crashing": 1, "slow-body": 1},
        "duration_s": duration, "elapsed_s": round(elapsed, 1), **figures,
        "memory_mib": None if pid is None else {"server": round(memory.server_kib / 1024),
                                                "largest_worker": round(memory.worker_kib / 1024),
                                                "all_processes": round(memory.total_kib / 1024)},
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version()},
        "met_target": not normal_figures["errors"] and normal_figures["p95_ms"] <= 1000,
    }


def markdown(res: dict, server: str) -> str:
    n = res["normal"]
    lines = ["# Endpoint soak test (`benchmarks/soak.py`)", "",
             f"{server}; {sum(res['clients'].values())} clients on loopback, each with its own source address, "
             f"for {res['elapsed_s']} s: {res['clients']['normal']} normal, 2 flooding timeouts, 1 crashing, "
             f"1 slow-body. Machine: {res['machine']['cpus']} CPUs shared with the clients (load average "
             f"before/after {res['machine']['loadavg_before'][0]} / {res['machine']['loadavg_after'][0]}).", "",
             "| clients | requests | answers by status | errors | p50 | p95 | max |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for kind in ("normal", "flooding", "crashing", "slow-body"):
        f = res[kind]
        statuses = ", ".join(f"{s}: {c}" for s, c in sorted(f["by_status"].items()))
        errors = sum(f["errors"].values()) if kind == "normal" else "—"
        lines.append(f"| {kind} | {f['requests']} | {statuses} | {errors} | {f['p50_ms']} ms | {f['p95_ms']} ms | "
                     f"{f['max_ms']} ms |")
    lines.append("")
    if res["memory_mib"]:
        m = res["memory_mib"]
        lines.append(f"Peak resident memory: server process {m['server']} MiB, largest worker {m['largest_worker']} "
                     f"MiB, all processes together {m['all_processes']} MiB.")
    lines.append(f"Target (normal clients: no error, p95 ≤ 1 s): {'met' if res['met_target'] else 'NOT met'}"
                 + (f"; first errors: {n['first_errors']}" if n["first_errors"] else "") + ".")
    lines += ["", "Normal clients by request:", "", "| request | requests | p50 | p95 | max |",
              "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {label} | {f['requests']} | {f['p50_ms']} ms | {f['p95_ms']} ms | {f['max_ms']} ms |"
              for label, f in n["per_label"].items()]
    lines += ["", "The other clients by request:", "", "| client | request | requests | p50 | max |",
              "| --- | --- | ---: | ---: | ---: |"]
    lines += [f"| {kind} | {label} | {f['requests']} | {f['p50_ms']} ms | {f['max_ms']} ms |"
              for kind in ("flooding", "crashing", "slow-body") for label, f in res[kind]["per_label"].items()]
    return "\n".join(lines) + "\n"


def start_server(build_dir: Path, options: list[str]) -> tuple[subprocess.Popen, str]:
    from policykg.graph.virtuoso import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "serve", "--build-dir", str(build_dir),
                             "--port", str(port), *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("policykg serve exited")
        if request(base, "/", timeout=2).status == 200:
            return proc, base
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("policykg serve did not come up in 120 s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (at most 600)")
    ap.add_argument("--clients", type=int, default=32, help="all clients, the four hostile ones included")
    ap.add_argument("--build-dir", default=str(ROOT / "build"))
    ap.add_argument("--url", default=None, help="an endpoint already running on loopback (else one is started)")
    ap.add_argument("--timeout", type=float, default=10.0, help="the started server's --timeout")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "soak-results"), help="write OUT.json and OUT.md")
    args = ap.parse_args(argv)
    if args.url and _split(args.url)[0] not in ("127.0.0.1", "localhost"):
        ap.error("--url must be on loopback (127.0.0.1): the soak test sends hostile queries")
    proc, base = (None, args.url.rstrip("/")) if args.url else start_server(Path(args.build_dir),
                                                                          ["--timeout", str(args.timeout)])
    try:
        res = soak(base, duration=args.duration, clients=args.clients, seed=args.seed,
                   pid=proc.pid if proc else None)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    server = (f"`policykg serve --timeout {args.timeout:g}` (defaults otherwise: 3 general + 2 reserved workers, "
              "--per-client 1, --worker-memory 2048)") if proc else f"the endpoint at {base}"
    res["server"] = server
    Path(args.out + ".json").write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(markdown(res, server), encoding="utf-8")
    print(markdown(res, server))
    return 0 if res["met_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
