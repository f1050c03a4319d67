"""One base error class; every error the CLI reports derives from it.

Each error class carries its exit code, one of :class:`ExitCode`; the ``policykg --help``
epilog and the README's exit-code table are generated from :data:`EXIT_MEANINGS`, and
``tests/test_cli_docs.py`` ties every documented code to the error classes that use it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of the ``policykg`` command."""

    OK = 0
    ERROR = 1
    USAGE = 2
    UNREADABLE_INPUT = 3
    BUILD_FAILED = 4
    NO_GRAPH = 5
    NOT_CONFORMING = 6
    PUBLISH_FAILED = 7
    MISSING_EXTRA = 8
    ALREADY_IN_CORPUS = 9


#: What each exit code means, as ``--help`` and the README say it.
EXIT_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success (`validate`: the graph conforms, warnings may be listed)",
    ExitCode.ERROR: "unexpected policykg error",
    ExitCode.USAGE: "usage or query error (including a refused SPARQL Update)",
    ExitCode.UNREADABLE_INPUT: "unreadable input: file, layout, manifest, unknown entity — the message names "
                               "the file and line",
    ExitCode.BUILD_FAILED: "build failed, nothing written (including a new graph that violates a core SHACL "
                           "shape)",
    ExitCode.NO_GRAPH: "no built graph",
    ExitCode.NOT_CONFORMING: "`policykg validate`: the built graph violates a core SHACL shape",
    ExitCode.PUBLISH_FAILED: "`policykg publish`: the external store refused, could not be reached, or does "
                             "not hold what was sent",
    ExitCode.MISSING_EXTRA: "an optional part is not installed (the message names the extra to install)",
    ExitCode.ALREADY_IN_CORPUS: "`policykg add`: the document (same file, same text, same id, or a summary of "
                                "the same budget) is already in the corpus (nothing added)",
}


class PolicyKGError(Exception):
    """Base class of policykg's own errors."""

    exit_code = ExitCode.ERROR


class LoaderError(PolicyKGError):
    """A source document cannot be read: names the file, line and offending text."""

    exit_code = ExitCode.UNREADABLE_INPUT

    def __init__(self, source: str, line: int, snippet: str, message: str) -> None:
        self.source = source
        self.line = line
        self.snippet = snippet
        self.message = message
        super().__init__(f"{source}:{line}: {message}: {snippet!r}")


class UnsafeIRIError(PolicyKGError):
    """An IRI made from input text would hold a character an IRI cannot (white space, a control,
    ``<>"{}|^`\\``…): refused, never written. The build names the document's file and line."""

    exit_code = ExitCode.UNREADABLE_INPUT

    def __init__(self, iri: str, reason: str) -> None:
        self.iri = iri
        self.reason = reason
        super().__init__(f"refused IRI {iri!r}: {reason}")


class UnknownEntityError(PolicyKGError):
    """A name that the registry does not know; shows the normalised lookup key."""

    exit_code = ExitCode.UNREADABLE_INPUT

    def __init__(self, kind: str, name: str, key: str) -> None:
        self.kind = kind
        self.name = name
        self.key = key
        super().__init__(f"unknown {kind} {name!r} (normalised key {key!r})")


class ManifestError(PolicyKGError):
    """The corpus manifest is malformed or names a missing file."""

    exit_code = ExitCode.UNREADABLE_INPUT


class DuplicateDocumentError(PolicyKGError):
    """``policykg add``: the document, or its id, is already in a corpus; names both files."""

    exit_code = ExitCode.ALREADY_IN_CORPUS


class BuildError(PolicyKGError):
    """The graph could not be built; nothing was written."""

    exit_code = ExitCode.BUILD_FAILED


class QueryError(PolicyKGError):
    """A query is unknown, malformed, refused (updates) or badly parameterised."""

    exit_code = ExitCode.USAGE


class RegistryError(PolicyKGError):
    """The entity registry data is malformed: duplicate keys or names, dangling links."""

    exit_code = ExitCode.UNREADABLE_INPUT


class MissingExtraError(PolicyKGError):
    """An optional part of policykg is not installed; the message names the extra to install."""

    exit_code = ExitCode.MISSING_EXTRA

    def __init__(self, extra: str, package: str, needed_for: str) -> None:
        self.extra = extra
        super().__init__(f"{needed_for} needs the {package} package: pip install 'policykg[{extra}]'")
