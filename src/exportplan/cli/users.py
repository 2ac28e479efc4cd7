"""Commands for the web app's users: ``exportplan users create|list|disable|enable|role|password|token ...``.

The first admin is created here (``exportplan -w DIR users create NAME --role admin``); later users
can be managed in the web app's settings too. Passwords are read from a file or asked for without
echo, never taken on the command line (where the shell history and the process list would keep
them). See docs/accounts.md.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..analysis.roles import DESCRIPTIONS, ROLES
from ..errors import ExportPlanError
from .main import cli, current_workspace, emit_table, friendly, table_output, workspace_option

USER_COLUMNS = ["username", "display_name", "role", "active", "partner_provider", "email", "last_login_at",
                "created_at"]
TOKEN_COLUMNS = ["id", "username", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
_ROLE_HELP = "; ".join(f"{role}: {text}" for role, text in DESCRIPTIONS.items())


def _password(password_file: Path | None) -> str:
    """The password from the first line of ``password_file``, or asked for twice without echo."""
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        if not lines or not lines[0]:
            raise ExportPlanError(f"{password_file} holds no password: put it on the file's first line.")
        return lines[0]
    return click.prompt("Password (at least 12 characters)", hide_input=True, confirmation_prompt=True)


@cli.group("users")
def users_group():
    """The web app's users, their roles and their API tokens.

    \b
    Examples:
      exportplan -w DIR users create alice --role admin
      exportplan -w DIR users create bob --role partner --partner-provider OH-TRADE --password-file pw.txt
      exportplan -w DIR users list
      exportplan -w DIR users role bob viewer
      exportplan -w DIR users disable bob
      exportplan -w DIR users token create alice --label 'monthly report'
      exportplan -w DIR users token revoke 3
    """


@users_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help=f"What the user may do. {_ROLE_HELP}.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Read the password from this file's first line (default: ask for it).")
@click.option("--display-name", default="", help="The name shown in the web app, e.g. 'Alice Smith'.")
@click.option("--email", default="", help="The user's email address.")
@click.option("--partner-provider", default="",
              help="For a partner user: the program inventory's provider key of their organization.")
@workspace_option
@click.pass_context
@friendly
def create(ctx, name, role, password_file, display_name, email, partner_provider):
    """Add a user NAME who may sign in to the web app (the first one should be an admin)."""
    ws = current_workspace(ctx)
    username = ws.accounts.create_user(name, _password(password_file), role, display_name=display_name,
                                       email=email, partner_provider=partner_provider)
    click.echo(f"Created user {username!r} ({role}).")


@users_group.command("list")
@table_output
@workspace_option
@click.pass_context
@friendly
def list_users(ctx, fmt, output):
    """List the users, their roles and whether they may sign in."""
    ws = current_workspace(ctx)
    users = ws.accounts.list_users()
    if users.empty:
        click.echo("No users yet; add the first admin with: exportplan users create NAME --role admin")
        return
    emit_table(users, fmt=fmt, output=output, columns=USER_COLUMNS, max_rows=None)


@users_group.command("disable")
@click.argument("name")
@workspace_option
@click.pass_context
@friendly
def disable(ctx, name):
    """Stop user NAME signing in and using API tokens (their record and history stay)."""
    current_workspace(ctx).accounts.disable(name)
    click.echo(f"Disabled user {name!r}.")


@users_group.command("enable")
@click.argument("name")
@workspace_option
@click.pass_context
@friendly
def enable(ctx, name):
    """Let the disabled user NAME sign in again."""
    current_workspace(ctx).accounts.enable(name)
    click.echo(f"Enabled user {name!r}.")


@users_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--partner-provider", default="",
              help="For the partner role: the program inventory's provider key of the user's organization.")
@workspace_option
@click.pass_context
@friendly
def role(ctx, name, role, partner_provider):
    """Give user NAME another ROLE."""
    current_workspace(ctx).accounts.set_role(name, role, partner_provider=partner_provider)
    click.echo(f"User {name!r} is now {role}.")


@users_group.command("password")
@click.argument("name")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Read the new password from this file's first line (default: ask for it).")
@workspace_option
@click.pass_context
@friendly
def password(ctx, name, password_file):
    """Give user NAME a new password (their failed sign-ins are forgotten)."""
    ws = current_workspace(ctx)
    ws.accounts.set_password(name, _password(password_file))
    click.echo(f"Changed the password of {name!r}.")


@users_group.group("token")
def token_group():
    """API tokens for scripts (stored hashed; shown once, when created)."""


@token_group.command("create")
@click.argument("name")
@click.option("--label", required=True, help="What uses the token, e.g. 'monthly report'.")
@workspace_option
@click.pass_context
@friendly
def token_create(ctx, name, label):
    """Make an API token for user NAME and print it (once: only its hash is kept)."""
    made = current_workspace(ctx).accounts.create_token(name, label)
    click.echo(f"API token #{made['id']} for {name!r} ({label}); copy it now, it is not shown again:")
    click.echo(made["token"])


@token_group.command("revoke")
@click.argument("token_id", type=int)
@workspace_option
@click.pass_context
@friendly
def token_revoke(ctx, token_id):
    """Revoke the API token with id TOKEN_ID (see 'users token list')."""
    done = current_workspace(ctx).accounts.revoke_token(token_id)
    click.echo(f"Revoked API token #{token_id}." if done else f"API token #{token_id} was already revoked.")


@token_group.command("list")
@click.argument("name", required=False)
@table_output
@workspace_option
@click.pass_context
@friendly
def token_list(ctx, name, fmt, output):
    """List the API tokens (of user NAME, or everyone's): label, first characters, last use, revoked."""
    tokens = current_workspace(ctx).accounts.list_tokens(name)
    if tokens.empty:
        click.echo("No API tokens.")
        return
    emit_table(tokens, fmt=fmt, output=output, columns=TOKEN_COLUMNS, max_rows=None)
