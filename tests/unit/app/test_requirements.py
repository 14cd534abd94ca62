"""Everything the service imports at run time is pinned in requirements.txt (not only in the
development requirements, which `make run` does not install)."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _pinned(name: str) -> set[str]:
    lines = (ROOT / name).read_text().splitlines()
    return {line.split("==")[0].strip().lower().replace("_", "-") for line in lines if "==" in line}


def _imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_runtime_imports_are_runtime_requirements() -> None:
    distributions = packages_distributions()
    runtime = _pinned("requirements.txt")
    missing = set()
    for module in _imports(ROOT / "app") | _imports(ROOT / "signing"):
        if module in sys.stdlib_module_names or module in {"app", "signing"}:
            continue
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & runtime:
            missing.add(f"{module} ({', '.join(sorted(names))})")
    assert not missing, f"imported by the service but not in requirements.txt: {sorted(missing)}"
