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
)

# WTForms 3.3 added SelectChoice; its stub package (types-WTForms) still describes 3.2. Imported here
# once, and from here by the other form modules.
from wtforms import SelectChoice as SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from signing import CATEGORIES

from ..models.enums import CancelReason


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


class IssueForm(FlaskForm):
    """Issue a certificate."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(min=18, max=18)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    categories = MultiCheckbox(
        _l("Categories"),
        coerce=int,
        choices=category_choices,
        validators=[InputRequired(_l("Choose at least one category."))],
    )
    confirm = BooleanField(_l("I have checked the details"), validators=[DataRequired()])


class ActionForm(FlaskForm):
    """Any action on an existing certificate: which version it was made for, once only."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    expected_version = IntegerField(validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
    confirm = BooleanField(_l("I confirm this action"), validators=[DataRequired()])


class ChangeForm(ActionForm):
    """Change the holder's name or the categories."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    categories = MultiCheckbox(
        _l("Categories"),
        coerce=int,
        choices=category_choices,
        validators=[InputRequired(_l("Choose at least one category."))],
    )


CANCEL_REASONS = {
    CancelReason.DEATH: _l("Death of the holder"),
    CancelReason.OWN_REQUEST: _l("At the holder's own request"),
    CancelReason.OVER_AGE: _l("Over 60 (driver categories)"),
    CancelReason.DRIVING_LICENCE_CANCELLED: _l("Driving licence cancelled or revoked"),
    CancelReason.EXPIRED_UNRENEWED: _l("180 days past expiry without renewal"),
}


class CancelForm(ActionForm):
    """Cancel with one of the regulation's reasons."""

    cancel_reason = SelectField(
        _l("Cancellation reason"), choices=[SelectChoice(k.value, v) for k, v in CANCEL_REASONS.items()]
    )


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
    confirm = BooleanField(_l("I have checked the file"), validators=[DataRequired()])


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


class LegacyImportForm(FlaskForm):
    """Upload paper and IC-card certificates from the old system."""

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


class PhotoReviewForm(FlaskForm):
    """Staff approve or reject a pending photo."""

    decision = SelectField(
        _l("Decision"), choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))]
    )
    reason = StringField(_l("Reason"), validators=[Length(max=200)])
