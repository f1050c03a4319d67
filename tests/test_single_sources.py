"""One prefix map and one money formatter: every module uses the objects of policykg.namespace
and policykg.money (found by walking the installed modules, as tests/test_doctests.py does)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import tomllib
from collections.abc import Mapping
from pathlib import Path

from rdflib import Namespace

from policykg import money
from policykg.namespace import PREFIXES

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PACKAGES = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]


def _modules() -> list[object]:
    names = []
    for package in PACKAGES:
        names.append(package)
        names += [m.name for m in pkgutil.iter_modules(importlib.import_module(package).__path__, package + ".")
                  if not m.ispkg and not m.name.endswith(".__main__")]
    return [importlib.import_module(n) for n in names]


MODULES = _modules()


def test_the_walk_finds_the_modules() -> None:
    names = {m.__name__ for m in MODULES}
    assert {"policykg.namespace", "policykg.queries.run", "policykg.serve.pool", "policykg.graph.export",
            "policykg.report.checks", "policykg.viz.render", "policykg.synth"} <= names
    assert len(MODULES) >= 45


def test_every_prefix_mapping_is_the_namespace_modules() -> None:
    """A module-level mapping naming two or more of the prefix IRIs is PREFIXES itself or a
    view of it (prefix → Namespace, IRI → "prefix:") with every entry as PREFIXES has it."""
    iris = set(PREFIXES.values())
    views = []
    for mod in MODULES:
        for name, value in vars(mod).items():
            if not isinstance(value, Mapping) or value is PREFIXES:
                continue
            pairs = [(str(k), str(v)) for k, v in value.items()]
            if len({x for pair in pairs for x in pair} & iris) < 2:
                continue
            views.append(f"{mod.__name__}.{name}")
            for k, v in pairs:
                prefix, iri = (k, v) if v in iris else (v.removesuffix(":"), k)
                assert PREFIXES.get(prefix) == iri, (f"{mod.__name__}.{name}", k, v)
    assert sorted(views) == ["policykg.graph.validate._PREFIXES", "policykg.queries.run.INIT_NS"]
    assert all(isinstance(ns, Namespace) for ns in importlib.import_module("policykg.queries.run").INIT_NS.values())


def test_every_oku_formatter_is_policykg_money() -> None:
    formatters = {money.oku, money.oku_display}
    users = []
    for mod in MODULES:
        for name, value in vars(mod).items():
            if inspect.isfunction(value) and "oku" in f"{name}_{value.__name__}".lower().split("_"):
                assert value in formatters, f"{mod.__name__}.{name} is {value.__module__}.{value.__qualname__}"
                users.append(mod.__name__)
    assert {"policykg.report.checks", "policykg.report.render", "policykg.viz.render"} <= set(users)
