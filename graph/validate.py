"""SHACL validation of the built graph with ``ontology/shapes.ttl`` (pySHACL).

Core shapes (severity ``sh:Violation``) say what a correct graph is: ``policykg
build`` refuses to publish a graph that violates one, and ``policykg validate``
exits 6. Advisory shapes (``sh:Warning``, ``sh:Info``) are listed but never
fatal: a graph *conforms* when it has no violation.

Validation runs over the union of the named graphs (the ontology graph included,
so ``sh:class`` sees ``rdfs:subClassOf``) without RDFS/OWL inference: every
instance is typed explicitly, and inference would triple the time.

>>> from rdflib import Graph
>>> report = validate_graph(Graph())
>>> report.conforms, report.findings
(True, ())
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SH

from policykg.errors import ExitCode, PolicyKGError
from policykg.graph.store import load_dataset
from policykg.namespace import PK, PREFIXES, SHAPES

log = logging.getLogger(__name__)

__all__ = [
    "Finding", "NotConformingError", "ReportFormat", "ValidationReport", "format_report", "shapes_graph",
    "union_graph", "validate_build", "validate_dataset", "validate_graph",
]

SHAPES_NS = str(SHAPES)


class NotConformingError(PolicyKGError):
    """The built graph violates a core shape (``policykg validate`` exit code)."""

    exit_code = ExitCode.NOT_CONFORMING


class ReportFormat(str, Enum):
    TEXT = "text"
    TURTLE = "turtle"
    JSON = "json"


@dataclass(frozen=True, order=True)
class Finding:
    """One SHACL result, with the source of its focus node where the node cites one."""

    severity: str  # Violation, Warning, Info
    shape: str  # the node shape (pks:… local name), or the shape IRI
    path: str  # the property path (prefixed), "" for node-level constraints
    focus: str  # focus node IRI
    message: str
    value: str = ""
    source: str = ""  # "doc-id:line" or "doc-id" when the focus node cites one

    def __str__(self) -> str:
        where = f" [{self.source}]" if self.source else ""
        value = f" (value {self.value})" if self.value else ""
        path = f" {self.path}" if self.path else ""
        return f"{self.severity}: {self.shape}{path}: {self.focus}{where}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    findings: tuple[Finding, ...]
    results: Graph  # pySHACL's validation report graph

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Violation")

    @property
    def conforms(self) -> bool:
        """No violation of a core shape (warnings and infos do not count)."""
        return not self.violations

    def counts(self) -> Counter:
        """(severity, shape, path) → number of results."""
        return Counter((f.severity, f.shape, f.path) for f in self.findings)


@lru_cache(maxsize=1)
def _shapes_text() -> str:
    return (resources.files("policykg.ontology") / "shapes.ttl").read_text(encoding="utf-8")


def shapes_graph() -> Graph:
    """The bundled shapes (a fresh graph each call)."""
    return Graph().parse(data=_shapes_text(), format="turtle")


def union_graph(ds: Dataset) -> Graph:
    """Every triple of every named graph of ``ds`` in one graph."""
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def validate_graph(data: Graph, shapes: Graph | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes`` (default: the bundled shapes)."""
    shapes = shapes if shapes is not None else shapes_graph()
    _, results, text = shacl_validate(data, shacl_graph=shapes, advanced=True, inference="none",
                                      allow_warnings=True)
    if not isinstance(results, Graph):  # pySHACL's ValidationFailure: the shapes themselves are wrong
        raise PolicyKGError(f"SHACL validation could not run: {text}")
    findings = tuple(sorted(_finding(results, r, data, shapes)
                            for r in results.subjects(RDF.type, SH.ValidationResult)))
    log.info("SHACL: %d results, %d violations", len(findings), sum(f.severity == "Violation" for f in findings))
    return ValidationReport(findings, results)


def validate_dataset(ds: Dataset, shapes: Graph | None = None) -> ValidationReport:
    return validate_graph(union_graph(ds), shapes)


def validate_build(build_dir: Path | None = None) -> ValidationReport:
    """Validate the built graph in ``build_dir`` (StoreError when there is none)."""
    return validate_dataset(load_dataset(build_dir))


def _finding(results: Graph, r: URIRef, data: Graph, shapes: Graph) -> Finding:
    severity = str(results.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
    source_shape = results.value(r, SH.sourceShape)
    shape = _owner_shape(shapes, source_shape)
    path = results.value(r, SH.resultPath)
    focus = results.value(r, SH.focusNode)
    value = results.value(r, SH.value)
    message = results.value(r, SH.resultMessage)
    return Finding(
        severity=severity,
        shape=_short(shape),
        path=_short(path) if isinstance(path, URIRef) else ("" if path is None else "(complex path)"),
        focus=str(focus),
        message=str(message or ""),
        value="" if value is None else str(value),
        source=_source(data, focus, path if isinstance(path, URIRef) else None),
    )


def _owner_shape(shapes: Graph, shape: URIRef | None) -> URIRef | None:
    """The named node shape a (possibly blank) property or SPARQL shape belongs to."""
    for _ in range(4):
        if shape is None or isinstance(shape, URIRef):
            return shape
        owner = next(shapes.subjects(SH.property, shape), None) or next(shapes.subjects(SH.sparql, shape), None)
        if owner is None:
            return shape
        shape = owner
    return shape


#: Prefixes used to shorten IRIs in messages (instance IRIs stay whole, so they can be looked up).
_PREFIXES = {PREFIXES[p]: f"{p}:" for p in ("pks", "pk", "skos", "prov", "dcterms", "rdf")}


def _short(iri: object) -> str:
    """``pks:Measure`` for a shapes IRI, ``pk:line`` for an ontology term.

    >>> _short(URIRef("https://w3id.org/policykg/ontology#amountJPY"))
    'pk:amountJPY'
    """
    if iri is None:
        return ""
    text = str(iri)
    for ns, prefix in _PREFIXES.items():
        if text.startswith(ns):
            return prefix + text[len(ns):]
    return text


def _source(data: Graph, focus: object, path: URIRef | None = None) -> str:
    """Where the focus node was read: its own citation, or (a shared entity such as a
    measure) the citations of the statements about it along ``path``, so that a
    constraint two documents break together names both documents and lines."""
    if focus is None:
        return ""
    doc = data.value(focus, PROV.wasDerivedFrom)
    if doc is not None:
        return _cite(data, focus, doc)
    cited = set()
    for stmt in data.subjects(RDF.subject, focus):
        if path is None or (stmt, RDF.predicate, path) in data:
            stmt_doc = data.value(stmt, PROV.wasDerivedFrom)
            if stmt_doc is not None:
                cited.add(_cite(data, stmt, stmt_doc))
    return ", ".join(sorted(cited))


def _cite(data: Graph, node: object, doc: object) -> str:
    doc_id = data.value(doc, DCTERMS.identifier) or str(doc).rsplit("/", 1)[-1]
    line = data.value(node, PK.line)
    return f"{doc_id}:{line}" if line is not None else str(doc_id)


def format_report(report: ValidationReport, fmt: ReportFormat = ReportFormat.TEXT, *, limit: int = 10) -> str:
    """The report as text (summary and the first ``limit`` results of each shape and path),
    JSON or pySHACL's results graph in Turtle."""
    if fmt is ReportFormat.TURTLE:
        return report.results.serialize(format="turtle")
    if fmt is ReportFormat.JSON:
        data = {
            "conforms": report.conforms,
            "counts": {sev: sum(f.severity == sev for f in report.findings) for sev in ("Violation", "Warning", "Info")},
            "results": [asdict(f) for f in report.findings],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    counts = report.counts()
    n = {sev: sum(v for (s, _, _), v in counts.items() if s == sev) for sev in ("Violation", "Warning", "Info")}
    head = "conforms" if report.conforms else "DOES NOT CONFORM"
    lines = [f"{head}: {n['Violation']} violations, {n['Warning']} warnings, {n['Info']} infos"]
    for (sev, shape, path), count in sorted(counts.items()):
        lines.append(f"{sev} {shape} {path or '-'}: {count}")
        shown = [f for f in report.findings if (f.severity, f.shape, f.path) == (sev, shape, path)][:limit]
        for f in shown:
            where = f" [{f.source}]" if f.source else ""
            value = f" value={f.value}" if f.value else ""
            lines.append(f"  {f.focus}{where}: {f.message}{value}")
        if count > len(shown):
            lines.append(f"  … {count - len(shown)} more")
    return "\n".join(lines) + "\n"
