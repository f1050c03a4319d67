"""The ``policykg`` command: build, check, query, serve, publish and draw the policy knowledge graph.

Each subcommand is a thin layer over a function of the pipeline (``policykg.graph``,
``policykg.queries``, ``policykg.report``, ``policykg.viz``, ``policykg.serve``), which Python
callers use directly. Imports of those stages are lazy, inside each command, so that
``policykg --help`` and a single query start fast. Exit codes come from
:class:`policykg.errors.ExitCode`; the help texts are generated from them.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from policykg.errors import EXIT_MEANINGS, ExitCode, PolicyKGError
from policykg.money import Unit

if TYPE_CHECKING:
    from policykg.queries.run import NamedQuery


def exit_codes_text(*codes: ExitCode) -> str:
    """The "Exit codes" paragraph of a help text, from :data:`EXIT_MEANINGS` (all codes if none given).

    >>> print(exit_codes_text(ExitCode.OK, ExitCode.NO_GRAPH))
    Exit codes: 0 success (`validate`: the graph conforms, warnings may be listed); 5 no built graph.
    """
    return "Exit codes: " + "; ".join(f"{int(c)} {EXIT_MEANINGS[c]}" for c in (codes or tuple(ExitCode))) + "."


class _Group(click.Group):
    """Turns policykg errors into a one-line message and the documented exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PolicyKGError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(e.exit_code)


@click.group(cls=_Group, epilog=exit_codes_text())
@click.option("-v", "--verbose", is_flag=True, help="Log warnings as they happen.")
@click.version_option(package_name="policykg")
def main(verbose: bool) -> None:
    """policykg: Japanese government cybersecurity policy as a knowledge graph."""
    logging.basicConfig(level=logging.WARNING if verbose else logging.ERROR, format="%(levelname)s %(message)s")


def _emit(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` atomically (readers see the old file or the whole new one)."""
    if out is None:
        click.echo(text, nl=False)
        return
    from policykg.graph.store import atomic_write

    atomic_write(out, [text])
    click.echo(f"wrote {out}", err=True)


def _lang_param(values: dict[str, str], lang: str | None, nq: NamedQuery) -> None:
    """``--lang``: sugar for ``--param lang=…``, for a query that declares a lang parameter."""
    if lang is None:
        return
    if "lang" in values:
        raise click.BadParameter("give the label language once: --lang or --param lang=…", param_hint="--lang")
    if not any(p.name == "lang" for p in nq.params):
        raise click.BadParameter(f"query {nq.name!r} has no lang parameter (see `policykg query {nq.name} --list`)",
                                 param_hint="--lang")
    values["lang"] = lang


def _params(items: tuple[str, ...]) -> dict[str, str]:
    """``--param KEY=VALUE`` options as a dict (a key given twice, or no ``=``, is a usage error)."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        if key.strip() in values:
            raise click.BadParameter(f"{key.strip()!r} given twice", param_hint="--param")
        values[key.strip()] = value
    return values


build_dir_option = click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the built graph lives (default: ./build or $POLICYKG_HOME).",
)


corpus_option = click.option(
    "--corpus", "corpus", multiple=True, type=click.Path(file_okay=False, path_type=Path),
    help="A user corpus folder (its own manifest.toml and files) to include; repeatable. "
         "Folders in $POLICYKG_CORPUS are included too.")


@main.command()
@build_dir_option
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A corpus manifest other than the bundled one.")
@corpus_option
def build(build_dir: Path | None, manifest: Path | None, corpus: tuple[Path, ...]) -> None:
    """Build the graph from the corpus and print a short report.

    The bundled corpus (or --manifest) plus the user corpus folders of
    $POLICYKG_CORPUS (separated by the path separator) and --corpus.

    \b
    Example:
      policykg build
      policykg build --build-dir /tmp/kg
      policykg build --corpus ~/policykg-corpus
    """
    from policykg.graph.pipeline import build as run_build
    from policykg.sources import corpus_folders_from_env

    folders = [*corpus_folders_from_env(), *corpus]
    result = run_build(build_dir, manifest=manifest, corpus=folders, progress=lambda m: click.echo(m, err=True))
    from policykg.graph.backends import ensure_disk_store
    from policykg.graph.store import resolve_build

    from policykg.queries.run import list_queries

    # the read-only store `policykg query` opens instead of loading the graph (keyed by its SHA-256),
    # and the bundled queries checked once, so that a query needs no rdflib parse (queries/run.py)
    click.echo(f"query store: {ensure_disk_store(resolve_build(result.graph_path.parent))}", err=True)
    list_queries()
    report = result.report
    click.echo(f"wrote {result.graph_path} ({result.quads} quads)")
    click.echo("documents: " + ", ".join(report.documents))
    click.echo("entities and facts by class:")
    for cls, n in sorted(report.classes.items()):
        click.echo(f"  {cls:<20} {n:>6}")
    click.echo(f"warnings: {len(report.warnings)} (all in {result.graph_path.parent / 'build-report.json'})")
    for w in report.warnings[:20]:
        click.echo(f"  {w}")  # doc:line: message: 'text'
    if len(report.warnings) > 20:
        click.echo(f"  … {len(report.warnings) - 20} more")


@main.command(epilog=exit_codes_text(ExitCode.OK, ExitCode.UNREADABLE_INPUT, ExitCode.BUILD_FAILED,
                                     ExitCode.ALREADY_IN_CORPUS))
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The user corpus folder to add it to (created if missing); default: the bundled corpus.")
@click.option("--id", "doc_id", default=None, help="The document id (default: proposed, e.g. nisc-budget-fy2026).")
@click.option("--dry-run", is_flag=True, help="Show the entry and the figures it would yield; change nothing.")
def add(file: Path, corpus: Path | None, doc_id: str | None, dry_run: bool) -> None:
    """Register a document (.pdf, .txt or .md): detect its fields, keep its text, write its manifest entry.

    A PDF's text layer is extracted (pdfminer.six) into the plain text the loaders
    read; that text is what the figures' line numbers refer to. The layout family,
    title, issuer, fiscal year, budget phase, strategy edition and table columns are
    read from the text and printed with the lines they come from. A file of no known
    series, a scanned, password-protected or damaged PDF, or a document already in
    the corpus is refused and nothing changes. `policykg build` (with --corpus DIR
    for a user corpus folder) then includes it.

    \b
    Examples:
      policykg add budget-fy2026.pdf --corpus ~/policykg-corpus --dry-run
      policykg add budget-fy2026.pdf --corpus ~/policykg-corpus
      policykg build --corpus ~/policykg-corpus
    """
    from policykg.graph.ingest import add_document, describe

    result = add_document(file, corpus=corpus, doc_id=doc_id, dry_run=dry_run)
    for line in describe(result, figures=dry_run):
        click.echo(line)


@main.command()
@build_dir_option
@click.option("--format", "fmt", type=click.Choice(["turtle", "nquads", "jsonld", "trig"]), default="nquads",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
def export(build_dir: Path | None, fmt: str, out: Path | None) -> None:
    """Export the built graph (turtle merges the named graphs; nquads, trig and jsonld keep them).

    \b
    Example:
      policykg export --format turtle --out policykg.ttl
    """
    from policykg.graph.export import Format, export as run_export

    text = run_export(build_dir, fmt=Format(fmt))
    _emit(text, out)


@main.command()
@click.argument("name", required=False, metavar="NAME|FILE.rq")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A query parameter (repeatable); entities by IRI or any label.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="table for reading; csv, tsv, json: the W3C SPARQL results formats.")
@click.option("--list", "list_", is_flag=True, help="List the named queries (or describe NAME) and exit.")
@build_dir_option
@click.option("--backend", type=click.Choice(["auto", "rdflib", "oxigraph", "oxigraph-disk"]), default="auto",
              show_default=True, help="Query engine: auto is Oxigraph in memory, or on disk when memory is short.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None,
              help="Label language (the query's lang parameter): en gives English labels, the Japanese one + "
                   "\" [ja]\" where an entity has none.")
@click.option("--unit", type=click.Choice([u.value for u in Unit]), default=None,
              help="Add, after each *_jpy column, the amount in this unit (oku = 億円) as an exact decimal.")
def query(name: str | None, params: tuple[str, ...], fmt: str, list_: bool, build_dir: Path | None,
          backend: str, lang: str | None, unit: str | None) -> None:
    """Run a named SPARQL query, or any .rq file, on the built graph.

    Parameters are bound as RDF terms, never pasted into the query text; an
    update (INSERT, DELETE, DROP …) is refused. A .rq file of your own runs on
    Oxigraph in a forked child: should the engine crash on it, you get a
    one-line query error, not a core dump.

    \b
    Examples:
      policykg query --list
      policykg query budget-lines --list
      policykg query budget-lines --param agency=厚生労働省 --param fiscal_year=2024
      policykg query measure-history --param measure=ナショナルサイバートレーニングセンターの強化
      policykg query totals --param scope_kind=overall --format csv > totals.csv
      policykg query body-activity --param body=IPA --format json
      policykg query ./my-query.rq --format tsv
      policykg query totals --backend oxigraph
      policykg query budget-lines --lang en --unit billion --param fiscal_year=2025
    """
    from policykg.graph.backends import OxigraphStore, open_store
    from policykg.graph.isolate import isolated_result
    from policykg.queries.formats import with_unit_columns
    from policykg.queries.run import format_result, list_queries, load_query, query_dir, run_query

    if list_:
        for nq in [load_query(name)] if name else list_queries():
            click.echo(f"{nq.name}: {nq.description}")
            for p in nq.params:
                flag = " (required)" if p.required else ""
                click.echo(f"    --param {p.name}=…  [{p.type}]{flag} {p.description}")
            if name:
                click.echo(f"  columns: {' '.join('?' + c for c in nq.columns)}")
                if nq.example:
                    click.echo(f"  example: {nq.example}")
        return
    if not name:
        raise click.UsageError("give a query NAME or FILE.rq (see `policykg query --list`)")
    values = _params(params)
    nq = load_query(name)
    _lang_param(values, lang, nq)
    store = open_store(build_dir, backend)
    if nq.path.resolve().parent == query_dir().resolve() or not isinstance(store, OxigraphStore):
        result = run_query(store, nq, values)
    else:  # a query the analyst wrote: an abort of the Rust engine must not take policykg down (graph.isolate)
        result = isolated_result(run_query, store, nq, values)
    click.echo(format_result(with_unit_columns(result, unit) if unit else result, fmt), nl=False)
    if not len(result):
        from policykg.queries.explain import explain_empty

        reason = explain_empty(store, nq, values)
        if reason:
            click.echo(reason, err=True)


@main.command(epilog=exit_codes_text(ExitCode.OK, ExitCode.USAGE, ExitCode.NO_GRAPH))
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Most hits shown.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table for reading; csv (a header, CRLF); json ({\"query\": …, \"hits\": […]}).")
@build_dir_option
def search(text: str, limit: int, fmt: str, build_dir: Path | None) -> None:
    """Find agencies, bodies, programmes, laws, measures and strategy areas by any part of any name.

    Japanese or English, in any spelling variant (full-width, spacing, case):
    labels, aliases and the names figures print. Exact matches first, then
    prefixes, then substrings; shorter names first. Each hit names its entity
    page (/id/measure/<key>, under https://w3id.org/policykg/). No match is a
    success, as an empty query is: no hits are listed and stderr says so.

    \b
    Examples:
      policykg search トレーニング
      policykg search "Internal Affairs" --format json
      policykg search cyder --limit 5 --format csv
    """
    from policykg.graph.backends import open_store
    from policykg.queries.search import SearchIndex, format_hits

    hits = SearchIndex.from_store(open_store(build_dir, "auto")).search(text, limit=limit)
    click.echo(format_hits(text, hits, fmt), nl=False)
    if not hits:
        click.echo(f"no entity has a name containing {text.strip()!r}", err=True)


@main.command(epilog=exit_codes_text(ExitCode.OK, ExitCode.USAGE, ExitCode.UNREADABLE_INPUT, ExitCode.NO_GRAPH))
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the budget-table query (repeatable): fiscal_year, budget, status, agency, "
                   "measure, successor, source.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the --out suffix (csv otherwise).")
@click.option("--shape", type=click.Choice(["long", "wide"]), default="long", show_default=True,
              help="long: a row per measure, year, kind and status; wide: a row per measure, a column per "
                   "year, kind and status. An XLSX holds both (and a sources sheet) and opens on this one.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (atomically).")
@build_dir_option
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None,
              help="Label language of agencies, measures and successors (en: English, \" [ja]\" where none).")
@click.option("--unit", type=click.Choice([u.value for u in Unit]), default=None,
              help="Long form: add amount_<unit> after amount_jpy, the amount as an exact decimal (oku = 億円).")
def table(params: tuple[str, ...], fmt: str | None, shape: str, out: Path, build_dir: Path | None,
          lang: str | None, unit: str | None) -> None:
    """Write the reconciled budget table (the budget-table query) as CSV or XLSX.

    One preferred figure per measure × fiscal year × budget kind × status (README:
    Ranks), with its source line and how many other statements agree or disagree;
    each row names the measure's successor (pk:continues). The wide form never adds
    figures up: each cell is one preferred figure, in integer yen. CSV is UTF-8 with
    a byte-order mark, so that Excel reads the Japanese; an XLSX has the sheets
    long, wide and sources (each figure's document, title, file, sha256, line and
    the text of that line).

    \b
    Examples:
      policykg table -p fiscal_year=2025 -p budget=initial -p status=enacted --out fy2025.csv
      policykg table --shape wide --out budget-wide.csv
      policykg table -p agency=総務省 --out mic.xlsx
      policykg table -p successor=産業サイバーセキュリティ対策の強化に向けた環境整備事業 --out meti.csv
      policykg table --lang en --unit oku --out budget-en.csv
    """
    from policykg.graph.backends import open_store
    from policykg.queries.run import load_query
    from policykg.queries.table import QUERY, Shape, TableFormat, export_table

    fmt = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    values = _params(params)
    _lang_param(values, lang, load_query(QUERY))
    written = export_table(open_store(build_dir, "auto"), out, fmt=TableFormat(fmt), shape=Shape(shape),
                           params=values, unit=Unit(unit) if unit else None)
    click.echo(f"wrote {written.path} ({written.rows} figures, {written.measures} measures)")


@main.command(epilog=exit_codes_text(ExitCode.OK, ExitCode.NO_GRAPH, ExitCode.NOT_CONFORMING))
@build_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True,
              help="text: summary by shape and path; turtle: the SHACL validation report graph; json.")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True,
              help="Focus nodes shown per shape and path (text format).")
def validate(build_dir: Path | None, fmt: str, limit: int) -> None:
    """Check the built graph against the SHACL shapes (ontology/shapes.ttl).

    It conforms when no core shape is violated; warnings and infos are listed but
    not fatal.

    \b
    Example:
      policykg validate
      policykg validate --format json > shacl.json
    """
    from policykg.graph.validate import NotConformingError, ReportFormat, format_report, validate_build

    report = validate_build(build_dir)
    click.echo(format_report(report, ReportFormat(fmt), limit=limit), nl=False)
    if not report.conforms:
        raise NotConformingError(f"{len(report.violations)} violation(s) of the core SHACL shapes")


@main.command()
@build_dir_option
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (atomically) instead of standard output.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None,
              help="Entity names in the tables: en gives English labels (\" [ja]\" where none).")
def report(build_dir: Path | None, fmt: str, out: Path | None, lang: str | None) -> None:
    """Data-quality report of the built graph: extracted and skipped lines per
    document, the documents' own arithmetic (with tolerances), figures that
    disagree across documents, entities seen only once, new (minted) entities
    and rename candidates for new measures.

    \b
    Example:
      policykg report --out docs/report.md
      policykg report --format html --out docs/report.html
      policykg report --lang en --out report-en.md
    """
    from policykg.report.checks import collect
    from policykg.report.render import ReportFormat, render

    text = render(collect(build_dir, lang=lang), ReportFormat(fmt))
    _emit(text, out)


@main.command()
@click.argument("view", type=click.Choice(["overview", "funding", "entity", "law", "compare"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (.html, .svg or .png).")
@click.option("--format", "fmt", type=click.Choice(["html", "svg", "png"]), default=None,
              help="Default: from the --out suffix (html otherwise).")
@click.option("--entity", default=None, help="entity view: any label, key or IRI (NICT, IPA, CYDER …).")
@click.option("--depth", type=click.IntRange(1, 5), default=1, show_default=True, help="entity view: hops.")
@click.option("--fiscal-year", "fiscal_year", type=int, default=None, help="funding view (default: latest).")
@click.option("--kind", type=click.Choice(["initial", "supplementary"]), default="initial", show_default=True,
              help="Budget kind for funding and compare.")
@click.option("--years", default=None, metavar="FROM,TO", help="compare view: two fiscal years (2024,2025).")
@click.option("--agency", default=None, help="overview/compare: one agency's measures (any label).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Label language.")
@build_dir_option
def viz(view: str, out: Path, fmt: str | None, entity: str | None, depth: int, fiscal_year: int | None,
        kind: str, years: str | None, agency: str | None, lang: str, build_dir: Path | None) -> None:
    """Draw a VIEW of the built graph as an offline interactive page (or SVG/PNG).

    \b
    Views: overview, funding, entity, law, compare.
    Examples:
      policykg viz overview --out overview.html
      policykg viz funding --fiscal-year 2025 --kind initial --out funding.html
      policykg viz entity --entity NICT --depth 2 --out nict.html
      policykg viz law --lang en --out law.svg
      policykg viz compare --years 2024,2025 --out compare.png
    """
    from policykg.graph.store import load_dataset
    from policykg.viz import Format, project, write

    pair = None
    if years:
        parts = [p.strip() for p in years.split(",")]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise click.BadParameter(f"{years!r} is not FROM,TO (e.g. 2024,2025)", param_hint="--years")
        pair = (int(parts[0]), int(parts[1]))
    fmt = fmt or {".svg": "svg", ".png": "png"}.get(out.suffix.lower(), "html")
    g = project(view, load_dataset(build_dir), entity=entity, depth=depth, fiscal_year=fiscal_year, kind=kind,
                years=pair, agency=agency)
    write(g, out, fmt=Format(fmt), lang=lang)
    click.echo(f"wrote {out} ({view}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges)")


@main.command(epilog=exit_codes_text(ExitCode.OK, ExitCode.USAGE, ExitCode.NO_GRAPH))
@click.argument("name", type=click.Choice(["measure-history", "agency-history"]))
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="measure=… (measure-history) or agency=… (agency-history): IRI, key or any label.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (.svg or .png; atomically).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Axis and legend language (億円, or 100 million yen).")
@build_dir_option
def chart(name: str, params: tuple[str, ...], out: Path, lang: str, build_dir: Path | None) -> None:
    """Draw a budget series as a bar chart (SVG or PNG, from the --out suffix).

    measure-history: the measure's preferred figures (budget-lines with
    rank=preferred), every fiscal year and phase; agency-history: budget-by-agency,
    the sum of the agency's measures listed in a summary table (not its total).

    \b
    Examples:
      policykg chart measure-history --param measure=ナショナルサイバートレーニングセンターの強化 --out ncytc.svg
      policykg chart agency-history --param agency=総務省 --lang en --out mic.png
    """
    from policykg.graph.backends import open_store
    from policykg.viz.chart import series_of, write_chart

    series = series_of(open_store(build_dir, "auto"), name, _params(params))
    fmt = write_chart(series, out, lang=lang)
    click.echo(f"wrote {out} ({fmt.value}: {series.title}, {len(series.bars)} bars, "
               f"{len({b.fiscal_year for b in series.bars})} fiscal years)")
    for note in series.notes:
        click.echo(f"  note: {note}", err=True)


@main.command()
@build_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-remote", is_flag=True, help="Allow a --host other than loopback (exposes the endpoint).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds a query may run; longer ones are stopped (503).")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Most result rows (or triples) a query may return; more is an error (422), never truncated.")
@click.option("--workers", default=3, show_default=True, type=click.IntRange(min=1),
              help="General query worker processes, for ad-hoc SPARQL (each holds the graph in memory).")
@click.option("--reserved", default=2, show_default=True, type=click.IntRange(min=0),
              help="Worker processes kept for named queries and entity pages, which ad-hoc SPARQL never gets.")
@click.option("--per-client", default=1, show_default=True, type=click.IntRange(min=1),
              help="Queries one client (remote address) may have running at once per lane; 8 more wait, "
                   "then 429.")
@click.option("--trust-proxy", multiple=True, metavar="ADDRESS",
              help="A reverse proxy whose X-Forwarded-For names the client (repeatable; default: none, "
                   "the connecting address is the client).")
@click.option("--worker-memory", default=2048, show_default=True, type=click.IntRange(min=0), metavar="MIB",
              help="Address space a query worker may use (RLIMIT_AS, MiB; 0: no cap); a query past it is stopped.")
@click.option("--base", default=None, metavar="URL",
              help="The public URL this server is reached at (e.g. behind the w3id.org redirect): the service "
                   "description and pages use it, never the Host header. Default: http://HOST:PORT/.")
def serve(build_dir: Path | None, host: str, port: int, allow_remote: bool, timeout: float, max_rows: int,
          workers: int, reserved: int, per_client: int, trust_proxy: tuple[str, ...], worker_memory: int,
          base: str | None) -> None:
    """Serve the built graph as a read-only SPARQL 1.1 endpoint (http://HOST:PORT/sparql, page at /).

    \b
    Examples:
      policykg serve
      policykg serve --port 8080 --timeout 30 --max-rows 50000
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 3' http://127.0.0.1:8000/sparql
      curl 'http://127.0.0.1:8000/queries/totals?scope_kind=overall&format=csv'
      curl -H 'Accept: text/turtle' http://127.0.0.1:8000/id/measure/mic-national-cyber-training-center
      policykg serve --base https://kg.example.org/policykg/
      policykg serve --host 0.0.0.0 --allow-remote --workers 4 --trust-proxy 127.0.0.1  # behind nginx

    Memory: one request holds at most its body (1 MB) and one worker, capped at --worker-memory
    (its answer is built within that cap); the workers together, a spare included, stay under
    (--workers + --reserved + 1) × --worker-memory.
    """
    from policykg.serve.server import is_loopback, serve as run_serve
    from policykg.viz.chart import entity_chart_svg
    from policykg.viz.draw import draw_page

    if not is_loopback(host) and allow_remote:
        click.echo(f"warning: binding {host}: the endpoint is reachable from other machines", err=True)
    run_serve(build_dir, host=host, port=port, workers=workers, timeout=timeout, max_rows=max_rows,
              allow_remote=allow_remote, worker_memory=worker_memory, announce=lambda m: click.echo(m, err=True),
              base=base, chart=entity_chart_svg, draw=draw_page, reserved=reserved, per_client=per_client,
              trust_proxy=trust_proxy)


@main.command(epilog=exit_codes_text(ExitCode.OK, ExitCode.NO_GRAPH, ExitCode.PUBLISH_FAILED))
@build_dir_option
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL query endpoint (checks and counts).")
@click.option("--graph-store", metavar="URL", default=None,
              help="The store's Graph Store Protocol endpoint (default: --endpoint).")
@click.option("--replace", is_flag=True, help="Overwrite graphs the store already holds (else refuse).")
@click.option("--auth", type=click.Choice(["auto", "basic", "digest"]), default="auto", show_default=True,
              help="HTTP authentication (auto: as the server's challenge asks).")
@click.option("--chunk", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="Triples per request (a graph with blank nodes goes in one).")
@click.option("--timeout", default=300.0, show_default=True, type=click.FloatRange(min=1), help="Seconds per request.")
def publish(build_dir: Path | None, endpoint: str, graph_store: str | None, replace: bool, auth: str, chunk: int,
            timeout: float) -> None:
    """Push the named graphs to an external triple store (SPARQL 1.1 Graph Store HTTP Protocol), then verify.

    Credentials, if the store needs them, come from the environment:
    POLICYKG_PUBLISH_USER and POLICYKG_PUBLISH_PASSWORD.

    \b
    Examples (Virtuoso; Fuseki: --endpoint …/ds/sparql --graph-store …/ds/data;
    Oxigraph server: --endpoint …/query --graph-store …/store):
      export POLICYKG_PUBLISH_USER=kg POLICYKG_PUBLISH_PASSWORD=…
      policykg publish --endpoint http://127.0.0.1:8890/sparql \\
          --graph-store http://127.0.0.1:8890/sparql-graph-crud-auth --replace
    """
    from policykg.graph.publish import credentials_from_env, publish as run_publish

    report = run_publish(build_dir, graph_store=graph_store or endpoint, sparql=endpoint,
                         credentials=credentials_from_env(), auth=auth, replace=replace, chunk=chunk,
                         timeout=timeout, progress=lambda m: click.echo(m, err=True))
    total = sum(g.triples for g in report.graphs)
    click.echo(f"published {len(report.graphs)} graphs, {total} triples, to {report.graph_store}; "
               f"verified through {report.sparql}")


@main.command()
@click.option("--triples", required=True, type=click.IntRange(min=1), help="About how many quads to write.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same triples and seed: the same bytes.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The N-Quads file.")
def synth(triples: int, seed: int, out: Path) -> None:
    """Write a synthetic policy graph in our ontology (for benchmarks), as N-Quads.

    Agencies, measures, bodies, programmes, laws, funding flows and figures over
    20 fiscal years, each fact with its synthetic source document and line. To
    query it, write it as policykg.nq in a build folder.

    \b
    Examples:
      policykg synth --triples 1000000 --seed 1 --out /tmp/kg1m/policykg.nq
      policykg query budget-by-agency --build-dir /tmp/kg1m --backend oxigraph
    """
    from policykg.synth import write_synth

    n = write_synth(out, triples=triples, seed=seed)
    click.echo(f"wrote {out} ({n} quads, seed {seed})")


if __name__ == "__main__":  # pragma: no cover
    main()
