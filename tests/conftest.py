"""The suite's fixtures live in ``tests/fixtures.py``. They are loaded in every process that runs
tests, but not in the pytest-xdist controller (``pytest -n``), which only hands tests out to its
workers: importing the app there would only delay starting them."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Load the fixtures unless this process is the controller of a distributed run."""
    controller = config.getoption("dist", "no") != "no" and not hasattr(config, "workerinput")
    if not controller:
        config.pluginmanager.import_plugin("tests.fixtures")
