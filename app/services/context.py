"""What the certificate services need from configuration, built once per app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signing import FileKeyStore

from ..storage import FileBlobStore
from .keys import app_keystore


@dataclass(frozen=True)
class IssuingContext:
    """Keys, URLs and rules the lifecycle services use."""

    keys: FileKeyStore
    base_url: str
    type_code: str
    validity_years: int = 6
    renew_window_days: int = 30

    def status_uri(self, credit_code: str) -> str:
        """The stable URL of an authority's status list."""
        return f"{self.base_url.rstrip('/')}/status/{credit_code}"


def issuing_context(app: Any) -> IssuingContext:
    """The context for ``app`` (made once and kept in ``app.extensions``)."""
    context: IssuingContext | None = app.extensions.get("issuing_context")
    if context is None:
        config = app.config
        context = app.extensions["issuing_context"] = IssuingContext(
            keys=app_keystore(app),
            base_url=config["PUBLIC_BASE_URL"],
            type_code=config["CERTIFICATE_TYPE_CODE"],
            validity_years=int(config.get("CERTIFICATE_VALIDITY_YEARS", 6)),
            renew_window_days=int(config.get("RENEW_WINDOW_DAYS", 30)),
        )
    return context


def blob_store(app: Any) -> FileBlobStore:
    """The app's blob store (the filesystem under ``BLOBS_DIR``), made once."""
    store: FileBlobStore | None = app.extensions.get("blob_store")
    if store is None:
        store = app.extensions["blob_store"] = FileBlobStore(app.config["BLOBS_DIR"])
    return store
