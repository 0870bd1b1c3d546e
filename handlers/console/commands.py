"""CLI for console accounts: `flask --app wsgi create-user` and `reset-password`."""
from __future__ import annotations

import click

from bot.cli import command_runtime  # closes the embedded Redis when the command ends
from bot.engine import accounts
from storage.db import transaction
from storage.models.console import ROLES

from .auth import unlock
from .blueprint import bp


@bp.cli.command("create-user")
@click.option("--login", required=True, help="e-mail the person signs in with")
@click.option("--name", required=True, help="name the person and the protocols read")
@click.option("--role", type=click.Choice(ROLES), default="attendant", show_default=True)
@click.password_option("--password", prompt="Senha", confirmation_prompt="Repita a senha")
def create_user(login: str, name: str, role: str, password: str):
    """Create a console account (and its attendant)."""
    try:
        with transaction(command_runtime().sessions) as s:
            user = accounts.create_user(s, login=login, name=name, password=password, role=role)
            login = user.login
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"conta criada: {login} ({role})")


@bp.cli.command("reset-password")
@click.argument("login")
@click.password_option("--password", prompt="Nova senha", confirmation_prompt="Repita a senha")
def reset_password(login: str, password: str):
    """Set a new password; every session of the account ends and its lockout is lifted."""
    rt = command_runtime()
    try:
        with transaction(rt.sessions) as s:
            user = accounts.reset_password(s, login, password)
            login = user.login
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    unlock(rt.redis, login)
    click.echo(f"senha redefinida: {login} (sessões abertas encerradas)")
