"""``flask audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import click

from ..db import get_session
from ..services.audit import verify_chain
from .transactional import transactional


@click.group("audit")
def audit_cli() -> None:
    """The audit log."""


@audit_cli.command("verify")
@transactional
def verify_command() -> None:
    """Recompute every event's hash; exit 1 if a row was edited or deleted."""
    count, problems = verify_chain(get_session())
    for problem in problems:
        click.echo(f"event {problem.seq}: {problem.problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"audit log intact: {count} events")
