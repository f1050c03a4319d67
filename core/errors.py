"""One base error class; every error the CLI reports derives from it."""

from __future__ import annotations


class PolicyKGError(Exception):
    """Base class of policykg's own errors."""

    exit_code = 1


class LoaderError(PolicyKGError):
    """A source document cannot be read: names the file, line and offending text."""

    exit_code = 3

    def __init__(self, source: str, line: int, snippet: str, message: str) -> None:
        self.source = source
        self.line = line
        self.snippet = snippet
        self.message = message
        super().__init__(f"{source}:{line}: {message}: {snippet!r}")


class UnknownEntityError(PolicyKGError):
    """A name that the registry does not know; shows the normalised lookup key."""

    exit_code = 3

    def __init__(self, kind: str, name: str, key: str) -> None:
        self.kind = kind
        self.name = name
        self.key = key
        super().__init__(f"unknown {kind} {name!r} (normalised key {key!r})")


class ManifestError(PolicyKGError):
    """The corpus manifest is malformed or names a missing file."""

    exit_code = 3


class BuildError(PolicyKGError):
    """The graph could not be built; nothing was written."""

    exit_code = 4


class QueryError(PolicyKGError):
    """A query is unknown, malformed, refused (updates) or badly parameterised."""

    exit_code = 2


class RegistryError(PolicyKGError):
    """The entity registry data is malformed: duplicate keys or names, dangling links."""

    exit_code = 3
