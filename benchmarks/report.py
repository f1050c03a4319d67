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


def markdown(report: dict) -> str:
    m = report["machine"]
    out = ["# Store benchmark", "",
           f"Run {m['started']} on {m['cpus']} CPUs ({m['platform']}, Python {m['python']}); load average at "
           f"start {', '.join(f'{x:.2f}' for x in m['loadavg_at_start'])}. Synthetic graphs from "
           f"`policykg synth` (seed {report['seed']}); each query: one warm-up run, then up to "
           f"{report['repeats']} timed runs; p50 / p95 in ms. Written by `benchmarks/run.py`.", ""]
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
