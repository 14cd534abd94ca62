"""The services a request or command uses, built once in ``create_app`` and handed to views:
the clock, the issuing context (keys, URLs, validity rules) and the blob store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from ..storage import FileBlobStore
from .clock import Clock
from .context import IssuingContext
from .keys import app_keystore


@dataclass(frozen=True)
class Services:
    """Everything built once per app that services need besides the database session."""

    clock: Clock
    issuing: IssuingContext
    blobs: FileBlobStore


def build(app: Flask, clock: Clock | None = None) -> Services:
    """Make the app's services from its configuration (``clock``: for tests)."""
    config = app.config
    clock = clock or Clock()
    return Services(
        clock=clock,
        issuing=IssuingContext(
            keys=app_keystore(app),
            base_url=config["PUBLIC_BASE_URL"],
            type_code=config["CERTIFICATE_TYPE_CODE"],
            validity_years=int(config.get("CERTIFICATE_VALIDITY_YEARS", 6)),
            renew_window_days=int(config.get("RENEW_WINDOW_DAYS", 30)),
            clock=clock,
        ),
        blobs=FileBlobStore(config["BLOBS_DIR"]),
    )


def services(app: Any = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    found: Services = (app or current_app).extensions["services"]
    return found


def issuing_context(app: Any) -> IssuingContext:
    """The issuing context of ``app``."""
    return services(app).issuing
