"""policykg: a knowledge graph of Japanese government cybersecurity policy measures.

``policykg.open()`` and ``policykg.KnowledgeGraph`` come from :mod:`policykg.api`,
imported on first use (module ``__getattr__``): ``import policykg`` stays fast and the
core imports nothing of the higher layers.
"""

__version__ = "0.1.0"

_LAZY = {"open": "open_graph", "KnowledgeGraph": "KnowledgeGraph"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module("policykg.api"), _LAZY[name])
    raise AttributeError(f"module 'policykg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
