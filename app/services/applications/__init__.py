"""Applications (办件): service items one applies for (:mod:`.items`), the cases and their
stages (:mod:`.cases`), the materials handed in (:mod:`.materials`) and the prerequisites looked
up by ID number (:mod:`.prerequisites`)."""

from .cases import (
    STEPS,
    Applicant,
    Checked,
    NewCase,
    Pushed,
    StepInput,
    StepResult,
    act,
    case_prerequisites,
    check,
    load,
    open_at_window,
    open_from_platform,
    opened_by_form,
    stage_needed,
    supplement_from_platform,
    time_left,
)
from .items import ITEMS, ItemSpec, spec_of

__all__ = [
    "ITEMS",
    "STEPS",
    "Applicant",
    "Checked",
    "ItemSpec",
    "NewCase",
    "Pushed",
    "StepInput",
    "StepResult",
    "act",
    "case_prerequisites",
    "check",
    "load",
    "open_at_window",
    "open_from_platform",
    "opened_by_form",
    "spec_of",
    "stage_needed",
    "supplement_from_platform",
    "time_left",
]
