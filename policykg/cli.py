"""The ``policykg`` command: build, export and query the policy knowledge graph.

Exit codes: 0 success; 1 unexpected policykg error; 2 usage or query error;
3 unreadable input (file, layout, manifest, unknown entity); 4 build failed
(nothing written); 5 no built graph.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from policykg.errors import PolicyKGError


class _Group(click.Group):
    """Turns policykg errors into a one-line message and the documented exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PolicyKGError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(e.exit_code)


@click.group(cls=_Group, epilog=__doc__.split("\n\n", 1)[1])
@click.option("-v", "--verbose", is_flag=True, help="Log warnings as they happen.")
@click.version_option(package_name="policykg")
def main(verbose: bool) -> None:
    """policykg: Japanese government cybersecurity policy as a knowledge graph."""
    logging.basicConfig(level=logging.WARNING if verbose else logging.ERROR, format="%(levelname)s %(message)s")


build_dir_option = click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the built graph lives (default: ./build or $POLICYKG_HOME).",
)


@main.command()
@build_dir_option
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A corpus manifest other than the bundled one.")
def build(build_dir: Path | None, manifest: Path | None) -> None:
    """Build the graph from the corpus and print a short report.

    \b
    Example:
      policykg build
      policykg build --build-dir /tmp/kg
    """
    from policykg.pipeline import build as run_build

    result = run_build(build_dir, manifest=manifest, progress=lambda m: click.echo(m, err=True))
    report = result.report
    click.echo(f"wrote {result.graph_path} ({result.quads} quads)")
    click.echo("documents: " + ", ".join(report.documents))
    click.echo("entities and facts by class:")
    for cls, n in sorted(report.classes.items()):
        click.echo(f"  {cls:<20} {n:>6}")
    click.echo(f"warnings: {len(report.warnings)} (all in {result.graph_path.parent / 'build-report.json'})")
    for w in report.warnings[:20]:
        click.echo(f"  {w}")
    if len(report.warnings) > 20:
        click.echo(f"  … {len(report.warnings) - 20} more")


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
    if out is None:
        click.echo(text, nl=False)
    else:
        from policykg.graph.store import atomic_write

        atomic_write(out, [text])
        click.echo(f"wrote {out}", err=True)


@main.command()
@click.argument("name", required=False, metavar="NAME|FILE.rq")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A query parameter (repeatable); entities by IRI or any label.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="table for reading; csv, tsv, json: the W3C SPARQL results formats.")
@click.option("--list", "list_", is_flag=True, help="List the named queries (or describe NAME) and exit.")
@build_dir_option
@click.option("--backend", type=click.Choice(["auto", "rdflib", "oxigraph", "oxigraph-disk"]), default="auto",
              show_default=True, help="Query engine: auto picks by graph size (rdflib for the bundled corpus).")
def query(name: str | None, params: tuple[str, ...], fmt: str, list_: bool, build_dir: Path | None,
          backend: str) -> None:
    """Run a named SPARQL query, or any .rq file, on the built graph.

    Parameters are bound as RDF terms, never pasted into the query text; an
    update (INSERT, DELETE, DROP …) is refused.

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
    """
    from policykg.graph.backends import open_store
    from policykg.queries.run import format_result, list_queries, load_query, run_query

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
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        if key.strip() in values:
            raise click.BadParameter(f"{key.strip()!r} given twice", param_hint="--param")
        values[key.strip()] = value
    nq = load_query(name)
    result = run_query(open_store(build_dir, backend), nq, values)
    click.echo(format_result(result, fmt), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
