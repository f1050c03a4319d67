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


def test_doctests_are_collected() -> None:
    """Guard: the walk finds the modules known to carry examples (and more may come)."""
    known = {"policykg.normalize", "policykg.money", "policykg.records", "policykg.graph.backends",
             "policykg.loaders.meti_wg", "policykg.loaders.nisc_pages_text", "policykg.cli"}
    assert known <= set(WITH_EXAMPLES), known - set(WITH_EXAMPLES)
    assert len(WITH_EXAMPLES) >= 15


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
