"""Applications (办件) from the window and the government service platform, and their stages.

A case is opened at a window by a clerk (:func:`open_at_window`) or pushed by the platform
(:func:`open_from_platform`), then moved on by one table of steps (:data:`STEPS`, one
:func:`act`): accept (受理), refuse to accept (不予受理), a one-time notice of missing materials
(一次性告知; the clock stops until they arrive: :func:`act` ``materials``, or
:func:`supplement_from_platform`), review (审核: approve or reject), conclude (办结: grant or deny).
Granting an issue, renew, reissue, change or cancel case performs that action through the
certificate core, and the case and the version it made point at each other.

Each step is one step of the unit of work: the case's stage, the certificate change it causes, the
history entry, the audit event and — for an item connected to the platform — the message that tells
the platform (``platform_message``, delivered by ``flask platform relay``) are written together or
not at all. Only staff of the case's implementing authority holding the item at that stage act
(:func:`app.services.access.require_case`). A page acts on the case as it showed it
(``expected``, the case's ``next_sequence``): the same step by the same person again is answered as
done (a double-submitted form), anything else that moved the case first is a conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import FactsError, clean_holder_id, clean_holder_name

from ...models import Application, ApplicationEvent, Authority, Certificate, PlatformMessage, Staff
from ...models.enums import FINAL_STAGES, CaseStage, Channel, MessageState, ServiceItem, Stage
from ...storage import BlobStore
from .. import access, authorities
from .. import certificates as certs
from ..audit import record
from ..certificates.signed import current_version
from ..certificates.state import LIVE
from ..clock import CHINA
from ..context import IssuingContext
from ..errors import Conflict, InvalidFields, NotFound, RuleViolation
from ..unit_of_work import step
from ..working_days import Deadline, add_working_days, working_days_between, working_days_left
from . import materials, prerequisites
from .items import ACCEPT_LIMIT, ITEMS, ItemSpec
from .materials import Upload

PHONE_DIGITS = range(7, 16)
PLATFORM = "platform"
"""The actor the platform's own steps are recorded under (its client id follows a colon)."""


@dataclass(frozen=True)
class Applicant:
    """Who applies."""

    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class NewCase:
    """An application as it comes in, not yet checked."""

    item: str
    applicant: Mapping[str, Any]
    form: Mapping[str, Any]
    channel: str = Channel.WINDOW.value
    case_number: str | None = None
    submitted_at: dt.datetime | None = None
    uploads: Sequence[Upload] = ()
    request_key: str | None = None
    """The window form's one-time key: the same form submitted twice opens one case."""


@dataclass(frozen=True)
class Checked:
    """An application whose applicant and form passed their checks."""

    spec: ItemSpec
    applicant: Applicant
    form: dict[str, Any]


def check_applicant(raw: Mapping[str, Any], today: dt.date, errors: dict[str, str]) -> Applicant:
    """The applicant, under the certificate's name and ID-number rules; problems go to ``errors``
    under ``applicant.<field>``."""
    values: dict[str, str] = {}
    for name, rule in (
        ("name", clean_holder_name),
        ("id_number", lambda text: clean_holder_id(text, today=today)),
        ("phone", _phone),
    ):
        value = raw.get(name) if isinstance(raw, Mapping) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[f"applicant.{name}"] = "required"
        elif not isinstance(value, str):
            errors[f"applicant.{name}"] = "not_a_string"
        else:
            try:
                values[name] = rule(value.strip())
            except FactsError as exc:
                errors[f"applicant.{name}"] = exc.code
            except ValueError:
                errors[f"applicant.{name}"] = "invalid_phone"
    return Applicant(values.get("name", ""), values.get("id_number", ""), values.get("phone", ""))


def _phone(text: str) -> str:
    digits = text.replace(" ", "").replace("-", "")
    if not (digits.lstrip("+").isdigit() and digits.isascii() and len(digits.lstrip("+")) in PHONE_DIGITS):
        raise ValueError(text)
    return digits


def check(new: NewCase, today: dt.date) -> Checked:
    """Check the item, the applicant and the item's form, every problem at once
    (:class:`InvalidFields`)."""
    errors: dict[str, str] = {}
    try:
        spec = ITEMS[ServiceItem(new.item)]
    except (ValueError, KeyError):
        errors["item"] = "unknown_item"
        spec = None
    applicant = check_applicant(new.applicant, today, errors)
    if spec is None:
        raise InvalidFields(errors)
    try:
        form = spec.check_form(new.form if isinstance(new.form, Mapping) else {}, today)
    except InvalidFields as exc:
        errors.update({f"form.{name}": code for name, code in exc.errors.items()})
    if errors:
        raise InvalidFields(errors)
    return Checked(spec, applicant, form)


def _certificate_for(session: Session, checked: Checked) -> Certificate | None:
    """The live certificate a renew, reissue, change or cancel case is about: found by number,
    and the applicant's own."""
    if not checked.spec.on_certificate:
        return None
    number = checked.form["certificate_number"]
    found = session.scalars(
        select(Certificate).where(Certificate.number == number, Certificate.state.in_(list(LIVE)))
    ).first()
    if found is None:
        raise RuleViolation(
            "no live certificate with that number", code="case_certificate_not_found", number=number
        )
    if found.practitioner.id_number != checked.applicant.id_number:
        raise RuleViolation(
            "the certificate is not the applicant's", code="case_certificate_other_holder", number=number
        )
    return found


def _case_number(session: Session, authority: Authority, today: dt.date) -> str:
    while True:
        number = f"{authority.region_code}{today:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if session.scalar(select(Application.id).where(Application.case_number == number)) is None:
            return number


def _connected(session: Session, authority: Authority, item: ServiceItem) -> bool:
    return authorities.assignment(session, authority.region_code, item).connected


def _new(
    session: Session,
    context: IssuingContext,
    checked: Checked,
    authority: Authority,
    certificate: Certificate | None,
    *,
    case_number: str,
    channel: str,
    submitted_at: dt.datetime,
    created_by: str,
    connected: bool,
    content_hash: str | None = None,
) -> Application:
    application = Application(
        case_number=case_number,
        item=checked.spec.item.value,
        authority=authority,
        authority_id=authority.id,
        channel=channel,
        connected=connected,
        applicant_name=checked.applicant.name,
        applicant_id_number=checked.applicant.id_number,
        applicant_phone=checked.applicant.phone,
        form=checked.form,
        content_hash=content_hash,
        stage=CaseStage.ACCEPT.value,
        submitted_at=submitted_at,
        paused_days=0,
        due_estimated=False,
        certificate_id=certificate.id if certificate is not None else None,
        next_sequence=1,
        created_by=created_by,
    )
    _set_due(application, submitted_at.astimezone(CHINA).date())
    session.add(application)
    session.flush()
    return application


def open_at_window(
    session: Session,
    context: IssuingContext,
    blobs: BlobStore,
    actor: Staff,
    new: NewCase,
) -> Application:
    """A clerk registers an application brought to the counter, with its materials. He must hold
    the item at the accept stage at the implementing authority; for a connected item the
    platform is told of the new case."""
    checked = check(new, context.clock.today())
    with step(session):
        repeated = opened_by_form(session, actor, new.request_key)
        if repeated is not None:
            return repeated
        certificate = _certificate_for(session, checked)
        access.require(
            session,
            actor,
            checked.spec.item,
            certificate,
            Stage.ACCEPT,
            action="application.create",
            target=("practitioner", checked.applicant.id_number),
        )
        authority = actor.authority
        application = _new(
            session,
            context,
            checked,
            authority,
            certificate,
            case_number=_case_number(session, authority, context.clock.today()),
            channel=Channel.WINDOW.value,
            submitted_at=context.clock.now(),
            created_by=actor.username,
            connected=_connected(session, authority, checked.spec.item),
            content_hash=_form_key(new.request_key),
        )
        materials.attach(
            session, blobs, application, list(new.uploads), at=context.clock.now(), supplementary=False
        )
        _history(session, context, application, actor.username, actor.display_name, "create", None)
        return application


def _form_key(request_key: str | None) -> str | None:
    return hashlib.sha256(f"window:{request_key}".encode()).hexdigest() if request_key else None


def opened_by_form(session: Session, actor: Staff, request_key: str | None) -> Application | None:
    """The case a window form with ``request_key`` already opened (a form submitted twice)."""
    key = _form_key(request_key)
    if key is None:
        return None
    return session.scalars(
        select(Application).where(Application.content_hash == key, Application.created_by == actor.username)
    ).first()


@dataclass(frozen=True)
class Pushed:
    """What the platform pushed, beyond the application itself."""

    implementing_body: str
    """The credit code of the implementing body (实施主体)."""
    content_hash: str
    client_id: str


def open_from_platform(
    session: Session,
    context: IssuingContext,
    blobs: BlobStore,
    new: NewCase,
    pushed: Pushed,
    checked: Checked | None = None,
) -> tuple[Application, bool]:
    """A case the platform pushed, and whether it is new. The same case number again with the
    same content is the first answer; with different content it is refused
    (``case_number_conflict``). The body must be the one configured for the item in its region
    (``not_implementing_body``) and the item connected there (``item_not_connected``)."""
    assert new.case_number is not None and new.submitted_at is not None
    existing = session.scalars(select(Application).where(Application.case_number == new.case_number)).first()
    if existing is not None:
        if existing.content_hash != pushed.content_hash:
            raise Conflict(
                "the case number was pushed with other content",
                code="case_number_conflict",
                number=new.case_number,
            )
        return existing, False
    checked = checked or check(new, context.clock.today())
    with step(session):
        authority = session.scalars(
            select(Authority).where(Authority.credit_code == pushed.implementing_body)
        ).first()
        if authority is None:
            raise RuleViolation("unknown implementing body", code="unknown_implementing_body")
        assignment = authorities.assignment(session, authority.region_code, checked.spec.item)
        if assignment.authority_id != authority.id:
            raise RuleViolation(
                "another body implements the item there",
                code="not_implementing_body",
                body=assignment.authority.name,
            )
        if not assignment.connected:
            raise RuleViolation("the item is not connected to the platform there", code="item_not_connected")
        certificate = _certificate_for(session, checked)
        if certificate is not None and certificate.authority_id != authority.id:
            raise RuleViolation(
                "only the issuing authority acts on its certificates",
                code="other_authority",
                issuer=certificate.authority.name,
            )
        application = _new(
            session,
            context,
            checked,
            authority,
            certificate,
            case_number=new.case_number,
            channel=new.channel,
            submitted_at=new.submitted_at,
            created_by=f"{PLATFORM}:{pushed.client_id}",
            connected=True,
            content_hash=pushed.content_hash,
        )
        materials.attach(
            session, blobs, application, list(new.uploads), at=context.clock.now(), supplementary=False
        )
        # The platform knows of its own case: its creation is history here, not a message there.
        _history(
            session,
            context,
            application,
            f"{PLATFORM}:{pushed.client_id}",
            PLATFORM,
            "create",
            None,
            tell=False,
        )
        return application, True


@dataclass(frozen=True)
class Step:
    """One step a case can take: the stage whose holders take it, where it may start and end."""

    stage: Stage | None
    """The permission it needs (``None``: the stage the case is at, or will go back to)."""
    starts: frozenset[CaseStage]
    ends: CaseStage | None
    """``None``: back where the notice of missing materials found it."""
    opinion_required: bool = False


STEPS: dict[str, Step] = {
    "accept": Step(Stage.ACCEPT, frozenset({CaseStage.ACCEPT}), CaseStage.REVIEW),
    "refuse": Step(
        Stage.ACCEPT, frozenset({CaseStage.ACCEPT}), CaseStage.NOT_ACCEPTED, opinion_required=True
    ),
    "notify": Step(
        None, frozenset({CaseStage.ACCEPT, CaseStage.REVIEW}), CaseStage.MATERIALS, opinion_required=True
    ),
    "materials": Step(None, frozenset({CaseStage.MATERIALS}), None),
    "approve": Step(Stage.REVIEW, frozenset({CaseStage.REVIEW}), CaseStage.CONCLUDE),
    "reject": Step(Stage.REVIEW, frozenset({CaseStage.REVIEW}), CaseStage.CONCLUDE, opinion_required=True),
    "grant": Step(Stage.CONCLUDE, frozenset({CaseStage.CONCLUDE}), CaseStage.GRANTED),
    "deny": Step(Stage.CONCLUDE, frozenset({CaseStage.CONCLUDE}), CaseStage.REFUSED, opinion_required=True),
}
"""Every step of a case, by name (the name is also its history action and message kind)."""


@dataclass(frozen=True)
class StepResult:
    """What a step did; ``repeated`` when the same person had just taken the same step."""

    application: Application
    repeated: bool = False


@dataclass(frozen=True)
class StepInput:
    """What a step's form gives: the opinion (a reason, the missing materials), the materials
    handed in after a notice, and what the conclusion needs from the desk."""

    opinion: str = ""
    missing: Sequence[str] = field(default_factory=tuple)
    uploads: Sequence[Upload] = ()


def load(session: Session, application_id: int) -> Application:
    """A case by id, or :class:`NotFound`."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound("no such case", code="case_not_found")
    return application


def stage_needed(application: Application, name: str) -> Stage:
    """The stage a staff member must hold to take step ``name`` on ``application`` now (a notice
    and the materials it asked for: the stage the case is at, or goes back to)."""
    definition = STEPS[name]
    if definition.stage is not None:
        return definition.stage
    at = CaseStage((application.resume_stage if name == "materials" else None) or application.stage)
    return Stage(at.value)


def act(
    session: Session,
    context: IssuingContext,
    blobs: BlobStore,
    actor: Staff,
    application_id: int,
    name: str,
    given: StepInput | None = None,
    *,
    expected: int | None = None,
) -> StepResult:
    """Take step ``name`` on a case (see the module's docstring)."""
    definition = STEPS.get(name)
    if definition is None:
        raise NotFound(f"no step {name}", code="unknown_step")
    given = given or StepInput()
    application = load(session, application_id)
    with step(session):
        if expected is not None and expected != application.next_sequence:
            return (
                StepResult(application, repeated=True)
                if _just_did(application, expected, name, actor)
                else _stale(application)
            )
        access.require_case(
            session,
            actor,
            application,
            stage_needed(application, name),
            action=f"application.{name}",
        )
        if CaseStage(application.stage) not in definition.starts:
            raise Conflict(
                "the case is no longer at that stage", code="case_moved_on", stage=application.stage
            )
        opinion = given.opinion.strip()
        if definition.opinion_required and not opinion:
            raise RuleViolation("give the reason", code="opinion_required")
        # The case's row first (the one lock order: the case, then what the step changes — status
        # list, authority, certificate — then the audit head): its next sequence is taken now.
        sequence = _claim_sequence(session, application)
        _take(session, context, blobs, actor, application, name, definition, opinion, given, sequence)
        return StepResult(application)


def _claim_sequence(session: Session, application: Application) -> int:
    sequence = application.next_sequence
    application.next_sequence = sequence + 1
    session.flush()
    return sequence


def _just_did(application: Application, expected: int, name: str, actor: Staff) -> bool:
    done = next((e for e in application.events if e.sequence == expected), None)
    return done is not None and done.action == name and done.actor == actor.username


def _stale(application: Application) -> StepResult:
    raise Conflict("someone else moved the case first", code="case_changed", stage=application.stage)


def _take(
    session: Session,
    context: IssuingContext,
    blobs: BlobStore,
    actor: Staff,
    application: Application,
    name: str,
    definition: Step,
    opinion: str,
    given: StepInput,
    sequence: int,
) -> None:
    today = context.clock.today()
    before = application.stage
    details: dict[str, Any] = {}
    if name == "accept":
        application.accepted_on = today
    elif name == "notify":
        missing = [m for m in given.missing if m] or []
        details["missing"] = missing
        application.resume_stage = application.stage
        if application.accepted_on is not None:
            application.paused_since = today
    elif name == "materials":
        if not given.uploads:
            raise RuleViolation("hand in the missing materials", code="materials_required")
        materials.attach(
            session, blobs, application, list(given.uploads), at=context.clock.now(), supplementary=True
        )
        _resume(application, today)
    elif name in ("approve", "reject"):
        if name == "approve":
            prerequisites.require(case_prerequisites(session, application, today))
        application.review_approved = name == "approve"
    elif name == "grant":
        if not application.review_approved:
            raise RuleViolation("the review did not approve the case", code="review_not_approved")
        prerequisites.require(case_prerequisites(session, application, today))
        details["result"] = _grant(session, context, actor, application)
    ends = definition.ends or CaseStage(application.stage)
    if name != "materials":
        application.stage = ends.value
    if CaseStage(application.stage) in FINAL_STAGES:
        application.concluded_at = context.clock.now()
    _set_due(application, today)
    _history(
        session,
        context,
        application,
        actor.username,
        actor.display_name,
        name,
        before,
        opinion,
        details,
        sequence,
    )


def _resume(application: Application, today: dt.date) -> None:
    if application.paused_since is not None:
        application.paused_days += max(0, working_days_between(application.paused_since, today))
        application.paused_since = None
    application.stage = application.resume_stage or CaseStage.ACCEPT.value
    application.resume_stage = None


def supplement_from_platform(
    session: Session,
    context: IssuingContext,
    blobs: BlobStore,
    case_number: str,
    uploads: Sequence[Upload],
    client_id: str,
) -> Application:
    """The materials a one-time notice asked for, pushed by the platform: the case goes back to
    where the notice found it and the clock runs again (``case_not_found``;
    ``case_not_waiting`` unless the case waits for materials)."""
    application = session.scalars(select(Application).where(Application.case_number == case_number)).first()
    if application is None or not application.connected:
        raise NotFound("no such case", code="case_not_found")
    with step(session):
        if application.stage != CaseStage.MATERIALS:
            raise Conflict(
                "the case is not waiting for materials", code="case_not_waiting", stage=application.stage
            )
        if not uploads:
            raise RuleViolation("hand in the missing materials", code="materials_required")
        today = context.clock.today()
        before = application.stage
        materials.attach(
            session, blobs, application, list(uploads), at=context.clock.now(), supplementary=True
        )
        _resume(application, today)
        _set_due(application, today)
        _history(session, context, application, f"{PLATFORM}:{client_id}", PLATFORM, "materials", before)
        return application


def case_prerequisites(
    session: Session, application: Application, today: dt.date
) -> list[prerequisites.Prerequisite]:
    """What the case needs besides its form (:mod:`.prerequisites`): for an issue, for the
    categories it asks; for a change, for the categories it adds; for a renewal, the age limit of
    drivers; nothing for the other items."""
    item = ServiceItem(application.item)
    certificate = session.get(Certificate, application.certificate_id) if application.certificate_id else None
    held = tuple(current_version(certificate).categories) if certificate is not None else ()
    if item == ServiceItem.ISSUE:
        categories = list(application.form.get("categories") or [])
    elif item == ServiceItem.CHANGE:
        categories = [c for c in application.form.get("categories") or [] if c not in held]
    elif item == ServiceItem.RENEW:
        return [
            p
            for p in prerequisites.check(session, application.applicant_id_number, held, today)
            if p.code == "prerequisite_age"
        ]
    else:
        return []
    return prerequisites.check(session, application.applicant_id_number, categories, today)


def _grant(
    session: Session, context: IssuingContext, actor: Staff, application: Application
) -> dict[str, Any]:
    """Perform the case's action through the certificate core and link the case and the version."""
    item = ServiceItem(application.item)
    form = application.form
    if item == ServiceItem.ISSUE:
        certificate = certs.issue(
            session,
            context,
            actor,
            certs.IssueRequest(
                application.applicant_id_number, application.applicant_name, form["categories"]
            ),
        ).certificate
    else:
        assert application.certificate_id is not None
        given = certs.ActionInput(
            reason=form.get("reason") or "",
            holder_name=form.get("name"),
            categories=form.get("categories"),
            cancel_reason=form.get("cancel_reason"),
        )
        certificate = certs.perform(
            session, context, actor, item.value, application.certificate_id, given
        ).certificate
    version = current_version(certificate)
    if item != ServiceItem.CANCEL:
        version.application_id = application.id
    application.certificate_id = certificate.id
    application.certificate_version = version.version
    return {
        "certificate_number": certificate.number,
        "certificate_version": version.version,
        "certificate_state": certificate.state,
        "valid_until": version.valid_until.isoformat(),
    }


def _set_due(application: Application, counted_from: dt.date) -> None:
    """The last day of the running time limit: for acceptance from ``counted_from`` (submission,
    or the arrival of missing materials); once accepted, the item's promised limit after the day of
    acceptance plus the working days the clock stood still; none while it stands or once concluded."""
    stage = CaseStage(application.stage)
    if stage in FINAL_STAGES or stage == CaseStage.MATERIALS:
        deadline: Deadline | None = None
    elif application.accepted_on is None:
        deadline = add_working_days(counted_from, ACCEPT_LIMIT)
    else:
        limit = ITEMS[ServiceItem(application.item)].time_limit + application.paused_days
        deadline = add_working_days(application.accepted_on, limit)
    application.due = deadline.due if deadline else None
    application.due_estimated = bool(deadline and deadline.estimated)


def time_left(application: Application, today: dt.date) -> int | None:
    """Working days left to the case's deadline (0 on its last day, negative once overdue), or
    ``None`` when no clock runs (waiting for materials, or concluded)."""
    if application.due is None:
        return None
    return working_days_left(Deadline(application.due, application.due_estimated), today)


def _history(
    session: Session,
    context: IssuingContext,
    application: Application,
    actor: str,
    actor_name: str,
    action: str,
    before: str | None,
    opinion: str = "",
    details: dict[str, Any] | None = None,
    sequence: int | None = None,
    *,
    tell: bool = True,
) -> None:
    """One history entry (number ``sequence`` if the step took it already), its audit event and,
    for a connected case, the platform's message."""
    now = context.clock.now()
    if sequence is None:
        sequence = _claim_sequence(session, application)
    session.add(
        ApplicationEvent(
            application_id=application.id,
            sequence=sequence,
            action=action,
            stage_before=before,
            stage_after=application.stage,
            actor=actor,
            actor_name=actor_name,
            at=now,
            opinion=opinion or None,
            details=details or None,
        )
    )
    record(
        session,
        actor=actor,
        action=f"application.{action}",
        target_type="application",
        target_id=application.case_number,
        authority=application.authority.credit_code,
        reason=opinion or None,
        before={"stage": before} if before else None,
        after={"stage": application.stage, **(details or {})},
        at=now,
    )
    if application.connected and tell:
        session.add(
            PlatformMessage(
                application_id=application.id,
                case_number=application.case_number,
                sequence=sequence,
                kind=action,
                payload=_message(
                    application, sequence, action, actor, actor_name, now, opinion, details or {}
                ),
                state=MessageState.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    session.flush()
    session.expire(application, ["events"])


def _message(
    application: Application,
    sequence: int,
    action: str,
    actor: str,
    actor_name: str,
    at: dt.datetime,
    opinion: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """What the platform is told of one step (its idempotency key: case number and sequence)."""
    body: dict[str, Any] = {
        "case_number": application.case_number,
        "sequence": sequence,
        "item_code": ITEMS[ServiceItem(application.item)].platform_code,
        "implementing_body": application.authority.credit_code,
        "action": action,
        "stage": application.stage,
        "at": at.isoformat(),
        "handler": {"id": actor, "name": actor_name},
        "opinion": opinion or None,
        "due": application.due.isoformat() if application.due else None,
    }
    if action == "create":
        body.update(
            channel=application.channel,
            submitted_at=application.submitted_at.isoformat(),
            applicant={"name": application.applicant_name, "id_number": application.applicant_id_number},
        )
    return {**body, **details}
