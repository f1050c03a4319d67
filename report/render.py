"""The data-quality report as Markdown or as one self-contained HTML page.

Both render the same sections (headings, paragraphs, tables) built by
:func:`sections`; every piece of document text is escaped for the target
format (Markdown table cells, HTML), so a document cannot inject markup.

>>> md_cell("a|b <script>")
'a\\\\|b &lt;script&gt;'
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import Enum

from policykg.money import oku
from policykg.report.checks import Check, QualityReport

__all__ = ["ReportFormat", "render", "sections"]


class ReportFormat(str, Enum):
    MD = "md"
    HTML = "html"


@dataclass(frozen=True)
class Block:
    kind: str  # "h1", "h2", "h3", "p", "table"
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
                     str(sum(len(d.skipped) for d in docs))))),
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
