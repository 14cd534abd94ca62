"""``flask partners add|list|rotate|deactivate|activate``: partner systems of the API."""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select

from ..db import get_session
from ..models import PartnerClient
from ..services import partners
from ..services.errors import DomainError, NotFound
from .transactional import transactional

ACTOR = "cli"

partners_cli = click.Group("partners", help="Partner systems: register, rotate secrets, deactivate.")


def _when(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite keeps no zone; the value was written in UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _show_secret(client_id: str, secret: str) -> None:
    click.echo(f"client_id: {client_id}")
    click.echo(f"secret:    {secret}")
    click.echo("The secret is shown only this once and is stored hashed; if it is lost, rotate it.")


def _unknown_client(exc: NotFound) -> click.ClickException:
    return click.ClickException(f"{exc} (see `flask partners list`)")


@partners_cli.command("add")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="SCOPE",
    help=f"a scope to grant; repeat for several ({', '.join(partners.SCOPES)})",
)
@transactional
def add_command(name: str, scopes: tuple[str, ...]) -> None:
    """Register a partner system NAME; prints its client ID and its secret once."""
    if not scopes:
        raise click.UsageError(f"give at least one --scope ({', '.join(partners.SCOPES)})")
    try:
        client, secret = partners.register(get_session(), name=name, scopes=list(scopes), actor=ACTOR)
    except DomainError as exc:
        known = f"; known scopes: {', '.join(partners.SCOPES)}" if exc.code == "invalid_scope" else ""
        raise click.ClickException(f"{exc}{known}") from exc
    click.echo(f"registered {client.name} ({client.scopes})")
    _show_secret(client.client_id, secret)


@partners_cli.command("list")
@transactional
def list_command() -> None:
    """List the partner systems with their scopes, state and when their secret was set."""
    order = (PartnerClient.created_at, PartnerClient.id)
    rows = list(get_session().scalars(select(PartnerClient).order_by(*order)))
    if not rows:
        click.echo("no partner clients")
        return
    click.echo(f"{'client_id':<20} {'state':<8} {'created':<21} {'secret set':<21} {'scopes':<34} name")
    for c in rows:
        click.echo(
            f"{c.client_id:<20} {'active' if c.active else 'inactive':<8} {_when(c.created_at):<21} "
            f"{_when(c.secret_set_at):<21} {','.join(c.scopes.split()):<34} {c.name}"
        )


@partners_cli.command("rotate")
@click.argument("client_id")
@transactional
def rotate_command(client_id: str) -> None:
    """Give CLIENT_ID a new secret (printed once); the old secret and its tokens stop working."""
    try:
        secret = partners.rotate_secret(get_session(), client_id, actor=ACTOR)
    except NotFound as exc:
        raise _unknown_client(exc) from exc
    click.echo(f"rotated the secret of {client_id}; the old secret no longer works")
    _show_secret(client_id, secret)


def _set_active(client_id: str, active: bool) -> None:
    try:
        partners.set_active(get_session(), client_id, active, actor=ACTOR)
    except NotFound as exc:
        raise _unknown_client(exc) from exc
    click.echo(f"{'activated' if active else 'deactivated'} {client_id}")


@partners_cli.command("deactivate")
@click.argument("client_id")
@transactional
def deactivate_command(client_id: str) -> None:
    """Deactivate CLIENT_ID: it gets no more tokens and its tokens stop working at once."""
    _set_active(client_id, False)


@partners_cli.command("activate")
@click.argument("client_id")
@transactional
def activate_command(client_id: str) -> None:
    """Reactivate CLIENT_ID (with its current secret)."""
    _set_active(client_id, True)
