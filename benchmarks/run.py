"""Benchmark the stores on synthetic graphs: load, size, memory and named-query latency, side by side.

For each size (default 10k, 100k, 1M, 5M quads, made by ``policykg synth`` with
one seed) and each backend — rdflib in memory (only up to ``--rdflib-max``),
Oxigraph in memory, Oxigraph on disk, Virtuoso 7 (a throwaway server on
loopback, graph/virtuoso.py) — it measures, each backend in a fresh child
process:

* load: seconds from the N-Quads file to a queryable store (Oxigraph disk: the
  one-time bulk load into RocksDB, and reopening it);
* store size on disk (N-Quads for the in-memory stores, the RocksDB folder,
  Virtuoso's database file);
* peak memory (the child's VmHWM; Virtuoso: the server's);
* p50 / p95 latency of every named query with its ``@example`` parameters
  (entity parameters resolved once, as a server would cache them), the row
  count, and "timeout" past ``--timeout`` seconds.

Virtuoso gets the same N-Quads file and the same query text with the resolved
parameters as a trailing ``VALUES`` block (its HTTP endpoint has no
substitutions; the semantics equal Oxigraph's). Its default graph is Virtuoso's
own union of all graphs (a bag, not the merge), so its row counts can differ:
they are reported next to the others.

Results: benchmarks/results.json and benchmarks/results.md. Run from the
repository root::

    python benchmarks/run.py --sizes 100k,1M,5M   # the issue-14 run: every backend, CLI, endpoint
    python benchmarks/run.py --quick         # 10k and 100k, 3 repeats
    python benchmarks/run.py --sizes 1M --backends oxigraph,virtuoso
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("rdflib", "oxigraph", "oxigraph-disk", "virtuoso")


def parse_size(text: str) -> int:
    """>>> parse_size("10k"), parse_size("5M"), parse_size("1500")
    (10000, 5000000, 1500)
    """
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


def vm_hwm(pid: int | str = "self") -> int:
    """Peak resident memory of a process in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def example_params(example: str) -> dict[str, str]:
    words = shlex.split(example)
    return dict(words[i + 1].partition("=")[::2] for i, w in enumerate(words) if w in ("--param", "-p"))


def disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ANN001
    raise Timeout()


def timed_runs(run, repeats: int, timeout: float, budget: float) -> dict:
    """Run ``run()`` (returns a row count) up to ``repeats`` times within ``budget`` seconds."""
    times, rows = [], None
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    for i in range(repeats + 1):  # the first run warms caches and is not counted
        signal.setitimer(signal.ITIMER_REAL, timeout)
        t = time.perf_counter()
        try:
            rows = run()
        except Timeout:
            return {"timeout": timeout, "rows": rows}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if i:
            times.append(time.perf_counter() - t)
        elif repeats == 0:
            times.append(time.perf_counter() - t)
        if time.perf_counter() - started > budget and times:
            break
    times.sort()
    return {"p50_ms": round(1000 * statistics.median(times), 2),
            "p95_ms": round(1000 * times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], 2),
            "runs": len(times), "rows": rows}


# --- children -----------------------------------------------------------------------------

def child_local(args: argparse.Namespace) -> dict:
    """One of our stores in this (child) process."""
    from policykg.graph.backends import OXIGRAPH_DIR, Backend, ensure_disk_store, open_store, to_oxigraph
    from policykg.graph.narrow import narrowed
    from policykg.graph.store import resolve_build
    from policykg.queries.entities import EntityIndex
    from policykg.queries.run import bind_params, list_queries, run_query

    build = Path(args.build)
    args.backend = args.child
    out: dict = {"backend": args.backend}
    if args.backend == "oxigraph-disk":
        t = time.perf_counter()
        ensure_disk_store(resolve_build(build))
        out["bulk_load_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    store = open_store(build, Backend(args.backend))
    out["load_s"] = round(time.perf_counter() - t, 2)
    out["quads_default_graph"] = len(store) if args.backend != "rdflib" else None
    out["store_bytes"] = disk_bytes(build / OXIGRAPH_DIR if args.backend == "oxigraph-disk" else build / "policykg.nq")
    queries, bindings, texts = {}, {}, {}
    index = EntityIndex(store)  # each kind's names read once, on the first query that needs them
    for nq in list_queries():
        params = example_params(nq.example)
        t = time.perf_counter()
        bound = bind_params(index, nq, params)
        resolve_s = time.perf_counter() - t
        bindings[nq.name] = {k: v.n3() for k, v in bound.items()}
        texts[nq.name] = narrowed(nq.text, {k: to_oxigraph(v) for k, v in bound.items()}) if bound else nq.text
        result = timed_runs(lambda: len(list(run_query(store, nq, params, index=index))), args.repeats, args.timeout, args.budget)
        result["first_resolve_ms"] = round(1000 * resolve_s, 1)
        queries[nq.name] = result
    out["queries"], out["bindings"], out["texts"] = queries, bindings, texts
    out["peak_rss_bytes"] = vm_hwm()
    return out


def run_virtuoso(nquads: Path, bindings: dict[str, dict[str, str]], texts: dict[str, str | None],
                 args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT))
    from policykg.graph.virtuoso import virtuoso_server

    from policykg.queries.run import list_queries

    out: dict = {"backend": "virtuoso"}
    with virtuoso_server(buffers=args.virtuoso_buffers) as v:
        t = time.perf_counter()
        v.load_nquads(merged_copy(nquads))
        out["load_s"] = round(time.perf_counter() - t, 2)
        out["store_bytes"] = disk_bytes(v.workdir / "virtuoso.db")
        queries = {}
        for nq in list_queries():
            bound = bindings.get(nq.name, {})
            text = texts.get(nq.name) or nq.text  # the text Oxigraph ran: the narrowed query
            if bound and not texts.get(nq.name):  # not narrowed (measure-facts' ?fact): a leading VALUES
                text = leading_values(nq.text, bound)
            try:
                queries[nq.name] = timed_runs(lambda: len(v.sparql_select(text, timeout=args.timeout)),
                                              args.repeats, args.timeout + 5, args.budget)
            except Exception as e:  # noqa: BLE001 - a socket timeout or an error answer, per query
                kind = "timeout" if "timed out" in str(e) else "error"
                queries[nq.name] = {kind: args.timeout if kind == "timeout" else str(e)[:200]}
        out["queries"] = queries
        out["peak_rss_bytes"] = vm_hwm(v.pid)
    return out


MERGED_GRAPH = "<urn:policykg:merged>"


def merged_copy(nquads: Path) -> Path:
    """The quads of ``nquads`` all in one graph: Virtuoso's default graph is a bag union of its
    graphs (a triple stated by five documents matches five times), so it gets the merge instead —
    the graph rdflib's default_union and our Oxigraph default graph answer from."""
    out = nquads.with_name("merged-for-virtuoso.nq")
    if not out.is_file() or out.stat().st_mtime < nquads.stat().st_mtime:
        tmp = out.with_suffix(".tmp")
        with open(nquads, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
            for line in src:
                spo = line.rstrip().removesuffix(" .").rsplit(" ", 1)[0]
                dst.write(f"{spo} {MERGED_GRAPH} .\n")
        os.replace(tmp, out)
    return out


def leading_values(text: str, bound: dict[str, str]) -> str:
    """``text`` with the parameters as a VALUES block opening the outer WHERE group.

    Benchmark only: Virtuoso's HTTP endpoint has no parameter binding, so its
    queries carry the resolved terms (N-Triples syntax from rdflib) as the
    standard SPARQL way to parameterise an endpoint query.

    >>> leading_values("SELECT ?a WHERE { ?a ?p ?o }", {"p": "<http://x>"})
    'SELECT ?a WHERE { VALUES (?p) { (<http://x>) } ?a ?p ?o }'
    """
    import re

    masked = re.sub(r"(?m)^\s*#.*$", lambda m: " " * len(m[0]), text)
    at = re.search(r"\bWHERE\s*\{", masked, re.IGNORECASE).end()
    names = " ".join(f"?{k}" for k in bound)
    return f"{text[:at]} VALUES ({names}) {{ ({' '.join(bound.values())}) }}{text[at:]}"


# --- parent -------------------------------------------------------------------------------

def run_child(backend: str, build: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", backend, "--build", str(build), "--repeats", str(args.repeats),
           "--timeout", str(args.timeout), "--budget", str(args.budget)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.child_timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"backend": backend, "error": f"no result within {args.child_timeout} s"}
    if done.returncode != 0:
        return {"backend": backend, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_first_answer(work: Path, repeats: int) -> dict:
    """Wall time of ``policykg query NAME <its @example parameters>`` on the bundled graph, each
    query in a fresh process as an analyst runs it: the first run right after ``policykg build``,
    then the median of ``repeats`` more."""
    from policykg.queries.run import list_queries

    build = work / "bundled"
    cmd = [sys.executable, "-m", "policykg.cli"]
    t = time.perf_counter()
    subprocess.run([*cmd, "build", "--build-dir", str(build)], check=True, capture_output=True, cwd=ROOT)
    out: dict = {"build_s": round(time.perf_counter() - t, 2), "queries": {}}
    for nq in list_queries():
        args = [*cmd, *shlex.split(nq.example)[1:], "--build-dir", str(build)]
        times = []
        for _ in range(repeats + 1):
            t = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - t)
        out["queries"][nq.name] = {"first_s": round(times[0], 3), "p50_s": round(statistics.median(times[1:]), 3)}
    return out


def endpoint_soak(work: Path, duration: float, clients: int) -> dict:
    """benchmarks/soak.py against a started ``policykg serve`` on the bundled graph: its figures."""
    out = work / "soak"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--build-dir", str(work / "bundled"),
                           "--duration", str(duration), "--clients", str(clients), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    if not out.with_suffix(".json").is_file():
        return {"error": (done.stderr.strip().splitlines() or ["soak.py failed"])[-1]}
    res = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    normal = res["normal"]
    return {"clients": clients, "duration_s": duration, "requests": normal["requests"],
            "errors": sum(normal["errors"].values()), "p50_ms": normal["p50_ms"], "p95_ms": normal["p95_ms"],
            "max_ms": normal["max_ms"], "server": res.get("server", "")}


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "loadavg_at_start": os.getloadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k,1M,5M")
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--quick", action="store_true", help="10k and 100k, 3 repeats")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before one query run counts as timeout")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds of repeats per query at most")
    ap.add_argument("--rdflib-max", default="100k", help="largest size rdflib runs at")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default="/tmp/policykg-bench", help="where synthetic graphs and stores go")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--child-timeout", type=float, default=3600.0)
    ap.add_argument("--virtuoso-buffers", type=int, default=170000, help="8 KiB pages (170000 ≈ 1.3 GiB)")
    ap.add_argument("--cli-repeats", type=int, default=3, help="timed `policykg query` runs per query (0: skip)")
    ap.add_argument("--soak", type=float, default=60.0, help="seconds of the endpoint soak test (0: skip)")
    ap.add_argument("--soak-clients", type=int, default=32)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--build", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child_local(args)))
        return 0
    if args.quick:
        args.sizes, args.repeats = "10k,100k", 3
    from policykg.synth import write_synth

    sizes = [parse_size(s) for s in args.sizes.split(",")]
    backends = [b.strip() for b in args.backends.split(",")]
    report = {"machine": machine(), "seed": args.seed, "repeats": args.repeats, "timeout_s": args.timeout,
              "sizes": []}
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.cli_repeats:
        report["cli"] = cli_first_answer(work, args.cli_repeats)
        print(f"== CLI: slowest p50 {max(q['p50_s'] for q in report['cli']['queries'].values())} s",
              file=sys.stderr, flush=True)
        write(report, Path(args.out))
    if args.soak:
        if not (work / "bundled").is_dir():
            subprocess.run([sys.executable, "-m", "policykg.cli", "build", "--build-dir", str(work / "bundled")],
                           check=True, capture_output=True, cwd=ROOT)
        report["endpoint"] = endpoint_soak(work, args.soak, args.soak_clients)
        print(f"== endpoint: {report['endpoint']}", file=sys.stderr, flush=True)
        write(report, Path(args.out))
    for n in sizes:
        build = Path(args.work) / f"synth-{label(n)}-seed{args.seed}"
        nquads = build / "policykg.nq"
        t = time.perf_counter()
        if not nquads.is_file():
            build.mkdir(parents=True, exist_ok=True)
            write_synth(nquads, triples=n, seed=args.seed)
        entry = {"size": label(n), "quads": sum(1 for _ in open(nquads, "rb")), "nquads_bytes": nquads.stat().st_size,
                 "synth_s": round(time.perf_counter() - t, 2), "loadavg": os.getloadavg(), "backends": {}}
        print(f"== {label(n)}: {entry['quads']} quads", file=sys.stderr, flush=True)
        bindings: dict = {}
        texts: dict = {}
        for backend in [b for b in ("oxigraph", "oxigraph-disk", "rdflib") if b in backends]:
            if backend == "rdflib" and n > parse_size(args.rdflib_max):
                entry["backends"]["rdflib"] = {"backend": "rdflib", "skipped": f"above --rdflib-max {args.rdflib_max}"}
                continue
            result = run_child(backend, build, args)
            bindings = bindings or result.get("bindings", {})
            texts = texts or result.get("texts", {})
            entry["backends"][backend] = result
            print(f"   {backend}: load {result.get('load_s')} s, error {result.get('error')}", file=sys.stderr, flush=True)
        if "virtuoso" in backends:
            try:
                entry["backends"]["virtuoso"] = run_virtuoso(nquads, bindings, texts, args)
            except Exception as e:  # noqa: BLE001 - a missing Virtuoso is reported, not fatal
                entry["backends"]["virtuoso"] = {"backend": "virtuoso", "error": str(e)[:300]}
            print(f"   virtuoso: load {entry['backends']['virtuoso'].get('load_s')} s", file=sys.stderr, flush=True)
        report["sizes"].append(entry)
        write(report, Path(args.out))
    return 0


def write(report: dict, out: Path) -> None:
    from report import markdown  # benchmarks/report.py

    out.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
