"""The Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from signing import check_lifetime

from . import auth, db, errors, i18n, logs, security
from . import config as config_module
from .cli import register_commands
from .services import container
from .services.clock import Clock
from .transactions import TransactionalFlask
from .web import register_blueprints


def create_app(test_config: dict[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the app: configuration from the environment (or ``test_config``), the instance
    folder for local state (``RTC_INSTANCE_PATH`` or ``INSTANCE_PATH``), database, i18n,
    security headers, logging, the services (built once: ``clock`` replaces the real one in
    tests), blueprints, commands. Each request is one unit of work (``app.transactions``)."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("RTC_INSTANCE_PATH")
    app = TransactionalFlask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(Path(__file__).parent.parent / "templates"),
        static_folder=str(Path(__file__).parent.parent / "static"),
    )
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    config_module.fill_instance_defaults(app.config, Path(app.instance_path))
    check_lifetime(app.config["PRESENTATION_LIFETIME"])  # a screenshot must die within 120 s

    logs.init_app(app)
    db.init_app(app)
    app.extensions["services"] = container.build(app, clock)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    register_blueprints(app)
    register_commands(app)
    return app
