"""The issuing context: keys, URLs, the validity rules and the clock the certificate services use."""

from __future__ import annotations

from dataclasses import dataclass, field

from signing import FileKeyStore

from .clock import Clock


@dataclass(frozen=True)
class IssuingContext:
    """Keys, URLs, rules and the clock the certificate services use."""

    keys: FileKeyStore
    base_url: str
    type_code: str
    validity_years: int = 6
    renew_window_days: int = 30
    clock: Clock = field(default_factory=Clock)

    def status_uri(self, credit_code: str) -> str:
        """The stable URL of an authority's status list."""
        return f"{self.base_url.rstrip('/')}/status/{credit_code}"
