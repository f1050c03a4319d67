"""Help that cannot drift: exit codes in ``--help`` and the README come from the error classes,
and the README's command reference is what the click commands print."""

from __future__ import annotations

import builtins
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykg
from policykg.cli import main
from policykg.cli.reference import help_text
from policykg.errors import EXIT_MEANINGS, ExitCode, PolicyKGError

README = Path(__file__).resolve().parents[1] / "README.md"
SUBPACKAGES = ["loaders", "graph", "queries", "report", "viz", "serve", "synth", "cli"]


def error_classes() -> list[type[PolicyKGError]]:
    """Every PolicyKGError subclass defined anywhere in the package."""
    names = [m.name for m in pkgutil.iter_modules(policykg.__path__, "policykg.") if not m.name.endswith("__main__")]
    for sub in SUBPACKAGES:
        pkg = importlib.import_module(f"policykg.{sub}")
        names += [m.name for m in pkgutil.iter_modules(pkg.__path__, f"policykg.{sub}.")
                  if not m.name.endswith("__main__")]
    classes = set()
    for name in names:
        for _, obj in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(obj, PolicyKGError):
                classes.add(obj)
    return sorted(classes, key=lambda c: (c.__module__, c.__name__))


def test_every_error_class_has_a_documented_exit_code() -> None:
    classes = error_classes()
    assert len(classes) >= 15
    for cls in classes:
        assert isinstance(cls.exit_code, ExitCode), f"{cls.__module__}.{cls.__name__}: {cls.exit_code!r}"
    used = {cls.exit_code for cls in classes}
    # 0 is success and 2 is also click's own usage error; every other code is some error's
    assert set(ExitCode) - used <= {ExitCode.OK}
    assert {c.__name__: c.exit_code for c in classes if c.__name__ in
            ("PublishError", "NotConformingError", "StoreError", "BuildError", "LoaderError")} == {
        "PublishError": 7, "NotConformingError": 6, "StoreError": 5, "BuildError": 4, "LoaderError": 3}


def _documented(text: str) -> dict[int, str]:
    """Exit codes as ``--help`` prints them: 'Exit codes: 0 meaning; 1 meaning.'"""
    flat = " ".join(text.split())
    m = re.search(r"Exit codes: (.*?)\.(?:\s|$)", flat)
    assert m, text
    return {int(code): meaning for code, meaning in re.findall(r"(\d+) (.*?)(?:; |$)", m.group(1))}


def test_main_help_lists_every_exit_code() -> None:
    assert _documented(help_text()) == {int(c): " ".join(m.split()) for c, m in EXIT_MEANINGS.items()}


def test_no_help_text_states_an_exit_code_by_hand() -> None:
    """A number next to "exit" in a help text must come from the generated paragraph."""
    for name in main.commands:
        text = " ".join(help_text(name).split())
        generated = re.search(r"Exit codes: .*?\.(?:\s|$)", text)
        rest = text.replace(generated.group(0), "") if generated else text
        assert not re.search(r"\bexit(?: code)?s?:? \d", rest, re.I), f"policykg {name} --help: {rest}"
    assert _documented(help_text("publish")) == {0: EXIT_MEANINGS[ExitCode.OK], 5: "no built graph",
                                                 7: EXIT_MEANINGS[ExitCode.PUBLISH_FAILED]}


def test_readme_exit_code_table_matches_the_enum() -> None:
    rows = re.findall(r"^\| (\d) \| (.*) \|$", README.read_text(encoding="utf-8"), re.M)
    assert {int(c): m for c, m in rows} == {int(c): m for c, m in EXIT_MEANINGS.items()}


def test_readme_command_reference_is_current() -> None:
    proc = subprocess.run([sys.executable, "-m", "cogapp", "--check", str(README)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr + "\nrun: cog -r README.md"
    text = README.read_text(encoding="utf-8")
    for name in main.commands:
        assert f"$ policykg {name} --help" in text


def test_a_missing_built_graph_exits_with_its_documented_code(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--build-dir", str(tmp_path)])
    assert result.exit_code == ExitCode.NO_GRAPH == 5
    assert "no built graph" in result.output and "Traceback" not in result.output


def test_publish_to_a_closed_port_exits_7(bundled_build: Path) -> None:
    result = CliRunner().invoke(main, ["publish", "--build-dir", str(bundled_build), "--endpoint",
                                       "http://127.0.0.1:9/sparql", "--timeout", "2"])
    assert result.exit_code == ExitCode.PUBLISH_FAILED == 7, result.output
    assert result.output.startswith("error: ")


def test_png_without_playwright_names_the_extra(bundled_build: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_playwright(name, *args, **kwargs):
        if name.split(".")[0] == "playwright":
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_playwright)
    out = tmp_path / "law.png"
    result = CliRunner().invoke(main, ["viz", "law", "--build-dir", str(bundled_build), "--out", str(out)])
    assert result.exit_code == ExitCode.MISSING_EXTRA == 8, result.output
    assert result.output.strip().splitlines() == [
        "error: drawing in headless Chromium (PNG output) needs the playwright package: "
        "pip install 'policykg[png]'"]
    assert not out.exists()


def _choices(command: str, param: str) -> list[str]:
    (option,) = [p for p in main.commands[command].params if p.name == param]
    return list(option.type.choices)


def test_every_choice_is_the_library_enum() -> None:
    """The CLI imports its stages lazily (fast --help), so its choices are literals; each must be
    exactly the values of the enum the library takes, in the same order."""
    from policykg.graph import export, validate
    from policykg.graph.backends import Backend
    from policykg.queries import formats
    from policykg.report import render
    from policykg.viz import Format as VizFormat
    from policykg.viz.project import VIEWS

    pairs = {("query", "backend"): [b.value for b in Backend],
             ("query", "fmt"): [f.value for f in formats.Format],
             ("export", "fmt"): [f.value for f in export.Format],
             ("validate", "fmt"): [f.value for f in validate.ReportFormat],
             ("report", "fmt"): [f.value for f in render.ReportFormat],
             ("viz", "fmt"): [f.value for f in VizFormat],
             ("viz", "view"): list(VIEWS)}
    for (command, param), values in pairs.items():
        assert _choices(command, param) == values, f"policykg {command} --{param}"


def test_backend_help_says_what_auto_picks() -> None:
    """`auto` is Oxigraph in memory, or on disk when memory is short, never rdflib
    (``choose_backend``); the help said rdflib once."""
    from policykg.graph.backends import Backend, choose_backend

    picks = {choose_backend(size, free) for size in (10**4, 10**7, 10**9, 10**11)
             for free in (None, 1 << 30, 64 << 30)}
    assert picks == {Backend.OXIGRAPH, Backend.OXIGRAPH_DISK}
    (option,) = [p for p in main.commands["query"].params if p.name == "backend"]
    assert option.default == Backend.AUTO.value
    assert option.help == "Query engine: auto is Oxigraph in memory, or on disk when memory is short."


def test_png_without_playwright_in_a_fresh_process(bundled_build: Path, tmp_path: Path) -> None:
    """The real command, in its own process with playwright unimportable: one line on stderr naming
    the extra, exit 8, no traceback, no file."""
    out = tmp_path / "law.png"
    script = ("import sys\nsys.modules['playwright'] = None  # import playwright now raises ImportError\n"
              "from policykg.cli import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", script, "viz", "law", "--build-dir", str(bundled_build),
                           "--out", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == ExitCode.MISSING_EXTRA == 8, proc.stderr
    assert proc.stderr.splitlines() == [
        "error: drawing in headless Chromium (PNG output) needs the playwright package: "
        "pip install 'policykg[png]'"]
    assert proc.stdout == "" and not out.exists()
