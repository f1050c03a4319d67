"""benchmarks/results.json as a markdown report (benchmarks/results.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ORDER = ("rdflib", "oxigraph", "oxigraph-disk", "virtuoso")


def _mb(n: int | None) -> str:
    return "" if not n else f"{n / 2**20:,.0f}"


def _ms(q: dict | None) -> str:
    if not q:
        return ""
    if "error" in q:
        return "error"
    if "timeout" in q:
        return f"timeout (>{q['timeout']:.0f} s)"
    return f"{q['p50_ms']:,.1f} / {q['p95_ms']:,.1f}"


def _ratio(a: dict | None, b: dict | None) -> str:
    """a's p50 over b's p50 (how many times slower a is)."""
    if not a or not b or "p50_ms" not in b or b["p50_ms"] <= 0 or "error" in a:
        return ""
    if "timeout" in a:
        return f">{1000 * a['timeout'] / b['p50_ms']:,.0f}×"
    return f"{a['p50_ms'] / b['p50_ms']:,.2f}×"


REASONS = Path(__file__).with_name("reasons.json")


def _size(report: dict, name: str) -> dict:
    return next((e for e in report["sizes"] if e["size"] == name), {})


def _queries(entry: dict, backend: str) -> dict:
    return entry.get("backends", {}).get(backend, {}).get("queries", {})


def _p50(q: dict | None) -> float | None:
    if not q:
        return None
    if "timeout" in q:
        return 1000 * q["timeout"]
    return q.get("p50_ms")


def targets(report: dict) -> list[dict]:
    """Issue 14's targets, each with its measured figure and its misses (query, figure)."""
    found = []

    def target(key: str, text: str, figure: str, misses: list[tuple[str, str]], measured: bool = True) -> None:
        found.append({"key": key, "target": text, "figure": figure if measured else "not measured",
                      "met": measured and not misses, "misses": misses if measured else []})

    one, five, small = _size(report, "1M"), _size(report, "5M"), _size(report, "100k")
    ox1, vt1 = _queries(one, "oxigraph"), _queries(one, "virtuoso")
    slow = [(q, f"{_p50(r):,.0f} ms") for q, r in sorted(ox1.items()) if (_p50(r) or 0) > 100]
    target("1M-p50", "1M: every named query p50 ≤ 100 ms (Oxigraph in memory)",
           f"slowest {max((_p50(r) or 0) for r in ox1.values()):,.0f} ms" if ox1 else "", slow, bool(ox1))
    behind = []
    for q, r in sorted(ox1.items()):
        v = vt1.get(q)
        if v and "error" not in v and _p50(r) is not None and _p50(v) is not None and _p50(r) > _p50(v):
            behind.append((q, f"{_p50(r):,.0f} ms vs Virtuoso {_p50(v):,.0f} ms"))
        elif v and "error" in v:
            behind.append((q, f"Virtuoso error: {v['error'][:80]}"))
    target("1M-virtuoso", "1M: every named query p50 ≤ Virtuoso's on the same text",
           f"{len(ox1) - len(behind)} of {len(ox1)} at or ahead", behind, bool(ox1 and vt1))
    b1 = one.get("backends", {}).get("oxigraph", {})
    target("1M-load", "1M: load ≤ 15 s", f"{b1.get('load_s')} s",
           [] if (b1.get("load_s") or 99) <= 15 else [("load", f"{b1.get('load_s')} s")], bool(b1.get("load_s")))
    peak = b1.get("peak_rss_bytes") or 0
    target("1M-memory", "1M: peak memory ≤ 1.5 GiB", f"{peak / 2**30:.2f} GiB",
           [] if peak <= 1.5 * 2**30 else [("peak", f"{peak / 2**30:.2f} GiB")], bool(peak))
    ox5 = _queries(five, "oxigraph")
    target("5M-p50", "5M: every named query p50 ≤ 400 ms",
           f"slowest {max((_p50(r) or 0) for r in ox5.values()):,.0f} ms" if ox5 else "",
           [(q, f"{_p50(r):,.0f} ms") for q, r in sorted(ox5.items()) if (_p50(r) or 0) > 400], bool(ox5))
    oxs, rdf = _queries(small, "oxigraph"), _queries(small, "rdflib")
    ratios = {q: _p50(rdf[q]) / _p50(r) for q, r in oxs.items() if q in rdf and _p50(r) and _p50(rdf.get(q))}
    target("100k-rdflib", "100k: Oxigraph ≥ 30× rdflib on every query",
           f"least {min(ratios.values()):,.1f}×" if ratios else "",
           [(q, f"{x:,.1f}×") for q, x in sorted(ratios.items()) if x < 30], bool(ratios))
    cli = report.get("cli", {}).get("queries", {})
    target("cli", "CLI first answer ≤ 0.5 s (`policykg query`, bundled graph)",
           f"slowest p50 {max(q['p50_s'] for q in cli.values()):.2f} s, slowest first run "
           f"{max(q['first_s'] for q in cli.values()):.2f} s" if cli else "",
           [(q, f"{r['p50_s']:.2f} s (first {r['first_s']:.2f} s)") for q, r in sorted(cli.items())
            if max(r["p50_s"], r["first_s"]) > 0.5], bool(cli))
    ep = report.get("endpoint", {})
    target("endpoint", "Endpoint 32 clients × 60 s: 0 errors, p95 ≤ 300 ms",
           f"{ep.get('errors')} errors, p95 {ep.get('p95_ms')} ms over {ep.get('requests')} requests" if ep else "",
           [] if ep.get("errors") == 0 and (ep.get("p95_ms") or 1e9) <= 300 else [("endpoint", str(ep)[:120])],
           bool(ep) and "error" not in ep)
    return found


def targets_markdown(report: dict) -> list[str]:
    reasons = json.loads(REASONS.read_text(encoding="utf-8")) if REASONS.is_file() else {}
    out = ["## Targets (issue 14)", "", "| target | measured | met |", "|---|---|---|"]
    found = targets(report)
    for t in found:
        out.append(f"| {t['target']} | {t['figure']} | {'yes' if t['met'] else 'NO' if t['misses'] else '—'} |")
    out.append("")
    for t in found:
        if not t["misses"]:
            continue
        out += [f"Misses of “{t['target']}”:", ""]
        why = reasons.get(t["key"], {})
        for q, figure in t["misses"]:
            reason = why.get(q) or why.get("*") or "reason not yet analysed"
            out.append(f"* {q}: {figure} — {reason}")
        out.append("")
    return out


def markdown(report: dict) -> str:
    m = report["machine"]
    out = ["# Store benchmark", "",
           f"Run {m['started']} on {m['cpus']} CPUs ({m['platform']}, Python {m['python']}); load average at "
           f"start {', '.join(f'{x:.2f}' for x in m['loadavg_at_start'])}. Synthetic graphs from "
           f"`policykg synth` (seed {report['seed']}); each query: one warm-up run, then up to "
           f"{report['repeats']} timed runs; p50 / p95 in ms. Written by `benchmarks/run.py`.", ""]
    out += targets_markdown(report)
    if report.get("cli"):
        cli = report["cli"]
        out += ["## `policykg query` on the bundled graph (wall time, a fresh process each)", "",
                f"`policykg build` {cli['build_s']} s (it writes the on-disk store and checks the queries "
                "once); then each query's `@example` command: the first run, and the p50 of the next runs.", "",
                "| query | first s | p50 s |", "|---|---:|---:|"]
        out += [f"| {q} | {r['first_s']:.2f} | {r['p50_s']:.2f} |" for q, r in sorted(cli["queries"].items())]
        out.append("")
    if report.get("endpoint"):
        ep = report["endpoint"]
        out += ["## Endpoint under load (`benchmarks/soak.py`)", ""]
        if "error" in ep:
            out += [f"Not measured: {ep['error']}", ""]
        else:
            out += [f"{ep['server']}; {ep['clients']} clients (28 normal, 2 flooding, 1 crashing, 1 slow-body) "
                    f"for {ep['duration_s']:g} s. Normal clients: {ep['requests']} requests, {ep['errors']} errors, "
                    f"p50 {ep['p50_ms']} ms, p95 {ep['p95_ms']} ms, max {ep['max_ms']} ms.", ""]
    for entry in report["sizes"]:
        bk = entry["backends"]
        out += [f"## {entry['size']} ({entry['quads']:,} quads, N-Quads {_mb(entry['nquads_bytes'])} MiB; "
                f"load average {', '.join(f'{x:.2f}' for x in entry['loadavg'])})", "",
                "| backend | load s | store on disk MiB | peak memory MiB | note |", "|---|---:|---:|---:|---|"]
        for name in ORDER:
            b = bk.get(name)
            if not b:
                continue
            note = b.get("error") or b.get("skipped") or ""
            if "bulk_load_s" in b:
                note = f"one-time bulk load into RocksDB {b['bulk_load_s']} s; load = reopen"
            out.append(f"| {name} | {b.get('load_s', '')} | {_mb(b.get('store_bytes'))} | "
                       f"{_mb(b.get('peak_rss_bytes'))} | {note} |")
        names = sorted({q for b in bk.values() for q in b.get("queries", {})})
        present = [n for n in ORDER if bk.get(n, {}).get("queries")]
        out += ["", "| query | " + " | ".join(f"{n} p50 / p95" for n in present) + " | rows | oxigraph ÷ virtuoso"
                " | rdflib ÷ oxigraph |", "|---|" + "---:|" * (len(present) + 3)]
        for q in names:
            cells = [_ms(bk[n]["queries"].get(q)) for n in present]
            rows = "/".join(str(bk[n]["queries"].get(q, {}).get("rows")) for n in present)
            ox = bk.get("oxigraph", {}).get("queries", {}).get(q)
            out.append(f"| {q} | " + " | ".join(cells) + f" | {rows} | "
                       f"{_ratio(ox, bk.get('virtuoso', {}).get('queries', {}).get(q))} | "
                       f"{_ratio(bk.get('rdflib', {}).get('queries', {}).get(q), ox)} |")
        out.append("")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
    print(markdown(json.loads(path.read_text(encoding="utf-8"))), end="")
