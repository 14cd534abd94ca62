"""Configuration from environment variables, with embedded development defaults.

Every setting can be given as ``RTC_<NAME>`` in the environment. With none set the service runs
on SQLite in the instance folder, with development keys generated there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from signing import LEGACY_LAYOUT_UNTIL, PRESENTATION_LIFETIME

ENV_PREFIX = "RTC_"
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # default: sqlite:///<instance>/rtc.sqlite3
    "KEYS_DIR": None,  # default: <instance>/keys
    "KEY_PASSWORD": None,  # encrypts private key PEM files when set
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "SECRET_KEY": None,  # default: generated once into <instance>/secret_key
    "CERTIFICATE_TYPE_CODE": "11100000000000000D",  # JT/T 1290 licence type code (configure!)
    "PRESENTATION_LIFETIME": PRESENTATION_LIFETIME,  # seconds; at most 69 (signing.check_lifetime)
    "LEGACY_LAYOUT_UNTIL": LEGACY_LAYOUT_UNTIL,  # epoch s: the first compact layout is refused from then
    "RATELIMIT_STORAGE_URI": None,  # default: sqlite:///<instance>/rate_limits.sqlite3 (Redis: redis://…)
    "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For is trusted
    "RATELIMIT_ENABLED": True,  # off only for load benchmarks
    "JWKS_MAX_AGE": 300,
    "STATUS_MAX_AGE": 60,
    "CERTIFICATE_VALIDITY_YEARS": 6,
    "RENEW_WINDOW_DAYS": 30,
    "SESSION_MINUTES": 30,
    "LOG_JSON": True,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "BLOBS_DIR": None,  # default: <instance>/blobs
    "AUDIT_CHECKPOINT_DIR": None,  # default: <instance>/audit-checkpoints (not writable by the database)
    "GRADUATION_PDF_MAX_BYTES": 20 * 1024 * 1024,
    "TRAINING_TYPES": "A2:A2 驾驶培训,B2:B2 驾驶培训,general_cargo:普通货物运输从业资格培训",
    "PARTNER_TOKEN_SECONDS": 600,
    "APPLICATION_MATERIAL_MAX_BYTES": 10 * 1024 * 1024,  # each file handed in with an application
    "APPLICATION_MATERIALS_MAX_COUNT": 10,  # files in one platform push (or one supplement)
    "BATCH_CHUNK_ROWS": 1000,  # certificates a batch stores per transaction (the longest lock it holds)
    # The government service platform (一体化平台) that `flask platform relay` tells of each step
    "PLATFORM_URL": None,  # e.g. https://zwfw.example.gov.cn (no relay without it)
    "PLATFORM_CLIENT_ID": None,
    "PLATFORM_CLIENT_SECRET": None,
    "PLATFORM_TIMEOUT": 10.0,  # seconds for one request to the platform
    "PLATFORM_MAX_ATTEMPTS": 60,  # failed attempts before a message is dead (the waits cover a day and more)
    "PLATFORM_BACKOFF": 1.0,  # seconds: the first wait after a failure (doubling, with jitter)
    "PLATFORM_BACKOFF_MAX": 1800.0,  # seconds: the longest wait between two attempts
    "PLATFORM_SENDERS": 8,  # messages one relay sends at once (to different cases)
}
_INTEGERS = {
    "PRESENTATION_LIFETIME",
    "LEGACY_LAYOUT_UNTIL",
    "JWKS_MAX_AGE",
    "STATUS_MAX_AGE",
    "MAX_CONTENT_LENGTH",
    "CERTIFICATE_VALIDITY_YEARS",
    "RENEW_WINDOW_DAYS",
    "SESSION_MINUTES",
    "GRADUATION_PDF_MAX_BYTES",
    "PARTNER_TOKEN_SECONDS",
    "APPLICATION_MATERIAL_MAX_BYTES",
    "APPLICATION_MATERIALS_MAX_COUNT",
    "PROXY_COUNT",
    "BATCH_CHUNK_ROWS",
    "PLATFORM_MAX_ATTEMPTS",
    "PLATFORM_SENDERS",
}
_FLOATS = {"PLATFORM_TIMEOUT", "PLATFORM_BACKOFF", "PLATFORM_BACKOFF_MAX"}
_BOOLEANS = {"LOG_JSON", "RATELIMIT_ENABLED"}


def from_environment(environ: os._Environ[str] | dict[str, str] = os.environ) -> dict[str, Any]:
    """The settings, each from ``RTC_<NAME>`` if set, else its default."""
    config: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None:
            config[name] = default
        elif name in _INTEGERS:
            config[name] = int(raw)
        elif name in _FLOATS:
            config[name] = float(raw)
        elif name in _BOOLEANS:
            config[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            config[name] = raw
    return config


def fill_instance_defaults(config: dict[str, Any], instance: Path) -> None:
    """Point unset paths into the instance folder and make a persistent development secret."""
    instance.mkdir(parents=True, exist_ok=True)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'rtc.sqlite3'}"
    if not config.get("KEYS_DIR"):
        config["KEYS_DIR"] = str(instance / "keys")
    if not config.get("BLOBS_DIR"):
        config["BLOBS_DIR"] = str(instance / "blobs")
    if not config.get("RATELIMIT_STORAGE_URI"):
        # every worker of the host shares these counters (app.rate_limit_store); several hosts: Redis
        config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{instance / 'rate_limits.sqlite3'}"
    if not config.get("AUDIT_CHECKPOINT_DIR"):
        config["AUDIT_CHECKPOINT_DIR"] = str(instance / "audit-checkpoints")
    if not config.get("SECRET_KEY"):
        secret_file = instance / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        config["SECRET_KEY"] = secret_file.read_text().strip()
