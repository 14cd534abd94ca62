"""``flask audit verify|checkpoint``: check the audit log's hash chain against its signed
checkpoints, and write a checkpoint (run it regularly, e.g. every hour from cron)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..db import get_session
from ..services import audit_checkpoints
from ..services.audit import verify_chain
from ..services.container import services
from ..services.errors import DomainError
from ..services.keys import app_keystore
from .transactional import transactional


@click.group("audit")
def audit_cli() -> None:
    """The audit log."""


def _folder() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"])


@audit_cli.command("verify")
@transactional
def verify_command() -> None:
    """Recompute every event's hash and compare the log with every signed checkpoint; exit 1 if
    a row was edited or deleted, or the log was truncated or rewritten since a checkpoint."""
    session = get_session()
    count, problems = verify_chain(session)
    store = app_keystore(current_app)
    checked, anchored = audit_checkpoints.check(
        session, store.published(now=services().clock.timestamp()), _folder()
    )
    for problem in problems + anchored:
        click.echo(f"event {problem.seq}: {problem.problem}", err=True)
    if problems or anchored:
        raise SystemExit(1)
    click.echo(f"audit log intact: {count} events, {checked} signed checkpoints")


@audit_cli.command("checkpoint")
@transactional
def checkpoint_command() -> None:
    """Sign the log's current head with the audit key and write it into AUDIT_CHECKPOINT_DIR."""
    try:
        path = audit_checkpoints.write(
            get_session(), app_keystore(current_app), _folder(), now=services().clock.timestamp()
        )
    except DomainError as exc:
        raise click.ClickException(f"{exc} (make one: flask keys generate --purpose audit)") from exc
    click.echo(f"checkpoint written: {path}")
