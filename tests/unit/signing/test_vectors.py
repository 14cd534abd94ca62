"""Every golden vector gives its expected verdict, in the library and in the command line (the bulk
vectors, every byte of a code flipped and every truncation, through the command line's own
function, not a process each)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from signing import Verifier
from signing.__main__ import main
from signing.errors import VerificationError

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
CASES = sorted((VECTORS / "cases").glob("*.json"))
BULK = sorted((VECTORS / "bulk").glob("*.json"))


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    jwks = json.loads((VECTORS / "jwks.json").read_text())
    key_status = (VECTORS / "key-status.jwt").read_text().strip()
    return Verifier.from_documents(jwks, key_status, (VECTORS / "status.txt").read_text().split())


def verdict(verifier: Verifier, case: dict[str, object]) -> dict[str, object]:
    try:
        verifier.verify(str(case["input"]), at=int(case["at"]))  # type: ignore[call-overload]
    except VerificationError as exc:
        return {"valid": False, "reason": exc.code}
    return {"valid": True}


def test_there_are_vectors_for_every_reason() -> None:
    reasons = {json.loads(p.read_text())["expect"].get("reason") for p in CASES}
    assert {
        "malformed",
        "retired_layout",
        "unknown_key",
        "wrong_key_purpose",
        "key_compromised",
        "bad_signature",
        "key_outside_window",
        "not_yet_valid",
        "expired",
        "stale_presentation",
        "revoked",
        "suspended",
        "superseded",
        "policy",
        None,
    } <= reasons


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_library_verdict(verifier: Verifier, path: Path) -> None:
    case = json.loads(path.read_text())
    assert verdict(verifier, case) == case["expect"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_command_line_verdict(path: Path) -> None:
    case = json.loads(path.read_text())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "signing",
            "verify",
            "-",
            "--jwks",
            str(VECTORS / "jwks.json"),
            "--key-status",
            str(VECTORS / "key-status.jwt"),
            "--status",
            str(VECTORS / "status.txt"),
            "--at",
            str(case["at"]),
        ],
        input=case["input"],
        capture_output=True,
        text=True,
        check=False,
    )
    printed = json.loads(result.stdout)
    assert result.returncode == (0 if case["expect"]["valid"] else 1), result.stderr
    assert printed["valid"] is case["expect"]["valid"]
    assert printed.get("reason") == case["expect"].get("reason")


def test_bulk_vectors_cover_both_layouts() -> None:
    assert {p.stem for p in BULK} == {"first-layout-presentation", "presentation", "printed"}
    assert all(len(json.loads(p.read_text())["cases"]) > 300 for p in BULK)


@pytest.mark.parametrize("path", BULK, ids=[p.stem for p in BULK])
def test_bulk_library_and_command_line(
    verifier: Verifier, path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bulk = json.loads(path.read_text())
    trust = ["--jwks", str(VECTORS / "jwks.json"), "--key-status", str(VECTORS / "key-status.jwt")]
    trust += ["--status", str(VECTORS / "status.txt")]
    wrong = []
    for case in bulk["cases"]:
        case = {**case, "at": bulk["at"]}
        monkeypatch.setattr(sys, "stdin", io.StringIO(case["input"]))
        code = main(["verify", "-", *trust, "--at", str(bulk["at"])])
        printed = json.loads(capsys.readouterr().out)
        command_line = {"valid": printed["valid"], "reason": printed.get("reason")}
        if verdict(verifier, case) != case["expect"] or command_line != case["expect"] or code != 1:
            wrong.append((case["description"], verdict(verifier, case), command_line))
    assert wrong == []
