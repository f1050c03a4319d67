"""The data-quality report as Markdown or as one self-contained HTML page.

Both render the same sections (headings, paragraphs, tables) built by
:func:`sections`; every piece of document text is escaped for the target
format (Markdown table cells, HTML), so a document cannot inject markup.

>>> md_cell("a|b <script>")
'a\\\\|b &lt;script&gt;'
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import Enum

from policykg.money import oku
from policykg.namespace import ID
from policykg.report.checks import Check, QualityReport
from policykg.report.minted import (
    MIN_SIMILARITY,
    TOP,
    Candidate,
    NewEntity,
    Renames,
    cite,
    declaration,
)

__all__ = ["ReportFormat", "render", "sections"]


class ReportFormat(str, Enum):
    MD = "md"
    HTML = "html"


@dataclass(frozen=True)
class Block:
    kind: str  # "h1", "h2", "h3", "p", "table", "code" (text: preformatted, columns: its language)
    text: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _check_blocks(n: int, check: Check) -> list[Block]:
    fails = len(check.failures)
    return [
        Block("h3", f"2.{n} {check.title}"),
        Block("p", f"Rule: {check.rule}."),
        Block("p", f"Tolerance: {check.tolerance}."),
        Block("p", f"{len(check.rows)} rows, {fails} failing" + (" (see FAIL below)." if fails else ".")),
        Block("table", columns=("result", "checked", "stated", "computed / compared", "difference", "tolerance",
                                "sources"),
              rows=tuple(("ok" if r.ok else "FAIL", r.what, r.stated, r.computed, r.difference, r.tolerance,
                          r.sources) for r in check.rows)),
    ]


def sections(report: QualityReport) -> list[Block]:
    docs = report.documents
    blocks = [
        Block("h1", "policykg data-quality report"),
        Block("p", f"Computed by `policykg report` from the built graph ({report.quads} quads, {report.figures} "
                   f"budget figures, {len(docs)} documents) with the SPARQL queries in `queries/report/`, and from "
                   "the build's list of skipped lines (`build/build-report.json`). Every figure is cited as "
                   "document:line of the bundled corpus file."),
        Block("h2", "Summary"),
        Block("table", columns=("section", "rows", "failing / found"),
              rows=(*((c.title, str(len(c.rows)), str(len(c.failures))) for c in report.checks),
                    ("Figures that disagree across documents", str(len(report.disagreements)),
                     str(len(report.disagreements))),
                    ("Entities seen only once", str(len(report.seen_once)), str(len(report.seen_once))),
                    ("Lines skipped by the loaders", str(sum(len(d.skipped) for d in docs)),
                     str(sum(len(d.skipped) for d in docs))),
                    ("New entities (not in the registry)", str(len(report.new_entities)),
                     str(len(report.new_entities))),
                    ("Minted measures with rename candidates", str(len(report.renames)),
                     str(sum(1 for r in report.renames if r.candidates))))),
        Block("h2", "1. Documents: what was extracted, what was skipped"),
    ]
    for doc in docs:
        blocks.append(Block("h3", f"{doc.id} ({doc.file})"))
        blocks.append(Block("table", columns=("class", "instances in this document's graph"),
                            rows=tuple((cls, str(n)) for cls, n in doc.classes)))
        if doc.skipped:
            blocks.append(Block("p", f"{len(doc.skipped)} lines not turned into facts, with the reason:"))
            blocks.append(Block("table", columns=("line", "reason", "text"),
                                rows=tuple((f"{doc.id}:{s.line}", s.reason, s.text) for s in doc.skipped)))
        else:
            blocks.append(Block("p", "No line skipped."))
    blocks.append(Block("h2", "2. Arithmetic the documents state themselves"))
    blocks.append(Block("p", "A printed figure stands for any value within half a unit of its last printed digit "
                             "(30.4億円 ±0.05億円; 1,584百万円 ±0.5百万円); a sum carries the half units of all "
                             "its terms. A failing row is a finding about the documents (or about policykg) to "
                             "look at before trusting the figures involved."))
    for n, check in enumerate(report.checks, 1):
        blocks.extend(_check_blocks(n, check))
        if check.key == "page-vs-table":
            set_aside = [(d.id, s) for d in docs for s in d.skipped if s.reason.startswith("not the summary table")]
            blocks.append(Block("p", f"Besides these rows, the loaders set aside {len(set_aside)} page lines whose "
                                     "figure is not the table's figure of the measure (a sub-item, another year "
                                     "or a disagreeing figure); they are not in the graph:"))
            blocks.append(Block("table", columns=("line", "reason", "text"),
                                rows=tuple((f"{doc}:{s.line}", s.reason, s.text) for doc, s in set_aside)))
    blocks.append(Block("h2", "3. Figures that disagree across documents"))
    blocks.append(Block("p", "Two documents state a figure for the same scope (measure, strategy area, agency or "
                             "the overall total), fiscal year, budget kind and status, neither printed as "
                             "「…の内数」, and the values differ by more than the rounding of both. Both figures "
                             "stay in the graph; different statuses (request/draft/enacted) are different facts "
                             "and are not listed."))
    blocks.append(Block("table", columns=("scope kind", "scope", "fiscal year", "budget", "status", "value A",
                                          "source A", "value B", "source B", "B − A"),
                        rows=tuple((d.scope_kind, d.scope, str(d.fiscal_year), d.budget, d.status, d.a.printed,
                                    d.a.cite, d.b.printed, d.b.cite, oku(d.difference))
                                   for d in report.disagreements)))
    blocks.append(Block("h2", "4. Entities seen only once"))
    blocks.append(Block("p", "Agencies, bodies, programmes, laws and measures that exactly one source line "
                             "cites: possibly a name printed differently elsewhere (a missed alias)."))
    blocks.append(Block("table", columns=("class", "entity", "cited at"),
                        rows=tuple((e.cls, e.label, e.citations[0]) for e in report.seen_once)))
    blocks.append(Block("p", f"{len(report.never_cited)} registry entities are cited by no fact (they are named "
                             "in the registry with the corpus lines that justify them, but no loader attached a "
                             "fact to them): " + ", ".join(f"{e.label} ({e.cls})" for e in report.never_cited)
                        + "."))
    blocks.extend(new_entity_blocks(report.new_entities))
    blocks.extend(rename_blocks(report.renames))
    return blocks


_KINDS = {"agency": "Agencies", "body": "Implementing bodies", "area": "Strategy areas", "program": "Programmes",
          "law": "Laws", "measure": "Measures"}
#: How an entry of each registry section looks (the fields the existing entries use).
_ENTRY = {
    "agency": "`[[agency]]` with `key` (an ASCII slug), `label_ja` (the name), `label_en`, `parent` (the key of "
              "the agency it belongs to, if any) and `sources`",
    "body": "`[[body]]` with `key` (an ASCII slug), `label_ja` (the name), `label_en`, `parent` (the supervising "
            "agency's key), `kind_detail` (e.g. incorporated-administrative-agency) and `sources`",
    "area": "`[[area]]` with `key` (e.g. s2021-6), `label_ja` (the heading), `edition` (the strategy's year), "
            "`number` (the printed (n)) and `sources`",
    "program": "`[[program]]` with `key` (an ASCII slug), `label_ja` (the name), `parent` (the operator's key) "
               "and `sources`",
    "law": "`[[law]]` with `key` (an ASCII slug), `label_ja` (the name), `label_en`, `kind_detail = \"act\"` "
           "and `sources`",
    "measure": "`[[measure]]` with `key` (an ASCII slug), `label_ja` (the name), `parent` (the agency's key) "
               "and `sources`",
}


def short_iri(iri: str) -> str:
    """``id:…`` for an instance IRI (the prefix map's ``id``), else the IRI.

    >>> short_iri("https://w3id.org/policykg/id/agency/unregistered-dd8aaf2ed693")
    'id:agency/unregistered-dd8aaf2ed693'
    """
    return "id:" + iri.removeprefix(str(ID)) if iri.startswith(str(ID)) else iri


def _cites(cites) -> str:
    return ", ".join(cite(c) for c in cites)


def new_entity_blocks(new: tuple[NewEntity, ...]) -> list[Block]:
    blocks = [Block("h2", "5. New entities (not in the registry)"),
              Block("p", "Names the registry (`core/data/registry.toml`) does not know: the build minted an IRI "
                         "for each (`id:{kind}/unregistered-…`, `pk:minted true`) and kept its facts, with a build "
                         "warning `unknown-{kind}`. Each is listed with its name as printed, every document:line "
                         "that names it and the number of budget figures whose scope it is.")]
    if not new:
        return [*blocks, Block("p", "None: the registry knows every name the documents print.")]
    for n, kind in enumerate(k for k in _KINDS if any(e.kind == k for e in new)):
        found = [e for e in new if e.kind == kind]
        blocks.append(Block("h3", f"5.{n + 1} {_KINDS[kind]} ({len(found)})"))
        blocks.append(Block("p", f"To register one, add an entry {_ENTRY[kind]} (document:line) to "
                                 "`core/data/registry.toml`; if it is a printed variant of an entity already "
                                 "there, add the name to that entry's `aliases` instead."))
        under = ("listed under",) if kind == "measure" else ()
        blocks.append(Block("table", columns=("name as printed", "IRI", *under, "named at", "figures"),
                            rows=tuple((" / ".join(e.names), short_iri(e.iri),
                                        *((e.agency or "—",) if under else ()), _cites(e.cited), str(e.figures))
                                       for e in found)))
    return blocks


def _evidence(c: Candidate) -> str:
    return "; ".join(f"FY{m.fiscal_year} {m.budget} {oku(m.yen)}: {m.new_printed} ({cite(m.new)}, {m.new_status})"
                     f" = {m.old_printed} ({cite(m.old)}, {m.old_status})" for m in c.matches) or "—"


def rename_blocks(renames: tuple[Renames, ...]) -> list[Block]:
    blocks = [
        Block("h2", "6. Rename candidates"),
        Block("p", "For each minted measure, the measures of the same agency (registered or minted) that other "
                   "editions state and the new measure's own documents do not list in their summary tables: "
                   "what it may have been called before. Evidence: (a) the same amount — a figure of the "
                   "candidate in another document with the same fiscal year, budget kind and integer yen as a "
                   "figure of the new measure (the next edition restates last year's figure in its 前年度 "
                   "column; the status may differ); (b) name similarity — difflib's SequenceMatcher ratio (0 to "
                   "1) of the two names after NFKC, white space removed and variant characters folded, the best "
                   "over the candidate's label, aliases and the names the documents state for it. Ranked by the "
                   "number of (fiscal year, budget kind) columns with the same amount, then by similarity; a "
                   f"candidate without an amount match is shown from a similarity of {MIN_SIMILARITY} up; at "
                   f"most {TOP} per measure. Nothing is merged: a rename is declared in the registry."),
    ]
    if not renames:
        return [*blocks, Block("p", "None: no measure was minted.")]
    rows = []
    for n, r in enumerate(renames, 1):
        m = r.measure
        new = (str(n), " / ".join(m.names), m.agency or "—", _cites(m.cited))
        if not r.candidates:
            rows.append((*new, "—", "(no candidate)", "", "", "", ""))
        for rank, c in enumerate(r.candidates, 1):
            rows.append((*new, str(rank), c.label, c.key or short_iri(c.iri), _cites(c.cited), _evidence(c),
                         f"{c.similarity:.2f}" + ("" if c.compared == c.label else f" (as {c.compared})")))
    blocks.append(Block("table", columns=("#", "new measure", "agency", "new at", "rank", "candidate",
                                          "key or IRI", "candidate at (other documents)", "same amount",
                                          "similarity"), rows=tuple(rows)))
    declared = [(n, r) for n, r in enumerate(renames, 1) if r.candidates]
    if declared:
        blocks.append(Block("p", "To declare that a new measure is its top candidate renamed, change "
                                 "`core/data/registry.toml` as below: with the new name among the registered "
                                 "measure's `aliases`, the next build resolves the name to that measure, whose "
                                 "figures then stand beside the earlier ones (`policykg query measure-history`). "
                                 "If it is rather a new measure that continues the earlier one, register it with "
                                 "`continues` (commented out below). Check the pages of both documents first."))
    for n, r in declared:
        blocks.append(Block("p", f"Measure {n} of the table:"))
        blocks.append(Block("code", declaration(r), columns=("toml",)))
    return blocks


def md_cell(text: str) -> str:
    return (html.escape(" ".join(text.split()), quote=False).replace("\\", "\\\\").replace("|", "\\|")
            .replace("*", "\\*").replace("_", "\\_").replace("`", "\\`"))


def _md_text(text: str) -> str:
    # Paragraphs are our own prose: keep `code` spans, escape markup-significant characters of data.
    return html.escape(text, quote=False)


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + _md_text(b.text) + "\n")
        elif b.kind == "p":
            out.append(_md_text(b.text) + "\n")
        elif b.kind == "code":
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", b.text)), default=0))
            out.append(f"{fence}{''.join(b.columns)}\n{b.text}\n{fence}\n")
        else:
            out.append("| " + " | ".join(md_cell(c) for c in b.columns) + " |")
            out.append("|" + "|".join(" --- " for _ in b.columns) + "|")
            for row in b.rows:
                out.append("| " + " | ".join(md_cell(c) for c in row) + " |")
            if not b.rows:
                out.append("| " + " | ".join("(none)" if i == 0 else "" for i in range(len(b.columns))) + " |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_CSS = """body{font-family:sans-serif;margin:2em;max-width:110em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;font-size:90%}th{background:#f3f3f3}
td.FAIL{background:#fdd;font-weight:bold}td.ok{color:#070}"""


def render_html(blocks: list[Block]) -> str:
    e = html.escape
    out = ['<!DOCTYPE html>', '<html lang="ja">', '<head>', '<meta charset="utf-8">',
           '<title>policykg data-quality report</title>', f'<style>{_CSS}</style>', '</head>', '<body>']
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "code":
            out.append(f"<pre><code>{e(b.text)}</code></pre>")
        else:
            out.append("<table>")
            out.append("<tr>" + "".join(f"<th>{e(c)}</th>" for c in b.columns) + "</tr>")
            for row in b.rows:
                cells = []
                for i, c in enumerate(row):
                    cls = f' class="{e(c)}"' if i == 0 and c in ("ok", "FAIL") else ""
                    cells.append(f"<td{cls}>{e(c)}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            if not b.rows:
                out.append(f'<tr><td colspan="{len(b.columns)}">(none)</td></tr>')
            out.append("</table>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def render(report: QualityReport, fmt: ReportFormat = ReportFormat.MD) -> str:
    blocks = sections(report)
    return render_html(blocks) if fmt is ReportFormat.HTML else render_markdown(blocks)
