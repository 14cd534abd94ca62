"""SQLAlchemy 2.0 typed models. Import every model here so Alembic sees the whole schema."""

from ..db import Base
from .audit import AuditEvent, AuditHead
from .authority import Authority, ServiceItemAssignment
from .batch import BatchJob
from .certificate import (
    Certificate,
    CertificateVersion,
    HolderCategory,
    Practitioner,
    ProcessedRequest,
    StatusListRow,
)
from .holder import HolderAccount
from .legacy import LegacyCertificate
from .photo import HolderPhoto
from .staff import Staff, StaffPermission

__all__ = [
    "AuditEvent",
    "AuditHead",
    "Authority",
    "Base",
    "BatchJob",
    "Certificate",
    "CertificateVersion",
    "HolderAccount",
    "HolderCategory",
    "HolderPhoto",
    "LegacyCertificate",
    "Practitioner",
    "ProcessedRequest",
    "ServiceItemAssignment",
    "Staff",
    "StaffPermission",
    "StatusListRow",
]
