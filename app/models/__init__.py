"""SQLAlchemy 2.0 typed models. Import every model here so Alembic sees the whole schema."""

from ..db import Base
from .audit import AuditEvent, AuditHead

__all__ = ["AuditEvent", "AuditHead", "Base"]
