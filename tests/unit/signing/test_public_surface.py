"""``signing`` is used through its public surface only: the names ``signing/__init__.py`` exports
and the ``signing.errors`` module. Its private modules (``signing._…``) may change at any time."""

from __future__ import annotations

import re
from pathlib import Path

import signing

ROOT = Path(__file__).resolve().parents[3]
SKIPPED = {".git", ".venv", "node_modules", "signing", "instance", "__pycache__"}
# "signing._x" anywhere (import, attribute, monkeypatch target) or "from signing import _x".
PRIVATE = re.compile(r"\bsigning\s*\.\s*_\w|\bfrom\s+signing\s+import\s+\(?\s*(?:[\w\s,]*,\s*)?_\w")


def python_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and path.name not in SKIPPED and not path.name.startswith("."):
            found.extend(python_files(path))
        elif path.suffix == ".py":
            found.append(path)
    return found


def test_nothing_outside_signing_uses_a_private_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files(ROOT)
        if path != Path(__file__).resolve()  # its examples below are meant to match
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert offenders == []


def test_the_check_finds_private_imports() -> None:
    for line in (
        "from signing._encoding import decimal_decode",
        "import signing._keys",
        'monkeypatch.setattr("signing._verify.time", fake)',
        "from signing import _status_list",
        "from signing import Status, _verify",
    ):
        assert PRIVATE.search(line), line
    for line in (
        "from signing import Status, Verifier",
        "from signing.errors import Malformed",
        "my_signing._x",
    ):
        assert not PRIVATE.search(line), line


def test_every_exported_name_exists() -> None:
    assert all(hasattr(signing, name) for name in signing.__all__)
    assert not any(name.startswith("_") for name in signing.__all__)
