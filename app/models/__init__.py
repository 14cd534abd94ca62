"""SQLAlchemy 2.0 typed models. Import every model here so Alembic sees the whole schema."""

from ..db import Base
from .application import Application, ApplicationEvent, ApplicationMaterial, ExamResult, PlatformMessage
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
from .graduation import BUREAU, GraduationCertificate, PartnerClient, PartnerSchool, TrainingSchool
from .holder import HolderAccount
from .legacy import LegacyCertificate
from .photo import HolderPhoto
from .sign_in import SignInLock
from .staff import Staff, StaffPermission

__all__ = [
    "BUREAU",
    "Application",
    "ApplicationEvent",
    "ApplicationMaterial",
    "AuditEvent",
    "AuditHead",
    "Authority",
    "Base",
    "BatchJob",
    "Certificate",
    "CertificateVersion",
    "ExamResult",
    "GraduationCertificate",
    "HolderAccount",
    "HolderCategory",
    "HolderPhoto",
    "LegacyCertificate",
    "PartnerClient",
    "PartnerSchool",
    "PlatformMessage",
    "Practitioner",
    "ProcessedRequest",
    "ServiceItemAssignment",
    "SignInLock",
    "Staff",
    "StaffPermission",
    "StatusListRow",
    "TrainingSchool",
]
