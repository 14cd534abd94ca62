"""``flask partners add|list|rotate|deactivate|activate|schools|add-school|remove-school``: partner
systems of the API and the training schools each may push graduation certificates for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import click
from sqlalchemy import select

from ..db import get_session
from ..models import PartnerClient, TrainingSchool
from ..services import partners
from ..services.errors import DomainError, NotFound
from .transactional import transactional

ACTOR = "cli"

partners_cli = click.Group(
    "partners", help="Partner systems: register, rotate secrets, deactivate, register their schools."
)


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
@click.option(
    "--school",
    "schools",
    multiple=True,
    metavar="CREDIT_CODE",
    help="a training school it may push for (unified social credit code); repeat for several",
)
@transactional
def add_command(name: str, scopes: tuple[str, ...], schools: tuple[str, ...]) -> None:
    """Register a partner system NAME; prints its client ID and its secret once. It pushes graduation
    certificates only for the schools it is registered for (--school, or `partners add-school`)."""
    if not scopes:
        raise click.UsageError(f"give at least one --scope ({', '.join(partners.SCOPES)})")
    try:
        client, secret = partners.register(
            get_session(), name=name, scopes=list(scopes), actor=ACTOR, schools=schools
        )
    except DomainError as exc:
        known = f"; known scopes: {', '.join(partners.SCOPES)}" if exc.code == "invalid_scope" else ""
        raise click.ClickException(f"{exc}{known}") from exc
    click.echo(f"registered {client.name} ({client.scopes}) for {_schools(client.school_codes)}")
    if not client.schools:
        click.echo(
            "it cannot push graduation certificates until it is registered for a school: "
            f"flask partners add-school {client.client_id} CREDIT_CODE"
        )
    _show_secret(client.client_id, secret)


def _count(n: int) -> str:
    return f"{n} school{'' if n == 1 else 's'}"


def _schools(codes: Iterable[str]) -> str:
    listed = sorted(codes)
    return _count(len(listed)) + (f": {', '.join(listed)}" if listed else "")


@partners_cli.command("list")
@transactional
def list_command() -> None:
    """List the partner systems with their scopes, state and when their secret was set."""
    order = (PartnerClient.created_at, PartnerClient.id)
    rows = list(get_session().scalars(select(PartnerClient).order_by(*order)))
    if not rows:
        click.echo("no partner clients")
        return
    header = (
        f"{'client_id':<20} {'state':<8} {'created':<21} {'secret set':<21} {'scopes':<34} {'schools':>7}"
    )
    click.echo(f"{header} name")
    for c in rows:
        click.echo(
            f"{c.client_id:<20} {'active' if c.active else 'inactive':<8} {_when(c.created_at):<21} "
            f"{_when(c.secret_set_at):<21} {','.join(c.scopes.split()):<34} {len(c.schools):>7} {c.name}"
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


@partners_cli.command("schools")
@click.argument("client_id")
@transactional
def schools_command(client_id: str) -> None:
    """List the training schools CLIENT_ID may push for, and the schools it pushed certificates for
    that it is not registered for (to review: its pushes for them are refused)."""
    session = get_session()
    try:
        client = partners.find(session, client_id)
    except NotFound as exc:
        raise _unknown_client(exc) from exc
    names = dict(session.execute(select(TrainingSchool.credit_code, TrainingSchool.name)).tuples().all())
    click.echo(f"{client.name} ({client_id}) may push for {_count(len(client.schools))}")
    for school in client.schools:
        name = names.get(school.school_credit_code, "(not in the registry)")
        click.echo(
            f"  {school.school_credit_code}  {name}  added {_when(school.added_at)} by {school.added_by}"
        )
    unregistered = partners.unregistered_schools(session, client)
    if unregistered:
        click.echo(f"pushed before for {len(unregistered)} school(s) it is not registered for:")
        for code in unregistered:
            click.echo(f"  {code}  {names.get(code, '(not in the registry)')}")


def _change_schools(client_id: str, codes: tuple[str, ...], add: bool) -> None:
    change = partners.add_schools if add else partners.remove_schools
    try:
        changed = change(get_session(), client_id, codes, actor=ACTOR)
    except NotFound as exc:
        raise _unknown_client(exc) from exc
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    if add:
        click.echo(f"registered {client_id} for {_schools(changed)}" if changed else "already registered")
    else:
        click.echo(f"removed {_schools(changed)} from {client_id}")


@partners_cli.command("add-school")
@click.argument("client_id")
@click.argument("codes", nargs=-1, required=True, metavar="CREDIT_CODE...")
@transactional
def add_school_command(client_id: str, codes: tuple[str, ...]) -> None:
    """Register CLIENT_ID for training schools (unified social credit codes, GB 32100 checked): it
    may push graduation certificates naming them. The schools need not be registered yet."""
    _change_schools(client_id, codes, add=True)


@partners_cli.command("remove-school")
@click.argument("client_id")
@click.argument("codes", nargs=-1, required=True, metavar="CREDIT_CODE...")
@transactional
def remove_school_command(client_id: str, codes: tuple[str, ...]) -> None:
    """CLIENT_ID may no longer push for these schools (the certificates it pushed stay its own)."""
    _change_schools(client_id, codes, add=False)
