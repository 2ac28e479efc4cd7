"""Render the command reference (docs/cli.md) from the commands themselves.

A test compares docs/cli.md with :func:`render`, so the reference can never
drift from the code: after changing a command, run
``python -m exportplan.cli.reference > docs/cli.md``.
"""
from __future__ import annotations

import click

from .main import cli


def _walk(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], path + [name])


def render() -> str:
    out = ["# Command reference", "",
           "Generated from the commands' own help (`python -m exportplan.cli.reference > docs/cli.md`).",
           "Every command accepts `-w/--workspace DIR` (default: the current folder), before or after",
           "the command name; every command that prints a table also takes `--format csv|xlsx|json --output FILE`.",
           ""]
    for path, command in _walk(cli, ["exportplan"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100, max_content_width=100,
                           help_option_names=["-h", "--help"]) as ctx:
            help_text = command.get_help(ctx)
        out += [f"## `{' '.join(path)}`", "", "```text", help_text.rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
