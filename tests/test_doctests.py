"""Every docstring example of the package runs, found by walking the installed modules (no
hand-kept list to forget a module in). Not pytest's --doctest-modules: it would import the
source folders under second names (``core.normalize``), which the layout forbids."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PACKAGES = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        mod = importlib.import_module(package)
        names.append(package)
        names += [m.name for m in pkgutil.iter_modules(mod.__path__, package + ".")
                  if not m.ispkg and not m.name.endswith(".__main__")]
    return names


def _with_examples(name: str) -> bool:
    finder = doctest.DocTestFinder()
    return any(not e.options.get(doctest.SKIP) for t in finder.find(importlib.import_module(name))
               for e in t.examples)


WITH_EXAMPLES = [n for n in _modules() if _with_examples(n)]


# Every module known to carry examples, with how many it has (at least): a module losing its
# examples, or a walk that silently finds fewer modules, fails the guard below.
KNOWN = {
    "policykg.money": 4, "policykg.namespace": 6, "policykg.normalize": 17, "policykg.records": 3,
    "policykg.registry": 6,
    "policykg.sources": 1,
    "policykg.loaders.meti_wg": 5, "policykg.loaders.nisc_pages": 6, "policykg.loaders.nisc_pages_facts": 1,
    "policykg.loaders.nisc_pages_figures": 10, "policykg.loaders.nisc_pages_layout": 2,
    "policykg.loaders.nisc_pages_text": 4, "policykg.loaders.nisc_tables": 4, "policykg.loaders.nisc_totals": 7,
    "policykg.graph.backends": 9, "policykg.graph.narrow": 6, "policykg.graph.isolate": 2, "policykg.graph.build": 3, "policykg.graph.store": 5, "policykg.graph.publish": 2,
    "policykg.graph.validate": 4,
    "policykg.graph.virtuoso": 2,
    "policykg.queries": 2, "policykg.queries.formats": 3, "policykg.queries.run": 5, "policykg.queries.search": 7,
    "policykg.report.checks": 1, "policykg.report.render": 1,
    "policykg.viz.project": 1,
    "policykg.serve.page": 1, "policykg.serve.pool": 5, "policykg.serve.protocol": 8, "policykg.serve.server": 1,
    "policykg.serve.scheduler": 2, "policykg.serve.search": 2,
    "policykg.synth": 2,
    "policykg.api": 2, "policykg.api.frames": 7, "policykg.api.graph": 17, "policykg.api.locate": 1,
    "policykg.cli": 1,
}


def test_doctests_are_collected() -> None:
    """Guard: the walk finds the modules known to carry examples (and more may come)."""
    assert set(KNOWN) <= set(WITH_EXAMPLES), set(KNOWN) - set(WITH_EXAMPLES)
    assert len(WITH_EXAMPLES) >= len(KNOWN) == 41


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted >= KNOWN.get(name, 1)
