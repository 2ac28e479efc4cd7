"""``exportplan -w DIR serve``: the web app for several colleagues at once (docs/web.md).

The workspace's own database is used: its SQLite file (one server, a few users) or PostgreSQL
(several workers behind a reverse proxy). uvicorn and the web app are imported inside the
command, so that the other commands start fast.
"""
from __future__ import annotations

import os

import click

from ..errors import ExportPlanError
from .main import cli, current_workspace, friendly, workspace_option


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; put a reverse proxy with HTTPS in front).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each opens the workspace; use PostgreSQL for more than one).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Requests each worker works on at once; the others wait their turn in order.")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-Proto and X-Forwarded-For from the reverse proxy at --forwarded-allow-ips "
                   "(so that cookies are Secure behind HTTPS and sign-ins are throttled per real client).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Comma-separated addresses of the reverse proxies whose X-Forwarded-* headers are trusted.")
@click.option("--root-path", default="", help="The path prefix the app is served under by the proxy (e.g. /export).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="How much uvicorn logs.")
@workspace_option
@click.pass_context
@friendly
def serve(ctx: click.Context, host, port, workers, threads, proxy_headers, forwarded_allow_ips, root_path,
          log_level):
    """Serve the workspace as a web app: dashboard, companies, rankings, programs, the plan.

    Sign in with a user made by 'exportplan users create NAME --role admin'. Stop with Ctrl+C.

    \b
    Examples:
      exportplan -w DIR serve                       # http://127.0.0.1:8000 on this computer
      exportplan -w DIR serve --host 0.0.0.0 --workers 4 --proxy-headers   # behind nginx, PostgreSQL
    """
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - a dependency
        raise ExportPlanError("The web server (uvicorn) is not installed: pip install --upgrade exportplan.") from None
    from ..web.app import THREADS_ENV, WORKSPACE_ENV

    ws = current_workspace(ctx)  # opens (and migrates) the workspace now: errors show before the server starts
    folder = str(ws.path.resolve())
    users = ws.accounts.list_users()
    sqlite = ws.store.dialect == "sqlite"
    if not len(users[users["active"].astype(bool)]):
        click.echo("Note: nobody can sign in yet; create the first admin with "
                   f"'exportplan -w {ws.path} users create NAME --role admin'.", err=True)
    if sqlite and workers > 1:
        click.echo("Note: the workspace uses its SQLite file; several workers then wait for each other's writes. "
                   "Use PostgreSQL for several workers (docs/web.md).", err=True)
    ws.close()
    os.environ[WORKSPACE_ENV] = folder  # the workers' app factory reads them
    os.environ[THREADS_ENV] = str(threads)
    click.echo(f"Serving {folder} on http://{host}:{port}{root_path} (Ctrl+C stops).", err=True)
    uvicorn.run("exportplan.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips,
                root_path=root_path, log_level=log_level, server_header=False, date_header=True)
