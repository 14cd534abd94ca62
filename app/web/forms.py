"""Forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

import uuid

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

# WTForms 3.3 added SelectChoice; its stub package (types-WTForms) still describes 3.2. Imported here
# once, and from here by the other form modules.
from wtforms import SelectChoice as SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from signing import CATEGORIES

from ..messages import name_of
from ..models.enums import CancelReason
from ..services.photos import REJECT_REASONS


class LoginForm(FlaskForm):
    """Staff sign-in."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def category_choices() -> list[SelectChoice]:
    """Categories that are still issued, by code, named in the user's language."""
    english = str(get_locale()) == "en"
    return [SelectChoice(c.code, c.name_en if english else c.name_zh) for c in CATEGORIES if not c.legacy]


class MultiCheckbox(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """Any action on an existing certificate: which version it was made for, once only."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    expected_version = IntegerField(validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
    confirm = BooleanField(_l("I confirm this action"), validators=[DataRequired()])


CANCEL_REASONS = {
    CancelReason.DEATH: _l("Death of the holder"),
    CancelReason.OWN_REQUEST: _l("At the holder's own request"),
    CancelReason.OVER_AGE: _l("Over 60 (driver categories)"),
    CancelReason.DRIVING_LICENCE_CANCELLED: _l("Driving licence cancelled or revoked"),
    CancelReason.EXPIRED_UNRENEWED: _l("180 days past expiry without renewal"),
}


class BatchForm(FlaskForm):
    """Upload a spreadsheet of certificates to issue."""

    file = FileField(
        _l("Spreadsheet (.csv or .xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
    partial = BooleanField(_l("Issue the valid rows even if some rows are wrong"))


class ConfirmBatchForm(FlaskForm):
    """Issue a checked batch: the file's digest and the number of warned rows the staff member saw
    (both checked again on the server), and his explicit acceptance of those rows."""

    digest = HiddenField(validators=[DataRequired()])
    warned = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    accept_warnings = BooleanField()


class DiscardForm(FlaskForm):
    """Drop a checked batch without issuing anything (a button: the CSRF token is the whole form)."""


class NoticesForm(FlaskForm):
    """Generate a batch's activation notices (new codes), confirmed."""

    confirm = BooleanField(validators=[DataRequired()])


class RestartForm(FlaskForm):
    """Start a failed batch again (a button: the CSRF token is the whole form)."""


class RetryForm(FlaskForm):
    """Send a dead message for the platform again (a button: the CSRF token is the whole form)."""


class StaffForm(FlaskForm):
    """A new staff account with its role and per-item, per-stage permissions."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=10, max=200)])
    role = SelectField(_l("Role"))
    authority_id = SelectField(_l("Authority"), coerce=int)
    permissions = MultiCheckbox(_l("Permissions (clerks)"))


class AssignmentForm(FlaskForm):
    """Assign or remove an implementing authority of a service item in a region."""

    region_code = StringField(_l("Region code"), validators=[DataRequired(), Length(min=6, max=6)])
    item = SelectField(_l("Service item"))
    authority_id = SelectField(_l("Authority"), coerce=int)
    remove = BooleanField(_l("Remove this assignment"))


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))],
    )


class SpreadsheetForm(FlaskForm):
    """Upload a spreadsheet to import (paper and IC-card certificates from the old system, the exam
    centre's results)."""

    file = FileField(
        _l("Spreadsheet (.csv or .xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
    confirm = BooleanField(_l("I have checked the file"), validators=[DataRequired()])


class ActivateForm(FlaskForm):
    """Open a holder account with the ID number and the activation code."""

    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=18)])
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", _l("The two new passwords differ."))],
    )


class HolderLoginForm(FlaskForm):
    """A holder signs in with ID number and password."""

    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=18)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class HolderPasswordForm(FlaskForm):
    """A holder changes their password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))],
    )


class PhotoForm(FlaskForm):
    """A holder uploads a photo taken with the phone."""

    photo = FileField(_l("Photo"), validators=[FileRequired(_l("Choose a photo."))])


def photo_reason_choices() -> list[SelectChoice]:
    """Why a photo is rejected, in the user's language, after an empty first choice."""
    return [
        SelectChoice("", _l("Choose the reason")),
        *(SelectChoice(c, name_of("photo_reason", c)) for c in REJECT_REASONS),
    ]


class PhotoReviewForm(FlaskForm):
    """Staff approve or reject a pending photo (``decision``: the button pressed); a rejection gives
    a reason from the list and, if the reviewer wants, their own words."""

    decision = SelectField(
        _l("Decision"), choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))]
    )
    reason_code = SelectField(_l("Reason for rejecting"), choices=photo_reason_choices, validate_choice=False)
    note = StringField(_l("Note for the holder (optional)"), validators=[Length(max=200)])


class IntakeForm(FlaskForm):
    """An application brought to the window (the item's form fields; the service checks them and
    names every problem, shown next to its field). Materials come as files named after their kind."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    name = StringField(_l("Applicant's name"), validators=[Length(max=100)])
    id_number = StringField(_l("ID number"), validators=[Length(max=40)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    certificate_number = StringField(_l("Certificate number"), validators=[Length(max=40)])
    categories = MultiCheckbox(_l("Categories"), coerce=int, choices=category_choices)
    new_name = StringField(_l("New name (if it changes)"), validators=[Length(max=100)])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
    cancel_reason = SelectField(
        _l("Cancellation reason"),
        choices=[SelectChoice("", "—"), *(SelectChoice(k.value, v) for k, v in CANCEL_REASONS.items())],
        validate_choice=False,  # the item's form checks it, with the other fields
    )
    confirm = BooleanField(_l("I have checked the details and the materials"), validators=[DataRequired()])


class StepForm(FlaskForm):
    """A step on a case: made for the case as the page showed it (``expected``: its next event)."""

    expected = IntegerField(validators=[InputRequired()])
    opinion = TextAreaField(_l("Opinion or reason"), validators=[Length(max=1000)])
    missing = MultiCheckbox(_l("Missing materials"))
    missing_other = StringField(_l("Other missing materials"), validators=[Length(max=200)])


class ProgressForm(FlaskForm):
    """An applicant checks their case by its number and their ID number."""

    case_number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=40)])
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=18)])


class ExamResultForm(FlaskForm):
    """Staff enter one exam result (every field is checked by ``app.services.exam_results``)."""

    id_number = StringField(_l("ID number"), validators=[Length(max=18)])
    name = StringField(_l("Name"), validators=[Length(max=50)])
    category = SelectField(_l("Category"), coerce=int, choices=category_choices)
    exam_date = StringField(_l("Exam date"), validators=[Length(max=20)])
    score = StringField(_l("Score"), validators=[Length(max=5)])
    passed = SelectField(
        _l("Result"), choices=[SelectChoice("合格", _l("Passed")), SelectChoice("不合格", _l("Failed"))]
    )


class ConnectForm(FlaskForm):
    """Connect a service item in a region to the government service platform, or disconnect it."""

    region_code = HiddenField(validators=[DataRequired(), Length(min=6, max=6)])
    item = HiddenField(validators=[DataRequired()])
    connected = HiddenField(validators=[DataRequired()])
