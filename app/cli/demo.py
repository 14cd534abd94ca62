"""``flask demo load``: development keys and demo data for a first run."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..services.keys import app_keystore, ensure_development_keys

DEMO_ISSUERS = ["11370100MB0000000X"]
"""Unified social credit codes of the demo authorities (made-up values)."""


@click.group("demo")
def demo_cli() -> None:
    """Demo data for development."""


@demo_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Generate development keys where none can sign, and print what the demo offers."""
    made = ensure_development_keys(app_keystore(current_app), get_session(), DEMO_ISSUERS)
    for key in made:
        click.echo(f"generated development key {key.info.kid} ({key.info.purpose.value})")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"public keys: {base}/.well-known/jwks.json")
