"""The ``exportplan`` command: a thin layer over :class:`exportplan.Workspace`."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import ExportPlanError, ImportFailed

FORMATS = ("csv", "xlsx", "json")


def workspace_option(f):
    """-w/--workspace on every command (also accepted before the command name)."""
    def remember(ctx, _param, value):
        if value is not None:
            ctx.ensure_object(dict)["workspace"] = value
        return value
    return click.option("-w", "--workspace", "workspace_opt", type=click.Path(file_okay=False, path_type=Path),
                        default=None, expose_value=False, callback=remember, is_eager=True,
                        help="Workspace folder (default: the current folder).")(f)


def table_output(f):
    """--format/--output on every command that prints a table."""
    f = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write the table to this file (format from --format or the file suffix).")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="File format for --output: csv, xlsx or json.")(f)
    return f


def current_workspace(ctx: click.Context):
    from ..workspace import Workspace

    folder = (ctx.obj or {}).get("workspace") or Path(".")
    return Workspace.open(folder)


def friendly(f):
    """Turn ExportPlanError into a clean message and exit code 2 (no traceback)."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except ImportFailed as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except ExportPlanError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    return wrapper


def emit_table(df, *, fmt, output, meta=None, title=None, columns=None, max_rows=40, formats=None):
    """Print a table, and write it to --output when given (``formats``: column -> format spec)."""
    from ..output.tables import render_text_table, write_table

    if title:
        click.echo(title)
    shown = df if columns is None else df[[c for c in columns if c in df.columns]]
    click.echo(render_text_table(shown, max_rows=max_rows, formats=formats))
    if output is not None or fmt is not None:
        if output is None:
            raise ExportPlanError("--format needs --output FILE (where to write the table).")
        path = write_table(df, output, fmt, meta=meta, formats=formats)
        click.echo(f"Wrote {path}")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="exportplan")
@click.option("-w", "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Workspace folder (default: the current folder).")
@click.pass_context
def cli(ctx: click.Context, workspace):
    """Build and run a data-driven regional export plan.

    Start with 'exportplan demo' to build the SAMPLE workspace and see what the
    tool does, or 'exportplan init DIR --name NAME --counties FIPS,...' for your
    own region. Every command takes -w/--workspace DIR (default: current folder).
    """
    ctx.ensure_object(dict)
    if workspace is not None:
        ctx.obj["workspace"] = workspace


def main(argv=None) -> None:
    cli.main(args=argv, prog_name="exportplan")


from . import commands, markets, sectors  # noqa: E402,F401  (registers the commands)


def _ensure_workspace_option(group: click.Group) -> None:
    """Give every command -w/--workspace, so it can follow the command name too."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _ensure_workspace_option(command)
        elif not any("--workspace" in getattr(p, "opts", ()) for p in command.params):
            workspace_option(command)


_ensure_workspace_option(cli)
