"""The README's command reference, generated from the click commands (run by cog).

``cog -r README.md`` rewrites the part of the README between the cog markers;
``cog --check README.md`` (in CI and ``tests/test_cli_docs.py``) fails when it is stale, so the
README cannot drift from ``--help``.
"""

from __future__ import annotations

import click

from policykg.errors import EXIT_MEANINGS

from . import main

WIDTH = 100


def help_text(*names: str) -> str:
    """``policykg NAMES… --help`` as printed at a fixed width (deterministic)."""
    ctx = click.Context(main, info_name="policykg", terminal_width=WIDTH, max_content_width=WIDTH)
    command: click.Command = main
    for name in names:
        command = command.commands[name]  # type: ignore[attr-defined]
        ctx = click.Context(command, info_name=name, parent=ctx, terminal_width=WIDTH, max_content_width=WIDTH)
    return command.get_help(ctx)


def exit_code_table() -> str:
    """The exit codes as a Markdown table."""
    rows = ["| exit code | meaning |", "| --- | --- |"]
    rows += [f"| {int(code)} | {meaning} |" for code, meaning in EXIT_MEANINGS.items()]
    return "\n".join(rows)


def reference_markdown() -> str:
    """Every command's ``--help``, as Markdown."""
    parts = ["```", "$ policykg --help", help_text(), "```"]
    for name in sorted(main.commands):
        parts += ["", f"#### `policykg {name}`", "", "```", f"$ policykg {name} --help", help_text(name), "```"]
    return "\n".join(parts)
