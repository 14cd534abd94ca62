"""``python -m signing``: exit codes and messages for usage errors and identifiers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from signing import Identifier

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
TRUST = ("--jwks", str(VECTORS / "jwks.json"), "--key-status", str(VECTORS / "key-status.jwt"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signing", *args], capture_output=True, text=True, check=False
    )


def test_check_identifier_good_and_bad() -> None:
    good = str(Identifier("11100000000000000D", "11370100MB00000007", "00012345", 2))
    assert run("check-identifier", good).returncode == 0
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    result = run("check-identifier", bad)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"valid": False, "detail": "the check character is wrong"}


def test_missing_jwks_is_usage_error() -> None:
    result = run("verify", "123")
    assert result.returncode == 2
    assert "--jwks" in result.stderr


def test_unreadable_jwks_is_usage_error(tmp_path: Path) -> None:
    broken = tmp_path / "jwks.json"
    broken.write_text("{not json")
    result = run("verify", "123", "--jwks", str(broken), "--key-status", str(VECTORS / "key-status.jwt"))
    assert result.returncode == 2
    assert "cannot load trust files" in result.stderr


def test_key_status_signed_by_a_key_not_in_the_jwks_is_usage_error(tmp_path: Path) -> None:
    other = tmp_path / "jwks.json"
    other.write_text(json.dumps({"keys": []}))
    result = run("verify", "123", "--jwks", str(other), "--key-status", str(VECTORS / "key-status.jwt"))
    assert result.returncode == 2
    assert "is not in the JWKS" in result.stderr


def test_bad_time_is_usage_error() -> None:
    result = run("verify", "123", *TRUST, "--at", "yesterday")
    assert result.returncode == 2
    assert "not an ISO 8601 time" in result.stderr


def test_naive_time_is_refused() -> None:
    result = run("verify", "123", *TRUST, "--at", "2026-11-21T10:00:00")
    assert result.returncode == 2
    assert "give a time zone" in result.stderr


def test_invalid_prints_reason_and_detail() -> None:
    result = run("verify", "https://weixin.qq.com/r/x", *TRUST)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "valid": False,
        "reason": "malformed",
        "step": 1,
        "detail": "the link is not a certificate verification link",
    }
