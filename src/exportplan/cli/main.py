"""The ``exportplan`` command: a thin layer over :class:`exportplan.Workspace`."""
from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import ExportPlanError

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
                     help="File format for --output: csv (its sources in NAME.sources.csv beside it), xlsx or "
                          "json.")(f)
    return f


def sheet_option(f):
    """--sheet on every command that reads a table the user may give as an XLSX workbook."""
    return click.option("--sheet", default=None, help="Sheet of an XLSX table (default: the first).")(f)


def allow_unmapped_option(f):
    """--allow-unmapped on every command that maps country names or codes to countries."""
    return click.option("--allow-unmapped", is_flag=True,
                        help="Leave out (and list) rows whose country cannot be mapped, instead of failing.")(f)


def current_workspace(ctx: click.Context):
    from ..workspace import Workspace

    folder = (ctx.obj or {}).get("workspace") or Path(".")
    ws = Workspace.open(folder)
    ctx.call_on_close(ws.close)  # release the database connections when the command ends
    for note in ws.notes:  # e.g. a workspace of release 0.1 given its id
        click.echo(f"Note: {note}", err=True)
    return ws


def friendly(f):
    """Turn the errors a user can act on into ``Error: ...`` and exit code 2 (no traceback).

    Besides :class:`ExportPlanError`: files that cannot be read, data the
    database refuses, a schema newer than this release, a damaged database.
    """
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except ExportPlanError as exc:  # ImportFailed too: its message holds the error table
            message = str(exc)
        except OSError as exc:
            message = _os_message(exc)
        except Exception as exc:  # only database errors become messages; anything else is re-raised
            message = _database_message(exc)
            if message is None:
                raise
        click.echo(f"Error: {message}", err=True)
        sys.exit(2)
    return wrapper


def _os_message(exc: OSError) -> str:
    """'cannot read FILE: reason' (or 'cannot write' when the file does not exist and was not looked for)."""
    if isinstance(exc, BrokenPipeError):  # the reader of our output went away: nothing to tell
        raise exc
    name = exc.filename
    if name is None:
        return f"cannot read or write a file: {exc.strerror or exc}."
    reading = isinstance(exc, (FileNotFoundError, IsADirectoryError)) or os.path.exists(name)
    verb = "read" if reading else "write"
    return f"cannot {verb} {name}: {exc.strerror or exc}. Check the path and that you may {verb} it."


def _database_message(exc: Exception) -> str | None:
    """The message for a database or migration error, or None for any other error."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import DatabaseError, DataError, IntegrityError

    if isinstance(exc, (DataError, IntegrityError)):
        where = _where(exc)
        return (f"the database rejected the data{where}: {_first_line(exc.orig)}. Nothing was written; "
                "check the file's values (and report it if they look right).")
    if isinstance(exc, CommandError):
        return (f"this workspace's database was made by a newer exportplan ({exc}); upgrade exportplan "
                "(pip install --upgrade exportplan).")
    if isinstance(exc, DatabaseError):
        return f"the database failed{_where(exc)}: {_first_line(exc.orig)}."
    return None


def _where(exc) -> str:
    """' (table T, column C)' from the driver's diagnostics or the statement, when known."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    table = getattr(diag, "table_name", None)
    column = getattr(diag, "column_name", None)
    if not table:
        hit = re.search(r"^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", getattr(exc, "statement", "") or "",
                        re.IGNORECASE)
        table = hit.group(1) if hit else None
    parts = [f"table {table}"] if table else []
    parts += [f"column {column}"] if column else []
    return f" ({', '.join(parts)})" if parts else ""


def _first_line(value) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else value.__class__.__name__


def print_top_notes(meta: dict | None) -> None:
    """The notes that blank a whole column (no reference data for the year), before the table."""
    for note in (meta or {}).get("top_notes", []):
        click.echo(f"Note: {note}")


def other_notes(meta: dict | None) -> list[str]:
    """A table's notes without the top notes print_top_notes already printed."""
    top = set((meta or {}).get("top_notes", []))
    return [n for n in (meta or {}).get("notes", []) if n not in top]


def emit_table(df, *, fmt, output, meta=None, title=None, columns=None, max_rows=40, formats=None):
    """Print a table, and write it to --output when given (``formats``: column -> format spec)."""
    from ..output.tables import render_text_table, write_table

    print_top_notes(meta)
    if title:
        click.echo(title)
    shown = df if columns is None else df[[c for c in columns if c in df.columns]]
    from ..output.marks import MARK_NOTE, bound_marks

    head = shown if max_rows is None else shown.head(max_rows)
    marks, ranges, marked = bound_marks(df.loc[head.index], list(shown.columns))
    click.echo(render_text_table(_flag_words(shown, df), max_rows=max_rows, formats=formats, marks=marks,
                                 ranges=ranges))
    if marked:
        click.echo(MARK_NOTE)
    if output is not None or fmt is not None:
        if output is None:
            raise ExportPlanError("--format needs --output FILE (where to write the table).")
        path = write_table(df, output, fmt, meta=meta, formats=formats)
        from ..output.tables import sources_path, table_format

        cited = table_format(path, fmt) == "csv" and (meta or {}).get("sources")
        click.echo(f"Wrote {path}" + (f" (sources: {sources_path(path).name})" if cited else ""))


def _flag_words(shown, df):
    """The printed strong flag in words: yes, no, or uncertain (LQ bounds straddle the rule; see strong_note)."""
    if "strong" not in shown.columns or "strong_note" not in df.columns:
        return shown
    flag, note = df.loc[shown.index, "strong"], df.loc[shown.index, "strong_note"]
    words = [("uncertain" if isinstance(n, str) and n else None) if f is None or f != f else ("yes" if f else "no")
             for f, n in zip(flag.astype(object), note.astype(object))]
    return shown.assign(strong=words)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="exportplan")
@click.option("-w", "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Workspace folder (default: the current folder).")
@click.option("--verbose", is_flag=True,
              help="Print long lists in full (e.g. the aggregates left out of a World Bank file); "
                   "without it they are counted.")
@click.pass_context
def cli(ctx: click.Context, workspace, verbose):
    """Build and run a data-driven regional export plan.

    Start with 'exportplan demo' to build the SAMPLE workspace and see what the
    tool does, or 'exportplan init DIR --name NAME --counties FIPS,...' for your
    own region. Every command takes -w/--workspace DIR (default: current folder).
    Settings: 'exportplan config list|get|set'.
    """
    from ..verbosity import set_verbose

    set_verbose(verbose)
    ctx.ensure_object(dict)
    if workspace is not None:
        ctx.obj["workspace"] = workspace


def main(argv=None) -> None:
    cli.main(args=argv, prog_name="exportplan")


from . import (  # noqa: E402,F401  (registers the commands)
    commands, companies, company_plans, config, export_profile, initiative_competition, initiatives, markets, plan,
    programs, prospects, sectors, serve, survey, users,
)


def _ensure_workspace_option(group: click.Group) -> None:
    """Give every command -w/--workspace, so it can follow the command name too."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _ensure_workspace_option(command)
        elif not any("--workspace" in getattr(p, "opts", ()) for p in command.params):
            workspace_option(command)


_ensure_workspace_option(cli)
