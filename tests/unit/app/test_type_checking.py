"""`make test` type-checks the service and the signing library strictly (mypy reads its settings
from pyproject.toml): neither can be dropped from the check, nor silenced as a whole."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def _mypy() -> dict[str, Any]:
    settings: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    return settings


def test_app_and_signing_are_checked_strictly() -> None:
    settings = _mypy()
    assert {"app", "signing"} <= set(settings["files"])
    assert settings["strict"] is True
    assert "ignore-without-code" in settings["enable_error_code"]  # every ignore names its error


def test_no_module_is_exempt_as_a_whole() -> None:
    settings = _mypy()
    overrides = settings.get("overrides", [])
    assert "ignore_errors" not in settings and "ignore_missing_imports" not in settings
    assert not [o for o in overrides if o.get("ignore_errors")]
    for override in overrides:
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        if override.get("ignore_missing_imports"):  # only named third-party modules, never ours
            assert not [m for m in modules if m.split(".")[0] in {"app", "signing"} or m == "*"]
