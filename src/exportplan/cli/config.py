"""``exportplan config``: read and change the workspace's settings, with validation."""
from __future__ import annotations

import click

from .main import cli, current_workspace, emit_table, friendly, table_output


@cli.group("config")
def config_group():
    """Read and change the workspace's settings (saved in exportplan.toml, checked first).

    \b
    Examples:
      exportplan config list
      exportplan config get region.counties
      exportplan config set region.centre 39.96,-82.99
      exportplan config set markets.priority_sectors 336,cluster:6
      exportplan config set sectors.weights growth=0.3,jobs=0.2
      exportplan config set region.centre ''        (back to the counties' points)
    """


@config_group.command("list")
@table_output
@click.pass_context
@friendly
def config_list(ctx, fmt, output):
    """Every setting with its value and what it means."""
    import pandas as pd

    from .. import config as cfg
    from .. import settings

    ws = current_workspace(ctx)
    rows = [{"setting": s.name, "value": settings.show(settings.get(ws.config, s.name)),
             "default": settings.show(s.default), "meaning": s.help} for s in cfg.SETTINGS]
    emit_table(pd.DataFrame(rows), fmt=fmt, output=output, columns=["setting", "value", "default"],
               title=f"Settings of '{ws.name}' ({ws.path / cfg.CONFIG_FILE}); "
                     "'exportplan config get KEY' explains one, docs/configuration.md all.",
               max_rows=len(rows))


@config_group.command("get")
@click.argument("key")
@click.pass_context
@friendly
def config_get(ctx, key):
    """Print one setting's value (KEY is section.name, e.g. region.counties) and what it means."""
    from .. import settings

    ws = current_workspace(ctx)
    s = settings.setting(key)
    click.echo(settings.show(settings.get(ws.config, s.name)))
    click.echo(f"  {s.name}: {s.help} (default: {settings.show(s.default) or 'empty'})", err=True)


@config_group.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@click.pass_context
@friendly
def config_set(ctx, key, value):
    """Set a setting to VALUE after checking it; '' sets it back to empty.

    Lists are comma-separated (39049,39041), weights key=value pairs
    (growth=0.3,jobs=0.2), true/false for yes-no settings.
    """
    from .. import settings

    ws = current_workspace(ctx)
    s = settings.setting(key)
    before = settings.get(ws.config, s.name)
    ws.config, after = settings.set_value(ws.config, s.name, value)
    ws.save_config()
    click.echo(f"{s.name} = {settings.show(after) or '(empty)'}   (was: {settings.show(before) or '(empty)'})")
    if s.name in ("region.centre", "region.counties", "markets.county_centres"):
        click.echo(f"Note: {ws.centre_message()}")
