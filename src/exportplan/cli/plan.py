"""Commands for the regional export plan: ``exportplan plan build|edit|texts|goals`` and ``exportplan metrics``."""
from __future__ import annotations

from pathlib import Path

import click

from .main import cli, current_workspace, emit_table, friendly, other_notes, table_output, workspace_option

SECTIONS = ("summary", "vision", "goals", "strategies", "implementation", "policy")
PROGRESS_COLUMNS = ["key", "goal", "unit", "baseline", "target", "target_year", "current", "status"]


@cli.group("plan")
def plan_group():
    """The regional export plan: build it (HTML, PDF, Word, Markdown, an Excel appendix), edit the staff
    sections, set the goals' targets.

    \b
    Examples:
      exportplan -w DIR plan build --format html,pdf,docx,md,xlsx
      exportplan -w DIR plan build --edition public --output public-plan
      exportplan -w DIR plan edit strategies
      exportplan -w DIR plan texts export texts/  (edit the .txt files, then: plan texts import texts/)
      exportplan -w DIR plan goals --set exporters=60 --year 2028
    """


@plan_group.command("build")
@click.option("--format", "formats", default="html,pdf,docx,md,xlsx", show_default=True,
              help="Comma-separated formats: html, pdf, docx, md, xlsx.")
@click.option("--edition", type=click.Choice(("internal", "public")), default="internal", show_default=True,
              help="public: no company-level information, counts under 3 companies shown as <3.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files (default: outputs/plan in the workspace).")
@workspace_option
@click.pass_context
@friendly
def build(ctx, formats, edition, output):
    """Build the plan from the workspace: every section of the outline, with its sources.

    Example: exportplan -w DIR plan build --format pdf,docx --edition public
    """
    ws = current_workspace(ctx)
    timings: dict = {}
    written = ws.plan.build(formats, edition=edition, output=output, timings=timings)
    for fmt, path in written.items():
        click.echo(f"Wrote {path} ({timings.get(fmt, 0):.1f} s)")
    click.echo(f"Charts in {next(iter(written.values())).parent / 'charts'}; the model took "
               f"{timings.get('model', 0):.1f} s.")


@plan_group.command("edit")
@click.argument("section", type=click.Choice(SECTIONS))
@click.option("--file", "text_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Save the text of this UTF-8 file instead of opening an editor.")
@click.option("--show", is_flag=True, help="Print the section's text (saved, or the draft) and stop.")
@workspace_option
@click.pass_context
@friendly
def edit(ctx, section, text_file, show):
    """Edit a staff section's text: plain paragraphs separated by a blank line, '- ' for bullets.

    Opens $EDITOR on the saved text (or the draft from the data); with --file, saves that file.
    The implementation table is one line per action: action | lead | partners | timing | cost | metric.

    Example: exportplan -w DIR plan edit strategies --file strategies.txt
    """
    ws = current_workspace(ctx)
    current = ws.plan.text(section)
    if show:
        click.echo(("[draft from the data]\n" if current.draft else "") + current.text)
        return
    if text_file is not None:
        try:
            new = text_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{text_file.name} is not UTF-8 text ({exc.reason}); save it as UTF-8.")
    else:
        new = click.edit(current.text, extension=".txt")
        if new is None:
            click.echo("Nothing saved (the editor was closed without saving).")
            return
    version = ws.plan.save_text(section, new, expected_version=current.version)
    click.echo(f"Saved {section} (version {version}).")


@plan_group.group("texts")
def texts_group():
    """Write the staff sections to text files, or save them back (one SECTION.txt per staff section)."""


@texts_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@workspace_option
@click.pass_context
@friendly
def texts_export(ctx, folder):
    """Write FOLDER/SECTION.txt for every staff section (saved text, else the draft)."""
    ws = current_workspace(ctx)
    for path in ws.plan.export_texts(folder):
        click.echo(f"Wrote {path}")


@texts_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@workspace_option
@click.pass_context
@friendly
def texts_import(ctx, folder):
    """Save the staff sections from FOLDER/SECTION.txt (those changed)."""
    ws = current_workspace(ctx)
    saved = ws.plan.import_texts(folder)
    click.echo(f"Saved {', '.join(saved)}." if saved else "Nothing changed.")


@plan_group.command("goals")
@click.option("--set", "sets", multiple=True, metavar="KEY=TARGET",
              help="A goal's target, e.g. --set exporters=60 (repeatable).")
@click.option("--year", type=int, default=None, help="The target year of the goals set with --set.")
@table_output
@workspace_option
@click.pass_context
@friendly
def goals(ctx, sets, year, fmt, output):
    """The plan's goals: baseline from the pipeline, the staff's target, the current value and status.

    Example: exportplan -w DIR plan goals --set exporters=60 --set new_markets=25 --year 2028
    """
    ws = current_workspace(ctx)
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: write KEY=TARGET, e.g. exporters=60", param_hint="--set")
        fields = {"target": value.strip()}
        if year is not None:
            fields["target_year"] = year
        ws.plan.set_goal(key.strip(), **fields)
    _progress(ws, fmt, output)


@cli.command("metrics")
@table_output
@workspace_option
@click.pass_context
@friendly
def metrics(ctx, fmt, output):
    """Progress on the plan's goals today: baseline, target, current value (from the pipeline) and status.

    Example: exportplan -w DIR metrics --output metrics.xlsx
    """
    _progress(current_workspace(ctx), fmt, output)


def _progress(ws, fmt, output) -> None:
    frame = ws.plan.progress()
    meta = frame.attrs.get("exportplan")
    emit_table(frame, fmt=fmt, output=output, meta=meta, columns=PROGRESS_COLUMNS,
               formats={"baseline": ",.0f", "target": ",.0f", "current": ",.0f"},
               title="Goals and progress")
    for note in other_notes(meta)[:1]:
        click.echo(f"Note: {note}")
