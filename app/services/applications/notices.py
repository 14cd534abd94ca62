"""The printed notices of a case and when each may be printed: the acceptance notice once the
case was accepted, the one-time notice of missing materials once one was given, the refusal
notice once the case was refused at acceptance or at its conclusion. Each notice tells of one
step of the history (the latest of its kind)."""

from __future__ import annotations

from ...models import Application, ApplicationEvent

NOTICE_STEPS: dict[str, tuple[str, ...]] = {
    "acceptance": ("accept",),
    "missing": ("notify",),
    "refusal": ("refuse", "deny"),
}
"""Each notice, by name, and the steps it tells of."""


def event_for(application: Application, notice: str) -> ApplicationEvent | None:
    """The step of ``application``'s history that ``notice`` tells of (the latest), or ``None``
    while the case has not reached it."""
    steps = NOTICE_STEPS[notice]
    found = [event for event in application.events if event.action in steps]
    return found[-1] if found else None


def available(application: Application) -> list[str]:
    """The notices ``application`` can be given now, in the order of :data:`NOTICE_STEPS`."""
    return [notice for notice in NOTICE_STEPS if event_for(application, notice) is not None]
