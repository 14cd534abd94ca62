"""Every audit action the service records reads as words on the audit page (and in a
certificate's history), never as "Other event": the actions are collected from the source (every
``action=`` and ``"action":`` given as text, every ``record_view`` and key event and, for the
ones built from a pattern, each value the pattern takes), so a new action without words fails
here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.messages import EVENT_ACTIONS, MESSAGES, event_name
from app.services.applications.cases import STEPS
from app.services.certificates.lifecycle import ACTIONS

ROOT = Path(__file__).resolve().parents[3]
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _literal_actions() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values += [k.value for k in node.keywords if k.arg == "action"]
                name = getattr(node.func, "id", "")
                if name == "record_view" and node.args:  # record_view(action, …)
                    values.append(node.args[0])
                if name == "_audit" and len(node.args) > 2:  # keys._audit(session, actor, action, …)
                    values.append(node.args[2])
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", "").endswith("_ACTION") for t in node.targets
            ):  # VIEW_ACTION = "verification.full_view"
                values.append(node.value)
            if isinstance(node, ast.Dict):
                values += [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if getattr(k, "value", None) == "action"
                ]
            for value in values:
                for leaf in ast.walk(value):
                    if (
                        isinstance(leaf, ast.Constant)
                        and isinstance(leaf.value, str)
                        and ACTION.match(leaf.value)
                    ):
                        found.add(leaf.value.removesuffix(".refused"))
    return found


def recorded_actions() -> set[str]:
    """Every action the service writes (without ``.refused``)."""
    patterned = (
        {f"certificate.{name}" for name in ACTIONS}
        | {f"application.{name}" for name in STEPS}
        | {"application.create", "photo.approve", "photo.reject", "staff.login_failed", "holder.login_failed"}
    )
    return _literal_actions() | patterned


def test_the_scan_finds_actions_of_every_kind() -> None:
    found = _literal_actions()
    for sample in (
        "certificate.batch_publish",
        "verification.full_view",
        "staff.deactivate",
        "audit.view",
        "key.rotate",
    ):
        assert sample in found


def test_every_recorded_action_has_words() -> None:
    missing = sorted(a for a in recorded_actions() if f"event_{a}" not in MESSAGES)
    assert missing == [], f"audit actions without words in app/messages.py: {missing}"
    assert recorded_actions() <= set(EVENT_ACTIONS) | {"graduation"}


def test_a_refusal_reads_as_its_action_refused() -> None:
    assert event_name("certificate.suspend.refused", str) == "Suspended: refused"
    assert event_name("audit.view", str) == "Audit log viewed"
