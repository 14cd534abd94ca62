"""``flask keys generate|list|rotate|retire|resign``: manage signing keys."""

from __future__ import annotations

import datetime as dt
import getpass

import click
from flask import current_app
from sqlalchemy import select

from signing import ALGORITHMS, Error, FileKeyStore, KeyInfo, Purpose, is_credit_code

from ..db import get_session
from ..models import Authority
from ..services import keys as key_service
from ..services.certificates import resign
from ..services.container import services
from ..services.errors import DomainError
from ..services.unit_of_work import commit
from .transactional import transactional

_ALGORITHMS = click.Choice(ALGORITHMS)
_PURPOSES = click.Choice([p.value for p in Purpose])


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "-"
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _state(info: KeyInfo, now: int) -> str:
    if info.compromised_at is not None:
        return "COMPROMISED"
    if info.signs_at(now):
        return "signing"
    return "retired" if info.not_after is not None and info.not_after <= now else "pending"


def _credit_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--issuer``: a unified social credit code, check character included."""
    if value is None or is_credit_code(value):
        return value
    if is_credit_code(value, check_character=False):
        raise click.BadParameter(
            f"{value} is not a unified social credit code: its check character (the 18th) does not "
            "match the first 17"
        )
    raise click.BadParameter(
        f"{value} is not a unified social credit code "
        "(18 digits and capital letters, without I, O, S, V or Z)"
    )


def _store() -> FileKeyStore:
    return key_service.app_keystore(current_app)


@click.group("keys")
def keys_cli() -> None:
    """Signing keys (private keys stay in the keys folder, never in git)."""


@keys_cli.command("generate")
@click.option("--purpose", type=_PURPOSES, required=True)
@click.option("--alg", type=_ALGORITHMS, default=key_service.DEFAULT_ALGORITHM, show_default=True)
@click.option(
    "--issuer", callback=_credit_code, help="unified social credit code of the authority (certificate keys)"
)
@click.option("--days", type=click.IntRange(min=1), help="stop signing after this many days")
@transactional
def generate_command(purpose: str, alg: str, issuer: str | None, days: int | None) -> None:
    """Generate a key that signs from now."""
    if purpose == Purpose.CERTIFICATE and not issuer:
        raise click.UsageError("a certificate key needs --issuer (the authority's credit code)")
    key = key_service.generate(
        _store(),
        get_session(),
        actor=_actor(),
        purpose=Purpose(purpose),
        alg=alg,
        issuer=issuer,
        valid_days=days,
    )
    click.echo(f"generated {key.info.kid} ({alg}, {purpose})")


@keys_cli.command("list")
@transactional
def list_command() -> None:
    """List every key with its purpose, issuer, window and state."""
    now = int(dt.datetime.now(dt.UTC).timestamp())
    infos = _store().infos()
    if not infos:
        click.echo("no keys")
        return
    click.echo(f"{'kid':<12} {'alg':<6} {'purpose':<13} {'issuer':<19} {'from':<21} {'until':<21} state")
    for info in infos:
        click.echo(
            f"{info.kid:<12} {info.alg:<6} {info.purpose.value:<13} {info.issuer or '-':<19} "
            f"{_when(info.not_before):<21} {_when(info.not_after):<21} {_state(info, now)}"
        )


@keys_cli.command("rotate")
@click.option("--purpose", type=_PURPOSES, required=True)
@click.option("--alg", type=_ALGORITHMS, default=key_service.DEFAULT_ALGORITHM, show_default=True)
@click.option("--issuer", callback=_credit_code)
@click.option("--days", type=click.IntRange(min=1))
@transactional
def rotate_command(purpose: str, alg: str, issuer: str | None, days: int | None) -> None:
    """Add a new signing key and retire the ones it replaces (their signatures stay valid)."""
    new, retired = key_service.rotate(
        _store(),
        get_session(),
        actor=_actor(),
        purpose=Purpose(purpose),
        issuer=issuer,
        alg=alg,
        valid_days=days,
    )
    click.echo(f"now signing with {new.info.kid}")
    for key in retired:
        click.echo(f"retired {key.info.kid}")


@keys_cli.command("retire")
@click.argument("kid")
@click.option("--compromised", is_flag=True, help="everything this key signed stops verifying")
@click.option("--reason")
@transactional
def retire_command(kid: str, compromised: bool, reason: str | None) -> None:
    """Stop KID signing. A kid may start with "-": write `keys retire -- KID`."""
    try:
        key = key_service.retire(
            _store(), get_session(), actor=_actor(), kid=kid, compromised=compromised, reason=reason
        )
    except Error as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'compromised' if compromised else 'retired'} {key.info.kid}")


@keys_cli.command("resign")
@click.option("--issuer", callback=_credit_code, required=True, help="the authority whose key was replaced")
@click.option("--chunk", type=click.IntRange(min=1), default=resign.CHUNK, show_default=True)
@transactional
def resign_command(issuer: str, chunk: int) -> None:
    """Sign the current version of each live certificate of ISSUER again with its key signing now
    (after its old key was withdrawn). Each chunk is committed: an interrupted run resumes."""
    session = get_session()
    authority = session.scalars(select(Authority).filter_by(credit_code=issuer)).first()
    if authority is None:
        raise click.ClickException(f"no authority {issuer}")
    context = services().issuing
    try:
        total = resign.remaining(session, context, authority)
    except DomainError as exc:
        raise click.ClickException(f"{exc} (generate or rotate its certificate key first)") from exc
    done = 0
    with click.progressbar(length=total, label="re-signing", file=click.get_text_stream("stderr")) as bar:
        while count := resign.resign_chunk(session, context, _actor(), authority, chunk):
            commit(session)  # a chunk is its own unit of work
            done += count
            bar.update(count)
    click.echo(f"re-signed {done} certificates of {authority.name}")
