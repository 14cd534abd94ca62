"""The certificate core: issuing (one or many, one path), the lifecycle actions (one table, one
:func:`perform`), the shown state, and signed versions. Everything that creates or changes a
certificate — the forms, batch files, legacy renewal, applications — goes through here."""

from .batches import BatchOutcome, BatchRun, run_batch
from .issuance import ActionResult, IssueRequest, Refused, issue
from .lifecycle import ACTIONS, ActionInput, load, perform
from .signed import current_version
from .state import LIVE, shown_state, shown_state_of, shown_state_sql

__all__ = [
    "ACTIONS",
    "LIVE",
    "ActionInput",
    "ActionResult",
    "BatchOutcome",
    "BatchRun",
    "IssueRequest",
    "Refused",
    "current_version",
    "issue",
    "load",
    "perform",
    "run_batch",
    "shown_state",
    "shown_state_of",
    "shown_state_sql",
]
