"""Blueprints, one per feature."""

from __future__ import annotations

from flask import Flask

from . import (
    admin,
    administration,
    application_notices,
    applications,
    audit_pages,
    batches,
    exam_results,
    graduation_pages,
    holder,
    legacy_pages,
    main,
    openapi,
    partner_admin,
    partner_api,
    photo_review,
    platform_api,
    platform_pages,
    progress,
    trust,
    verify,
)
from .converters import RowId
from .messages import event_name, name_of, text_for


def register_blueprints(app: Flask) -> None:
    """Register the URL converters, the catalogue's words for templates and every blueprint."""
    app.url_map.converters["id"] = RowId
    # Globals, not context: macros imported without context (state badges, …) see them too.
    app.jinja_env.globals.update(name_of=name_of, text_for=text_for, event_name=event_name)
    app.register_blueprint(main.bp)
    app.register_blueprint(trust.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(administration.bp)
    app.register_blueprint(applications.bp)
    app.register_blueprint(legacy_pages.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(holder.bp)
    app.register_blueprint(batches.bp)
    app.register_blueprint(photo_review.bp)
    app.register_blueprint(partner_api.bp)
    app.register_blueprint(platform_api.bp)
    app.register_blueprint(partner_admin.bp)
    app.register_blueprint(graduation_pages.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(application_notices.bp)
    app.register_blueprint(progress.bp)
    app.register_blueprint(exam_results.bp)
    app.register_blueprint(platform_pages.bp)
    app.register_blueprint(audit_pages.bp)
