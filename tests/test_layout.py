"""The package layout: one folder per import name, one root, imports pointing one way, every
third-party import declared.

The packages and their folders are read from ``pyproject.toml`` (the checkout these tests are
in); the modules are the installed ``policykg`` (editable or wheel).
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import pkgutil
import re
import sys
import tomllib
from pathlib import Path

import pytest

import policykg

CHECKOUT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
PACKAGES: list[str] = SETUPTOOLS["packages"]
FOLDERS: dict[str, str] = SETUPTOOLS["package-dir"]

#: The data flow, lowest first: a module may import its own package and packages of lower layers.
LAYERS: dict[str, int] = {
    "policykg": 0, "policykg.ontology": 0, "policykg.corpus": 0,
    "policykg.loaders": 1,
    "policykg.graph": 2,
    "policykg.queries": 3,
    "policykg.report": 4, "policykg.viz": 4, "policykg.serve": 4, "policykg.synth": 4,
    "policykg.api": 5,
    "policykg.cli": 6,
}
#: ``python -m policykg`` and ``python -m policykg.cli`` are entry points (importing one runs the command).
ENTRY_POINTS = {"policykg.__main__", "policykg.cli.__main__"}


def all_modules() -> dict[str, Path]:
    """Every module of the installed package, imported: name -> file."""
    names = []
    for package in PACKAGES:
        mod = importlib.import_module(package)
        names.append(package)
        names += [m.name for m in pkgutil.iter_modules(mod.__path__, package + ".")
                  if not m.ispkg and m.name not in ENTRY_POINTS]
    return {n: Path(importlib.import_module(n).__file__).resolve() for n in names}


MODULES = all_modules()


def package_of(module: str) -> str:
    return max((p for p in PACKAGES if module == p or module.startswith(p + ".")), key=len)


def test_every_package_of_pyproject_is_a_folder_of_its_own() -> None:
    assert len(PACKAGES) == 12 and set(FOLDERS) == set(PACKAGES) == set(LAYERS)
    assert len(set(FOLDERS.values())) == len(FOLDERS), "two import names share a folder"
    assert not (CHECKOUT / "policykg").exists(), "a folder called policykg would shadow the installed package"
    assert len(MODULES) >= 45
    unlisted = [m.name for p in PACKAGES for m in pkgutil.iter_modules(importlib.import_module(p).__path__, p + ".")
                if m.ispkg and m.name not in PACKAGES]
    assert not unlisted, f"packages missing from [tool.setuptools] packages (not installed by a wheel): {unlisted}"


def test_every_module_is_loaded_once_from_one_root() -> None:
    """All ``policykg.*`` modules come from one installation: either this checkout's folders
    (editable: ``policykg.graph`` from ``graph/``) or one ``site-packages/policykg`` (wheel)."""
    root_file = Path(policykg.__file__).resolve()
    editable = root_file.parent == CHECKOUT / FOLDERS["policykg"]
    if not editable and root_file.parent.parent != CHECKOUT:
        base = root_file.parent  # wheel: site-packages/policykg/<sub>/
        expected = {p: base.joinpath(*p.split(".")[1:]) for p in PACKAGES}
    else:
        assert editable, (f"policykg is installed from {root_file.parent}, but these tests are in {CHECKOUT}: "
                          "run `python -m pip install -e '.[test]'` in this checkout")
        expected = {p: CHECKOUT / FOLDERS[p] for p in PACKAGES}
    for name, path in MODULES.items():
        assert path.parent == expected[package_of(name)], f"{name} loaded from {path}"
    loaded: dict[Path, list[str]] = {}
    for name, mod in list(sys.modules.items()):
        file = getattr(mod, "__file__", None)
        if file:
            loaded.setdefault(Path(file).resolve(), []).append(name)
    twice = {str(f): names for f, names in loaded.items() if len(names) > 1 and f in MODULES.values()}
    assert not twice, f"modules loaded under two names: {twice}"


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every policykg import in ``path``, at any depth."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "policykg"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] == "policykg":
                out.append((node.lineno, target))
    return out


def test_imports_point_one_way() -> None:
    """core → loaders → graph → queries → report / viz / serve / synth → api → cli: a module imports only
    its own package and packages of lower layers (function-level imports included)."""
    wrong = []
    for name, path in MODULES.items():
        own = package_of(name)
        for line, target in _imports(path, name):
            other = package_of(target)
            if other != own and (LAYERS[other] >= LAYERS[own]):
                wrong.append(f"{path.relative_to(path.parents[1])}:{line}: {name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The check above can fail: an import of the endpoint from the graph layer is seen."""
    f = tmp_path / "mod.py"
    f.write_text("def f():\n    from policykg.serve.server import serve\n    from . import build\n", encoding="utf-8")
    found = _imports(f, "policykg.graph.mod")
    assert found == [(2, "policykg.serve.server"), (3, "policykg.graph")]
    assert LAYERS[package_of(found[0][1])] > LAYERS["policykg.graph"]


def _third_party_imports(files: dict[str, Path] = MODULES) -> dict[str, set[str]]:
    """Top-level name of every absolute import that is neither stdlib nor policykg -> who imports it."""
    stdlib = sys.stdlib_module_names
    out: dict[str, set[str]] = {}
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top not in stdlib and top not in ("policykg", "__future__"):
                    out.setdefault(top, set()).add(name)
    return out


def _requirement_name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_every_third_party_import_is_declared() -> None:
    """Each import the package makes is a declared dependency (core, or the extra named in the
    import's error message); numpy and scipy, which networkx's layouts import, are declared too."""
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_requirement_name(r) for r in project["dependencies"]}
    extras = {e: {_requirement_name(r) for r in reqs} for e, reqs in project["optional-dependencies"].items()}
    distributions = importlib.metadata.packages_distributions()
    imports = _third_party_imports()
    assert {"rdflib", "networkx", "jinja2", "pyoxigraph", "playwright"} <= set(imports)
    missing = {}
    for top, users in sorted(imports.items()):
        dists = {d.lower().replace("_", "-") for d in distributions.get(top, [top])}
        if not dists & (core | extras["png"]):
            missing[top] = sorted(users)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
    assert {"numpy", "scipy"} <= core
    assert "playwright" in extras["png"] and "playwright" not in core


@pytest.mark.parametrize("dist", ["numpy", "scipy", "jinja2", "pyparsing"])
def test_declared_dependencies_are_installed(dist: str) -> None:
    requires = importlib.metadata.requires("policykg") or []
    assert any(_requirement_name(r) == dist and "extra ==" not in r for r in requires)
    assert importlib.metadata.version(dist)


def test_every_third_party_import_of_the_tests_is_declared() -> None:
    """The suite's own imports come from the core dependencies or the ``test`` extra (with what
    it includes: ``policykg[png]``), so ``pip install -e '.[test]'`` is enough to run it."""
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    declared = {_requirement_name(r) for r in project["dependencies"] + extras["test"] + extras["png"]}
    distributions = importlib.metadata.packages_distributions()
    tests = {str(p.relative_to(CHECKOUT)): p for p in (CHECKOUT / "tests").rglob("*.py")}
    local = {p.stem for p in tests.values()}
    imports = {top: users for top, users in _third_party_imports(tests).items() if top not in local}
    assert {"pytest", "hypothesis", "SPARQLWrapper"} <= set(imports)
    missing = {top: sorted(users) for top, users in sorted(imports.items())
               if not {d.lower().replace("_", "-") for d in distributions.get(top, [top])} & declared}
    assert not missing, f"the tests import what the test extra does not declare: {missing}"
