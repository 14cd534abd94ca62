"""Command-line groups under ``flask --app wsgi``."""

from __future__ import annotations

from flask import Flask

from .audit import audit_cli
from .certificates import certificates_cli
from .database import db_cli
from .demo import demo_cli
from .graduation import graduation_cli
from .keys import keys_cli
from .partners import partners_cli
from .platform import platform_cli


def register_commands(app: Flask) -> None:
    """Add every command group to the app."""
    for group in (
        db_cli,
        keys_cli,
        audit_cli,
        demo_cli,
        certificates_cli,
        graduation_cli,
        partners_cli,
        platform_cli,
    ):
        app.cli.add_command(group)
