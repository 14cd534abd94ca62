"""The suite's fixtures live in ``tests/fixtures.py``. They are loaded in every process that runs
tests, but not in the pytest-xdist controller (``pytest -n``), which only hands tests out to its
workers: importing the app there would only delay starting them.

Every process that runs tests also imports every module of the project first. Hypothesis draws some
example values from the constants of the project's modules present in ``sys.modules`` when a test
runs (its "local constants"), so without this the fuzz tests (tests/functional/*_fuzz.py,
tests/e2e/test_fuzz_parity.py) generated other inputs depending on which tests happened to run
before them in the same worker and what those imported lazily: a disagreement could show up in one
run and hide in the next. With every module imported up front the pool is the same in every process
and in every order, and it is the whole project (the most constants to try), so the derandomized
fuzz tests see the same inputs on every run of the same code. Pinning the pool empty instead would
take Hypothesis internals and give up those useful values."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PROJECT_PACKAGES = ("app", "signing", "simulator", "bench")


def import_project() -> None:
    """Import every module of the project's packages (see the module docstring)."""
    for name in PROJECT_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            importlib.import_module(module.name)


def pytest_configure(config: pytest.Config) -> None:
    """Load the fixtures and the whole project unless this process is the controller of a
    distributed run."""
    controller = config.getoption("dist", "no") != "no" and not hasattr(config, "workerinput")
    if not controller:
        import_project()
        config.pluginmanager.import_plugin("tests.fixtures")
